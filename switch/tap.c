/* switch/tap.c: taps, copies of the frames a switch carries for captures: the switch thread fills a ring, another thread reads it.
 *
 * Each tap is a single-producer, single-consumer ring: the switch thread
 * copies frames in and never waits for the reader (a frame the ring has no
 * room for is counted as dropped); the reader takes them out and sleeps on
 * the tap's eventfd, which the switch writes for readers that found the ring
 * empty: within SWITCH_TAP_LINGER_MS of a frame, or at once when the ring
 * fills up (switch_tap_wake). A tap on a cable (or a trunk) by name is linked into
 * that cable's list while the cable exists, and waits for one of that name
 * while it does not. A whole-switch tap sees each frame once as the switch
 * takes it in (after its cable's `out` conditions), or, a tap of deliveries,
 * once per port the switch handed it to (after that cable's `in` conditions,
 * once its socket took it), with the port it came in on. What forwarding
 * calls per frame (switch_tap_cable_in, switch_tap_switch_in,
 * switch_tap_delivered) is inline in switch_int.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pcap/bpf.h>

#include "core/base/util.h"
#include "switch/switch_int.h"

/* ---- taps: the switch thread's side ---- */

/* Copy a frame into the tap's ring, or count it dropped when the ring is
 * full: the switch never waits for the reader. */
void switch_tap_push(struct sw *sw, struct switch_tap *t, const struct switch_port *port,
    const struct tap_port *from, enum switch_tap_dir dir, const unsigned char *frame,
    size_t len)
{
	if (t->filter_len && bpf_filter(t->filter, frame, (unsigned)len, (unsigned)len) == 0)
		return;
	uint32_t head = atomic_load_explicit(&t->head, memory_order_relaxed);
	if (head - atomic_load_explicit(&t->tail, memory_order_acquire) > t->mask) {
		switch_stat_add(&t->dropped, 1);
		return;
	}
	struct tap_slot *slot = &t->ring[head & t->mask];
	slot->ts_ns = sw->tap_ts;
	slot->port = port->label;
	slot->owner = port->owner;
	slot->from = from != NULL ? from->label : NULL;
	slot->from_owner = from != NULL ? from->owner : 0;
	slot->dir = dir;
	slot->len = (uint32_t)len;
	memcpy(slot->data, frame, len);
	atomic_store_explicit(&t->head, head + 1, memory_order_release);
	switch_stat_add(&t->captured, 1);
	if (!t->touched) {
		t->touched = true;
		sw->touched[sw->ntouched++] = t;
	}
}

/* Wake the readers that wait for the frames that came (at the end of a loop
 * turn; now: clock_ms(), or 0 when not read yet). A reader that is not
 * waiting finds them by itself. A waiting one is woken at once when its ring
 * is filling up, and otherwise SWITCH_TAP_LINGER_MS after the first frame it
 * has not seen: under light load a wake-up per frame (an eventfd write, and
 * the reader's thread scheduled in and out) would cost more than forwarding
 * the frame, and a capture shows its frames a few ms later at most. */
void switch_tap_wake(struct sw *sw, uint64_t now)
{
	/* Pairs with the reader's arming: either it sees the new head, or we
	 * see it armed. */
	atomic_thread_fence(memory_order_seq_cst);
	unsigned keep = 0;
	for (unsigned i = 0; i < sw->ntouched; i++) {
		struct switch_tap *t = sw->touched[i];
		if (!atomic_load_explicit(&t->armed, memory_order_relaxed)) {
			t->touched = false;	/* its reader is reading: it finds them */
			continue;
		}
		uint32_t held = atomic_load_explicit(&t->head, memory_order_relaxed) -
		    atomic_load_explicit(&t->tail, memory_order_relaxed);
		if (held <= t->mask / SWITCH_TAP_WAKE_SHARE) {
			if (now == 0)
				now = clock_ms();
			if (sw->tap_due == 0)
				sw->tap_due = now + SWITCH_TAP_LINGER_MS;
			if (now < sw->tap_due) {
				sw->touched[keep++] = t;	/* later, with the others */
				continue;
			}
		}
		t->touched = false;
		if (atomic_exchange_explicit(&t->armed, false, memory_order_relaxed)) {
			uint64_t one = 1;
			(void)!write(t->fd, &one, sizeof(one));
		}
	}
	sw->ntouched = keep;
	if (keep == 0)
		sw->tap_due = 0;
}

void switch_tap_link(struct switch_tap *t, struct switch_tap **list)
{
	t->on = list;
	t->next_on_cable = *list;
	*list = t;
}

/* Its taps stay open and wait for a port of that name to come back. */
void switch_taps_detach(struct switch_tap **list)
{
	while (*list != NULL) {
		struct switch_tap *t = *list;
		*list = t->next_on_cable;
		t->next_on_cable = NULL;
		t->on = NULL;
	}
}

/* The switch thread's side of switch_tap_open: the tap joins the switch,
 * and its cable's (or trunk's) list when that exists now. */
int switch_tap_add(struct sw *sw, struct switch_tap *t, char **cause)
{
	if (sw->ntaps == SWITCH_TAPS_MAX)
		return set_cause(cause, "switch %s already has %d captures open; stop one first",
		    sw->name, SWITCH_TAPS_MAX);
	t->next = sw->taps;
	sw->taps = t;
	sw->ntaps++;
	sw->ndeliver += t->deliveries;
	if (t->cable != NULL) {
		struct switch_cable *cable = switch_cable_find(sw, t->cable);
		struct switch_port *tp = cable == NULL ? switch_trunk_port(sw, t->cable) : NULL;
		if (cable != NULL)
			switch_tap_link(t, &cable->taps);
		else if (tp != NULL)
			switch_tap_link(t, tp->taps);
	}
	return 0;
}

/* Take a tap out of the switch (and its cable); the caller frees it. */
void switch_tap_unlink(struct sw *sw, struct switch_tap *t)
{
	if (t->on != NULL) {
		for (struct switch_tap **pp = t->on; *pp != NULL; pp = &(*pp)->next_on_cable)
			if (*pp == t) {
				*pp = t->next_on_cable;
				break;
			}
		t->on = NULL;
	}
	for (struct switch_tap **pp = &sw->taps; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			sw->ntaps--;
			sw->ndeliver -= t->deliveries;
			break;
		}
	for (unsigned i = 0; i < sw->ntouched; i++)
		if (sw->touched[i] == t)
			sw->touched[i] = sw->touched[--sw->ntouched];
	t->touched = false;	/* a switch it moves to lists it afresh */
	if (sw->ntouched == 0)
		sw->tap_due = 0;
}

/* ---- taps: the reader's side ---- */

static void switch_tap_free(struct switch_tap *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->ring);
	free(t->filter);
	free(t->cable);
	free(t);
}

struct switch_tap *switch_tap_open(struct sw *sw, const struct switch_tap_opts *o, char **cause)
{
	unsigned n = o->ring_frames;
	if (n < 2 || n > SWITCH_TAP_RING_MAX || (n & (n - 1)) != 0) {
		set_cause(cause, "a capture ring holds 2 to %u frames, a power of two (not %u)",
		    SWITCH_TAP_RING_MAX, n);
		return NULL;
	}
	if (o->deliveries && o->cable != NULL) {
		set_cause(cause, "a tap of deliveries is on a whole switch, not on cable %s", o->cable);
		return NULL;
	}
	if (o->filter_len != 0 && bpf_validate(o->filter, (int)o->filter_len) == 0) {
		set_cause(cause, "the capture filter is not a valid BPF program");
		return NULL;
	}
	struct switch_tap *t = xcalloc(1, sizeof(*t));
	t->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->fd < 0) {
		set_cause(cause, "switch %s: cannot make a capture's eventfd: %s", sw->name,
		    strerror(errno));
		switch_tap_free(t);
		return NULL;
	}
	t->cable = o->cable != NULL ? xstrdup(o->cable) : NULL;
	t->deliveries = o->deliveries;
	if (o->filter_len != 0) {
		t->filter = xcalloc(o->filter_len, sizeof(*t->filter));
		memcpy(t->filter, o->filter, o->filter_len * sizeof(*t->filter));
		t->filter_len = o->filter_len;
	}
	t->ring = xcalloc(n, sizeof(*t->ring));
	t->mask = n - 1;
	/* Touch every page of the ring now, in the opener's thread: a page
	 * touched for the first time costs a page fault (60-80 us each on the
	 * VMs measured in docs/performance.md), which the switch thread would
	 * otherwise pay every few frames during the ring's first lap. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t off = 0; off < (size_t)n * sizeof(*t->ring); off += page)
		((volatile unsigned char *)t->ring)[off] = 0;
	struct switch_call call = { .op = SWITCH_CALL_TAP_ADD, .tap = t };
	if (switch_call(sw, &call, cause) != 0) {
		switch_tap_free(t);
		return NULL;
	}
	return t;
}

int switch_tap_fd(const struct switch_tap *tap)
{
	return tap->fd;
}

bool switch_tap_next(struct switch_tap *t, struct switch_tap_frame *f)
{
	uint32_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
	if (t->holding) {
		atomic_store_explicit(&t->tail, ++tail, memory_order_release);
		t->holding = false;
	}
	uint32_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	if (head == tail) {
		/* Arm, then look again: the switch either sees the flag or
		 * published its frame before we looked (see switch_tap_wake). */
		atomic_store_explicit(&t->armed, true, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		head = atomic_load_explicit(&t->head, memory_order_acquire);
		if (head == tail)
			return false;
		atomic_store_explicit(&t->armed, false, memory_order_relaxed);
	}
	const struct tap_slot *slot = &t->ring[tail & t->mask];
	f->ts_ns = slot->ts_ns;
	f->port = slot->port;
	f->owner = slot->owner;
	f->from = slot->from;
	f->from_owner = slot->from_owner;
	f->dir = (enum switch_tap_dir)slot->dir;
	f->len = slot->len;
	f->data = slot->data;
	t->holding = true;
	return true;
}

void switch_tap_counts(const struct switch_tap *tap, uint64_t *captured, uint64_t *dropped)
{
	*captured = atomic_load_explicit(&tap->captured, memory_order_relaxed);
	*dropped = atomic_load_explicit(&tap->dropped, memory_order_relaxed);
}

/* Out of one switch, into the other: the ring and what it holds stay, so its
 * reader goes on as before. Each switch_call returns once that switch's thread
 * has done it, so the two threads never fill the ring at once. */
int switch_tap_move(struct sw *from, struct sw *to, struct switch_tap *tap, char **cause)
{
	if (from == to)
		return 0;
	struct switch_call out = { .op = SWITCH_CALL_TAP_REMOVE, .tap = tap };
	if (switch_call(from, &out, cause) != 0)
		return -1;
	struct switch_call in = { .op = SWITCH_CALL_TAP_ADD, .tap = tap };
	if (switch_call(to, &in, cause) == 0)
		return 0;
	struct switch_call back = { .op = SWITCH_CALL_TAP_ADD, .tap = tap };
	(void)switch_call(from, &back, NULL);
	return -1;
}

void switch_tap_close(struct sw *sw, struct switch_tap *tap)
{
	if (tap == NULL)
		return;
	struct switch_call call = { .op = SWITCH_CALL_TAP_REMOVE, .tap = tap };
	(void)switch_call(sw, &call, NULL);
	switch_tap_free(tap);
}
