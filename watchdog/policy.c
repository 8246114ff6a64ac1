/* watchdog/policy.c: restart policy, restart rate limit and back-off. */
#include "watchdog/watchdog.h"

#include <string.h>

const char *watchdog_fault_name(enum watchdog_fault f)
{
	switch (f) {
	case WATCHDOG_FAULT_HALTED: return "halted";
	case WATCHDOG_FAULT_EXITED: return "exited";
	case WATCHDOG_FAULT_KILLED: return "killed";
	case WATCHDOG_FAULT_PANIC: return "panic";
	case WATCHDOG_FAULT_HANG: return "hang";
	case WATCHDOG_FAULT_BOOT: return "boot";
	}
	return "unknown";
}

bool watchdog_should_restart(enum lab_restart policy, enum watchdog_fault fault)
{
	switch (policy) {
	case LAB_RESTART_NEVER:
		return false;
	case LAB_RESTART_ALWAYS:
		return true;
	case LAB_RESTART_ON_FAILURE:
		return fault != WATCHDOG_FAULT_HALTED;
	}
	return false;
}

void watchdog_limiter_init(struct watchdog_limiter *l, unsigned burst, uint64_t window_ms)
{
	memset(l, 0, sizeof(*l));
	l->burst = burst == 0 ? 1 : burst > WATCHDOG_BURST_MAX ? WATCHDOG_BURST_MAX : burst;
	l->window_ms = window_ms;
}

bool watchdog_limiter_allow(struct watchdog_limiter *l, uint64_t now_ms)
{
	if (l->n == l->burst) {
		/* The oldest of the last `burst` restarts is the one to be replaced. */
		uint64_t oldest = l->starts[l->next];
		if (now_ms - oldest < l->window_ms)
			return false;
	} else {
		l->n++;
	}
	l->starts[l->next] = now_ms;
	l->next = (l->next + 1) % l->burst;
	return true;
}

uint64_t watchdog_backoff_ms(unsigned attempt)
{
	if (attempt <= 1)
		return 0;
	uint64_t ms = 250;
	for (unsigned i = 2; i < attempt && ms < 4000; i++)
		ms *= 2;
	return ms > 4000 ? 4000 : ms;
}
