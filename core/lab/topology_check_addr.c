/* core/lab/topology_check_addr.c: addresses of either family: an interface's `ip:` (one or a
 * list), overlapping subnets, `routes:` (IPv4 and IPv6, link-local gateways with `dev:`),
 * `ipv6: false` against IPv6 in an instance, and the addresses and MACs given twice in the lab. */
#include "core/lab/topology_check.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define IP_EXAMPLE "ADDRESS/PREFIX such as 10.0.0.1/24"
#define IP6_EXAMPLE "ADDRESS/PREFIX such as 2001:db8::1/64"
#define ROUTE_EXAMPLE "{to: 10.0.2.0/24, via: 10.0.1.254}"
#define ADDRS_EXAMPLE IP_EXAMPLE ", or a list such as [10.0.0.1/24, 2001:db8::1/64]"

struct use *topo_use_add(struct use **v, size_t *n, uint64_t key, int line, int column, bool given,
    const char *iface, const char *inst)
{
	if ((*n & (*n - 1)) == 0)	/* at 0, 1, 2, 4, ...: double */
		*v = xreallocarray(*v, *n ? *n * 2 : 1, sizeof(**v));
	struct use *u = &(*v)[(*n)++];
	memset(u, 0, sizeof(*u));
	u->key = key;
	u->scope = -1;
	u->line = line;
	u->column = column;
	u->given = given;
	snprintf(u->who, sizeof(u->who), "%s of %s", iface, inst);
	return u;
}

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	int d = x->addr.family == AF_INET6 ? memcmp(&x->addr.in6, &y->addr.in6, 16) :
	    x->addr.family == AF_INET ? memcmp(&x->addr.in4, &y->addr.in4, 4) : 0;
	if (d != 0)
		return d;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
}

/* Two uses of one address (or MAC): the same everything but where. */
static bool use_same(const struct use *x, const struct use *y)
{
	return x->addr.family == y->addr.family && x->scope == y->scope && x->key == y->key &&
	    (x->addr.family == 0 || lab_addr_equal(&x->addr, &y->addr));
}


/* The network of a: its host bits zero. */
static struct lab_addr addr_network(const struct lab_addr *a)
{
	struct lab_addr n = *a;
	unsigned char *b = n.family == AF_INET ? (unsigned char *)&n.in4 : n.in6.s6_addr;
	size_t len = n.family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < len; i++) {
		unsigned keep = n.prefix >= 8 * (i + 1) ? 8 : n.prefix > 8 * i ? n.prefix - 8 * i : 0;
		b[i] &= (unsigned char)(keep == 0 ? 0 : 0xff << (8 - keep));
	}
	return n;
}

static bool check_ip6(struct checker *c, const struct ynode *s, const char *owner, struct lab_addr *out)
{
	struct lab_addr a = { .family = AF_INET6 };
	char net[LAB_ADDR_TEXT_MAX];
	switch (topo_cidr6_read(s, &a.in6, &a.prefix)) {
	case CIDR_BAD_ADDR:
		topo_value_error(c->r, s, "ip", owner, "is not a valid IPv6 address (expected " IP6_EXAMPLE ")");
		return false;
	case CIDR_NO_PREFIX:
		topo_value_error(c->r, s, "ip", owner, "has no prefix length (expected " IP6_EXAMPLE ")");
		return false;
	case CIDR_BAD_PREFIX:
		topo_value_error(c->r, s, "ip", owner, "has a bad prefix length (expected /0 to /128, e.g. 2001:db8::1/64)");
		return false;
	case CIDR_OK:
		break;
	}
	const char *why = topo_ip6_special(&a.in6);
	if (why != NULL) {
		topo_value_error(c->r, s, "ip", owner, "is %s (expected a unicast host address such as 2001:db8::1/64)", why);
		return false;
	}
	struct lab_addr n = addr_network(&a);
	if (lab_addr_link_local(&a) && a.prefix != 64) {
		topo_value_error(c->r, s, "ip", owner, "is a link-local address with a /%u prefix (expected "
		    "fe80::X/64; every interface also has one made from its MAC)", a.prefix);
		return false;
	}
	if (a.prefix < 127 && lab_addr_equal(&a, &n)) {
		topo_value_error(c->r, s, "ip", owner, "is the subnet-router anycast address of %s (expected a "
		    "host address inside it)", lab_addr_format(&n, true, net));
		return false;
	}
	*out = a;
	return true;
}

/* Check one address of an interface; true when it may be used. */
static bool check_ip(struct checker *c, const struct ynode *s, const char *owner, struct lab_addr *out)
{
	uint32_t a;
	unsigned prefix = 0;
	char net[16];

	if (memchr(s->str, ':', s->len) != NULL)
		return check_ip6(c, s, owner, out);
	switch (topo_cidr_read(s, &a, &prefix)) {
	case CIDR_BAD_ADDR:
		topo_value_error(c->r, s, "ip", owner, "is not a valid IPv4 address (expected " IP_EXAMPLE
		    ", or an IPv6 one such as 2001:db8::1/64)");
		return false;
	case CIDR_NO_PREFIX:
		topo_value_error(c->r, s, "ip", owner, "has no prefix length (expected " IP_EXAMPLE ")");
		return false;
	case CIDR_BAD_PREFIX:
		topo_value_error(c->r, s, "ip", owner, "has a bad prefix length (expected /0 to /32, e.g. 10.0.0.1/24)");
		return false;
	case CIDR_OK:
		break;
	}
	const char *why = topo_ip4_special(a);
	if (why != NULL) {
		topo_value_error(c->r, s, "ip", owner, "is %s (expected a unicast host address such as 10.0.0.1/24)", why);
		return false;
	}
	uint32_t mask = topo_prefix_mask(prefix);
	topo_ip4_format(a & mask, net);
	if (prefix < 31 && (a & ~mask) == 0) {
		topo_value_error(c->r, s, "ip", owner, "is the network address of %s/%u (expected a host address inside it)",
		    net, prefix);
		return false;
	}
	if (prefix < 31 && (a & ~mask) == ~mask) {
		topo_value_error(c->r, s, "ip", owner, "is the broadcast address of %s/%u (expected a host address inside it)",
		    net, prefix);
		return false;
	}
	*out = (struct lab_addr){ .family = AF_INET, .in4.s_addr = htonl(a), .prefix = prefix };
	return true;
}

/* `ip:` of an interface: one address or a list, of either family. */
bool topo_check_ips(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *what, const char *ifname, const char *iname, struct lab_iface *ifc, bool switch_ok,
    struct subnets *nets)
{
	const struct ynode *one[1] = { val };
	const struct ynode *const *items = one;
	size_t n = 1;
	bool ok = true;
	if (val->type == YNODE_SEQUENCE) {
		items = (const struct ynode *const *)val->kids;
		n = val->n_kids;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ynode *s = items[i];
		if (val->type == YNODE_SEQUENCE && s->type != YNODE_ALIAS &&
		    (s->type != YNODE_SCALAR || ynode_is_null(s))) {
			topo_error(c->r, s->line, s->column, "an address in `ip` of %s is %s (expected "
			    IP_EXAMPLE " or " IP6_EXAMPLE ")", what, topo_kind(s));
			s = NULL;
		} else if (val->type != YNODE_SEQUENCE) {
			s = topo_want_scalar(c->r, key, val, what, ADDRS_EXAMPLE);
		} else if (s->type == YNODE_ALIAS) {
			s = NULL;
		}
		struct lab_addr a;
		if (s == NULL || !check_ip(c, s, what, &a)) {
			nets->trouble = true;
			nets->trouble6 |= s == NULL || memchr(s->str, ':', s->len) != NULL;
			ok = false;
			continue;
		}
		if (ifc->n_addrs == LAB_IFACE_ADDRS_MAX) {
			topo_error(c->r, s->line, s->column, "ip `%s` of %s is one address too many "
			    "(expected at most %d on one interface)", s->show, what, LAB_IFACE_ADDRS_MAX);
			ok = false;
			continue;
		}
		ifc->addrs[ifc->n_addrs++] = a;
		nets->v = xreallocarray(nets->v, nets->n + 1, sizeof(*nets->v));
		nets->v[nets->n++] = (struct subnet){ a, s->line, s->column, s->show, ifname };
		/* A link-local address is unique on its link only. */
		if (!lab_addr_link_local(&a) || switch_ok) {
			struct use *u = topo_use_add(&c->addrs, &c->n_addrs, 0, s->line, s->column, true,
			    ifname, iname);
			u->addr = a;
			u->scope = lab_addr_link_local(&a) ? (long)ifc->sw : -1;
		}
	}
	return ok;
}


/* Two interfaces of one instance on overlapping subnets make the kernel's choice of
 * interface arbitrary: always a mistake in a teaching lab. Reported at the later one
 * (the same address twice is reported as such, lab-wide). Several addresses on one
 * interface, and link-local ones, may share a subnet. */
void topo_check_overlaps(struct checker *c, const struct subnets *nets, const char *iname)
{
	for (size_t j = 1; j < nets->n; j++)
		for (size_t i = 0; i < j; i++) {
			const struct subnet *a = &nets->v[i], *b = &nets->v[j];
			if (a->a.family != b->a.family || strcmp(a->iface, b->iface) == 0 ||
			    lab_addr_link_local(&a->a) || lab_addr_link_local(&b->a) ||
			    lab_addr_equal(&a->a, &b->a))
				continue;
			struct lab_addr wide = a->a.prefix < b->a.prefix ? a->a : b->a;
			if (!lab_addr_in_net(&wide, a->a.prefix < b->a.prefix ? &b->a : &a->a))
				continue;
			topo_error(c->r, b->line, b->column,
			    "ip `%s` of interface %s of %s overlaps the subnet of %s (`%s`, line %d) (expected each interface of an instance on its own subnet)",
			    b->ip, b->iface, iname, a->iface, a->ip, a->line);
			break;
		}
}

/* A route's gateway: an address of either family without a prefix; NULL after saying why not. */
static const struct ynode *route_via(struct checker *c, const struct ynode *via, const char *what,
    struct lab_addr *gw)
{
	memset(gw, 0, sizeof(*gw));
	if (memchr(via->str, ':', via->len) != NULL) {
		const char *why = NULL;
		if (!topo_ip6_parse(via->str, via->len, &gw->in6)) {
			topo_value_error(c->r, via, "via", what, "is not an IPv6 address (expected a gateway "
			    "address such as 2001:db8:1::1 or fe80::1, without a prefix)");
			return NULL;
		}
		if ((why = topo_ip6_special(&gw->in6)) != NULL) {
			topo_value_error(c->r, via, "via", what, "is %s (expected the address of a router)", why);
			return NULL;
		}
		gw->family = AF_INET6;
		gw->prefix = 128;
		return via;
	}
	uint32_t a;
	if (!topo_ip4_parse(via->str, via->len, &a)) {
		topo_value_error(c->r, via, "via", what,
		    "is not an IPv4 address (expected a gateway address such as 10.0.1.254, without a prefix)");
		return NULL;
	}
	gw->family = AF_INET;
	gw->in4.s_addr = htonl(a);
	gw->prefix = 32;
	return via;
}

/* A route's destination: default, or a network of either family. */
static const struct ynode *route_to(struct checker *c, const struct ynode *to, const char *what,
    struct lab_route *rt)
{
	if (to->len == 7 && strcmp(to->str, "default") == 0) {
		rt->is_default = true;
		return to;
	}
	struct lab_addr a = { 0 };
	char net[LAB_ADDR_TEXT_MAX];
	uint32_t v4;
	bool six = memchr(to->str, ':', to->len) != NULL;
	if (six ? topo_cidr6_read(to, &a.in6, &a.prefix) != CIDR_OK :
	    topo_cidr_read(to, &v4, &a.prefix) != CIDR_OK) {
		topo_value_error(c->r, to, "to", what, "is not a network (expected NETWORK/PREFIX such as "
		    "10.0.2.0/24 or 2001:db8:2::/64, or default)");
		return NULL;
	}
	a.family = six ? AF_INET6 : AF_INET;
	if (!six)
		a.in4.s_addr = htonl(v4);
	struct lab_addr n = addr_network(&a);
	if (!lab_addr_equal(&a, &n)) {
		topo_value_error(c->r, to, "to", what, "has host bits set (expected the network address, %s)",
		    lab_addr_format(&n, true, net));
		return NULL;
	}
	rt->to = a;
	rt->is_default = a.prefix == 0;
	return to;
}

/* Whether gateway gw can be reached from the instance (dev: only by that interface). */
static bool route_gateway_ok(struct checker *c, const struct ynode *via, const char *what,
    const char *iname, const struct subnets *nets, const struct lab_addr *gw, const char *dev)
{
	const char *fam = gw->family == AF_INET6 ? "IPv6" : "IPv4";
	const struct subnet *on = NULL;
	size_t n_family = 0;
	for (size_t i = 0; i < nets->n; i++) {
		const struct subnet *sn = &nets->v[i];
		if (sn->a.family != gw->family || lab_addr_link_local(&sn->a) ||
		    (dev != NULL && strcmp(sn->iface, dev) != 0))
			continue;
		n_family++;
		if (on == NULL && lab_addr_in_net(&sn->a, gw))
			on = sn;
	}
	if (on == NULL && n_family == 0) {
		topo_value_error(c->r, via, "via", what, "cannot be reached: %s has no %s address on %s "
		    "(expected the address of a router on the subnet of one of its interfaces)", iname,
		    fam, dev != NULL ? dev : "any interface");
		return false;
	}
	if (on == NULL) {
		if (dev != NULL)
			topo_value_error(c->r, via, "via", what, "is not on a subnet of %s's %s (expected "
			    "the address of a router on that interface's subnet)", iname, dev);
		else
			topo_value_error(c->r, via, "via", what, "is on none of %s's subnets (expected the "
			    "address of a router on the subnet of one of its interfaces)", iname);
		return false;
	}
	if (lab_addr_equal(&on->a, gw)) {
		topo_value_error(c->r, via, "via", what,
		    "is %s's own address on %s (expected the address of another host, the router)",
		    iname, on->iface);
		return false;
	}
	uint32_t g = ntohl(gw->in4.s_addr), m = gw->family == AF_INET ? topo_prefix_mask(on->a.prefix) : 0;
	if (gw->family == AF_INET && on->a.prefix < 31 && ((g & ~m) == 0 || (g & ~m) == ~m)) {
		topo_value_error(c->r, via, "via", what,
		    "is the network or broadcast address of the subnet of %s (expected a host address)",
		    on->iface);
		return false;
	}
	return true;
}

void topo_check_routes(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *iname, const struct subnets *nets)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`routes` of instance %s is %s (expected a list such as routes: [" ROUTE_EXAMPLE "])", iname,
		    topo_kind(seq));
		return;
	}
	in->routes = xcalloc(seq->n_kids, sizeof(*in->routes));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		char what[96], where[sizeof(what) + 8];
		snprintf(what, sizeof(what), "route %zu of %s", k + 1, iname);
		snprintf(where, sizeof(where), "in %s", what);
		if (!topo_want_mapping(c->r, item, item, false, what, "a mapping such as " ROUTE_EXAMPLE))
			continue;
		struct field f[] = { { .name = "to" }, { .name = "via" }, { .name = "dev" } };
		topo_map_fields(c->r, item, f, 3, where);
		struct lab_route rt = { .line = item->line, .column = item->column };
		bool ok = true;
		const struct ynode *to = NULL, *via = NULL;
		for (int i = 0; i < 2; i++)
			if (f[i].val == NULL) {
				topo_error(c->r, item->line, item->column, "%s has no `%s` (expected %s)", what,
				    f[i].name, ROUTE_EXAMPLE);
				ok = false;
			}
		if (f[0].val != NULL)
			to = topo_want_scalar(c->r, f[0].key, f[0].val, what, "NETWORK/PREFIX or default");
		if (to != NULL)
			to = route_to(c, to, what, &rt);
		if (f[1].val != NULL)
			via = topo_want_scalar(c->r, f[1].key, f[1].val, what,
			    "a gateway address such as 10.0.1.254 or fe80::1");
		if (via != NULL)
			via = route_via(c, via, what, &rt.via);
		/* `dev:` names one of its interfaces. */
		const char *dev = NULL;
		if (f[2].val != NULL) {
			const struct ynode *d = topo_want_scalar(c->r, f[2].key, f[2].val, what,
			    "an interface such as eth0");
			for (size_t i = 0; d != NULL && i < in->n_ifaces && dev == NULL; i++)
				if (strcmp(in->ifaces[i].name, d->str) == 0 && d->len == strlen(d->str))
					dev = in->ifaces[i].name;
			if (d != NULL && dev == NULL) {
				char names[LAB_IFACE_MAX * 6 + 1] = "";
				for (size_t i = 0; i < in->n_ifaces; i++)
					snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					    i ? ", " : "", in->ifaces[i].name);
				topo_value_error(c->r, d, "dev", what, "is not an interface of %s (expected %s%s)",
				    iname, in->n_ifaces ? "one of: " : "an interface under its `interfaces:`",
				    names);
			}
			if (dev == NULL)
				ok = false;
			else
				str_copy(rt.dev, sizeof(rt.dev), dev);
		}
		if (to != NULL && via != NULL && !rt.is_default && rt.to.family != rt.via.family) {
			topo_value_error(c->r, via, "via", what, "is an %s address, but `to` `%s` is an %s "
			    "network (expected a gateway of the destination's family)",
			    rt.via.family == AF_INET6 ? "IPv6" : "IPv4", to->show,
			    rt.to.family == AF_INET6 ? "IPv6" : "IPv4");
			via = NULL;
		}
		if (to != NULL && via != NULL && rt.is_default && rt.to.family == 0)
			rt.to = (struct lab_addr){ .family = rt.via.family };	/* default: ::/0 or 0.0.0.0/0 */
		if (via != NULL && lab_addr_link_local(&rt.via)) {
			if (f[2].val == NULL) {
				topo_value_error(c->r, via, "via", what, "is a link-local address, which is "
				    "on every link: say which (expected a key such as dev: eth0 in the route)");
				via = NULL;
			}
		} else if (via != NULL && !(rt.via.family == AF_INET6 ? nets->trouble6 : nets->trouble) &&
		    (f[2].val == NULL || dev != NULL) &&
		    !route_gateway_ok(c, via, what, iname, nets, &rt.via, dev)) {
			via = NULL;
		}
		if (to == NULL || via == NULL)
			ok = false;
		if (!ok)
			continue;
		for (size_t i = 0; i < in->n_routes; i++) {
			const struct lab_route *o = &in->routes[i];
			if (o->is_default == rt.is_default && o->to.prefix == rt.to.prefix &&
			    lab_addr_equal(&o->to, &rt.to)) {
				topo_error(c->r, to->line, to->column,
				    "%s goes to `%s`, like the route at line %d (expected each destination once)",
				    what, to->show, o->line);
				ok = false;
				break;
			}
		}
		if (ok)
			in->routes[in->n_routes++] = rt;
	}
}


/* `ipv6: false` (the instance's, or the lab's) with IPv6 in the instance's own keys. */
void topo_check_ipv6_off(struct checker *c, const struct lab_instance *in, const char *iname,
    const struct subnets *nets, int ipv6_line)
{
	for (size_t i = 0; i < nets->n; i++)
		if (nets->v[i].a.family == AF_INET6)
			topo_error(c->r, nets->v[i].line, nets->v[i].column, "ip `%s` of interface %s of %s "
			    "is an IPv6 address, but IPv6 is off for %s (`ipv6: false` at line %d) (expected "
			    "IPv4 addresses only, or no `ipv6: false`)", nets->v[i].ip, nets->v[i].iface,
			    iname, iname, ipv6_line);
	for (size_t i = 0; i < in->n_ifaces; i++)
		if (in->ifaces[i].ra)
			topo_error(c->r, in->ifaces[i].line, in->ifaces[i].column, "interface %s of %s has "
			    "`ra: true`, but IPv6 is off for %s (`ipv6: false` at line %d) (expected no "
			    "router advertisements, or no `ipv6: false`)", in->ifaces[i].name, iname, iname,
			    ipv6_line);
	for (size_t i = 0; i < in->n_routes; i++)
		if (in->routes[i].to.family == AF_INET6)
			topo_error(c->r, in->routes[i].line, in->routes[i].column, "route %zu of %s is an "
			    "IPv6 route, but IPv6 is off for %s (`ipv6: false` at line %d) (expected IPv4 "
			    "routes only, or no `ipv6: false`)", i + 1, iname, iname, ipv6_line);
}


/* Addresses and MACs given twice anywhere in the lab: reported at each later one. */
void topo_check_uniques(struct checker *c)
{
	if (c->n_addrs > 1)
		qsort(c->addrs, c->n_addrs, sizeof(*c->addrs), use_cmp);
	for (size_t i = 1; i < c->n_addrs; i++) {
		const struct use *u = &c->addrs[i];
		size_t first = i;
		while (first > 0 && use_same(&c->addrs[first - 1], u))
			first--;
		if (first == i)
			continue;
		char a[LAB_ADDR_TEXT_MAX];
		lab_addr_format(&u->addr, false, a);
		topo_error(c->r, u->line, u->column,
		    "address %s of %s is already used by %s at line %d, column %d (expected each %s once %s)",
		    a, u->who, c->addrs[first].who, c->addrs[first].line, c->addrs[first].column,
		    u->scope >= 0 ? "link-local address" : "address",
		    u->scope >= 0 ? "on a switch" : "in the lab");
	}
	if (c->n_macs > 1)
		qsort(c->macs, c->n_macs, sizeof(*c->macs), use_cmp);
	for (size_t i = 1; i < c->n_macs; i++) {
		const struct use *u = &c->macs[i];
		size_t first = i;
		while (first > 0 && use_same(&c->macs[first - 1], u))
			first--;
		if (first == i)
			continue;
		const struct use *f = &c->macs[first];
		char m[18];
		topo_mac_format(u->key, m);
		topo_error(c->r, u->line, u->column,
		    "%s %s of %s is already used by %s at line %d, column %d (expected each interface to have its own MAC%s)",
		    u->given ? "mac" : "the default mac", m, u->who, f->who, f->line, f->column,
		    u->given ? "" : "; give one of them another `mac:`");
	}
}
