/* core/requests/status.c: what `umllab status` shows of a running lab, as text or JSON. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/state.h"
#include "core/base/util.h"
#include "core/requests/request.h"
#include "core/supervisor/link_conditions.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "switch/switch.h"

/* Every switch's ports, asked for once per status: a cable's counters come
 * from there (one call into each switch thread, not one per cable). */
struct status_ports {
	struct switch_port_info *v;
	unsigned n;
};

static struct status_ports *status_ports_get(const struct supervisor *sup)
{
	struct status_ports *sp = xcalloc(sup->lab->n_switches + 1, sizeof(*sp));
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		if (sup->switches[i] != NULL && switch_ports_get(sup->switches[i], &sp[i].v, &sp[i].n,
		    NULL) != 0) {
			sp[i].v = NULL;
			sp[i].n = 0;
		}
	return sp;
}

static void status_ports_free(const struct supervisor *sup, struct status_ports *sp)
{
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		free(sp[i].v);
	free(sp);
}

/* Port `name` of switch sw, or NULL (the switch stopped, or no such cable). */
static const struct switch_port_info *status_port(const struct status_ports *sp, size_t sw,
    const char *name)
{
	for (unsigned k = 0; k < sp[sw].n; k++)
		if (strcmp(sp[sw].v[k].name, name) == 0)
			return &sp[sw].v[k];
	return NULL;
}

static void sb_json_string(struct strbuf *b, const char *s)
{
	strbuf_printf(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			strbuf_printf(b, "\\u%04x", *p);
		else
			strbuf_printf(b, "%c", *p);
	}
	strbuf_printf(b, "\"");
}

static const char *restart_policy_name(enum lab_restart r)
{
	return r == LAB_RESTART_ALWAYS ? "always" : r == LAB_RESTART_NEVER ? "never" : "on-failure";
}

static char *uptime_text(uint64_t ms)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		return xasprintf("%llus", (unsigned long long)s);
	if (s < 3600)
		return xasprintf("%llum%02llus", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
	return xasprintf("%lluh%02llum", (unsigned long long)(s / 3600),
	    (unsigned long long)(s / 60 % 60));
}

/* Whether the guest's snapshot tells what instance in has now. */
static bool guest_known(const struct instance *in)
{
	return in->net.cur.known && in->state == INSTANCE_RUNNING;
}

static bool addr_in(const struct lab_addr *list, unsigned n, const struct lab_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (lab_addr_equal(&list[i], a) && list[i].prefix == a->prefix)
			return true;
	return false;
}

static bool in_file(const struct lab_iface *f, const struct lab_addr *a)
{
	return addr_in(f->addrs, f->n_addrs, a);
}

/* The guest's own addresses on interface f, link-local ones left out. Text: those not in
 * the file, each as " ADDR/PREFIX (guest)", or "(SLAAC)" for an IPv6 one the kernel made;
 * JSON: all of them, or (slaac) the kernel's IPv6 ones, as a list's items. Returns how many
 * it wrote. */
static size_t guest_addrs(struct strbuf *b, const struct instance *in, const struct lab_iface *f,
    bool json, bool slaac)
{
	const struct guest_net *n = &in->net.cur;
	size_t written = 0;
	for (size_t k = 0; k < n->n_addrs; k++) {
		const struct guest_net_addr *a = &n->addrs[k];
		bool kernel6 = a->dynamic && a->addr.family == AF_INET6;
		if (strcmp(a->iface, f->name) != 0 || lab_addr_link_local(&a->addr) ||
		    (!json && in_file(f, &a->addr)) || (slaac && !kernel6))
			continue;
		char ip[LAB_ADDR_TEXT_MAX];
		lab_addr_format(&a->addr, true, ip);
		if (json)
			strbuf_printf(b, "%s\"%s\"", written ? "," : "", ip);
		else
			strbuf_printf(b, " %s (%s)", ip, kernel6 ? "SLAAC" : "guest");
		written++;
	}
	return written;
}

/* True when the guest told its addresses and one the file gives f is not among them. */
static bool file_addr_gone(const struct instance *in, const struct lab_iface *f)
{
	if (!guest_known(in))
		return false;
	for (unsigned i = 0; i < f->n_addrs; i++)
		if (guest_net_find(&in->net.cur, &f->addrs[i], f->name) == NULL)
			return true;
	return false;
}

/* Whether name is one of the instance's cables' interfaces. */
static bool cable_iface(const struct instance *in, const char *name)
{
	for (size_t i = 0; i < in->n_ifaces; i++)
		if (strcmp(in->ifaces[i].cfg.name, name) == 0)
			return true;
	return false;
}

/* The interfaces beyond the cables (other_ifaces_collect), for both writers. */
struct other_iface {
	const char *name;
	const struct lab_subif *sub;		/* the file's VLAN sub-interface, or NULL */
	const struct guest_net_addr **guest;	/* the guest's addresses on it, link-local left out */
	size_t n_guest;
};
struct other_ifaces {
	struct other_iface *v;
	size_t n;
	const struct guest_net_addr **addrs;	/* every v[i].guest points into it */
};

/* Interfaces beyond the cables: the file's VLAN sub-interfaces (eth0.10), then, once the guest
 * told, every other one it has an address on: a router's loopback address (10.255.0.1/32 on
 * lo, how the others reach it), a student's dummy0, br0 or eth0.20. Link-local addresses are
 * left out. Free with other_ifaces_free. */
static struct other_ifaces other_ifaces_collect(const struct instance *in)
{
	const struct lab_instance *c = in->cfg;
	const struct guest_net *n = &in->net.cur;
	bool known = guest_known(in);
	size_t max = c->n_subifs + (known ? n->n_addrs : 0);
	struct other_iface *v = xcalloc(max + 1, sizeof(*v));
	/* One array for every interface's addresses: each is on one interface. */
	const struct guest_net_addr **addrs = xcalloc((known ? n->n_addrs : 0) + 1, sizeof(*addrs));
	size_t n_v = 0, n_used = 0;
	for (size_t i = 0; i < c->n_subifs; i++)
		v[n_v++] = (struct other_iface){ .name = c->subifs[i].name, .sub = &c->subifs[i] };
	for (size_t k = 0; known && k < n->n_addrs; k++) {
		const char *name = n->addrs[k].iface;
		bool seen = cable_iface(in, name) || lab_addr_link_local(&n->addrs[k].addr);
		for (size_t i = 0; i < n_v && !seen; i++)
			seen = strcmp(v[i].name, name) == 0;
		if (!seen)
			v[n_v++] = (struct other_iface){ .name = name };
	}
	for (size_t i = 0; i < n_v; i++) {
		v[i].guest = addrs + n_used;
		for (size_t k = 0; known && k < n->n_addrs; k++)
			if (strcmp(n->addrs[k].iface, v[i].name) == 0 && !lab_addr_link_local(&n->addrs[k].addr))
				v[i].guest[v[i].n_guest++] = &n->addrs[k];
		n_used += v[i].n_guest;
	}
	return (struct other_ifaces){ .v = v, .n = n_v, .addrs = addrs };
}

static void other_ifaces_free(struct other_ifaces *o)
{
	free(o->addrs);
	free(o->v);
}

/* JSON: an "other_interfaces" list of {"iface", "addresses" (the file's), "guest_ips" (the
 * guest's)}. */
static void other_ifaces_json(struct strbuf *b, const struct other_ifaces *o)
{
	const struct other_iface *v = o->v;
	char ip[LAB_ADDR_TEXT_MAX];
	strbuf_printf(b, ",\"other_interfaces\":[");
	for (size_t i = 0; i < o->n; i++) {
		strbuf_printf(b, "%s{\"iface\":", i ? "," : "");
		sb_json_string(b, v[i].name);
		strbuf_printf(b, ",\"addresses\":[");
		for (unsigned k = 0; v[i].sub != NULL && k < v[i].sub->n_addrs; k++)
			strbuf_printf(b, "%s\"%s\"", k ? "," : "", lab_addr_format(&v[i].sub->addrs[k], true, ip));
		strbuf_printf(b, "],\"guest_ips\":[");
		for (size_t k = 0; k < v[i].n_guest; k++)
			strbuf_printf(b, "%s\"%s\"", k ? "," : "", lab_addr_format(&v[i].guest[k]->addr, true, ip));
		strbuf_printf(b, "]}");
	}
	strbuf_printf(b, "]");
}

/* Text: ", NAME ADDR ..." each, the file's addresses as they are, the guest's others marked
 * "(guest)" ("(SLAAC)": made by its kernel) as on the cables. */
static void other_ifaces_text(struct strbuf *b, const struct other_ifaces *o)
{
	const struct other_iface *v = o->v;
	char ip[LAB_ADDR_TEXT_MAX];
	for (size_t i = 0; i < o->n; i++) {
		const struct lab_subif *sub = v[i].sub;
		strbuf_printf(b, "%s%s", b->len > 0 ? ", " : "", v[i].name);
		for (unsigned k = 0; sub != NULL && k < sub->n_addrs; k++)
			strbuf_printf(b, " %s", lab_addr_format(&sub->addrs[k], true, ip));
		size_t written = 0;
		for (size_t k = 0; k < v[i].n_guest; k++) {
			const struct guest_net_addr *a = v[i].guest[k];
			if (sub != NULL && addr_in(sub->addrs, sub->n_addrs, &a->addr))
				continue;
			strbuf_printf(b, " %s (%s)", lab_addr_format(&a->addr, true, ip),
			    a->dynamic && a->addr.family == AF_INET6 ? "SLAAC" : "guest");
			written++;
		}
		if (written == 0 && (sub == NULL || sub->n_addrs == 0))
			strbuf_printf(b, " (no address)");
	}
}

/* Both writers over one collection. */
static void other_interfaces(struct strbuf *b, const struct instance *in, bool json)
{
	struct other_ifaces o = other_ifaces_collect(in);
	if (json)
		other_ifaces_json(b, &o);
	else
		other_ifaces_text(b, &o);
	other_ifaces_free(&o);
}

/* Addresses come from the file, and from the guest (marked "(guest)": set by a startup
 * script or a student; "(SLAAC)": made by its kernel from a router's advertisement). What
 * SLAAC should give (a router on its switch with `ra: true`) is shown from the lab while
 * the guest has not told, or when it lacks one. The guest's link state shows when it is
 * not up. */
static char *addresses_text(const struct lab *lab, const struct instance *in,
    const struct status_ports *sp, bool json)
{
	struct strbuf b = { 0 };
	bool known = guest_known(in);
	for (size_t i = 0; i < in->n_ifaces; i++) {
		const struct instance_iface *li = &in->ifaces[i];
		const struct lab_iface *f = &li->cfg;
		char ip[LAB_ADDR_TEXT_MAX];
		struct lab_addr slaac[LAB_IFACE_ADDRS_MAX], ll;
		size_t n_slaac = lab_iface_slaac(lab, in->cfg, f, slaac, LAB_IFACE_ADDRS_MAX);
		bool v6 = lab_instance_ipv6(lab, in->cfg);
		lab_iface_link_local(f, &ll);
		const struct guest_net_addr *gll = NULL;
		for (size_t k = 0; known && k < in->net.cur.n_addrs && gll == NULL; k++)
			if (lab_addr_link_local(&in->net.cur.addrs[k].addr) &&
			    strcmp(in->net.cur.addrs[k].iface, f->name) == 0)
				gll = &in->net.cur.addrs[k];
		char *cond = linkcond_pair_format(&f->link);
		const char *gstate = in->net.cur.known ? guest_net_link_state(&in->net.cur, f->name) : NULL;
		if (json) {
			strbuf_printf(&b, "%s{\"iface\":\"%s\",\"switch\":\"%s\","
			    "\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"link\":\"%s\","
			    "\"plugged_live\":%s,\"conditions\":", i ? "," : "",
			    f->name, lab->switches[f->sw].name, f->mac[0], f->mac[1], f->mac[2],
			    f->mac[3], f->mac[4], f->mac[5], li->link_down ? "down" : "up",
			    li->plugged_live ? "true" : "false");
			sb_json_string(&b, cond);
			/* "ip": the first address (as before IPv6); "addresses": all of them. */
			strbuf_printf(&b, ",\"ip\":");
			if (f->n_addrs > 0)
				strbuf_printf(&b, "\"%s\"", lab_addr_format(&f->addrs[0], true, ip));
			else
				strbuf_printf(&b, "null");
			strbuf_printf(&b, ",\"addresses\":[");
			for (unsigned k = 0; k < f->n_addrs; k++)
				strbuf_printf(&b, "%s\"%s\"", k ? "," : "",
				    lab_addr_format(&f->addrs[k], true, ip));
			/* SLAAC and link-local: the guest's own once it told, else from the lab. */
			strbuf_printf(&b, "],\"slaac\":[");
			if (known)
				guest_addrs(&b, in, f, true, true);
			for (size_t k = 0; !known && k < n_slaac; k++)
				strbuf_printf(&b, "%s\"%s\"", k ? "," : "", lab_addr_format(&slaac[k], true, ip));
			strbuf_printf(&b, "],\"link_local\":");
			if (known ? gll != NULL : v6)
				strbuf_printf(&b, "\"%s\"", lab_addr_format(gll != NULL ? &gll->addr : &ll, true,
				    ip));
			else
				strbuf_printf(&b, "null");
			strbuf_printf(&b, ",\"ra\":%s,\"guest_ips\":[", f->ra ? "true" : "false");
			guest_addrs(&b, in, f, true, false);
			strbuf_printf(&b, "],\"guest_link\":");
			if (gstate != NULL)
				sb_json_string(&b, gstate);
			else
				strbuf_printf(&b, "null");
			/* The cable's frames: in, to the instance; out, from it. */
			char *cable = state_cable_name(in->cfg->name, f->name);
			const struct switch_port_info *p = status_port(sp, f->sw, cable);
			free(cable);
			strbuf_printf(&b, ",\"frames_in\":%llu,\"frames_out\":%llu,"
			    "\"frames_dropped\":%llu}", p != NULL ? (unsigned long long)p->frames_to : 0,
			    p != NULL ? (unsigned long long)p->frames_from : 0,
			    p != NULL ? (unsigned long long)p->frames_dropped : 0);
			free(cond);
			continue;
		}
		strbuf_printf(&b, "%s%s", b.len > 0 ? ", " : "", f->name);
		for (unsigned k = 0; k < f->n_addrs; k++)
			strbuf_printf(&b, " %s", lab_addr_format(&f->addrs[k], true, ip));
		size_t shown = f->n_addrs + (known ? guest_addrs(&b, in, f, false, false) : 0);
		for (size_t k = 0; k < n_slaac; k++) {
			if (known && guest_net_find(&in->net.cur, &slaac[k], f->name) != NULL)
				continue;
			strbuf_printf(&b, " %s (SLAAC%s)", lab_addr_format(&slaac[k], true, ip),
			    known ? ", not in the guest" : "");
			shown++;
		}
		if (shown == 0)
			strbuf_printf(&b, " (no address)");
		bool gone = file_addr_gone(in, f);
		bool gdown = gstate != NULL && strcmp(gstate, "up") != 0 && in->state == INSTANCE_RUNNING;
		if (li->link_down || li->plugged_live || cond[0] != '\0' || gone || gdown) {
			char *gnote = gdown ? xasprintf("%s in the guest", gstate) : NULL;
			const char *notes[5] = { li->plugged_live ? "plugged live" : NULL,
				li->link_down ? "link down" : NULL, cond[0] ? cond : NULL,
				gone ? "not in the guest" : NULL, gnote };
			const char *sep = " [";
			for (int k = 0; k < 5; k++)
				if (notes[k] != NULL) {
					strbuf_printf(&b, "%s%s", sep, notes[k]);
					sep = ", ";
				}
			strbuf_printf(&b, "]");
			free(gnote);
		}
		free(cond);
	}
	if (!json)
		other_interfaces(&b, in, false);
	return strbuf_take(&b);
}

/* Every switch's trunks: text, a table after the switches' (none: nothing);
 * JSON, a "trunks" list after "switches". */
static void status_trunks(const struct supervisor *sup, struct strbuf *b, bool json)
{
	const struct lab *lab = sup->lab;
	bool first = true;
	for (size_t i = 0; i < lab->n_switches; i++) {
		if (sup->switches[i] == NULL)
			continue;
		unsigned n = switch_trunk_count(sup->switches[i]);
		for (unsigned k = 0; k < n; k++) {
			struct switch_trunk_info t;
			switch_trunk_get_info(sup->switches[i], k, &t);
			if (json) {
				strbuf_printf(b, "%s{\"name\":", first ? "],\"trunks\":[" : ",");
				sb_json_string(b, t.name);
				strbuf_printf(b, ",\"switch\":");
				sb_json_string(b, lab->switches[i].name);
				strbuf_printf(b, ",\"remote\":\"%s\",\"listen\":\"%s\",\"vni\":%u,"
				    "\"frames_in\":%llu,\"frames_out\":%llu,\"dropped_in\":%llu,"
				    "\"dropped_out\":%llu}", t.remote, t.listen, t.vni,
				    (unsigned long long)t.frames_in, (unsigned long long)t.frames_out,
				    (unsigned long long)t.dropped_in, (unsigned long long)t.dropped_out);
			} else {
				if (first)
					strbuf_printf(b, "\n%-16s %-24s %-8s %-10s %-10s %s\n", "TRUNK",
					    "REMOTE (VXLAN)", "VNI", "IN", "OUT", "DROPS IN/OUT");
				strbuf_printf(b, "%-16s %-24s %-8u %-10llu %-10llu %llu/%llu\n", t.name,
				    t.remote, t.vni, (unsigned long long)t.frames_in,
				    (unsigned long long)t.frames_out, (unsigned long long)t.dropped_in,
				    (unsigned long long)t.dropped_out);
			}
			first = false;
		}
	}
	if (json && first)
		strbuf_printf(b, "],\"trunks\":[");
}

/* JSON: the cables between switches ("links", after "trunks"), each once,
 * seen from the switch that declares it: its state and conditions, and its
 * frames each way as that end counts them. */
static void status_links(struct supervisor *sup, const struct status_ports *sp, struct strbuf *b)
{
	const struct lab *lab = sup->lab;
	bool first = true;
	strbuf_printf(b, "],\"links\":[");
	for (size_t i = 0; i < lab->n_switches; i++)
		for (size_t k = 0; k < lab->switches[i].n_links; k++) {
			size_t to = lab->switches[i].links[k].to;
			if (sup->switches[i] == NULL || sup->switches[to] == NULL)
				continue;	/* already stopped by `down` (its conditions are on i) */
			char *name = supervisor_link_name(lab, i, to);
			const struct switch_port_info *p = status_port(sp, i, name);
			struct linkcond_pair cond;
			struct linkcond_stats st[2];
			char *cause = NULL;
			char *text = link_conditions_get_switches(sup, i, to, &cond, st, &cause) == 0 ?
			    linkcond_pair_format(&cond) : xstrdup("");
			free(cause);
			strbuf_printf(b, "%s{\"name\":", first ? "" : ",");
			sb_json_string(b, name);
			strbuf_printf(b, ",\"a\":");
			sb_json_string(b, lab->switches[i].name);
			strbuf_printf(b, ",\"b\":");
			sb_json_string(b, lab->switches[to].name);
			strbuf_printf(b, ",\"link\":\"%s\",\"connected\":%s,\"conditions\":",
			    p != NULL && p->link_down ? "down" : "up",
			    p != NULL && p->connected ? "true" : "false");
			sb_json_string(b, text);
			strbuf_printf(b, ",\"frames_ab\":%llu,\"frames_ba\":%llu,\"frames_dropped\":%llu}",
			    p != NULL ? (unsigned long long)p->frames_to : 0,
			    p != NULL ? (unsigned long long)p->frames_from : 0,
			    p != NULL ? (unsigned long long)p->frames_dropped : 0);
			free(text);
			free(name);
			first = false;
		}
}

/* The lab's status as text or JSON (malloc'd). */
static char *status_render(struct supervisor *sup, bool json)
{
	const struct lab *lab = sup->lab;
	uint64_t now = clock_ms();
	struct strbuf b = { 0 };
	struct status_ports *sp = json ? status_ports_get(sup) : NULL;
	if (json) {
		strbuf_printf(&b, "{\"lab\":");
		sb_json_string(&b, lab->name);
		strbuf_printf(&b, ",\"file\":");
		sb_json_string(&b, lab->path);
		strbuf_printf(&b, ",\"state_dir\":");
		sb_json_string(&b, sup->lab_dir);
		strbuf_printf(&b, ",\"image\":");
		sb_json_string(&b, sup->backing != NULL ? sup->backing : "");
		strbuf_printf(&b, ",\"info\":{");
		for (size_t i = 0; i < lab->n_info; i++) {
			strbuf_printf(&b, "%s", i ? "," : "");
			sb_json_string(&b, lab->info[i].key);
			strbuf_printf(&b, ":");
			sb_json_string(&b, lab->info[i].value);
		}
		strbuf_printf(&b, "}");
		strbuf_printf(&b, ",\"supervisor_pid\":%d,\"uptime_s\":%llu,\"instances\":[",
		    (int)getpid(), (unsigned long long)((now - sup->started_ms) / 1000));
	} else {
		char *up = uptime_text(now - sup->started_ms);
		strbuf_printf(&b, "lab %s  (%s)\nsupervisor pid %d, up %s, state %s\nimage %s\n",
		    lab->name, lab->path, (int)getpid(), up, sup->lab_dir,
		    sup->backing != NULL ? sup->backing : "-");
		free(up);
		/* What the lab says of itself (a Kathara lab's LAB_DESCRIPTION, ...). */
		for (size_t i = 0; i < lab->n_info; i++)
			strbuf_printf(&b, "%s: %s\n", lab->info[i].key, lab->info[i].value);
		strbuf_printf(&b, "\n");
		strbuf_printf(&b, "%-12s %-12s %-8s %-8s %-8s %s\n", "INSTANCE", "STATE", "PID", "UPTIME",
		    "RESTARTS", "ADDRESSES");
	}
	for (size_t i = 0; i < lab->n_instances; i++) {
		const struct instance *in = &sup->instances[i];
		uint64_t up_ms = in->pid > 0 ? now - in->started_ms : 0;
		char *addrs = addresses_text(lab, in, sp, json);
		if (json) {
			strbuf_printf(&b, "%s{\"name\":", i ? "," : "");
			sb_json_string(&b, in->cfg->name);
			strbuf_printf(&b, ",\"state\":\"%s\",\"pid\":%d,\"uptime_s\":%llu,"
			    "\"restarts\":%u,\"restart_policy\":\"%s\",\"cause\":",
			    instance_state_name(in->state), (int)in->pid,
			    (unsigned long long)(up_ms / 1000), in->restarts,
			    restart_policy_name(in->cfg->restart));
			if (in->cause != NULL)
				sb_json_string(&b, in->cause);
			else
				strbuf_printf(&b, "null");
			strbuf_printf(&b, ",\"startup_error\":");
			if (in->startup_error != NULL)
				sb_json_string(&b, in->startup_error);
			else
				strbuf_printf(&b, "null");
			strbuf_printf(&b, ",\"interfaces\":[%s]", addrs);
			other_interfaces(&b, in, true);
			strbuf_printf(&b, "}");
		} else {
			char *up = in->pid > 0 ? uptime_text(up_ms) : xstrdup("-");
			char pid[16];
			snprintf(pid, sizeof(pid), "%d", (int)in->pid);
			strbuf_printf(&b, "%-12s %-12s %-8s %-8s %-8u %s\n", in->cfg->name,
			    instance_state_name(in->state), in->pid > 0 ? pid : "-", up, in->restarts,
			    addrs);
			if (in->cause != NULL)
				strbuf_printf(&b, "%-12s   last cause: %s\n", "", in->cause);
			if (in->startup_error != NULL)
				strbuf_printf(&b, "%-12s   startup failed: %s\n", "", in->startup_error);
			free(up);
		}
		free(addrs);
	}
	if (json)
		strbuf_printf(&b, "],\"switches\":[");
	else
		strbuf_printf(&b, "\n%-12s %-8s %-6s %s\n", "SWITCH", "MODE", "PORTS", "SOCKET");
	for (size_t i = 0; i < lab->n_switches; i++) {
		struct switch_info info;
		if (sup->switches[i] == NULL)
			continue;	/* already stopped by `down` */
		switch_get_info(sup->switches[i], &info);
		const char *mode = lab->switches[i].mode == LAB_SWITCH_HUB ? "hub" : "switch";
		if (json) {
			strbuf_printf(&b, "%s{\"name\":", i ? "," : "");
			sb_json_string(&b, lab->switches[i].name);
			strbuf_printf(&b, ",\"mode\":\"%s\",\"socket\":", mode);
			sb_json_string(&b, switch_ctl_path(sup->switches[i]));
			strbuf_printf(&b, ",\"ports\":%u,\"frames_in\":%llu,\"frames_out\":%llu,"
			    "\"frames_dropped\":%llu,", info.ports,
			    (unsigned long long)info.frames_in, (unsigned long long)info.frames_out,
			    (unsigned long long)info.frames_dropped);
			request_switch_json(sup, i, &b);	/* its ports, VLANs, table */
			strbuf_printf(&b, "}");
		} else {
			strbuf_printf(&b, "%-12s %-8s %-6u %s\n", lab->switches[i].name, mode, info.ports,
			    switch_ctl_path(sup->switches[i]));
			if (info.storm) {	/* a loop without spanning tree */
				char *st = supervisor_storm_text(lab->switches[i].name, &info);
				strbuf_printf(&b, "%-12s   %s\n", "", st);
				free(st);
			}
		}
	}
	status_trunks(sup, &b, json);
	if (json) {
		status_links(sup, sp, &b);
		strbuf_printf(&b, "]}\n");
		status_ports_free(sup, sp);
	}
	return strbuf_take(&b);
}

char *request_status_json(struct supervisor *sup)
{
	return status_render(sup, true);
}

void request_status(struct conn *c, int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	char *text = status_render(c->sup, json);
	conn_send(c, CTL_STDOUT, text, strlen(text));
	free(text);
	conn_finish(c, UMLLAB_EXIT_OK);
}
