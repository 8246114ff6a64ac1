/* core/supervisor/switches.c: what a lab's switches get from its file beyond their cables:
 * VLANs on their ports, the links between them, and a watch on storms. */
#include "core/supervisor/switches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/log.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "core/supervisor/supervisor.h"
#include "switch/switch.h"

#define STORM_WATCH_S 1.0	/* how often the supervisor looks for storms */
#define STORM_REPEAT_MS 10000	/* a storm that goes on is logged again this often */

void supervisor_vlans_convert(const struct lab_vlans *in, struct switch_vlans *out)
{
	switch_vlans_default(out);
	if (in->trunk) {
		out->access = 0;
		out->native = in->native;
		memcpy(out->tagged, in->tagged, sizeof(out->tagged));
	} else if (in->access != 0) {
		out->access = in->access;
	}
}

int supervisor_port_vlans(struct supervisor *sup, size_t sw, const char *cable,
    const struct lab_vlans *v, char **cause)
{
	if (v->line == 0)
		return 0;	/* the default */
	struct switch_vlans sv;
	supervisor_vlans_convert(v, &sv);
	char *why = NULL;
	if (switch_cable_set_vlans(sup->switches[sw], cable, &sv, &why) != 0) {
		set_cause(cause, "%s:%d:%d: the VLANs of %s: %s", sup->lab->path, v->line, v->column,
		    cable, why);
		free(why);
		return -1;
	}
	return 0;
}

char *supervisor_link_name(const struct lab *lab, size_t from, size_t to)
{
	return state_cable_name(lab->switches[from].name, lab->switches[to].name);
}

char *supervisor_link_owner_name(const struct lab *lab, uint32_t owner)
{
	if ((owner & SUPERVISOR_LINK_OWNER) == 0)
		return NULL;
	size_t want = owner & ~SUPERVISOR_LINK_OWNER, n = 0;
	for (size_t i = 0; i < lab->n_switches; i++)
		for (size_t k = 0; k < lab->switches[i].n_links; k++, n++)
			if (n == want)
				return supervisor_link_name(lab, i, lab->switches[i].links[k].to);
	return NULL;
}

/* Every `links:` cable: a port on both its switches, with its VLANs. */
static int links_start(struct supervisor *sup, char **cause)
{
	const struct lab *lab = sup->lab;
	size_t n = 0;
	for (size_t i = 0; i < lab->n_switches; i++)
		for (size_t k = 0; k < lab->switches[i].n_links; k++, n++) {
			const struct lab_link *l = &lab->switches[i].links[k];
			char *a = supervisor_link_name(lab, i, l->to), *b = supervisor_link_name(lab, l->to, i);
			char *why = NULL;
			int rc = switch_link_open(sup->switches[i], a, sup->switches[l->to], b,
			    supervisor_link_owner(n), &why);
			if (rc != 0) {
				set_cause(cause, "%s:%d:%d: the link from %s to %s: %s", lab->path, l->line,
				    l->column, lab->switches[i].name, lab->switches[l->to].name, why);
				free(why);
			}
			if (rc == 0)
				rc = supervisor_port_vlans(sup, i, a, &l->vlans, cause);
			if (rc == 0)
				rc = supervisor_port_vlans(sup, l->to, b, &l->vlans, cause);
			if (rc == 0 && (switch_cable_set_stp(sup->switches[i], a, l->cost, l->priority,
			    false, cause) != 0 || switch_cable_set_stp(sup->switches[l->to], b, l->cost,
			    l->priority, false, cause) != 0))
				rc = -1;
			free(a);
			free(b);
			if (rc != 0)
				return -1;
		}
	return 0;
}

/* 412345 -> "412 345", as the storm line writes rates. */
static void thousands(uint64_t v, char *buf, size_t size)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t k = 0;
	for (int i = 0; i < n && k + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[k++] = ' ';
		buf[k++] = digits[i];
	}
	buf[k] = '\0';
}

char *supervisor_storm_text(const char *name, const struct switch_info *info)
{
	char rate[40];
	thousands(info->storm_fps, rate, sizeof(rate));
	return xasprintf("%s: storm, %s frames/s, %u %% broadcast, limited", name, rate,
	    info->storm_group_pct);
}

/* Once a second: a switch whose storm budget held ports is in a storm. */
static void storm_watch(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct supervisor *sup = w->data;
	uint64_t now = clock_ms();
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		if (sup->switches[i] == NULL)
			continue;
		struct switch_info info;
		switch_get_info(sup->switches[i], &info);
		uint64_t *last = &sup->storm_logged[i];
		if (info.storm && (*last == 0 || now - *last >= STORM_REPEAT_MS)) {
			char *text = supervisor_storm_text(sup->lab->switches[i].name, &info);
			log_warnx("%s", text);
			free(text);
			*last = now;
		} else if (!info.storm && *last != 0) {
			log_info("%s: the storm is over", sup->lab->switches[i].name);
			*last = 0;
		}
	}
}

void supervisor_bridge_mac(const struct lab *lab, size_t i, uint8_t mac[6])
{
	lab_default_mac(lab->name, lab->switches[i].name, "bridge", mac);
}

/* `stp:` on the file's switches: each its own bridge, its id from the file. */
static int stp_start(struct supervisor *sup, char **cause)
{
	const struct lab *lab = sup->lab;
	for (size_t i = 0; i < lab->n_switches; i++) {
		const struct lab_switch *ls = &lab->switches[i];
		if (!ls->stp.on)
			continue;
		struct switch_stp_config cfg = { .priority = ls->stp.priority };
		supervisor_bridge_mac(lab, i, cfg.mac);
		char *why = NULL;
		if (switch_stp_start(sup->switches[i], &cfg, &why) != 0) {
			set_cause(cause, "%s:%d:%d: spanning tree on switch %s: %s", lab->path, ls->line,
			    ls->column, ls->name, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

int supervisor_switches_setup(struct supervisor *sup, char **cause)
{
	/* Spanning tree first: a switch that did not run it yet would pass the
	 * first BPDUs on as any multicast, round the loop they are to cut. */
	if (stp_start(sup, cause) != 0 || links_start(sup, cause) != 0)
		return -1;
	sup->storm_logged = xcalloc(sup->lab->n_switches + 1, sizeof(*sup->storm_logged));
	ev_timer_init(&sup->storm_w, storm_watch, STORM_WATCH_S, STORM_WATCH_S);
	sup->storm_w.data = sup;
	ev_timer_start(sup->loop, &sup->storm_w);
	ev_unref(sup->loop);	/* it keeps no loop running by itself */
	return 0;
}

void supervisor_switches_quiet(struct supervisor *sup)
{
	if (sup->storm_logged == NULL)
		return;
	ev_ref(sup->loop);
	ev_timer_stop(sup->loop, &sup->storm_w);
	free(sup->storm_logged);
	sup->storm_logged = NULL;
}
