/* tests/unit/test_checks_spec.c: the checks loader: every kind read right, one bad spec per mistake with its FILE:LINE:COL. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/checks/checks_spec.h"

static const char good[] =
    "checks:\n"
    "  - name: A reaches B\n"
    "    points: 2\n"
    "    reach: {from: umlA, to: umlB}\n"
    "  - {name: isolated, no_reach: {from: umlA, to: 10.0.0.99, count: 1, strict: true}}\n"
    "  - {name: hops, points: 0, path: {from: h1, to: h2, via: [r1, r2]}}\n"
    "  - {name: eth0, iface: {on: umlA, dev: eth0, address: 10.0.0.1/24, state: up,"
    " mac: 02:00:00:00:00:0a, mtu: 1500}}\n"
    "  - {name: route, route: {on: h1, to: 10.0.2.0/24, via: 10.0.1.254, dev: eth1}}\n"
    "  - {name: default, route: {on: h1, to: default}}\n"
    "  - {name: fwd, forwarding: {on: r1, enabled: false}}\n"
    "  - {name: cmd, command: {on: umlA, run: \"hostname\", expect: {exit: 0, stdout: \"^umlA$\"}}}\n"
    "  - {name: arp, frames: {switch: S1, from: umlA, proto: udp, port: 53, min: 2, within: 3}}\n"
    "  - {name: in 10, vlan: {port: h1.eth0, untagged: 10}}\n"
    "  - {name: trunk, vlan: {port: S1.S2, tagged: [10, 20], untagged: 1}}\n"
    "  - {name: root, stp: {switch: S1, root: true}}\n"
    "  - {name: root of S3, stp: {switch: S3, root: S1}}\n"
    "  - {name: blocks, stp: {port: S3.S2, role: alternate, state: blocking}}\n";

static void test_good(void **state)
{
	(void)state;
	struct lab_diag diag = { 0 };
	struct check_list *l = checks_load_string(good, sizeof(good) - 1, "spec.yaml", false, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	assert_non_null(l);
	assert_int_equal(diag.n, 0);
	assert_int_equal(l->n, 14);
	assert_int_equal(l->max_points, 2 + 1 + 0 + 1 + 1 + 1 + 1 + 1 + 1 + 5);
	assert_int_equal(l->v[0].kind, CHECK_REACH);
	assert_string_equal(l->v[0].name, "A reaches B");
	assert_string_equal(l->v[0].on, "umlA");
	assert_string_equal(l->v[0].to, "umlB");
	assert_int_equal(l->v[0].count, 3);
	assert_int_equal(l->v[0].line, 2);
	assert_int_equal(l->v[1].kind, CHECK_NO_REACH);
	assert_string_equal(l->v[1].to, "10.0.0.99");
	assert_int_equal(l->v[1].count, 1);
	assert_true(l->v[1].strict);
	assert_false(l->v[0].strict);
	assert_int_equal(l->v[2].kind, CHECK_PATH);
	assert_int_equal(l->v[2].n_via, 2);
	assert_string_equal(l->v[2].via[1], "r2");
	const struct check_spec *f = &l->v[3];
	assert_int_equal(f->kind, CHECK_IFACE);
	assert_string_equal(f->dev, "eth0");
	assert_true(f->has_addr);
	assert_int_equal(f->addr.family, AF_INET);
	assert_int_equal(ntohl(f->addr.in4.s_addr), 0x0a000001);
	assert_int_equal(f->addr.prefix, 24);
	assert_int_equal(f->state, 1);
	assert_true(f->has_mac);
	assert_int_equal(f->mac[5], 0x0a);
	assert_int_equal(f->mtu, 1500);
	assert_int_equal(l->v[4].kind, CHECK_ROUTE);
	assert_true(l->v[4].has_via);
	assert_string_equal(l->v[4].dev, "eth1");
	assert_true(l->v[5].route_default);
	assert_int_equal(l->v[6].kind, CHECK_FORWARDING);
	assert_false(l->v[6].enabled);
	assert_int_equal(l->v[7].kind, CHECK_COMMAND);
	assert_string_equal(l->v[7].run, "hostname");
	assert_string_equal(l->v[7].expect_stdout, "^umlA$");
	assert_int_equal(l->v[7].expect_exit, 0);
	assert_int_equal(l->v[8].kind, CHECK_FRAMES);
	assert_int_equal(l->v[8].proto, CHECK_PROTO_UDP);
	assert_int_equal(l->v[8].port, 53);
	assert_int_equal(l->v[8].min, 2);
	assert_int_equal(l->v[8].within_s, 3);
	assert_int_equal(l->v[9].kind, CHECK_VLAN);
	assert_string_equal(l->v[9].sw_port, "h1.eth0");
	assert_int_equal(l->v[9].untagged, 10);
	assert_false(l->v[9].has_tagged);
	assert_true(l->v[10].has_tagged);
	assert_int_equal(l->v[10].tagged[0], (1ull << 10) | (1ull << 20));
	assert_int_equal(l->v[10].untagged, 1);
	assert_int_equal(l->v[11].kind, CHECK_STP);
	assert_int_equal(l->v[11].root, 1);
	assert_string_equal(l->v[11].sw, "S1");
	assert_string_equal(l->v[12].root_sw, "S1");
	assert_int_equal(l->v[12].root, -1);
	assert_string_equal(l->v[13].sw_port, "S3.S2");
	assert_string_equal(l->v[13].stp_role, "alternate");
	assert_string_equal(l->v[13].stp_state, "discarding");
	checks_free(l);
	lab_diag_free(&diag);
}

/* Issue 24: IPv6 targets, addresses, routes and forwarding. */
static void test_ipv6(void **state)
{
	(void)state;
	static const char spec[] =
	    "checks:\n"
	    "  - {name: by name, reach: {from: h1, to: h2, ipv6: true}}\n"
	    "  - {name: literal, no_reach: {from: h1, to: \"2001:db8:2::99\", strict: true}}\n"
	    "  - {name: link-local, path: {from: h1, to: \"fe80::1%eth0\", via: []}}\n"
	    "  - {name: addr, iface: {on: h1, dev: eth0, address: 2001:DB8:1::1/64}}\n"
	    "  - {name: route, route: {on: h1, to: 2001:db8:2::/64, via: fe80::1, dev: eth0}}\n"
	    "  - {name: default6, route: {on: h2, to: default, ipv6: true}}\n"
	    "  - {name: default by gateway, route: {on: h1, to: default, via: 2001:db8:1::fe}}\n"
	    "  - {name: fwd6, forwarding: {on: r1, ipv6: true}}\n";
	struct lab_diag diag = { 0 };
	struct check_list *l = checks_load_string(spec, sizeof(spec) - 1, "v6.yaml", false, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	assert_non_null(l);
	assert_int_equal(l->n, 8);
	assert_true(l->v[0].ipv6);
	assert_string_equal(l->v[1].to, "2001:db8:2::99");
	assert_false(l->v[1].ipv6);
	assert_string_equal(l->v[2].to, "fe80::1%eth0");
	assert_int_equal(l->v[3].addr.family, AF_INET6);
	assert_int_equal(l->v[3].addr.prefix, 64);
	assert_int_equal(l->v[4].addr.family, AF_INET6);
	assert_int_equal(l->v[4].route_via.family, AF_INET6);
	assert_false(l->v[4].route_default);
	assert_true(l->v[5].route_default);
	assert_int_equal(l->v[5].addr.family, AF_INET6);
	assert_true(l->v[6].route_default);
	assert_int_equal(l->v[6].addr.family, AF_INET6);
	assert_true(l->v[7].ipv6);
	assert_true(l->v[7].enabled);
	checks_free(l);
	lab_diag_free(&diag);
}

/* A topology's own checks: other keys are not ours; no checks is an empty list. */
static void test_topology(void **state)
{
	(void)state;
	static const char topo[] = "name: x\ninstances: {a: {}}\nchecks:\n  - {name: c, forwarding: {on: a}}\n";
	struct lab_diag diag = { 0 };
	struct check_list *l = checks_load_string(topo, sizeof(topo) - 1, "t.yaml", true, &diag);
	assert_non_null(l);
	assert_int_equal(l->n, 1);
	assert_true(l->v[0].enabled);
	checks_free(l);
	static const char none[] = "instances: {a: {}}\n";
	l = checks_load_string(none, sizeof(none) - 1, "t.yaml", true, &diag);
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	checks_free(l);
	/* The same text as a spec file: `instances` is not a key of a spec. */
	l = checks_load_string(topo, sizeof(topo) - 1, "s.yaml", false, &diag);
	assert_null(l);
	assert_true(diag.n >= 1);
	assert_non_null(strstr(diag.msgs[0], "s.yaml:1:1: unknown key `name`"));
	lab_diag_free(&diag);
}

struct bad_case {
	const char *yaml;
	const char *where;	/* "LINE:COL: " the first message starts with, after the file */
	const char *substr;
};

static const struct bad_case bad_cases[] = {
	{ "", "1:1", "the file is empty" },
	{ "checks: [\n", "2:1", "YAML syntax error" },
	{ "checks: 3\n", "1:9", "`checks` is a single value" },
	{ "chekcs: []\n", "1:1", "did you mean `checks`" },
	{ "checks:\n  - reach: {from: a, to: b}\n", "2:5", "has no `name`" },
	{ "checks:\n  - {name: x}\n", "2:5", "has no kind" },
	{ "checks:\n  - {name: x, reach: {from: a, to: b}, path: {from: a, to: b, via: []}}\n",
	  "2:40", "a second kind `path` besides `reach`" },
	{ "checks:\n  - {name: x, points: -1, forwarding: {on: a}}\n", "2:23", "not a whole number" },
	{ "checks:\n  - {name: x, reach: {from: a}}\n", "2:15", "has no `to`" },
	{ "checks:\n  - {name: x, reach: {from: a, to: 10.0.0.300}}\n", "2:36",
	  "neither an instance name nor an IP address" },
	{ "checks:\n  - {name: x, reach: {from: a, to: \"2001:db8::1%eth0\"}}\n", "2:36",
	  "neither an instance name nor an IP address" },
	{ "checks:\n  - {name: x, reach: {from: a, to: 2001:db8::/64}}\n", "2:36",
	  "neither an instance name nor an IP address" },
	{ "checks:\n  - {name: x, reach: {from: a, to: 10.0.0.1, ipv6: true}}\n", "2:52",
	  "ipv6 `true` of check `x`, but `to` 10.0.0.1 is an IPv4 address" },
	{ "checks:\n  - {name: x, path: {from: a, to: b, via: [], ipv6: 6}}\n", "2:53", "not a boolean" },
	{ "checks:\n  - {name: x, iface: {on: a, dev: eth0, address: 2001:db8::1}}\n", "2:50",
	  "not an address with a prefix length (expected ADDRESS/PREFIX such as 10.0.0.1/24 or 2001:db8::1/64)" },
	{ "checks:\n  - {name: x, route: {on: a, to: 2001:db8:2::1/64}}\n", "2:34", "host bits" },
	{ "checks:\n  - {name: x, route: {on: a, to: 2001:db8:2::/64, via: 10.0.0.1}}\n", "2:56",
	  "is not of the family of `to` (expected an IPv6 gateway)" },
	{ "checks:\n  - {name: x, route: {on: a, to: 10.0.2.0/24, ipv6: true}}\n", "2:53",
	  "but the route is an IPv4 one" },
	{ "checks:\n  - {name: x, route: {on: a, to: default, via: fe80::1/64}}\n", "2:48",
	  "is not an IP address" },
	{ "checks:\n  - {name: x, forwarding: {on: a, ipv6: on}}\n", "2:41", "not a boolean" },
	{ "checks:\n  - {name: x, reach: {from: a b, to: b}}\n", "2:29", "is not a name" },
	{ "checks:\n  - {name: x, path: {from: a, to: b}}\n", "2:15", "has no `via`" },
	{ "checks:\n  - {name: x, no_reach: {from: a, to: b, strict: yes please}}\n", "2:50",
	  "not a boolean" },
	{ "checks:\n  - {name: x, reach: {from: a, to: b, strict: true}}\n", "2:39",
	  "unknown key `strict`" },
	{ "checks:\n  - {name: x, iface: {on: a, dev: eth0}}\n", "2:15", "checks nothing" },
	{ "checks:\n  - {name: x, iface: {on: a, dev: wlan0, mtu: 1500}}\n", "2:35",
	  "not an interface" },
	{ "checks:\n  - {name: x, iface: {on: a, dev: eth0, state: sideways}}\n", "2:48",
	  "not a state" },
	{ "checks:\n  - {name: x, iface: {on: a, dev: eth0, mac: 02:00}}\n", "2:46",
	  "not a MAC address" },
	{ "checks:\n  - {name: x, route: {on: a, to: 10.0.2.1/24}}\n", "2:34", "host bits" },
	{ "checks:\n  - {name: x, forwarding: {on: a, enabled: maybe}}\n", "2:44",
	  "not a boolean" },
	{ "checks:\n  - {name: x, command: {on: a, run: ls, expect: {stdout: \"a(\"}}}\n", "2:58",
	  "not a regular expression" },
	{ "checks:\n  - {name: x, frames: {switch: S1, proto: sctp}}\n", "2:43",
	  "not a protocol" },
	{ "checks:\n  - {name: x, frames: {switch: S1, port: 80}}\n", "2:36", "needs proto" },
	{ "checks:\n  - {name: x, frames: {swich: S1}}\n", "2:15", "has no `switch`" },
	{ "checks:\n  - {name: x, vlan: {port: h1, untagged: 1}}\n", "2:28", "not a switch port" },
	{ "checks:\n  - {name: x, vlan: {port: h1.eth0}}\n", "2:15", "has no `untagged`" },
	{ "checks:\n  - {name: x, vlan: {port: h1.eth0, untagged: 4095}}\n", "2:47",
	  "not a whole number from 1 to 4094" },
	{ "checks:\n  - {name: x, vlan: {port: h1.eth0, tagged: 10}}\n", "2:45", "expected a list" },
	{ "checks:\n  - {name: x, stp: {root: true}}\n", "2:15", "needs `switch` (with root) or `port`" },
	{ "checks:\n  - {name: x, stp: {switch: S1}}\n", "2:15", "has no `root`" },
	{ "checks:\n  - {name: x, stp: {port: S1.S2, role: boss}}\n", "2:40", "not a port role" },
	{ "checks:\n  - {name: x, stp: {port: S1.S2, state: up}}\n", "2:41", "not a port state" },
	{ "checks:\n  - {name: x, stp: {switch: S1, root: true, role: root}}\n", "2:45",
	  "goes with `port`" },
};

static void test_bad(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct lab_diag diag = { 0 };
		struct check_list *l = checks_load_string(b->yaml, strlen(b->yaml), "s.yaml", false,
		    &diag);
		char want[32];
		snprintf(want, sizeof(want), "s.yaml:%s: ", b->where);
		if (l != NULL || diag.n == 0 || strncmp(diag.msgs[0], want, strlen(want)) != 0 ||
		    strstr(diag.msgs[0], b->substr) == NULL) {
			fprintf(stderr, "case %zu: want %s...%s; got %s\n", i, want, b->substr,
			    diag.n ? diag.msgs[0] : "(no message)");
			failures++;
		}
		checks_free(l);
		lab_diag_free(&diag);
	}
	assert_int_equal(failures, 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct lab_diag diag = { 0 };
	assert_null(checks_load("/nonexistent/spec.yaml", false, &diag));
	assert_int_equal(diag.n, 1);
	assert_non_null(strstr(diag.msgs[0], "/nonexistent/spec.yaml: cannot open"));
	lab_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
