/* core/checks/check_evidence.c: taps on every switch during a ping, and what they saw of it. */
#include "core/checks/check_evidence.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "core/capture/filter.h"
#include "core/supervisor/instance.h"
#include "core/supervisor/supervisor.h"
#include "core/supervisor/switches.h"
#include "core/base/util.h"
#include "switch/switch.h"

#define ECHO_RING 512		/* frames per switch and tap between two drains */
#define ECHO_RING_STRICT 1024	/* every frame, for no_reach strict */
#define ECHO_RECS_MAX 16384	/* records kept of one ping */
#define ECHO_DRAIN_S 0.05	/* how often the taps are read while the ping runs */

struct echo_watch {
	struct supervisor *sup;
	unsigned tag;
	int src, owner;			/* instance indices; owner -1 for none */
	bool strict;
	size_t n_sw;
	struct switch_tap **in;		/* per switch: frames taken in; NULL once stopped */
	struct switch_tap **del;	/* per switch: frames delivered */
	ev_timer drain;
	bool draining;
	struct echo_rec *recs;
	size_t n_recs, cap_recs;
	uint64_t lost;			/* frames not kept: rings full, or too many */
};

/* A switch-wide tap (every frame the switch receives, once) with a tcpdump filter. */
static struct switch_tap *tap_open(struct sw *sw, const char *expr, bool deliveries,
    unsigned ring, char **cause)
{
	struct bpf_program prog = { 0 };
	if (expr[0] != '\0' && filter_compile_trusted(expr, &prog, cause) != 0)
		return NULL;
	struct switch_tap_opts o = { .deliveries = deliveries, .filter = prog.bf_insns,
	    .filter_len = prog.bf_len, .ring_frames = ring };
	struct switch_tap *t = switch_tap_open(sw, &o, cause);
	pcap_freecode(&prog);
	return t;
}

struct switch_tap *check_tap_open(struct sw *sw, const char *expr, unsigned ring, char **cause)
{
	return tap_open(sw, expr, false, ring, cause);
}

unsigned echo_watch_tag(void)
{
	static unsigned n;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 0x11 + (unsigned)((ts.tv_nsec / 1000 + 7919u * ++n) % 0xee);
}

static void echo_port_set(const struct echo_watch *w, struct echo_port *p, const char *label,
    uint32_t owner)
{
	p->inst = supervisor_owner_index(w->sup, owner);
	char *link = supervisor_link_owner_name(w->sup->lab, owner);
	p->link = link != NULL;
	str_copy(p->label, sizeof(p->label), link != NULL ? link : label != NULL ? label : "");
	free(link);
}

/* expr, or the same inside an 802.1Q tag (frames on trunks). */
static char *vlan_either(const char *expr)
{
	return xasprintf("(%s) or (vlan and (%s))", expr, expr);
}

/* Keep a frame a tap read, if it matters to the ping. */
static void echo_record(struct echo_watch *w, size_t sw, bool delivered,
    const struct switch_tap_frame *f)
{
	struct echo_rec r = { .kind = delivered ? ECHO_REC_DELIVERED : ECHO_REC_IN, .sw = sw,
	    .ts_ns = f->ts_ns };
	echo_port_set(w, &r.port, f->port, f->owner);
	echo_port_set(w, &r.from, f->from, f->from_owner);
	if (!delivered)
		r.from.inst = -1;
	echo_rec_parse(&r, f->data, f->len, w->tag);
	bool keep = r.tagged || (!delivered && (r.type == ECHO_ARP || r.type == ECHO_NS));
	if (!keep && w->strict)
		/* Everything of src's, and what reached owner from where the switch
		 * did not keep (matched to what src sent by its bytes). */
		keep = (delivered ? r.from.inst : r.port.inst) == w->src ||
		    (delivered && r.port.inst == w->owner && r.from.label[0] == '\0');
	if (!keep)
		return;
	if (w->n_recs == ECHO_RECS_MAX) {
		w->lost++;
		return;
	}
	if (w->n_recs == w->cap_recs) {
		w->cap_recs = w->cap_recs ? w->cap_recs * 2 : 64;
		w->recs = xreallocarray(w->recs, w->cap_recs, sizeof(*w->recs));
	}
	w->recs[w->n_recs++] = r;
}

static void echo_watch_drain(struct echo_watch *w)
{
	struct switch_tap_frame f;
	for (size_t i = 0; i < w->n_sw; i++) {
		while (w->in[i] != NULL && switch_tap_next(w->in[i], &f))
			echo_record(w, i, false, &f);
		while (w->del[i] != NULL && switch_tap_next(w->del[i], &f))
			echo_record(w, i, true, &f);
	}
}

static void echo_watch_on_drain(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	echo_watch_drain(t->data);
}

struct echo_watch *echo_watch_start(struct supervisor *sup, unsigned tag, const char *src,
    const char *owner, bool strict, char **cause)
{
	struct echo_watch *w = xcalloc(1, sizeof(*w));
	w->sup = sup;
	w->tag = tag;
	struct instance *si = supervisor_instance(sup, src);
	struct instance *oi = owner != NULL ? supervisor_instance(sup, owner) : NULL;
	w->src = si != NULL ? (int)(si - sup->instances) : -1;
	w->owner = oi != NULL ? (int)(oi - sup->instances) : -1;
	w->strict = strict;
	w->n_sw = sup->lab->n_switches;
	w->in = xcalloc(w->n_sw + 1, sizeof(*w->in));
	w->del = xcalloc(w->n_sw + 1, sizeof(*w->del));
	/* The payload pattern at two places past the guest ping's timestamp (at
	 * most 16 bytes): this ping's frames only, ICMP or ICMPv6 (at the same
	 * offsets; libpcap's icmp6[] assumes no extension header, and pings
	 * carry none). And every ARP request and neighbour solicitation (who
	 * tried). For strict, every frame: echo_record keeps what matters. */
	char *echo = xasprintf("(icmp and (icmp[icmptype] = icmp-echo or icmp[icmptype] = "
	    "icmp-echoreply) and icmp[30] = %u and icmp[50] = %u) or (icmp6 and (icmp6[0] = 128 or "
	    "icmp6[0] = 129) and icmp6[30] = %u and icmp6[50] = %u)", tag, tag, tag, tag);
	char *in_echo = xasprintf("%s or arp[6:2] = 1 or (icmp6 and icmp6[0] = 135)", echo);
	char *in_expr = strict ? xstrdup("") : vlan_either(in_echo);
	char *del_expr = strict ? xstrdup("") : vlan_either(echo);
	free(in_echo);
	unsigned ring = strict ? ECHO_RING_STRICT : ECHO_RING;
	int rc = 0;
	for (size_t i = 0; i < w->n_sw && rc == 0; i++) {
		w->in[i] = tap_open(sup->switches[i], in_expr, false, ring, cause);
		w->del[i] = w->in[i] == NULL ? NULL :
		    tap_open(sup->switches[i], del_expr, true, ring, cause);
		rc = w->del[i] == NULL ? -1 : 0;
	}
	free(echo);
	free(in_expr);
	free(del_expr);
	if (rc != 0) {
		echo_watch_free(w);
		return NULL;
	}
	ev_timer_init(&w->drain, echo_watch_on_drain, ECHO_DRAIN_S, ECHO_DRAIN_S);
	w->drain.data = w;
	ev_timer_start(sup->loop, &w->drain);
	w->draining = true;
	return w;
}

static void echo_watch_close(struct echo_watch *w)
{
	if (w->draining)
		ev_timer_stop(w->sup->loop, &w->drain);
	w->draining = false;
	for (size_t i = 0; i < w->n_sw; i++) {
		struct switch_tap **taps[2] = { &w->in[i], &w->del[i] };
		for (int k = 0; k < 2; k++) {
			if (*taps[k] == NULL)
				continue;
			uint64_t captured, dropped;
			switch_tap_counts(*taps[k], &captured, &dropped);
			w->lost += dropped;
			switch_tap_close(w->sup->switches[i], *taps[k]);
			*taps[k] = NULL;
		}
	}
}

void echo_watch_stop(struct echo_watch *w)
{
	/* The guest may have read a reply before its switch thread, preempted
	 * between sending it and recording the delivery, pushed the record. */
	for (size_t i = 0; i < w->n_sw; i++)
		if (w->sup->switches[i] != NULL)
			switch_sync(w->sup->switches[i]);
	echo_watch_drain(w);
	echo_watch_close(w);
}

void echo_watch_free(struct echo_watch *w)
{
	if (w == NULL)
		return;
	echo_watch_close(w);
	free(w->in);
	free(w->del);
	free(w->recs);
	free(w);
}

/* Whether interface f of instance in has t's address, by the topology. */
static bool iface_has(const struct lab *lab, const struct lab_instance *in, const struct lab_iface *f,
    const struct echo_target *t)
{
	struct lab_addr a[LAB_IFACE_ADDRS_MAX + 1];
	size_t n = 0;
	for (unsigned i = 0; i < f->n_addrs; i++)
		a[n++] = f->addrs[i];
	if (t->ipv6) {	/* what the lab gives it besides (a walk of the lab: IPv6 only) */
		n += lab_iface_slaac(lab, in, f, a + n, LAB_IFACE_ADDRS_MAX - n);
		if (lab_instance_ipv6(lab, in))
			lab_iface_link_local(f, &a[n++]);
	}
	for (size_t i = 0; i < n; i++) {
		struct in6_addr m = a[i].family == AF_INET ? echo_addr_v4(a[i].in4) : a[i].in6;
		if (memcmp(&m, &t->addr, sizeof(m)) == 0)
			return true;
	}
	return false;
}

static bool link_local(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* The switch of src's interface t->dev; -1 when t is not link-local, or not known. */
static long target_switch(const struct supervisor *sup, const char *src, const struct echo_target *t)
{
	struct instance *si = src != NULL ? supervisor_instance((struct supervisor *)sup, src) : NULL;
	const struct instance_iface *f = si != NULL && link_local(&t->addr) ?
	    instance_iface_find(si, t->dev) : NULL;
	return f != NULL ? (long)f->cfg.sw : -1;
}

/* Whether the guest of instance in says interface name has t's address (set by a startup
 * script or a student, or made by its kernel: link-local, SLAAC). */
static bool guest_has(const struct instance *in, const char *name, const struct echo_target *t)
{
	struct lab_addr a = { .family = t->ipv6 ? AF_INET6 : AF_INET };
	if (t->ipv6)
		a.in6 = t->addr;
	else
		memcpy(&a.in4, t->addr.s6_addr + 12, 4);
	return guest_net_find(&in->net.cur, &a, name) != NULL;
}

/* The interface of an instance with t's address (on switch sw, for a link-local one): by the
 * topology, or (guest) as its guest says. */
static const struct instance_iface *owner_iface(const struct supervisor *sup, const struct instance *in,
    const struct echo_target *t, long sw, bool guest)
{
	if (link_local(&t->addr) && sw < 0)
		return NULL;
	for (size_t k = 0; k < in->n_ifaces; k++) {
		const struct lab_iface *f = &in->ifaces[k].cfg;
		if ((sw < 0 || (long)f->sw == sw) && (guest ? guest_has(in, f->name, t) :
		    iface_has(sup->lab, in->cfg, f, t)))
			return &in->ifaces[k];
	}
	return NULL;
}

/* The switch of the interface of owner that has t's address. */
static const char *owner_switch(const struct supervisor *sup, const char *src, int owner,
    const struct echo_target *t)
{
	if (owner < 0)
		return NULL;
	long sw = target_switch(sup, src, t);
	const struct instance_iface *f = owner_iface(sup, &sup->instances[owner], t, sw, false);
	if (f == NULL)
		f = owner_iface(sup, &sup->instances[owner], t, sw, true);
	return f != NULL ? sup->lab->switches[f->cfg.sw].name : NULL;
}

void echo_watch_judge(struct echo_watch *w, const struct echo_target *target,
    const char *const *via, size_t n_via, struct echo_verdict *v)
{
	const struct lab *lab = w->sup->lab;
	const char **insts = xcalloc(lab->n_instances + 1, sizeof(*insts));
	const char **sws = xcalloc(lab->n_switches + 1, sizeof(*sws));
	int *via_i = xcalloc(n_via + 1, sizeof(*via_i));
	for (size_t i = 0; i < lab->n_instances; i++)
		insts[i] = w->sup->instances[i].cfg->name;
	for (size_t i = 0; i < lab->n_switches; i++)
		sws[i] = lab->switches[i].name;
	for (size_t i = 0; i < n_via; i++) {
		struct instance *in = supervisor_instance(w->sup, via[i]);
		via_i[i] = in != NULL ? (int)(in - w->sup->instances) : -1;
	}
	const char *src = w->src >= 0 ? insts[w->src] : NULL;
	struct echo_case c = { .recs = w->recs, .n_recs = w->n_recs, .instances = insts,
	    .n_instances = lab->n_instances, .switches = sws, .n_switches = lab->n_switches,
	    .src = w->src, .target = target->addr, .owner = w->owner,
	    .owner_switch = owner_switch(w->sup, src, w->owner, target), .via = via_i,
	    .n_via = n_via, .lost = w->lost };
	echo_judge(&c, v);
	free(insts);
	free(sws);
	free(via_i);
}

char *echo_ping_command(unsigned count, unsigned tag, const struct echo_target *target)
{
	/* A fast interval, and -W so an absent peer fails within a second of
	 * the last probe (busybox ping otherwise waits 10 s). */
	return xasprintf("ping %s-q -c %u -i 0.2 -W 1 -p %02x %s", target->ipv6 ? "-6 " : "", count,
	    tag, target->text);
}

bool echo_guest_claims_replies(const char *output, int status)
{
	const char *p = strstr(output, "packets transmitted, ");
	unsigned long got;
	if (p != NULL && sscanf(p, "packets transmitted, %lu", &got) == 1)
		return got > 0;
	return status == 0;
}

const char *echo_address_owner(const struct supervisor *sup, const char *src,
    const struct echo_target *t)
{
	long sw = target_switch(sup, src, t);
	/* The file's addresses first, then those set inside a guest, as the guest says. */
	for (int guest = 0; guest < 2; guest++)
		for (size_t i = 0; i < sup->lab->n_instances; i++)
			if (owner_iface(sup, &sup->instances[i], t, sw, guest) != NULL)
				return sup->instances[i].cfg->name;
	/* Then a guest's address on an interface with no cable (a router's
	 * loopback on lo): its owner, reached through its other interfaces. */
	for (size_t i = 0; !link_local(&t->addr) && i < sup->lab->n_instances; i++)
		if (guest_has(&sup->instances[i], NULL, t))
			return sup->instances[i].cfg->name;
	return NULL;
}

static void target_set(struct echo_target *t, const struct lab_addr *a, const char *dev)
{
	memset(t, 0, sizeof(*t));
	t->ipv6 = a->family == AF_INET6;
	t->addr = t->ipv6 ? a->in6 : echo_addr_v4(a->in4);
	str_copy(t->dev, sizeof(t->dev), dev != NULL ? dev : "");
	char ip[LAB_ADDR_TEXT_MAX];
	snprintf(t->text, sizeof(t->text), "%s%s%s", lab_addr_format(a, false, ip), t->dev[0] ? "%" : "",
	    t->dev);
}

/* An instance's address of a family to ping: its own, else (IPv6) one SLAAC gives it. */
static bool instance_address(const struct supervisor *sup, const struct instance *peer, int family,
    struct lab_addr *out)
{
	for (size_t i = 0; i < peer->n_ifaces; i++) {
		const struct lab_addr *a = lab_iface_addr(&peer->ifaces[i].cfg, family, false);
		if (a != NULL) {
			*out = *a;
			return true;
		}
	}
	for (size_t i = 0; family == AF_INET6 && i < peer->n_ifaces; i++)
		if (lab_iface_slaac(sup->lab, peer->cfg, &peer->ifaces[i].cfg, out, 1) == 1)
			return true;
	return false;
}

int echo_target_resolve(const struct supervisor *sup, const char *src, const char *target,
    int family, struct echo_target *t, char **cause)
{
	struct instance *peer = supervisor_instance((struct supervisor *)sup, target);
	struct lab_addr a;
	if (peer != NULL) {
		if ((family != AF_INET6 && instance_address(sup, peer, AF_INET, &a)) ||
		    (family != AF_INET && instance_address(sup, peer, AF_INET6, &a))) {
			target_set(t, &a, NULL);
			return 0;
		}
		/* None in the file: one its guest set (IPv4 first, as above). */
		const struct guest_net_addr *g = family != AF_INET6 ?
		    guest_net_first(&peer->net.cur, AF_INET) : NULL;
		if (g == NULL && family != AF_INET)
			g = guest_net_first(&peer->net.cur, AF_INET6);
		if (g != NULL) {
			target_set(t, &g->addr, NULL);
			return 0;
		}
		if (family == AF_INET6)
			return set_cause(cause, "instance %s has no IPv6 address to ping (give it one "
			    "in `ip:`, or put a router with `ra: true` on its switch)", target);
		return set_cause(cause, "instance %s has no %saddress to ping", target,
		    family == AF_INET ? "IPv4 " : "");
	}
	char text[ECHO_ADDR_TEXT_MAX + 20];
	str_copy(text, sizeof(text), target);
	char *pct = strchr(text, '%');
	if (pct != NULL)
		*pct++ = '\0';
	if (!lab_addr_parse(text, false, &a) || strchr(text, '/') != NULL)
		return set_cause(cause, "%s is neither an instance of lab %s nor an IP address", target,
		    sup->lab->name);
	if (family != 0 && a.family != family)
		return set_cause(cause, "%s is an %s address, and an %s one was asked for (-%c)", target,
		    a.family == AF_INET ? "IPv4" : "IPv6", family == AF_INET ? "IPv4" : "IPv6",
		    family == AF_INET ? '4' : '6');
	bool ll = lab_addr_link_local(&a);
	struct instance *si = supervisor_instance((struct supervisor *)sup, src);
	const char *dev = NULL;
	if (pct != NULL && !ll)
		return set_cause(cause, "%s: only a link-local address takes an interface (%%%s)", target,
		    pct);
	if (ll && pct != NULL) {
		if (si == NULL || instance_iface_find(si, pct) == NULL)
			return set_cause(cause, "%s: %s has no interface %s", target, src, pct);
		dev = pct;
	} else if (ll) {
		if (si == NULL || si->n_ifaces != 1)
			return set_cause(cause, "%s is a link-local address, which is on every link: say "
			    "which of %s's interfaces, such as %s%%eth0", target, src, target);
		dev = si->ifaces[0].cfg.name;
	}
	target_set(t, &a, dev);
	return 0;
}
