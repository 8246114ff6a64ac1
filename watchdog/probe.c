/* watchdog/probe.c: the liveness probe: a kernel that stops answering mconsole is hung (the rules: liveness.c). */
#include "watchdog/watchdog.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "mconsole/mconsole.h"

struct watchdog_probes {
	struct ev_loop *loop;
	struct watchdog_timing t;
	ev_timer tick;
	struct watchdog_probe *head;
	size_t n;
	uint64_t last_tick_ms;
	unsigned tick_no;
	char req[MCONSOLE_REQUEST_SIZE];	/* `version`, encoded once for all */
	size_t req_len;
};

struct watchdog_probe {
	struct watchdog_probes *g;
	struct watchdog_probe *prev, *next;
	pid_t pid;
	int fd;
	bool connected;
	bool reported;			/* on_hang was called */
	char *client_path;
	struct sockaddr_un kernel;
	struct watchdog_liveness l;
	unsigned tick_no;		/* the last tick that saw this probe */
	void (*on_hang)(void *arg, uint64_t silent_ms, const char *why);
	void *arg;
};

/* Read up to max answers waiting; true when there was one. Nothing
 * watches the socket: the lab's tick reads each answer a tick after its
 * request (the kernels answer in milliseconds), so answers cost no wake-up
 * of their own, and one recv() each (a request has one answer: reading
 * on to EAGAIN would double the system calls). */
static bool probe_drain(struct watchdog_probe *p, uint64_t now, unsigned max)
{
	bool got = false;
	char buf[MCONSOLE_REPLY_SIZE];
	for (unsigned i = 0; i < max; i++) {
		/* Connected: only the kernel's socket can send here. */
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;	/* EAGAIN, or an error: the deadline judges */
		}
		struct mconsole_reply r;
		if (mconsole_reply_decode(buf, (size_t)n, &r) == 0)
			got = true;
	}
	if (got)
		watchdog_liveness_answered(&p->l, now);
	return got;
}

/* One send() on a socket connected once. A request that cannot go counts
 * as sent: the deadline then judges the kernel, as for one it ignored. */
static void probe_send(struct watchdog_probe *p)
{
	struct watchdog_probes *g = p->g;
	if (!p->connected)
		p->connected = connect(p->fd, (struct sockaddr *)&p->kernel, sizeof(p->kernel)) == 0;
	if (p->connected && send(p->fd, g->req, g->req_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
	    (errno == ECONNREFUSED || errno == ENOTCONN))
		p->connected = false;	/* its socket went: connect again next time */
	watchdog_liveness_sent(&p->l, &g->t);
}

/* Past the deadline: true when the kernel was called hung (p may be gone). */
static bool probe_judge(struct watchdog_probe *p, uint64_t now)
{
	struct watchdog_probes *g = p->g;
	/* Sample first, then look for an answer: an answer sent after the
	 * sample is still seen, and a kernel seen idle before it is not blamed. */
	struct proc_sched s;
	proc_sched_sample(p->pid, &s);
	if (probe_drain(p, now, 64))
		return false;
	enum watchdog_blame b = watchdog_liveness_blame(&p->l, &g->t, &s);
	if (b == WATCHDOG_BLAME_WAIT)
		return false;
	char why[128];
	watchdog_blame_text(b, &p->l, &s, &g->t, why, sizeof(why));
	p->reported = true;
	p->on_hang(p->arg, now - p->l.answer_ms, why);	/* may stop and free p */
	return true;
}

static void probes_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct watchdog_probes *g = w->data;
	uint64_t now = clock_ms();
	/* A tick this late means the supervisor itself did not run (it was
	 * stopped, or starved of CPU): that silence is ours, not the kernels'. */
	bool paused = now - g->last_tick_ms > 3 * (uint64_t)g->t.tick_ms;
	g->last_tick_ms = now;
	unsigned tick = ++g->tick_no;
again:
	for (struct watchdog_probe *p = g->head; p != NULL; p = p->next) {
		if (p->tick_no == tick || p->reported)
			continue;
		p->tick_no = tick;
		if (paused)
			watchdog_liveness_pause(&p->l, now);
		if (p->l.in_flight)
			probe_drain(p, now, 1);
		switch (watchdog_liveness_tick(&p->l, &g->t)) {
		case WATCHDOG_STEP_NONE:
			break;
		case WATCHDOG_STEP_SEND:
			probe_send(p);
			break;
		case WATCHDOG_STEP_SAMPLE:
			proc_sched_sample(p->pid, &p->l.base);
			p->l.sampled = true;
			break;
		case WATCHDOG_STEP_JUDGE:
			/* on_hang may have stopped any probe: walk the list again
			 * (those done this tick are skipped). */
			if (probe_judge(p, now))
				goto again;
			break;
		}
	}
}

struct watchdog_probes *watchdog_probes_new(struct ev_loop *loop, const struct watchdog_timing *t)
{
	struct watchdog_probes *g = xcalloc(1, sizeof(*g));
	g->loop = loop;
	g->t = t != NULL ? *t : (struct watchdog_timing){ WATCHDOG_TICK_MS, WATCHDOG_INTERVAL_MS,
	    WATCHDOG_ANSWER_MS, WATCHDOG_STARVED_MAX_MS };
	if (g->t.tick_ms == 0)
		g->t.tick_ms = WATCHDOG_TICK_MS;
	ssize_t n = mconsole_request_encode(g->req, sizeof(g->req), "version", 7);
	g->req_len = n > 0 ? (size_t)n : 0;
	ev_timer_init(&g->tick, probes_on_tick, g->t.tick_ms / 1000.0, g->t.tick_ms / 1000.0);
	g->tick.data = g;
	return g;
}

void watchdog_probes_free(struct watchdog_probes *g)
{
	if (g == NULL)
		return;
	while (g->head != NULL)
		watchdog_probe_stop(g->head);
	ev_timer_stop(g->loop, &g->tick);
	free(g);
}

struct watchdog_probe *watchdog_probe_start(struct watchdog_probes *g, pid_t pid,
    const char *mconsole_path, const char *client_path,
    void (*on_hang)(void *arg, uint64_t silent_ms, const char *why), void *arg, char **cause)
{
	struct sockaddr_un kernel;
	if (unix_addr_set(&kernel, mconsole_path, cause) == -1)
		return NULL;
	int fd = mconsole_client_open(client_path, cause);
	if (fd < 0)
		return NULL;
	struct watchdog_probe *p = xcalloc(1, sizeof(*p));
	p->g = g;
	p->pid = pid;
	p->fd = fd;
	p->kernel = kernel;
	p->client_path = client_path != NULL ? xstrdup(client_path) : NULL;
	p->on_hang = on_hang;
	p->arg = arg;
	p->tick_no = g->tick_no;
	/* Connected now, the socket takes answers from the kernel only; a
	 * kernel not listening yet is connected to at the first request. */
	p->connected = connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) == 0;
	watchdog_liveness_init(&p->l, &g->t, clock_ms());
	p->next = g->head;
	if (g->head != NULL)
		g->head->prev = p;
	g->head = p;
	if (g->n++ == 0) {
		g->last_tick_ms = clock_ms();
		ev_timer_again(g->loop, &g->tick);
	}
	return p;
}

void watchdog_probe_stop(struct watchdog_probe *p)
{
	if (p == NULL)
		return;
	struct watchdog_probes *g = p->g;
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		g->head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	if (--g->n == 0)
		ev_timer_stop(g->loop, &g->tick);	/* nothing to probe: no wake-ups */
	close(p->fd);
	if (p->client_path != NULL)
		unlink(p->client_path);
	free(p->client_path);
	free(p);
}
