/* core/checks/check_evidence.c: taps on every switch during a ping, and what they saw of it. */
#include "core/checks/check_evidence.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/capture/filter.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"
#include "switch/switch.h"

#define ECHO_RING 512		/* frames per switch during one ping: a few dozen at most */
#define ECHO_FRAMES_MAX 4096

struct echo_frame {
	size_t sw;			/* index of the switch */
	char port[64];			/* the cable it came in on ("umlA.eth0") */
	char owner[LAB_NAME_MAX + 1];	/* the instance of that cable, "" for a daemon port */
	bool reply;
	bool arp;			/* an ARP request: src asks who has dst */
	uint32_t src, dst;		/* IPv4, network order */
	uint16_t id, seq;
	uint8_t eth_dst[6], eth_src[6];
	uint64_t ts_ns;
};

struct echo_watch {
	struct supervisor *sup;
	struct switch_tap **taps;	/* one per switch; NULL once stopped */
	size_t n_taps;
	struct echo_frame *frames;
	size_t n_frames, cap_frames;
};

/* A switch-wide tap (every frame the switch receives, once) with a tcpdump filter. */
struct switch_tap *check_tap_open(struct sw *sw, const char *expr, unsigned ring, char **cause)
{
	struct bpf_program prog = { 0 };
	if (expr[0] != '\0' && filter_compile_trusted(expr, &prog, cause) != 0)
		return NULL;
	struct switch_tap_opts o = { .filter = prog.bf_insns, .filter_len = prog.bf_len,
	    .ring_frames = ring };
	struct switch_tap *t = switch_tap_open(sw, &o, cause);
	pcap_freecode(&prog);
	return t;
}

unsigned echo_watch_tag(void)
{
	static unsigned n;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 0x11 + (unsigned)((ts.tv_nsec / 1000 + 7919u * ++n) % 0xee);
}

struct echo_watch *echo_watch_start(struct supervisor *sup, unsigned tag, char **cause)
{
	struct echo_watch *w = xcalloc(1, sizeof(*w));
	w->sup = sup;
	w->n_taps = sup->lab->n_switches;
	w->taps = xcalloc(w->n_taps + 1, sizeof(*w->taps));
	/* The payload pattern at two places past the guest ping's timestamp (at most
	 * 16 bytes): this ping's frames only. And every ARP request (who tried). */
	char *expr = xasprintf("icmp and (icmp[icmptype] = icmp-echo or icmp[icmptype] = "
	    "icmp-echoreply) and icmp[30] = %u and icmp[50] = %u or arp[6:2] = 1", tag, tag);
	for (size_t i = 0; i < w->n_taps; i++) {
		w->taps[i] = check_tap_open(sup->switches[i], expr, ECHO_RING, cause);
		if (w->taps[i] == NULL) {
			free(expr);
			echo_watch_free(w);
			return NULL;
		}
	}
	free(expr);
	return w;
}

static void echo_record(struct echo_watch *w, size_t sw, const struct switch_tap_frame *f)
{
	const unsigned char *d = f->data;
	bool arp = f->len >= 14 + 28 && d[12] == 0x08 && d[13] == 0x06;
	if (!arp && (f->len < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00))
		return;
	if (w->n_frames == ECHO_FRAMES_MAX)
		return;
	const unsigned char *ip = d + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (!arp && (ihl < 20 || f->len < 14 + ihl + 8))
		return;
	const unsigned char *icmp = ip + ihl;
	if (w->n_frames == w->cap_frames) {
		w->cap_frames = w->cap_frames ? w->cap_frames * 2 : 32;
		w->frames = xreallocarray(w->frames, w->cap_frames, sizeof(*w->frames));
	}
	struct echo_frame *e = &w->frames[w->n_frames++];
	memset(e, 0, sizeof(*e));
	e->sw = sw;
	str_copy(e->port, sizeof(e->port), f->port);
	/* A cable is named INSTANCE.IFACE; a daemon-protocol port SWITCH.portN. */
	const char *dot = strchr(f->port, '.');
	if (dot != NULL && (size_t)(dot - f->port) <= LAB_NAME_MAX) {
		char name[LAB_NAME_MAX + 1];
		memcpy(name, f->port, (size_t)(dot - f->port));
		name[dot - f->port] = '\0';
		if (supervisor_instance(w->sup, name) != NULL)
			str_copy(e->owner, sizeof(e->owner), name);
	}
	memcpy(e->eth_dst, d, 6);
	memcpy(e->eth_src, d + 6, 6);
	e->ts_ns = f->ts_ns;
	if (arp) {
		e->arp = true;
		memcpy(&e->src, ip + 14, 4);	/* sender protocol address */
		memcpy(&e->dst, ip + 24, 4);	/* target protocol address */
		return;
	}
	e->reply = icmp[0] == 0;
	memcpy(&e->src, ip + 12, 4);
	memcpy(&e->dst, ip + 16, 4);
	e->id = (uint16_t)(icmp[4] << 8 | icmp[5]);
	e->seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
}

void echo_watch_stop(struct echo_watch *w)
{
	for (size_t i = 0; i < w->n_taps; i++) {
		if (w->taps[i] == NULL)
			continue;
		struct switch_tap_frame f;
		while (switch_tap_next(w->taps[i], &f))
			echo_record(w, i, &f);
		switch_tap_close(w->sup->switches[i], w->taps[i]);
		w->taps[i] = NULL;
	}
}

void echo_watch_free(struct echo_watch *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n_taps; i++)
		if (w->taps[i] != NULL)
			switch_tap_close(w->sup->switches[i], w->taps[i]);
	free(w->taps);
	free(w->frames);
	free(w);
}

static int frame_ts_cmp(const void *a, const void *b)
{
	const struct echo_frame *x = *(const struct echo_frame *const *)a,
	    *y = *(const struct echo_frame *const *)b;
	return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

/* Add name to a comma-separated list of senders unless it is there. */
static void sender_add(char *list, size_t size, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-2] == ',') && (p[n] == '\0' || p[n] == ','))
			return;
	snprintf(list + strlen(list), size - strlen(list), "%s%s", list[0] ? ", " : "", name);
}

void echo_judge(const struct echo_watch *w, const char *src, struct in_addr target,
    const char *owner, const char *const *via, size_t n_via, struct echo_verdict *v)
{
	const struct lab *lab = w->sup->lab;
	memset(v, 0, sizeof(*v));
	/* src's own requests: where it sent them, from which IP and MAC. */
	const struct echo_frame *first = NULL;
	for (size_t i = 0; i < w->n_frames; i++) {
		const struct echo_frame *e = &w->frames[i];
		if (e->arp) {
			if (strcmp(e->owner, src) == 0)
				v->arp_from_src++;
			continue;
		}
		if (!e->reply && e->dst == target.s_addr && strcmp(e->owner, src) == 0) {
			v->requests_from_src++;
			if (first == NULL)
				first = e;
		}
	}
	if (first != NULL)
		v->src_switch = lab->switches[first->sw].name;
	for (size_t i = 0; first != NULL && i < w->n_frames; i++) {
		const struct echo_frame *e = &w->frames[i];
		if (e->arp || !e->reply || e->src != target.s_addr || e->dst != first->src)
			continue;
		if (owner != NULL && strcmp(e->owner, owner) == 0)
			v->replies_from_owner++;
		sender_add(v->repliers, sizeof(v->repliers), e->owner[0] ? e->owner : e->port);
		if (e->sw == first->sw && strcmp(e->owner, src) != 0 &&
		    memcmp(e->eth_dst, first->eth_src, 6) == 0)
			v->replies_to_src++;
	}
	/* Per switch: requests and replies of this ping, and who sent them. */
	struct strbuf b = { 0 };
	for (size_t s = 0; s < lab->n_switches; s++) {
		unsigned req = 0, rep = 0;
		char req_from[256] = "", rep_from[256] = "";
		for (size_t i = 0; i < w->n_frames; i++) {
			const struct echo_frame *e = &w->frames[i];
			if (e->sw != s || e->arp)
				continue;
			const char *who = e->owner[0] ? e->owner : e->port;
			if (!e->reply && e->dst == target.s_addr) {
				req++;
				sender_add(req_from, sizeof(req_from), who);
			} else if (e->reply && e->src == target.s_addr) {
				rep++;
				sender_add(rep_from, sizeof(rep_from), who);
			}
		}
		if (req == 0 && rep == 0)
			continue;
		strbuf_printf(&b, "%s%s: %u echo request%s", b.len ? "; " : "", lab->switches[s].name,
		    req, req == 1 ? "" : "s");
		if (req)
			strbuf_printf(&b, " (from %s)", req_from);
		strbuf_printf(&b, ", %u echo repl%s", rep, rep == 1 ? "y" : "ies");
		if (rep)
			strbuf_printf(&b, " (from %s)", rep_from);
	}
	if (b.len == 0)
		strbuf_printf(&b, "no switch carried an echo request or reply of it");
	if (v->requests_from_src == 0 && v->arp_from_src > 0)
		strbuf_printf(&b, " (%s sent %u ARP request%s, and no echo request followed)", src,
		    v->arp_from_src, v->arp_from_src == 1 ? "" : "s");
	v->carried = strbuf_take(&b);
	/* Hops: the senders of each of src's requests, in time order, across switches. */
	if (first == NULL) {
		v->hops = xstrdup("");
		return;
	}
	const struct echo_frame **seq = xcalloc(w->n_frames + 1, sizeof(*seq));
	char *shown = NULL;
	for (size_t i = 0; i < w->n_frames; i++) {
		const struct echo_frame *r = &w->frames[i];
		if (r->arp || r->reply || r->dst != target.s_addr || strcmp(r->owner, src) != 0)
			continue;
		size_t n = 0;
		for (size_t j = 0; j < w->n_frames; j++) {
			const struct echo_frame *e = &w->frames[j];
			if (!e->arp && !e->reply && e->id == r->id && e->seq == r->seq && e->src == r->src &&
			    e->dst == r->dst)
				seq[n++] = e;
		}
		qsort(seq, n, sizeof(*seq), frame_ts_cmp);
		struct strbuf h = { 0 };
		bool match = n == n_via + 1;
		for (size_t j = 0; j < n; j++) {
			const char *who = seq[j]->owner[0] ? seq[j]->owner : seq[j]->port;
			strbuf_printf(&h, "%s%s", j ? " > " : "", who);
			if (match && j > 0 && strcmp(who, via[j - 1]) != 0)
				match = false;
		}
		char *text = strbuf_take(&h);
		if (match)
			v->hops_match = true;
		if (shown == NULL || match) {
			free(shown);
			shown = text;
		} else {
			free(text);
		}
		if (v->hops_match)
			break;
	}
	free(seq);
	v->hops = shown != NULL ? shown : xstrdup("");
}

void echo_verdict_free(struct echo_verdict *v)
{
	free(v->carried);
	free(v->hops);
	v->carried = v->hops = NULL;
}

char *echo_ping_command(unsigned count, unsigned tag, struct in_addr target)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &target, ip, sizeof(ip));
	/* A fast interval, and -W so an absent peer fails within a second of
	 * the last probe (busybox ping otherwise waits 10 s). */
	return xasprintf("ping -q -c %u -i 0.2 -W 1 -p %02x %s", count, tag, ip);
}

bool echo_guest_claims_replies(const char *output, int status)
{
	const char *p = strstr(output, "packets transmitted, ");
	unsigned long got;
	if (p != NULL && sscanf(p, "packets transmitted, %lu", &got) == 1)
		return got > 0;
	return status == 0;
}

const char *echo_address_owner(const struct supervisor *sup, struct in_addr a)
{
	for (size_t i = 0; i < sup->lab->n_instances; i++) {
		const struct instance *in = &sup->instances[i];
		for (size_t k = 0; k < in->n_ifaces; k++)
			if (in->ifaces[k].cfg.has_addr && in->ifaces[k].cfg.addr.s_addr == a.s_addr)
				return in->cfg->name;
	}
	/* An address set inside a guest (a startup script, a student): as the guest says. */
	for (size_t i = 0; i < sup->lab->n_instances; i++)
		if (guest_net_find(&sup->instances[i].net.cur, a) != NULL)
			return sup->instances[i].cfg->name;
	return NULL;
}

int echo_target_address(const struct supervisor *sup, const char *target, struct in_addr *a,
    char **cause)
{
	struct instance *peer = supervisor_instance((struct supervisor *)sup, target);
	if (peer != NULL) {
		for (size_t i = 0; i < peer->n_ifaces; i++) {
			if (peer->ifaces[i].cfg.has_addr) {
				*a = peer->ifaces[i].cfg.addr;
				return 0;
			}
		}
		const struct guest_net_addr *g = guest_net_first(&peer->net.cur);
		if (g != NULL) {
			*a = g->addr;	/* none in the file: the one its guest set */
			return 0;
		}
		return set_cause(cause, "instance %s has no address to ping", target);
	}
	if (inet_pton(AF_INET, target, a) == 1)
		return 0;
	return set_cause(cause, "%s is neither an instance of lab %s nor an IPv4 address", target,
	    sup->lab->name);
}

bool echo_verdict_reached(const struct echo_verdict *v, const char *owner)
{
	return v->requests_from_src > 0 && v->replies_to_src > 0 &&
	    (owner == NULL || v->replies_from_owner > 0);
}

/* The switch of the interface of owner that has address a. */
static const char *owner_switch(const struct supervisor *sup, const char *owner, struct in_addr a)
{
	struct instance *in = supervisor_instance((struct supervisor *)sup, owner);
	for (size_t k = 0; in != NULL && k < in->n_ifaces; k++)
		if (in->ifaces[k].cfg.has_addr && in->ifaces[k].cfg.addr.s_addr == a.s_addr)
			return sup->lab->switches[in->ifaces[k].cfg.sw].name;
	const struct guest_net_addr *g = in != NULL ? guest_net_find(&in->net.cur, a) : NULL;
	const struct instance_iface *li = g != NULL ? instance_iface_find(in, g->iface) : NULL;
	if (li != NULL)
		return sup->lab->switches[li->cfg.sw].name;
	return "any switch";
}

char *echo_disagreement(const struct supervisor *sup, const struct echo_verdict *v,
    const char *src, const char *owner, struct in_addr target, bool claim)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &target, ip, sizeof(ip));
	const char *where = v->src_switch != NULL ? v->src_switch : "any switch";
	if (claim && v->requests_from_src == 0)
		return xasprintf("%s printed replies, but no echo request from %s to %s crossed any "
		    "switch", src, src, ip);
	if (claim && owner != NULL && v->replies_from_owner == 0)
		return xasprintf("%s printed replies, but no echo reply from %s crossed %s%s%s", src,
		    owner, owner_switch(sup, owner, target),
		    v->repliers[0] ? "; the replies came from " : "", v->repliers);
	if (claim && v->replies_to_src == 0)
		return xasprintf("%s printed replies, but no echo reply from %s to %s crossed %s", src,
		    ip, src, where);
	if (!claim && v->replies_to_src > 0)
		return xasprintf("%s printed no replies, but %u echo repl%s from %s to %s crossed %s",
		    src, v->replies_to_src, v->replies_to_src == 1 ? "y" : "ies", ip, src, where);
	return NULL;
}
