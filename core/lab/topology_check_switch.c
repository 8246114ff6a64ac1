/* core/lab/topology_check_switch.c: check `switches:` and their `trunks:` (VXLAN ports to
 * other labs), and find the switch an interface is on. */
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
				{ .name = "trunks" } };
			char where[128];
			snprintf(where, sizeof(where), "in switch %s", name->show);
			topo_map_fields(c->r, val, f, 3, where);
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
