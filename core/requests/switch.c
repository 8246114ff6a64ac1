/* core/requests/switch.c: `switch S1 [--json]`: a switch's ports, their VLANs and link state, and
 * its address table, as a real switch shows them; also part of `status --json`. */
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
	strbuf_printf(b, "]");
	free(ports);
	free(fdb);
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

/* switch NAME [--json] */
void request_switch(struct conn *c, int argc, char **argv)
{
	struct supervisor *sup = c->sup;
	const struct lab_switch *ls = lab_switch_find(sup->lab, argv[1]);
	if (ls == NULL) {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < sup->lab->n_switches; i++)
			strbuf_printf(&b, "%s%s", i ? ", " : "", sup->lab->switches[i].name);
		char *names = strbuf_take(&b);
		conn_printf(c, CTL_STDERR, "umllab: lab %s has no switch %s (it has: %s)\n",
		    sup->lab->name, argv[1], names[0] ? names : "none");
		free(names);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	size_t i = (size_t)(ls - sup->lab->switches);
	bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
	if (argc > 2 && !json) {
		conn_printf(c, CTL_STDERR, "umllab: switch %s: unexpected %s (expected --json)\n",
		    ls->name, argv[2]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *text;
	if (json) {
		struct strbuf b = { 0 };
		strbuf_printf(&b, "{\"name\":");
		json_write_string(&b, ls->name);
		strbuf_printf(&b, ",");
		request_switch_json(sup, i, &b);
		strbuf_printf(&b, "}\n");
		text = strbuf_take(&b);
	} else {
		text = switch_text(sup, i);
	}
	conn_send(c, CTL_STDOUT, text, strlen(text));
	free(text);
	conn_finish(c, UMLLAB_EXIT_OK);
}
