/* core/requests/graph.c: `graph-live`: the running lab as `umllab graph` draws it (see core/lab/graph.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/state.h"
#include "core/lab/graph.h"
#include "core/supervisor/instance.h"
#include "core/requests/request.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "switch/switch.h"
#include "core/base/util.h"

/* The addresses the guest itself set on iface, "ADDR/PREFIX,..." ("" for none): link-local
 * and SLAAC ones left out (the graph draws SLAAC from the routers' `ra` lines). */
static char *guest_addrs(const struct instance *inst, const char *iface)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "%s", "");
	unsigned n = 0;
	for (size_t k = 0; k < inst->net.cur.n_addrs && n < LAB_IFACE_ADDRS_MAX; k++) {
		const struct guest_net_addr *a = &inst->net.cur.addrs[k];
		if (strcmp(a->iface, iface) != 0 || lab_addr_link_local(&a->addr) ||
		    (a->dynamic && a->addr.family == AF_INET6))
			continue;
		char ip[LAB_ADDR_TEXT_MAX];
		strbuf_printf(&b, "%s%s", n++ ? "," : "", lab_addr_format(&a->addr, true, ip));
	}
	return strbuf_take(&b);
}

/* The spanning tree state of cable `name` on switch sw: -, forwarding, blocked. */
static const char *stp_end(const struct supervisor *sup, size_t sw, const char *name)
{
	struct switch_stp_info info;
	struct switch_stp_port *ports;
	unsigned n;
	const char *end = "-";
	if (sup->switches[sw] == NULL || switch_stp_get(sup->switches[sw], &info, &ports, &n, NULL) != 0)
		return end;
	for (unsigned k = 0; k < n && info.on; k++)
		if (strcmp(ports[k].name, name) == 0)
			end = strcmp(ports[k].state, "forwarding") == 0 ? "forwarding" : "blocked";
	free(ports);
	return end;
}

static void send_link(struct conn *c, const struct supervisor *sup, const struct instance *inst,
    const struct lab_iface *f, const char *state, bool live)
{
	/* The file's addresses, else those its guest set. */
	char *addr = f->n_addrs > 0 ? lab_addrs_join(f->addrs, f->n_addrs, ",") :
	    guest_addrs(inst, f->name);
	if (addr[0] == '\0') {
		free(addr);
		addr = xstrdup("-");
	}
	conn_printf(c, CTL_STDOUT, "link %s %s %s %s %s %s\n", inst->cfg->name, f->name,
	    sup->lab->switches[f->sw].name, addr, state, live ? "live" : "configured");
	free(addr);
	/* Its switch port blocked by spanning tree (a bridge inside the guest). */
	if (strcmp(state, "up") == 0) {
		char *port = state_cable_name(inst->cfg->name, f->name);
		if (strcmp(stp_end(sup, f->sw, port), "blocked") == 0)
			conn_printf(c, CTL_STDOUT, "stp %s %s blocked\n", inst->cfg->name, f->name);
		free(port);
	}
	char *cond = linkcond_pair_format(&f->link);
	if (strlen(cond) >= GRAPH_COND_MAX)
		strcpy(cond + GRAPH_COND_MAX - 4, "...");	/* a label, not a record */
	if (cond[0] != '\0')
		conn_printf(c, CTL_STDOUT, "cond %s %s %s\n", inst->cfg->name, f->name, cond);
	free(cond);
	if (f->ra && !live)
		conn_printf(c, CTL_STDOUT, "ra %s %s\n", inst->cfg->name, f->name);
	if (!live)
		conn_printf(c, CTL_STDOUT, "mac %s %s %02x:%02x:%02x:%02x:%02x:%02x\n", inst->cfg->name,
		    f->name, f->mac[0], f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
}

/* An interface's VLANs (when not the default) and its instance's VLAN sub-interfaces. */
static void send_vlans(struct conn *c, const struct instance *inst)
{
	const struct lab_instance *in = inst->cfg;
	for (size_t j = 0; j < in->n_ifaces; j++) {
		if (instance_iface_find((struct instance *)inst, in->ifaces[j].name) == NULL)
			continue;	/* unplugged: no link line to hang it on */
		char *v = lab_vlans_format(&in->ifaces[j].vlans);
		if (v[0] != '\0')
			conn_printf(c, CTL_STDOUT, "vlan %s %s %s\n", in->name, in->ifaces[j].name, v);
		free(v);
	}
	for (size_t k = 0; k < in->n_subifs; k++) {
		const struct lab_subif *sub = &in->subifs[k];
		char *addr = lab_addrs_join(sub->addrs, sub->n_addrs, ",");
		conn_printf(c, CTL_STDOUT, "subif %s %s %s\n", in->name, sub->name, addr[0] ? addr : "-");
		free(addr);
	}
}

/* The cables between switches, with their state at both ends. */
static void send_swlinks(struct conn *c, const struct supervisor *sup)
{
	const struct lab *lab = sup->lab;
	for (size_t i = 0; i < lab->n_switches; i++)
		for (size_t k = 0; k < lab->switches[i].n_links; k++) {
			const struct lab_link *l = &lab->switches[i].links[k];
			char *ab = supervisor_link_name(lab, i, l->to), *ba = supervisor_link_name(lab, l->to, i);
			bool down = false;
			struct switch_port_info *ports;
			unsigned n;
			if (sup->switches[i] != NULL && switch_ports_get(sup->switches[i], &ports, &n, NULL) == 0) {
				for (unsigned j = 0; j < n; j++)
					if (strcmp(ports[j].name, ab) == 0)
						down = ports[j].link_down || !ports[j].connected;
				free(ports);
			}
			char *v = lab_vlans_format(&l->vlans);
			conn_printf(c, CTL_STDOUT, "swlink %s %s %s %s %s%s%s\n", lab->switches[i].name,
			    lab->switches[l->to].name, down ? "down" : "up", stp_end(sup, i, ab),
			    stp_end(sup, l->to, ba), v[0] ? " " : "", v);
			free(v);
			free(ab);
			free(ba);
		}
}

void request_graph_live(struct conn *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const struct supervisor *sup = c->sup;
	const struct lab *lab = sup->lab;
	conn_printf(c, CTL_STDOUT, "%s\nlab %s\nfile %s\n", GRAPH_SNAPSHOT_MAGIC, lab->name,
	    lab->path);
	for (size_t i = 0; i < lab->n_switches; i++) {
		const struct lab_switch *sw = &lab->switches[i];
		conn_printf(c, CTL_STDOUT, "switch %s %s\n", sw->name,
		    sw->mode == LAB_SWITCH_HUB ? "hub" : "switch");
		for (size_t k = 0; k < sw->n_trunks; k++) {
			char listen[VXLAN_ADDR_TEXT_MAX], remote[VXLAN_ADDR_TEXT_MAX];
			vxlan_addr_format(&sw->trunks[k].listen, listen);
			vxlan_addr_format(&sw->trunks[k].remote, remote);
			conn_printf(c, CTL_STDOUT, "trunk %s %u %s %s\n", sw->name,
			    sw->trunks[k].vni, listen, remote);
		}
	}
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct instance *inst = &sup->instances[i];
		conn_printf(c, CTL_STDOUT, "instance %s %s %s\n", inst->cfg->name,
		    instance_state_name(inst->state), inst->cfg->forward ? "router" : "host");
	}
	for (size_t i = 0; i < lab->n_instances; i++) {
		struct instance *inst = &sup->instances[i];
		/* A link carries frames while its kernel runs with its network
		 * configured and its cable is in. */
		bool running = inst->pid > 0 &&
		    (inst->state == INSTANCE_RUNNING || inst->state == INSTANCE_CONFIGURING);
		/* The file's interfaces: as wired now, or taken out (unplugged), or
		 * replaced by a card plugged live under the same name (sent below). */
		for (size_t j = 0; j < inst->cfg->n_ifaces; j++) {
			const struct lab_iface *f = &inst->cfg->ifaces[j];
			const struct instance_iface *li = instance_iface_find(inst, f->name);
			if (li == NULL)
				send_link(c, sup, inst, f, "unplugged", false);
			else if (!li->plugged_live)
				send_link(c, sup, inst, &li->cfg,
				    running && !li->link_down ? "up" : "down", false);
		}
		for (size_t j = 0; j < inst->n_ifaces; j++) {
			const struct instance_iface *li = &inst->ifaces[j];
			if (li->plugged_live)
				send_link(c, sup, inst, &li->cfg,
				    running && !li->link_down ? "up" : "down", true);
		}
		send_vlans(c, inst);
	}
	if (sup->switches != NULL)
		send_swlinks(c, sup);
	conn_finish(c, UMLLAB_EXIT_OK);
}
