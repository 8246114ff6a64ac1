/* switch/forward.c: forwarding: a batch of frames from receive to flush (learning or hub), backlogs and backpressure.
 *
 * Over 800 lines: the per-frame path (receive, both ways of dispatching,
 * enqueue, flush, backlog) is one file so that the compiler inlines it (see
 * below); what is not on that path lives in the switch's other files.
 *
 * Forwarding drains a port with recvmmsg, decides every frame's destinations
 * (learning table or flood), queues pointers to the received buffers per
 * destination and sends each queue with one nonblocking sendmmsg: no copies,
 * no locks on that path. A batch (SWITCH_BATCH frames) takes the frames of
 * every port that was ready in one loop turn, so that under light load the
 * frames of several senders to one receiver cost it one sendmmsg and one
 * wake-up (see "Light load" in docs/performance.md).
 *
 * A receiver's socket queue is short (net.unix.max_dgram_qlen, 10 datagrams)
 * and one sendmmsg delivers a whole batch at once, far faster than a guest
 * drains it. So a full receiver does not cost drops at once: what it could
 * not take is copied to its backlog (SWITCH_BACKLOG frames, kept in order,
 * sent when its socket is writable again), and once it holds
 * SWITCH_BACKLOG_PAUSE frames the sources that fed it stop being read until
 * it drains. Their frames then wait in their own
 * socket queues and, once those fill, their senders' writes fail: backpressure
 * reaches the sender, as with uml_switch, whose one shared socket fills.
 * A receiver that takes nothing for SWITCH_STALL_MS is congested: its sources
 * resume, and frames for it go behind its backlog while there is room and are
 * dropped once it is full, so a stopped guest never holds up the others for
 * longer than that. The backlog is kept: a guest the host only descheduled
 * for a while (a loaded host) gets every frame in order once it reads again,
 * and TCP loses nothing (issue 27, "Guest TCP" in docs/performance.md).
 *
 * frames_in counts every datagram read; frames_dropped counts failed
 * deliveries and frames refused for their size (under 14 or over 1536 bytes);
 * a frame whose destination lives on its own source port is filtered and
 * counts as neither. A frame in a backlog is counted when it is sent or
 * dropped.
 *
 * Trunks (switch/trunk.c, plugged in by switch/cable.c): a port whose data
 * socket is UDP, bound to the trunk's listen address. Received datagrams are
 * checked (the remote, the VNI: trunk_accept) and their frames, past the
 * VXLAN header, go through the same forwarding as any port's. Frames for a
 * trunk are sent with two iovecs, the trunk's header and the frame, to its
 * remote: still no copy. A trunk has no backlog: a UDP socket that does not
 * take a frame drops it (counted), as a network would.
 *
 * The per-frame path (switch_forward, switch_dispatch, switch_enqueue,
 * switch_flush) stays in this one file, so the compiler inlines within it as
 * it did before the switch was split; the tap and counter helpers it calls
 * per frame are static inline in switch_int.h. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/base/util.h"
#include "switch/fdb.h"
#include "switch/linkcond.h"
#include "switch/rstp.h"
#include "switch/switch_int.h"
#include "switch/trunk.h"
#include "switch/vxlan.h"

/* ---- forwarding: backlogs and backpressure ---- */

/* Watch the data socket for what the port needs now: frames to read unless
 * it is paused, room to write while it has a backlog or is congested. */
void switch_port_watch(struct sw *sw, struct switch_port *port)
{
	uint32_t mask = (port->waiting ? 0 : EPOLLIN) |
	    (port->bl_count || port->congested ? EPOLLOUT : 0) |
	    (port->cable != NULL ? EPOLLRDHUP : 0);
	if (mask == port->ev_mask || port->data_fd < 0)
		return;
	struct epoll_event ev = { .events = mask, .data.ptr = &port->ev_data };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, port->data_fd, &ev) == 0)
		port->ev_mask = mask;
}

/* The ports that fed dst's backlog stop being read until it drains. */
static void switch_pause_feeders(struct sw *sw, struct switch_port *dst)
{
	for (unsigned w = 0; w < SWITCH_WORDS; w++) {
		uint64_t bits = dst->feeders[w] & ~dst->waiters[w];
		dst->waiters[w] |= bits;
		while (bits) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct switch_port *p = sw->slots[slot];
			if (p != NULL && p->waiting++ == 0)
				switch_port_watch(sw, p);
		}
	}
}

/* src fed dst's backlog: it is paused with the backlog's other feeders once
 * the backlog holds SWITCH_BACKLOG_PAUSE frames. Below that, the backlog
 * takes a whole batch more, and a few frames in flight (a lab's usual load)
 * cost no pausing and resuming of their senders (two epoll_ctl each). */
static void switch_wait_on(struct sw *sw, struct switch_port *src, struct switch_port *dst)
{
	if (dst->congested)
		return;	/* it stalled: its senders go on, and what does not fit is dropped */
	dst->feeders[src->slot / 64] |= 1ull << (src->slot % 64);
	if (dst->bl_count >= SWITCH_BACKLOG_PAUSE)
		switch_pause_feeders(sw, dst);
}

/* dst's backlog is empty (or gone): everyone waiting on it reads again. */
static void switch_release_waiters(struct sw *sw, struct switch_port *dst)
{
	for (unsigned w = 0; w < SWITCH_WORDS; w++) {
		uint64_t bits = dst->waiters[w];
		dst->waiters[w] = 0;
		dst->feeders[w] = 0;
		while (bits) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct switch_port *p = sw->slots[slot];
			if (p != NULL && p->waiting > 0 && --p->waiting == 0)
				switch_port_watch(sw, p);
		}
	}
}

/* port goes away: the backlogs it fed or waits on forget it. */
void switch_unwait(struct sw *sw, struct switch_port *port)
{
	uint64_t bit = 1ull << (port->slot % 64);
	for (unsigned i = 0; i < sw->nactive; i++) {
		sw->active[i]->waiters[port->slot / 64] &= ~bit;
		sw->active[i]->feeders[port->slot / 64] &= ~bit;
	}
	port->waiting = 0;
}

/* Drop port's backlog (counted) and release its waiters. */
void switch_backlog_release(struct sw *sw, struct switch_port *port)
{
	if (port->bl_count)
		sw->nbacklog--;
	switch_stat_dropped(sw, port->bl_count);
	port->bl_count = 0;
	port->bl_head = 0;
	port->congested = false;
	switch_release_waiters(sw, port);
}

/* Copy a frame (in pieces: a re-tagged one has up to 3) to dst's backlog
 * (from: the port it came in on, for taps of deliveries; NULL when not
 * known); false when it is full. */
bool switch_backlog_push_from(struct sw *sw, struct switch_port *dst, const struct tap_port *from,
    const struct iovec *frame, unsigned pieces, uint64_t now)
{
	if (dst->bl == NULL)
		dst->bl = xcalloc(SWITCH_BACKLOG, sizeof(*dst->bl));
	if (dst->bl_count == SWITCH_BACKLOG)
		return false;
	if (dst->bl_count == 0) {
		dst->bl_moved = now;
		sw->nbacklog++;
	}
	unsigned i = (dst->bl_head + dst->bl_count++) % SWITCH_BACKLOG;
	size_t len = 0;
	for (unsigned k = 0; k < pieces; k++) {
		memcpy(dst->bl[i] + len, frame[k].iov_base, frame[k].iov_len);
		len += frame[k].iov_len;
	}
	dst->bl_len[i] = (uint16_t)len;
	dst->bl_from[i] = from != NULL ? *from : (struct tap_port){ NULL, 0 };
	return true;
}

bool switch_backlog_push(struct sw *sw, struct switch_port *dst, const struct iovec *frame,
    uint64_t now)
{
	return switch_backlog_push_from(sw, dst, NULL, frame, 1, now);
}

/* Send what the backlog holds, oldest first, while the receiver takes it. */
static void switch_backlog_flush(struct sw *sw, struct switch_port *port)
{
	uint64_t out = 0;
	while (port->bl_count > 0) {
		struct iovec iov[SWITCH_BATCH];
		struct mmsghdr msg[SWITCH_BATCH];
		unsigned k = port->bl_count < SWITCH_BATCH ? port->bl_count : SWITCH_BATCH;
		for (unsigned j = 0; j < k; j++) {
			unsigned i = (port->bl_head + j) % SWITCH_BACKLOG;
			iov[j].iov_base = port->bl[i];
			iov[j].iov_len = port->bl_len[i];
			memset(&msg[j].msg_hdr, 0, sizeof(msg[j].msg_hdr));
			msg[j].msg_hdr.msg_iov = &iov[j];
			msg[j].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(port->data_fd, msg, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				/* The receiver is gone or broken: nothing more will pass. */
				switch_stat_add(&sw->st_out, out);
				switch_backlog_release(sw, port);
				switch_port_watch(sw, port);
				return;
			}
			break;
		}
		if (sw->ndeliver != 0) {
			sw->tap_ts = realtime_ns();
			for (unsigned j = 0; j < (unsigned)r; j++) {
				unsigned i = (port->bl_head + j) % SWITCH_BACKLOG;
				const struct tap_port *from = &port->bl_from[i];
				switch_tap_delivered(sw, port, from->label != NULL ? from : NULL,
				    port->bl[i], port->bl_len[i]);
			}
		}
		port->bl_head = (port->bl_head + (unsigned)r) % SWITCH_BACKLOG;
		port->bl_count -= (unsigned)r;
		out += (unsigned)r;
		port->bl_moved = clock_ms();
		port->congested = false;	/* it reads again */
	}
	if (out)
		switch_stat_add(&sw->st_out, out);
	if (port->bl_count == 0) {
		sw->nbacklog--;
		port->bl_head = 0;
		switch_release_waiters(sw, port);
		switch_port_watch(sw, port);
	}
}

/* The port's socket is writable: its backlog moves, or its congestion ends. */
void switch_writable(struct sw *sw, struct switch_port *port)
{
	if (port->bl_count > 0) {
		switch_backlog_flush(sw, port);
	} else if (port->congested) {
		port->congested = false;
		switch_port_watch(sw, port);
	}
}

/* ---- forwarding: a batch, from receive to flush ---- */

/* One reading of the clock per loop turn, and only when a condition asks. */
static uint64_t switch_now_ns(struct sw *sw)
{
	if (sw->now_ns == 0)
		sw->now_ns = clock_ns();
	return sw->now_ns;
}

static inline void switch_enqueue(struct sw *sw, struct switch_port *src, struct switch_port *dst,
    unsigned i, uint64_t now)
{
	if (dst->link_down) {
		switch_stat_dropped(sw, 1);	/* its cable is out */
		return;
	}
	if (dst->cond_to != NULL) {
		/* Its cable's conditions decide: now, later (a copy), or never. */
		sw->cond_dirty = true;
		if (linkcond_queue_admit(dst->cond_to, sw->tx_iov[i].iov_base, sw->tx_iov[i].iov_len,
		    switch_now_ns(sw)) != LINKCOND_PASS)
			return;
	} else {
		dst->passed_to++;	/* `umllab link` counts it (the queue counts the others) */
	}
	if (sw->ntaps != 0 && dst->taps != NULL && *dst->taps != NULL)
		for (struct switch_tap *t = *dst->taps; t != NULL; t = t->next_on_cable)
			switch_tap_push(sw, t, dst, NULL, SWITCH_TAP_OUT, sw->tx_iov[i].iov_base,
			    sw->tx_iov[i].iov_len);
	if (dst->bl_count > 0) {
		/* Behind the backlog, to keep the order. */
		struct tap_port from = { src->label, src->owner };
		if (switch_backlog_push_from(sw, dst, &from, &sw->tx_iov[i], 1, now))
			switch_wait_on(sw, src, dst);
		else
			switch_stat_dropped(sw, 1);
		return;
	}
	if (dst->txn == 0)
		sw->dirty[sw->ndirty++] = dst;
	unsigned q = dst->txn++;
	dst->txi[q] = (uint8_t)i;
	if (dst->trunk != NULL) {
		/* The trunk's header, then the frame (msg_name is its remote). */
		dst->tiov[q][1] = sw->tx_iov[i];
		dst->tx[q].msg_hdr.msg_iov = dst->tiov[q];
		return;
	}
	dst->tx[q].msg_hdr.msg_iov = &sw->tx_iov[i];
}

static void switch_flood(struct sw *sw, struct switch_port *src, unsigned i, uint64_t now)
{
	for (unsigned j = 0; j < sw->nactive; j++)
		if (sw->active[j] != src)
			switch_enqueue(sw, src, sw->active[j], i, now);
}

/* A frame's pieces in one buffer (sw->flat), for what copies it; its length. */
static size_t switch_gather(struct sw *sw, const struct iovec *iov, size_t pieces)
{
	size_t len = 0;
	for (size_t k = 0; k < pieces; k++) {
		memcpy(sw->flat + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	return len;
}

/* The first n frames queued for p went: taps of deliveries record them. */
static void switch_flush_delivered(struct sw *sw, const struct switch_port *p, unsigned n)
{
	for (unsigned j = 0; j < n; j++) {
		const struct switch_port *src = sw->rx_src[p->txi[j]];
		struct tap_port from = { src->label, src->owner };
		const struct msghdr *h = &p->tx[j].msg_hdr;
		size_t skip = p->trunk != NULL;	/* past a trunk's header */
		const struct iovec *f = &h->msg_iov[skip];
		if (h->msg_iovlen - skip == 1)
			switch_tap_delivered(sw, p, &from, f->iov_base, f->iov_len);
		else	/* re-tagged on the full path */
			switch_tap_delivered(sw, p, &from, sw->flat,
			    switch_gather(sw, f, h->msg_iovlen - skip));
	}
}

/* Send each destination's frames of the batch with one sendmmsg. What a
 * full receiver does not take goes to its backlog, and the ports those
 * frames came from wait on it. */
void switch_flush(struct sw *sw)
{
	uint64_t out = 0, dropped = 0, now = sw->rx_now;
	bool deliveries = sw->ndeliver != 0;
	for (unsigned d = 0; d < sw->ndirty; d++) {
		struct switch_port *p = sw->dirty[d];
		unsigned k = p->txn;
		p->txn = 0;
		if (p->dead) {
			dropped += k;	/* it left during the batch */
			continue;
		}
		/* A short count hides its error, which is nearly always a full
		 * queue: the backlog then finds out (a receiver that went away
		 * fails the next send, and the backlog is dropped). */
		int r = sendmmsg(p->data_fd, p->tx, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		unsigned sent = r > 0 ? (unsigned)r : 0;
		out += sent;
		if (deliveries)
			switch_flush_delivered(sw, p, sent);
		if (p->trunk != NULL) {
			/* No backlog: a UDP socket that does not take a frame drops it. */
			switch_stat_add(&p->trunk->frames_out, sent);
			if (sent < k) {
				switch_stat_add(&p->trunk->dropped_out, k - sent);
				dropped += k - sent;
			}
			continue;
		}
		if (sent == k)
			continue;
		bool full = r > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		if (!full) {
			dropped += k - sent;	/* gone or broken */
			continue;
		}
		for (unsigned j = sent; j < k; j++) {
			struct switch_port *src = sw->rx_src[p->txi[j]];
			struct tap_port from = { src->label, src->owner };
			if (!switch_backlog_push_from(sw, p, &from, p->tx[j].msg_hdr.msg_iov,
			    (unsigned)p->tx[j].msg_hdr.msg_iovlen, now))
				dropped++;
			if (!src->dead)
				switch_wait_on(sw, src, p);
		}
		switch_port_watch(sw, p);
	}
	sw->ndirty = 0;
	sw->nrx = 0;
	sw->vx_gen++;	/* the next batch's frames are other frames */
	if (out)
		switch_stat_add(&sw->st_out, out);
	switch_stat_dropped(sw, dropped);
}

/* ---- the storm budget ---- */

/* A second ended: publish its rates if the budget refused floods in it. */
static void switch_storm_second(struct sw *sw, uint64_t now)
{
	uint64_t in = atomic_load_explicit(&sw->st_in, memory_order_relaxed);
	uint64_t frames = in - sw->storm_sec_in;
	if (sw->storm_sec_limited != 0) {
		uint64_t group = sw->storm_sec_group < frames ? sw->storm_sec_group : frames;
		atomic_store_explicit(&sw->st_storm_fps, frames, memory_order_relaxed);
		atomic_store_explicit(&sw->st_storm_pct,
		    frames ? (unsigned)(group * 100 / frames) : 100, memory_order_relaxed);
		atomic_store_explicit(&sw->st_storm_at, now, memory_order_relaxed);
	}
	sw->storm_sec_in = in;
	sw->storm_sec_group = 0;
	sw->storm_sec_limited = 0;
}

/* A frame is flooded: count it against this window's share of
 * SWITCH_FLOOD_BUDGET. Past it, the port the batch came from is held (not
 * read) until the window ends (switch_forward, switch_storm_release): the
 * flood still goes, nothing is dropped, and a loop's storm goes on, but at
 * the budget's pace. Only floods pay for this: a frame with one destination
 * never comes here. */
static void switch_flood_count(struct sw *sw, uint64_t now, bool group)
{
	if (now - sw->storm_win >= SWITCH_STORM_WINDOW_MS) {
		if (now - sw->storm_win >= SWITCH_STORM_WINDOW_MS * SWITCH_STORM_WINDOWS ||
		    ++sw->storm_nwin >= SWITCH_STORM_WINDOWS) {
			switch_storm_second(sw, now);
			sw->storm_nwin = 0;
		}
		sw->storm_win = now;
		sw->storm_floods = 0;
	}
	sw->storm_sec_group += group;
	if (++sw->storm_floods <= SWITCH_FLOOD_BUDGET / SWITCH_STORM_WINDOWS)
		return;
	sw->storm_over = true;
	sw->storm_sec_limited++;
	switch_stat_add(&sw->st_flood_limited, 1);
}

/* src's batch went past the budget: it is not read until the window ends. */
static void switch_storm_hold(struct sw *sw, struct switch_port *src)
{
	sw->storm_over = false;
	if (src->storm_held || src->dead)
		return;
	src->storm_held = true;
	sw->storm_held++;
	if (src->waiting++ == 0)
		switch_port_watch(sw, src);
}

/* The window ended: the held ports are read again. */
void switch_storm_release(struct sw *sw)
{
	for (unsigned i = 0; i < sw->nactive && sw->storm_held; i++) {
		struct switch_port *p = sw->active[i];
		if (!p->storm_held)
			continue;
		p->storm_held = false;
		sw->storm_held--;
		if (p->waiting > 0 && --p->waiting == 0)
			switch_port_watch(sw, p);
	}
	sw->storm_held = 0;
}

/* ---- the full path: VLANs and spanning tree ---- */

static inline bool vlan_bit(const uint64_t *set, unsigned vid)
{
	return (set[vid / 64] >> (vid % 64)) & 1;
}

/* Does port p carry VLAN vid (0: the switch knows no VLANs, so yes)? */
static inline bool switch_port_carries(const struct switch_port *p, unsigned vid)
{
	return vid == 0 || p->pvid == vid || (p->tagged != NULL && vlan_bit(p->tagged, vid));
}

/* Frame i in the other form: its tag removed, or one for vid added. The
 * pieces point into the frame and sw->vx[i]: nothing is copied. Built once
 * per frame (sw->vx_gen changes with every batch). */
static const struct iovec *switch_vlan_form(struct sw *sw, unsigned i, bool tagged_in,
    unsigned vid, unsigned *pieces)
{
	struct switch_vx *x = &sw->vx[i];
	if (x->gen != sw->vx_gen) {
		unsigned char *f = sw->tx_iov[i].iov_base;
		size_t len = sw->tx_iov[i].iov_len;
		x->gen = sw->vx_gen;
		x->iov[0] = (struct iovec){ f, 12 };
		if (tagged_in) {
			x->iov[1] = (struct iovec){ f + 16, len - 16 };
			x->n = 2;
		} else {
			x->tag[0] = ETH_P_8021Q_HI;
			x->tag[1] = ETH_P_8021Q_LO;
			x->tag[2] = (unsigned char)(vid >> 8);
			x->tag[3] = (unsigned char)vid;
			x->iov[1] = (struct iovec){ x->tag, 4 };
			x->iov[2] = (struct iovec){ f + 12, len - 12 };
			x->n = 3;
		}
	}
	*pieces = x->n;
	return x->iov;
}

/* What switch_enqueue_full does past the common case: conditions, taps or a
 * backlog on dst, which copy the frame and so get it gathered. */
static void switch_enqueue_copies(struct sw *sw, struct switch_port *src, struct switch_port *dst,
    unsigned i, struct iovec *iov, unsigned n, uint64_t now)
{
	const unsigned char *flat = iov->iov_base;
	size_t len = n == 1 ? iov->iov_len : switch_gather(sw, iov, n);
	if (n != 1)
		flat = sw->flat;
	if (dst->cond_to != NULL) {
		sw->cond_dirty = true;
		if (linkcond_queue_admit(dst->cond_to, flat, len, switch_now_ns(sw)) != LINKCOND_PASS)
			return;
	} else {
		dst->passed_to++;	/* as switch_enqueue counts it */
	}
	if (sw->ntaps != 0 && dst->taps != NULL)
		for (struct switch_tap *t = *dst->taps; t != NULL; t = t->next_on_cable)
			switch_tap_push(sw, t, dst, NULL, SWITCH_TAP_OUT, flat, len);
	if (dst->bl_count > 0) {
		struct tap_port from = { src->label, src->owner };
		struct iovec one = { (void *)flat, len };
		if (switch_backlog_push_from(sw, dst, &from, &one, 1, now))
			switch_wait_on(sw, src, dst);
		else
			switch_stat_dropped(sw, 1);
		return;
	}
	if (dst->txn == 0)
		sw->dirty[sw->ndirty++] = dst;
	unsigned q = dst->txn++;
	dst->txi[q] = (uint8_t)i;
	if (dst->trunk != NULL) {
		for (unsigned k = 0; k < n; k++)
			dst->tiov[q][1 + k] = iov[k];
		dst->tx[q].msg_hdr.msg_iov = dst->tiov[q];
		dst->tx[q].msg_hdr.msg_iovlen = 1 + n;
		return;
	}
	dst->tx[q].msg_hdr.msg_iov = iov;
	dst->tx[q].msg_hdr.msg_iovlen = n;
}

/* switch_enqueue for the full path: the frame in the form dst wants (its
 * VLAN tagged or not), in pieces. */
static inline __attribute__((always_inline)) void switch_enqueue_full(struct sw *sw,
    struct switch_port *src, struct switch_port *dst, unsigned i, uint64_t now, unsigned vid,
    bool tagged_in)
{
	if (dst->link_down) {
		switch_stat_dropped(sw, 1);
		return;
	}
	struct iovec *iov = &sw->tx_iov[i];
	unsigned n = 1;
	bool want = dst->tagged != NULL && vid != dst->pvid && vid != 0;
	if (want != tagged_in) {
		if (want && iov->iov_len + 4 > SWITCH_FRAME_MAX) {
			switch_stat_dropped(sw, 1);	/* no room for the tag */
			return;
		}
		iov = (struct iovec *)switch_vlan_form(sw, i, tagged_in, vid, &n);
	}
	if (dst->cond_to != NULL || dst->bl_count > 0 || dst->trunk != NULL ||
	    (sw->ntaps != 0 && dst->taps != NULL && *dst->taps != NULL)) {
		switch_enqueue_copies(sw, src, dst, i, iov, n, now);
		return;
	}
	dst->passed_to++;
	if (dst->txn == 0)
		sw->dirty[sw->ndirty++] = dst;
	unsigned q = dst->txn++;
	dst->txi[q] = (uint8_t)i;
	dst->tx[q].msg_hdr.msg_iov = iov;
	dst->tx[q].msg_hdr.msg_iovlen = n;
}

static void switch_flood_full(struct sw *sw, struct switch_port *src, unsigned i, uint64_t now,
    unsigned vid, bool tagged_in)
{
	for (unsigned j = 0; j < sw->nactive; j++) {
		struct switch_port *p = sw->active[j];
		if (p != src && p->stp_state == SWITCH_STP_FORWARDING && switch_port_carries(p, vid))
			switch_enqueue_full(sw, src, p, i, now, vid, tagged_in);
	}
}

/* A frame refused for its VLAN, counted on its port and the switch. */
static void switch_vlan_drop(struct sw *sw, struct switch_port *src)
{
	src->vlan_drops++;
	switch_stat_add(&sw->st_vlan_dropped, 1);
}

/* Frame i's VLAN: its tag's or its port's untagged VLAN (0 when the switch
 * knows no VLANs); false, counted, when its port does not take it. */
static inline bool switch_vlan_in(struct sw *sw, struct switch_port *src, unsigned i,
    unsigned *vid, bool *tagged_in)
{
	const unsigned char *frame = sw->tx_iov[i].iov_base;
	*tagged_in = false;
	if (!sw->vlan_aware) {
		*vid = 0;
		return true;
	}
	if (frame[12] == ETH_P_8021Q_HI && frame[13] == ETH_P_8021Q_LO) {
		unsigned v = (unsigned)(frame[14] & 0x0f) << 8 | frame[15];
		/* A trunk takes its VLANs tagged (its native one too). */
		if (sw->tx_iov[i].iov_len < 18 || src->tagged == NULL || v == 0 ||
		    (v != src->pvid && !vlan_bit(src->tagged, v))) {
			switch_vlan_drop(sw, src);
			return false;
		}
		*vid = v;
		*tagged_in = true;
		return true;
	}
	if ((*vid = src->pvid) == 0) {
		switch_vlan_drop(sw, src);	/* a trunk without a native VLAN */
		return false;
	}
	return true;
}

/* A frame from a port spanning tree keeps from forwarding: a learning port
 * learns its source. */
static void switch_dispatch_blocked(struct sw *sw, struct switch_port *src, unsigned i,
    uint64_t now)
{
	unsigned vid;
	bool tagged_in;
	if (src->stp_state == SWITCH_STP_LEARNING && switch_vlan_in(sw, src, i, &vid, &tagged_in))
		fdb_learn_vlan(sw->fdb, (const unsigned char *)sw->tx_iov[i].iov_base + 6, vid,
		    src->slot, now);
}

/* switch_dispatch's full path: the frame's VLAN, learning and lookup in that
 * VLAN, destinations that carry it and that spanning tree lets forward,
 * each sent the frame in the form it wants. */
static void switch_dispatch_full(struct sw *sw, struct switch_port *src, unsigned i,
    uint64_t now, const unsigned char **last_src)
{
	const unsigned char *frame = sw->tx_iov[i].iov_base;
	unsigned vid;
	bool tagged_in;
	if (sw->stp != NULL && rstp_is_bpdu(frame, sw->tx_iov[i].iov_len)) {
		switch_stp_rx(sw, src, frame, sw->tx_iov[i].iov_len, now);	/* the bridge's, never forwarded */
		return;
	}
	if (src->stp_state != SWITCH_STP_FORWARDING) {
		switch_dispatch_blocked(sw, src, i, now);
		return;
	}
	if (!switch_vlan_in(sw, src, i, &vid, &tagged_in))
		return;
	if (*last_src == NULL || sw->last_vid != vid || memcmp(*last_src, frame + 6, 6) != 0) {
		fdb_learn_vlan(sw->fdb, frame + 6, vid, src->slot, now);
		*last_src = frame + 6;
		sw->last_vid = vid;
	}
	int dst = fdb_lookup_vlan(sw->fdb, frame, vid, now);
	struct switch_port *dport = dst >= 0 ? sw->slots[dst] : NULL;
	if (dport != NULL && dport->plugged) {
		if (dport != src && dport->stp_state == SWITCH_STP_FORWARDING &&
		    switch_port_carries(dport, vid))
			switch_enqueue_full(sw, src, dport, i, now, vid, tagged_in);
	} else {
		switch_flood_count(sw, now, fdb_mac_is_group(frame));
		switch_flood_full(sw, src, i, now, vid, tagged_in);
	}
}

/* ---- a frame's way ---- */

/* Frame i of this batch (sw->tx_iov[i]) from src on its way: whole-switch
 * taps, learning, then its destinations. A learning switch without VLANs or
 * spanning tree takes the first path, which knows nothing of either. */
void switch_dispatch(struct sw *sw, struct switch_port *src, unsigned i,
    uint64_t now, const unsigned char **last_src)
{
	const unsigned char *frame = sw->tx_iov[i].iov_base;
	if (sw->ntaps != 0)
		switch_tap_switch_in(sw, src, frame, sw->tx_iov[i].iov_len);
	if (sw->fwd != SWITCH_FWD_LEARNING) {
		if (sw->fwd == SWITCH_FWD_FULL) {
			switch_dispatch_full(sw, src, i, now, last_src);
			return;
		}
		if (fdb_mac_is_group(frame))	/* a hub: only broadcasts count as floods */
			switch_flood_count(sw, now, true);
		switch_flood(sw, src, i, now);
		return;
	}
	if (*last_src == NULL || memcmp(*last_src, frame + 6, 6) != 0) {
		/* A batch usually comes from one sender: learn its MAC once. */
		fdb_learn(sw->fdb, frame + 6, src->slot, now);
		*last_src = frame + 6;
	}
	int dst = fdb_lookup(sw->fdb, frame, now);
	struct switch_port *dport = dst >= 0 ? sw->slots[dst] : NULL;
	if (dport != NULL && dport->plugged) {
		if (dport != src)	/* the owner of the MAC sent it: filter */
			switch_enqueue(sw, src, dport, i, now);
	} else {
		switch_flood_count(sw, now, fdb_mac_is_group(frame));
		switch_flood(sw, src, i, now);
	}
}

/* A trunk's datagrams come with their sender's address, to check it. */
static void switch_rx_names(struct sw *sw, bool on)
{
	for (unsigned i = 0; i < SWITCH_BATCH; i++) {
		sw->rx[i].msg_hdr.msg_name = on ? &sw->rx_from[i] : NULL;
		sw->rx[i].msg_hdr.msg_namelen = on ? sizeof(sw->rx_from[i]) : 0;
	}
}

/* Read what src holds into the batch and decide every frame's way; the
 * batch is sent (switch_flush) once the loop has read every port that was
 * ready, so frames from several ports to one receiver go in one sendmmsg
 * and wake it once. */
void switch_forward(struct sw *sw, struct switch_port *src)
{
	if (SWITCH_BATCH - sw->nrx < SWITCH_BATCH_ROOM)
		switch_flush(sw);
	unsigned base = sw->nrx;
	struct trunk *trunk = src->trunk;
	if (trunk != NULL)
		switch_rx_names(sw, true);
	int n = recvmmsg(src->data_fd, sw->rx + base, SWITCH_BATCH - base, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (trunk != NULL)
			switch_rx_names(sw, false);
		return;	/* EAGAIN, or a pending socket error now consumed */
	}

	uint64_t now = clock_ms();
	if (base == 0)
		sw->rx_now = now;
	const unsigned char *last_src = NULL;
	uint64_t bad = 0, trunk_bad = 0;
	bool eof = false;
	bool cable_taps = sw->ntaps != 0 && src->taps != NULL && *src->taps != NULL;
	struct linkcond_queue *cond = src->cond_from;
	if (sw->ntaps != 0)
		sw->tap_ts = realtime_ns();
	for (unsigned i = base; i < base + (unsigned)n; i++) {
		size_t len = sw->rx[i].msg_len;
		if (len == 0 && src->cable != NULL) {
			/* A cable's connection ended: recvmmsg reports EOF as empty packets. */
			eof = true;
			n = (int)(i - base);
			break;
		}
		sw->rx_src[i] = src;
		size_t off = 0;
		if (trunk != NULL) {
			/* Another sender, another VNI, or no VXLAN header: not ours. */
			if (!trunk_accept(trunk, (const struct sockaddr *)&sw->rx_from[i],
			    sw->rx[i].msg_hdr.msg_namelen, sw->buf[i], len)) {
				bad++;
				trunk_bad++;
				continue;
			}
			off = VXLAN_HDR_LEN;
			len -= off;
		}
		if (len < SWITCH_FRAME_MIN || len > SWITCH_FRAME_MAX ||
		    (sw->rx[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			bad++;
			trunk_bad += trunk != NULL;
			continue;
		}
		const unsigned char *frame = sw->buf[i] + off;
		sw->tx_iov[i].iov_base = sw->buf[i] + off;
		sw->tx_iov[i].iov_len = len;
		if (src->link_down) {
			bad++;	/* its cable is out: nothing it sends goes anywhere */
			continue;
		}
		if (cable_taps)
			switch_tap_cable_in(sw, src, frame, len);
		if (cond != NULL) {
			sw->cond_dirty = true;
			if (linkcond_queue_admit(cond, frame, len, switch_now_ns(sw)) != LINKCOND_PASS)
				continue;	/* held for later, or dropped */
		}
		switch_dispatch(sw, src, i, now, &last_src);
	}
	sw->nrx = base + (unsigned)n;
	if (trunk != NULL)
		switch_rx_names(sw, false);
	if (sw->storm_over)
		switch_storm_hold(sw, src);
	switch_stat_add(&sw->st_in, (unsigned)n);
	switch_stat_dropped(sw, bad);
	if (cond == NULL)
		src->passed_from += (unsigned)n - bad;	/* `umllab link` counts them */
	if (trunk != NULL) {
		switch_stat_add(&trunk->frames_in, (unsigned)n - trunk_bad);
		if (trunk_bad)
			switch_stat_add(&trunk->dropped_in, trunk_bad);
	}
	if (eof)
		switch_port_unplug(sw, src);
}

/* Backlogs that did not move for SWITCH_STALL_MS: their receivers are
 * congested, and their senders read again (switch_timeout wakes the loop for
 * the nearest deadline). The backlog stays, and moves when the receiver reads. */
void switch_stalls(struct sw *sw, uint64_t now)
{
	for (unsigned i = 0; i < sw->nactive && sw->nbacklog; i++) {
		struct switch_port *p = sw->active[i];
		if (p->bl_count == 0 || p->congested || p->bl_moved + SWITCH_STALL_MS > now)
			continue;
		p->congested = true;	/* EPOLLOUT stays on to tell when it drains */
		switch_release_waiters(sw, p);
		switch_port_watch(sw, p);
	}
}
