/* switch/vlan.c: VLANs on a switch's ports, how the switch forwards (plain or full path), and what it shows of its ports and address table.
 *
 * A cable's VLANs belong to the cable, like its link state: they hold across
 * reconnects and are copied into its port when a kernel connects
 * (switch_port_vlans). The switch becomes VLAN-aware when any cable has
 * VLANs other than the default, and forwards on the full path
 * (switch/forward.c) while it is, or while spanning tree runs: the plain
 * learning path stays exactly what it was. Changing between the two
 * forgets the address table, whose keys differ (VLAN 0 against real ones). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"
#include "switch/fdb.h"
#include "switch/switch_int.h"

/* ---- a port's VLANs (pure) ---- */

void switch_vlans_default(struct switch_vlans *v)
{
	memset(v, 0, sizeof(*v));
	v->access = 1;
}

static bool vlans_bit(const uint64_t *set, unsigned vid)
{
	return (set[vid / 64] >> (vid % 64)) & 1;
}

bool switch_vlans_carries(const struct switch_vlans *v, unsigned vid)
{
	if (vid == 0 || vid > SWITCH_VLAN_MAX)
		return false;
	if (v->access != 0)
		return v->access == vid;
	return v->native == vid || vlans_bit(v->tagged, vid);
}

static bool vlans_default(const struct switch_vlans *v)
{
	return v->access == 1;
}

char *switch_vlans_format(const struct switch_vlans *v)
{
	if (v->access != 0)
		return xasprintf("access %u", v->access);
	struct strbuf b = { 0 };
	strbuf_printf(&b, "trunk ");
	bool any = false;
	for (unsigned vid = 1; vid <= SWITCH_VLAN_MAX; vid++) {
		if (!vlans_bit(v->tagged, vid))
			continue;
		unsigned last = vid;
		while (last < SWITCH_VLAN_MAX && vlans_bit(v->tagged, last + 1))
			last++;
		if (last == vid)
			strbuf_printf(&b, "%s%u", any ? "," : "", vid);
		else
			strbuf_printf(&b, "%s%u-%u", any ? "," : "", vid, last);
		any = true;
		vid = last;
	}
	if (!any)
		strbuf_printf(&b, "(none tagged)");
	if (v->native != 0)
		strbuf_printf(&b, " native %u", v->native);
	return strbuf_take(&b);
}

/* A VLAN number 1..4094 at *p; advances *p past it. */
static bool vlans_number(const char **p, unsigned *out)
{
	unsigned v = 0;
	const char *q = *p;
	if (*q < '0' || *q > '9')
		return false;
	while (*q >= '0' && *q <= '9' && v <= SWITCH_VLAN_MAX)
		v = v * 10 + (unsigned)(*q++ - '0');
	if (v == 0 || v > SWITCH_VLAN_MAX)
		return false;
	*p = q;
	*out = v;
	return true;
}

int switch_vlans_parse(const char *text, struct switch_vlans *v, char **cause)
{
	memset(v, 0, sizeof(*v));
	const char *p = text;
	unsigned n;
	if (strncmp(p, "access ", 7) == 0)
		p += 7;
	if (strncmp(p, "trunk ", 6) != 0) {
		if (!vlans_number(&p, &n) || *p != '\0')
			return set_cause(cause, "`%s` is not a port's VLANs (expected a VLAN from 1 to "
			    "%d for an access port, or `trunk 10,20-22 [native 1]`)", text,
			    SWITCH_VLAN_MAX);
		v->access = (uint16_t)n;
		return 0;
	}
	p += 6;
	do {
		unsigned last;
		if (!vlans_number(&p, &n))
			goto bad;
		last = n;
		if (*p == '-' && (p++, !vlans_number(&p, &last) || last < n))
			goto bad;
		for (unsigned k = n; k <= last; k++)
			v->tagged[k / 64] |= 1ull << (k % 64);
	} while (*p == ',' && ++p != NULL);
	if (strncmp(p, " native ", 8) == 0) {
		p += 8;
		if (!vlans_number(&p, &n))
			goto bad;
		v->native = (uint16_t)n;
	}
	if (*p == '\0')
		return 0;
bad:
	return set_cause(cause, "`%s` is not a trunk's VLANs (expected `trunk 10,20-22`, then "
	    "optionally ` native N`; VLANs from 1 to %d)", text, SWITCH_VLAN_MAX);
}

static int vlans_check(const struct switch_vlans *v, char **cause)
{
	if (v->access > SWITCH_VLAN_MAX || v->native > SWITCH_VLAN_MAX)
		return set_cause(cause, "VLAN %u is out of range (expected 1 to %d)",
		    v->access > SWITCH_VLAN_MAX ? v->access : v->native, SWITCH_VLAN_MAX);
	if (v->access != 0 && v->native != 0)
		return set_cause(cause, "an access port (VLAN %u) has no native VLAN", v->access);
	if (v->tagged[0] & 1 || v->tagged[63] >> 63)
		return set_cause(cause, "VLANs 0 and 4095 are reserved (expected 1 to %d)",
		    SWITCH_VLAN_MAX);
	return 0;
}

/* ---- the switch thread's side ---- */

/* port takes its cable's VLANs (a port without a cable has the default). */
void switch_port_vlans(struct switch_port *port, const struct switch_cable *cable)
{
	if (cable == NULL || cable->vlans.access != 0) {
		port->pvid = cable != NULL ? cable->vlans.access : 1;
		port->tagged = NULL;
	} else {
		port->pvid = cable->vlans.native;
		port->tagged = cable->vlans.tagged;
	}
}

/* Back to the plain path: its sends have one piece per frame again (two,
 * the header and the frame, for a trunk), as it assumes. */
static void switch_tx_reset(struct sw *sw)
{
	for (unsigned i = 0; i < sw->nactive; i++) {
		struct switch_port *p = sw->active[i];
		for (unsigned j = 0; j < SWITCH_BATCH; j++)
			p->tx[j].msg_hdr.msg_iovlen = p->trunk != NULL ? 2 : 1;
	}
}

/* Choose the way of forwarding after a change of VLANs (or of spanning tree). */
void switch_fwd_update(struct sw *sw)
{
	bool aware = false;
	for (const struct switch_cable *c = sw->cables; c != NULL && !aware; c = c->next)
		aware = c->vlans_set;
	enum switch_fwd fwd = sw->mode == SWITCH_MODE_HUB ? SWITCH_FWD_HUB :
	    aware || sw->stp != NULL ? SWITCH_FWD_FULL : SWITCH_FWD_LEARNING;
	if (aware != sw->vlan_aware && sw->fdb != NULL)
		fdb_flush(sw->fdb);	/* VLAN 0's entries against real VLANs' */
	sw->vlan_aware = aware;
	if (sw->fwd == SWITCH_FWD_FULL && fwd != SWITCH_FWD_FULL)
		switch_tx_reset(sw);
	sw->fwd = fwd;
}

/* The switch thread's side of switch_cable_set_vlans. */
int switch_cable_vlans(struct sw *sw, const char *name, const struct switch_vlans *v,
    char **cause)
{
	struct switch_cable *cable = switch_cable_find(sw, name);
	if (cable == NULL)
		return set_cause(cause, "switch %s has no cable %s", sw->name, name);
	if (sw->mode == SWITCH_MODE_HUB && !vlans_default(v))
		return set_cause(cause, "switch %s is a hub: a hub has no VLANs (cable %s)", sw->name,
		    name);
	cable->vlans = *v;
	cable->vlans_set = !vlans_default(v);
	if (cable->port != NULL) {
		switch_port_vlans(cable->port, cable);
		if (sw->fdb != NULL)
			fdb_forget_port(sw->fdb, cable->port->slot);
	}
	switch_fwd_update(sw);
	return 0;
}

static void port_info_fill(struct switch_port_info *i, const struct switch_port *p)
{
	i->name = p->label;
	i->owner = p->owner;
	i->connected = true;
	i->link_down = p->link_down;
	switch_vlans_default(&i->vlans);
	i->vlan_dropped = p->vlan_drops;
}

static int port_info_cmp(const void *a, const void *b)
{
	const struct switch_port_info *x = a, *y = b;
	return strverscmp(x->name, y->name);
}

/* SWITCH_CALL_PORTS: every cable (connected or not), then the ports without one. */
void switch_ports_collect(struct sw *sw, struct switch_call *call)
{
	struct switch_port_info *v = xcalloc(sw->ncables + sw->nactive + 1, sizeof(*v));
	unsigned n = 0;
	for (const struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		struct switch_port_info *i = &v[n++];
		if (c->port != NULL)
			port_info_fill(i, c->port);
		i->name = c->label;
		i->owner = c->owner;
		i->cable = true;
		i->link = c->link;
		i->link_down = c->link_down;
		i->vlans = c->vlans;
		i->vlan_dropped += c->vlan_drops;
		switch_cond_counts(c, &i->frames_to, &i->frames_from, &i->frames_dropped);
	}
	for (unsigned k = 0; k < sw->nactive; k++)
		if (sw->active[k]->cable == NULL)
			port_info_fill(&v[n++], sw->active[k]);
	qsort(v, n, sizeof(*v), port_info_cmp);
	call->ports = v;
	call->n = n;
}

/* SWITCH_CALL_FDB: the table with each entry's port by name. */
void switch_fdb_collect(struct sw *sw, struct switch_call *call)
{
	call->fdb = NULL;
	call->n = 0;
	if (sw->fdb == NULL)
		return;
	unsigned max = fdb_count(sw->fdb);
	struct fdb_entry *e = xcalloc(max + 1, sizeof(*e));
	unsigned n = fdb_dump(sw->fdb, e, max, clock_ms());
	struct switch_fdb_entry *out = xcalloc(n + 1, sizeof(*out));
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct switch_port *p = e[i].port >= 0 && e[i].port < SWITCH_MAX_PORTS ?
		    sw->slots[e[i].port] : NULL;
		if (p == NULL || !p->plugged)
			continue;
		memcpy(out[k].mac, e[i].mac, 6);
		out[k].vid = e[i].vid;
		out[k].port = p->label;
		out[k].age_ms = e[i].age_ms;
		k++;
	}
	free(e);
	call->fdb = out;
	call->n = k;
}

/* ---- the owner's side ---- */

int switch_cable_set_vlans(struct sw *sw, const char *name, const struct switch_vlans *v,
    char **cause)
{
	char *why = NULL;
	if (vlans_check(v, &why) != 0) {
		set_cause(cause, "cable %s: %s", name, why);
		free(why);
		return -1;
	}
	struct switch_call call = { .op = SWITCH_CALL_CABLE_VLANS, .name = name, .vlans = v };
	return switch_call(sw, &call, cause);
}

int switch_ports_get(struct sw *sw, struct switch_port_info **ports, unsigned *n, char **cause)
{
	struct switch_call call = { .op = SWITCH_CALL_PORTS };
	if (switch_call(sw, &call, cause) != 0)
		return -1;
	*ports = call.ports;
	*n = call.n;
	return 0;
}

int switch_fdb_get(struct sw *sw, struct switch_fdb_entry **entries, unsigned *n, char **cause)
{
	struct switch_call call = { .op = SWITCH_CALL_FDB };
	if (switch_call(sw, &call, cause) != 0)
		return -1;
	*entries = call.fdb;
	*n = call.n;
	return 0;
}
