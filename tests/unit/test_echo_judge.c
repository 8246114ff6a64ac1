/* tests/unit/test_echo_judge.c: a ping judged by the switches' records (core/checks/echo_judge.c): honest pings, and liars. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/checks/echo_judge.h"

#define TAG 0x5a

/* Instances: A pings B; r1, r2 route; L and E are liars. */
enum { A, B, R1, R2, L, E, N_INST };
static const char *const insts[] = { "umlA", "umlB", "r1", "r2", "liar", "echoer" };
/* Switches; "umlB" is a switch named like an instance. */
enum { S1, S2, D, SB, N_SW };
static const char *const sws[] = { "S1", "S2", "D", "umlB" };

#define IP_A "10.0.1.1"
#define IP_B "10.0.2.1"
#define IP6_A "2001:db8:1::1"
#define IP6_B "2001:db8:2::1"

/* The addresses of this test's ping: IPv4 (setup) or IPv6 (setup6). */
static const char *ip_a = IP_A, *ip_b = IP_B;

/* An address as the judge keeps it: IPv6, IPv4 mapped. */
static struct in6_addr addr(const char *s)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, s, &a4) == 1)
		return echo_addr_v4(a4);
	assert_int_equal(inet_pton(AF_INET6, s, &a6), 1);
	return a6;
}

static bool is6(const char *s)
{
	return strchr(s, ':') != NULL;
}

/* ---- frames as the wire has them ---- */

struct frame {
	unsigned char b[14 + 40 + 8 + 8 + 56];
	size_t len;
};

/* An IPv6 header for next header nh and plen bytes of payload; returns where the payload starts. */
static unsigned char *ip6_header(struct frame *f, const char *src, const char *dst, unsigned nh,
    size_t plen)
{
	f->b[12] = 0x86;
	f->b[13] = 0xdd;
	unsigned char *h = f->b + 14;
	h[0] = 0x60;
	h[4] = (unsigned char)(plen >> 8);
	h[5] = (unsigned char)plen;
	h[6] = (unsigned char)nh;
	h[7] = 64;
	struct in6_addr s = addr(src), d = addr(dst);
	memcpy(h + 8, &s, 16);
	memcpy(h + 24, &d, 16);
	f->len = 14 + 40 + plen;
	return h + 40;
}

/* An echo request (reply = false) or reply, 56 data bytes: an 8-byte stamp, then the pattern;
 * ICMPv6 when the addresses are IPv6 ones. */
static struct frame echo(bool reply, const char *src, const char *dst, uint16_t id, uint16_t seq,
    unsigned tag, uint64_t stamp)
{
	struct frame f = { .len = 14 + 20 + 8 + 56 };
	memset(f.b, 0, sizeof(f.b));
	f.b[0] = 0x02;
	f.b[6] = 0x02;
	f.b[12] = 0x08;
	unsigned char *iph = f.b + 14, *icmp;
	if (is6(src)) {
		icmp = ip6_header(&f, src, dst, 58, 8 + 56);
		icmp[0] = reply ? 129 : 128;
	} else {
		iph[0] = 0x45;
		iph[2] = 0;
		iph[3] = 84;
		iph[8] = 64;
		iph[9] = 1;
		struct in6_addr s = addr(src), d = addr(dst);
		memcpy(iph + 12, s.s6_addr + 12, 4);
		memcpy(iph + 16, d.s6_addr + 12, 4);
		icmp = iph + 20;
		icmp[0] = reply ? 0 : 8;
	}
	icmp[4] = (unsigned char)(id >> 8);
	icmp[5] = (unsigned char)id;
	icmp[6] = (unsigned char)(seq >> 8);
	icmp[7] = (unsigned char)seq;
	memcpy(icmp + 8, &stamp, 8);
	memset(icmp + 16, (int)tag, 48);
	return f;
}

static struct frame req(uint16_t seq)
{
	return echo(false, ip_a, ip_b, 77, seq, TAG, 1000 + seq);
}

static struct frame rep(uint16_t seq)
{
	return echo(true, ip_b, ip_a, 77, seq, TAG, 1000 + seq);
}

/* IPv6: a neighbour solicitation from sender (:: for DAD) for target. */
static struct frame ns(const char *sender, const char *target)
{
	struct frame f;
	memset(f.b, 0, sizeof(f.b));
	f.b[0] = 0x33;
	f.b[1] = 0x33;
	f.b[6] = 0x02;
	unsigned char *icmp = ip6_header(&f, sender, "ff02::1:ff00:1", 58, 24);
	icmp[0] = 135;
	struct in6_addr t = addr(target);
	memcpy(icmp + 8, &t, 16);
	return f;
}

/* Address resolution: an ARP request, or for IPv6 a neighbour solicitation. */
static struct frame arp(const char *sender, const char *target)
{
	if (is6(sender))
		return ns(sender, target);
	struct frame f = { .len = 14 + 28 };
	memset(f.b, 0, sizeof(f.b));
	memset(f.b, 0xff, 6);
	f.b[6] = 0x02;
	f.b[12] = 0x08;
	f.b[13] = 0x06;
	unsigned char *a = f.b + 14;
	a[1] = 1;
	a[2] = 8;
	a[4] = 6;
	a[5] = 4;
	a[7] = 1;
	struct in6_addr s = addr(sender), t = addr(target);
	memcpy(a + 14, s.s6_addr + 12, 4);
	memcpy(a + 24, t.s6_addr + 12, 4);
	return f;
}

/* ---- records ---- */

static struct echo_rec recs[256];
static size_t n_recs;

/* A port: an instance's cable (p >= 0), or a port known by label. */
static struct echo_port port(int p, const char *label)
{
	struct echo_port e = { .inst = p };
	snprintf(e.label, sizeof(e.label), "%s", label != NULL ? label :
	    p >= 0 ? insts[p] : "");
	return e;
}

#define NOBODY (-1)
#define UNKNOWN (-2)	/* a delivery whose origin the switch did not keep */

/* The switch sw took frame f in from p at t. */
static void in(size_t sw, int p, const char *label, struct frame f, uint64_t t)
{
	struct echo_rec *r = &recs[n_recs++];
	memset(r, 0, sizeof(*r));
	r->kind = ECHO_REC_IN;
	r->sw = sw;
	r->port = port(p, label);
	r->from = port(NOBODY, "");
	r->ts_ns = t;
	echo_rec_parse(r, f.b, f.len, TAG);
}

/* The switch sw handed frame f to `to`, from `from`, at t. */
static void del(size_t sw, int to, const char *to_label, int from, const char *from_label,
    struct frame f, uint64_t t)
{
	struct echo_rec *r = &recs[n_recs++];
	memset(r, 0, sizeof(*r));
	r->kind = ECHO_REC_DELIVERED;
	r->sw = sw;
	r->port = port(to, to_label);
	r->from = from == UNKNOWN ? port(NOBODY, "") : port(from, from_label);
	r->ts_ns = t;
	echo_rec_parse(r, f.b, f.len, TAG);
}

/* Both at once: from took f to `to` on sw at t. */
static void hop(size_t sw, int from, int to, struct frame f, uint64_t t)
{
	in(sw, from, NULL, f, t);
	del(sw, to, NULL, from, NULL, f, t);
}

static int via[4];

static void judge(int owner, size_t n_via, struct echo_verdict *v)
{
	struct echo_case c = { .recs = recs, .n_recs = n_recs, .instances = insts,
	    .n_instances = N_INST, .switches = sws, .n_switches = N_SW, .src = A,
	    .owner = owner, .owner_switch = owner == B ? "S2" : NULL, .via = via, .n_via = n_via };
	c.target = addr(ip_b);
	echo_judge(&c, v);
}

static int setup(void **state)
{
	(void)state;
	n_recs = 0;
	ip_a = IP_A;
	ip_b = IP_B;
	return 0;
}

static int setup6(void **state)
{
	(void)state;
	n_recs = 0;
	ip_a = IP6_A;
	ip_b = IP6_B;
	return 0;
}

static void expect_disagreement(const struct echo_verdict *v, bool claim, const char *want)
{
	char *why = echo_disagreement(v, claim);
	if (want == NULL) {
		if (why != NULL)
			fail_msg("unexpected: %s", why);
		return;
	}
	if (why == NULL)
		fail_msg("no disagreement, expected \"%s\"", want);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, want);
	free(why);
}

/* umlA - S1 - r1 - S2 - umlB, both ways, three pings. */
static void routed_ping(void)
{
	for (uint16_t s = 0; s < 3; s++) {
		uint64_t t = 1000 * (s + 1);
		hop(S1, A, R1, req(s), t);
		hop(S2, R1, B, req(s), t + 10);
		hop(S2, B, R1, rep(s), t + 20);
		hop(S1, R1, A, rep(s), t + 30);
	}
}

/* ---- parsing ---- */

static void test_parse(void **state)
{
	(void)state;
	struct echo_rec r;
	struct frame f = req(1);
	echo_rec_parse(&r, f.b, f.len, TAG);
	assert_int_equal(r.type, ECHO_REQUEST);
	assert_true(r.tagged);
	assert_int_equal(r.id, 77);
	assert_int_equal(r.seq, 1);
	struct in6_addr want = addr(ip_a);
	assert_memory_equal(&r.src, &want, 16);
	struct echo_rec q;
	struct frame g = rep(1);
	echo_rec_parse(&q, g.b, g.len, TAG);
	assert_int_equal(q.type, ECHO_REPLY);
	assert_true(q.hash == r.hash);	/* the reply carries the request's data */
	assert_true(q.fhash != r.fhash);
	echo_rec_parse(&r, f.b, f.len, TAG + 1);
	assert_false(r.tagged);		/* another ping's pattern */
	struct frame h = req(2);
	echo_rec_parse(&q, h.b, h.len, TAG);
	assert_true(q.hash != r.hash);	/* another stamp */
	f.b[14 + 6] = 0x00;
	f.b[14 + 7] = 0x10;		/* a fragment past the first: no ICMP header */
	echo_rec_parse(&r, f.b, f.len, TAG);
	assert_int_equal(r.type, ECHO_OTHER);
	struct frame a = arp(IP_A, IP_B);
	echo_rec_parse(&r, a.b, a.len, TAG);
	assert_int_equal(r.type, ECHO_ARP);
	want = addr(ip_b);
	assert_memory_equal(&r.dst, &want, 16);
	a.b[14 + 7] = 2;		/* an ARP reply is not a request */
	echo_rec_parse(&r, a.b, a.len, TAG);
	assert_int_equal(r.type, ECHO_OTHER);
	echo_rec_parse(&r, a.b, 10, TAG);
	assert_int_equal(r.type, ECHO_OTHER);
}

/* ---- honest pings ---- */

static void test_direct(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 3; s++) {
		hop(S2, A, B, req(s), 100 * s + 10);
		hop(S2, B, A, rep(s), 100 * s + 20);
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.requests_from_src, 3);
	assert_int_equal(v.answered, 3);
	assert_true(echo_verdict_reached(&v));
	assert_true(v.hops_match);
	assert_string_equal(v.hops, "umlA");
	assert_string_equal(v.carried, "S2: 3 echo requests (from umlA), 3 echo replies (from umlB)");
	expect_disagreement(&v, true, NULL);
	expect_disagreement(&v, false, "umlA printed no replies, but 3 echo replies from 10.0.2.1 "
	    "reached umlA's cables");
	echo_verdict_free(&v);
}

static void test_routed_path(void **state)
{
	(void)state;
	routed_ping();
	struct echo_verdict v;
	via[0] = R1;
	judge(B, 1, &v);
	assert_int_equal(v.answered, 3);
	assert_true(v.hops_match);
	assert_string_equal(v.hops, "umlA > r1");
	echo_verdict_free(&v);
	judge(B, 0, &v);	/* no router in between: not that way */
	assert_true(echo_verdict_reached(&v));
	assert_false(v.hops_match);
	assert_string_equal(v.hops, "umlA > r1");
	echo_verdict_free(&v);
	via[0] = R2;
	judge(B, 1, &v);
	assert_false(v.hops_match);
	echo_verdict_free(&v);
	/* An address no instance is known to have (a router's loopback): r1,
	 * the first hop, hands the reply back but did not answer, so the
	 * request did not go "directly" (a cable pulled, the ping around the
	 * ring, seen passing as `via: []`). */
	judge(NOBODY, 0, &v);
	assert_true(echo_verdict_reached(&v));
	assert_false(v.hops_match);
	echo_verdict_free(&v);
	via[0] = R1;
	judge(NOBODY, 1, &v);
	assert_true(v.hops_match);
	assert_string_equal(v.hops, "umlA > r1");
	echo_verdict_free(&v);
}

/* A link between two switches: one port for both (the label names the
 * link, whichever end), no hop of a path; 802.1Q-tagged copies on it are
 * the frames they carry. */
static struct frame tagged(struct frame f)
{
	struct frame t = { .len = f.len + 4 };
	memcpy(t.b, f.b, 12);
	t.b[12] = 0x81;
	t.b[14] = 0;
	t.b[15] = 10;
	memcpy(t.b + 16, f.b + 12, f.len - 12);
	return t;
}

static void link_rec(size_t sw, bool delivered, int other, struct frame f, uint64_t t)
{
	struct echo_rec *r = &recs[n_recs++];
	memset(r, 0, sizeof(*r));
	r->kind = delivered ? ECHO_REC_DELIVERED : ECHO_REC_IN;
	r->sw = sw;
	r->port = (struct echo_port){ .inst = -1, .link = true, .label = "S1.S2" };
	r->from = delivered ? port(other, NULL) : port(NOBODY, "");
	r->ts_ns = t;
	echo_rec_parse(r, f.b, f.len, TAG);
}

static void test_link(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 2; s++) {
		uint64_t t = 1000 * (s + 1);
		in(S1, A, NULL, req(s), t);
		link_rec(S1, true, A, tagged(req(s)), t + 1);		/* S1 hands it to the link */
		link_rec(S2, false, NOBODY, tagged(req(s)), t + 2);	/* S2 takes it from there */
		struct echo_rec *d = &recs[n_recs];
		del(S2, B, NULL, NOBODY, "", req(s), t + 3);
		d->from = (struct echo_port){ .inst = -1, .link = true, .label = "S1.S2" };
		in(S2, B, NULL, rep(s), t + 10);
		link_rec(S2, true, B, tagged(rep(s)), t + 11);
		d = &recs[n_recs];
		del(S1, A, NULL, NOBODY, "", rep(s), t + 13);
		d->from = (struct echo_port){ .inst = -1, .link = true, .label = "S1.S2" };
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.answered, 2);
	assert_true(echo_verdict_reached(&v));
	assert_true(v.hops_match);	/* a link is no router */
	expect_disagreement(&v, true, NULL);
	echo_verdict_free(&v);
	via[0] = R1;
	judge(B, 1, &v);
	assert_false(v.hops_match);
	echo_verdict_free(&v);
}

/* Item 8: the reply comes back over another switch (r2, D), to A's other cable. */
static void test_asymmetric(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 2; s++) {
		uint64_t t = 1000 * (s + 1);
		hop(S1, A, R1, req(s), t);
		hop(S2, R1, B, req(s), t + 10);
		hop(S2, B, R2, rep(s), t + 20);
		hop(D, R2, A, rep(s), t + 30);
	}
	struct echo_verdict v;
	via[0] = R1;
	judge(B, 1, &v);
	assert_int_equal(v.answered, 2);
	assert_true(v.hops_match);
	expect_disagreement(&v, true, NULL);
	echo_verdict_free(&v);
}

/* A cable's `in` delay held the request: delivered later, its origin found
 * by its bytes among what the switch took in. */
static void test_held_delivery(void **state)
{
	(void)state;
	in(S2, A, NULL, req(0), 10);
	del(S2, B, NULL, UNKNOWN, NULL, req(0), 60);
	hop(S2, B, A, rep(0), 70);
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.answered, 1);
	echo_verdict_free(&v);
}

/* A target no instance has, behind a trunk (another lab). */
static void test_trunk_target(void **state)
{
	(void)state;
	in(S1, A, NULL, req(0), 10);
	del(S1, NOBODY, "S1.trunk0", A, NULL, req(0), 10);
	in(S1, NOBODY, "S1.trunk0", rep(0), 20);
	del(S1, A, NULL, NOBODY, "S1.trunk0", rep(0), 20);
	struct echo_verdict v;
	judge(NOBODY, 0, &v);
	assert_int_equal(v.answered, 1);
	assert_string_equal(v.carried, "S1: 1 echo request (from umlA), 1 echo reply (from S1.trunk0)");
	expect_disagreement(&v, true, NULL);
	echo_verdict_free(&v);
}

/* ---- liars ---- */

/* Item 5: umlA on S1 and umlB on S2, not connected. The liar on S1 has
 * umlB's address and answers umlA; the echoer on S2 has umlA's and sends
 * umlB the very same requests (it knows them: a shared directory), and
 * umlB answers it. Every count of the old judge was there. */
static void test_liar_and_echoer(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 3; s++) {
		uint64_t t = 1000 * (s + 1);
		hop(S1, A, L, req(s), t);
		hop(S1, L, A, rep(s), t + 5);
		hop(S2, E, B, req(s), t + 1);
		hop(S2, B, E, rep(s), t + 6);
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.requests_from_src, 3);
	assert_int_equal(v.replies_from_owner, 3);
	assert_int_equal(v.replies_to_src, 3);
	assert_int_equal(v.requests_to_target, 0);
	assert_false(echo_verdict_reached(&v));
	expect_disagreement(&v, true, "umlA printed replies, but none of its echo requests reached "
	    "umlB's cables; they reached liar");
	echo_verdict_free(&v);

	/* The echoer relays umlB's replies (a shared directory) and the liar
	 * sends them to umlA, and even the requests to umlB: still no chain. */
	n_recs = 0;
	hop(S1, A, L, req(0), 1000);
	hop(S2, E, B, req(0), 1001);
	hop(S2, B, E, rep(0), 1006);
	hop(S1, L, A, rep(0), 1010);
	judge(B, 0, &v);
	assert_false(echo_verdict_reached(&v));
	echo_verdict_free(&v);
	via[0] = L;
	judge(B, 1, &v);
	assert_false(v.hops_match);
	echo_verdict_free(&v);
}

/* A reply sent before the request reached the target is no answer to it. */
static void test_reply_before_request(void **state)
{
	(void)state;
	hop(S2, B, A, rep(0), 5);
	hop(S2, A, B, req(0), 10);
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.requests_to_target, 1);
	assert_int_equal(v.answered, 0);
	expect_disagreement(&v, true, "umlA printed replies, but no reply umlB sent to one of umlA's "
	    "own echo requests came back to umlA");
	echo_verdict_free(&v);
}

/* Item 6: `link umlA eth0 set in drop icmp`: umlB's replies were taken in,
 * and never delivered to umlA. */
static void test_replies_dropped_before_src(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 3; s++) {
		hop(S2, A, B, req(s), 100 * s + 10);
		in(S2, B, NULL, rep(s), 100 * s + 20);
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.replies_to_src, 0);
	assert_false(echo_verdict_reached(&v));
	expect_disagreement(&v, true, "umlA printed replies, but no echo reply from 10.0.2.1 "
	    "reached umlA's cables: the switches took in 3 and delivered none to umlA");
	expect_disagreement(&v, false, NULL);	/* no_reach: nothing came back */
	echo_verdict_free(&v);
}

/* Item 7: a switch named umlB, whose trunk umlB.trunk0 answers for umlB's
 * address: its frames are no instance's. */
static void test_switch_named_like_instance(void **state)
{
	(void)state;
	in(SB, A, NULL, req(0), 10);
	del(SB, NOBODY, "umlB.trunk0", A, NULL, req(0), 10);
	in(SB, NOBODY, "umlB.trunk0", rep(0), 20);
	del(SB, A, NULL, NOBODY, "umlB.trunk0", rep(0), 20);
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_false(echo_verdict_reached(&v));
	expect_disagreement(&v, true, "umlA printed replies, but no echo reply from umlB crossed S2; "
	    "the replies came from umlB.trunk0");
	echo_verdict_free(&v);
}

/* Item 9 and no_reach strict: umlB ignores echo requests (or ARP), and the
 * requests or ARP requests still reached its cable. */
static void test_strict(void **state)
{
	(void)state;
	hop(S2, A, B, req(0), 10);
	struct echo_verdict v;
	judge(B, 0, &v);
	expect_disagreement(&v, false, NULL);	/* plain no_reach: no reply came back */
	char *why = echo_strict_breach(&v);
	assert_non_null(why);
	assert_string_equal(why, "1 echo request of umlA's ping reached umlB's cables");
	free(why);
	echo_verdict_free(&v);

	n_recs = 0;	/* umlB ignores ARP too: only umlA's ARP reached it */
	hop(S2, A, B, arp(IP_A, IP_B), 10);
	judge(B, 0, &v);
	assert_int_equal(v.asks_from_src, 1);
	why = echo_strict_breach(&v);
	assert_string_equal(why, "1 frame from umlA's cables reached umlB's cables (on S2)");
	free(why);
	echo_verdict_free(&v);

	/* Held by umlB's cable, and replayed by the liar meanwhile: still umlA's. */
	n_recs = 0;
	in(S2, A, NULL, arp(IP_A, IP_B), 10);
	del(S2, L, NULL, A, NULL, arp(IP_A, IP_B), 10);
	in(S2, L, NULL, arp(IP_A, IP_B), 20);
	del(S2, B, NULL, UNKNOWN, NULL, arp(IP_A, IP_B), 60);
	judge(B, 0, &v);
	assert_int_equal(v.frames_to_owner, 1);
	echo_verdict_free(&v);

	/* The network stops them: nothing reached umlB. */
	n_recs = 0;
	in(S1, A, NULL, req(0), 10);
	del(S1, R1, NULL, A, NULL, req(0), 10);
	judge(B, 0, &v);
	assert_null(echo_strict_breach(&v));
	echo_verdict_free(&v);
}

/* The old judgements stay: nothing sent, and who answered instead. */
static void test_old_messages(void **state)
{
	(void)state;
	struct echo_verdict v;
	judge(B, 0, &v);
	expect_disagreement(&v, true, "umlA printed replies, but no echo request from umlA to "
	    "10.0.2.1 crossed any switch");
	assert_string_equal(v.carried, "no switch carried an echo request or reply of it");
	echo_verdict_free(&v);
	hop(S2, A, L, req(0), 10);
	hop(S2, L, A, rep(0), 20);
	judge(B, 0, &v);
	expect_disagreement(&v, true, "umlA printed replies, but no echo reply from umlB crossed S2; "
	    "the replies came from liar");
	echo_verdict_free(&v);
}

static void test_lost(void **state)
{
	(void)state;
	struct echo_case c = { .recs = recs, .n_recs = 0, .instances = insts,
	    .n_instances = N_INST, .switches = sws, .n_switches = N_SW, .src = A, .owner = B,
	    .lost = 3 };
	struct echo_verdict v;
	echo_judge(&c, &v);
	assert_int_equal(v.lost, 3);
	assert_non_null(strstr(v.carried, "3 frames came too fast to be recorded"));
	echo_verdict_free(&v);
}

/* ---- IPv6: the same rules, ICMPv6 frames ---- */

static void test_parse6(void **state)
{
	(void)state;
	struct echo_rec r, q;
	struct frame f = req(1), g = rep(1);
	echo_rec_parse(&r, f.b, f.len, TAG);
	assert_int_equal(r.type, ECHO_REQUEST);
	assert_true(r.tagged);
	assert_int_equal(r.id, 77);
	assert_int_equal(r.seq, 1);
	struct in6_addr a = addr(IP6_A), b = addr(IP6_B);
	assert_memory_equal(&r.src, &a, 16);
	assert_memory_equal(&r.dst, &b, 16);
	echo_rec_parse(&q, g.b, g.len, TAG);
	assert_int_equal(q.type, ECHO_REPLY);
	assert_true(q.hash == r.hash);
	char text[ECHO_ADDR_TEXT_MAX];
	echo_addr_format(&q.src, text);
	assert_string_equal(text, IP6_B);

	/* a hop-by-hop header before ICMPv6 (as MLD has): skipped */
	struct frame h;
	memset(h.b, 0, sizeof(h.b));
	unsigned char *p = ip6_header(&h, IP6_A, IP6_B, 0, 8 + 8 + 56);
	p[0] = 58;		/* next: ICMPv6, length 0: 8 bytes */
	memcpy(p + 8, f.b + 14 + 40, 8 + 56);
	echo_rec_parse(&q, h.b, h.len, TAG);
	assert_int_equal(q.type, ECHO_REQUEST);
	assert_true(q.hash == r.hash);
	/* a fragment past the first: no ICMPv6 header */
	memset(h.b, 0, sizeof(h.b));
	p = ip6_header(&h, IP6_A, IP6_B, 44, 8 + 8 + 56);
	p[0] = 58;
	p[3] = 0x08;		/* offset 1 */
	memcpy(p + 8, f.b + 14 + 40, 8 + 56);
	echo_rec_parse(&q, h.b, h.len, TAG);
	assert_int_equal(q.type, ECHO_OTHER);
	/* an ICMPv6 error is no echo */
	f.b[14 + 40] = 1;
	echo_rec_parse(&q, f.b, f.len, TAG);
	assert_int_equal(q.type, ECHO_OTHER);

	/* neighbour solicitations ask for their target; DAD's (from ::) asks nothing */
	struct frame n = ns(IP6_A, "fe80::1");
	echo_rec_parse(&q, n.b, n.len, TAG);
	assert_int_equal(q.type, ECHO_NS);
	struct in6_addr ll = addr("fe80::1");
	assert_memory_equal(&q.dst, &ll, 16);
	n = ns("::", IP6_A);
	echo_rec_parse(&q, n.b, n.len, TAG);
	assert_int_equal(q.type, ECHO_OTHER);
	echo_rec_parse(&q, n.b, 14 + 40 + 20, TAG);	/* cut short */
	assert_int_equal(q.type, ECHO_OTHER);
}

static void test_direct6(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 3; s++) {
		hop(S2, A, B, req(s), 100 * s + 10);
		hop(S2, B, A, rep(s), 100 * s + 20);
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_true(v.ipv6);
	assert_string_equal(v.target, IP6_B);
	assert_int_equal(v.answered, 3);
	assert_true(echo_verdict_reached(&v));
	assert_string_equal(v.carried, "S2: 3 echo requests (from umlA), 3 echo replies (from umlB)");
	expect_disagreement(&v, true, NULL);
	expect_disagreement(&v, false, "umlA printed no replies, but 3 echo replies from "
	    "2001:db8:2::1 reached umlA's cables");
	echo_verdict_free(&v);

	/* The same ping over IPv4 is no evidence for the IPv6 address. */
	n_recs = 0;
	ip_a = IP_A;
	ip_b = IP_B;
	hop(S2, A, B, req(0), 10);
	hop(S2, B, A, rep(0), 20);
	ip_a = IP6_A;
	ip_b = IP6_B;
	judge(B, 0, &v);
	assert_int_equal(v.requests_from_src, 0);
	assert_false(echo_verdict_reached(&v));
	expect_disagreement(&v, true, "umlA printed replies, but no echo request from umlA to "
	    "2001:db8:2::1 crossed any switch");
	echo_verdict_free(&v);
}

static void test_routed6(void **state)
{
	(void)state;
	routed_ping();
	struct echo_verdict v;
	via[0] = R1;
	judge(B, 1, &v);
	assert_int_equal(v.answered, 3);
	assert_true(v.hops_match);
	assert_string_equal(v.hops, "umlA > r1");
	assert_string_equal(v.carried, "S1: 3 echo requests (from umlA), 3 echo replies (from r1); "
	    "S2: 3 echo requests (from r1), 3 echo replies (from umlB)");
	echo_verdict_free(&v);
}

/* The liar answers for umlB's IPv6 address on S1, the echoer feeds umlB copies on S2. */
static void test_liar_and_echoer6(void **state)
{
	(void)state;
	for (uint16_t s = 0; s < 3; s++) {
		uint64_t t = 1000 * (s + 1);
		hop(S1, A, L, req(s), t);
		hop(S1, L, A, rep(s), t + 5);
		hop(S2, E, B, req(s), t + 1);
		hop(S2, B, E, rep(s), t + 6);
	}
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.replies_to_src, 3);
	assert_int_equal(v.requests_to_target, 0);
	assert_false(echo_verdict_reached(&v));
	expect_disagreement(&v, true, "umlA printed replies, but none of its echo requests reached "
	    "umlB's cables; they reached liar");
	echo_verdict_free(&v);
}

/* Nobody answered umlA's neighbour solicitations: shown as ARP is, and counted as a try. */
static void test_neighbour_solicitations(void **state)
{
	(void)state;
	in(S2, A, NULL, ns(IP6_A, IP6_B), 10);
	in(S2, A, NULL, ns("::", IP6_A), 11);		/* DAD: not a try */
	in(S2, A, NULL, arp(IP_A, IP_B), 12);		/* the other family's: not this ping's */
	struct echo_verdict v;
	judge(B, 0, &v);
	assert_int_equal(v.asks_from_src, 1);
	assert_string_equal(echo_ask_word(&v, 1), "neighbour solicitation");
	assert_string_equal(v.carried, "no switch carried an echo request or reply of it (umlA sent "
	    "1 neighbour solicitation, and no echo request followed)");
	echo_verdict_free(&v);
	in(S2, A, NULL, ns(IP6_A, IP6_B), 13);
	judge(B, 0, &v);
	assert_non_null(strstr(v.carried, "umlA sent 2 neighbour solicitations"));
	echo_verdict_free(&v);

	/* strict: umlA's solicitation delivered to umlB's cable is a breach */
	n_recs = 0;
	hop(S2, A, B, ns(IP6_A, IP6_B), 10);
	judge(B, 0, &v);
	char *why = echo_strict_breach(&v);
	assert_non_null(why);
	assert_string_equal(why, "1 frame from umlA's cables reached umlB's cables (on S2)");
	free(why);
	echo_verdict_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse, setup),
		cmocka_unit_test_setup(test_direct, setup),
		cmocka_unit_test_setup(test_routed_path, setup),
		cmocka_unit_test_setup(test_asymmetric, setup),
		cmocka_unit_test_setup(test_link, setup),
		cmocka_unit_test_setup(test_held_delivery, setup),
		cmocka_unit_test_setup(test_trunk_target, setup),
		cmocka_unit_test_setup(test_liar_and_echoer, setup),
		cmocka_unit_test_setup(test_reply_before_request, setup),
		cmocka_unit_test_setup(test_replies_dropped_before_src, setup),
		cmocka_unit_test_setup(test_switch_named_like_instance, setup),
		cmocka_unit_test_setup(test_strict, setup),
		cmocka_unit_test_setup(test_old_messages, setup),
		cmocka_unit_test_setup(test_lost, setup),
		cmocka_unit_test_setup(test_parse6, setup6),
		cmocka_unit_test_setup(test_direct6, setup6),
		cmocka_unit_test_setup(test_routed6, setup6),
		cmocka_unit_test_setup(test_liar_and_echoer6, setup6),
		cmocka_unit_test_setup(test_asymmetric, setup6),
		cmocka_unit_test_setup(test_held_delivery, setup6),
		cmocka_unit_test_setup(test_reply_before_request, setup6),
		cmocka_unit_test_setup(test_switch_named_like_instance, setup6),
		cmocka_unit_test_setup(test_neighbour_solicitations, setup6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
