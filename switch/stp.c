/* switch/stp.c: spanning tree on a switch: its cables as the ports of an RSTP bridge (switch/rstp.c), BPDUs in and out, port states into forwarding.
 *
 * The bridge (struct rstp) is a pure state machine; this file is its
 * switch: a cable's spanning tree port number is given when the cable is
 * added and kept for its life, so a reconnecting kernel is the same port.
 * The bridge hears that a port is up while its cable has a connection and
 * its link is in (switch_stp_cable_changed); BPDUs that come in
 * (01:80:c2:00:00:00, untagged) go to it instead of being forwarded; the
 * BPDUs it sends go straight to the cable's socket, through the cable's
 * `in` conditions and past its taps like any frame; the states it sets are
 * the ports' stp_state, which the full forwarding path (switch/forward.c)
 * reads; its flushes forget the port's addresses. Its timers run from the
 * switch loop (switch_stp_next, switch_stp_tick): a wake-up a hello (2 s)
 * while it runs, nothing while it does not. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/base/util.h"
#include "switch/fdb.h"
#include "switch/linkcond.h"
#include "switch/rstp.h"
#include "switch/switch_int.h"

static struct switch_cable *cable_by_no(struct sw *sw, unsigned no)
{
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		if (c->stp_no == no)
			return c;
	return NULL;
}

/* ---- what the bridge asks of the switch ---- */

static void stp_send(void *arg, unsigned no, const unsigned char *frame, size_t len)
{
	struct sw *sw = arg;
	struct switch_cable *c = cable_by_no(sw, no);
	struct switch_port *p = c != NULL ? c->port : NULL;
	if (p == NULL || p->link_down || p->dead)
		return;
	if (p->cond_to != NULL) {
		sw->cond_dirty = true;
		if (linkcond_queue_admit(p->cond_to, frame, len, clock_ns()) != LINKCOND_PASS)
			return;	/* held (the timer sends it on) or lost, as any frame */
	}
	if (sw->ntaps != 0 && c->taps != NULL) {
		sw->tap_ts = realtime_ns();
		for (struct switch_tap *t = c->taps; t != NULL; t = t->next_on_cable)
			switch_tap_push(sw, t, p, NULL, SWITCH_TAP_OUT, frame, len);
	}
	/* Not behind the backlog: a BPDU late is worse than one out of order. */
	if (send(p->data_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		switch_stat_add(&sw->st_out, 1);
		if (p->cond_to == NULL)
			p->passed_to++;	/* its cable counts it, as the BPDUs that come in */
	} else
		switch_stat_dropped(sw, 1);
}

static void stp_state(void *arg, unsigned no, enum rstp_state state)
{
	struct sw *sw = arg;
	struct switch_cable *c = cable_by_no(sw, no);
	if (c != NULL && c->port != NULL)
		c->port->stp_state = state == RSTP_FORWARDING ? SWITCH_STP_FORWARDING :
		    state == RSTP_LEARNING ? SWITCH_STP_LEARNING : SWITCH_STP_DISCARDING;
}

static void stp_flush(void *arg, unsigned no)
{
	struct sw *sw = arg;
	struct switch_cable *c = cable_by_no(sw, no);
	if (c != NULL && c->port != NULL && sw->fdb != NULL)
		fdb_forget_port(sw->fdb, c->port->slot);
}

static const struct rstp_ops stp_ops = { stp_send, stp_state, stp_flush };

/* ---- the switch thread's side ---- */

static void stp_port_add(struct sw *sw, struct switch_cable *c)
{
	if (rstp_port_add(sw->stp, c->stp_no, c->stp_priority, c->stp_cost, c->stp_edge) != 0)
		return;	/* past 4095 cables in the switch's life: not a port of the bridge */
	switch_stp_cable_changed(sw, c);
}

void switch_stp_cable_added(struct sw *sw, struct switch_cable *cable)
{
	cable->stp_no = ++sw->stp_next_no;
	cable->stp_cost = RSTP_COST_DEFAULT;
	cable->stp_priority = RSTP_PORT_PRIORITY_DEFAULT;
	cable->stp_edge = !cable->link;
	if (sw->stp != NULL)
		stp_port_add(sw, cable);
}

void switch_stp_cable_removed(struct sw *sw, struct switch_cable *cable)
{
	if (sw->stp != NULL)
		rstp_port_remove(sw->stp, cable->stp_no, clock_ms());
}

void switch_stp_cable_changed(struct sw *sw, struct switch_cable *cable)
{
	if (sw->stp == NULL)
		return;
	struct switch_port *p = cable->port;
	bool up = p != NULL && !p->dead && !cable->link_down;
	struct rstp_port_info pi;
	bool known = rstp_get_port(sw->stp, cable->stp_no, &pi);
	if (p != NULL && !p->dead) {
		/* What the bridge has for it now (a new connection starts
		 * discarding); a cable that is no port of the bridge forwards. */
		p->stp_state = known ? SWITCH_STP_DISCARDING : SWITCH_STP_FORWARDING;
		if (known && pi.enabled && up)
			stp_state(sw, cable->stp_no, pi.state);
	}
	if (known)
		rstp_port_enable(sw->stp, cable->stp_no, up, clock_ms());
}

void switch_stp_rx(struct sw *sw, struct switch_port *src, const unsigned char *frame,
    size_t len, uint64_t now)
{
	if (src->cable != NULL)
		rstp_receive(sw->stp, src->cable->stp_no, frame, len, now);
}

uint64_t switch_stp_next(const struct sw *sw)
{
	return sw->stp != NULL ? rstp_next(sw->stp) : UINT64_MAX;
}

void switch_stp_tick(struct sw *sw, uint64_t now)
{
	if (sw->stp != NULL && rstp_next(sw->stp) <= now)
		rstp_tick(sw->stp, now);
}

int switch_stp_begin(struct sw *sw, const struct switch_stp_config *cfg, char **cause)
{
	if (sw->mode == SWITCH_MODE_HUB)
		return set_cause(cause, "switch %s is a hub, which has no spanning tree", sw->name);
	if (sw->stp != NULL)
		return set_cause(cause, "switch %s runs spanning tree already", sw->name);
	struct rstp_config rc = { .priority = cfg->priority };
	memcpy(rc.mac, cfg->mac, 6);
	sw->stp = rstp_new(&rc, &stp_ops, sw);
	if (sw->stp == NULL)
		return set_cause(cause, "switch %s: out of memory for spanning tree", sw->name);
	/* Every port discards until the bridge says otherwise. */
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		if (c->port != NULL)
			c->port->stp_state = SWITCH_STP_DISCARDING;
	switch_fwd_update(sw);
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		stp_port_add(sw, c);
	return 0;
}

int switch_cable_stp(struct sw *sw, const char *name, uint32_t cost, unsigned priority,
    bool edge, char **cause)
{
	struct switch_cable *c = switch_cable_find(sw, name);
	if (c == NULL)
		return set_cause(cause, "switch %s has no cable %s", sw->name, name);
	c->stp_cost = cost;
	c->stp_priority = priority;
	c->stp_edge = edge;
	if (sw->stp != NULL) {
		/* Its new priority and cost take effect as a new port. */
		rstp_port_remove(sw->stp, c->stp_no, clock_ms());
		stp_port_add(sw, c);
	}
	return 0;
}

static int stp_port_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct switch_stp_port *)a)->name,
	    ((const struct switch_stp_port *)b)->name);
}

void switch_stp_collect(struct sw *sw, struct switch_call *call)
{
	memset(call->stp_info, 0, sizeof(*call->stp_info));
	call->stp_ports = NULL;
	call->n = 0;
	if (sw->stp == NULL)
		return;
	struct rstp_info ri;
	rstp_get_info(sw->stp, &ri);
	uint64_t now = clock_ms();
	struct switch_cable *rc = ri.root_port ? cable_by_no(sw, ri.root_port) : NULL;
	*call->stp_info = (struct switch_stp_info){ .on = true, .bridge_id = ri.bridge_id,
	    .root_id = ri.root_id, .root_cost = ri.root_cost,
	    .root_port = rc != NULL ? rc->label : NULL, .hello_s = ri.hello_s,
	    .max_age_s = ri.max_age_s, .forward_delay_s = ri.forward_delay_s,
	    .topology_changes = ri.topology_changes,
	    .since_change_ms = ri.last_change ? now - ri.last_change : UINT64_MAX };
	struct switch_stp_port *v = xcalloc(sw->ncables + 1, sizeof(*v));
	unsigned n = 0;
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		struct rstp_port_info pi;
		if (!rstp_get_port(sw->stp, c->stp_no, &pi))
			continue;
		v[n++] = (struct switch_stp_port){ .name = c->label, .number = pi.port,
		    .port_id = pi.port_id, .cost = pi.cost, .enabled = pi.enabled, .edge = pi.edge,
		    .legacy = pi.legacy, .role = rstp_role_name(pi.role),
		    .state = rstp_state_name(pi.state), .designated_bridge = pi.designated_bridge,
		    .designated_cost = pi.designated_cost, .designated_port = pi.designated_port,
		    .bpdus_in = pi.bpdus_in, .bpdus_out = pi.bpdus_out };
	}
	qsort(v, n, sizeof(*v), stp_port_cmp);
	call->stp_ports = v;
	call->n = n;
}

/* ---- the owner's side ---- */

int switch_stp_start(struct sw *sw, const struct switch_stp_config *cfg, char **cause)
{
	if (cfg->priority > 61440 || cfg->priority % 4096 != 0)
		return set_cause(cause, "switch %s: bridge priority %u is not 0 to 61440 in steps "
		    "of 4096", sw->name, cfg->priority);
	struct switch_call call = { .op = SWITCH_CALL_STP_START, .stp_cfg = cfg };
	return switch_call(sw, &call, cause);
}

int switch_cable_set_stp(struct sw *sw, const char *name, uint32_t cost, unsigned priority,
    bool edge, char **cause)
{
	if (cost == 0 || cost > 200000000 || priority > 240 || priority % 16 != 0)
		return set_cause(cause, "cable %s: path cost %u or port priority %u out of range "
		    "(expected 1 to 200000000, and 0 to 240 in steps of 16)", name, cost, priority);
	struct switch_call call = { .op = SWITCH_CALL_CABLE_STP, .name = name, .stp_cost = cost,
	    .stp_priority = priority, .stp_edge = edge };
	return switch_call(sw, &call, cause);
}

int switch_stp_get(struct sw *sw, struct switch_stp_info *info, struct switch_stp_port **ports,
    unsigned *n, char **cause)
{
	struct switch_call call = { .op = SWITCH_CALL_STP_GET, .stp_info = info };
	if (switch_call(sw, &call, cause) != 0)
		return -1;
	*ports = call.stp_ports;
	*n = call.n;
	return 0;
}
