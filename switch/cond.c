/* switch/cond.c: link conditions on a switch's cables (switch/linkcond.h): held frames released on time, the timer, conditions set and read.
 *
 * Each cable direction with conditions has a queue: forwarding admits frames
 * into it (switch_enqueue and switch_forward, in switch/forward.c) and the
 * queue passes, holds or drops them. One timerfd per switch wakes the loop
 * when the earliest held frame is due; released frames then go on as if they
 * had just arrived (from the kernel) or were just forwarded (to it). A
 * port's cond_to and cond_from are set only while its cable has conditions,
 * so with none forwarding tests one pointer.
 *
 * Held frames never outstay their cause: new conditions re-time them (a
 * `clear` sends them all at once), a link going down or a kernel leaving
 * drops them, and the memory they took goes back to the system. A queue
 * holds LINKCOND_QUEUE_BYTES at most, a lab's queues together
 * LINKCOND_LAB_BYTES (cond_budget). */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <pcap/bpf.h>

#include "core/base/util.h"
#include "switch/linkcond.h"
#include "switch/switch_int.h"

/* ---- link conditions: held frames whose time has come ---- */

/* From a cable's kernel: forwarded as if they had just arrived. */
static void switch_cond_release_out(struct sw *sw, struct switch_cable *cable, uint64_t now_ns)
{
	struct linkcond_queue *q = cable->cond[COND_OUT];
	struct switch_port *src = cable->port;
	uint64_t now = clock_ms(), gone = 0;
	if (sw->nrx)
		switch_flush(sw);	/* the loop's batch first: its buffers are reused */
	const unsigned char *f;
	size_t len;
	bool more = true;
	while (more) {
		const unsigned char *last_src = NULL;
		unsigned n = 0;
		if (sw->ntaps != 0)
			sw->tap_ts = realtime_ns();
		while (n < SWITCH_BATCH && (more = linkcond_queue_next(q, now_ns, &f, &len))) {
			if (src == NULL || src->link_down) {
				gone++;	/* its kernel left, or its cable is out */
				continue;
			}
			memcpy(sw->buf[n], f, len);
			sw->tx_iov[n].iov_base = sw->buf[n];
			sw->tx_iov[n].iov_len = len;
			sw->rx_src[n] = src;
			switch_dispatch(sw, src, n, now, &last_src);
			n++;
		}
		if (n > 0) {
			sw->nrx = n;
			sw->rx_now = now;
			switch_flush(sw);
		}
	}
	switch_stat_dropped(sw, gone);
}

/* To a cable's kernel: sent, or kept in order behind its backlog. */
static void switch_cond_release_in(struct sw *sw, struct switch_cable *cable, uint64_t now_ns)
{
	struct linkcond_queue *q = cable->cond[COND_IN];
	struct switch_port *dst = cable->port;
	uint64_t now = clock_ms(), out = 0, dropped = 0;
	const unsigned char *f;
	size_t len;
	if (sw->ntaps != 0)
		sw->tap_ts = realtime_ns();
	while (linkcond_queue_next(q, now_ns, &f, &len)) {
		if (dst == NULL || dst->link_down) {
			dropped++;
			continue;
		}
		for (struct switch_tap *t = cable->taps; t != NULL; t = t->next_on_cable)
			switch_tap_push(sw, t, dst, NULL, SWITCH_TAP_OUT, f, len);
		if (dst->bl_count == 0) {
			if (send(dst->data_fd, f, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
				out++;
				if (sw->ndeliver != 0)	/* where it came in was not kept */
					switch_tap_delivered(sw, dst, NULL, f, len);
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				dropped++;
				continue;
			}
		}
		struct iovec iov = { .iov_base = (void *)f, .iov_len = len };
		if (switch_backlog_push(sw, dst, &iov, now))
			switch_port_watch(sw, dst);
		else
			dropped++;
	}
	if (out)
		switch_stat_add(&sw->st_out, out);
	switch_stat_dropped(sw, dropped);
}

/* Both of a cable's queues send on what is due by now_ns. */
static void switch_cond_release(struct sw *sw, struct switch_cable *c, uint64_t now_ns)
{
	if (c->cond[COND_OUT] != NULL && linkcond_queue_due(c->cond[COND_OUT]) <= now_ns)
		switch_cond_release_out(sw, c, now_ns);
	if (c->cond[COND_IN] != NULL && linkcond_queue_due(c->cond[COND_IN]) <= now_ns)
		switch_cond_release_in(sw, c, now_ns);
}

/* The timer fired: every queue sends on what is due. */
void switch_cond_timer(struct sw *sw)
{
	uint64_t expirations;
	(void)!read(sw->timer_fd, &expirations, sizeof(expirations));
	sw->timer_at = UINT64_MAX;	/* it fired */
	uint64_t now_ns = clock_ns();
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		switch_cond_release(sw, c, now_ns);
	sw->cond_dirty = true;
}

/* The cable's link went down, or its kernel left (a restart replaces it):
 * what its queues hold is dropped now, not when it falls due, which a slow
 * rate can put days away. The frames are counted as flushed, and as
 * dropped by the switch. */
void switch_cond_flush(struct sw *sw, struct switch_cable *cable)
{
	uint64_t n = 0;
	for (int d = COND_IN; d <= COND_OUT; d++)
		if (cable->cond[d] != NULL)
			n += linkcond_queue_flush(cable->cond[d]);
	if (n != 0) {
		switch_stat_dropped(sw, n);
		sw->cond_dirty = true;
	}
}

/* ---- link conditions: the switch thread's side ---- */

/* What the lab's queues hold together (all its switches share it, as one
 * supervisor runs one lab): LINKCOND_LAB_BYTES unless set otherwise. */
static struct linkcond_budget cond_budget = { .cap = LINKCOND_LAB_BYTES };

void switch_conditions_cap(uint64_t bytes)
{
	atomic_store_explicit(&cond_budget.cap, bytes ? bytes : LINKCOND_LAB_BYTES,
	    memory_order_relaxed);
}

/* Memory freed by queues goes back to the system once the switch's queues
 * hold COND_TRIM_BYTES less than they did at their peak: free() keeps the
 * pages of a thread's arena otherwise, and a supervisor that once held
 * megabytes of frames would keep them. A steady queue never trims. */
#define COND_TRIM_BYTES (1u << 20)

static void switch_cond_trim(struct sw *sw, uint64_t held)
{
	if (held > sw->cond_peak) {
		sw->cond_peak = held;
		return;
	}
	if (sw->cond_peak - held < COND_TRIM_BYTES)
		return;
	sw->cond_peak = held;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* The counters of one direction, added (what is held now is not a count). */
static void cond_stats_add(struct linkcond_stats *to, const struct linkcond_stats *from)
{
	to->passed += from->passed;
	to->delayed += from->delayed;
	to->lost += from->lost;
	to->overlimit += from->overlimit;
	to->overmemory += from->overmemory;
	to->oversize += from->oversize;
	to->duplicated += from->duplicated;
	to->corrupted += from->corrupted;
	to->reordered += from->reordered;
	to->flushed += from->flushed;
}

/* Set the timer for the earliest held frame; free the queues whose
 * conditions were cleared once they are empty. */
void switch_cond_arm(struct sw *sw)
{
	sw->cond_dirty = false;
	uint64_t next = UINT64_MAX, held = 0;
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		for (int d = COND_IN; d <= COND_OUT; d++) {
			if (c->cond[d] == NULL)
				continue;
			uint64_t due = linkcond_queue_due(c->cond[d]);
			if (due == UINT64_MAX && !c->cond_on[d]) {
				struct linkcond_stats gone;
				linkcond_queue_stats(c->cond[d], &gone);
				cond_stats_add(&c->counted[d], &gone);	/* its counts stay */
				linkcond_queue_free(c->cond[d]);
				c->cond[d] = NULL;
				continue;
			}
			if (due < next)
				next = due;
			struct linkcond_stats st;
			linkcond_queue_stats(c->cond[d], &st);
			held += st.held_bytes;
		}
	switch_cond_trim(sw, held);
	if (next == sw->timer_at)
		return;
	struct itimerspec its = { 0 };
	if (next != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(next / 1000000000u);
		its.it_value.tv_nsec = (long)(next % 1000000000u);
	}
	if (timerfd_settime(sw->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		sw->timer_at = next;
}

/* The cable's port forwards through the queues that have conditions. */
void switch_cond_attach(struct switch_cable *cable)
{
	if (cable->port == NULL)
		return;
	cable->port->cond_to = cable->cond_on[COND_IN] ? cable->cond[COND_IN] : NULL;
	cable->port->cond_from = cable->cond_on[COND_OUT] ? cable->cond[COND_OUT] : NULL;
}

/* A compiled `match` expression, as a queue's filter. */
struct cond_filter {
	unsigned len;
	struct bpf_insn insns[];
};

static unsigned cond_filter_match(const void *filter, const unsigned char *frame, size_t len)
{
	const struct cond_filter *f = filter;
	return bpf_filter(f->insns, frame, (unsigned)len, (unsigned)len);
}

static uint64_t cond_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = clock_ns();
	return seed;
}

/* New conditions: held frames wait no longer than the new ones would make
 * them (linkcond_queue_configure), and what that makes due goes now. So
 * `clear`, or a `set` that takes the delay and the rate away, delivers
 * everything held at once instead of leaving it to trickle out. */
void switch_cond_set(struct sw *sw, struct switch_cable *cable,
    const struct linkcond_pair *p, struct cond_filter *filters[2])
{
	uint64_t now_ns = clock_ns();
	cable->conds = *p;
	for (int d = COND_IN; d <= COND_OUT; d++) {
		const struct linkcond *c = d == COND_IN ? &p->in : &p->out;
		cable->cond_on[d] = !linkcond_empty(c);
		if (cable->cond_on[d] && cable->cond[d] == NULL) {
			cable->cond[d] = linkcond_queue_new(cond_seed());
			linkcond_queue_memory(cable->cond[d], LINKCOND_QUEUE_BYTES, &cond_budget);
		}
		if (cable->cond[d] != NULL) {
			struct cond_filter *f = cable->cond_on[d] ? filters[d] : NULL;
			linkcond_queue_configure(cable->cond[d], c, cond_filter_match, f, free, now_ns);
			if (f != NULL)
				filters[d] = NULL;	/* the queue's now */
		}
	}
	switch_cond_attach(cable);
	switch_cond_release(sw, cable, now_ns);
	sw->cond_dirty = true;
}

/* The port leaves its cable: what it counted stays with the cable. */
void switch_cond_fold_port(struct switch_cable *cable, struct switch_port *port)
{
	cable->counted[COND_IN].passed += port->passed_to;
	cable->counted[COND_OUT].passed += port->passed_from;
	port->passed_to = port->passed_from = 0;
}

/* `link ... reset`: every counter of the cable from 0 again (what is held
 * stays held). */
void switch_cond_reset(struct switch_cable *cable)
{
	memset(cable->counted, 0, sizeof(cable->counted));
	if (cable->port != NULL)
		cable->port->passed_to = cable->port->passed_from = 0;
	for (int d = COND_IN; d <= COND_OUT; d++)
		if (cable->cond[d] != NULL)
			linkcond_queue_stats_reset(cable->cond[d]);
}

/* The cable's conditions as set, and what it did to its frames so far: with
 * conditions, its queues count; without, its port counts what passed. */
void switch_cond_get(const struct switch_cable *cable, struct linkcond_pair *c,
    struct linkcond_stats stats[2])
{
	*c = cable->conds;
	for (int d = COND_IN; d <= COND_OUT; d++) {
		memset(&stats[d], 0, sizeof(stats[d]));
		if (cable->cond[d] != NULL)
			linkcond_queue_stats(cable->cond[d], &stats[d]);
		cond_stats_add(&stats[d], &cable->counted[d]);
	}
	if (cable->port != NULL) {
		stats[COND_IN].passed += cable->port->passed_to;
		stats[COND_OUT].passed += cable->port->passed_from;
	}
}

/* What switch_ports_get shows of a cable: the frames passed into it and
 * taken from it, and what its conditions dropped, both ways. */
void switch_cond_counts(const struct switch_cable *cable, uint64_t *to, uint64_t *from,
    uint64_t *dropped)
{
	struct linkcond_stats st[2];
	*dropped = 0;
	for (int d = COND_IN; d <= COND_OUT; d++) {
		st[d] = cable->counted[d];
		if (cable->cond[d] != NULL) {
			struct linkcond_stats q;
			linkcond_queue_stats(cable->cond[d], &q);
			cond_stats_add(&st[d], &q);
		}
		*dropped += st[d].lost + st[d].overlimit + st[d].overmemory + st[d].oversize +
		    st[d].flushed;
	}
	*to = st[COND_IN].passed + (cable->port != NULL ? cable->port->passed_to : 0);
	*from = st[COND_OUT].passed + (cable->port != NULL ? cable->port->passed_from : 0);
}

/* ---- link conditions: the owner's side ---- */

static struct cond_filter *cond_filter_copy(const struct bpf_program *prog)
{
	if (prog == NULL || prog->bf_len == 0)
		return NULL;
	struct cond_filter *f = xmalloc(sizeof(*f) + prog->bf_len * sizeof(f->insns[0]));
	f->len = prog->bf_len;
	memcpy(f->insns, prog->bf_insns, prog->bf_len * sizeof(f->insns[0]));
	return f;
}

int switch_cable_set_conditions(struct sw *sw, const char *name, const struct linkcond_pair *c,
    const struct bpf_program *in_match, const struct bpf_program *out_match, char **cause)
{
	const struct bpf_program *progs[2] = { in_match, out_match };
	for (int d = COND_IN; d <= COND_OUT; d++)
		if (progs[d] != NULL && progs[d]->bf_len != 0 &&
		    bpf_validate(progs[d]->bf_insns, (int)progs[d]->bf_len) == 0)
			return set_cause(cause, "the %s match of cable %s is not a valid BPF program",
			    d == COND_IN ? "in" : "out", name);
	struct linkcond_pair copy = *c;
	struct switch_call call = {
		.op = SWITCH_CALL_CABLE_COND_SET, .name = name, .cond = &copy,
		.filters = { cond_filter_copy(in_match), cond_filter_copy(out_match) },
	};
	int rc = switch_call(sw, &call, cause);
	free(call.filters[0]);	/* what the switch did not take */
	free(call.filters[1]);
	return rc;
}

int switch_cable_get_conditions(struct sw *sw, const char *name, struct linkcond_pair *c,
    struct linkcond_stats stats[2], char **cause)
{
	struct switch_call call = { .op = SWITCH_CALL_CABLE_COND_GET, .name = name, .cond = c,
		.stats = stats };
	return switch_call(sw, &call, cause);
}

int switch_cable_reset_counters(struct sw *sw, const char *name, char **cause)
{
	struct linkcond_pair c;
	struct linkcond_stats stats[2];
	struct switch_call call = { .op = SWITCH_CALL_CABLE_COND_GET, .name = name, .cond = &c,
		.stats = stats, .reset = true };
	return switch_call(sw, &call, cause);
}
