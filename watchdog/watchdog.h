/* watchdog/watchdog.h: noticing crashed and hung instances, and deciding when to restart them.
 *
 * The policy, the rate limit and the probe's rules (liveness.c) are pure
 * functions of their inputs (tests pass the clock in); the liveness probe
 * (probe.c) asks the kernels' mconsoles on a libev loop. The instance state machine (core/supervisor/instance.c) calls both. */
#ifndef UMLLAB_WATCHDOG_H
#define UMLLAB_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/proc.h"
#include "core/lab/topology.h"

/* How an instance's kernel ended. */
enum watchdog_fault {
	WATCHDOG_FAULT_HALTED,		/* exited with status 0: the guest halted itself */
	WATCHDOG_FAULT_EXITED,		/* exited with another status */
	WATCHDOG_FAULT_KILLED,		/* killed by a signal from outside */
	WATCHDOG_FAULT_PANIC,		/* MCONSOLE_PANIC */
	WATCHDOG_FAULT_HANG,		/* the liveness probe, or MCONSOLE_HANG */
	WATCHDOG_FAULT_BOOT,		/* never finished booting */
};

const char *watchdog_fault_name(enum watchdog_fault f);

/* Should an instance with this policy come back after this fault? */
bool watchdog_should_restart(enum lab_restart policy, enum watchdog_fault fault);

/* At most `burst` restarts within any `window_ms`, on a monotonic clock. */
#define WATCHDOG_BURST_MAX 16
struct watchdog_limiter {
	uint64_t starts[WATCHDOG_BURST_MAX];	/* ring of recent restart times */
	unsigned n, next, burst;
	uint64_t window_ms;
};

void watchdog_limiter_init(struct watchdog_limiter *l, unsigned burst, uint64_t window_ms);

/* Record a restart at now_ms and return true, or return false (recording
 * nothing) when `burst` restarts already happened within the window. */
bool watchdog_limiter_allow(struct watchdog_limiter *l, uint64_t now_ms);

/* Wait before restart number `attempt` (1 = first after a stable run):
 * none at first, then doubling from 250 ms up to 4 s, so a kernel that
 * dies at once does not spin. */
uint64_t watchdog_backoff_ms(unsigned attempt);

/* ---- the liveness probe ----
 *
 * Every running kernel is asked for its version on an mconsole socket of
 * the probe's own, every interval, and must answer within answer_ms; a
 * hang is then seen at most interval + answer after the kernel's last sign
 * of life (1.75 + 0.75 s: the 2.5 s target). One timer ticks for all of a
 * lab's kernels and does all the work: it sends the requests that are due
 * and reads the answers to the last tick's, so 500 idle kernels cost the
 * supervisor four wake-ups a second. Each request is one send() on a
 * socket connected once, each answer one recv(). (Until issue 27: a timer,
 * a connect(), a send(), an epoll wake-up and two recv()s per kernel twice
 * a second, 2.2 % of a core for 100 idle kernels; the send() is most of
 * what is left, as it wakes the kernel with SIGIO.)
 *
 * A late answer is blamed on the kernel only when it had the chance to
 * answer: its process is stopped, or it ran (it or its guest's programs
 * used the CPU) without answering, or it sat idle. A kernel that waited
 * for the host's CPU instead (a busy machine) gets more time, up to
 * starved_max_ms. A tick that comes several ticks late means the
 * supervisor itself did not run: every kernel gets a fresh deadline. */

struct watchdog_timing {
	unsigned tick_ms;		/* the lab's one timer */
	unsigned interval_ms;		/* between requests to one kernel (a multiple of tick_ms) */
	unsigned answer_ms;		/* an answer is late after this (a multiple of tick_ms, >= 2 ticks) */
	unsigned starved_max_ms;	/* a kernel kept from the CPU is called hung after this */
};
#define WATCHDOG_TICK_MS 250
#define WATCHDOG_INTERVAL_MS 1750
#define WATCHDOG_ANSWER_MS 750
#define WATCHDOG_STARVED_MAX_MS 10000

/* From a tick after the request to the deadline (and in each tick after
 * it): a kernel that ran this long without answering is hung; one that
 * waited this long for a CPU is starved. A kernel that is not starved answers
 * in milliseconds (p99 156 ms, max 237 ms for 100 idle kernels on a 2-core
 * machine at load 8: most of it the wait for a CPU). */
#define WATCHDOG_RAN_NS 30000000ULL
#define WATCHDOG_WAITED_NS 50000000ULL

/* One kernel's probe, counted in ticks (pure: the caller feeds the ticks,
 * answers and samples of the kernel's process). */
struct watchdog_liveness {
	uint64_t answer_ms;	/* the last answer, or the start (for the report) */
	unsigned since_send;	/* ticks since the request in flight went */
	unsigned until_send;	/* ticks until the next request may go */
	unsigned starved;	/* ticks past the deadline spent waiting for the CPU */
	unsigned since_sample;	/* ticks since base was sampled */
	bool in_flight;
	bool sampled;		/* base holds the kernel's sample for this deadline */
	struct proc_sched base;
};

enum watchdog_step {
	WATCHDOG_STEP_NONE,
	WATCHDOG_STEP_SEND,	/* send a request now, then watchdog_liveness_sent() */
	WATCHDOG_STEP_SAMPLE,	/* no answer a tick after the request: sample the kernel into base */
	WATCHDOG_STEP_JUDGE,	/* it is late: sample it again and ask watchdog_liveness_blame() */
};

enum watchdog_blame {
	WATCHDOG_BLAME_WAIT,	/* it waited for the host's CPU: not its fault (yet) */
	WATCHDOG_BLAME_STOPPED,	/* its process is stopped (SIGSTOP) */
	WATCHDOG_BLAME_BUSY,	/* it ran without answering */
	WATCHDOG_BLAME_IDLE,	/* it sat idle without answering */
	WATCHDOG_BLAME_STARVED,	/* it got almost no CPU for starved_max_ms */
	WATCHDOG_BLAME_GONE,	/* its process could not be read */
};

void watchdog_liveness_init(struct watchdog_liveness *l, const struct watchdog_timing *t,
    uint64_t now_ms);
/* One tick of the lab's timer (call once per tick): what to do now. */
enum watchdog_step watchdog_liveness_tick(struct watchdog_liveness *l, const struct watchdog_timing *t);
void watchdog_liveness_sent(struct watchdog_liveness *l, const struct watchdog_timing *t);
void watchdog_liveness_answered(struct watchdog_liveness *l, uint64_t now_ms);
/* The supervisor itself did not run for a while: a fresh deadline. */
void watchdog_liveness_pause(struct watchdog_liveness *l, uint64_t now_ms);
/* Past the deadline, with the kernel sampled now: is it hung? WAIT keeps
 * the request in flight and judges again at the next tick. */
enum watchdog_blame watchdog_liveness_blame(struct watchdog_liveness *l, const struct watchdog_timing *t,
    const struct proc_sched *now);
/* Why it was called hung, in a few words (for the cause), into buf. */
void watchdog_blame_text(enum watchdog_blame b, const struct watchdog_liveness *l,
    const struct proc_sched *now, const struct watchdog_timing *t, char *buf, size_t size);

struct ev_loop;
struct watchdog_probes;
struct watchdog_probe;

/* The probes of one lab and their timer; t NULL: the WATCHDOG_* defaults. */
struct watchdog_probes *watchdog_probes_new(struct ev_loop *loop, const struct watchdog_timing *t);
/* Stops every probe left (their on_hang is not called). */
void watchdog_probes_free(struct watchdog_probes *g);

/* Probe the kernel whose main process is pid and whose mconsole socket is
 * mconsole_path, from a socket bound to client_path (in a private
 * directory; removed by watchdog_probe_stop). on_hang is called once, with
 * the silence so far and why the kernel is blamed; it may stop the probe
 * (the probe touches nothing after calling it). NULL with *cause on failure. */
struct watchdog_probe *watchdog_probe_start(struct watchdog_probes *g, pid_t pid,
    const char *mconsole_path, const char *client_path,
    void (*on_hang)(void *arg, uint64_t silent_ms, const char *why), void *arg, char **cause);
void watchdog_probe_stop(struct watchdog_probe *p);

#endif
