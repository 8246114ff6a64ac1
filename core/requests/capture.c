/* core/requests/capture.c: `capture`: stream a live capture of switches and cables to a client. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/capture/capture.h"
#include "core/capture/filter.h"
#include "core/supervisor/instance.h"
#include "core/supervisor/lab_filter.h"
#include "core/base/log.h"
#include "core/requests/request.h"
#include "core/base/state.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

#define CAPTURE_TARGETS_MAX 16

/* The lab's cables and switches, for an error message. */
static char *capture_known_targets(const struct supervisor *sup)
{
	struct strbuf b = { 0 };
	for (size_t i = 0; i < sup->lab->n_instances; i++) {
		const struct instance *in = &sup->instances[i];
		for (size_t k = 0; k < in->n_ifaces; k++)
			strbuf_printf(&b, "%s%s.%s", b.len ? ", " : "", in->cfg->name,
			    in->ifaces[k].cfg.name);
	}
	strbuf_printf(&b, "%sswitches ", b.len ? "; " : "");
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		strbuf_printf(&b, "%s%s", i ? ", " : "", sup->lab->switches[i].name);
	const char *sep = "; trunks ";
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		for (size_t k = 0; k < sup->lab->switches[i].n_trunks; k++) {
			strbuf_printf(&b, "%s%s.trunk%zu", sep, sup->lab->switches[i].name, k);
			sep = ", ";
		}
	sep = "; links ";
	for (size_t i = 0; i < sup->lab->n_switches; i++)
		for (size_t k = 0; k < sup->lab->switches[i].n_links; k++) {
			size_t to = sup->lab->switches[i].links[k].to;
			strbuf_printf(&b, "%s%s.%s, %s.%s", sep, sup->lab->switches[i].name,
			    sup->lab->switches[to].name, sup->lab->switches[to].name,
			    sup->lab->switches[i].name);
			sep = ", ";
		}
	return strbuf_take(&b);
}

/* SWITCH.OTHER: switch SWITCH's end of its cable to switch OTHER. */
static bool capture_link_target(struct supervisor *sup, const char *name, const char *dot,
    struct capture_target *t)
{
	char *sname = xstrndup(name, (size_t)(dot - name));
	const struct lab_switch *a = lab_switch_find(sup->lab, sname), *b = lab_switch_find(sup->lab,
	    dot + 1);
	free(sname);
	if (a == NULL || b == NULL)
		return false;
	size_t i = (size_t)(a - sup->lab->switches), j = (size_t)(b - sup->lab->switches);
	if (lab_link_find(sup->lab, i, j, NULL) == NULL)
		return false;
	*t = (struct capture_target){ .sw = sup->switches[i], .switch_name = a->name, .cable = name };
	return true;
}

/* A switch name, INSTANCE.IFACE (a cable), SWITCH.trunkN (a trunk) or
 * SWITCH.OTHER (a link's end); 0 with *t filled, else -1 after telling the
 * client. */
static int capture_target(struct conn *c, const char *name, struct capture_target *t)
{
	struct supervisor *sup = c->sup;
	const struct lab_switch *ls = lab_switch_find(sup->lab, name);
	if (ls != NULL) {
		size_t i = (size_t)(ls - sup->lab->switches);
		*t = (struct capture_target){ .sw = sup->switches[i], .switch_name = ls->name };
		return 0;
	}
	const char *dot = strchr(name, '.');
	if (dot != NULL && strncmp(dot + 1, "trunk", 5) == 0) {
		/* Switch names hold no dot; interfaces are ethN: no clash. */
		char *sname = xstrndup(name, (size_t)(dot - name));
		const struct lab_switch *s = lab_switch_find(sup->lab, sname);
		free(sname);
		char *end;
		unsigned long k = strtoul(dot + 6, &end, 10);
		if (s != NULL && dot[6] >= '0' && dot[6] <= '9' && *end == '\0' && k < s->n_trunks) {
			size_t i = (size_t)(s - sup->lab->switches);
			*t = (struct capture_target){ .sw = sup->switches[i], .switch_name = s->name,
			    .cable = name };
			return 0;
		}
	}
	if (dot != NULL && capture_link_target(sup, name, dot, t))
		return 0;
	if (dot != NULL) {
		char *iname = xstrndup(name, (size_t)(dot - name));
		struct instance *inst = supervisor_instance(sup, iname);
		free(iname);
		struct instance_iface *li = inst != NULL ? instance_iface_find(inst, dot + 1) : NULL;
		if (li != NULL) {
			const struct lab_switch *s = &sup->lab->switches[li->cfg.sw];
			*t = (struct capture_target){ .sw = sup->switches[li->cfg.sw],
			    .switch_name = s->name, .cable = name };
			return 0;
		}
	}
	char *known = capture_known_targets(sup);
	conn_printf(c, CTL_STDERR, "umllab: lab %s has no switch or cable %s (expected a switch, "
	    "a cable as INSTANCE.IFACE, a trunk as SWITCH.trunkN, or a link's end as SWITCH.OTHER; "
	    "the lab has cables %s)\n", sup->lab->name, name, known);
	free(known);
	return -1;
}

/* One capture request: its filter compiling (job), then the capture running. */
struct capture_req {
	struct conn *conn;
	struct filter_job *job;
	struct capture *cap;
	struct capture_target targets[CAPTURE_TARGETS_MAX];
	size_t n;
	uint64_t max_frames;
	double duration_s;
	char *what;			/* for the log: the first target */
	char *expr;			/* the filter as the client wrote it */
};

static void capture_req_free(struct capture_req *r)
{
	filter_compile_cancel(r->job);
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->targets[i].cable);
	free(r->what);
	free(r->expr);
	free(r);
}

/* Tell the client what was caught and what was not, and end its request. */
static void capture_finish(struct conn *c, const char *why)
{
	struct capture_req *r = c->req;
	char *reason = xstrdup(why);	/* it may belong to the capture */
	c->req = NULL;
	uint64_t got = 0, lost = 0;
	if (r->cap != NULL)
		capture_stop(r->cap, &got, &lost);	/* writes what the taps still hold, then counts */
	capture_req_free(r);
	conn_printf(c, CTL_STDERR, "umllab: capture ended (%s): %llu frame%s captured, %llu not "
	    "captured because the reader was too slow\n", reason, (unsigned long long)got,
	    got == 1 ? "" : "s", (unsigned long long)lost);
	free(reason);
	conn_finish(c, UMLLAB_EXIT_OK);
}

static void capture_on_end(void *arg, const char *why)
{
	capture_finish(arg, why);
}

/* The client sends "stop" (Ctrl-C) and waits for the counts. */
static void capture_on_input(struct conn *c, const char *data, size_t len)
{
	if (c->req != NULL && len == 4 && memcmp(data, "stop", 4) == 0)
		capture_finish(c, "stopped");
}

static void capture_on_free(struct conn *c)
{
	struct capture_req *r = c->req;
	if (r == NULL)
		return;
	if (r->cap != NULL)
		capture_drop(r->cap);	/* the client left: nobody reads what is left */
	capture_req_free(r);
	c->req = NULL;
}

void request_capture_lab_down(struct supervisor *sup)
{
	for (struct conn *c = sup->conns; c != NULL; c = c->next)
		if (c->req != NULL && c->on_input == capture_on_input)
			capture_finish(c, "the lab is going down");
}

void request_capture_cable_moved(struct supervisor *sup, const char *cable, size_t sw_index)
{
	for (struct conn *c = sup->conns; c != NULL; c = c->next) {
		struct capture_req *r = c->on_input == capture_on_input ? c->req : NULL;
		if (r != NULL && r->cap != NULL)
			capture_cable_moved(r->cap, cable, sup->switches[sw_index],
			    sup->lab->switches[sw_index].name);
	}
}

/* The capture's stream goes to the client as CTL_STDOUT. */
static void capture_sink_write(void *arg, const void *data, size_t len)
{
	conn_send(arg, CTL_STDOUT, data, len);
}

static size_t capture_sink_unread(void *arg)
{
	const struct conn *c = arg;
	return c->out_len;
}

static void capture_begin(struct capture_req *r, const struct bpf_program *prog)
{
	struct conn *c = r->conn;
	struct capture_sink sink = { capture_sink_write, capture_sink_unread, c };
	struct capture_opts o = { .targets = r->targets, .ntargets = r->n, .prog = prog,
	    .max_frames = r->max_frames, .duration_s = r->duration_s,
	    .sink = &sink, .on_end = capture_on_end, .arg = c };
	char *cause = NULL;
	r->cap = capture_start(c->sup->loop, &o, &cause);
	if (r->cap == NULL) {
		c->req = NULL;
		capture_req_free(r);
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	log_info("capture of %s started", r->what);
}

/* The filter compiled (in a child, while the lab went on): start. */
static void capture_on_compiled(void *arg, struct bpf_program *progs, size_t failed,
    const char *why)
{
	(void)failed;
	struct capture_req *r = arg;
	r->job = NULL;
	if (progs == NULL) {
		struct conn *c = r->conn;
		c->req = NULL;
		char *text = lab_filter_reword(r->expr, why);
		capture_req_free(r);
		conn_printf(c, CTL_STDERR, "umllab: %s\n", text);
		free(text);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	capture_begin(r, &progs[0]);
	pcap_freecode(&progs[0]);
}

/* capture FILTER COUNT DURATION TARGET... ("" / "0" for none) */
void request_capture(struct conn *c, int argc, char **argv)
{
	struct capture_req *r = xcalloc(1, sizeof(*r));
	r->conn = c;
	for (int i = 4; i < argc; i++) {
		if (r->n == CAPTURE_TARGETS_MAX) {
			conn_printf(c, CTL_STDERR, "umllab: at most %d targets in one capture\n",
			    CAPTURE_TARGETS_MAX);
			conn_finish(c, UMLLAB_EXIT_USAGE);
			capture_req_free(r);
			return;
		}
		if (capture_target(c, argv[i], &r->targets[r->n]) != 0) {
			conn_finish(c, UMLLAB_EXIT_USAGE);
			capture_req_free(r);
			return;
		}
		/* The request's words are gone once it is dispatched. */
		if (r->targets[r->n].cable != NULL)
			r->targets[r->n].cable = xstrdup(r->targets[r->n].cable);
		r->n++;
	}
	r->max_frames = strtoull(argv[2], NULL, 10);
	r->duration_s = strtod(argv[3], NULL);
	r->what = xasprintf("%s%s", argv[4], argc > 5 ? " and more" : "");
	r->expr = xstrdup(argv[1]);
	c->req = r;
	c->on_input = capture_on_input;
	c->on_free = capture_on_free;
	if (argv[1][0] == '\0') {
		capture_begin(r, NULL);
		return;
	}
	/* libpcap's compiler can take seconds: the lab keeps answering meanwhile. */
	char *cause = NULL;
	char *filter = lab_filter_expand(c->sup, argv[1], &cause);
	const char *exprs[1] = { filter };
	if (filter != NULL)
		r->job = filter_compile_start(c->sup->loop, exprs, 1, capture_on_compiled, r, &cause);
	free(filter);
	if (r->job == NULL) {
		c->req = NULL;
		capture_req_free(r);
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
	}
}
