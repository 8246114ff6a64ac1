/* tests/unit/test_filter.c: tcpdump expressions compiled within bounds: in a
 * child that is killed when it takes too long, waited for or while a loop
 * runs; too long an expression refused before any work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "core/base/util.h"
#include "core/capture/filter.h"

/* An expression libpcap takes seconds for: n `port N or` terms. */
static char *many_ports(unsigned n)
{
	struct strbuf b = { 0 };
	for (unsigned i = 0; i < n; i++)
		strbuf_printf(&b, "%sport %u", i ? " or " : "", 1000 + i);
	return strbuf_take(&b);
}

static void no_child_left(void)
{
	assert_true(waitpid(-1, NULL, WNOHANG) < 0);	/* ECHILD: every child reaped */
}

static void test_compile_matches_in_process(void **state)
{
	(void)state;
	struct bpf_program a = { 0 }, b = { 0 };
	char *cause = NULL;
	assert_int_equal(filter_compile("icmp or arp", &a, &cause), 0);
	assert_int_equal(filter_compile_trusted("icmp or arp", &b, &cause), 0);
	assert_int_equal(a.bf_len, b.bf_len);
	assert_memory_equal(a.bf_insns, b.bf_insns, a.bf_len * sizeof(struct bpf_insn));
	pcap_freecode(&a);
	pcap_freecode(&b);
	no_child_left();
}

static void test_compile_mistake_named(void **state)
{
	(void)state;
	struct bpf_program p = { 0 };
	char *cause = NULL;
	assert_int_equal(filter_compile("icmp andd arp", &p, &cause), -1);
	assert_non_null(strstr(cause, "filter \"icmp andd arp\": "));
	assert_non_null(strstr(cause, "syntax error"));
	free(cause);
	no_child_left();
}

static void test_compile_too_long_refused(void **state)
{
	(void)state;
	char *expr = xcalloc(1, FILTER_EXPANDED_MAX + 2);
	memset(expr, 'a', FILTER_EXPANDED_MAX + 1);
	struct bpf_program p = { 0 };
	char *cause = NULL;
	uint64_t t0 = clock_ms();
	assert_int_equal(filter_compile(expr, &p, &cause), -1);
	assert_true(clock_ms() - t0 < 500);
	assert_non_null(strstr(cause, "at most 16384"));
	free(cause);
	free(expr);
}

/* 600 terms took 37 s in the supervisor's loop: now the child is killed. */
static void test_compile_too_slow_killed(void **state)
{
	(void)state;
	char *expr = many_ports(600);
	assert_true(strlen(expr) <= FILTER_EXPANDED_MAX);
	struct bpf_program p = { 0 };
	char *cause = NULL;
	uint64_t t0 = clock_ms();
	assert_int_equal(filter_compile(expr, &p, &cause), -1);
	uint64_t took = clock_ms() - t0;
	assert_true(took >= FILTER_COMPILE_MS - 50);
	assert_true(took < FILTER_COMPILE_MS + 2000);
	assert_non_null(strstr(cause, "did not compile within 2000 ms"));
	free(cause);
	free(expr);
	no_child_left();
}

struct done_seen {
	int calls;
	struct bpf_program progs[FILTER_JOB_MAX];
	size_t failed;
	char *why;
};

static void on_done(void *arg, struct bpf_program *progs, size_t failed, const char *why)
{
	struct done_seen *d = arg;
	d->calls++;
	d->failed = failed;
	if (progs != NULL)
		memcpy(d->progs, progs, 2 * sizeof(*progs));
	d->why = why ? xstrdup(why) : NULL;
}

/* Reap the children libev's default loop would reap. */
static void run_until_done(struct ev_loop *loop, struct done_seen *d)
{
	uint64_t until = clock_ms() + 10000;
	while (d->calls == 0 && clock_ms() < until)
		ev_run(loop, EVRUN_ONCE);
}

static void test_start_two(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_default_loop(0);
	const char *exprs[2] = { "icmp", "tcp port 80" };
	struct done_seen d = { 0 };
	char *cause = NULL;
	struct filter_job *j = filter_compile_start(loop, exprs, 2, on_done, &d, &cause);
	assert_non_null(j);
	run_until_done(loop, &d);
	assert_int_equal(d.calls, 1);
	assert_null(d.why);
	for (int i = 0; i < 2; i++) {
		struct bpf_program want = { 0 };
		assert_int_equal(filter_compile_trusted(exprs[i], &want, &cause), 0);
		assert_int_equal(d.progs[i].bf_len, want.bf_len);
		assert_memory_equal(d.progs[i].bf_insns, want.bf_insns,
		    want.bf_len * sizeof(struct bpf_insn));
		pcap_freecode(&want);
		pcap_freecode(&d.progs[i]);
	}
}

static void test_start_second_wrong(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_default_loop(0);
	const char *exprs[2] = { "icmp", "tcp portt 80" };
	struct done_seen d = { 0 };
	char *cause = NULL;
	assert_non_null(filter_compile_start(loop, exprs, 2, on_done, &d, &cause));
	run_until_done(loop, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.failed, 1);
	assert_non_null(strstr(d.why, "tcp portt 80"));
	free(d.why);
}

/* The loop keeps turning (a timer fires) while a slow one compiles. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	(*(int *)w->data)++;
}

static void test_start_slow_loop_answers(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_default_loop(0);
	char *slow = many_ports(600);
	const char *exprs[2] = { "icmp", slow };
	struct done_seen d = { 0 };
	int ticks = 0;
	ev_timer tick;
	ev_timer_init(&tick, on_tick, 0.1, 0.1);
	tick.data = &ticks;
	ev_timer_start(loop, &tick);
	char *cause = NULL;
	assert_non_null(filter_compile_start(loop, exprs, 2, on_done, &d, &cause));
	run_until_done(loop, &d);
	ev_timer_stop(loop, &tick);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.failed, 1);
	assert_non_null(strstr(d.why, "did not compile within"));
	assert_true(ticks >= 10);	/* 2 s of 100 ms ticks, give or take a busy machine */
	free(d.why);
	free(slow);
}

static void test_cancel(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_default_loop(0);
	char *slow = many_ports(600);
	const char *exprs[1] = { slow };
	struct done_seen d = { 0 };
	char *cause = NULL;
	struct filter_job *j = filter_compile_start(loop, exprs, 1, on_done, &d, &cause);
	assert_non_null(j);
	filter_compile_cancel(j);
	uint64_t until = clock_ms() + 3000;
	while (clock_ms() < until && waitpid(-1, NULL, WNOHANG) == 0)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(d.calls, 0);
	free(slow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_matches_in_process),
		cmocka_unit_test(test_compile_mistake_named),
		cmocka_unit_test(test_compile_too_long_refused),
		cmocka_unit_test(test_compile_too_slow_killed),
		cmocka_unit_test(test_start_two),
		cmocka_unit_test(test_start_second_wrong),
		cmocka_unit_test(test_start_slow_loop_answers),
		cmocka_unit_test(test_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
