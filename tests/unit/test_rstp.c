/* tests/unit/test_rstp.c: rapid spanning tree (switch/rstp.c) on a fake clock: bridges wired
 * together by a small simulator that carries their BPDUs, one millisecond a hop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/rstp.h"

#define BRIDGES_MAX 6
#define PORTS_MAX 8
#define WIRES_MAX 12
#define QUEUE_MAX 4096

struct bridge {
	struct net *net;
	int index;
	struct rstp *r;
	enum rstp_state state[PORTS_MAX + 1];
	unsigned flushes[PORTS_MAX + 1];
	unsigned sent[PORTS_MAX + 1];
	unsigned char last[PORTS_MAX + 1][RSTP_FRAME_MAX];	/* the last BPDU sent on each port */
	size_t last_len[PORTS_MAX + 1];
};

/* A cable between bridge a's port pa and bridge b's port pb (b = -1: a
 * port with something else at the end, which the test speaks for). */
struct wire {
	int a, pa, b, pb;
	bool up;
};

struct inflight {
	int bridge, port;
	uint64_t at;
	unsigned char f[RSTP_FRAME_MAX];
	size_t len;
};

struct net {
	struct bridge b[BRIDGES_MAX];
	int nb;
	struct wire w[WIRES_MAX];
	int nw;
	struct inflight q[QUEUE_MAX];
	size_t nq;
	uint64_t now;
	unsigned delivered;
};

static const struct wire *wire_of(const struct net *n, int b, int port, int *other, int *oport)
{
	for (int i = 0; i < n->nw; i++) {
		const struct wire *w = &n->w[i];
		if (w->a == b && w->pa == port) {
			*other = w->b;
			*oport = w->pb;
			return w;
		}
		if (w->b == b && w->pb == port) {
			*other = w->a;
			*oport = w->pa;
			return w;
		}
	}
	return NULL;
}

static void op_send(void *arg, unsigned port, const unsigned char *frame, size_t len)
{
	struct bridge *br = arg;
	struct net *n = br->net;
	assert_true(port <= PORTS_MAX);
	assert_true(len <= RSTP_FRAME_MAX);
	br->sent[port]++;
	memcpy(br->last[port], frame, len);
	br->last_len[port] = len;
	int other, oport;
	const struct wire *w = wire_of(n, br->index, (int)port, &other, &oport);
	if (w == NULL || !w->up || other < 0)
		return;
	assert_true(n->nq < QUEUE_MAX);
	struct inflight *f = &n->q[n->nq++];
	f->bridge = other;
	f->port = oport;
	f->at = n->now + 1;
	memcpy(f->f, frame, len);
	f->len = len;
}

static void op_state(void *arg, unsigned port, enum rstp_state st)
{
	struct bridge *br = arg;
	assert_true(port <= PORTS_MAX);
	br->state[port] = st;
}

static void op_flush(void *arg, unsigned port)
{
	struct bridge *br = arg;
	br->flushes[port]++;
}

static const struct rstp_ops ops = { op_send, op_state, op_flush };

static struct net *net_new(void)
{
	return calloc(1, sizeof(struct net));
}

/* Bridge i with this priority and MAC 02:00:00:00:00:(i+1). */
static int bridge_add(struct net *n, unsigned priority, unsigned fwd_delay)
{
	int i = n->nb++;
	struct bridge *br = &n->b[i];
	br->net = n;
	br->index = i;
	struct rstp_config cfg = { .priority = priority, .mac = { 2, 0, 0, 0, 0, (uint8_t)(i + 1) },
	    .forward_delay_s = fwd_delay };
	br->r = rstp_new(&cfg, &ops, br);
	assert_non_null(br->r);
	return i;
}

/* Cable a's port pa to b's port pb (both ports added, enabled). */
static int wire(struct net *n, int a, int pa, int b, int pb, uint32_t cost)
{
	int i = n->nw++;
	n->w[i] = (struct wire){ a, pa, b, pb, true };
	assert_int_equal(rstp_port_add(n->b[a].r, (unsigned)pa, 128, cost, false), 0);
	if (b >= 0)
		assert_int_equal(rstp_port_add(n->b[b].r, (unsigned)pb, 128, cost, false), 0);
	rstp_port_enable(n->b[a].r, (unsigned)pa, true, n->now);
	if (b >= 0)
		rstp_port_enable(n->b[b].r, (unsigned)pb, true, n->now);
	return i;
}

/* Pull cable i out (both ends see their link go down), or put it back. */
static void wire_set(struct net *n, int i, bool up)
{
	struct wire *w = &n->w[i];
	w->up = up;
	rstp_port_enable(n->b[w->a].r, (unsigned)w->pa, up, n->now);
	if (w->b >= 0)
		rstp_port_enable(n->b[w->b].r, (unsigned)w->pb, up, n->now);
}

/* Run the network until `until` (ms): frames in order of arrival, timers when due. */
static void run(struct net *n, uint64_t until)
{
	for (;;) {
		uint64_t next = UINT64_MAX;
		for (size_t k = 0; k < n->nq; k++)
			if (n->q[k].at < next)
				next = n->q[k].at;
		for (int i = 0; i < n->nb; i++) {
			uint64_t t = rstp_next(n->b[i].r);
			if (t < next)
				next = t;
		}
		if (next > until) {
			n->now = until;
			return;
		}
		if (next > n->now)
			n->now = next;
		/* Frames due now, oldest first. */
		for (size_t k = 0; k < n->nq;) {
			if (n->q[k].at > n->now) {
				k++;
				continue;
			}
			struct inflight f = n->q[k];
			memmove(&n->q[k], &n->q[k + 1], (n->nq - k - 1) * sizeof(n->q[0]));
			n->nq--;
			n->delivered++;
			rstp_receive(n->b[f.bridge].r, (unsigned)f.port, f.f, f.len, n->now);
		}
		for (int i = 0; i < n->nb; i++)
			if (rstp_next(n->b[i].r) <= n->now)
				rstp_tick(n->b[i].r, n->now);
	}
}

static void net_free(struct net *n)
{
	for (int i = 0; i < n->nb; i++)
		rstp_free(n->b[i].r);
	free(n);
}

static enum rstp_role role_of(struct net *n, int b, int port)
{
	struct rstp_port_info pi;
	assert_true(rstp_get_port(n->b[b].r, (unsigned)port, &pi));
	return pi.role;
}

static bool forwards(struct net *n, int b, int port)
{
	struct rstp_port_info pi;
	assert_true(rstp_get_port(n->b[b].r, (unsigned)port, &pi));
	assert_int_equal(n->b[b].state[port], pi.state);	/* the switch heard of every change */
	return pi.state == RSTP_FORWARDING;
}

/* Cable i carries frames: both its ends forward. */
static bool active(struct net *n, int i)
{
	const struct wire *w = &n->w[i];
	return w->up && forwards(n, w->a, w->pa) && forwards(n, w->b, w->pb);
}

static uint64_t root_of(struct net *n, int b)
{
	struct rstp_info info;
	rstp_get_info(n->b[b].r, &info);
	return info.root_id;
}

static uint64_t id_of(struct net *n, int b)
{
	struct rstp_info info;
	rstp_get_info(n->b[b].r, &info);
	return info.bridge_id;
}

/* The time until every cable in want is active and the others are not. */
static uint64_t converge(struct net *n, const bool *want, uint64_t limit)
{
	uint64_t t0 = n->now;
	for (uint64_t t = t0; t <= t0 + limit; t += 1) {
		run(n, t);
		bool ok = true;
		for (int i = 0; i < n->nw && ok; i++)
			if (n->w[i].b >= 0)
				ok = active(n, i) == want[i];
		if (ok)
			return t - t0;
	}
	return UINT64_MAX;
}

/* ---- the tests ---- */

/* Two bridges, one cable: the lower priority is root; proposal and
 * agreement make both ends forward within milliseconds, not 30 s. */
static void test_two_bridges(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 32768, 0), b = bridge_add(n, 4096, 0);
	wire(n, a, 1, b, 1, 20000);
	bool want[] = { true };
	uint64_t t = converge(n, want, 1000);
	assert_true(t < 20);
	assert_int_equal(root_of(n, a), id_of(n, b));
	assert_int_equal(root_of(n, b), id_of(n, b));
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_ROOT);
	assert_int_equal(role_of(n, b, 1), RSTP_ROLE_DESIGNATED);
	struct rstp_info info;
	rstp_get_info(n->b[a].r, &info);
	assert_int_equal(info.root_port, 1);
	assert_int_equal(info.root_cost, 20000);
	assert_int_equal(info.hello_s, 2);
	assert_int_equal(info.forward_delay_s, 15);
	assert_true(info.topology_changes > 0);
	/* Steady: the root's designated port says hello every 2 s, nothing else. */
	unsigned before = n->b[b].sent[1], root_before = n->b[a].sent[1];
	run(n, n->now + 20000);
	assert_true(n->b[b].sent[1] - before >= 9 && n->b[b].sent[1] - before <= 11);
	assert_int_equal(n->b[a].sent[1], root_before);
	assert_true(active(n, 0));
	net_free(n);
}

/* Three bridges in a ring: one port blocks (the alternate of the bridge with
 * the higher id on the cable away from the root), no loop remains. */
static void test_ring(void **state)
{
	(void)state;
	struct net *n = net_new();
	int s1 = bridge_add(n, 4096, 0), s2 = bridge_add(n, 32768, 0), s3 = bridge_add(n, 32768, 0);
	int w12 = wire(n, s1, 1, s2, 1, 20000);
	int w13 = wire(n, s1, 2, s3, 1, 20000);
	int w23 = wire(n, s2, 2, s3, 2, 20000);
	bool want[] = { true, true, false };
	uint64_t t = converge(n, want, 2000);
	assert_true(t < 50);
	run(n, n->now + 20);	/* S2's end towards S3 forwards once S3 agrees */
	for (int i = 0; i < 3; i++)
		assert_int_equal(root_of(n, i), id_of(n, s1));
	assert_int_equal(role_of(n, s2, 2), RSTP_ROLE_DESIGNATED);	/* S2's id is lower */
	assert_int_equal(role_of(n, s3, 2), RSTP_ROLE_ALTERNATE);
	assert_false(forwards(n, s3, 2));
	assert_true(forwards(n, s2, 2));	/* its end forwards; S3's blocks the cable */
	(void)w12;
	(void)w13;
	(void)w23;
	/* A minute on: still so, and the BPDUs did not multiply. */
	unsigned d0 = n->delivered;
	run(n, n->now + 60000);
	assert_false(active(n, w23));
	assert_true(n->delivered - d0 < 200);
	net_free(n);
}

/* Pull the cable to the root from the bridge with the blocked port: its
 * alternate becomes its root port and forwards at once. */
static void test_pull_root_port(void **state)
{
	(void)state;
	struct net *n = net_new();
	int s1 = bridge_add(n, 4096, 0), s2 = bridge_add(n, 32768, 0), s3 = bridge_add(n, 32768, 0);
	wire(n, s1, 1, s2, 1, 20000);
	int w13 = wire(n, s1, 2, s3, 1, 20000);
	wire(n, s2, 2, s3, 2, 20000);
	bool want[] = { true, true, false };
	assert_true(converge(n, want, 2000) < 50);
	run(n, n->now + 10000);
	unsigned flush0 = n->b[s3].flushes[2];
	wire_set(n, w13, false);
	bool after[] = { true, false, true };
	uint64_t t = converge(n, after, 5000);
	assert_true(t < 20);	/* milliseconds: no timer waits */
	assert_int_equal(role_of(n, s3, 2), RSTP_ROLE_ROOT);
	struct rstp_info info;
	rstp_get_info(n->b[s3].r, &info);
	assert_int_equal(info.root_cost, 40000);
	assert_int_equal(root_of(n, s3), id_of(n, s1));
	assert_true(n->b[s3].flushes[2] > flush0 || n->b[s3].flushes[1] > 0);
	/* Put back: the ring blocks again, on the same port. */
	wire_set(n, w13, true);
	assert_true(converge(n, want, 5000) < 50);
	assert_int_equal(role_of(n, s3, 2), RSTP_ROLE_ALTERNATE);
	net_free(n);
}

/* Pull the cable to the root from the bridge whose designated port faces
 * the blocked one: it hears the better root from the other side, through
 * what was the blocked port, which then forwards. */
static void test_pull_designated_side(void **state)
{
	(void)state;
	struct net *n = net_new();
	int s1 = bridge_add(n, 4096, 0), s2 = bridge_add(n, 32768, 0), s3 = bridge_add(n, 32768, 0);
	int w12 = wire(n, s1, 1, s2, 1, 20000);
	wire(n, s1, 2, s3, 1, 20000);
	wire(n, s2, 2, s3, 2, 20000);
	bool want[] = { true, true, false };
	assert_true(converge(n, want, 2000) < 50);
	run(n, n->now + 5000);
	wire_set(n, w12, false);
	bool after[] = { false, true, true };
	uint64_t t = converge(n, after, 5000);
	assert_true(t < 20);
	assert_int_equal(role_of(n, s2, 2), RSTP_ROLE_ROOT);
	assert_int_equal(role_of(n, s3, 2), RSTP_ROLE_DESIGNATED);
	assert_int_equal(root_of(n, s2), id_of(n, s1));
	net_free(n);
}

/* A pull seen by the bridge with the blocked port: its new root port
 * starts forwarding, a topology change it also sends out of that port, so
 * the bridge beyond (S2) forgets what it learnt on its way to the root (a
 * host behind S3 used to be there); and the change, repeated in every BPDU
 * of its period, counts once at each bridge. */
static void test_pull_tells_the_far_side(void **state)
{
	(void)state;
	struct net *n = net_new();
	int s1 = bridge_add(n, 4096, 0), s2 = bridge_add(n, 8192, 0), s3 = bridge_add(n, 32768, 0);
	wire(n, s1, 1, s2, 1, 20000);
	int w13 = wire(n, s1, 2, s3, 1, 20000);
	wire(n, s2, 2, s3, 2, 20000);
	bool want[] = { true, true, false };
	assert_true(converge(n, want, 2000) < 50);
	run(n, n->now + 10000);
	unsigned s2_flush0 = n->b[s2].flushes[1];
	struct rstp_info i2, i3;
	rstp_get_info(n->b[s2].r, &i2);
	rstp_get_info(n->b[s3].r, &i3);
	uint64_t tc2 = i2.topology_changes, tc3 = i3.topology_changes;
	wire_set(n, w13, false);
	bool after[] = { true, false, true };
	assert_true(converge(n, after, 5000) < 20);
	run(n, n->now + 20);
	assert_true(n->b[s2].flushes[1] > s2_flush0);	/* S2 towards the root: forgotten */
	/* Ten seconds on, past the TC period of 2 hellos: one change at each. */
	run(n, n->now + 10000);
	rstp_get_info(n->b[s2].r, &i2);
	rstp_get_info(n->b[s3].r, &i3);
	assert_int_equal(i2.topology_changes - tc2, 1);
	assert_int_equal(i3.topology_changes - tc3, 1);
	net_free(n);
}

/* Four bridges, two rings sharing a cable, costs that steer the tree: every
 * bridge agrees on the root, exactly n-1 cables carry frames (a tree). */
static void test_mesh_is_a_tree(void **state)
{
	(void)state;
	struct net *n = net_new();
	for (int i = 0; i < 4; i++)
		bridge_add(n, i == 2 ? 0 : 32768, 0);
	wire(n, 0, 1, 1, 1, 20000);
	wire(n, 1, 2, 2, 1, 20000);
	wire(n, 2, 2, 3, 1, 20000);
	wire(n, 3, 2, 0, 2, 20000);
	wire(n, 0, 3, 2, 3, 100);	/* cheap: the root's favourite */
	run(n, 3000);
	int act = 0;
	for (int i = 0; i < n->nw; i++)
		act += active(n, i);
	assert_int_equal(act, 3);
	for (int i = 0; i < 4; i++)
		assert_int_equal(root_of(n, i), id_of(n, 2));
	assert_true(active(n, 4));	/* the cheap cable is in the tree */
	struct rstp_info info;
	rstp_get_info(n->b[0].r, &info);
	assert_int_equal(info.root_cost, 100);
	net_free(n);
}

/* Two of a bridge's own ports on one segment (a hub, here a cable from the
 * bridge to itself): one is designated, the other backup. */
static void test_backup_port(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 32768, 0);
	n->w[n->nw++] = (struct wire){ a, 1, a, 2, true };
	assert_int_equal(rstp_port_add(n->b[a].r, 1, 128, 20000, false), 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 2, 128, 20000, false), 0);
	rstp_port_enable(n->b[a].r, 1, true, 0);
	rstp_port_enable(n->b[a].r, 2, true, 0);
	run(n, 40000);
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_DESIGNATED);
	assert_int_equal(role_of(n, a, 2), RSTP_ROLE_BACKUP);
	assert_false(forwards(n, a, 2));
	net_free(n);
}

/* An edge port forwards as soon as it is up, with no topology change; a
 * BPDU on it makes it a bridge's port. */
static void test_edge(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 32768, 0), b = bridge_add(n, 4096, 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 3, 128, 20000, true), 0);
	rstp_port_enable(n->b[a].r, 3, true, 0);
	assert_true(forwards(n, a, 3));
	struct rstp_info info;
	rstp_get_info(n->b[a].r, &info);
	assert_int_equal(info.topology_changes, 0);
	struct rstp_port_info pi;
	assert_true(rstp_get_port(n->b[a].r, 3, &pi));
	assert_true(pi.edge);
	/* Now a bridge on that port, after all: it takes part. */
	n->w[n->nw++] = (struct wire){ a, 3, b, 1, true };
	assert_int_equal(rstp_port_add(n->b[b].r, 1, 128, 20000, false), 0);
	rstp_port_enable(n->b[b].r, 1, true, n->now);
	run(n, n->now + 100);
	assert_true(rstp_get_port(n->b[a].r, 3, &pi));
	assert_false(pi.edge);
	assert_int_equal(pi.role, RSTP_ROLE_ROOT);
	assert_int_equal(root_of(n, a), id_of(n, b));
	assert_true(forwards(n, a, 3));
	net_free(n);
}

/* The BPDU on the wire: 802.3 with LLC, an RST BPDU Wireshark decodes. */
static void test_bpdu_format(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 4096, 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 5, 32, 20000, false), 0);
	rstp_port_enable(n->b[a].r, 5, true, 0);
	const unsigned char *f = n->b[a].last[5];
	assert_int_equal(n->b[a].last_len[5], 60);
	static const unsigned char head[] = { 0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1,
		0x00, 0x27, 0x42, 0x42, 0x03, 0x00, 0x00, 0x02, 0x02 };
	assert_memory_equal(f, head, sizeof(head));
	unsigned flags = f[21];
	assert_int_equal((flags >> 2) & 3, 3);	/* designated */
	assert_true(flags & 0x02);		/* a proposal: nobody agreed yet */
	static const unsigned char root[] = { 0x10, 0x00, 2, 0, 0, 0, 0, 1 };
	assert_memory_equal(f + 22, root, 8);	/* root: 4096.02:00:00:00:00:01, itself */
	assert_memory_equal(f + 34, root, 8);	/* bridge */
	assert_int_equal(f[42] << 8 | f[43], 0x2005);	/* port 32.5 */
	assert_int_equal(f[44] << 8 | f[45], 0);	/* message age */
	assert_int_equal(f[46] << 8 | f[47], 20 * 256);	/* max age */
	assert_int_equal(f[48] << 8 | f[49], 2 * 256);	/* hello */
	assert_int_equal(f[50] << 8 | f[51], 15 * 256);	/* forward delay */
	/* Garbage and other LLC frames are ignored. */
	unsigned char junk[60];
	memcpy(junk, f, 60);
	junk[15] = 0xaa;
	rstp_receive(n->b[a].r, 5, junk, 60, 1);
	rstp_receive(n->b[a].r, 5, f, 20, 1);
	struct rstp_port_info pi;
	assert_true(rstp_get_port(n->b[a].r, 5, &pi));
	assert_int_equal(pi.bpdus_in, 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 5, 128, 1, false), -1);	/* taken */
	assert_int_equal(rstp_port_add(n->b[a].r, 0, 128, 1, false), -1);
	assert_int_equal(rstp_port_add(n->b[a].r, 9, 128, 0, false), -1);
	net_free(n);
}

/* A legacy bridge (802.1D config BPDUs, as Linux's bridge sends) as root:
 * our port becomes its root port and speaks STP back; a TCN is
 * acknowledged; our own designated port towards it waits forward delays. */
static unsigned char legacy[60];

static void legacy_config(uint64_t root, uint32_t cost, uint64_t bridge, unsigned port,
    unsigned flags, unsigned fwd_s)
{
	memset(legacy, 0, sizeof(legacy));
	static const unsigned char head[] = { 0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 9,
		0x00, 0x26, 0x42, 0x42, 0x03 };
	memcpy(legacy, head, sizeof(head));
	unsigned char *d = legacy + 17;
	d[4] = (unsigned char)flags;
	for (int i = 0; i < 8; i++) {
		d[5 + i] = (unsigned char)(root >> (56 - 8 * i));
		d[17 + i] = (unsigned char)(bridge >> (56 - 8 * i));
	}
	for (int i = 0; i < 4; i++)
		d[13 + i] = (unsigned char)(cost >> (24 - 8 * i));
	d[25] = (unsigned char)(port >> 8);
	d[26] = (unsigned char)port;
	d[29] = 20;	/* max age 20 s (times count 1/256 s: the high byte is seconds) */
	d[31] = 2;	/* hello 2 s */
	d[33] = (unsigned char)fwd_s;
}

/* Run until `until`, the legacy root on a's port 1 saying hello every 2 s. */
static void run_root(struct net *n, int a, uint64_t lroot, uint64_t until)
{
	while (n->now + 2000 <= until) {
		legacy_config(lroot, 0, lroot, 0x8001, 0, 4);
		rstp_receive(n->b[a].r, 1, legacy, 60, n->now);
		run(n, n->now + 2000);
	}
	run(n, until);
}

static void test_legacy_root(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 32768, 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 1, 128, 20000, false), 0);
	assert_int_equal(rstp_port_add(n->b[a].r, 2, 128, 20000, false), 0);
	n->w[n->nw++] = (struct wire){ a, 1, -1, 0, true };
	n->w[n->nw++] = (struct wire){ a, 2, -1, 0, true };
	rstp_port_enable(n->b[a].r, 1, true, 0);
	rstp_port_enable(n->b[a].r, 2, true, 0);
	uint64_t lroot = (uint64_t)0x1000 << 48 | 0x020000000009ull;
	legacy_config(lroot, 0, lroot, 0x8001, 0, 4);
	rstp_receive(n->b[a].r, 1, legacy, 60, 10);
	n->now = 10;
	assert_int_equal(root_of(n, a), lroot);
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_ROOT);
	assert_true(forwards(n, a, 1));
	struct rstp_port_info pi;
	assert_true(rstp_get_port(n->b[a].r, 1, &pi));
	assert_true(pi.legacy);
	struct rstp_info info;
	rstp_get_info(n->b[a].r, &info);
	assert_int_equal(info.forward_delay_s, 4);	/* the root's times */
	/* Port 2 (another legacy bridge there too): designated, config BPDUs,
	 * forward-delay steps of the root's 4 s. */
	legacy_config(lroot, 20000, (uint64_t)0x9000 << 48 | 0x02000000000aull, 0x8001, 0, 4);
	rstp_receive(n->b[a].r, 2, legacy, 60, 11);
	assert_int_equal(role_of(n, a, 2), RSTP_ROLE_DESIGNATED);
	assert_true(rstp_get_port(n->b[a].r, 2, &pi));
	assert_true(pi.legacy);
	assert_int_equal(n->b[a].last[2][19], 0);	/* version 0 */
	assert_int_equal(n->b[a].last[2][20], 0);	/* a config BPDU */
	assert_int_equal(n->b[a].last[2][13], 0x26);
	run_root(n, a, lroot, 11 + 3900);
	assert_false(forwards(n, a, 2));
	run_root(n, a, lroot, 11 + 4100);
	assert_int_equal(n->b[a].state[2], RSTP_LEARNING);
	run_root(n, a, lroot, 11 + 8100);
	assert_true(forwards(n, a, 2));
	/* A TCN from the bridge on port 2: acknowledged, the other port flushed. */
	unsigned flush1 = n->b[a].flushes[1];
	unsigned char tcn[60] = { 0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 10, 0x00, 0x07, 0x42,
		0x42, 0x03, 0x00, 0x00, 0x00, 0x80 };
	rstp_receive(n->b[a].r, 2, tcn, 60, n->now);
	assert_true(n->b[a].last[2][21] & 0x80);	/* TCA */
	assert_true(n->b[a].flushes[1] > flush1);
	/* A local change (port 3 comes up on a link): a TCN goes up to the root. */
	assert_int_equal(rstp_port_add(n->b[a].r, 3, 128, 20000, false), 0);
	n->w[n->nw++] = (struct wire){ a, 3, -1, 0, true };
	rstp_port_enable(n->b[a].r, 3, true, n->now);
	run_root(n, a, lroot, n->now + 40000);
	assert_int_equal(n->b[a].last[1][20], 0x80);	/* the last on the root port: a TCN */
	/* The root says TCA: no more TCNs. */
	legacy_config(lroot, 0, lroot, 0x8001, 0x80, 4);
	rstp_receive(n->b[a].r, 1, legacy, 60, n->now);
	unsigned s1 = n->b[a].sent[1];
	legacy_config(lroot, 0, lroot, 0x8001, 0, 4);
	for (int i = 0; i < 10; i++) {
		rstp_receive(n->b[a].r, 1, legacy, 60, n->now);
		run(n, n->now + 2000);
	}
	assert_int_equal(n->b[a].sent[1], s1);
	net_free(n);
}

/* A neighbour that goes quiet (its BPDUs lost) is forgotten after three
 * hellos: the port then becomes designated. */
static void test_info_ages(void **state)
{
	(void)state;
	struct net *n = net_new();
	int a = bridge_add(n, 32768, 0), b = bridge_add(n, 4096, 0);
	int w = wire(n, a, 1, b, 1, 20000);
	run(n, 1000);
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_ROOT);
	n->w[w].up = false;	/* frames lost both ways, the links still up */
	run(n, 1000 + 5000);
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_ROOT);
	run(n, 1000 + 7000);
	assert_int_equal(role_of(n, a, 1), RSTP_ROLE_DESIGNATED);
	assert_int_equal(root_of(n, a), id_of(n, a));
	net_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_bridges),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_pull_root_port),
		cmocka_unit_test(test_pull_designated_side),
		cmocka_unit_test(test_pull_tells_the_far_side),
		cmocka_unit_test(test_mesh_is_a_tree),
		cmocka_unit_test(test_backup_port),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_bpdu_format),
		cmocka_unit_test(test_legacy_root),
		cmocka_unit_test(test_info_ages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
