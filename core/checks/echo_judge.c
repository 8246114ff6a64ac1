/* core/checks/echo_judge.c: a ping judged by the switches' records: each request and its own reply followed end to end (pure). */
#include "core/checks/echo_judge.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"

#define HOLDERS_MAX 64		/* ports one frame reached: a few per hop */

/* ---- frames ---- */

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct in6_addr echo_addr_v4(struct in_addr a)
{
	struct in6_addr m = { 0 };
	m.s6_addr[10] = m.s6_addr[11] = 0xff;
	memcpy(m.s6_addr + 12, &a, 4);
	return m;
}

void echo_addr_format(const struct in6_addr *a, char buf[ECHO_ADDR_TEXT_MAX])
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		inet_ntop(AF_INET, a->s6_addr + 12, buf, ECHO_ADDR_TEXT_MAX);
	else
		inet_ntop(AF_INET6, a, buf, ECHO_ADDR_TEXT_MAX);
}

static void mapped(struct in6_addr *out, const unsigned char *v4)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(out->s6_addr + 12, v4, 4);
}

/* The ICMP or ICMPv6 message at icmp (end: where the IP packet ends). */
static void echo_icmp(struct echo_rec *r, const unsigned char *d, size_t icmp_at, size_t end,
    unsigned request, unsigned reply, unsigned tag)
{
	const unsigned char *icmp = d + icmp_at;
	if (icmp[0] != request && icmp[0] != reply)
		return;
	r->type = icmp[0] == request ? ECHO_REQUEST : ECHO_REPLY;
	r->id = (uint16_t)(icmp[4] << 8 | icmp[5]);
	r->seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	size_t data = icmp_at + 8;
	r->hash = fnv1a(d + data, end - data);
	/* The pattern where the taps look for it (check_evidence.c). */
	r->tagged = tag != 0 && end > icmp_at + 50 && icmp[30] == tag && icmp[50] == tag;
}

/* IPv6: past the extension headers a ping may carry, to ICMPv6. */
static void echo_parse6(struct echo_rec *r, const unsigned char *d, size_t len, unsigned tag)
{
	const unsigned char *ip = d + 14;
	if (len < 14 + 40 || (ip[0] >> 4) != 6)
		return;
	size_t end = 14 + 40 + ((size_t)ip[4] << 8 | ip[5]);
	if (end > len)
		end = len;	/* a frame shorter than its IP length says: what is there */
	unsigned next = ip[6];
	size_t at = 14 + 40;
	for (int hops = 0; hops < 8 && next != 58; hops++) {
		if (at + 8 > end)
			return;
		if (next == 44) {	/* a fragment: only the first one has the ICMPv6 header */
			if (((d[at + 2] << 8 | d[at + 3]) & 0xfff8) != 0)
				return;
			next = d[at];
			at += 8;
		} else if (next == 0 || next == 43 || next == 60) {
			next = d[at];
			at += ((size_t)d[at + 1] + 1) * 8;
		} else {
			return;
		}
	}
	if (next != 58 || at + 8 > end)
		return;
	const unsigned char *icmp = d + at;
	if (icmp[0] == 135) {	/* neighbour solicitation: its target after 4 reserved bytes */
		static const unsigned char any[16];
		if (at + 24 > end || memcmp(ip + 8, any, 16) == 0)
			return;	/* DAD's (from ::) asks nobody for anything */
		r->type = ECHO_NS;
		memcpy(&r->src, ip + 8, 16);
		memcpy(&r->dst, icmp + 8, 16);
		return;
	}
	echo_icmp(r, d, at, end, 128, 129, tag);
	if (r->type != ECHO_OTHER) {
		memcpy(&r->src, ip + 8, 16);
		memcpy(&r->dst, ip + 24, 16);
	}
}

void echo_rec_parse(struct echo_rec *r, const unsigned char *d, size_t len, unsigned tag)
{
	unsigned char untagged[2048];
	if (len >= 18 && d[12] == 0x81 && d[13] == 0x00 && len - 4 <= sizeof(untagged)) {
		/* An 802.1Q-tagged frame (a trunk's copy) is the frame it carries. */
		memcpy(untagged, d, 12);
		memcpy(untagged + 12, d + 16, len - 16);
		d = untagged;
		len -= 4;
	}
	r->type = ECHO_OTHER;
	r->tagged = false;
	memset(&r->src, 0, sizeof(r->src));
	memset(&r->dst, 0, sizeof(r->dst));
	r->id = r->seq = 0;
	r->hash = 0;
	r->fhash = fnv1a(d, len);
	if (len < 14)
		return;
	unsigned ethertype = (unsigned)d[12] << 8 | d[13];
	if (ethertype == 0x0806) {
		/* Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4, op 1. */
		const unsigned char *a = d + 14;
		if (len >= 14 + 28 && a[0] == 0 && a[1] == 1 && a[2] == 8 && a[3] == 0 && a[4] == 6 &&
		    a[5] == 4 && a[6] == 0 && a[7] == 1) {
			r->type = ECHO_ARP;
			mapped(&r->src, a + 14);
			mapped(&r->dst, a + 24);
		}
		return;
	}
	if (ethertype == 0x86dd) {
		echo_parse6(r, d, len, tag);
		return;
	}
	if (ethertype != 0x0800 || len < 14 + 20)
		return;
	const unsigned char *ip = d + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 1 || ((ip[6] & 0x1f) | ip[7]) != 0 ||
	    len < 14 + ihl + 8)
		return;	/* not IPv4 ICMP, or a fragment past the first */
	size_t end = 14 + ((size_t)ip[2] << 8 | ip[3]);
	if (end > len || end < 14 + ihl + 8)
		end = len;	/* a frame shorter than its IP length says: what is there */
	echo_icmp(r, d, 14 + ihl, end, 8, 0, tag);
	if (r->type != ECHO_OTHER) {
		mapped(&r->src, ip + 12);
		mapped(&r->dst, ip + 16);
	}
}

/* ---- ports and names ---- */

static bool port_known(const struct echo_port *p)
{
	return p->inst >= 0 || p->label[0] != '\0';
}

/* One port: an instance's cables are all one (a router takes a frame in on
 * one and sends it on another); any other port is its label on its switch. */
static bool port_eq(const struct echo_port *a, size_t asw, const struct echo_port *b, size_t bsw)
{
	if (a->inst >= 0 || b->inst >= 0)
		return a->inst == b->inst;
	if (a->link || b->link)	/* one link, whichever end */
		return a->link && b->link && strcmp(a->label, b->label) == 0;
	return asw == bsw && a->label[0] != '\0' && strcmp(a->label, b->label) == 0;
}

static const char *port_name(const struct echo_case *c, const struct echo_port *p)
{
	if (p->inst >= 0 && (size_t)p->inst < c->n_instances)
		return c->instances[p->inst];
	return p->label[0] != '\0' ? p->label : "an unknown port";
}

static const char *inst_name(const struct echo_case *c, int i)
{
	return i >= 0 && (size_t)i < c->n_instances ? c->instances[i] : "?";
}

static const char *sw_name(const struct echo_case *c, size_t sw)
{
	return sw < c->n_switches ? c->switches[sw] : "?";
}

/* Add name to a list "a, b" unless it is there. */
static void names_add(char *list, size_t size, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p != '\0';) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, name, n) == 0)
			return;
		p += k;
		while (*p == ',' || *p == ' ')
			p++;
	}
	size_t used = strlen(list);
	snprintf(list + used, size - used, "%s%s", used ? ", " : "", name);
}

/* ---- frames followed end to end ---- */

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool same_frame(const struct echo_rec *a, const struct echo_rec *b)
{
	return a->type == b->type && addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst) &&
	    a->id == b->id && a->seq == b->seq && a->hash == b->hash;
}

/* A delivery whose origin the switch did not keep (its receiver's cable
 * held it): the frame the same switch last took in with the same bytes. */
static void resolve_origins(struct echo_case *c, bool *inferred)
{
	for (size_t i = 0; i < c->n_recs; i++) {
		struct echo_rec *d = &c->recs[i];
		inferred[i] = false;
		if (d->kind != ECHO_REC_DELIVERED || port_known(&d->from))
			continue;
		const struct echo_rec *best = NULL;
		for (size_t j = 0; j < c->n_recs; j++) {
			const struct echo_rec *r = &c->recs[j];
			if (r->kind == ECHO_REC_IN && r->sw == d->sw && r->fhash == d->fhash &&
			    r->ts_ns <= d->ts_ns && (best == NULL || r->ts_ns >= best->ts_ns))
				best = r;
		}
		if (best != NULL) {
			d->from = best->port;
			inferred[i] = true;
		}
	}
}

/* Who had a frame: a port, since when, and from whom it got it. */
struct holder {
	struct echo_port who;
	size_t sw;
	uint64_t t;
	int pred;		/* index of the holder that handed it on; -1 for the origin */
};

/* The ports frame k reached along chains of custody from origin (which had
 * it at t0): a switch delivered it to each from a port that had it before.
 * holders[0] is the origin; each other holder with its earliest time. */
static size_t spread(const struct echo_case *c, const struct echo_rec *k,
    const struct echo_port *origin, size_t origin_sw, uint64_t t0, struct holder *h)
{
	/* k's deliveries first: the passes below look at those only. */
	size_t m = 0, *ds = xcalloc(c->n_recs + 1, sizeof(*ds));
	for (size_t i = 0; i < c->n_recs; i++)
		if (c->recs[i].kind == ECHO_REC_DELIVERED && same_frame(&c->recs[i], k) &&
		    port_known(&c->recs[i].from))
			ds[m++] = i;
	size_t n = 1;
	h[0] = (struct holder){ .who = *origin, .sw = origin_sw, .t = t0, .pred = -1 };
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < m; i++) {
			const struct echo_rec *d = &c->recs[ds[i]];
			int s = -1;
			for (size_t j = 0; j < n && s < 0; j++)
				if (h[j].t <= d->ts_ns && port_eq(&h[j].who, h[j].sw, &d->from, d->sw))
					s = (int)j;
			if (s < 0)
				continue;
			size_t j = 0;
			while (j < n && !port_eq(&h[j].who, h[j].sw, &d->port, d->sw))
				j++;
			if (j == n && n < HOLDERS_MAX) {
				h[n++] = (struct holder){ .who = d->port, .sw = d->sw, .t = d->ts_ns,
				    .pred = s };
				changed = true;
			} else if (j < n && j > 0 && d->ts_ns < h[j].t) {
				h[j].t = d->ts_ns;
				h[j].pred = s;
				changed = true;
			}
		}
	}
	free(ds);
	return n;
}

/* Whether responder, once it had request k, sent k's own reply (the same
 * identifier, sequence and data, addresses swapped) and that reply was
 * delivered to one of the source's cables along a chain. A responder that
 * was itself handed that reply only passed it on (a router on the way
 * back): it did not answer. */
static bool answered_by(const struct echo_case *c, const struct echo_rec *k,
    const struct holder *responder)
{
	struct echo_rec rk = *k;
	rk.type = ECHO_REPLY;
	rk.src = k->dst;
	rk.dst = k->src;
	for (size_t i = 0; i < c->n_recs; i++) {
		const struct echo_rec *d = &c->recs[i];
		if (d->kind == ECHO_REC_DELIVERED && same_frame(d, &rk) &&
		    port_eq(&d->port, d->sw, &responder->who, responder->sw))
			return false;
	}
	struct holder h[HOLDERS_MAX];
	size_t n = spread(c, &rk, &responder->who, responder->sw, responder->t, h);
	for (size_t j = 1; j < n; j++)
		if (h[j].who.inst == c->src)
			return true;
	return false;
}

/* The earliest delivery of k from prev (which had it at t) to instance next,
 * directly or across links between switches (which are no hop: a link is
 * a cable, not a router). */
static const struct echo_rec *hop_to(const struct echo_case *c, const struct echo_rec *k,
    const struct holder *prev, int next)
{
	struct holder via[HOLDERS_MAX];
	size_t n = 1;
	via[0] = *prev;
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < c->n_recs && n < HOLDERS_MAX; i++) {
			const struct echo_rec *d = &c->recs[i];
			if (d->kind != ECHO_REC_DELIVERED || !d->port.link || !same_frame(d, k) ||
			    !port_known(&d->from))
				continue;
			bool from = false, known = false;
			for (size_t j = 0; j < n; j++) {
				from |= via[j].t <= d->ts_ns && port_eq(&via[j].who, via[j].sw, &d->from, d->sw);
				known |= port_eq(&via[j].who, via[j].sw, &d->port, d->sw);
			}
			if (from && !known) {
				via[n++] = (struct holder){ .who = d->port, .sw = d->sw, .t = d->ts_ns };
				grew = true;
			}
		}
	}
	const struct echo_rec *best = NULL;
	for (size_t i = 0; i < c->n_recs; i++) {
		const struct echo_rec *d = &c->recs[i];
		if (d->kind != ECHO_REC_DELIVERED || !same_frame(d, k) || d->port.inst != next ||
		    !port_known(&d->from) || (best != NULL && d->ts_ns >= best->ts_ns))
			continue;
		for (size_t j = 0; j < n; j++)
			if (via[j].t <= d->ts_ns && port_eq(&via[j].who, via[j].sw, &d->from, d->sw)) {
				best = d;
				break;
			}
	}
	return best;
}

/* Whether request k went by exactly src, via..., and then to the target,
 * which answered it. */
static bool path_matches(const struct echo_case *c, const struct echo_rec *k)
{
	struct holder at = { .who = k->port, .sw = k->sw, .t = 0, .pred = -1 };
	for (size_t i = 0; i < c->n_via; i++) {
		const struct echo_rec *d = hop_to(c, k, &at, c->via[i]);
		if (d == NULL)
			return false;
		at = (struct holder){ .who = d->port, .sw = d->sw, .t = d->ts_ns, .pred = -1 };
	}
	if (c->owner >= 0) {
		const struct echo_rec *d = hop_to(c, k, &at, c->owner);
		if (d == NULL)
			return false;
		struct holder r = { .who = d->port, .sw = d->sw, .t = d->ts_ns, .pred = -1 };
		return answered_by(c, k, &r);
	}
	/* An address no instance has: any port the last hop delivered it to that answered. */
	for (size_t i = 0; i < c->n_recs; i++) {
		const struct echo_rec *d = &c->recs[i];
		if (d->kind == ECHO_REC_DELIVERED && same_frame(d, k) && d->ts_ns >= at.t &&
		    d->port.inst != c->src && port_known(&d->from) &&
		    port_eq(&at.who, at.sw, &d->from, d->sw)) {
			struct holder r = { .who = d->port, .sw = d->sw, .t = d->ts_ns, .pred = -1 };
			if (answered_by(c, k, &r))
				return true;
		}
	}
	return false;
}

static int rec_ts_cmp(const void *a, const void *b)
{
	const struct echo_rec *x = *(const struct echo_rec *const *)a,
	    *y = *(const struct echo_rec *const *)b;
	return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

/* The senders of k as the switches took it in, in time order ("h1 > r1"). */
static char *senders_in_order(const struct echo_case *c, const struct echo_rec *k)
{
	const struct echo_rec **seq = xcalloc(c->n_recs + 1, sizeof(*seq));
	size_t n = 0;
	for (size_t i = 0; i < c->n_recs; i++)
		if (c->recs[i].kind == ECHO_REC_IN && same_frame(&c->recs[i], k))
			seq[n++] = &c->recs[i];
	qsort(seq, n, sizeof(*seq), rec_ts_cmp);
	struct strbuf b = { 0 };
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&b, "%s%s", i ? " > " : "", port_name(c, &seq[i]->port));
	free(seq);
	return b.len ? strbuf_take(&b) : xstrdup("");
}

/* The senders along a holder's chain, from the origin ("h1 > r1"). */
static char *chain_senders(const struct echo_case *c, const struct holder *h, size_t last)
{
	int order[HOLDERS_MAX];
	size_t n = 0;
	for (int j = h[last].pred; j >= 0 && n < HOLDERS_MAX; j = h[j].pred)
		order[n++] = j;
	struct strbuf b = { 0 };
	for (size_t i = n; i > 0; i--)
		strbuf_printf(&b, "%s%s", i < n ? " > " : "", port_name(c, &h[order[i - 1]].who));
	return b.len ? strbuf_take(&b) : xstrdup("");
}

/* One of src's requests: did it reach the target, was it answered, by which way. */
static void judge_request(const struct echo_case *c, const struct echo_rec *k,
    struct echo_verdict *v, char **answered_hops)
{
	struct holder h[HOLDERS_MAX];
	size_t n = spread(c, k, &k->port, k->sw, 0, h);
	bool to_target = false, answered = false;
	for (size_t j = 1; j < n; j++) {
		if (h[j].who.inst == c->src)
			continue;
		if (c->owner >= 0 && h[j].who.inst != c->owner) {
			names_add(v->went, sizeof(v->went), port_name(c, &h[j].who));
			continue;
		}
		to_target = true;
		if (!answered && answered_by(c, k, &h[j])) {
			answered = true;
			if (*answered_hops == NULL)
				*answered_hops = chain_senders(c, h, j);
		}
	}
	v->requests_to_target += to_target;
	v->answered += answered;
	if (answered && !v->hops_match && path_matches(c, k)) {
		v->hops_match = true;
		struct strbuf b = { 0 };
		strbuf_printf(&b, "%s", inst_name(c, c->src));
		for (size_t i = 0; i < c->n_via; i++)
			strbuf_printf(&b, " > %s", inst_name(c, c->via[i]));
		free(v->hops);
		v->hops = strbuf_take(&b);
	}
}

/* Per switch: this ping's requests and replies as taken in, and who sent them. */
static char *carried_text(const struct echo_case *c, const struct echo_verdict *v)
{
	struct strbuf b = { 0 };
	for (size_t s = 0; s < c->n_switches; s++) {
		unsigned req = 0, rep = 0;
		char req_from[ECHO_NAMES_MAX] = "", rep_from[ECHO_NAMES_MAX] = "";
		for (size_t i = 0; i < c->n_recs; i++) {
			const struct echo_rec *e = &c->recs[i];
			if (e->sw != s || e->kind != ECHO_REC_IN || !e->tagged)
				continue;
			if (e->type == ECHO_REQUEST && addr_eq(&e->dst, &c->target)) {
				req++;
				names_add(req_from, sizeof(req_from), port_name(c, &e->port));
			} else if (e->type == ECHO_REPLY && addr_eq(&e->src, &c->target)) {
				rep++;
				names_add(rep_from, sizeof(rep_from), port_name(c, &e->port));
			}
		}
		if (req == 0 && rep == 0)
			continue;
		strbuf_printf(&b, "%s%s: %u echo request%s", b.len ? "; " : "", sw_name(c, s), req,
		    req == 1 ? "" : "s");
		if (req)
			strbuf_printf(&b, " (from %s)", req_from);
		strbuf_printf(&b, ", %u echo repl%s", rep, rep == 1 ? "y" : "ies");
		if (rep)
			strbuf_printf(&b, " (from %s)", rep_from);
	}
	if (b.len == 0)
		strbuf_printf(&b, "no switch carried an echo request or reply of it");
	if (v->requests_from_src == 0 && v->asks_from_src > 0)
		strbuf_printf(&b, " (%s sent %u %s%s, and no echo request followed)", v->src,
		    v->asks_from_src, echo_ask_word(v, v->asks_from_src),
		    v->asks_from_src == 1 ? "" : "s");
	if (c->lost > 0)
		strbuf_printf(&b, " (%llu frame%s came too fast to be recorded)",
		    (unsigned long long)c->lost, c->lost == 1 ? "" : "s");
	return strbuf_take(&b);
}

void echo_judge(struct echo_case *c, struct echo_verdict *v)
{
	memset(v, 0, sizeof(*v));
	str_copy(v->src, sizeof(v->src), inst_name(c, c->src));
	v->has_owner = c->owner >= 0;
	if (v->has_owner)
		str_copy(v->owner, sizeof(v->owner), inst_name(c, c->owner));
	echo_addr_format(&c->target, v->target);
	v->ipv6 = !IN6_IS_ADDR_V4MAPPED(&c->target);
	str_copy(v->owner_switch, sizeof(v->owner_switch),
	    c->owner_switch != NULL ? c->owner_switch : "any switch");
	v->lost = c->lost;
	bool *inferred = xcalloc(c->n_recs + 1, sizeof(*inferred));
	resolve_origins(c, inferred);

	/* src's requests, each once (a frame duplicated on the way is one request). */
	const struct echo_rec *first = NULL;
	char *answered_hops = NULL;
	for (size_t i = 0; i < c->n_recs; i++) {
		const struct echo_rec *r = &c->recs[i];
		if (r->kind != ECHO_REC_IN || r->port.inst != c->src)
			continue;
		/* Address resolution of the ping's family: who tried, when nothing answered. */
		if (r->type == (v->ipv6 ? ECHO_NS : ECHO_ARP)) {
			v->asks_from_src++;
			continue;
		}
		if (r->type != ECHO_REQUEST || !r->tagged || !addr_eq(&r->dst, &c->target))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = c->recs[j].kind == ECHO_REC_IN && c->recs[j].port.inst == c->src &&
			    same_frame(&c->recs[j], r);
		if (seen)
			continue;
		v->requests_from_src++;
		if (first == NULL)
			first = r;
		judge_request(c, r, v, &answered_hops);
	}
	if (first != NULL)
		v->src_switch = sw_name(c, first->sw);

	for (size_t i = 0; i < c->n_recs; i++) {
		const struct echo_rec *e = &c->recs[i];
		if (!e->tagged || e->type != ECHO_REPLY || !addr_eq(&e->src, &c->target))
			continue;
		if (e->kind == ECHO_REC_IN && first != NULL && addr_eq(&e->dst, &first->src)) {
			v->replies_carried++;
			if (e->port.inst >= 0 && e->port.inst == c->owner)
				v->replies_from_owner++;
			names_add(v->repliers, sizeof(v->repliers), port_name(c, &e->port));
		} else if (e->kind == ECHO_REC_DELIVERED && e->port.inst == c->src) {
			v->replies_to_src++;
			names_add(v->came_from, sizeof(v->came_from), port_name(c, &e->from));
		}
	}

	/* For no_reach strict: anything of src's that reached the owner's cables. */
	for (size_t i = 0; c->owner >= 0 && i < c->n_recs; i++) {
		const struct echo_rec *d = &c->recs[i];
		if (d->kind != ECHO_REC_DELIVERED || d->port.inst != c->owner)
			continue;
		if (d->type == ECHO_REQUEST && d->tagged)
			v->requests_at_owner++;
		bool from_src = d->from.inst == c->src;
		/* Held on the way, its origin inferred: any copy src sent counts. */
		for (size_t j = 0; !from_src && inferred[i] && j < c->n_recs; j++) {
			const struct echo_rec *r = &c->recs[j];
			from_src = r->kind == ECHO_REC_IN && r->port.inst == c->src && r->sw == d->sw &&
			    r->fhash == d->fhash && r->ts_ns <= d->ts_ns;
		}
		if (from_src) {
			v->frames_to_owner++;
			names_add(v->frames_where, sizeof(v->frames_where), sw_name(c, d->sw));
		}
	}
	free(inferred);

	v->carried = carried_text(c, v);
	if (v->hops == NULL)
		v->hops = answered_hops != NULL ? answered_hops :
		    first != NULL ? senders_in_order(c, first) : xstrdup("");
	else
		free(answered_hops);
}

void echo_verdict_free(struct echo_verdict *v)
{
	free(v->carried);
	free(v->hops);
	v->carried = v->hops = NULL;
}

const char *echo_ask_word(const struct echo_verdict *v, unsigned n)
{
	(void)n;
	return v->ipv6 ? "neighbour solicitation" : "ARP request";
}

bool echo_verdict_reached(const struct echo_verdict *v)
{
	return v->answered > 0;
}

char *echo_disagreement(const struct echo_verdict *v, bool claim)
{
	const char *src = v->src, *ip = v->target, *owner = v->owner;
	if (!claim) {
		if (v->replies_to_src == 0)
			return NULL;
		return xasprintf("%s printed no replies, but %u echo repl%s from %s reached %s's cables",
		    src, v->replies_to_src, v->replies_to_src == 1 ? "y" : "ies", ip, src);
	}
	if (v->requests_from_src == 0)
		return xasprintf("%s printed replies, but no echo request from %s to %s crossed any "
		    "switch", src, src, ip);
	if (v->has_owner && v->replies_from_owner == 0)
		return xasprintf("%s printed replies, but no echo reply from %s crossed %s%s%s", src,
		    owner, v->owner_switch, v->repliers[0] ? "; the replies came from " : "",
		    v->repliers);
	if (v->requests_to_target == 0) {
		if (v->has_owner)
			return xasprintf("%s printed replies, but none of its echo requests reached %s's "
			    "cables%s%s", src, owner, v->went[0] ? "; they reached " : "", v->went);
		return xasprintf("%s printed replies, but none of its echo requests to %s was "
		    "delivered anywhere", src, ip);
	}
	if (v->replies_to_src == 0) {
		if (v->replies_carried > 0)
			return xasprintf("%s printed replies, but no echo reply from %s reached %s's "
			    "cables: the switches took in %u and delivered none to %s", src, ip, src,
			    v->replies_carried, src);
		return xasprintf("%s printed replies, but no echo reply from %s reached %s's cables",
		    src, ip, src);
	}
	if (v->answered == 0)
		return xasprintf("%s printed replies, but no reply %s sent to one of %s's own echo "
		    "requests came back to %s; the replies %s got came from %s", src,
		    v->has_owner ? owner : ip, src, src, src, v->came_from);
	return NULL;
}

char *echo_strict_breach(const struct echo_verdict *v)
{
	if (!v->has_owner)
		return NULL;
	if (v->requests_at_owner > 0)
		return xasprintf("%u echo request%s of %s's ping reached %s's cables", v->requests_at_owner,
		    v->requests_at_owner == 1 ? "" : "s", v->src, v->owner);
	if (v->frames_to_owner > 0)
		return xasprintf("%u frame%s from %s's cables reached %s's cables (on %s)",
		    v->frames_to_owner, v->frames_to_owner == 1 ? "" : "s", v->src, v->owner,
		    v->frames_where);
	return NULL;
}
