/* core/checks/checks_spec.c: read a `checks:` list (a topology's or a spec file's) into struct check_list. */
#include "core/checks/checks_spec.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lab/topology_tree.h"
#include "core/base/util.h"

#define CHECK_NAME_MAX 200
#define CHECK_RUN_MAX 4000	/* under the guest agent's AGENT_CMD_MAX */

static const char *const kind_names[] = { "reach", "no_reach", "path", "iface", "route",
	"forwarding", "command", "frames", "vlan", "stp" };
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *check_kind_name(enum check_kind kind)
{
	return (size_t)kind < N_KINDS ? kind_names[kind] : "?";
}

const char *check_proto_name(enum check_proto proto)
{
	static const char *const names[] = { "any", "arp", "icmp", "tcp", "udp", "icmp6" };
	return (size_t)proto < sizeof(names) / sizeof(names[0]) ? names[proto] : "?";
}

/* An unsigned integer in [min, max]; false after reporting anything else. */
static bool want_uint(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, unsigned min, unsigned max, unsigned *out)
{
	char expected[64];
	snprintf(expected, sizeof(expected), "a whole number from %u to %u", min, max);
	const struct ynode *s = topo_want_scalar(r, key, val, owner, expected);
	if (s == NULL)
		return false;
	unsigned long v = 0;
	size_t i = 0;
	for (; i < s->len && i < 10 && s->str[i] >= '0' && s->str[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(s->str[i] - '0');
	if (i == 0 || i != s->len || v < min || v > max) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not %s", key->str, s->show, owner,
		    expected);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* An instance or switch name into out. */
static bool want_name(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, char out[LAB_NAME_MAX + 1])
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, "a name from the lab");
	if (s == NULL)
		return false;
	if (!lab_name_valid(s->str) || strlen(s->str) != s->len) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not a name (expected an instance "
		    "or switch name: 1-32 characters from A-Z a-z 0-9 _ -)", key->str, s->show, owner);
		return false;
	}
	str_copy(out, LAB_NAME_MAX + 1, s->str);
	return true;
}

/* An address of either family (ADDRESS, or ADDRESS/PREFIX with prefix), IPv4 strictly. */
static bool addr_read(const struct ynode *s, bool prefix, struct lab_addr *out)
{
	if (strlen(s->str) != s->len || !lab_addr_parse(s->str, prefix, out) ||
	    (!prefix && strchr(s->str, '/') != NULL))
		return false;
	uint32_t a;
	unsigned p;
	return out->family == AF_INET6 || (prefix ? topo_cidr_parse(s, &a, &p) :
	    topo_ip4_parse(s->str, s->len, &a));
}

/* `to:` of reach, no_reach and path: an instance name or an address (a link-local one
 * may say the source's interface: fe80::1%eth0). */
static bool want_target(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, char out[CHECK_TARGET_MAX])
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner,
	    "an instance name or an IP address");
	if (s == NULL)
		return false;
	char text[CHECK_TARGET_MAX];
	struct lab_addr a;
	bool ok = strlen(s->str) == s->len && s->len < sizeof(text);
	if (ok && !lab_name_valid(s->str)) {
		memcpy(text, s->str, s->len + 1);
		char *pct = strchr(text, '%');
		if (pct != NULL)
			*pct = '\0';
		struct ynode n = *s;
		n.str = text;
		n.len = strlen(text);
		ok = addr_read(&n, false, &a) && (pct == NULL || (lab_addr_link_local(&a) &&
		    strncmp(pct + 1, "eth", 3) == 0 && pct[4] != '\0'));
	}
	if (!ok) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is neither an instance name nor an "
		    "IP address (expected such as umlB, 10.0.0.2, 2001:db8::2 or fe80::1%%eth0)", key->str,
		    s->show, owner);
		return false;
	}
	str_copy(out, CHECK_TARGET_MAX, s->str);
	return true;
}

static bool want_dev(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, char out[16])
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, "an interface such as eth0");
	if (s == NULL)
		return false;
	unsigned n = 0;
	if (s->len < 4 || s->len > 5 || strncmp(s->str, "eth", 3) != 0 ||
	    sscanf(s->str + 3, "%u", &n) != 1 || n >= LAB_IFACE_MAX ||
	    (s->len == 5 && s->str[3] == '0')) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not an interface (expected eth0 "
		    "to eth%d)", key->str, s->show, owner, LAB_IFACE_MAX - 1);
		return false;
	}
	snprintf(out, 16, "eth%u", n);
	return true;
}

static bool want_cidr(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, struct lab_addr *addr)
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner,
	    "ADDRESS/PREFIX such as 10.0.0.1/24 or 2001:db8::1/64");
	if (s == NULL)
		return false;
	if (!addr_read(s, true, addr)) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not an address with a prefix "
		    "length (expected ADDRESS/PREFIX such as 10.0.0.1/24 or 2001:db8::1/64)", key->str,
		    s->show, owner);
		return false;
	}
	return true;
}

static bool want_ip(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, struct lab_addr *addr)
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, "an IP address");
	if (s == NULL)
		return false;
	if (!addr_read(s, false, addr)) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not an IP address (expected "
		    "such as 10.0.1.254 or fe80::1)", key->str, s->show, owner);
		return false;
	}
	return true;
}

/* A string value kept as is (bounded, no NUL). */
static char *want_text(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, const char *expected, size_t max)
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, expected);
	if (s == NULL)
		return NULL;
	if (strlen(s->str) != s->len || s->len > max) {
		topo_error(r, s->line, s->column, "%s of %s is %s (expected %s, at most %zu bytes)",
		    key->str, owner, s->len > max ? "too long" : "holds a NUL byte", expected, max);
		return NULL;
	}
	return xstrndup(s->str, s->len);
}

/* Unknown keys of a kind's mapping, reported "in check `NAME`". */
static void map_fields_in(struct topo_report *r, const struct ynode *map, struct field *f,
    size_t nf, const char *owner)
{
	char *where = xasprintf("in %s", owner);
	topo_map_fields(r, map, f, nf, where);
	free(where);
}

/* A required key that is missing: reported at the kind's key. */
static void missing(struct topo_report *r, const struct ynode *at, const char *key,
    const char *owner, const char *expected)
{
	topo_error(r, at->line, at->column, "%s has no `%s` (expected %s)", owner, key, expected);
}

/* reach, no_reach, path: {from: A, to: B, count: N, ipv6: BOOL}, path with via: [...],
 * no_reach with strict: BOOL */
static void parse_ping(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "from" }, { .name = "to" }, { .name = "count" },
	    { .name = "ipv6" }, { .name = c->kind == CHECK_PATH ? "via" : "strict" } };
	size_t nf = c->kind == CHECK_REACH ? 4 : 5;
	map_fields_in(r, map, f, nf, owner);
	if (f[3].val != NULL)
		topo_want_bool(r, f[3].key, f[3].val, owner, &c->ipv6);
	c->count = 3;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->on);
	else
		missing(r, kkey, "from", owner, "the instance that pings, such as from: umlA");
	if (f[1].val != NULL)
		want_target(r, f[1].key, f[1].val, owner, c->to);
	else
		missing(r, kkey, "to", owner, "an instance or an IP address, such as to: umlB");
	if (f[2].val != NULL)
		want_uint(r, f[2].key, f[2].val, owner, 1, CHECK_COUNT_MAX, &c->count);
	struct lab_addr a;
	if (c->ipv6 && lab_addr_parse(c->to, false, &a) && a.family == AF_INET)
		topo_error(r, f[3].val->line, f[3].val->column, "ipv6 `%s` of %s, but `to` %s is an "
		    "IPv4 address (expected an instance or an IPv6 address with ipv6: true)",
		    f[3].val->show, owner, c->to);
	if (c->kind == CHECK_NO_REACH && f[4].val != NULL)
		topo_want_bool(r, f[4].key, f[4].val, owner, &c->strict);
	if (c->kind != CHECK_PATH)
		return;
	const struct ynode *via = f[4].val;
	if (via == NULL) {
		missing(r, kkey, "via", owner, "the routers in order, such as via: [r1, r2]");
		return;
	}
	if (via->type != YNODE_SEQUENCE) {
		topo_error(r, via->line, via->column, "`via` of %s is %s (expected a list of "
		    "instances, such as [r1, r2]; [] for none)", owner, topo_kind(via));
		return;
	}
	for (size_t i = 0; i < via->n_kids; i++) {
		if (i == CHECK_VIA_MAX) {
			topo_error(r, via->kids[i]->line, via->kids[i]->column,
			    "`via` of %s has more than %d hops", owner, CHECK_VIA_MAX);
			break;
		}
		if (want_name(r, f[4].key, via->kids[i], owner, c->via[c->n_via]))
			c->n_via++;
	}
}

static void parse_iface(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "on" }, { .name = "dev" }, { .name = "address" },
	    { .name = "state" }, { .name = "mac" }, { .name = "mtu" } };
	map_fields_in(r, map, f, 6, owner);
	c->state = -1;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->on);
	else
		missing(r, kkey, "on", owner, "an instance, such as on: umlA");
	if (f[1].val != NULL)
		want_dev(r, f[1].key, f[1].val, owner, c->dev);
	else
		missing(r, kkey, "dev", owner, "an interface, such as dev: eth0");
	if (f[2].val != NULL)
		c->has_addr = want_cidr(r, f[2].key, f[2].val, owner, &c->addr);
	if (f[3].val != NULL) {
		const struct ynode *s = topo_want_scalar(r, f[3].key, f[3].val, owner, "up or down");
		if (s != NULL && strcmp(s->str, "up") == 0)
			c->state = 1;
		else if (s != NULL && strcmp(s->str, "down") == 0)
			c->state = 0;
		else if (s != NULL)
			topo_error(r, s->line, s->column, "state `%s` of %s is not a state (expected up "
			    "or down)", s->show, owner);
	}
	if (f[4].val != NULL) {
		const struct ynode *s = topo_want_scalar(r, f[4].key, f[4].val, owner,
		    "a MAC such as 02:00:00:00:00:01");
		if (s != NULL && !(c->has_mac = topo_mac_parse(s, c->mac)))
			topo_error(r, s->line, s->column, "mac `%s` of %s is not a MAC address (expected "
			    "six hex bytes such as 02:00:00:00:00:01)", s->show, owner);
	}
	if (f[5].val != NULL)
		want_uint(r, f[5].key, f[5].val, owner, 68, 65535, &c->mtu);
	if (!c->has_addr && c->state < 0 && !c->has_mac && c->mtu == 0 && f[2].val == NULL &&
	    f[3].val == NULL && f[4].val == NULL && f[5].val == NULL)
		topo_error(r, kkey->line, kkey->column, "%s checks nothing (expected at least one of "
		    "address, state, mac, mtu)", owner);
}

static void parse_route(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "on" }, { .name = "to" }, { .name = "via" },
	    { .name = "dev" }, { .name = "ipv6" } };
	map_fields_in(r, map, f, 5, owner);
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->on);
	else
		missing(r, kkey, "on", owner, "an instance, such as on: umlA");
	if (f[4].val != NULL)
		topo_want_bool(r, f[4].key, f[4].val, owner, &c->ipv6);
	if (f[2].val != NULL)
		c->has_via = want_ip(r, f[2].key, f[2].val, owner, &c->route_via);
	if (f[1].val == NULL) {
		missing(r, kkey, "to", owner, "a destination such as 10.0.2.0/24, or default");
	} else if (f[1].val->type == YNODE_SCALAR && strcmp(f[1].val->str, "default") == 0) {
		/* The default route of IPv6 with ipv6: true, or by the gateway's family. */
		c->route_default = true;
		c->addr.family = c->has_via ? c->route_via.family : c->ipv6 ? AF_INET6 : AF_INET;
	} else if (want_cidr(r, f[1].key, f[1].val, owner, &c->addr)) {
		struct lab_addr net = c->addr;
		unsigned char *b = net.family == AF_INET ? (unsigned char *)&net.in4 : net.in6.s6_addr;
		for (unsigned i = net.prefix; i < (net.family == AF_INET ? 32u : 128u); i++)
			b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
		if (!lab_addr_equal(&net, &c->addr))
			topo_error(r, f[1].val->line, f[1].val->column, "to `%s` of %s has host bits set "
			    "(expected a network address, such as 10.0.2.0/24 or 2001:db8:2::/64)",
			    f[1].val->show, owner);
		c->route_default = c->addr.prefix == 0;
	}
	if (c->addr.family != 0 && c->has_via && c->addr.family != c->route_via.family)
		topo_error(r, f[2].val->line, f[2].val->column, "via `%s` of %s is not of the family "
		    "of `to` (expected an %s gateway)", f[2].val->show, owner,
		    c->addr.family == AF_INET6 ? "IPv6" : "IPv4");
	else if (c->ipv6 && c->addr.family == AF_INET)
		topo_error(r, f[4].val->line, f[4].val->column, "ipv6 `%s` of %s, but the route is "
		    "an IPv4 one (expected ipv6: true with an IPv6 `to` or `via`, or `to: default`)",
		    f[4].val->show, owner);
	if (f[3].val != NULL)
		want_dev(r, f[3].key, f[3].val, owner, c->dev);
}

static void parse_forwarding(struct topo_report *r, const struct ynode *kkey,
    const struct ynode *map, const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "on" }, { .name = "enabled" }, { .name = "ipv6" } };
	map_fields_in(r, map, f, 3, owner);
	if (f[2].val != NULL)
		topo_want_bool(r, f[2].key, f[2].val, owner, &c->ipv6);
	c->enabled = true;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->on);
	else
		missing(r, kkey, "on", owner, "an instance, such as on: r1");
	if (f[1].val != NULL)
		topo_want_bool(r, f[1].key, f[1].val, owner, &c->enabled);
}

static void parse_command(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "on" }, { .name = "run" }, { .name = "expect" } };
	map_fields_in(r, map, f, 3, owner);
	c->expect_exit = 0;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->on);
	else
		missing(r, kkey, "on", owner, "an instance, such as on: umlA");
	if (f[1].val != NULL)
		c->run = want_text(r, f[1].key, f[1].val, owner, "a shell command", CHECK_RUN_MAX);
	else
		missing(r, kkey, "run", owner, "a shell command, such as run: \"hostname\"");
	if (f[2].val == NULL || !topo_want_mapping(r, f[2].key, f[2].val, true, "`expect`",
	    "a mapping such as {exit: 0, stdout: \"^ok$\"}"))
		return;
	struct field e[] = { { .name = "exit" }, { .name = "stdout" } };
	topo_map_fields(r, f[2].val, e, 2, "in `expect`");
	unsigned code;
	if (e[0].val != NULL && e[0].val->type == YNODE_SCALAR && strcmp(e[0].val->str, "any") == 0)
		c->expect_exit = -1;
	else if (e[0].val != NULL && want_uint(r, e[0].key, e[0].val, owner, 0, 255, &code))
		c->expect_exit = (int)code;
	if (e[1].val != NULL &&
	    (c->expect_stdout = want_text(r, e[1].key, e[1].val, owner, "a regular expression",
	    1024)) != NULL) {
		regex_t re;
		int rc = regcomp(&re, c->expect_stdout, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (rc != 0) {
			char msg[128];
			regerror(rc, &re, msg, sizeof(msg));
			topo_error(r, e[1].val->line, e[1].val->column, "stdout `%s` of %s is not a "
			    "regular expression: %s (expected a POSIX extended one, such as \"^umlA$\")",
			    e[1].val->show, owner, msg);
		} else {
			regfree(&re);
		}
	}
}

static void parse_frames(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "switch" }, { .name = "from" }, { .name = "proto" },
	    { .name = "port" }, { .name = "min" }, { .name = "within" } };
	map_fields_in(r, map, f, 6, owner);
	c->min = 1;
	c->within_s = 5;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->sw);
	else
		missing(r, kkey, "switch", owner, "a switch, such as switch: S1");
	if (f[1].val != NULL)
		want_name(r, f[1].key, f[1].val, owner, c->on);
	if (f[2].val != NULL) {
		const struct ynode *s = topo_want_scalar(r, f[2].key, f[2].val, owner,
		    "arp, icmp, icmp6, tcp or udp");
		for (enum check_proto p = CHECK_PROTO_ARP; s != NULL && p <= CHECK_PROTO_ICMP6; p++)
			if (strcmp(s->str, check_proto_name(p)) == 0)
				c->proto = p;
		if (s != NULL && c->proto == CHECK_PROTO_ANY)
			topo_error(r, s->line, s->column, "proto `%s` of %s is not a protocol (expected "
			    "arp, icmp, icmp6, tcp or udp)", s->show, owner);
	}
	if (f[3].val != NULL) {
		want_uint(r, f[3].key, f[3].val, owner, 1, 65535, &c->port);
		if (c->proto != CHECK_PROTO_TCP && c->proto != CHECK_PROTO_UDP)
			topo_error(r, f[3].key->line, f[3].key->column, "`port` of %s needs proto: tcp "
			    "or proto: udp", owner);
	}
	if (f[4].val != NULL)
		want_uint(r, f[4].key, f[4].val, owner, 1, 100000, &c->min);
	if (f[5].val != NULL)
		want_uint(r, f[5].key, f[5].val, owner, 1, CHECK_WITHIN_MAX, &c->within_s);
}

/* `port: h1.eth0` or `port: S1.S2`: a switch port by name. */
static bool want_port(struct topo_report *r, const struct ynode *key, const struct ynode *val,
    const char *owner, char out[2 * LAB_NAME_MAX + 2])
{
	const struct ynode *s = topo_want_scalar(r, key, val, owner, "a switch port such as h1.eth0");
	if (s == NULL)
		return false;
	const char *dot = strchr(s->str, '.');
	char left[LAB_NAME_MAX + 2] = "";
	bool ok = dot != NULL && strlen(s->str) == s->len && (size_t)(dot - s->str) <= LAB_NAME_MAX;
	if (ok) {
		memcpy(left, s->str, (size_t)(dot - s->str));
		left[dot - s->str] = '\0';
		ok = lab_name_valid(left) && lab_name_valid(dot + 1);
	}
	if (!ok) {
		topo_error(r, s->line, s->column, "%s `%s` of %s is not a switch port (expected an "
		    "instance's interface such as h1.eth0, or a switch's end of a link such as S1.S2)",
		    key->str, s->show, owner);
		return false;
	}
	str_copy(out, 2 * LAB_NAME_MAX + 2, s->str);
	return true;
}

/* vlan: {port: h1.eth0, untagged: 10} or {port: S1.S2, tagged: [10, 20]}, or both. */
static void parse_vlan(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "port" }, { .name = "untagged" }, { .name = "tagged" } };
	map_fields_in(r, map, f, 3, owner);
	if (f[0].val != NULL)
		want_port(r, f[0].key, f[0].val, owner, c->sw_port);
	else
		missing(r, kkey, "port", owner, "a switch port, such as port: h1.eth0");
	if (f[1].val != NULL)
		want_uint(r, f[1].key, f[1].val, owner, 1, 4094, &c->untagged);
	if (f[2].val != NULL) {
		const struct ynode *seq = f[2].val;
		if (seq->type != YNODE_SEQUENCE) {
			topo_error(r, seq->line, seq->column, "tagged of %s is %s (expected a list of "
			    "VLANs such as tagged: [10, 20], or [] for none)", owner, topo_kind(seq));
		} else {
			c->has_tagged = true;
			for (size_t k = 0; k < seq->n_kids; k++) {
				unsigned v;
				if (want_uint(r, f[2].key, seq->kids[k], owner, 1, 4094, &v))
					c->tagged[v / 64] |= 1ull << (v % 64);
			}
		}
	}
	if (f[1].val == NULL && f[2].val == NULL)
		missing(r, kkey, "untagged", owner, "what the port must carry: untagged: N (an access "
		    "port's VLAN, or a trunk's native one), tagged: [N, ...] (a trunk's), or both");
}

/* stp: {switch: S1, root: true|false|S2} or {port: S3.S2, role: alternate, state: discarding}. */
static void parse_stp(struct topo_report *r, const struct ynode *kkey, const struct ynode *map,
    const char *owner, struct check_spec *c)
{
	struct field f[] = { { .name = "switch" }, { .name = "root" }, { .name = "port" },
	    { .name = "role" }, { .name = "state" } };
	map_fields_in(r, map, f, 5, owner);
	c->root = -1;
	if (f[0].val != NULL)
		want_name(r, f[0].key, f[0].val, owner, c->sw);
	if (f[2].val != NULL)
		want_port(r, f[2].key, f[2].val, owner, c->sw_port);
	if ((f[0].val != NULL) == (f[2].val != NULL)) {
		topo_error(r, kkey->line, kkey->column, "%s needs `switch` (with root) or `port` (with "
		    "role or state), one of them (expected such as stp: {switch: S1, root: true} or "
		    "stp: {port: S3.S2, role: alternate})", owner);
		return;
	}
	if (f[1].val != NULL) {
		const struct ynode *s = topo_want_scalar(r, f[1].key, f[1].val, owner,
		    "true, false or a switch");
		bool b;
		if (s != NULL && (strcmp(s->str, "true") == 0 || strcmp(s->str, "false") == 0 ||
		    strcmp(s->str, "yes") == 0 || strcmp(s->str, "no") == 0) &&
		    topo_want_bool(r, f[1].key, f[1].val, owner, &b))
			c->root = b;
		else if (s != NULL)
			want_name(r, f[1].key, f[1].val, owner, c->root_sw);
		if (f[2].val != NULL)
			topo_error(r, f[1].key->line, f[1].key->column, "`root` of %s goes with `switch`, "
			    "not `port`", owner);
	}
	static const char *const roles[] = { "root", "designated", "alternate", "backup", "disabled" };
	static const char *const states[] = { "forwarding", "learning", "discarding", "blocking" };
	for (int k = 3; k <= 4; k++) {
		if (f[k].val == NULL)
			continue;
		const char *const *names = k == 3 ? roles : states;
		const struct ynode *s = topo_want_scalar(r, f[k].key, f[k].val, owner, "a word");
		bool ok = false;
		for (int i = 0; s != NULL && i < (k == 3 ? 5 : 4); i++)
			ok |= strcmp(s->str, names[i]) == 0;
		if (s != NULL && !ok)
			topo_error(r, s->line, s->column, "%s `%s` of %s is not a port %s (expected %s)",
			    f[k].key->str, s->show, owner, k == 3 ? "role" : "state", k == 3 ?
			    "root, designated, alternate, backup or disabled" :
			    "forwarding, learning or discarding (blocking is the same)");
		else if (s != NULL)
			str_copy(k == 3 ? c->stp_role : c->stp_state, 16,
			    strcmp(s->str, "blocking") == 0 ? "discarding" : s->str);
		if (f[0].val != NULL)
			topo_error(r, f[k].key->line, f[k].key->column, "`%s` of %s goes with `port`, "
			    "not `switch`", f[k].key->str, owner);
	}
	if (f[0].val != NULL && f[1].val == NULL)
		missing(r, kkey, "root", owner, "root: true, root: false or root: S1");
	if (f[2].val != NULL && f[3].val == NULL && f[4].val == NULL)
		missing(r, kkey, "role", owner, "role: alternate, or state: discarding, or both");
}

typedef void (*kind_parser)(struct topo_report *r, const struct ynode *kkey,
    const struct ynode *map, const char *owner, struct check_spec *c);
static const kind_parser kind_parsers[N_KINDS] = { parse_ping, parse_ping, parse_ping,
	parse_iface, parse_route, parse_forwarding, parse_command, parse_frames, parse_vlan,
	parse_stp };

static void parse_item(struct topo_report *r, const struct ynode *item, size_t index,
    struct check_list *list)
{
	char owner[CHECK_NAME_MAX + 32];
	snprintf(owner, sizeof(owner), "check %zu", index + 1);
	if (!topo_want_mapping(r, item, item, false, owner,
	    "a mapping such as {name: A reaches B, reach: {from: umlA, to: umlB}}"))
		return;
	struct field f[2 + N_KINDS] = { { .name = "name" }, { .name = "points" } };
	for (size_t k = 0; k < N_KINDS; k++)
		f[2 + k].name = kind_names[k];
	topo_map_fields(r, item, f, 2 + N_KINDS, "in a check");
	struct check_spec c = { .points = 1, .line = item->line, .column = item->column };
	if (f[0].val != NULL) {
		c.name = want_text(r, f[0].key, f[0].val, owner, "a name for the check",
		    CHECK_NAME_MAX);
		if (c.name != NULL)
			snprintf(owner, sizeof(owner), "check `%s`", c.name);
	} else {
		topo_error(r, item->line, item->column, "%s has no `name` (expected a name shown in "
		    "reports, such as name: umlA reaches umlB)", owner);
	}
	if (f[1].val != NULL)
		want_uint(r, f[1].key, f[1].val, owner, 0, 1000000, &c.points);
	size_t nk = 0, which = 0;
	for (size_t k = 0; k < N_KINDS; k++) {
		if (f[2 + k].val == NULL)
			continue;
		if (nk++ > 0)
			topo_error(r, f[2 + k].key->line, f[2 + k].key->column, "%s has a second kind "
			    "`%s` besides `%s` (expected exactly one kind per check)", owner,
			    kind_names[k], kind_names[which]);
		else
			which = k;
	}
	if (nk == 0)
		topo_error(r, item->line, item->column, "%s has no kind (expected one of: reach, "
		    "no_reach, path, iface, route, forwarding, command, frames, vlan, stp)", owner);
	if (nk >= 1) {
		c.kind = (enum check_kind)which;
		const struct field *k = &f[2 + which];
		if (topo_want_mapping(r, k->key, k->val, false, kind_names[which],
		    "a mapping of its keys (see docs/checks.md)"))
			kind_parsers[which](r, k->key, k->val, owner, &c);
	}
	list->v[list->n++] = c;
	list->max_points += c.points;
}

static struct check_list *checks_parse(struct topo_report *r, const struct ynode *root,
    bool topology)
{
	struct check_list *list = xcalloc(1, sizeof(*list));
	if (root == NULL) {
		if (!topology)
			topo_error(r, 1, 1, "the file is empty (expected a mapping with a `checks:` list)");
		return list;
	}
	if (root->type != YNODE_MAPPING) {
		if (!topology)	/* the topology loader says it for a topology */
			topo_error(r, root->line, root->column, "the file holds %s (expected a mapping "
			    "with a `checks:` list)", topo_kind(root));
		return list;
	}
	const struct ynode *key = NULL, *seq = NULL;
	if (topology) {
		for (size_t k = 0; k + 1 < root->n_kids; k += 2)
			if (root->kids[k]->type == YNODE_SCALAR && !root->kids[k]->dup &&
			    strcmp(root->kids[k]->str, "checks") == 0) {
				key = root->kids[k];
				seq = root->kids[k + 1];
			}
	} else {
		/* `grade:` is umllab grade's (core/grade/grade_policy.c); check ignores it. */
		struct field f[] = { { .name = "checks" }, { .name = "grade" } };
		topo_map_fields(r, root, f, 2, "at the top level of a check spec");
		key = f[0].key;
		seq = f[0].val;
		if (seq == NULL)
			topo_error(r, root->line, root->column, "the file has no `checks:` (expected a "
			    "`checks:` list, see docs/checks.md)");
	}
	if (seq == NULL || ynode_is_null(seq))
		return list;
	if (seq->type != YNODE_SEQUENCE) {
		topo_error(r, seq->line, seq->column, "`checks` is %s (expected a list of checks, "
		    "each such as - {name: A reaches B, reach: {from: umlA, to: umlB}})",
		    topo_kind(seq));
		return list;
	}
	(void)key;
	size_t n = seq->n_kids < CHECKS_MAX ? seq->n_kids : CHECKS_MAX;
	if (seq->n_kids > CHECKS_MAX)
		topo_error(r, seq->kids[CHECKS_MAX]->line, seq->kids[CHECKS_MAX]->column,
		    "check %d is one too many (expected at most %d checks)", CHECKS_MAX + 1,
		    CHECKS_MAX);
	list->v = xcalloc(n ? n : 1, sizeof(*list->v));
	for (size_t i = 0; i < n; i++)
		parse_item(r, seq->kids[i], i, list);
	return list;
}

static struct check_list *checks_from_text(const char *text, size_t len, const char *display,
    bool topology, struct lab_diag *diag)
{
	struct topo_report r = { .file = display };
	struct ynode *root = topo_tree_parse(&r, text, len);
	struct check_list *list = NULL;
	if (r.n == 0)
		list = checks_parse(&r, root, topology);
	topo_tree_free(root);
	if (r.n > 0) {
		checks_free(list);
		list = NULL;
	}
	topo_report_flush(&r, diag);
	return list;
}

struct check_list *checks_load_string(const char *text, size_t len, const char *display_name,
    bool topology, struct lab_diag *diag)
{
	return checks_from_text(text != NULL ? text : "", text != NULL ? len : 0,
	    display_name != NULL ? display_name : "<string>", topology, diag);
}

struct check_list *checks_load(const char *path, bool topology, struct lab_diag *diag)
{
	size_t len;
	char *text = topo_file_read(path, &len, diag);
	if (text == NULL)
		return NULL;
	struct check_list *list = checks_from_text(text, len, path, topology, diag);
	free(text);
	return list;
}

void checks_free(struct check_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].run);
		free(list->v[i].expect_stdout);
	}
	free(list->v);
	free(list);
}

char *checks_file_read(const char *path, size_t *len, struct lab_diag *diag)
{
	return topo_file_read(path, len, diag);
}
