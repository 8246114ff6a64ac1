/* watchdog/probe.c: the liveness probe: a kernel that stops answering mconsole is hung. */
#include "watchdog/watchdog.h"

#include <ev.h>
#include <stdlib.h>

#include "core/base/util.h"
#include "mconsole/session.h"

struct watchdog_probe {
	struct ev_loop *loop;
	struct mconsole_session *mc;
	ev_timer tick;
	uint64_t last_answer_ms;
	uint64_t last_tick_ms;
	unsigned interval_ms;
	unsigned hang_ms;
	bool in_flight;
	bool reported;
	void (*on_hang)(void *arg, uint64_t silent_ms);
	void *arg;
};

static void probe_on_reply(void *arg, int status, uint32_t err, const char *data, size_t len)
{
	(void)err;
	(void)data;
	(void)len;
	struct watchdog_probe *p = arg;
	p->in_flight = false;
	if (status == 0)
		p->last_answer_ms = clock_ms();
}

static void probe_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct watchdog_probe *p = w->data;
	uint64_t now = clock_ms();
	/* A tick this late means the supervisor itself did not run (it was
	 * stopped, or starved of CPU): that silence is ours, not the kernel's.
	 * The kernel gets a fresh hang_ms to answer. */
	if (now - p->last_tick_ms > 3 * (uint64_t)p->interval_ms)
		p->last_answer_ms = now;
	p->last_tick_ms = now;
	uint64_t silent = now - p->last_answer_ms;
	if (silent >= p->hang_ms && !p->reported) {
		p->reported = true;
		ev_timer_stop(p->loop, &p->tick);
		p->on_hang(p->arg, silent);	/* may stop and free the probe */
		return;
	}
	if (!p->in_flight) {
		p->in_flight = true;
		mconsole_session_request(p->mc, "version", p->hang_ms, probe_on_reply, p);
	}
}

struct watchdog_probe *watchdog_probe_start(struct ev_loop *loop, const char *mconsole_path,
    const char *client_path, unsigned interval_ms, unsigned hang_ms, void (*on_hang)(void *arg, uint64_t silent_ms),
    void *arg, char **cause)
{
	struct mconsole_session *mc = mconsole_session_new(loop, mconsole_path, client_path, cause);
	if (mc == NULL)
		return NULL;
	struct watchdog_probe *p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->mc = mc;
	p->hang_ms = hang_ms;
	p->on_hang = on_hang;
	p->arg = arg;
	p->last_answer_ms = p->last_tick_ms = clock_ms();
	p->interval_ms = interval_ms;
	ev_timer_init(&p->tick, probe_on_tick, interval_ms / 1000.0, interval_ms / 1000.0);
	p->tick.data = p;
	ev_timer_start(loop, &p->tick);
	return p;
}

void watchdog_probe_stop(struct watchdog_probe *p)
{
	if (p == NULL)
		return;
	ev_timer_stop(p->loop, &p->tick);
	mconsole_session_free(p->mc);	/* drops the pending request without a callback */
	free(p);
}
