/* core/requests/switch.c: `switch S1 [--json]`: a switch's ports, their VLANs and link state, and
 * its address table, as a real switch shows them; `switch-stp S1 [--json]`: its spanning tree,
 * like a real switch's `show spanning-tree`; both also part of `status --json`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json.h"
#include "core/base/util.h"
#include "core/requests/request.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "switch/switch.h"

/* What is at the other end of a port: an instance's interface, a switch. */
static char *port_peer(const struct supervisor *sup, size_t sw, const struct switch_port_info *p)
{
	int inst = supervisor_owner_index(sup, p->owner);
	if (inst >= 0)
		return xasprintf("instance %s", sup->lab->instances[inst].name);
	if (p->link) {
		/* SWITCH.OTHER: the other switch's name follows the dot. */
		const char *dot = strchr(p->name, '.');
		return xasprintf("switch %s", dot != NULL ? dot + 1 : "?");
	}
	(void)sw;
	return xstrdup(strstr(p->name, ".trunk") != NULL ? "VXLAN trunk" : "daemon protocol");
}

static void mac_text(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The age of a table entry, as a switch shows it. */
static char *age_text(uint64_t ms)
{
	return ms < 1000 ? xstrdup("<1s") : xasprintf("%llus", (unsigned long long)(ms / 1000));
}

void request_switch_json(const struct supervisor *sup, size_t i, struct strbuf *b)
{
	struct sw *s = sup->switches[i];
	struct switch_port_info *ports = NULL;
	struct switch_fdb_entry *fdb = NULL;
	unsigned np = 0, nf = 0;
	char *cause = NULL;
	if (switch_ports_get(s, &ports, &np, &cause) != 0 || switch_fdb_get(s, &fdb, &nf, &cause) != 0)
		free(cause);
	struct switch_info info;
	switch_get_info(s, &info);
	strbuf_printf(b, "\"vlan_dropped\":%llu,\"flood_limited\":%llu,\"storm\":",
	    (unsigned long long)info.vlan_dropped, (unsigned long long)info.flood_limited);
	if (info.storm)
		strbuf_printf(b, "{\"frames_per_s\":%llu,\"broadcast_pct\":%u}",
		    (unsigned long long)info.storm_fps, info.storm_group_pct);
	else
		strbuf_printf(b, "null");
	strbuf_printf(b, ",\"port_list\":[");
	for (unsigned k = 0; k < np; k++) {
		const struct switch_port_info *p = &ports[k];
		char *vl = switch_vlans_format(&p->vlans), *peer = port_peer(sup, i, p);
		strbuf_printf(b, "%s{\"name\":", k ? "," : "");
		json_write_string(b, p->name);
		strbuf_printf(b, ",\"to\":");
		json_write_string(b, peer);
		strbuf_printf(b, ",\"connected\":%s,\"link\":\"%s\",\"vlans\":",
		    p->connected ? "true" : "false", p->link_down ? "down" : "up");
		json_write_string(b, vl);
		if (p->vlans.access != 0)
			strbuf_printf(b, ",\"access\":%u", p->vlans.access);
		else
			strbuf_printf(b, ",\"native\":%u", p->vlans.native);
		strbuf_printf(b, ",\"vlan_dropped\":%llu}", (unsigned long long)p->vlan_dropped);
		free(vl);
		free(peer);
	}
	strbuf_printf(b, "],\"fdb\":[");
	for (unsigned k = 0; k < nf; k++) {
		char mac[18];
		mac_text(fdb[k].mac, mac);
		strbuf_printf(b, "%s{\"vlan\":%u,\"mac\":\"%s\",\"port\":", k ? "," : "", fdb[k].vid, mac);
		json_write_string(b, fdb[k].port);
		strbuf_printf(b, ",\"age_ms\":%llu}", (unsigned long long)fdb[k].age_ms);
	}
	strbuf_printf(b, "],");
	free(ports);
	free(fdb);
	request_switch_stp_json(sup, i, b);
}

/* The text view: the switch, its ports, its address table. */
static char *switch_text(const struct supervisor *sup, size_t i)
{
	struct sw *s = sup->switches[i];
	const struct lab_switch *ls = &sup->lab->switches[i];
	struct switch_port_info *ports = NULL;
	struct switch_fdb_entry *fdb = NULL;
	unsigned np = 0, nf = 0;
	char *cause = NULL;
	if (switch_ports_get(s, &ports, &np, &cause) != 0 || switch_fdb_get(s, &fdb, &nf, &cause) != 0)
		free(cause);
	struct switch_info info;
	switch_get_info(s, &info);
	bool aware = false;
	for (unsigned k = 0; k < np && !aware; k++)
		aware = !(ports[k].vlans.access == 1);
	struct strbuf b = { 0 };
	strbuf_printf(&b, "switch %s: %s%s, %u port%s up; frames in %llu, out %llu, dropped %llu, "
	    "refused for their VLAN %llu\n", ls->name, ls->mode == LAB_SWITCH_HUB ? "hub" :
	    "learning switch", aware ? ", VLANs" : "", info.ports, info.ports == 1 ? "" : "s",
	    (unsigned long long)info.frames_in, (unsigned long long)info.frames_out,
	    (unsigned long long)info.frames_dropped, (unsigned long long)info.vlan_dropped);
	if (info.storm) {
		char *st = supervisor_storm_text(ls->name, &info);
		strbuf_printf(&b, "%s\n", st);
		free(st);
	} else if (info.flood_limited != 0) {
		strbuf_printf(&b, "storm budget: %llu floods held back so far, none in the last seconds\n",
		    (unsigned long long)info.flood_limited);
	}
	strbuf_printf(&b, "\n%-16s %-20s %-6s %-28s %s\n", "PORT", "TO", "LINK", "VLANS", "VLAN DROPS");
	for (unsigned k = 0; k < np; k++) {
		const struct switch_port_info *p = &ports[k];
		char *vl = switch_vlans_format(&p->vlans), *peer = port_peer(sup, i, p);
		strbuf_printf(&b, "%-16s %-20s %-6s %-28s %llu\n", p->name, peer,
		    p->link_down ? "down" : p->connected ? "up" : "-", vl,
		    (unsigned long long)p->vlan_dropped);
		free(vl);
		free(peer);
	}
	if (ls->mode == LAB_SWITCH_HUB) {
		strbuf_printf(&b, "\n(a hub learns no addresses)\n");
	} else {
		strbuf_printf(&b, "\nADDRESS TABLE: %u entr%s\n%-6s %-18s %-16s %s\n", nf,
		    nf == 1 ? "y" : "ies", "VLAN", "MAC", "PORT", "AGE");
		for (unsigned k = 0; k < nf; k++) {
			char mac[18], vid[8];
			mac_text(fdb[k].mac, mac);
			snprintf(vid, sizeof(vid), "%u", fdb[k].vid);
			char *age = age_text(fdb[k].age_ms);
			strbuf_printf(&b, "%-6s %-18s %-16s %s\n", fdb[k].vid ? vid : "-", mac, fdb[k].port,
			    age);
			free(age);
		}
	}
	free(ports);
	free(fdb);
	return strbuf_take(&b);
}

/* ---- spanning tree ---- */

/* "32768.02:1a:2b:3c:4d:5e", and the lab's switch with that id, if any. */
static void bridge_text(const struct supervisor *sup, uint64_t id, char *out, size_t size,
    const char **who)
{
	uint8_t m[6];
	for (int k = 0; k < 6; k++)
		m[k] = (uint8_t)(id >> (40 - 8 * k));
	snprintf(out, size, "%u.%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(id >> 48), m[0], m[1],
	    m[2], m[3], m[4], m[5]);
	*who = NULL;
	for (size_t i = 0; i < sup->lab->n_switches; i++) {
		const struct lab_switch *ls = &sup->lab->switches[i];
		uint8_t mac[6];
		supervisor_bridge_mac(sup->lab, i, mac);
		if (ls->stp.on && (uint64_t)ls->stp.priority == id >> 48 && memcmp(mac, m, 6) == 0)
			*who = ls->name;
	}
}

static const char *role_short(const char *role)
{
	static const char *const map[][2] = { { "root", "Root" }, { "designated", "Desg" },
		{ "alternate", "Altn" }, { "backup", "Back" }, { "disabled", "Dis" } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(role, map[i][0]) == 0)
			return map[i][1];
	return role;
}

static const char *state_short(const char *state)
{
	return strcmp(state, "forwarding") == 0 ? "FWD" : strcmp(state, "learning") == 0 ? "LRN" :
	    "BLK";
}

void request_switch_stp_json(const struct supervisor *sup, size_t i, struct strbuf *b)
{
	struct switch_stp_info info;
	struct switch_stp_port *ports = NULL;
	unsigned n = 0;
	char *cause = NULL;
	if (switch_stp_get(sup->switches[i], &info, &ports, &n, &cause) != 0) {
		free(cause);
		info.on = false;
	}
	if (!info.on) {
		strbuf_printf(b, "\"stp\":null");
		free(ports);
		return;
	}
	char id[40], root[40];
	const char *who, *root_who;
	bridge_text(sup, info.bridge_id, id, sizeof(id), &who);
	bridge_text(sup, info.root_id, root, sizeof(root), &root_who);
	strbuf_printf(b, "\"stp\":{\"bridge\":\"%s\",\"root\":\"%s\",\"root_switch\":", id, root);
	if (root_who != NULL)
		json_write_string(b, root_who);
	else
		strbuf_printf(b, "null");
	strbuf_printf(b, ",\"is_root\":%s,\"root_cost\":%u,\"root_port\":",
	    info.root_port == NULL ? "true" : "false", info.root_cost);
	if (info.root_port != NULL)
		json_write_string(b, info.root_port);
	else
		strbuf_printf(b, "null");
	strbuf_printf(b, ",\"hello_s\":%u,\"max_age_s\":%u,\"forward_delay_s\":%u,"
	    "\"topology_changes\":%llu,\"ports\":[", info.hello_s, info.max_age_s,
	    info.forward_delay_s, (unsigned long long)info.topology_changes);
	for (unsigned k = 0; k < n; k++) {
		const struct switch_stp_port *p = &ports[k];
		strbuf_printf(b, "%s{\"name\":", k ? "," : "");
		json_write_string(b, p->name);
		strbuf_printf(b, ",\"role\":\"%s\",\"state\":\"%s\",\"cost\":%u,\"priority\":%u,"
		    "\"number\":%u,\"edge\":%s,\"legacy\":%s,\"bpdus_in\":%llu,\"bpdus_out\":%llu}",
		    p->role, p->state, p->cost, p->port_id >> 8, p->number, p->edge ? "true" : "false",
		    p->legacy ? "true" : "false", (unsigned long long)p->bpdus_in,
		    (unsigned long long)p->bpdus_out);
	}
	strbuf_printf(b, "]}");
	free(ports);
}

/* Like a real switch's `show spanning-tree`. */
static char *switch_stp_text(const struct supervisor *sup, size_t i)
{
	const struct lab_switch *ls = &sup->lab->switches[i];
	struct switch_stp_info info;
	struct switch_stp_port *ports = NULL;
	unsigned n = 0;
	char *cause = NULL;
	if (switch_stp_get(sup->switches[i], &info, &ports, &n, &cause) != 0)
		return cause;
	if (!info.on) {
		free(ports);
		return xasprintf("switch %s: spanning tree is off (`stp: true` on the switch turns it "
		    "on)\n", ls->name);
	}
	char id[40], root[40];
	const char *who, *root_who;
	bridge_text(sup, info.bridge_id, id, sizeof(id), &who);
	bridge_text(sup, info.root_id, root, sizeof(root), &root_who);
	struct strbuf b = { 0 };
	strbuf_printf(&b, "%s\n  Spanning tree enabled, protocol rstp (IEEE 802.1w)\n", ls->name);
	strbuf_printf(&b, "  Root ID    %s%s%s%s\n", root, root_who ? " (" : "", root_who ? root_who : "",
	    root_who ? ")" : "");
	if (info.root_port == NULL)
		strbuf_printf(&b, "             This bridge is the root\n");
	else
		strbuf_printf(&b, "             Cost %u, port %s\n", info.root_cost, info.root_port);
	strbuf_printf(&b, "             Hello Time %u s, Max Age %u s, Forward Delay %u s\n",
	    info.hello_s, info.max_age_s, info.forward_delay_s);
	strbuf_printf(&b, "  Bridge ID  %s\n", id);
	if (info.since_change_ms == UINT64_MAX)
		strbuf_printf(&b, "  Topology changes: none\n");
	else
		strbuf_printf(&b, "  Topology changes: %llu, the last %llu.%01llu s ago\n",
		    (unsigned long long)info.topology_changes,
		    (unsigned long long)(info.since_change_ms / 1000),
		    (unsigned long long)(info.since_change_ms % 1000 / 100));
	strbuf_printf(&b, "\n%-16s %-4s %-3s %-9s %-8s %s\n", "Interface", "Role", "Sts", "Cost",
	    "Prio.Nbr", "Type");
	strbuf_printf(&b, "%-16s %-4s %-3s %-9s %-8s %s\n", "----------------", "----", "---",
	    "---------", "--------", "------------------------");
	for (unsigned k = 0; k < n; k++) {
		const struct switch_stp_port *p = &ports[k];
		char prio[16];
		snprintf(prio, sizeof(prio), "%u.%u", (unsigned)(p->port_id >> 8), p->number);
		strbuf_printf(&b, "%-16s %-4s %-3s %-9u %-8s %s%s%s%s\n", p->name,
		    p->enabled ? role_short(p->role) : "Dis", p->enabled ? state_short(p->state) : "BLK",
		    p->cost, prio, p->enabled ? "P2p" : "down", p->edge ? " Edge" : "",
		    p->legacy ? " STP (legacy peer)" : "", "");
	}
	free(ports);
	return strbuf_take(&b);
}

/* The switch a request names, or NULL after telling the client. */
static const struct lab_switch *request_switch_find(struct conn *c, const char *name)
{
	struct supervisor *sup = c->sup;
	const struct lab_switch *ls = lab_switch_find(sup->lab, name);
	if (ls != NULL)
		return ls;
	struct strbuf b = { 0 };
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		strbuf_printf(&b, "%s%s", i ? ", " : "", sup->lab->switches[i].name);
	char *names = strbuf_take(&b);
	conn_printf(c, CTL_STDERR, "umllab: lab %s has no switch %s (it has: %s)\n", sup->lab->name,
	    name, names[0] ? names : "none");
	free(names);
	conn_finish(c, UMLLAB_EXIT_USAGE);
	return NULL;
}

/* switch NAME [--json] and switch-stp NAME [--json]: one switch's state as
 * text (text) or as one JSON object (json adds its members). */
static void switch_answer(struct conn *c, int argc, char **argv,
    void (*json)(const struct supervisor *, size_t, struct strbuf *),
    char *(*text)(const struct supervisor *, size_t))
{
	struct supervisor *sup = c->sup;
	const struct lab_switch *ls = request_switch_find(c, argv[1]);
	if (ls == NULL)
		return;
	size_t i = (size_t)(ls - sup->lab->switches);
	bool as_json = argc > 2 && strcmp(argv[2], "--json") == 0;
	if (argc > 2 && !as_json) {
		conn_printf(c, CTL_STDERR, "umllab: switch %s: unexpected %s (expected --json)\n",
		    ls->name, argv[2]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *out;
	if (as_json) {
		struct strbuf b = { 0 };
		strbuf_printf(&b, "{\"name\":");
		json_write_string(&b, ls->name);
		strbuf_printf(&b, ",");
		json(sup, i, &b);
		strbuf_printf(&b, "}\n");
		out = strbuf_take(&b);
	} else {
		out = text(sup, i);
	}
	conn_send(c, CTL_STDOUT, out, strlen(out));
	free(out);
	conn_finish(c, UMLLAB_EXIT_OK);
}

void request_switch_stp(struct conn *c, int argc, char **argv)
{
	switch_answer(c, argc, argv, request_switch_stp_json, switch_stp_text);
}

void request_switch(struct conn *c, int argc, char **argv)
{
	switch_answer(c, argc, argv, request_switch_json, switch_text);
}
