/* tests/unit/test_watchdog.c: restart policy, rate limit, back-off, and the liveness probe (its rules, then live against fake kernels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/util.h"
#include "mconsole/mconsole.h"
#include "watchdog/watchdog.h"

static void test_policy(void **state)
{
	(void)state;
	static const enum watchdog_fault faults[] = { WATCHDOG_FAULT_HALTED, WATCHDOG_FAULT_EXITED,
	    WATCHDOG_FAULT_KILLED, WATCHDOG_FAULT_PANIC, WATCHDOG_FAULT_HANG, WATCHDOG_FAULT_BOOT };
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		enum watchdog_fault f = faults[i];
		assert_false(watchdog_should_restart(LAB_RESTART_NEVER, f));
		assert_true(watchdog_should_restart(LAB_RESTART_ALWAYS, f));
		/* on-failure: everything but a guest that halted itself cleanly */
		assert_int_equal(watchdog_should_restart(LAB_RESTART_ON_FAILURE, f),
		    f != WATCHDOG_FAULT_HALTED);
	}
}

static void test_limiter_burst_then_refuse(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 3, 10000);
	assert_true(watchdog_limiter_allow(&l, 1000));
	assert_true(watchdog_limiter_allow(&l, 2000));
	assert_true(watchdog_limiter_allow(&l, 3000));
	/* a fourth within 10 s of the first is refused, and refusing records nothing */
	assert_false(watchdog_limiter_allow(&l, 4000));
	assert_false(watchdog_limiter_allow(&l, 10999));
	/* once the first has left the window, one more is allowed */
	assert_true(watchdog_limiter_allow(&l, 11000));
	assert_false(watchdog_limiter_allow(&l, 11500));
	assert_true(watchdog_limiter_allow(&l, 12000));
}

static void test_limiter_spread_out_never_refused(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 5, 60000);
	for (uint64_t t = 0; t < 100; t++)
		assert_true(watchdog_limiter_allow(&l, 100000 + t * 12001));
}

static void test_limiter_bounds(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 1000, 1000);	/* clamped to WATCHDOG_BURST_MAX */
	unsigned allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += watchdog_limiter_allow(&l, 5000);
	assert_int_equal(allowed, WATCHDOG_BURST_MAX);
	watchdog_limiter_init(&l, 0, 1000);	/* at least one */
	assert_true(watchdog_limiter_allow(&l, 1));
	assert_false(watchdog_limiter_allow(&l, 2));
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(watchdog_backoff_ms(0), 0);
	assert_int_equal(watchdog_backoff_ms(1), 0);
	assert_int_equal(watchdog_backoff_ms(2), 250);
	assert_int_equal(watchdog_backoff_ms(3), 500);
	assert_int_equal(watchdog_backoff_ms(4), 1000);
	assert_int_equal(watchdog_backoff_ms(6), 4000);
	assert_int_equal(watchdog_backoff_ms(100), 4000);
}

static void test_fault_names(void **state)
{
	(void)state;
	assert_string_equal(watchdog_fault_name(WATCHDOG_FAULT_HANG), "hang");
	assert_string_equal(watchdog_fault_name(WATCHDOG_FAULT_PANIC), "panic");
}


/* ---- the probe's rules ---- */

static const struct watchdog_timing dflt = { WATCHDOG_TICK_MS, WATCHDOG_INTERVAL_MS, WATCHDOG_ANSWER_MS,
	WATCHDOG_STARVED_MAX_MS };

static struct proc_sched sample(char state, uint64_t run_ms, uint64_t wait_ms)
{
	struct proc_sched s = { .ok = true, .state = state, .run_ns = run_ms * 1000000,
		.wait_ns = wait_ms * 1000000 };
	return s;
}

/* Ticks from init until the next request goes; asserts nothing else happens. */
static unsigned ticks_to_send(struct watchdog_liveness *l)
{
	for (unsigned n = 1; n < 100; n++) {
		enum watchdog_step st = watchdog_liveness_tick(l, &dflt);
		if (st == WATCHDOG_STEP_SEND)
			return n;
		assert_int_equal(st, WATCHDOG_STEP_NONE);
	}
	fail_msg("no request in 100 ticks");
	return 0;
}

static void test_liveness_schedule(void **state)
{
	(void)state;
	struct watchdog_liveness l;
	watchdog_liveness_init(&l, &dflt, 1000);
	/* One request per interval, counted from the previous request. */
	assert_int_equal(ticks_to_send(&l), WATCHDOG_INTERVAL_MS / WATCHDOG_TICK_MS);
	watchdog_liveness_sent(&l, &dflt);
	watchdog_liveness_answered(&l, 2500);
	assert_false(l.in_flight);
	assert_int_equal(ticks_to_send(&l), WATCHDOG_INTERVAL_MS / WATCHDOG_TICK_MS);
	/* An answer that takes a tick does not push the next request back
	 * (a tick without one, the kernel is sampled). */
	watchdog_liveness_sent(&l, &dflt);
	assert_int_equal(watchdog_liveness_tick(&l, &dflt), WATCHDOG_STEP_SAMPLE);
	watchdog_liveness_answered(&l, 4500);
	assert_int_equal(ticks_to_send(&l), WATCHDOG_INTERVAL_MS / WATCHDOG_TICK_MS - 1);
}

/* The 2.5 s target: a kernel that stops right after answering is judged
 * interval + answer after that answer, not later. */
static void test_liveness_deadline(void **state)
{
	(void)state;
	assert_true(WATCHDOG_INTERVAL_MS + WATCHDOG_ANSWER_MS <= 2500);
	struct watchdog_liveness l;
	watchdog_liveness_init(&l, &dflt, 0);
	unsigned t = ticks_to_send(&l);
	watchdog_liveness_sent(&l, &dflt);
	watchdog_liveness_answered(&l, 0);	/* its last sign of life, at tick t */
	unsigned since = ticks_to_send(&l);
	watchdog_liveness_sent(&l, &dflt);
	enum watchdog_step st;
	bool sampled = false;
	while ((st = watchdog_liveness_tick(&l, &dflt)) != WATCHDOG_STEP_JUDGE) {
		since++;
		if (st == WATCHDOG_STEP_SAMPLE) {
			l.base = sample('S', 100, 5);
			l.sampled = sampled = true;
		}
		assert_true(since < 100);
	}
	since++;
	(void)t;
	assert_true(sampled);
	assert_int_equal(since * WATCHDOG_TICK_MS, WATCHDOG_INTERVAL_MS + WATCHDOG_ANSWER_MS);
	/* Nothing ran, nothing waited: it sat idle with our request. */
	struct proc_sched now = sample('S', 101, 6);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_IDLE);
}

static void late(struct watchdog_liveness *l)
{
	watchdog_liveness_init(l, &dflt, 0);
	ticks_to_send(l);
	watchdog_liveness_sent(l, &dflt);
	assert_int_equal(watchdog_liveness_tick(l, &dflt), WATCHDOG_STEP_SAMPLE);
	l->base = sample('R', 1000, 1000);
	l->sampled = true;
	enum watchdog_step st;
	while ((st = watchdog_liveness_tick(l, &dflt)) == WATCHDOG_STEP_NONE)
		;
	assert_int_equal(st, WATCHDOG_STEP_JUDGE);
}

static void test_liveness_blame(void **state)
{
	(void)state;
	struct watchdog_liveness l;
	struct proc_sched now;
	char why[128];

	late(&l);
	now = sample('T', 1000, 1000);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_STOPPED);
	watchdog_blame_text(WATCHDOG_BLAME_STOPPED, &l, &now, &dflt, why, sizeof(why));
	assert_string_equal(why, "its process is stopped");

	late(&l);	/* ran most of the time without answering: a spinning kernel */
	now = sample('R', 1200, 1050);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_BUSY);
	watchdog_blame_text(WATCHDOG_BLAME_BUSY, &l, &now, &dflt, why, sizeof(why));
	assert_string_equal(why, "it used the CPU for 200 ms of the last 500 ms without answering");

	late(&l);	/* gone from /proc */
	now = (struct proc_sched){ .ok = false };
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_GONE);

	/* Starved: it waited for the host's CPU; judged again each tick, by
	 * what it does in that tick, and called hung only after the limit. */
	late(&l);
	uint64_t run = 1005, wait = 1300;
	unsigned waits = 0;
	enum watchdog_blame b;
	for (;;) {
		now = sample('R', run, wait);
		b = watchdog_liveness_blame(&l, &dflt, &now);
		if (b != WATCHDOG_BLAME_WAIT)
			break;
		waits++;
		assert_int_equal(watchdog_liveness_tick(&l, &dflt), WATCHDOG_STEP_JUDGE);
		run += 5;
		wait += 400;
	}
	assert_int_equal(b, WATCHDOG_BLAME_STARVED);
	assert_int_equal((waits + 1) * WATCHDOG_TICK_MS, WATCHDOG_STARVED_MAX_MS);

	/* A starved kernel that then runs and still does not answer is hung at
	 * the next tick; one that answers is fine. */
	late(&l);
	now = sample('R', 1005, 1300);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_WAIT);
	assert_int_equal(watchdog_liveness_tick(&l, &dflt), WATCHDOG_STEP_JUDGE);
	now = sample('R', 1100, 1310);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_BUSY);
	late(&l);
	now = sample('R', 1005, 1300);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_WAIT);
	watchdog_liveness_answered(&l, 5000);
	assert_int_equal(l.starved, 0);
	/* the next request goes an interval after the last one */
	assert_int_equal(ticks_to_send(&l) + WATCHDOG_ANSWER_MS / WATCHDOG_TICK_MS,
	    WATCHDOG_INTERVAL_MS / WATCHDOG_TICK_MS);

	/* Waiting on the host's disk, or exiting, is not the kernel's fault. */
	late(&l);
	now = sample('D', 1000, 1000);
	now.any_disk = true;
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_WAIT);
	late(&l);
	now = sample('Z', 1000, 1000);
	assert_int_equal(watchdog_liveness_blame(&l, &dflt, &now), WATCHDOG_BLAME_WAIT);
}

/* A tick that came late (the supervisor did not run): a fresh deadline. */
static void test_liveness_pause(void **state)
{
	(void)state;
	struct watchdog_liveness l;
	late(&l);
	watchdog_liveness_pause(&l, 9000);
	assert_int_equal(l.answer_ms, 9000);
	unsigned n = 1;
	enum watchdog_step st;
	while ((st = watchdog_liveness_tick(&l, &dflt)) != WATCHDOG_STEP_JUDGE) {
		assert_int_equal(st, n == 1 ? WATCHDOG_STEP_SAMPLE : WATCHDOG_STEP_NONE);
		n++;
	}
	assert_int_equal(n * WATCHDOG_TICK_MS, WATCHDOG_ANSWER_MS);
}

/* ---- the probe, live, against fake kernels ---- */

enum fake { FAKE_ANSWER, FAKE_IDLE, FAKE_SPIN };

/* A process with an mconsole-like socket at path: answers `version`, or
 * takes requests and never answers (asleep, or spinning). */
static pid_t fake_kernel(const char *path, enum fake how)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(fd);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed test */
	char buf[MCONSOLE_REQUEST_SIZE];
	for (;;) {
		struct sockaddr_un from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n <= 0)
			continue;
		if (how == FAKE_SPIN)
			for (volatile unsigned long i = 0;; i++)
				;
		if (how == FAKE_IDLE)
			continue;
		uint32_t reply[3 + 4] = { 0, 0, 8 };
		memcpy(&reply[3], "6.1.0", 6);
		sendto(fd, reply, sizeof(reply), 0, (struct sockaddr *)&from, len);
	}
}

struct hang_seen {
	int calls;
	uint64_t at_ms;
	char why[128];
};

static void on_hang(void *arg, uint64_t silent_ms, const char *why)
{
	(void)silent_ms;
	struct hang_seen *h = arg;
	h->calls++;
	h->at_ms = clock_ms();
	snprintf(h->why, sizeof(h->why), "%s", why);
}

static void on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void run_for(struct ev_loop *loop, unsigned ms)
{
	ev_timer stop;
	ev_timer_init(&stop, on_stop, ms / 1000.0, 0.);
	ev_timer_start(loop, &stop);
	ev_run(loop, 0);
	ev_timer_stop(loop, &stop);
}

static void test_probe_live(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_watchdog.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	/* Shorter than a lab's (the rules are the same, in ticks). */
	const struct watchdog_timing t = { 50, 150, 100, 1000 };
	struct watchdog_probes *g = watchdog_probes_new(loop, &t);
	static const char *names[] = { "answer", "stopped", "idle", "spin" };
	static const enum fake kinds[] = { FAKE_ANSWER, FAKE_ANSWER, FAKE_IDLE, FAKE_SPIN };
	pid_t pids[4];
	struct hang_seen seen[4];
	struct watchdog_probe *probes[4];
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 4; i++) {
		char *k = xasprintf("%s/%s.mc", dir, names[i]), *c = xasprintf("%s/%s.probe", dir, names[i]);
		pids[i] = fake_kernel(k, kinds[i]);
		char *cause = NULL;
		probes[i] = watchdog_probe_start(g, pids[i], k, c, on_hang, &seen[i], &cause);
		assert_non_null(probes[i]);
		free(k);
		free(c);
	}
	/* Everyone answers or has not been asked yet: nobody is hung. */
	run_for(loop, 120);
	for (int i = 0; i < 4; i++)
		assert_int_equal(seen[i].calls, 0);
	kill(pids[1], SIGSTOP);
	uint64_t stopped_ms = clock_ms();
	run_for(loop, 700);
	assert_int_equal(seen[0].calls, 0);
	assert_int_equal(seen[1].calls, 1);
	assert_string_equal(seen[1].why, "its process is stopped");
	/* interval + answer, and a tick for the loop's slack */
	assert_true(seen[1].at_ms - stopped_ms <= t.interval_ms + t.answer_ms + t.tick_ms);
	assert_int_equal(seen[2].calls, 1);
	assert_string_equal(seen[2].why, "it sat idle without answering");
	assert_int_equal(seen[3].calls, 1);
	for (int i = 1; i < 4; i++)
		watchdog_probe_stop(probes[i]);
	/* The one that answers is still never called hung. */
	run_for(loop, 400);
	assert_int_equal(seen[0].calls, 0);
	watchdog_probes_free(g);	/* stops the last probe */
	ev_loop_destroy(loop);
	for (int i = 0; i < 4; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		char *k = xasprintf("%s/%s.mc", dir, names[i]);
		unlink(k);
		free(k);
	}
	assert_int_equal(rmdir(dir), 0);	/* every probe removed its socket */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_limiter_burst_then_refuse),
		cmocka_unit_test(test_limiter_spread_out_never_refused),
		cmocka_unit_test(test_limiter_bounds),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_fault_names),
		cmocka_unit_test(test_liveness_schedule),
		cmocka_unit_test(test_liveness_deadline),
		cmocka_unit_test(test_liveness_blame),
		cmocka_unit_test(test_liveness_pause),
		cmocka_unit_test(test_probe_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
