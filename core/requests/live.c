/* core/requests/live.c: live cables: `plug`, `unplug` and `link` on a running instance. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/capture/filter.h"
#include "core/supervisor/guest.h"
#include "core/supervisor/instance.h"
#include "core/supervisor/lab_filter.h"
#include "core/supervisor/link_conditions.h"
#include "core/supervisor/recorded.h"
#include "core/base/log.h"
#include "core/requests/request.h"
#include "core/base/state.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "core/base/util.h"
#include "mconsole/session.h"
#include "switch/switch.h"

#define LIVE_MCONSOLE_TIMEOUT_MS 5000
#define LIVE_EXEC_TIMEOUT_MS 10000

/* One plug or unplug under way: the cable, mconsole, then the guest, then the answer. */
struct live_req {
	struct conn *conn;		/* NULL once the client left: finish silently */
	struct instance *inst;
	struct lab_iface iface;
};

static void live_on_close(struct conn *c)
{
	struct live_req *r = c->req;
	r->conn = NULL;		/* the change goes on; nobody hears of it */
	c->req = NULL;
}

static void live_finish(struct live_req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void live_finish(struct live_req *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	if (code != 0)
		log_warnx("%s", text);
	else
		log_info("%s", text);
	if (r->conn != NULL) {
		r->conn->req = NULL;
		conn_printf(r->conn, code == 0 ? CTL_STDOUT : CTL_STDERR, "%s%s\n",
		    code == 0 ? "" : "umllab: ", text);
		conn_finish(r->conn, code);
	}
	free(text);
	free(r);
}

static struct live_req *live_start(struct conn *c, struct instance *inst)
{
	struct live_req *r = xcalloc(1, sizeof(*r));
	r->conn = c;
	r->inst = inst;
	c->req = r;
	c->on_close = live_on_close;
	return r;
}

/* The interface `name` of instance `iname`, or NULL after answering the
 * client. With need_exec the instance must also be running. */
static struct instance_iface *live_iface(struct conn *c, const char *iname, const char *name,
    bool need_exec, struct instance **inst)
{
	*inst = request_instance(c, iname, need_exec);
	struct instance_iface *li = *inst != NULL ? instance_iface_find(*inst, name) : NULL;
	if (*inst != NULL && li == NULL)
		conn_printf(c, CTL_STDERR, "umllab: %s has no interface %s\n", iname, name);
	if (li == NULL)
		conn_finish(c, UMLLAB_EXIT_USAGE);
	return li;
}

/* ---- plug ---- */

/* The cable of the interface being plugged or unplugged goes away. */
static void live_cable_close(struct live_req *r)
{
	struct supervisor *sup = r->inst->env->arg;
	char *cable = state_cable_name(r->inst->cfg->name, r->iface.name);
	switch_cable_close(sup->switches[r->iface.sw], cable);
	free(cable);
}

static void plug_on_rollback(void *arg, int status, uint32_t err, const char *data, size_t len)
{
	(void)arg;
	(void)status;
	(void)err;
	(void)data;
	(void)len;
}

static void plug_on_configured(void *arg, int status, const char *error)
{
	struct live_req *r = arg;
	const char *name = r->iface.name;
	if (status != 0) {
		/* The guest could not bring it up: take the card out again. */
		if (r->inst->mc != NULL) {
			char *cmd = xasprintf("remove vec%u", r->iface.index);
			mconsole_session_request(r->inst->mc, cmd, LIVE_MCONSOLE_TIMEOUT_MS,
			    plug_on_rollback, NULL);
			free(cmd);
		}
		live_cable_close(r);
		live_finish(r, UMLLAB_EXIT_FAIL, "%s: could not configure %s in the guest (%s); "
		    "it was unplugged again", r->inst->cfg->name, name,
		    status < 0 ? error : "ip failed");
		return;
	}
	struct instance_iface *li = instance_iface_add(r->inst, &r->iface);
	li->plugged_live = true;
	const struct lab *lab = r->inst->env->lab;
	char ip[LAB_ADDR_TEXT_MAX] = "no address";
	if (r->iface.n_addrs > 0)
		lab_addr_format(&r->iface.addrs[0], true, ip);
	live_finish(r, UMLLAB_EXIT_OK, "%s: %s plugged into %s (%s)", r->inst->cfg->name, name,
	    lab->switches[r->iface.sw].name, ip);
}

static void plug_on_config_reply(void *arg, int status, uint32_t err, const char *data,
    size_t len)
{
	struct live_req *r = arg;
	if (status != 0 || err != 0) {
		live_cable_close(r);
		live_finish(r, UMLLAB_EXIT_FAIL, "%s: the kernel refused to add %s: %.*s",
		    r->inst->cfg->name, r->iface.name, (int)len, data);
		return;
	}
	/* The kernel names the card vecN; bringing it up connects its cable. (The
	 * guest's agent gives it its byte queue limit as it appears: netwatch.c.) */
	unsigned k = r->iface.index;
	const char *name = r->iface.name;
	char *cmd;
	if (r->iface.n_addrs > 0) {
		char ip[LAB_ADDR_TEXT_MAX];
		/* A guest booted without IPv6 (an IPv4 lab) has no ipv6 module loaded, and
		 * netlink does not load it: load it first, by its name or, in an image without
		 * a working modprobe, from its file. */
		const char *v6 = r->iface.addrs[0].family != AF_INET6 ? "" :
		    "{ [ -d /proc/sys/net/ipv6 ] || modprobe ipv6 || { m=/lib/modules/$(uname -r)/kernel; "
		    "insmod $m/lib/crc-ccitt.ko; insmod $m/net/ipv6/ipv6.ko; }; } >/dev/null 2>&1; ";
		cmd = xasprintf("%sip link set vec%u name %s && ip link set %s up && "
		    "ip addr add %s dev %s", v6, k, name, name,
		    lab_addr_format(&r->iface.addrs[0], true, ip), name);
	} else {
		cmd = xasprintf("ip link set vec%u name %s && ip link set %s up", k, name, name);
	}
	unsigned id = guest_exec(r->inst->guest, cmd, LIVE_EXEC_TIMEOUT_MS, NULL,
	    plug_on_configured, r);
	free(cmd);
	if (id == 0)
		plug_on_configured(r, -1, "its kernel went away");
}

/* Parse "ADDRESS/LEN" (IPv4 or IPv6) into f; -1 with a message for the client. */
static int parse_cidr(struct conn *c, const char *text, struct lab_iface *f)
{
	if (!lab_addr_parse(text, true, &f->addrs[0])) {
		conn_printf(c, CTL_STDERR, "umllab: %s is not an address with a prefix length, "
		    "such as 10.0.1.1/24 or 2001:db8:1::1/64\n", text);
		return -1;
	}
	f->n_addrs = 1;
	return 0;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	    &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return (mac[0] & 1) || (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0 ? -1 : 0;
}

/* Is this address or MAC already on some interface of the lab? */
static const char *address_owner(struct supervisor *sup, const struct lab_iface *f)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++) {
		struct instance *in = &sup->instances[i];
		for (size_t k = 0; k < in->n_ifaces; k++) {
			const struct lab_iface *g = &in->ifaces[k].cfg;
			for (unsigned a = 0; a < f->n_addrs; a++)
				for (unsigned b = 0; b < g->n_addrs; b++)
					if (lab_addr_equal(&f->addrs[a], &g->addrs[b]))
						return in->cfg->name;
			if (memcmp(g->mac, f->mac, 6) == 0)
				return in->cfg->name;
		}
	}
	return NULL;
}

/* plug A ethN SWITCH IP MAC ("" for none) */
void request_plug(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct supervisor *sup = c->sup;
	struct instance *inst = request_instance(c, argv[1], true);
	if (inst == NULL) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	struct lab_iface f = { 0 };
	const char *name = argv[2];
	char *end = NULL;
	long index = strncmp(name, "eth", 3) == 0 ? strtol(name + 3, &end, 10) : -1;
	if (index < 0 || index >= LAB_IFACE_MAX || end == name + 3 || *end != '\0') {
		conn_printf(c, CTL_STDERR, "umllab: %s is not an interface name (expected eth0 to "
		    "eth%d)\n", name, LAB_IFACE_MAX - 1);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (instance_iface_find(inst, name) != NULL) {
		conn_printf(c, CTL_STDERR, "umllab: %s already has %s; `umllab unplug %s %s` "
		    "first\n", inst->cfg->name, name, inst->cfg->name, name);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	str_copy(f.name, sizeof(f.name), name);
	f.index = (unsigned)index;
	const struct lab_switch *sw = lab_switch_find(sup->lab, argv[3]);
	if (sw == NULL) {
		conn_printf(c, CTL_STDERR, "umllab: lab %s has no switch %s\n", sup->lab->name,
		    argv[3]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	f.sw = (size_t)(sw - sup->lab->switches);
	if (argv[4][0] != '\0' && parse_cidr(c, argv[4], &f) != 0) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (f.n_addrs > 0 && f.addrs[0].family == AF_INET6 &&
	    (inst->cfg->ipv6 != LAB_IPV6_AUTO ? inst->cfg->ipv6 : sup->lab->ipv6) == LAB_IPV6_OFF) {
		conn_printf(c, CTL_STDERR, "umllab: IPv6 is off in %s (`ipv6: false`): plug it with an "
		    "IPv4 address\n", inst->cfg->name);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (argv[5][0] != '\0') {
		if (parse_mac(argv[5], f.mac) != 0) {
			conn_printf(c, CTL_STDERR, "umllab: %s is not a unicast MAC address such as "
			    "02:00:00:00:00:01\n", argv[5]);
			conn_finish(c, UMLLAB_EXIT_USAGE);
			return;
		}
		f.mac_given = true;
	} else {
		lab_default_mac(sup->lab->name, inst->cfg->name, name, f.mac);
	}
	const char *owner = address_owner(sup, &f);
	if (owner != NULL) {
		conn_printf(c, CTL_STDERR, "umllab: that address or MAC is already used by %s\n",
		    owner);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *cable = state_cable_name(inst->cfg->name, name);
	char *path = state_cable_path(sup->lab_dir, inst->cfg->name, name);
	char *cause = NULL;
	/* A capture of this cable, started while it was on another switch, follows
	 * it here before its first frame. */
	supervisor_captures_cable_moved(sup, cable, f.sw);
	request_capture_cable_moved(sup, cable, f.sw);
	int rc = switch_cable_open_owned(sup->switches[f.sw], cable,
	    supervisor_cable_owner((size_t)(inst - sup->instances)), path, &cause);
	free(cable);
	free(path);
	if (rc != 0) {
		conn_printf(c, CTL_STDERR, "umllab: cannot plug %s %s: %s\n", inst->cfg->name, name,
		    cause);
		free(cause);
		conn_finish(c, UMLLAB_EXIT_FAIL);
		return;
	}
	struct live_req *r = live_start(c, inst);
	r->iface = f;
	char *arg = instance_vector_arg(sup->lab_dir, inst->cfg->name, &f);
	char *cmd = xasprintf("config %s", arg);
	mconsole_session_request(inst->mc, cmd, LIVE_MCONSOLE_TIMEOUT_MS, plug_on_config_reply, r);
	free(cmd);
	free(arg);
}

/* ---- unplug ---- */

static void unplug_on_remove_reply(void *arg, int status, uint32_t err, const char *data,
    size_t len)
{
	struct live_req *r = arg;
	if (status != 0 || err != 0) {
		live_finish(r, UMLLAB_EXIT_FAIL, "%s: the kernel refused to remove %s: %.*s",
		    r->inst->cfg->name, r->iface.name, (int)len, data);
		return;
	}
	instance_iface_remove(r->inst, r->iface.name);
	live_cable_close(r);	/* a card plugged in later gets a new cable, link up */
	live_finish(r, UMLLAB_EXIT_OK, "%s: %s unplugged", r->inst->cfg->name, r->iface.name);
}

static void unplug_on_down(void *arg, int status, const char *error)
{
	(void)status;
	(void)error;
	struct live_req *r = arg;
	if (r->inst->mc == NULL) {
		live_finish(r, UMLLAB_EXIT_FAIL, "%s: its kernel went away", r->inst->cfg->name);
		return;
	}
	/* UML refuses to remove a device that is up; it was just taken down.
	 * The kernel knows the card by its vector number, whatever its name. */
	char *cmd = xasprintf("remove vec%u", r->iface.index);
	mconsole_session_request(r->inst->mc, cmd, LIVE_MCONSOLE_TIMEOUT_MS,
	    unplug_on_remove_reply, r);
	free(cmd);
}

void request_unplug(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst;
	struct instance_iface *li = live_iface(c, argv[1], argv[2], true, &inst);
	if (li == NULL)
		return;
	struct live_req *r = live_start(c, inst);
	r->iface = li->cfg;
	char *cmd = xasprintf("ip link set %s down", li->cfg.name);
	unsigned id = guest_exec(inst->guest, cmd, LIVE_EXEC_TIMEOUT_MS, NULL, unplug_on_down, r);
	free(cmd);
	if (id == 0)
		unplug_on_down(r, -1, "its kernel went away");
}

/* ---- link ---- */

/* link A ethN: what the cable has now. */
static void link_show(struct conn *c, struct instance *inst, struct instance_iface *li)
{
	char *cause = NULL;
	char *text = link_conditions_describe(c->sup, inst->cfg->name, &li->cfg, &cause);
	if (text == NULL) {
		conn_fail(c, UMLLAB_EXIT_FAIL, cause);
		return;
	}
	conn_printf(c, CTL_STDOUT, "%s %s (switch %s): link %s\n%s", inst->cfg->name, li->cfg.name,
	    c->sup->lab->switches[li->cfg.sw].name, li->link_down ? "down" : "up", text);
	free(text);
	conn_finish(c, UMLLAB_EXIT_OK);
}

/* A change of conditions whose match expressions are compiling. */
struct link_req {
	struct conn *conn;
	struct instance *inst;		/* NULL: the cable between switches sw[0] and sw[1] */
	size_t sw[2];
	char iface[LAB_NAME_MAX + 1];
	struct linkcond_pair p;
	struct filter_job *job;
	char *exprs[2];			/* as the client wrote them, per direction */
	int dirs[2];
	size_t n;
};

static void link_switches_done(struct conn *c, size_t a, size_t b, const struct linkcond_pair *p,
    const struct bpf_program *in, const struct bpf_program *out);

static void link_req_free(struct link_req *r)
{
	filter_compile_cancel(r->job);
	for (int d = 0; d < 2; d++)
		free(r->exprs[d]);
	free(r);
}

static void link_on_free(struct conn *c)
{
	if (c->req != NULL)
		link_req_free(c->req);	/* the client left: the change is not made */
	c->req = NULL;
}

/* Set p on the cable (programs compiled for it, or none) and answer. */
static void link_conditions_done(struct conn *c, struct instance *inst, struct instance_iface *li,
    const struct linkcond_pair *p, const struct bpf_program *in, const struct bpf_program *out)
{
	char *cause = NULL;
	if (link_conditions_set(c->sup, inst->cfg->name, &li->cfg, p, in, out, &cause) != 0) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	li->cfg.link = *p;
	request_watch_poke(c->sup);
	char *text = linkcond_pair_format(p);
	log_info("%s: %s conditions: %s", inst->cfg->name, li->cfg.name, *text ? text : "none");
	conn_printf(c, CTL_STDOUT, "%s: %s conditions: %s\n", inst->cfg->name, li->cfg.name,
	    *text ? text : "none");
	free(text);
	conn_finish(c, UMLLAB_EXIT_OK);
}

static void link_on_compiled(void *arg, struct bpf_program *progs, size_t failed,
    const char *why)
{
	struct link_req *r = arg;
	struct conn *c = r->conn;
	r->job = NULL;
	c->req = NULL;
	if (progs == NULL) {
		char *text = lab_filter_reword(r->exprs[failed < r->n ? failed : 0], why);
		conn_printf(c, CTL_STDERR, "umllab: %s\n", text);
		free(text);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		link_req_free(r);
		return;
	}
	const struct bpf_program *dir[2] = { NULL, NULL };
	for (size_t k = 0; k < r->n; k++)
		dir[r->dirs[k]] = &progs[k];
	struct instance_iface *li = r->inst != NULL ? instance_iface_find(r->inst, r->iface) : NULL;
	if (r->inst == NULL) {
		link_switches_done(c, r->sw[0], r->sw[1], &r->p, dir[0], dir[1]);
	} else if (li == NULL) {
		conn_printf(c, CTL_STDERR, "umllab: %s has no %s any more (unplugged meanwhile)\n",
		    r->inst->cfg->name, r->iface);
		conn_finish(c, UMLLAB_EXIT_FAIL);
	} else {
		link_conditions_done(c, r->inst, li, &r->p, dir[0], dir[1]);
	}
	for (size_t k = 0; k < r->n; k++)
		pcap_freecode(&progs[k]);
	link_req_free(r);
}

/* link S1 S2 set|clear done: the conditions on the cable between two switches. */
static void link_switches_done(struct conn *c, size_t a, size_t b, const struct linkcond_pair *p,
    const struct bpf_program *in, const struct bpf_program *out)
{
	const struct lab *lab = c->sup->lab;
	char *cause = NULL;
	if (link_conditions_set_switches(c->sup, a, b, p, in, out, &cause) != 0) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	request_watch_poke(c->sup);
	char *text = linkcond_pair_format(p);
	log_info("%s-%s: link conditions: %s", lab->switches[a].name, lab->switches[b].name,
	    *text ? text : "none");
	conn_printf(c, CTL_STDOUT, "%s.%s: conditions: %s\n", lab->switches[a].name,
	    lab->switches[b].name, *text ? text : "none");
	free(text);
	conn_finish(c, UMLLAB_EXIT_OK);
}

/* link A ethN set WORDS... | clear: change the cable's conditions (inst
 * NULL: the cable between switches sw[0] and sw[1]). */
static void link_conditions(struct conn *c, struct instance *inst, struct instance_iface *li,
    const size_t sw[2], int argc, char **argv)
{
	struct linkcond_pair p;
	char *cause = NULL;
	if (inst != NULL) {
		p = li->cfg.link;
	} else {
		struct linkcond_stats st[2];
		if (link_conditions_get_switches(c->sup, sw[0], sw[1], &p, st, &cause) != 0) {
			conn_fail(c, UMLLAB_EXIT_FAIL, cause);
			return;
		}
	}
	if (strcmp(argv[0], "clear") == 0) {
		if (argc != 1) {
			conn_printf(c, CTL_STDERR, "umllab: link ... clear takes no more words\n");
			conn_finish(c, UMLLAB_EXIT_USAGE);
			return;
		}
		memset(&p, 0, sizeof(p));
	} else if (linkcond_parse_words(&p, argc - 1, argv + 1, &cause) != 0) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	char *expanded[2] = { NULL, NULL };
	int dirs[2];
	size_t n;
	if (link_conditions_filters(c->sup, &p, expanded, dirs, &n, &cause) != 0) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	if (n == 0) {
		if (inst != NULL)
			link_conditions_done(c, inst, li, &p, NULL, NULL);
		else
			link_switches_done(c, sw[0], sw[1], &p, NULL, NULL);
		return;
	}
	/* libpcap's compiler can take seconds: the lab keeps answering meanwhile. */
	struct link_req *r = xcalloc(1, sizeof(*r));
	r->conn = c;
	r->inst = inst;
	if (inst != NULL) {
		snprintf(r->iface, sizeof(r->iface), "%s", li->cfg.name);
	} else {
		r->sw[0] = sw[0];
		r->sw[1] = sw[1];
	}
	r->p = p;
	r->n = n;
	const struct linkcond *d[2] = { &p.in, &p.out };
	for (size_t k = 0; k < n; k++) {
		r->dirs[k] = dirs[k];
		r->exprs[k] = xstrdup(d[dirs[k]]->match);
	}
	r->job = filter_compile_start(c->sup->loop, (const char *const *)expanded, n,
	    link_on_compiled, r, &cause);
	for (size_t k = 0; k < n; k++)
		free(expanded[k]);
	if (r->job == NULL) {
		link_req_free(r);
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	c->req = r;
	c->on_free = link_on_free;
}

/* ---- the cable between two switches: link S1 S2 ... ---- */

/* a and b name two switches cabled together, and not an instance and one of
 * its interfaces (an instance may share a switch's name). */
static bool link_of_switches(struct supervisor *sup, const char *a, const char *b, size_t sw[2])
{
	struct instance *inst = supervisor_instance(sup, a);
	if (inst != NULL && instance_iface_find(inst, b) != NULL)
		return false;
	const struct lab_switch *sa = lab_switch_find(sup->lab, a), *sb = lab_switch_find(sup->lab, b);
	if (sa == NULL || sb == NULL)
		return false;
	sw[0] = (size_t)(sa - sup->lab->switches);
	sw[1] = (size_t)(sb - sup->lab->switches);
	return lab_link_find(sup->lab, sw[0], sw[1], NULL) != NULL;
}

/* link S1 S2 [down|up|set WORDS...|clear]: the cable between two switches,
 * both ends at once: pulled out, both switches lose the port (spanning
 * tree sees the link go down); conditions apply as on any cable. */
static void link_switches(struct conn *c, const size_t sw[2], int argc, char **argv)
{
	struct supervisor *sup = c->sup;
	const char *an = sup->lab->switches[sw[0]].name, *bn = sup->lab->switches[sw[1]].name;
	char *ab = supervisor_link_name(sup->lab, sw[0], sw[1]);
	char *ba = supervisor_link_name(sup->lab, sw[1], sw[0]);
	char *cause = NULL;
	if (argc == 3) {
		struct switch_port_info *ports;
		unsigned n;
		bool down = false;
		if (switch_ports_get(sup->switches[sw[0]], &ports, &n, NULL) == 0) {
			for (unsigned k = 0; k < n; k++)
				if (strcmp(ports[k].name, ab) == 0)
					down = ports[k].link_down;
			free(ports);
		}
		char *text = link_conditions_describe_switches(sup, sw[0], sw[1], &cause);
		if (text == NULL) {
			conn_fail(c, UMLLAB_EXIT_FAIL, cause);
		} else {
			conn_printf(c, CTL_STDOUT, "%s (switch %s to switch %s): link %s\n%s", ab, an, bn,
			    down ? "down" : "up", text);
			conn_finish(c, UMLLAB_EXIT_OK);
		}
		free(text);
	} else if (strcmp(argv[3], "set") == 0 || strcmp(argv[3], "clear") == 0) {
		link_conditions(c, NULL, NULL, sw, argc - 3, argv + 3);
	} else if ((strcmp(argv[3], "up") != 0 && strcmp(argv[3], "down") != 0) || argc != 4) {
		conn_printf(c, CTL_STDERR, "umllab: link %s: expected up, down, set CONDITIONS... "
		    "or clear\n", argv[3]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
	} else {
		bool up = strcmp(argv[3], "up") == 0;
		if (switch_cable_set_link(sup->switches[sw[0]], ab, up, &cause) != 0 ||
		    switch_cable_set_link(sup->switches[sw[1]], ba, up, &cause) != 0) {
			conn_fail(c, UMLLAB_EXIT_FAIL, cause);
		} else {
			request_watch_poke(sup);
			log_info("%s-%s: link %s", an, bn, up ? "up" : "down");
			conn_printf(c, CTL_STDOUT, "%s: link %s (both ends, %s and %s)\n", ab,
			    up ? "up" : "down", ab, ba);
			conn_finish(c, UMLLAB_EXIT_OK);
		}
	}
	free(ab);
	free(ba);
}

/* link A ethN [down|up|set WORDS...|clear|reset]: the switch drops the
 * port's frames while it is down; conditions shape them; reset sets the
 * cable's counters to 0. */
void request_link(struct conn *c, int argc, char **argv)
{
	struct supervisor *sup = c->sup;
	struct instance *inst;
	size_t sw[2];
	if (link_of_switches(sup, argv[1], argv[2], sw)) {
		link_switches(c, sw, argc, argv);
		return;
	}
	struct instance_iface *li = live_iface(c, argv[1], argv[2], false, &inst);
	if (li == NULL)
		return;
	if (argc == 3) {
		link_show(c, inst, li);
		return;
	}
	if (strcmp(argv[3], "set") == 0 || strcmp(argv[3], "clear") == 0) {
		link_conditions(c, inst, li, NULL, argc - 3, argv + 3);
		return;
	}
	bool up = strcmp(argv[3], "up") == 0, reset = strcmp(argv[3], "reset") == 0;
	if ((!up && !reset && strcmp(argv[3], "down") != 0) || argc != 4) {
		conn_printf(c, CTL_STDERR, "umllab: link %s: expected up, down, set CONDITIONS..., "
		    "clear or reset\n", argv[3]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *cause = NULL;
	char *cable = state_cable_name(inst->cfg->name, li->cfg.name);
	int rc = reset ? switch_cable_reset_counters(sup->switches[li->cfg.sw], cable, &cause) :
	    switch_cable_set_link(sup->switches[li->cfg.sw], cable, up, &cause);
	free(cable);
	if (rc != 0) {
		conn_fail(c, UMLLAB_EXIT_FAIL, cause);
		return;
	}
	if (reset) {
		request_watch_poke(sup);
		conn_printf(c, CTL_STDOUT, "%s: %s counters reset to 0 (switch %s)\n", inst->cfg->name,
		    li->cfg.name, sup->lab->switches[li->cfg.sw].name);
		conn_finish(c, UMLLAB_EXIT_OK);
		return;
	}
	li->link_down = !up;
	request_watch_poke(sup);
	/* The guest sees it too, as a pulled cable: routing daemons react at once. */
	if (inst->guest != NULL && instance_can_exec(inst))
		guest_link(inst->guest, li->cfg.name, up);
	log_info("%s: %s link %s", inst->cfg->name, li->cfg.name, up ? "up" : "down");
	conn_printf(c, CTL_STDOUT, "%s: %s link %s (switch %s)\n", inst->cfg->name, li->cfg.name,
	    up ? "up" : "down", sup->lab->switches[li->cfg.sw].name);
	conn_finish(c, UMLLAB_EXIT_OK);
}
