/* core/lab/topology_check_instance.c: check `instances:`: each instance's interfaces, startup
 * commands and other keys (addresses and routes: topology_check_addr.c). */
#include "core/lab/topology_check.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define STARTUP_CMD_MAX 4096
#define MEM_MIN (16ULL << 20)
#define MEM_MAX (4ULL << 30)

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
			/* One address or a list, of either family, like an interface's (link-local
			 * ones are not checked for uniqueness: the parent's switch is not known yet). */
			struct lab_iface tmp = { 0 };
			if (!topo_check_ips(c, f[0].key, f[0].val, what, name->show, iname, &tmp, false,
			    nets))
				return;
			memcpy(sub.addrs, tmp.addrs, sizeof(sub.addrs));
			sub.n_addrs = tmp.n_addrs;
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
		    { .name = "native" }, { .name = "ra" } };
		topo_map_fields(c->r, val, f, 9, where);
		if (f[3].val != NULL)
			topo_check_capture(c, f[3].key, f[3].val, what, &ifc.capture);
		if (f[4].val != NULL) {
			topo_check_link(c, f[4].key, f[4].val, what, &ifc.link);
			ifc.link_line = f[4].key->line;
			ifc.link_column = f[4].key->column;
		}
		bool ok = idx >= 0, switch_ok = false;
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
				switch_ok = true;
				topo_check_port_vlans(c, &f[5], &f[6], &f[7], what,
				    c->lab->switches[sw].mode == LAB_SWITCH_HUB, &ifc.vlans);
			}
		}
		const char *ifname = name->type == YNODE_SCALAR ? name->show : "?";
		bool ips_ok = true;
		if (f[1].val != NULL && !topo_check_ips(c, f[1].key, f[1].val, what, ifname, iname, &ifc,
		    switch_ok, nets))
			ok = ips_ok = false;
		if (f[8].val != NULL && topo_want_bool(c->r, f[8].key, f[8].val, what, &ifc.ra) && ifc.ra &&
		    ips_ok) {
			bool prefix64 = false;
			for (unsigned i = 0; i < ifc.n_addrs; i++)
				prefix64 |= ifc.addrs[i].family == AF_INET6 && ifc.addrs[i].prefix == 64 &&
				    !lab_addr_link_local(&ifc.addrs[i]);
			if (!prefix64) {
				topo_value_error(c->r, f[8].val, "ra", what, "but the interface has no IPv6 "
				    "/64 prefix to advertise (expected an address such as 2001:db8:1::1/64 "
				    "in its `ip:`)");
				ok = false;
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
				topo_use_add(&c->macs, &c->n_macs, topo_mac_key(ifc.mac), s->line, s->column, true,
				    name->show, iname);
			}
		}
		if (!ok)
			continue;
		str_copy(ifc.name, sizeof(ifc.name), name->str);	/* checked: eth0 .. eth15 */
		if (!ifc.mac_given) {
			lab_default_mac(c->lab_name, iname, ifc.name, ifc.mac);
			topo_use_add(&c->macs, &c->n_macs, topo_mac_key(ifc.mac), name->line, name->column, false,
			    ifc.name, iname);
		}
		in->ifaces[in->n_ifaces++] = ifc;
	}
	check_subif_parents(c, in, iname);
	topo_check_overlaps(c, nets, iname);
}

static int iface_cmp(const void *a, const void *b)
{
	const struct lab_iface *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
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
		    { .name = "shutdown" }, { .name = "ipv6" } };
		char where[128];
		snprintf(where, sizeof(where), "in instance %s", iname);
		topo_map_fields(c->r, val, f, 14, where);
		int ipv6_line = c->ipv6_line;
		bool v6;
		if (f[13].val != NULL && topo_want_bool(c->r, f[13].key, f[13].val, what, &v6)) {
			in.ipv6 = v6 ? LAB_IPV6_ON : LAB_IPV6_OFF;
			ipv6_line = v6 ? 0 : f[13].key->line;
		}
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
			topo_check_routes(c, f[2].key, f[2].val, &in, iname, &nets);
		if (ipv6_line > 0)
			topo_check_ipv6_off(c, &in, iname, &nets, ipv6_line);
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

