/* watchdog/watchdog.h: noticing crashed and hung instances, and deciding when to restart them.
 *
 * The policy and the rate limit are pure functions of their inputs (tests
 * pass the clock in); the liveness probe asks a kernel's mconsole on a
 * libev loop. The instance state machine (core/supervisor/instance.c) calls both. */
#ifndef UMLLAB_WATCHDOG_H
#define UMLLAB_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

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

/* ---- the liveness probe ---- */

struct ev_loop;
struct watchdog_probe;

/* Every interval_ms, ask the kernel's mconsole for its version on a socket
 * of the probe's own (so queued exec traffic cannot delay it); call on_hang
 * once when no answer came for hang_ms (on_hang may stop the probe; the
 * probe touches nothing after calling it). NULL with *cause on failure. */
struct watchdog_probe *watchdog_probe_start(struct ev_loop *loop, const char *mconsole_path,
    const char *client_path, unsigned interval_ms, unsigned hang_ms, void (*on_hang)(void *arg, uint64_t silent_ms),
    void *arg, char **cause);
void watchdog_probe_stop(struct watchdog_probe *p);

#endif
