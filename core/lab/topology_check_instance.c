/* core/lab/topology_check_instance.c: check `instances:`: each instance's interfaces and their
 * addresses, routes, startup commands and other keys; then the addresses and MACs given twice
 * in the lab. */
#include "core/lab/topology_check.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define STARTUP_CMD_MAX 4096
#define MEM_MIN (16ULL << 20)
#define MEM_MAX (4ULL << 30)
#define IP_EXAMPLE "ADDRESS/PREFIX such as 10.0.0.1/24"
#define ROUTE_EXAMPLE "{to: 10.0.2.0/24, via: 10.0.1.254}"

static void use_add(struct use **v, size_t *n, uint64_t key, int line, int column, bool given,
    const char *iface, const char *inst)
{
	if ((*n & (*n - 1)) == 0)	/* at 0, 1, 2, 4, ...: double */
		*v = xreallocarray(*v, *n ? *n * 2 : 1, sizeof(**v));
	struct use *u = &(*v)[(*n)++];
	u->key = key;
	u->line = line;
	u->column = column;
	u->given = given;
	snprintf(u->who, sizeof(u->who), "%s of %s", iface, inst);
}

static int use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
}

/* `host: N` on an instance: the part of `up --slurm` (0 to LAB_HOST_MAX) it runs in. */
static void check_host(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, int *out)
{
	const struct ynode *s = topo_want_scalar(c->r, key, val, owner, "a part number such as 0 or 1");
	if (s == NULL)
		return;
	long v = 0;
	bool ok = s->len > 0 && s->len <= 4 && strlen(s->str) == s->len;
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (s->str[i] - '0');
	}
	if (!ok || v > LAB_HOST_MAX)
		topo_value_error(c->r, s, "host", owner, "is not a part number (expected 0 to 1023: the "
		    "task of `umllab up --slurm` that runs this instance, in the order of the allocation's "
		    "tasks)");
	else
		*out = (int)v;
}

/* Interface `ethN` -> N, or -1. */
static int iface_index(const struct ynode *n)
{
	if (n->len < 4 || n->len > 5 || strncmp(n->str, "eth", 3) != 0)
		return -1;
	int v = 0;
	for (size_t i = 3; i < n->len; i++) {
		if (n->str[i] < '0' || n->str[i] > '9')
			return -1;
		v = v * 10 + (n->str[i] - '0');
	}
	if ((n->len == 5 && n->str[3] == '0') || v >= LAB_IFACE_MAX)
		return -1;
	return v;
}

/* Check one interface's address; true when it may be used. */
static bool check_ip(struct checker *c, const struct ynode *s, const char *owner, struct lab_iface *ifc)
{
	uint32_t a;
	unsigned prefix = 0;
	char net[16];

	switch (topo_cidr_read(s, &a, &prefix)) {
	case CIDR_BAD_ADDR:
		topo_value_error(c->r, s, "ip", owner, "is not a valid IPv4 address (expected " IP_EXAMPLE ")");
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
	ifc->has_addr = true;
	ifc->addr.s_addr = htonl(a);
	ifc->prefix = prefix;
	return true;
}

/* The addresses an instance's interfaces were given, in file order, whether or not the rest
 * of each interface is right, so the checks across interfaces and routes see them all and
 * one mistake does not cause others. */
struct subnet {
	uint32_t addr;
	unsigned prefix;
	int line, column;	/* of the `ip:` value */
	const char *ip, *iface;	/* as written, for messages */
};

struct subnets {
	struct subnet *v;
	size_t n;
	bool trouble;		/* some `ip:` was wrong: route checks would only guess */
};

#define SUBIFS_MAX 32	/* VLAN sub-interfaces of one instance (they travel on its command line) */

/* `ethN.V` -> N and V (a VLAN, 1 to 4094, no leading zero); false when it is not such a name. */
static bool subif_name(const struct ynode *n, unsigned *parent, unsigned *vid)
{
	const char *dot = n->type == YNODE_SCALAR ? memchr(n->str, '.', n->len) : NULL;
	if (dot == NULL || strlen(n->str) != n->len)
		return false;
	struct ynode head = *n;
	head.len = (size_t)(dot - n->str);
	char buf[8];
	if (head.len >= sizeof(buf))
		return false;
	memcpy(buf, n->str, head.len);
	buf[head.len] = '\0';
	head.str = buf;
	int idx = iface_index(&head);
	const char *v = dot + 1;
	size_t vlen = n->len - head.len - 1;
	unsigned val = 0;
	if (idx < 0 || vlen == 0 || vlen > 4 || v[0] == '0')
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		val = val * 10 + (unsigned)(v[i] - '0');
	}
	if (val > LAB_VLAN_MAX)
		return false;
	*parent = (unsigned)idx;
	*vid = val;
	return true;
}

/* `ethN.V: {ip: ...}` under `interfaces:`: a VLAN sub-interface the guest makes at boot on ethN
 * (whose presence is checked once every interface is read, by check_subif_parents). */
static void check_subif(struct checker *c, const struct ynode *name, const struct ynode *val,
    struct lab_instance *in, const char *iname, struct subnets *nets)
{
	char what[128], where[sizeof(what) + 8];
	struct lab_subif sub = { .line = name->line, .column = name->column };
	if (!subif_name(name, &sub.parent, &sub.vid)) {
		topo_error(c->r, name->line, name->column, "interface name `%s` of %s is not valid "
		    "(expected eth0 to eth15, or a VLAN sub-interface such as eth0.10: VLAN 1 to 4094)",
		    name->show, iname);
		return;
	}
	snprintf(what, sizeof(what), "VLAN sub-interface %s of %s", name->show, iname);
	snprintf(where, sizeof(where), "in %s", what);
	if (!ynode_is_null(val)) {
		if (!topo_want_mapping(c->r, name, val, false, what, "a mapping such as {ip: 10.0.10.1/24}"))
			return;
		struct field f[] = { { .name = "ip" } };
		topo_map_fields(c->r, val, f, 1, where);
		if (f[0].val != NULL) {
			struct lab_iface tmp = { 0 };
			const struct ynode *s = topo_want_scalar(c->r, f[0].key, f[0].val, what, IP_EXAMPLE);
			if (s == NULL || !check_ip(c, s, what, &tmp)) {
				nets->trouble = true;
				return;
			}
			sub.has_addr = true;
			sub.addr = tmp.addr;
			sub.prefix = tmp.prefix;
			nets->v[nets->n++] = (struct subnet){ ntohl(tmp.addr.s_addr), tmp.prefix, s->line,
			    s->column, s->show, name->show };
			use_add(&c->addrs, &c->n_addrs, ntohl(tmp.addr.s_addr), s->line, s->column, true,
			    name->show, iname);
		}
	}
	if (in->n_subifs == SUBIFS_MAX) {
		topo_error(c->r, name->line, name->column, "%s is one too many (expected at most %d VLAN "
		    "sub-interfaces on one instance)", what, SUBIFS_MAX);
		return;
	}
	str_copy(sub.name, sizeof(sub.name), name->str);
	in->subifs = xreallocarray(in->subifs, in->n_subifs + 1, sizeof(*in->subifs));
	in->subifs[in->n_subifs++] = sub;
}

static int subif_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct lab_subif *)a)->name, ((const struct lab_subif *)b)->name);
}

/* Every sub-interface's parent is an interface of the instance. */
static void check_subif_parents(struct checker *c, struct lab_instance *in, const char *iname)
{
	for (size_t k = 0; k < in->n_subifs; k++) {
		const struct lab_subif *sub = &in->subifs[k];
		bool found = false;
		for (size_t i = 0; i < in->n_ifaces && !found; i++)
			found = in->ifaces[i].index == sub->parent;
		if (!found)
			topo_error(c->r, sub->line, sub->column, "VLAN sub-interface %s of %s is on eth%u, "
			    "which %s does not have (expected eth%u under `interfaces:` too, with its switch)",
			    sub->name, iname, sub->parent, iname, sub->parent);
	}
	if (in->n_subifs > 1)
		qsort(in->subifs, in->n_subifs, sizeof(*in->subifs), subif_cmp);
}

static void check_interfaces(struct checker *c, const struct ynode *key, const struct ynode *map,
    struct lab_instance *in, const char *iname, struct subnets *nets)
{
	char what[128], where[sizeof(what) + 8];
	snprintf(what, sizeof(what), "`interfaces` of instance %s", iname);
	if (!topo_want_mapping(c->r, key, map, true, what,
	    "a mapping such as interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}"))
		return;
	nets->v = xcalloc(map->n_kids / 2 + 1, sizeof(*nets->v));
	in->ifaces = xcalloc(LAB_IFACE_MAX, sizeof(*in->ifaces));
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k], *val = map->kids[k + 1];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		if (name->type == YNODE_SCALAR && memchr(name->str, '.', name->len) != NULL) {
			check_subif(c, name, val, in, iname, nets);
			continue;
		}
		int idx = name->type == YNODE_SCALAR ? iface_index(name) : -1;
		if (name->type != YNODE_SCALAR)
			topo_error(c->r, name->line, name->column,
			    "an interface name of %s is %s (expected eth0 to eth15)", iname, topo_kind(name));
		else if (idx < 0)
			topo_error(c->r, name->line, name->column,
			    "interface name `%s` of %s is not valid (expected eth0 to eth15)", name->show, iname);
		snprintf(what, sizeof(what), "interface %s of %s", name->type == YNODE_SCALAR ? name->show : "?", iname);
		snprintf(where, sizeof(where), "in %s", what);
		struct lab_iface ifc = { .index = (unsigned)idx, .line = name->line, .column = name->column };
		if (ynode_is_null(val)) {
			topo_error(c->r, name->line, name->column,
			    "%s has no `switch` (expected a mapping such as %s: {switch: S1, ip: 10.0.0.1/24})",
			    what, name->show ? name->show : "eth0");
			continue;
		}
		if (!topo_want_mapping(c->r, name, val, false, what,
		    "a mapping such as {switch: S1, ip: 10.0.0.1/24}"))
			continue;
		struct field f[] = { { .name = "switch" }, { .name = "ip" }, { .name = "mac" },
		    { .name = "capture" }, { .name = "link" }, { .name = "vlan" }, { .name = "vlans" },
		    { .name = "native" } };
		topo_map_fields(c->r, val, f, 8, where);
		if (f[3].val != NULL)
			topo_check_capture(c, f[3].key, f[3].val, what, &ifc.capture);
		if (f[4].val != NULL) {
			topo_check_link(c, f[4].key, f[4].val, what, &ifc.link);
			ifc.link_line = f[4].key->line;
			ifc.link_column = f[4].key->column;
		}
		bool ok = idx >= 0;
		if (f[0].val == NULL) {
			topo_error(c->r, name->line, name->column,
			    "%s has no `switch` (expected a key such as switch: S1)", what);
			ok = false;
		} else {
			const struct ynode *s = topo_want_scalar(c->r, f[0].key, f[0].val, what, "a switch name");
			long sw = s != NULL ? topo_find_switch(c, s, what) : -1;
			if (sw < 0) {
				ok = false;
			} else if (++c->switch_ports[sw] == LAB_SWITCH_PORTS_MAX + 1) {
				topo_error(c->r, s->line, s->column, "switch %s is full: %s would be its "
				    "interface number %u (expected at most %u on one switch; put the "
				    "others on a second switch and route between them)", s->show, what,
				    LAB_SWITCH_PORTS_MAX + 1, LAB_SWITCH_PORTS_MAX);
				ok = false;
			} else {
				ifc.sw = (size_t)sw;
				topo_check_port_vlans(c, &f[5], &f[6], &f[7], what,
				    c->lab->switches[sw].mode == LAB_SWITCH_HUB, &ifc.vlans);
			}
		}
		if (f[1].val != NULL) {
			const struct ynode *s = topo_want_scalar(c->r, f[1].key, f[1].val, what, IP_EXAMPLE);
			if (s == NULL || !check_ip(c, s, what, &ifc)) {
				nets->trouble = true;
				ok = false;
			} else {
				const char *ifname = name->type == YNODE_SCALAR ? name->show : "?";
				nets->v[nets->n++] = (struct subnet){ ntohl(ifc.addr.s_addr), ifc.prefix,
				    s->line, s->column, s->show, ifname };
				use_add(&c->addrs, &c->n_addrs, ntohl(ifc.addr.s_addr), s->line, s->column,
				    true, ifname, iname);
			}
		}
		if (f[2].val != NULL) {
			const struct ynode *s = topo_want_scalar(c->r, f[2].key, f[2].val, what,
			    "a MAC address such as 02:00:00:00:00:01");
			if (s == NULL) {
				ok = false;
			} else if (!topo_mac_parse(s, ifc.mac)) {
				topo_value_error(c->r, s, "mac", what,
				    "is not a MAC address (expected six hex bytes such as 02:00:00:00:00:01)");
				ok = false;
			} else if (topo_mac_key(ifc.mac) == 0xffffffffffffULL || topo_mac_key(ifc.mac) == 0 ||
			    (ifc.mac[0] & 1)) {
				topo_value_error(c->r, s, "mac", what, "is %s (expected a unicast address such as 02:00:00:00:00:01)",
				    topo_mac_key(ifc.mac) == 0 ? "all zeros" :
				    topo_mac_key(ifc.mac) == 0xffffffffffffULL ? "the broadcast address" :
				    "a multicast address, its first byte is odd");
				ok = false;
			} else {
				ifc.mac_given = true;
				use_add(&c->macs, &c->n_macs, topo_mac_key(ifc.mac), s->line, s->column, true,
				    name->show, iname);
			}
		}
		if (!ok)
			continue;
		str_copy(ifc.name, sizeof(ifc.name), name->str);	/* checked: eth0 .. eth15 */
		if (!ifc.mac_given) {
			lab_default_mac(c->lab_name, iname, ifc.name, ifc.mac);
			use_add(&c->macs, &c->n_macs, topo_mac_key(ifc.mac), name->line, name->column, false,
			    ifc.name, iname);
		}
		in->ifaces[in->n_ifaces++] = ifc;
	}
	check_subif_parents(c, in, iname);
	/* Two interfaces of one instance on overlapping subnets make the kernel's choice of
	 * interface arbitrary: always a mistake in a teaching lab. Reported at the later one
	 * (the same address twice is reported as such, lab-wide). */
	for (size_t j = 1; j < nets->n; j++)
		for (size_t i = 0; i < j; i++) {
			const struct subnet *a = &nets->v[i], *b = &nets->v[j];
			uint32_t m = topo_prefix_mask(a->prefix < b->prefix ? a->prefix : b->prefix);
			if (a->addr == b->addr || (a->addr & m) != (b->addr & m))
				continue;
			topo_error(c->r, b->line, b->column,
			    "ip `%s` of interface %s of %s overlaps the subnet of %s (`%s`, line %d) (expected each interface of an instance on its own subnet)",
			    b->ip, b->iface, iname, a->iface, a->ip, a->line);
			break;
		}
}

static int iface_cmp(const void *a, const void *b)
{
	const struct lab_iface *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
}

static void check_routes(struct checker *c, const struct ynode *key, const struct ynode *seq,
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
		struct field f[] = { { .name = "to" }, { .name = "via" } };
		topo_map_fields(c->r, item, f, 2, where);
		struct lab_route rt = { .line = item->line, .column = item->column };
		bool ok = true;
		const struct ynode *to = NULL, *via = NULL;
		for (int i = 0; i < 2; i++)
			if (f[i].val == NULL) {
				topo_error(c->r, item->line, item->column, "%s has no `%s` (expected %s)", what,
				    f[i].name, ROUTE_EXAMPLE);
				ok = false;
			}
		if (f[0].val != NULL) {
			to = topo_want_scalar(c->r, f[0].key, f[0].val, what, "NETWORK/PREFIX or default");
		}
		if (to != NULL && strcmp(to->str, "default") == 0 && to->len == 7) {
			rt.is_default = true;
		} else if (to != NULL) {
			uint32_t a;
			unsigned prefix = 0;
			enum cidr_result res = topo_cidr_read(to, &a, &prefix);
			if (res != CIDR_OK) {
				topo_value_error(c->r, to, "to", what,
				    "is not a network (expected NETWORK/PREFIX such as 10.0.2.0/24, or default)");
				to = NULL;
			} else if ((a & ~topo_prefix_mask(prefix)) != 0) {
				char net[16];
				topo_ip4_format(a & topo_prefix_mask(prefix), net);
				topo_value_error(c->r, to, "to", what, "has host bits set (expected the network address, %s/%u)",
				    net, prefix);
				to = NULL;
			} else {
				rt.is_default = prefix == 0;
				rt.to.s_addr = htonl(a);
				rt.prefix = prefix;
			}
		}
		if (to == NULL)
			ok = false;
		if (f[1].val != NULL) {
			via = topo_want_scalar(c->r, f[1].key, f[1].val, what, "a gateway address such as 10.0.1.254");
		}
		uint32_t gw = 0;
		if (via != NULL && !topo_ip4_parse(via->str, via->len, &gw)) {
			topo_value_error(c->r, via, "via", what,
			    "is not an IPv4 address (expected a gateway address such as 10.0.1.254, without a prefix)");
			via = NULL;
		}
		if (via != NULL && !nets->trouble) {
			const struct subnet *on = NULL;
			for (size_t i = 0; i < nets->n && on == NULL; i++) {
				uint32_t m = topo_prefix_mask(nets->v[i].prefix);
				if ((nets->v[i].addr & m) == (gw & m))
					on = &nets->v[i];
			}
			if (on == NULL && nets->n == 0) {
				topo_value_error(c->r, via, "via", what,
				    "cannot be reached: %s has no `ip` on any interface (expected the address of a router on the subnet of one of its interfaces)",
				    iname);
				via = NULL;
			} else if (on == NULL) {
				topo_value_error(c->r, via, "via", what,
				    "is on none of %s's subnets (expected the address of a router on the subnet of one of its interfaces)",
				    iname);
				via = NULL;
			} else if (on->addr == gw) {
				topo_value_error(c->r, via, "via", what,
				    "is %s's own address on %s (expected the address of another host, the router)",
				    iname, on->iface);
				via = NULL;
			} else if (on->prefix < 31 && ((gw & ~topo_prefix_mask(on->prefix)) == 0 ||
			    (gw & ~topo_prefix_mask(on->prefix)) == ~topo_prefix_mask(on->prefix))) {
				topo_value_error(c->r, via, "via", what,
				    "is the network or broadcast address of the subnet of %s (expected a host address)",
				    on->iface);
				via = NULL;
			}
		}
		if (via == NULL)
			ok = false;
		if (!ok)
			continue;
		rt.via.s_addr = htonl(gw);
		for (size_t i = 0; i < in->n_routes; i++) {
			const struct lab_route *o = &in->routes[i];
			if (o->is_default == rt.is_default && o->prefix == rt.prefix &&
			    o->to.s_addr == rt.to.s_addr) {
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

/* `startup:` or `shutdown:`: a list of shell commands, into *out. */
static void check_commands(struct checker *c, const struct ynode *key, const struct ynode *seq,
    const char *kind, char ***out, size_t *n_out, const char *iname)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column,
		    "`%s` of instance %s is %s (expected a list of shell commands such as %s: [\"ping -c 1 10.0.0.2\"])",
		    kind, iname, topo_kind(seq), kind);
		return;
	}
	*out = xcalloc(seq->n_kids, sizeof(**out));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *s = seq->kids[k];
		char what[96];
		snprintf(what, sizeof(what), "%s command %zu of %s", kind, k + 1, iname);
		if (s->type == YNODE_ALIAS)
			continue;
		if (s->type == YNODE_SCALAR && s->len == 0) {
			topo_error(c->r, s->line, s->column, "%s is empty (expected a shell command)", what);
		} else if (s->type != YNODE_SCALAR || ynode_is_null(s)) {
			topo_error(c->r, s->line, s->column, "%s is %s (expected a shell command as a string)",
			    what, topo_kind(s));
		} else if (s->len > STARTUP_CMD_MAX) {
			topo_error(c->r, s->line, s->column, "%s is %zu bytes long (expected at most %d)", what,
			    s->len, STARTUP_CMD_MAX);
		} else if (strlen(s->str) != s->len) {
			topo_error(c->r, s->line, s->column, "%s contains a NUL byte (expected a shell command)",
			    what);
		} else {
			(*out)[(*n_out)++] = xstrdup(s->str);
		}
	}
}

static void check_instance(struct checker *c, const struct ynode *name, const struct ynode *val)
{
	bool ok = true;
	if (name->type != YNODE_SCALAR) {
		topo_error(c->r, name->line, name->column,
		    "an instance name is %s (expected a name of " NAME_RULE ")", topo_kind(name));
		return;
	}
	if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
		topo_error(c->r, name->line, name->column,
		    "instance name `%s` is not valid (expected " NAME_RULE ")", name->show);
		ok = false;
	}
	const char *iname = name->show;
	char what[96];
	snprintf(what, sizeof(what), "instance %s", iname);
	struct lab_instance in = { .mem_bytes = LAB_MEM_DEFAULT, .line = name->line,
	    .column = name->column, .image = c->default_image, .host = -1 };
	bool own_share = false;
	if (topo_want_mapping(c->r, name, val, true, what,
	    "a mapping such as {interfaces: {eth0: {switch: S1}}}, or nothing")) {
		struct field f[] = { { .name = "mem" }, { .name = "interfaces" }, { .name = "routes" },
		    { .name = "forward" }, { .name = "startup" }, { .name = "restart" },
		    { .name = "image" }, { .name = "share" }, { .name = "unsafe_shared_root" },
		    { .name = "disks" }, { .name = "host" }, { .name = "after" },
		    { .name = "shutdown" } };
		char where[128];
		snprintf(where, sizeof(where), "in instance %s", iname);
		topo_map_fields(c->r, val, f, 13, where);
		if (f[0].val != NULL) {
			const struct ynode *s = topo_want_scalar(c->r, f[0].key, f[0].val, what, "a size such as 64M");
			int rc = s != NULL ? topo_size_parse(s, &in.mem_bytes) : 0;
			if (rc == -1)
				topo_value_error(c->r, s, "mem", what,
				    "is not a size (expected bytes with an optional K, M or G suffix, such as 64M)");
			else if (s != NULL && (rc == -2 || in.mem_bytes > MEM_MAX))
				topo_value_error(c->r, s, "mem", what, "is too large (expected at most 4G)");
			else if (s != NULL && in.mem_bytes < MEM_MIN)
				topo_value_error(c->r, s, "mem", what, "is too small (expected at least 16M)");
		}
		struct subnets nets = { 0 };
		if (f[1].val != NULL)
			check_interfaces(c, f[1].key, f[1].val, &in, iname, &nets);
		if (f[2].val != NULL)
			check_routes(c, f[2].key, f[2].val, &in, iname, &nets);
		free(nets.v);
		if (f[3].val != NULL) {
			topo_want_bool(c->r, f[3].key, f[3].val, what, &in.forward);
		}
		if (f[4].val != NULL)
			check_commands(c, f[4].key, f[4].val, "startup", &in.startup, &in.n_startup, iname);
		if (f[5].val != NULL) {
			const struct ynode *r = topo_want_scalar(c->r, f[5].key, f[5].val, what,
			    "on-failure, always or never");
			if (r != NULL && strcmp(r->str, "always") == 0)
				in.restart = LAB_RESTART_ALWAYS;
			else if (r != NULL && strcmp(r->str, "never") == 0)
				in.restart = LAB_RESTART_NEVER;
			else if (r != NULL && strcmp(r->str, "on-failure") != 0)
				topo_value_error(c->r, r, "restart", what,
				    "is not a restart policy (expected on-failure, always or never)");
		}
		if (f[6].val != NULL) {
			const struct ynode *s = topo_want_scalar(c->r, f[6].key, f[6].val, what, "an image name");
			long im = s != NULL ? topo_find_image(c, s, what) : -1;
			if (im >= 0)
				in.image = (size_t)im;
		}
		if (f[7].val != NULL)
			own_share = topo_check_share(c, f[7].key, f[7].val, what, true, &in.share);
		if (f[8].val != NULL)
			topo_want_bool(c->r, f[8].key, f[8].val, what, &in.unsafe_shared_root);
		if (f[9].val != NULL)
			topo_check_disks(c, f[9].key, f[9].val, &in, what);
		if (f[10].val != NULL)
			check_host(c, f[10].key, f[10].val, what, &in.host);
		if (f[11].val != NULL)
			topo_note_after(c, c->lab->n_instances, f[11].key, f[11].val);
		if (f[12].val != NULL)
			check_commands(c, f[12].key, f[12].val, "shutdown", &in.shutdown, &in.n_shutdown,
			    iname);
	}
	/* Without a `share:` of its own, an instance sees the lab's. */
	if (!own_share && c->lab->share.dir != NULL) {
		in.share = c->lab->share;
		in.share.dir = xstrdup(c->lab->share.dir);
	}
	if (in.n_ifaces > 1)
		qsort(in.ifaces, in.n_ifaces, sizeof(*in.ifaces), iface_cmp);
	if (ok)
		str_copy(in.name, sizeof(in.name), name->str);
	/* Kept even when bad so lab_free() has one place that frees everything. */
	c->lab->instances = topo_grow(c->lab->instances, c->lab->n_instances, &c->cap_instances,
	    sizeof(*c->lab->instances));
	c->lab->instances[c->lab->n_instances++] = in;
}

void topo_check_instances(struct checker *c, const struct ynode *root, const struct ynode *key,
    const struct ynode *map)
{
	static const char expected[] =
	    "a mapping of instance names such as instances: {umlA: {interfaces: {eth0: {switch: S1}}}}";
	if (key == NULL) {
		topo_error(c->r, root->line, root->column, "the lab has no `instances` (expected %s)",
		    expected);
		return;
	}
	if (ynode_is_null(map) || (map->type == YNODE_MAPPING && map->n_kids == 0)) {
		const struct ynode *p = topo_at(key, map);
		topo_error(c->r, p->line, p->column, "`instances` is empty (expected at least one instance)");
		return;
	}
	if (!topo_want_mapping(c->r, key, map, false, "`instances`", expected))
		return;
	c->switch_ports = xcalloc(c->lab->n_switches + 1, sizeof(*c->switch_ports));
	for (size_t i = 0; i < c->lab->n_switches; i++)
		c->switch_ports[i] += (unsigned)c->lab->switches[i].n_trunks;	/* a trunk is a port */
	topo_link_ports(c);
	size_t seen = 0;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		if (++seen > LAB_INSTANCES_MAX) {
			topo_error(c->r, name->line, name->column, "instance %s is one too many "
			    "(expected at most %d instances in a lab)", name->show, LAB_INSTANCES_MAX);
			break;
		}
		check_instance(c, name, map->kids[k + 1]);
	}
}

/* Addresses and MACs given twice anywhere in the lab: reported at each later one. */
void topo_check_uniques(struct checker *c)
{
	if (c->n_addrs > 1)
		qsort(c->addrs, c->n_addrs, sizeof(*c->addrs), use_cmp);
	for (size_t i = 1; i < c->n_addrs; i++) {
		const struct use *u = &c->addrs[i];
		size_t first = i;
		while (first > 0 && c->addrs[first - 1].key == u->key)
			first--;
		if (first == i)
			continue;
		char a[16];
		topo_ip4_format((uint32_t)u->key, a);
		topo_error(c->r, u->line, u->column,
		    "address %s of %s is already used by %s at line %d, column %d (expected each address once in the lab)",
		    a, u->who, c->addrs[first].who, c->addrs[first].line, c->addrs[first].column);
	}
	if (c->n_macs > 1)
		qsort(c->macs, c->n_macs, sizeof(*c->macs), use_cmp);
	for (size_t i = 1; i < c->n_macs; i++) {
		const struct use *u = &c->macs[i];
		size_t first = i;
		while (first > 0 && c->macs[first - 1].key == u->key)
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
