/* watchdog/liveness.c: the liveness probe's rules, by ticks: when to ask a kernel, when its answer is late, and whether that is its fault. */
#include "watchdog/watchdog.h"

#include <stdio.h>
#include <string.h>

static unsigned ticks(unsigned ms, unsigned tick_ms)
{
	unsigned n = (ms + tick_ms - 1) / tick_ms;
	return n == 0 ? 1 : n;
}

void watchdog_liveness_init(struct watchdog_liveness *l, const struct watchdog_timing *t,
    uint64_t now_ms)
{
	memset(l, 0, sizeof(*l));
	l->answer_ms = now_ms;
	/* The kernel just showed it lives (its agent said ready): the first
	 * request goes one interval from now, like every later one. */
	l->until_send = ticks(t->interval_ms, t->tick_ms);
}

enum watchdog_step watchdog_liveness_tick(struct watchdog_liveness *l, const struct watchdog_timing *t)
{
	if (l->until_send > 0)
		l->until_send--;
	if (!l->in_flight)
		return l->until_send == 0 ? WATCHDOG_STEP_SEND : WATCHDOG_STEP_NONE;
	l->since_send++;
	l->since_sample++;
	unsigned late = ticks(t->answer_ms, t->tick_ms);
	if (l->since_send >= late)
		return WATCHDOG_STEP_JUDGE;
	/* A tick after the request (most answers come within milliseconds):
	 * what the kernel does from here to the deadline tells a starved
	 * kernel from a hung one. */
	if (!l->sampled && l->since_send == 1) {
		l->since_sample = 0;	/* the caller samples now */
		return WATCHDOG_STEP_SAMPLE;
	}
	return WATCHDOG_STEP_NONE;
}

void watchdog_liveness_sent(struct watchdog_liveness *l, const struct watchdog_timing *t)
{
	l->in_flight = true;
	l->since_send = 0;
	l->sampled = false;
	l->starved = 0;
	l->until_send = ticks(t->interval_ms, t->tick_ms);
}

void watchdog_liveness_answered(struct watchdog_liveness *l, uint64_t now_ms)
{
	l->answer_ms = now_ms;
	l->in_flight = false;
	l->sampled = false;
	l->starved = 0;
}

void watchdog_liveness_pause(struct watchdog_liveness *l, uint64_t now_ms)
{
	l->answer_ms = now_ms;
	l->since_send = 0;
	l->sampled = false;
	l->starved = 0;
}

enum watchdog_blame watchdog_liveness_blame(struct watchdog_liveness *l, const struct watchdog_timing *t,
    const struct proc_sched *now)
{
	if (!now->ok)
		return WATCHDOG_BLAME_GONE;
	if (now->state == 'T' || now->state == 't')
		return WATCHDOG_BLAME_STOPPED;
	bool ending = now->state == 'Z' || now->state == 'X';	/* its exit is on its way */
	uint64_t ran = 0, waited = 0;
	if (l->sampled && l->base.ok) {
		ran = now->run_ns >= l->base.run_ns ? now->run_ns - l->base.run_ns : 0;
		waited = now->wait_ns >= l->base.wait_ns ? now->wait_ns - l->base.wait_ns : 0;
	}
	enum watchdog_blame b;
	if (ran >= WATCHDOG_RAN_NS)
		b = WATCHDOG_BLAME_BUSY;
	else if (waited >= WATCHDOG_WAITED_NS || now->any_disk || !l->sampled || ending)
		b = WATCHDOG_BLAME_WAIT;
	else
		b = WATCHDOG_BLAME_IDLE;
	if (b == WATCHDOG_BLAME_WAIT) {
		/* Judge the next tick by what the kernel does during it. */
		l->starved++;
		l->base = *now;
		l->sampled = true;
		l->since_sample = 0;
		if ((uint64_t)l->starved * t->tick_ms >= t->starved_max_ms)
			b = WATCHDOG_BLAME_STARVED;
	}
	return b;
}

void watchdog_blame_text(enum watchdog_blame b, const struct watchdog_liveness *l,
    const struct proc_sched *now, const struct watchdog_timing *t, char *buf, size_t size)
{
	uint64_t ran = l->base.ok && now->ok && now->run_ns >= l->base.run_ns ? now->run_ns - l->base.run_ns : 0;
	switch (b) {
	case WATCHDOG_BLAME_STOPPED:
		snprintf(buf, size, "its process is stopped");
		return;
	case WATCHDOG_BLAME_BUSY:
		snprintf(buf, size, "it used the CPU for %llu ms of the last %u ms without answering",
		    (unsigned long long)(ran / 1000000), l->since_sample * t->tick_ms);
		return;
	case WATCHDOG_BLAME_IDLE:
		snprintf(buf, size, "it sat idle without answering");
		return;
	case WATCHDOG_BLAME_STARVED:
		snprintf(buf, size, "it got almost no CPU for %u s", t->starved_max_ms / 1000);
		return;
	case WATCHDOG_BLAME_GONE:
		snprintf(buf, size, "its process could not be read");
		return;
	case WATCHDOG_BLAME_WAIT:
		break;
	}
	snprintf(buf, size, "it waits for a CPU");
}
