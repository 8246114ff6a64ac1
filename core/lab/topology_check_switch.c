/* core/lab/topology_check_switch.c: check `switches:`, their `trunks:` (VXLAN ports to
 * other labs), `links:` (cables between the lab's switches) and `stp:` (spanning tree), and
 * find the switch an interface is on. */
#include "core/lab/topology_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define TRUNK_EXAMPLE "{vxlan: 192.0.2.2:4789, vni: 42, listen: 192.0.2.1:4789}"

/* One address of a trunk (`vxlan` or `listen`); false after reporting it. */
static bool check_trunk_addr(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct vxlan_addr *out)
{
	const struct ynode *s = topo_want_scalar(c->r, key, val, owner, "IP:PORT such as 192.0.2.1:4789");
	if (s == NULL)
		return false;
	const char *why = strlen(s->str) != s->len ? "holds a NUL byte" : vxlan_addr_parse(s->str, out);
	if (why == NULL && (why = vxlan_addr_special(out)) != NULL) {
		topo_value_error(c->r, s, key->str, owner, "is %s (expected one host's unicast address, "
		    "such as 192.0.2.1:4789)", why);
		return false;
	}
	if (why != NULL) {
		topo_value_error(c->r, s, key->str, owner, "%s", why);
		return false;
	}
	return true;
}

/* `vni: N`, 0 to 16777215, decimal. */
static bool check_vni(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, uint32_t *out)
{
	const struct ynode *s = topo_want_scalar(c->r, key, val, owner, "a number from 0 to 16777215");
	if (s == NULL)
		return false;
	unsigned long v = 0;
	bool ok = s->len > 0 && s->len <= 8 && strlen(s->str) == s->len;
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (unsigned long)(s->str[i] - '0');
	}
	if (!ok || v > VXLAN_VNI_MAX) {
		topo_value_error(c->r, s, "vni", owner, "is not a VXLAN network identifier (expected a "
		    "number from 0 to 16777215, the same at both ends of the trunk)");
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* `trunks: [{vxlan: REMOTE, vni: N, listen: LOCAL}, ...]` on switch sw. */
static void check_trunks(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_switch *sw, const char *sname)
{
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column, "`trunks` of switch %s is %s (expected a list "
		    "such as trunks: [" TRUNK_EXAMPLE "])", sname, topo_kind(seq));
		return;
	}
	sw->trunks = xcalloc(seq->n_kids ? seq->n_kids : 1, sizeof(*sw->trunks));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		char what[96], where[sizeof(what) + 8];
		snprintf(what, sizeof(what), "trunk %zu of switch %s", k, sname);
		snprintf(where, sizeof(where), "in %s", what);
		if (k == LAB_TRUNKS_MAX) {
			topo_error(c->r, item->line, item->column, "%s is one too many (expected at "
			    "most %d trunks on one switch)", what, LAB_TRUNKS_MAX);
			return;
		}
		if (!topo_want_mapping(c->r, item, item, false, what, "a mapping such as " TRUNK_EXAMPLE))
			continue;
		struct field f[] = { { .name = "vxlan" }, { .name = "vni" }, { .name = "listen" } };
		topo_map_fields(c->r, item, f, 3, where);
		struct lab_trunk t = { .line = item->line, .column = item->column };
		bool ok = true;
		for (int i = 0; i < 3; i++)
			if (f[i].val == NULL) {
				topo_error(c->r, item->line, item->column, "%s has no `%s` (expected "
				    "all of vxlan, vni and listen, such as " TRUNK_EXAMPLE ")", what,
				    f[i].name);
				ok = false;
			}
		if (f[0].val != NULL && !check_trunk_addr(c, f[0].key, f[0].val, what, &t.remote))
			ok = false;
		if (f[1].val != NULL && !check_vni(c, f[1].key, f[1].val, what, &t.vni))
			ok = false;
		if (f[2].val != NULL && !check_trunk_addr(c, f[2].key, f[2].val, what, &t.listen))
			ok = false;
		if (!ok)
			continue;
		const struct ynode *lv = f[2].val;
		t.listen_line = lv->line;
		t.listen_column = lv->column;
		if (t.remote.ss.ss_family != t.listen.ss.ss_family) {
			topo_value_error(c->r, lv, "listen", what, "is not of the same family as vxlan `%s` "
			    "(expected two IPv4 or two IPv6 addresses)", f[0].val->show);
			continue;
		}
		if (vxlan_addr_equal(&t.remote, (const struct sockaddr *)&t.listen.ss, t.listen.len)) {
			topo_value_error(c->r, lv, "listen", what, "is also its vxlan address (expected "
			    "the other end's address in vxlan)");
			continue;
		}
		/* Two trunks of a lab cannot share one socket. */
		bool taken = false;
		for (size_t i = 0; i < c->lab->n_switches + 1 && !taken; i++) {
			const struct lab_switch *o = i < c->lab->n_switches ? &c->lab->switches[i] : sw;
			for (size_t j = 0; j < o->n_trunks && !taken; j++) {
				const struct lab_trunk *u = &o->trunks[j];
				if (!vxlan_addr_equal(&u->listen, (const struct sockaddr *)&t.listen.ss,
				    t.listen.len))
					continue;
				topo_value_error(c->r, lv, "listen", what, "is already the listen address of "
				    "trunk %zu of switch %s at line %d (expected another port)", j,
				    o->name[0] ? o->name : sname, u->listen_line);
				taken = true;
			}
		}
		if (!taken)
			sw->trunks[sw->n_trunks++] = t;
	}
}

#define LINK_EXAMPLE "{to: S2}, {to: S3, vlans: [10, 20]}"
#define STP_PRIORITY_STEP 4096
#define STP_PRIORITY_MAX 61440

/* A whole number from lo to hi at val; false after reporting it (expected: what it is). */
static bool check_number(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, unsigned long lo, unsigned long hi, const char *expected, unsigned *out)
{
	const struct ynode *s = topo_want_scalar(c->r, key, val, owner, expected);
	if (s == NULL)
		return false;
	unsigned long v = 0;
	bool ok = s->len > 0 && s->len <= 10 && strlen(s->str) == s->len;
	for (size_t i = 0; ok && i < s->len; i++) {
		if (s->str[i] < '0' || s->str[i] > '9')
			ok = false;
		else
			v = v * 10 + (unsigned long)(s->str[i] - '0');
	}
	if (!ok || v < lo || v > hi) {
		topo_value_error(c->r, s, key->str, owner, "is not %s", expected);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* `stp: true | false | {priority: N}` on switch sw. */
static void check_stp(struct checker *c, const struct ynode *key, const struct ynode *val,
    struct lab_switch *sw, const char *what)
{
	sw->stp.priority = LAB_STP_PRIORITY_DEFAULT;
	if (val->type != YNODE_MAPPING) {
		topo_want_bool(c->r, key, val, what, &sw->stp.on);
	} else {
		char where[128];
		snprintf(where, sizeof(where), "in `stp` of %s", what);
		struct field f[] = { { .name = "priority" } };
		topo_map_fields(c->r, val, f, 1, where);
		sw->stp.on = true;
		unsigned p;
		if (f[0].val != NULL && check_number(c, f[0].key, f[0].val, what, 0, STP_PRIORITY_MAX,
		    "a bridge priority (expected 0 to 61440 in steps of 4096; the lowest becomes the root; "
		    "32768 by default)", &p)) {
			if (p % STP_PRIORITY_STEP != 0)
				topo_value_error(c->r, f[0].val, "priority", what, "is not a multiple of 4096 "
				    "(expected 0, 4096, 8192, ... 61440, as 802.1w bridge priorities are)");
			else
				sw->stp.priority = p;
		}
	}
	if (sw->stp.on && sw->mode == LAB_SWITCH_HUB)
		topo_error(c->r, key->line, key->column, "%s is a hub, which has no spanning tree "
		    "(expected `mode: switch`, or no `stp`)", what);
}

/* `links: [{to: S2, vlans: [...], native: N, cost: N, priority: N}, ...]` of switch i (every
 * switch is known by now). */
static void check_links(struct checker *c, const struct ynode *key, const struct ynode *seq,
    size_t i)
{
	struct lab_switch *sw = &c->lab->switches[i];
	if (seq->type == YNODE_ALIAS || ynode_is_null(seq))
		return;
	if (seq->type != YNODE_SEQUENCE) {
		const struct ynode *p = topo_at(key, seq);
		topo_error(c->r, p->line, p->column, "`links` of switch %s is %s (expected a list such "
		    "as links: [" LINK_EXAMPLE "])", sw->name, topo_kind(seq));
		return;
	}
	sw->links = xcalloc(seq->n_kids ? seq->n_kids : 1, sizeof(*sw->links));
	for (size_t k = 0; k < seq->n_kids; k++) {
		const struct ynode *item = seq->kids[k];
		char what[96], where[sizeof(what) + 8];
		snprintf(what, sizeof(what), "link %zu of switch %s", k + 1, sw->name);
		snprintf(where, sizeof(where), "in %s", what);
		if (!topo_want_mapping(c->r, item, item, false, what, "a mapping such as {to: S2}"))
			continue;
		struct field f[] = { { .name = "to" }, { .name = "vlans" }, { .name = "native" },
			{ .name = "cost" }, { .name = "priority" } };
		topo_map_fields(c->r, item, f, 5, where);
		struct lab_link l = { .cost = LAB_STP_COST_DEFAULT, .priority = LAB_STP_PORT_PRIORITY_DEFAULT,
		    .line = item->line, .column = item->column };
		if (f[0].val == NULL) {
			topo_error(c->r, item->line, item->column, "%s has no `to` (expected the switch at "
			    "its other end, such as {to: S2})", what);
			continue;
		}
		const struct ynode *to = topo_want_scalar(c->r, f[0].key, f[0].val, what, "a switch name");
		if (to == NULL)
			continue;
		long o = topo_find_switch(c, to, what);
		if (o < 0)
			continue;
		bool ok = true;
		const struct lab_switch *other = &c->lab->switches[o];
		if ((size_t)o == i) {
			topo_value_error(c->r, to, "to", what, "is the switch itself (expected another "
			    "switch: a cable from a switch to itself is a loop of one)");
			ok = false;
		} else if (sw->mode == LAB_SWITCH_HUB && other->mode == LAB_SWITCH_HUB) {
			topo_value_error(c->r, to, "to", what, "is a hub, like %s (expected a switch at "
			    "one end at least)", sw->name);
			ok = false;
		}
		bool from_here;
		const struct lab_link *dup = ok ? lab_link_find(c->lab, i, (size_t)o, &from_here) : NULL;
		if (dup != NULL) {
			topo_value_error(c->r, to, "to", what, "is already cabled to %s at line %d (expected "
			    "one cable between two switches, declared on one of them; for a loop, cable "
			    "three switches in a ring)", from_here ? sw->name : other->name, dup->line);
			ok = false;
		}
		const struct field none = { 0 };
		bool hub = sw->mode == LAB_SWITCH_HUB || other->mode == LAB_SWITCH_HUB;
		topo_check_port_vlans(c, &none, &f[1], &f[2], what, hub, &l.vlans);
		if (f[3].val != NULL && !check_number(c, f[3].key, f[3].val, what, 1, 200000000,
		    "a path cost (expected 1 to 200000000; 20000 by default, as for 1 Gb/s)", &l.cost))
			ok = false;
		if (f[4].val != NULL) {
			if (!check_number(c, f[4].key, f[4].val, what, 0, 240, "a port priority (expected 0 "
			    "to 240 in steps of 16; 128 by default)", &l.priority))
				ok = false;
			else if (l.priority % 16 != 0) {
				topo_value_error(c->r, f[4].val, "priority", what, "is not a multiple of 16 "
				    "(expected 0, 16, 32, ... 240, as 802.1w port priorities are)");
				ok = false;
			}
		}
		if (!ok)
			continue;
		l.to = (size_t)o;
		sw->links[sw->n_links++] = l;
	}
}

void topo_check_switches(struct checker *c, const struct ynode *key, const struct ynode *map)
{
	if (!topo_want_mapping(c->r, key, map, true, "`switches`",
	    "a mapping of switch names, such as switches: {S1: {mode: switch}}")) {
		c->switches_bad = !ynode_is_null(map);
		return;
	}
	c->switches = map;
	for (size_t k = 0; k + 1 < map->n_kids; k += 2) {
		const struct ynode *name = map->kids[k], *val = map->kids[k + 1];
		if (name->dup || name->type == YNODE_ALIAS)
			continue;
		if (name->type != YNODE_SCALAR) {
			topo_error(c->r, name->line, name->column,
			    "a switch name is %s (expected a name of " NAME_RULE ")", topo_kind(name));
			continue;
		}
		bool ok = true;
		if (strlen(name->str) != name->len || !lab_name_valid(name->str)) {
			topo_error(c->r, name->line, name->column,
			    "switch name `%s` is not valid (expected " NAME_RULE ")", name->show);
			ok = false;
		}
		char what[96];
		snprintf(what, sizeof(what), "switch %s", name->show);
		struct lab_switch sw = { .mode = LAB_SWITCH_LEARNING, .line = name->line,
		    .column = name->column };
		if (topo_want_mapping(c->r, name, val, true, what, "a mapping such as {mode: hub}, or nothing")) {
			struct field f[] = { { .name = "mode" }, { .name = "capture" },
				{ .name = "trunks" }, { .name = "links" }, { .name = "stp" } };
			char where[128];
			snprintf(where, sizeof(where), "in switch %s", name->show);
			topo_map_fields(c->r, val, f, 5, where);
			if (f[2].val != NULL)
				check_trunks(c, f[2].key, f[2].val, &sw, name->show);
			if (f[1].val != NULL)
				topo_check_capture(c, f[1].key, f[1].val, what, &sw.capture);
			if (f[0].val != NULL) {
				const struct ynode *m = topo_want_scalar(c->r, f[0].key, f[0].val, what, "switch or hub");
				if (m != NULL && strcmp(m->str, "hub") == 0)
					sw.mode = LAB_SWITCH_HUB;
				else if (m != NULL && strcmp(m->str, "switch") != 0)
					topo_value_error(c->r, m, "mode", what, "is not a switch mode (expected switch or hub)");
			}
			if (f[4].val != NULL)
				check_stp(c, f[4].key, f[4].val, &sw, what);
		}
		if (ok && c->lab->n_switches == LAB_SWITCHES_MAX) {
			topo_error(c->r, name->line, name->column, "switch %s is one too many (expected "
			    "at most %d switches in a lab)", name->show, LAB_SWITCHES_MAX);
			ok = false;
		}
		if (!ok) {
			free(sw.trunks);
			continue;
		}
		str_copy(sw.name, sizeof(sw.name), name->str);
		c->lab->switches = topo_grow(c->lab->switches, c->lab->n_switches, &c->cap_switches,
		    sizeof(*c->lab->switches));
		c->lab->switches[c->lab->n_switches++] = sw;
	}
	/* Links name other switches, which may come later in the file. */
	for (size_t i = 0; i < c->lab->n_switches; i++) {
		const struct ynode *val = NULL;
		for (size_t k = 0; k + 1 < map->n_kids && val == NULL; k += 2)
			if (!map->kids[k]->dup && map->kids[k]->type == YNODE_SCALAR &&
			    strcmp(map->kids[k]->str, c->lab->switches[i].name) == 0)
				val = map->kids[k + 1];
		if (val == NULL || val->type != YNODE_MAPPING)
			continue;
		for (size_t k = 0; k + 1 < val->n_kids; k += 2)
			if (!val->kids[k]->dup && val->kids[k]->type == YNODE_SCALAR &&
			    strcmp(val->kids[k]->str, "links") == 0)
				check_links(c, val->kids[k], val->kids[k + 1], i);
	}
}

/* Index of switch `name` in the lab; -1 after reporting it undefined (unless its definition
 * was already reported as bad). */
long topo_find_switch(struct checker *c, const struct ynode *s, const char *where)
{
	for (size_t i = 0; i < c->lab->n_switches; i++)
		if (strcmp(c->lab->switches[i].name, s->str) == 0 &&
		    strlen(c->lab->switches[i].name) == s->len)
			return (long)i;
	if (c->switches != NULL)
		for (size_t k = 0; k < c->switches->n_kids; k += 2) {
			const struct ynode *n = c->switches->kids[k];
			if (n->type == YNODE_SCALAR && n->len == s->len && memcmp(n->str, s->str, s->len) == 0)
				return -1;
		}
	if (c->switches_bad)
		return -1;
	if (c->lab->n_switches == 0) {
		topo_error(c->r, s->line, s->column,
		    "%s is on switch `%s`, which is not defined (expected it under `switches:`, e.g. switches: {%s: {}})",
		    where, s->show, s->show);
		return -1;
	}
	char list[160] = "";
	for (size_t i = 0; i < c->lab->n_switches; i++) {
		size_t used = strlen(list);
		if (used + LAB_NAME_MAX + 8 > sizeof(list)) {
			snprintf(list + used, sizeof(list) - used, ", ...");
			break;
		}
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", c->lab->switches[i].name);
	}
	topo_error(c->r, s->line, s->column,
	    "%s is on switch `%s`, which is not defined (expected one of: %s; or add it under `switches:`)",
	    where, s->show, list);
	return -1;
}

void topo_link_ports(struct checker *c)
{
	for (size_t i = 0; i < c->lab->n_switches; i++)
		for (size_t k = 0; k < c->lab->switches[i].n_links; k++) {
			c->switch_ports[i]++;
			c->switch_ports[c->lab->switches[i].links[k].to]++;
		}
}
