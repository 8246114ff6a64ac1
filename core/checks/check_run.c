/* core/checks/check_run.c: run checks one after another in the supervisor's loop, each by its own evidence. */
#include "core/checks/check_run.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/checks/check_evidence.h"
#include "core/checks/check_report.h"
#include "core/checks/check_switch.h"
#include "core/checks/checks_spec.h"
#include "core/supervisor/guest.h"
#include "core/supervisor/instance.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"
#include "mconsole/session.h"
#include "switch/switch.h"

#define RUN_OUTPUT_MAX 65536
#define RUN_COMMAND_TIMEOUT_MS 30000
#define RUN_MCONSOLE_TIMEOUT_MS 5000
#define FRAMES_RING 2048
#define FRAMES_POLL_S 0.1

/* A pending mconsole request: its reply may come after the run is gone. */
struct mc_ticket {
	struct check_run *run;	/* NULL once cancelled */
};

struct check_run {
	struct supervisor *sup;
	struct check_list *list;
	size_t next;
	check_result_fn on_result;
	check_done_fn on_done;
	void *arg;
	/* the check under way */
	const struct check_spec *cur;
	struct instance *inst;
	unsigned exec_id;
	struct strbuf out;
	struct echo_watch *watch;
	struct echo_target target;
	const char *owner;
	struct mc_ticket *ticket;
	void (*judge)(struct check_run *run, int status, const char *error);
	struct switch_tap *tap;
	struct sw *tap_sw;
	unsigned frames_seen;
	uint32_t frames_owner;		/* the owner id of from's cables */
	uint64_t frames_until_ms, frames_start_ms;
	ev_timer timer;
	bool in_step;			/* results come back inside the start of a check */
	bool again;			/* ... and the next one is due */
};

static void run_next(struct check_run *run);

/* The current check's verdict; then the next check. */
static void run_result(struct check_run *run, bool passed, const char *expected,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void run_result(struct check_run *run, bool passed, const char *expected,
    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *seen = xvasprintf(fmt, ap);
	va_end(ap);
	const struct check_spec *c = run->cur;
	struct check_result r = { .name = c->name, .kind = (char *)check_kind_name(c->kind),
	    .passed = passed, .points = passed ? c->points : 0, .max_points = c->points,
	    .expected = (char *)expected, .seen = seen };
	run->on_result(run->arg, &r);
	free(seen);
	free(run->out.s);
	run->out = (struct strbuf){ 0 };
	echo_watch_free(run->watch);
	run->watch = NULL;
	run->exec_id = 0;
	run->cur = NULL;
	if (run->in_step)
		run->again = true;	/* unwind first: no recursion through every check */
	else
		run_next(run);
}

/* The instance a check runs on, or NULL after failing the check. */
static struct instance *run_instance(struct check_run *run, const char *name, bool need_exec)
{
	struct instance *inst = supervisor_instance(run->sup, name);
	if (inst == NULL) {
		run_result(run, false, "", "lab %s has no instance %s", run->sup->lab->name, name);
		return NULL;
	}
	if (need_exec && !instance_can_exec(inst)) {
		run_result(run, false, "", "%s is %s%s%s", name, instance_state_name(inst->state),
		    inst->cause ? ": " : "", inst->cause ? inst->cause : "");
		return NULL;
	}
	return inst;
}

/* ---- guest commands ---- */

typedef void (*exec_judge_fn)(struct check_run *run, int status, const char *error);

static void run_on_output(void *arg, const char *data, size_t len)
{
	struct check_run *run = arg;
	if (run->out.len + len <= RUN_OUTPUT_MAX)
		strbuf_append(&run->out, data, len);
}

static void run_on_done(void *arg, int status, const char *error)
{
	struct check_run *run = arg;
	run->exec_id = 0;
	strbuf_append(&run->out, "", 0);
	run->judge(run, status, error);
}

static void run_exec(struct check_run *run, const char *cmd, unsigned timeout_ms,
    exec_judge_fn judge)
{
	run->judge = judge;
	run->exec_id = guest_exec(run->inst->guest, cmd, timeout_ms, run_on_output, run_on_done,
	    run);
	if (run->exec_id == 0)
		run_result(run, false, "", "%s: its kernel is not attached", run->inst->cfg->name);
}

/* ---- reach, no_reach, path ---- */

static void judge_ping(struct check_run *run, int status, const char *error)
{
	const struct check_spec *c = run->cur;
	const char *src = c->on;
	const char *ip = run->target.text;
	if (status < 0) {
		run_result(run, false, "", "%s could not ping: %s", src, error);
		return;
	}
	echo_watch_stop(run->watch);
	struct echo_verdict v;
	const char *via[CHECK_VIA_MAX];
	for (size_t i = 0; i < c->n_via; i++)
		via[i] = c->via[i];
	echo_watch_judge(run->watch, &run->target, via, c->n_via, &v);
	bool claim = echo_guest_claims_replies(run->out.s, status);
	char *why = echo_disagreement(&v, claim);
	bool reached = echo_verdict_reached(&v);
	/* Why nothing left, in the guest's words (only a hint, never the verdict). */
	char said[200] = "";
	const char *err = strstr(run->out.s, "ping: ");
	if (v.requests_from_src == 0 && err != NULL)
		snprintf(said, sizeof(said), "; %s's ping said \"%.*s\"", src,
		    (int)strcspn(err, "\n"), err);
	char *expected = NULL;
	if (c->kind == CHECK_REACH) {
		expected = xasprintf("echo replies from %s back to %s", c->to, src);
		if (why != NULL)
			run_result(run, false, expected, "%s (switches: %s)", why, v.carried);
		else if (claim && reached)
			run_result(run, true, expected, "%s", v.carried);
		else
			run_result(run, false, expected, "no reply; switches: %s%s", v.carried, said);
	} else if (c->kind == CHECK_NO_REACH) {
		char *breach = c->strict ? echo_strict_breach(&v) : NULL;
		expected = c->strict ? xasprintf("%s trying, and nothing of %s's reaching %s's "
		    "cables", src, src, c->to) : xasprintf("echo requests leaving %s and no reply "
		    "from %s coming back", src, c->to);
		if (why != NULL)
			run_result(run, false, expected, "%s (switches: %s)", why, v.carried);
		else if (claim || v.replies_to_src > 0)
			run_result(run, false, expected, "%s got replies; switches: %s", src, v.carried);
		else if (v.lost > 0)
			run_result(run, false, expected, "the switches carried more frames than the "
			    "check could record, so it cannot tell that nothing came back; switches: %s",
			    v.carried);
		else if (breach != NULL)
			run_result(run, false, expected, "%s; switches: %s", breach, v.carried);
		else if (v.requests_from_src == 0 && v.asks_from_src > 0)
			run_result(run, true, expected, "%s asked for %s by %s %u time%s and nobody "
			    "answered, so no echo request could leave", src, ip,
			    v.ipv6 ? "neighbour solicitation" : "ARP", v.asks_from_src,
			    v.asks_from_src == 1 ? "" : "s");
		else if (v.requests_from_src == 0)
			run_result(run, false, expected, "no echo request from %s to %s crossed any "
			    "switch: its ping sent nothing, so the check cannot tell that the network "
			    "stops it", src, ip);
		else
			run_result(run, true, expected, "%s", v.carried);
		free(breach);
	} else {
		struct strbuf want = { 0 };
		strbuf_printf(&want, "%s", src);
		for (size_t i = 0; i < c->n_via; i++)
			strbuf_printf(&want, " > %s", c->via[i]);
		strbuf_printf(&want, ", then %s replies", c->to);
		expected = strbuf_take(&want);
		if (why != NULL)
			run_result(run, false, expected, "%s (switches: %s)", why, v.carried);
		else if (!claim || !reached)
			run_result(run, false, expected, "no reply; the requests went %s; switches: %s%s",
			    v.hops[0] ? v.hops : "nowhere", v.carried, said);
		else if (!v.hops_match)
			run_result(run, false, expected, "the requests went %s", v.hops);
		else
			run_result(run, true, expected, "the requests went %s", v.hops);
	}
	free(expected);
	free(why);
	echo_verdict_free(&v);
}

static void start_ping(struct check_run *run)
{
	const struct check_spec *c = run->cur;
	char *cause = NULL;
	if ((run->inst = run_instance(run, c->on, true)) == NULL)
		return;
	for (size_t i = 0; i < c->n_via; i++)
		if (supervisor_instance(run->sup, c->via[i]) == NULL) {
			run_result(run, false, "", "lab %s has no instance %s", run->sup->lab->name,
			    c->via[i]);
			return;
		}
	if (echo_target_resolve(run->sup, c->on, c->to, c->ipv6 ? AF_INET6 : 0, &run->target,
	    &cause) != 0) {
		run_result(run, false, "", "%s", cause);
		free(cause);
		return;
	}
	run->owner = echo_address_owner(run->sup, c->on, &run->target);
	if (c->kind == CHECK_NO_REACH && c->strict && run->owner == NULL) {
		run_result(run, false, "", "no instance of lab %s has %s: no_reach strict watches "
		    "the target's own cables", run->sup->lab->name, run->target.text);
		return;
	}
	unsigned tag = echo_watch_tag();
	if ((run->watch = echo_watch_start(run->sup, tag, c->on, run->owner,
	    c->kind == CHECK_NO_REACH && c->strict, &cause)) == NULL) {
		run_result(run, false, "", "cannot watch the switches: %s", cause);
		free(cause);
		return;
	}
	char *cmd = echo_ping_command(c->count, tag, &run->target);
	run_exec(run, cmd, c->count * 1000 + 5000, judge_ping);
	free(cmd);
}

/* ---- iface: the guest's /sys/class/net and ip ---- */

static void judge_iface(struct check_run *run, int status, const char *error)
{
	const struct check_spec *c = run->cur;
	struct strbuf want = { 0 };
	if (c->has_addr) {
		char ip[LAB_ADDR_TEXT_MAX];
		strbuf_printf(&want, "address %s, ", lab_addr_format(&c->addr, true, ip));
	}
	if (c->state >= 0)
		strbuf_printf(&want, "state %s, ", c->state ? "up" : "down");
	if (c->has_mac)
		strbuf_printf(&want, "mac %02x:%02x:%02x:%02x:%02x:%02x, ", c->mac[0], c->mac[1],
		    c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
	if (c->mtu)
		strbuf_printf(&want, "mtu %u, ", c->mtu);
	char *expected = strbuf_take(&want);
	expected[strlen(expected) - 2] = '\0';
	char mac[32] = "", flags[32] = "";
	unsigned mtu = 0;
	if (status != 0 || sscanf(run->out.s, "%31s %u %31s", mac, &mtu, flags) != 3) {
		run_result(run, false, expected, "%s has no %s%s%s", c->on, c->dev,
		    status < 0 ? ": " : "", status < 0 ? error : "");
		free(expected);
		return;
	}
	bool up = strtoul(flags, NULL, 16) & 1;	/* IFF_UP */
	/* The guest's addresses: "inet A/P" and "inet6 A/P" lines of `ip addr`, compared as
	 * addresses (IPv6 has many ways to write one). Link-local ones are shown only when
	 * the check asks for one. */
	struct strbuf addrs = { 0 };
	bool addr_ok = !c->has_addr;
	for (const char *p = run->out.s; (p = strstr(p, "inet")) != NULL; p += 4) {
		if (p > run->out.s && p[-1] != ' ')
			continue;
		int skip = strncmp(p, "inet ", 5) == 0 ? 5 : strncmp(p, "inet6 ", 6) == 0 ? 6 : 0;
		char a[LAB_ADDR_TEXT_MAX] = "";
		struct lab_addr seen;
		if (skip == 0 || sscanf(p + skip, "%51s", a) != 1 || !lab_addr_parse(a, true, &seen))
			continue;
		if (lab_addr_link_local(&seen) && !(c->has_addr && lab_addr_link_local(&c->addr)))
			continue;
		strbuf_printf(&addrs, "%s%s", addrs.len ? " " : "", a);
		if (c->has_addr && lab_addr_equal(&seen, &c->addr) && seen.prefix == c->addr.prefix)
			addr_ok = true;
	}
	char want_mac[18];
	snprintf(want_mac, sizeof(want_mac), "%02x:%02x:%02x:%02x:%02x:%02x", c->mac[0],
	    c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
	bool ok = addr_ok && (c->state < 0 || up == (c->state == 1)) &&
	    (!c->has_mac || strcasecmp(mac, want_mac) == 0) && (c->mtu == 0 || mtu == c->mtu);
	char *list = addrs.len ? strbuf_take(&addrs) : xstrdup("none");
	run_result(run, ok, expected, "%s of %s: address %s, state %s, mac %s, mtu %u", c->dev,
	    c->on, list, up ? "up" : "down", mac, mtu);
	free(list);
	free(expected);
}

static void start_iface(struct check_run *run)
{
	const struct check_spec *c = run->cur;
	if ((run->inst = run_instance(run, c->on, true)) == NULL)
		return;
	char *cmd = xasprintf("cd /sys/class/net/%s && cat address mtu flags && ip addr show "
	    "dev %s", c->dev, c->dev);
	run_exec(run, cmd, RUN_COMMAND_TIMEOUT_MS, judge_iface);
	free(cmd);
}

/* ---- route: the guest's /proc/net/route and /proc/net/ipv6_route ---- */

#define ROUTE6_MARK "-- ipv6 --"

static void route_format(struct strbuf *b, bool is_default, const struct lab_addr *to, bool has_via,
    const struct lab_addr *via, const char *dev)
{
	char a[LAB_ADDR_TEXT_MAX];
	if (is_default)
		strbuf_printf(b, "default%s", to->family == AF_INET6 ? " (IPv6)" : "");
	else
		strbuf_printf(b, "%s", lab_addr_format(to, true, a));
	if (has_via)
		strbuf_printf(b, " via %s", lab_addr_format(via, false, a));
	if (dev != NULL && dev[0] != '\0')
		strbuf_printf(b, " dev %s", dev);
}

/* 32 hex digits of /proc/net/ipv6_route into an address. */
static bool hex6(const char *s, struct in6_addr *out)
{
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out->s6_addr[i] = (unsigned char)v;
	}
	return true;
}

/* One route the guest has; whether it is the one the check wants. */
static bool route_seen(struct check_run *run, struct strbuf *seen, const struct lab_addr *to,
    const struct lab_addr *gw, bool has_gw, const char *dev)
{
	const struct check_spec *c = run->cur;
	bool is_default = to->prefix == 0;
	route_format(seen, is_default, to, has_gw, gw, dev);
	strbuf_printf(seen, "; ");
	return to->family == c->addr.family &&
	    (c->route_default ? is_default : !is_default && lab_addr_equal(to, &c->addr) &&
	    to->prefix == c->addr.prefix) && (!c->has_via || (has_gw && lab_addr_equal(gw, &c->route_via))) &&
	    (c->dev[0] == '\0' || strcmp(dev, c->dev) == 0);
}

static void judge_route(struct check_run *run, int status, const char *error)
{
	const struct check_spec *c = run->cur;
	struct strbuf want = { 0 }, seen = { 0 };
	route_format(&want, c->route_default, &c->addr, c->has_via, &c->route_via, c->dev);
	char *expected = strbuf_take(&want);
	if (status != 0) {
		run_result(run, false, expected, "cannot read the routes of %s%s%s", c->on,
		    status < 0 ? ": " : "", status < 0 ? error : "");
		free(expected);
		return;
	}
	bool found = false;
	char *six = strstr(run->out.s, ROUTE6_MARK "\n");
	if (six != NULL)
		*six = '\0';
	const char *line = strchr(run->out.s, '\n');	/* after the header */
	while (line != NULL && *++line != '\0') {
		char dev[32];
		unsigned dst, gw, fl, mask;
		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", dev, &dst, &gw, &fl, &mask) == 5) {
			/* The kernel prints each address as its raw 32 bits: network order in memory. */
			struct lab_addr d = { .family = AF_INET, .in4.s_addr = dst,
			    .prefix = (unsigned)__builtin_popcount(mask) };
			struct lab_addr g = { .family = AF_INET, .in4.s_addr = gw, .prefix = 32 };
			found |= route_seen(run, &seen, &d, &g, gw != 0, dev);
		}
		line = strchr(line, '\n');
	}
	/* IPv6: DEST PLEN SRC SPLEN NEXTHOP METRIC REFCNT USE FLAGS DEV. The kernel's own
	 * routes (local addresses, multicast, link-local, rejects) are left out. */
	for (line = six != NULL ? six + strlen(ROUTE6_MARK) + 1 : NULL; line != NULL && *line != '\0';) {
		char d6[33], g6[33], dev[32];
		unsigned plen, flags;
		struct lab_addr d = { .family = AF_INET6 }, g = { .family = AF_INET6, .prefix = 128 };
		static const struct in6_addr any;
		if (sscanf(line, "%32s %x %*s %*x %32s %*x %*x %*x %x %31s", d6, &plen, g6, &flags,
		    dev) == 5 && hex6(d6, &d.in6) && hex6(g6, &g.in6) && plen <= 128 &&
		    !(flags & 0x0200) && !(flags & 0x80000000u) && strcmp(dev, "lo") != 0 &&
		    d.in6.s6_addr[0] != 0xff && !(lab_addr_link_local(&d) && plen == 64)) {
			d.prefix = plen;
			bool has_gw = memcmp(&g.in6, &any, sizeof(any)) != 0;
			found |= route_seen(run, &seen, &d, &g, has_gw, dev);
		}
		line = strchr(line, '\n');
		line = line != NULL ? line + 1 : NULL;
	}
	char *list = seen.len ? strbuf_take(&seen) : xstrdup("no routes; ");
	list[strlen(list) - 2] = '\0';
	run_result(run, found, expected, "routes of %s: %s", c->on, list);
	free(list);
	free(expected);
}

static void start_route(struct check_run *run)
{
	if ((run->inst = run_instance(run, run->cur->on, true)) == NULL)
		return;
	run_exec(run, "cat /proc/net/route && echo '" ROUTE6_MARK "' && { cat /proc/net/ipv6_route "
	    "2>/dev/null; true; }", RUN_COMMAND_TIMEOUT_MS, judge_route);
}

/* ---- command: the guest agent's word ---- */

static void judge_command(struct check_run *run, int status, const char *error)
{
	const struct check_spec *c = run->cur;
	struct strbuf want = { 0 };
	if (c->expect_exit >= 0)
		strbuf_printf(&want, "exit %d", c->expect_exit);
	if (c->expect_stdout != NULL)
		strbuf_printf(&want, "%soutput matching /%s/", want.len ? ", " : "", c->expect_stdout);
	char *expected = want.len ? strbuf_take(&want) : xstrdup("it runs");
	if (status < 0) {
		run_result(run, false, expected, "it could not run: %s", error);
		free(expected);
		return;
	}
	bool ok = c->expect_exit < 0 || status == c->expect_exit;
	if (c->expect_stdout != NULL) {
		regex_t re;
		if (regcomp(&re, c->expect_stdout, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
			ok = ok && regexec(&re, run->out.s, 0, NULL, 0) == 0;
			regfree(&re);
		} else {
			ok = false;
		}
	}
	/* The output, shortened to one line for the report. */
	char shown[161];
	size_t n = 0;
	for (const char *p = run->out.s; *p != '\0' && n < sizeof(shown) - 4; p++)
		shown[n++] = *p == '\n' ? '|' : *p;
	while (n > 0 && shown[n - 1] == '|')
		n--;
	shown[n] = '\0';
	run_result(run, ok, expected, "exit %d, output \"%s%s\"", status, shown,
	    strlen(run->out.s) > n + 1 ? "..." : "");
	free(expected);
}

static void start_command(struct check_run *run)
{
	if ((run->inst = run_instance(run, run->cur->on, true)) == NULL)
		return;
	/* stdout alone: the regex is about what the command prints, not its complaints. */
	char *cmd = xasprintf("(\n%s\n) 2>/dev/null", run->cur->run);
	run_exec(run, cmd, RUN_COMMAND_TIMEOUT_MS, judge_command);
	free(cmd);
}

/* ---- forwarding: the kernel's word, through mconsole ---- */

static void forwarding_on_reply(void *arg, int status, uint32_t err, const char *data,
    size_t len)
{
	struct mc_ticket *t = arg;
	struct check_run *run = t->run;
	free(t);
	if (run == NULL)
		return;
	run->ticket = NULL;
	const struct check_spec *c = run->cur;
	const char *key = c->ipv6 ? "net.ipv6.conf.all.forwarding" : "ip_forward";
	char *expected = xasprintf("%s %d (%sforwarding%s)", key, c->enabled ? 1 : 0,
	    c->enabled ? "" : "not ", c->ipv6 ? " IPv6" : "");
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\0' || data[len - 1] == ' '))
		len--;
	while (len > 0 && (data[0] == '\n' || data[0] == ' ')) {
		data++;
		len--;
	}
	if (status == 0 && err != 0 && c->ipv6)
		/* No such file: the kernel has no IPv6 (not loaded, or ipv6: false). */
		run_result(run, !c->enabled, expected, "the kernel of %s has no IPv6, so no %s "
		    "(%.*s)", c->on, key, (int)len, data);
	else if (status != 0 || err != 0)
		run_result(run, false, expected, "the kernel of %s did not answer: %.*s", c->on,
		    (int)len, data);
	else
		run_result(run, (len > 0 && data[len - 1] == '1') == c->enabled, expected,
		    "the kernel of %s says %s %.*s", c->on, key, (int)len, data);
	free(expected);
}

static void start_forwarding(struct check_run *run)
{
	struct instance *inst = run_instance(run, run->cur->on, true);
	if (inst == NULL)
		return;
	if (inst->mc == NULL) {
		run_result(run, false, "", "%s has no mconsole now", inst->cfg->name);
		return;
	}
	run->ticket = xcalloc(1, sizeof(*run->ticket));
	run->ticket->run = run;
	mconsole_session_request(inst->mc, run->cur->ipv6 ? "proc sys/net/ipv6/conf/all/forwarding" :
	    "proc sys/net/ipv4/ip_forward", RUN_MCONSOLE_TIMEOUT_MS, forwarding_on_reply, run->ticket);
}

/* ---- frames: a tap on the switch ---- */

static void frames_stop_tap(struct check_run *run)
{
	ev_timer_stop(run->sup->loop, &run->timer);
	if (run->tap != NULL)
		switch_tap_close(run->tap_sw, run->tap);
	run->tap = NULL;
}

static void frames_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct check_run *run = w->data;
	const struct check_spec *c = run->cur;
	struct switch_tap_frame f;
	/* By the cable's owner: a switch's trunk (SWITCH.trunk0) is no instance's. */
	while (run->frames_seen < c->min && switch_tap_next(run->tap, &f))
		if (c->on[0] == '\0' || f.owner == run->frames_owner)
			run->frames_seen++;
	uint64_t now = clock_ms();
	if (run->frames_seen < c->min && now < run->frames_until_ms)
		return;
	frames_stop_tap(run);
	struct strbuf what = { 0 };
	strbuf_printf(&what, "%s", c->proto == CHECK_PROTO_ANY ? "" : check_proto_name(c->proto));
	if (c->port)
		strbuf_printf(&what, " port %u", c->port);
	strbuf_printf(&what, "%sframes%s%s", what.len ? " " : "", c->on[0] ? " from " : "", c->on);
	char *desc = strbuf_take(&what);
	char *expected = xasprintf("at least %u %s on %s within %u s", c->min, desc, c->sw,
	    c->within_s);
	run_result(run, run->frames_seen >= c->min, expected, "%s carried %u %s in %.1f s%s", c->sw,
	    run->frames_seen, desc, (double)(now - run->frames_start_ms) / 1000.0,
	    run->frames_seen >= c->min ? "" : " (is something sending them?)");
	free(expected);
	free(desc);
}

static void start_frames(struct check_run *run)
{
	const struct check_spec *c = run->cur;
	const struct lab_switch *ls = lab_switch_find(run->sup->lab, c->sw);
	if (ls == NULL) {
		run_result(run, false, "", "lab %s has no switch %s", run->sup->lab->name, c->sw);
		return;
	}
	struct instance *from = NULL;
	if (c->on[0] != '\0' && (from = run_instance(run, c->on, false)) == NULL)
		return;
	run->frames_owner = from != NULL ?
	    supervisor_cable_owner((size_t)(from - run->sup->instances)) : 0;
	static const char *const exprs[] = { "", "arp", "icmp", "tcp", "udp", "icmp6" };
	char *expr = c->port ? xasprintf("%s port %u", exprs[c->proto], c->port) :
	    xstrdup(exprs[c->proto]);
	char *cause = NULL;
	run->tap_sw = run->sup->switches[ls - run->sup->lab->switches];
	run->tap = check_tap_open(run->tap_sw, expr, FRAMES_RING, &cause);
	free(expr);
	if (run->tap == NULL) {
		run_result(run, false, "", "cannot watch %s: %s", c->sw, cause);
		free(cause);
		return;
	}
	run->frames_seen = 0;
	run->frames_start_ms = clock_ms();
	run->frames_until_ms = run->frames_start_ms + c->within_s * 1000ULL;
	ev_timer_init(&run->timer, frames_on_timer, FRAMES_POLL_S, FRAMES_POLL_S);
	run->timer.data = run;
	ev_timer_start(run->sup->loop, &run->timer);
}

/* ---- vlan, stp: what the switches have now ---- */

static void start_switch_check(struct check_run *run)
{
	char *expected = NULL, *seen = NULL;
	bool ok = run->cur->kind == CHECK_VLAN ?
	    check_vlan_judge(run->sup, run->cur, &expected, &seen) :
	    check_stp_judge(run->sup, run->cur, &expected, &seen);
	run_result(run, ok, expected != NULL ? expected : "", "%s", seen != NULL ? seen : "");
	free(expected);
	free(seen);
}

/* ---- the run ---- */

typedef void (*start_fn)(struct check_run *run);
static const start_fn starters[] = {
	[CHECK_REACH] = start_ping, [CHECK_NO_REACH] = start_ping, [CHECK_PATH] = start_ping,
	[CHECK_IFACE] = start_iface, [CHECK_ROUTE] = start_route,
	[CHECK_FORWARDING] = start_forwarding, [CHECK_COMMAND] = start_command,
	[CHECK_FRAMES] = start_frames, [CHECK_VLAN] = start_switch_check,
	[CHECK_STP] = start_switch_check,
};

static void run_next(struct check_run *run)
{
	do {
		run->again = false;
		if (run->next == run->list->n) {
			run->on_done(run->arg);
			return;
		}
		run->cur = &run->list->v[run->next++];
		run->inst = NULL;
		if (run->sup->stopping) {
			run->in_step = true;
			run_result(run, false, "", "the lab is going down");
			run->in_step = false;
			continue;
		}
		run->in_step = true;
		starters[run->cur->kind](run);
		run->in_step = false;
	} while (run->again);
}

static void run_on_start(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run_next(w->data);
}

struct check_run *check_run_start(struct supervisor *sup, struct check_list *list,
    check_result_fn on_result, check_done_fn on_done, void *arg)
{
	struct check_run *run = xcalloc(1, sizeof(*run));
	run->sup = sup;
	run->list = list;
	run->on_result = on_result;
	run->on_done = on_done;
	run->arg = arg;
	/* From the loop, so that no callback runs before the caller has the run. */
	ev_timer_init(&run->timer, run_on_start, 0., 0.);
	run->timer.data = run;
	ev_timer_start(sup->loop, &run->timer);
	return run;
}

void check_run_cancel(struct check_run *run)
{
	if (run == NULL)
		return;
	if (run->exec_id != 0 && run->inst != NULL && run->inst->guest != NULL)
		guest_exec_cancel(run->inst->guest, run->exec_id);
	if (run->ticket != NULL)
		run->ticket->run = NULL;
	frames_stop_tap(run);
	echo_watch_free(run->watch);
	free(run->out.s);
	checks_free(run->list);
	free(run);
}
