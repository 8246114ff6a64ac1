/* tests/unit/test_guest_net.c: the guest's network snapshots as the supervisor keeps them
 * (core/supervisor/guest_net.c): whole snapshots only, malformed parts dropped, limits held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/supervisor/guest_net.h"

static int feed(struct guest_net_rx *rx, const char *s)
{
	return guest_net_feed(rx, s, strlen(s), 42);
}

static void test_snapshot(void **state)
{
	(void)state;
	struct guest_net_rx rx = { 0 };
	assert_int_equal(feed(&rx, "1 0 m l eth0 up;l eth1 nocarrier;a eth0 10.0.0.1/24"), 0);
	assert_false(rx.cur.known);
	assert_int_equal(feed(&rx, "1 1 e a eth1 10.0.1.1/30;r 10.0.2.0/24 10.0.0.254 eth0 ospf;"
	    "r 0.0.0.0/0 - eth1 static"), 1);
	assert_true(rx.cur.known);
	assert_int_equal(rx.cur.at_ms, 42);
	assert_int_equal(rx.cur.n_links, 2);
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(rx.cur.n_routes, 2);
	assert_string_equal(guest_net_link_state(&rx.cur, "eth1"), "nocarrier");
	assert_null(guest_net_link_state(&rx.cur, "eth9"));
	const struct guest_net_addr *a = guest_net_first(&rx.cur, 0);
	assert_string_equal(a->iface, "eth0");
	struct lab_addr x;
	assert_true(lab_addr_parse("10.0.1.1", false, &x));
	a = guest_net_find(&rx.cur, &x, NULL);
	assert_non_null(a);
	assert_int_equal(a->addr.prefix, 30);
	assert_false(a->dynamic);
	assert_non_null(guest_net_find(&rx.cur, &x, "eth1"));
	assert_null(guest_net_find(&rx.cur, &x, "eth0"));
	assert_true(rx.cur.routes[0].has_via);
	assert_string_equal(rx.cur.routes[0].proto, "ospf");
	assert_false(rx.cur.routes[1].has_via);
	assert_int_equal(rx.cur.routes[1].dst.prefix, 0);

	/* A new snapshot replaces it only when whole. */
	assert_int_equal(feed(&rx, "2 0 m a eth3 10.9.9.9/8"), 0);
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(feed(&rx, "2 2 e a eth3 10.9.9.8/8"), -1);	/* a part lost */
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(feed(&rx, "3 1 e a eth3 10.9.9.8/8"), -1);	/* no part 0 */
	assert_int_equal(feed(&rx, "4 0 e "), 1);			/* empty: nothing set */
	assert_int_equal(rx.cur.n_addrs, 0);
	assert_null(guest_net_first(&rx.cur, 0));
	guest_net_reset(&rx);
	assert_false(rx.cur.known);
}

/* IPv6: addresses of both families, link-local and SLAAC ones (dyn), routes with a
 * link-local gateway. */
static void test_ipv6(void **state)
{
	(void)state;
	struct guest_net_rx rx = { 0 };
	assert_int_equal(feed(&rx, "1 0 e l eth0 up;a eth0 fe80::ff:fe00:101/64;"
	    "a eth0 2001:db8:2::ff:fe00:201/64 dyn;a eth1 10.0.1.1/24;a eth1 2001:db8:1::1/64;"
	    "r 2001:db8:3::/64 fe80::1 eth0 static;r ::/0 fe80::1 eth0 ra;"
	    "r 2001:db8:2::/64 - eth0 kernel"), 1);
	assert_int_equal(rx.cur.n_addrs, 4);
	assert_int_equal(rx.cur.n_routes, 3);
	/* link-local ones are never the first; IPv4 or IPv6 as asked */
	const struct guest_net_addr *a = guest_net_first(&rx.cur, AF_INET6);
	assert_string_equal(a->iface, "eth0");
	assert_true(a->dynamic);
	assert_int_equal(a->addr.prefix, 64);
	a = guest_net_first(&rx.cur, AF_INET);
	assert_string_equal(a->iface, "eth1");
	assert_int_equal(guest_net_first(&rx.cur, 0)->addr.family, AF_INET6);	/* eth0's */
	struct lab_addr x;
	assert_true(lab_addr_parse("fe80::ff:fe00:101", false, &x));
	assert_non_null(guest_net_find(&rx.cur, &x, "eth0"));
	assert_null(guest_net_find(&rx.cur, &x, "eth1"));
	assert_int_equal(rx.cur.routes[0].via.family, AF_INET6);
	assert_true(rx.cur.routes[1].dst.prefix == 0 && rx.cur.routes[1].dst.family == AF_INET6);
	guest_net_reset(&rx);
	/* A gateway of the other family, a bad flag, a prefix over 128: the snapshot is dropped. */
	static const char *const bad[] = { "1 0 e r 2001:db8::/64 10.0.0.1 eth0 static",
		"1 0 e a eth0 2001:db8::1/64 dynamic", "1 0 e a eth0 2001:db8::1/129",
		"1 0 e a eth0 2001:db8::1", "1 0 e r 10.0.0.0/8 fe80::1 eth0 static" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (feed(&rx, bad[i]) != -1)
			fail_msg("accepted `%s`", bad[i]);
	guest_net_reset(&rx);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "x", "1 0", "1 0 q a eth0 10.0.0.1/24", "1 0 e a eth0 10.0.0.1",
		"1 0 e a eth0 10.0.0.300/24", "1 0 e a eth0 10.0.0.1/33", "1 0 e z eth0",
		"1 0 e a averyveryverylongname 10.0.0.1/24", "1 0 e r 10.0.0.0/8 nothere eth0 ospf",
		"1 0 e l eth0 up extra", "1 0 e a eth0 10.0.0.1/24 more",
		"1 0 e r 10.0.0.0/8 - eth0 averyverylongproto",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct guest_net_rx rx = { 0 };
		assert_int_equal(feed(&rx, "1 0 e a eth0 10.1.1.1/24"), 1);
		if (feed(&rx, bad[i]) != -1)
			fail_msg("accepted `%s`", bad[i]);
		assert_int_equal(rx.cur.n_addrs, 1);	/* the last whole one stays */
		guest_net_reset(&rx);
	}
	/* A NUL inside. */
	struct guest_net_rx rx = { 0 };
	assert_int_equal(guest_net_feed(&rx, "1 0 e a eth0\0 10.0.0.1/24", 25, 0), -1);
	guest_net_reset(&rx);
}

static void test_limits(void **state)
{
	(void)state;
	struct guest_net_rx rx = { 0 };
	char part[600];
	unsigned p = 0;
	int rc = 0;
	/* More addresses than the limit: the snapshot is dropped, not grown without bound. */
	for (unsigned i = 0; i < GUEST_NET_ADDRS_MAX + 10 && rc >= 0; i += 10, p++) {
		int n = snprintf(part, sizeof(part), "7 %u m ", p);
		for (unsigned k = 0; k < 10; k++)
			n += snprintf(part + n, sizeof(part) - (size_t)n, "a eth0 10.%u.%u.1/24;", i / 250,
			    (i + k) % 250);
		rc = feed(&rx, part);
	}
	assert_int_equal(rc, -1);
	assert_false(rx.cur.known);
	guest_net_reset(&rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
