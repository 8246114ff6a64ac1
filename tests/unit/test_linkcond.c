/* tests/unit/test_linkcond.c: link conditions: parsing, showing, and the
 * queue's decisions under a fake clock (delay, jitter, loss and bursts,
 * duplication, corruption, reordering, rate and limit, MTU, match and drop),
 * its memory (a cap per queue and one shared, freed as frames go), and what
 * new conditions or a flush do to the frames it holds. */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "switch/linkcond.h"

#define MS 1000000ull

static struct linkcond cond_of(const char *words)
{
	struct linkcond_pair p = { 0 };
	char buf[512], *argv[32];
	int argc = 0;
	strcpy(buf, words);
	for (char *w = strtok(buf, " "); w != NULL; w = strtok(NULL, " "))
		argv[argc++] = w;
	char *cause = NULL;
	int rc = linkcond_parse_words(&p, argc, argv, &cause);
	if (rc != 0)
		fail_msg("%s: %s", words, cause);
	return p.out;
}

static void test_parse_values(void **state)
{
	(void)state;
	uint64_t ns, bps;
	uint32_t ppm;
	char *cause = NULL;
	assert_int_equal(linkcond_parse_time("50ms", &ns, &cause), 0);
	assert_int_equal(ns, 50 * MS);
	assert_int_equal(linkcond_parse_time("1.5s", &ns, &cause), 0);
	assert_int_equal(ns, 1500 * MS);
	assert_int_equal(linkcond_parse_time("200us", &ns, &cause), 0);
	assert_int_equal(ns, 200000);
	assert_int_equal(linkcond_parse_time("50", &ns, &cause), -1);
	assert_non_null(strstr(cause, "expected a number and a unit"));
	assert_int_equal(linkcond_parse_time("61s", &ns, &cause), -1);
	assert_int_equal(linkcond_parse_time("-1ms", &ns, &cause), -1);
	assert_int_equal(linkcond_parse_percent("1%", &ppm, &cause), 0);
	assert_int_equal(ppm, 10000);
	assert_int_equal(linkcond_parse_percent("0.25%", &ppm, &cause), 0);
	assert_int_equal(ppm, 2500);
	assert_int_equal(linkcond_parse_percent("10", &ppm, &cause), -1);
	assert_non_null(strstr(cause, "expected a percentage"));
	assert_int_equal(linkcond_parse_percent("101%", &ppm, &cause), -1);
	assert_int_equal(linkcond_parse_rate("1mbit", &bps, &cause), 0);
	assert_int_equal(bps, 1000000);
	assert_int_equal(linkcond_parse_rate("512kbit", &bps, &cause), 0);
	assert_int_equal(bps, 512000);
	assert_int_equal(linkcond_parse_rate("1mbps", &bps, &cause), -1);
	assert_int_equal(linkcond_parse_rate("10bit", &bps, &cause), -1);
	free(cause);
}

static void test_parse_words(void **state)
{
	(void)state;
	struct linkcond_pair p = { 0 };
	char *argv[] = { "delay", "50ms", "out", "loss", "1%", "in", "rate", "1mbit" };
	char *cause = NULL;
	assert_int_equal(linkcond_parse_words(&p, 8, argv, &cause), 0);
	assert_int_equal(p.in.delay_ns, 50 * MS);
	assert_int_equal(p.out.delay_ns, 50 * MS);
	assert_int_equal(p.out.loss_ppm, 10000);
	assert_int_equal(p.in.loss_ppm, 0);
	assert_int_equal(p.in.rate_bps, 1000000);
	char *s = linkcond_pair_format(&p);
	assert_string_equal(s, "in: delay 50ms rate 1mbit; out: delay 50ms loss 1%");
	free(s);

	/* Changes only what it names; `off` and 0 take a condition away. */
	char *argv2[] = { "loss", "off", "delay", "0ms", "jitter", "off" };
	assert_int_equal(linkcond_parse_words(&p, 6, argv2, &cause), 0);
	s = linkcond_pair_format(&p);
	assert_string_equal(s, "in: rate 1mbit");
	free(s);

	char *bad1[] = { "delay" };
	assert_int_equal(linkcond_parse_words(&p, 1, bad1, &cause), -1);
	assert_non_null(strstr(cause, "needs a value"));
	char *bad2[] = { "latency", "5ms" };
	assert_int_equal(linkcond_parse_words(&p, 2, bad2, &cause), -1);
	assert_non_null(strstr(cause, "unknown condition latency"));
	struct linkcond_pair q = { 0 };
	char *bad3[] = { "reorder", "10%" };
	assert_int_equal(linkcond_parse_words(&q, 2, bad3, &cause), -1);
	assert_non_null(strstr(cause, "reorder needs a delay"));
	struct linkcond_pair r = { 0 };
	char *bad4[] = { "drop", "arp", "loss", "5%" };
	assert_int_equal(linkcond_parse_words(&r, 4, bad4, &cause), -1);
	assert_non_null(strstr(cause, "drop EXPR"));
	free(cause);

	struct linkcond_pair d = { 0 };
	char *drop[] = { "drop", "icmp and ether src umlA" };
	assert_int_equal(linkcond_parse_words(&d, 2, drop, &cause), 0);
	s = linkcond_pair_format(&d);
	assert_string_equal(s, "drop 'icmp and ether src umlA'");
	free(s);
}

static unsigned match_arp(const void *filter, const unsigned char *frame, size_t len)
{
	(void)filter;
	return len >= 14 && frame[12] == 0x08 && frame[13] == 0x06;
}

static void no_free(void *p)
{
	(void)p;
}

static struct linkcond_queue *queue_with(const char *words, uint64_t seed)
{
	struct linkcond c = cond_of(words);
	struct linkcond_queue *q = linkcond_queue_new(seed);
	linkcond_queue_configure(q, &c, match_arp, (c.set & (LINKCOND_MATCH | LINKCOND_DROP)) ?
	    (void *)1 : NULL, no_free, 0);
	return q;
}

/* New conditions on a queue at now. */
static void queue_change(struct linkcond_queue *q, const char *words, uint64_t now)
{
	struct linkcond c = { 0 };
	if (*words)
		c = cond_of(words);
	linkcond_queue_configure(q, &c, match_arp, NULL, no_free, now);
}

static void frame_make(unsigned char *f, size_t len, uint32_t n, uint16_t type)
{
	memset(f, 0, len);
	f[12] = (unsigned char)(type >> 8);
	f[13] = (unsigned char)type;
	memcpy(f + 14, &n, sizeof(n));
}

static uint32_t frame_id(const unsigned char *f)
{
	uint32_t n;
	memcpy(&n, f + 14, sizeof(n));
	return n;
}

static void test_no_condition_passes(void **state)
{
	(void)state;
	struct linkcond_queue *q = linkcond_queue_new(1);
	unsigned char f[60];
	frame_make(f, sizeof(f), 1, 0x0800);
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_PASS);
	assert_int_equal(linkcond_queue_due(q), UINT64_MAX);
	linkcond_queue_free(q);
}

static void test_delay_keeps_order(void **state)
{
	(void)state;
	struct linkcond_queue *q = queue_with("delay 50ms", 1);
	unsigned char f[60];
	for (uint32_t i = 0; i < 100; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), i * 100000), LINKCOND_HELD);
	}
	assert_int_equal(linkcond_queue_due(q), 50 * MS);
	const unsigned char *out;
	size_t len;
	assert_false(linkcond_queue_next(q, 50 * MS - 1, &out, &len));
	uint32_t expect = 0;
	while (linkcond_queue_next(q, 60 * MS, &out, &len)) {
		assert_int_equal(len, sizeof(f));
		assert_int_equal(frame_id(out), expect++);
	}
	assert_int_equal(expect, 100);
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.delayed, 100);
	assert_int_equal(st.passed, 100);
	assert_int_equal(st.held, 0);
	linkcond_queue_free(q);
}

static void test_jitter_bounds(void **state)
{
	(void)state;
	struct linkcond_queue *q = queue_with("delay 50ms jitter 10ms", 7);
	unsigned char f[60];
	frame_make(f, sizeof(f), 0, 0x0800);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_HELD);
		uint64_t due = 0;
		const unsigned char *out;
		size_t len;
		/* The one held frame is the only one: its time is the queue's. */
		due = linkcond_queue_due(q);
		assert_true(linkcond_queue_next(q, due, &out, &len));
		lo = due < lo ? due : lo;
		hi = due > hi ? due : hi;
	}
	assert_true(lo >= 40 * MS && lo < 41 * MS);
	assert_true(hi <= 60 * MS && hi > 59 * MS);
	linkcond_queue_free(q);
}

static void test_loss_rate_and_bursts(void **state)
{
	(void)state;
	unsigned char f[60];
	frame_make(f, sizeof(f), 0, 0x0800);
	const int n = 100000;
	struct linkcond_queue *q = queue_with("loss 10%", 3);
	int lost = 0;
	for (int i = 0; i < n; i++)
		lost += linkcond_queue_admit(q, f, sizeof(f), 0) == LINKCOND_DROPPED;
	assert_true(lost > n * 9 / 100 && lost < n * 11 / 100);
	linkcond_queue_free(q);

	/* Gilbert: the same share lost, in runs of 5 on average. */
	q = queue_with("loss 10% burst 5", 3);
	lost = 0;
	int runs = 0;
	bool prev = false;
	for (int i = 0; i < n; i++) {
		bool l = linkcond_queue_admit(q, f, sizeof(f), 0) == LINKCOND_DROPPED;
		lost += l;
		runs += l && !prev;
		prev = l;
	}
	assert_true(lost > n * 8 / 100 && lost < n * 12 / 100);
	double mean = (double)lost / runs;
	assert_true(mean > 4.0 && mean < 6.0);
	linkcond_queue_free(q);
}

static void test_duplicate_and_corrupt(void **state)
{
	(void)state;
	unsigned char f[60];
	frame_make(f, sizeof(f), 42, 0x0800);
	struct linkcond_queue *q = queue_with("duplicate 100%", 1);
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 5), LINKCOND_PASS);
	const unsigned char *out;
	size_t len;
	assert_true(linkcond_queue_next(q, 5, &out, &len));	/* the copy, due at once */
	assert_memory_equal(out, f, sizeof(f));
	assert_false(linkcond_queue_next(q, 5, &out, &len));
	linkcond_queue_free(q);

	q = queue_with("corrupt 100%", 1);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_HELD);
		assert_true(linkcond_queue_next(q, 0, &out, &len));
		assert_memory_equal(out, f, 14);	/* the header is left alone */
		int bits = 0;
		for (size_t k = 14; k < sizeof(f); k++)
			bits += __builtin_popcount(out[k] ^ f[k]);
		assert_int_equal(bits, 1);
	}
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.corrupted, 200);
	linkcond_queue_free(q);
}

static void test_reorder(void **state)
{
	(void)state;
	unsigned char f[60];
	struct linkcond_queue *q = queue_with("delay 10ms reorder 50%", 11);
	int now_passed = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		enum linkcond_verdict v = linkcond_queue_admit(q, f, sizeof(f), 0);
		now_passed += v == LINKCOND_PASS;
	}
	assert_true(now_passed > 400 && now_passed < 600);
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.reordered, (uint64_t)now_passed);
	assert_int_equal(st.held, 1000 - now_passed);
	linkcond_queue_free(q);
}

static void test_rate_and_limit(void **state)
{
	(void)state;
	unsigned char f[1000];
	frame_make(f, sizeof(f), 0, 0x0800);
	/* 1000 bytes at 1 Mbit/s: 8 ms each, back to back. */
	struct linkcond_queue *q = queue_with("rate 1mbit limit 3", 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_DROPPED);
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.overlimit, 1);
	const unsigned char *out;
	size_t len;
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(linkcond_queue_due(q), (uint64_t)i * 8 * MS);
		assert_true(linkcond_queue_next(q, (uint64_t)i * 8 * MS, &out, &len));
	}
	/* An idle link sends the next one at its own pace from now on. */
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 100 * MS), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_due(q), 108 * MS);
	linkcond_queue_free(q);
}

static void test_mtu_match_drop(void **state)
{
	(void)state;
	unsigned char big[1514], small[100], arp[60];
	frame_make(big, sizeof(big), 0, 0x0800);
	frame_make(small, sizeof(small), 0, 0x0800);
	frame_make(arp, sizeof(arp), 0, 0x0806);
	struct linkcond_queue *q = queue_with("mtu 1000", 1);
	assert_int_equal(linkcond_queue_admit(q, big, sizeof(big), 0), LINKCOND_DROPPED);
	assert_int_equal(linkcond_queue_admit(q, small, sizeof(small), 0), LINKCOND_PASS);
	linkcond_queue_free(q);

	q = queue_with("drop arp", 1);
	assert_int_equal(linkcond_queue_admit(q, arp, sizeof(arp), 0), LINKCOND_DROPPED);
	assert_int_equal(linkcond_queue_admit(q, small, sizeof(small), 0), LINKCOND_PASS);
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.lost, 1);
	assert_int_equal(st.passed, 1);
	linkcond_queue_free(q);

	/* match narrows the others: only ARP is delayed. */
	q = queue_with("delay 20ms match arp", 1);
	assert_int_equal(linkcond_queue_admit(q, arp, sizeof(arp), 0), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_admit(q, small, sizeof(small), 0), LINKCOND_PASS);
	linkcond_queue_free(q);
}

/* `limit` is in frames, bounded so that full-size frames fit in the memory
 * of one direction. */
static void test_limit_bounded(void **state)
{
	(void)state;
	struct linkcond c = { 0 };
	char *cause = NULL;
	char max[16], over[16];
	snprintf(max, sizeof(max), "%u", (unsigned)LINKCOND_LIMIT_MAX);
	snprintf(over, sizeof(over), "%u", (unsigned)LINKCOND_LIMIT_MAX + 1);
	assert_int_equal(linkcond_set(&c, "limit", max, &cause), 0);
	assert_int_equal(c.limit, LINKCOND_LIMIT_MAX);
	assert_int_equal(linkcond_set(&c, "limit", over, &cause), -1);
	assert_non_null(strstr(cause, "at most 5000 frames"));
	assert_non_null(strstr(cause, "8 MB"));
	assert_int_equal(linkcond_set(&c, "limit", "100000", &cause), -1);
	assert_non_null(strstr(cause, "at most"));
	assert_int_equal(linkcond_set(&c, "limit", "lots", &cause), -1);
	assert_non_null(strstr(cause, "expected a whole number"));
	assert_int_equal(linkcond_set(&c, "limit", "0", &cause), -1);
	assert_non_null(strstr(cause, "expected a whole number"));
	free(cause);
	assert_int_equal(c.limit, LINKCOND_LIMIT_MAX);	/* the mistakes changed nothing */
}

#define COST(len) ((uint64_t)(len) + LINKCOND_FRAME_OVERHEAD)

/* A queue holds at most its memory, whatever the limit: frames past it are
 * dropped at the tail and counted apart from the limit's. */
static void test_memory_cap(void **state)
{
	(void)state;
	unsigned char f[1000], small[60];
	frame_make(f, sizeof(f), 0, 0x0800);
	frame_make(small, sizeof(small), 0, 0x0800);
	struct linkcond_queue *q = queue_with("delay 1s limit 5000", 1);
	linkcond_queue_memory(q, 10 * COST(1000) + COST(60), NULL);
	for (int i = 0; i < 10; i++)
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_DROPPED);
	assert_int_equal(linkcond_queue_admit(q, small, sizeof(small), 0), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_admit(q, small, sizeof(small), 0), LINKCOND_DROPPED);
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.overmemory, 2);
	assert_int_equal(st.overlimit, 0);
	assert_int_equal(st.held, 11);
	assert_int_equal(st.held_bytes, 10 * COST(1000) + COST(60));
	/* A frame sent makes room for one more. */
	const unsigned char *out;
	size_t len;
	assert_true(linkcond_queue_next(q, 1000 * MS, &out, &len));
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 1000 * MS), LINKCOND_HELD);
	linkcond_queue_free(q);
}

/* Queues that share a budget (a lab's) hold at most its cap together. */
static void test_shared_budget(void **state)
{
	(void)state;
	unsigned char f[1000];
	frame_make(f, sizeof(f), 0, 0x0800);
	struct linkcond_budget lab = { .cap = 15 * COST(1000) };
	struct linkcond_queue *a = queue_with("delay 1s", 1), *b = queue_with("delay 1s", 2);
	linkcond_queue_memory(a, LINKCOND_QUEUE_BYTES, &lab);
	linkcond_queue_memory(b, LINKCOND_QUEUE_BYTES, &lab);
	for (int i = 0; i < 10; i++)
		assert_int_equal(linkcond_queue_admit(a, f, sizeof(f), 0), LINKCOND_HELD);
	int held = 0;
	for (int i = 0; i < 10; i++)
		held += linkcond_queue_admit(b, f, sizeof(f), 0) == LINKCOND_HELD;
	assert_int_equal(held, 5);
	assert_int_equal(atomic_load(&lab.used), 15 * COST(1000));
	struct linkcond_stats st;
	linkcond_queue_stats(b, &st);
	assert_int_equal(st.overmemory, 5);
	/* a's frames dropped: b has room again. */
	assert_int_equal(linkcond_queue_flush(a), 10);
	assert_int_equal(atomic_load(&lab.used), 5 * COST(1000));
	assert_int_equal(linkcond_queue_admit(b, f, sizeof(f), 0), LINKCOND_HELD);
	linkcond_queue_stats(a, &st);
	assert_int_equal(st.flushed, 10);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.held_bytes, 0);
	linkcond_queue_free(a);
	linkcond_queue_free(b);
	assert_int_equal(atomic_load(&lab.used), 0);
}

/* Clearing the conditions makes everything held due at once, in the order
 * it would have left; taking only the delay away leaves the rate's pace. */
static void test_clear_releases_at_once(void **state)
{
	(void)state;
	unsigned char f[1514];
	const unsigned char *out;
	size_t len;
	/* 1514 bytes at 1 kbit/s: 12 s each, after a minute of delay. */
	struct linkcond_queue *q = queue_with("delay 60s rate 1kbit limit 5000", 1);
	for (uint32_t i = 0; i < 100; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), i * MS), LINKCOND_HELD);
	}
	assert_true(linkcond_queue_due(q) > 60000 * MS);
	queue_change(q, "", 2000 * MS);
	assert_int_equal(linkcond_queue_due(q), 2000 * MS);
	for (uint32_t i = 0; i < 100; i++) {
		assert_true(linkcond_queue_next(q, 2000 * MS, &out, &len));
		assert_int_equal(frame_id(out), i);
		assert_int_equal(len, sizeof(f));
	}
	assert_false(linkcond_queue_next(q, 2000 * MS, &out, &len));
	struct linkcond_stats st;
	linkcond_queue_stats(q, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.held_bytes, 0);
	assert_int_equal(st.passed, 100);

	/* Again, then only the delay goes: 100 frames at 1 Mbit/s, 12.112 ms each. */
	queue_change(q, "delay 60s rate 1kbit limit 5000", 3000 * MS);
	for (uint32_t i = 0; i < 100; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 3000 * MS), LINKCOND_HELD);
	}
	queue_change(q, "rate 1mbit", 4000 * MS);
	assert_int_equal(linkcond_queue_due(q), 4000 * MS + 12112000);
	uint64_t last = 4000 * MS + 100 * 12112000ull;
	for (uint32_t i = 0; i < 100; i++) {
		assert_true(linkcond_queue_next(q, last, &out, &len));
		assert_int_equal(frame_id(out), i);
	}
	/* A new frame goes behind them at the new rate, not days away. */
	assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 4000 * MS), LINKCOND_HELD);
	assert_int_equal(linkcond_queue_due(q), last + 12112000);
	linkcond_queue_free(q);
}

/* New conditions that would not send a frame sooner leave its time alone;
 * a shorter delay brings frames forward in the order they would have left
 * (jitter had put them out of their arrival order). */
static void test_change_retimes(void **state)
{
	(void)state;
	unsigned char f[60];
	const unsigned char *out;
	size_t len;
	struct linkcond_queue *q = queue_with("delay 100ms", 1);
	for (uint32_t i = 0; i < 10; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		linkcond_queue_admit(q, f, sizeof(f), i * MS);
	}
	queue_change(q, "delay 100ms loss 1%", 5 * MS);
	assert_int_equal(linkcond_queue_due(q), 100 * MS);
	queue_change(q, "delay 200ms", 5 * MS);
	assert_int_equal(linkcond_queue_due(q), 100 * MS);
	linkcond_queue_free(q);

	/* Two queues alike; one's delay drops to 1 ms: same order, sooner. */
	struct linkcond_queue *a = queue_with("delay 100ms jitter 50ms", 9);
	struct linkcond_queue *b = queue_with("delay 100ms jitter 50ms", 9);
	for (uint32_t i = 0; i < 200; i++) {
		frame_make(f, sizeof(f), i, 0x0800);
		linkcond_queue_admit(a, f, sizeof(f), i * 100000);
		linkcond_queue_admit(b, f, sizeof(f), i * 100000);
	}
	queue_change(b, "delay 1ms", 30 * MS);
	assert_true(linkcond_queue_due(b) >= 30 * MS);
	uint32_t order[200];
	bool in_order = true;
	for (uint32_t i = 0; i < 200; i++) {
		assert_true(linkcond_queue_next(a, 1000 * MS, &out, &len));
		order[i] = frame_id(out);
		in_order = in_order && order[i] == i;
	}
	assert_false(in_order);		/* jitter mixed them */
	for (uint32_t i = 0; i < 200; i++) {
		assert_true(linkcond_queue_next(b, 31 * MS, &out, &len));
		assert_int_equal(frame_id(out), order[i]);
	}
	assert_false(linkcond_queue_next(b, 1000 * MS, &out, &len));
	linkcond_queue_free(a);
	linkcond_queue_free(b);
}

#ifdef __GLIBC__
static size_t malloc_in_use(void)
{
	return mallinfo2().uordblks;
}
#endif

/* A queue that held many frames gives their memory back as they go, and
 * when it is flushed: freed, not only emptied. */
static void test_memory_freed(void **state)
{
	(void)state;
	unsigned char f[1514];
	frame_make(f, sizeof(f), 0, 0x0800);
	struct linkcond_queue *q = queue_with("delay 60s limit 5000", 1);
	const unsigned char *out;
	size_t len;
	for (int round = 0; round < 2; round++) {
#ifdef __GLIBC__
		size_t before = malloc_in_use();
#endif
		for (int i = 0; i < 5000; i++)
			assert_int_equal(linkcond_queue_admit(q, f, sizeof(f), 0), LINKCOND_HELD);
		struct linkcond_stats st;
		linkcond_queue_stats(q, &st);
		assert_int_equal(st.held_bytes, 5000 * COST(1514));
		assert_true(st.held_bytes <= LINKCOND_QUEUE_BYTES);
#ifdef __GLIBC__
		size_t full = malloc_in_use();
#endif
		if (round == 0) {
			while (linkcond_queue_next(q, 60000 * MS, &out, &len))
				;
		} else {
			assert_int_equal(linkcond_queue_flush(q), 5000);
		}
		linkcond_queue_stats(q, &st);
		assert_int_equal(st.held, 0);
		assert_int_equal(st.held_bytes, 0);
#ifdef __GLIBC__
		/* Under a sanitizer malloc is not glibc's: nothing to measure. */
		if (full - before >= 5000 * 1514)
			assert_true(malloc_in_use() < before + 4096);
#endif
	}
	linkcond_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_words),
		cmocka_unit_test(test_no_condition_passes),
		cmocka_unit_test(test_delay_keeps_order),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_loss_rate_and_bursts),
		cmocka_unit_test(test_duplicate_and_corrupt),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_rate_and_limit),
		cmocka_unit_test(test_mtu_match_drop),
		cmocka_unit_test(test_limit_bounded),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_shared_budget),
		cmocka_unit_test(test_clear_releases_at_once),
		cmocka_unit_test(test_change_retimes),
		cmocka_unit_test(test_memory_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
