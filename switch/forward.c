/* switch/forward.c: forwarding: a batch of frames from receive to flush (learning or hub), backlogs and backpressure.
 *
 * Forwarding drains a port with recvmmsg, decides every frame's destinations
 * (learning table or flood), queues pointers to the received buffers per
 * destination and sends each queue with one nonblocking sendmmsg: no copies,
 * no locks on that path.
 *
 * A receiver's socket queue is short (net.unix.max_dgram_qlen, 10 datagrams)
 * and one sendmmsg delivers a whole batch at once, far faster than a guest
 * drains it. So a full receiver does not cost drops at once: what it could
 * not take is copied to its backlog (SWITCH_BACKLOG frames, kept in order,
 * sent when its socket is writable again), and the sources that fed the
 * backlog stop being read until it drains. Their frames then wait in their own
 * socket queues and, once those fill, their senders' writes fail: backpressure
 * reaches the sender, as with uml_switch, whose one shared socket fills.
 * A receiver that takes nothing for SWITCH_STALL_MS is congested: its backlog
 * is dropped, its sources resume, and frames for it are dropped while it stays
 * full, so a stopped guest never holds up the others for longer than that.
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

/* src stops being read until dst's backlog drains. */
static void switch_wait_on(struct sw *sw, struct switch_port *src, struct switch_port *dst)
{
	uint64_t bit = 1ull << (src->slot % 64);
	uint64_t *word = &dst->waiters[src->slot / 64];
	if (*word & bit)
		return;
	*word |= bit;
	if (src->waiting++ == 0)
		switch_port_watch(sw, src);
}

/* dst's backlog is empty (or gone): everyone waiting on it reads again. */
static void switch_release_waiters(struct sw *sw, struct switch_port *dst)
{
	for (unsigned w = 0; w < SWITCH_WORDS; w++) {
		uint64_t bits = dst->waiters[w];
		dst->waiters[w] = 0;
		while (bits) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			struct switch_port *p = sw->slots[slot];
			if (p != NULL && p->waiting > 0 && --p->waiting == 0)
				switch_port_watch(sw, p);
		}
	}
}

/* port goes away: the backlogs it waits on forget it. */
void switch_unwait(struct sw *sw, struct switch_port *port)
{
	if (port->waiting == 0)
		return;
	uint64_t bit = 1ull << (port->slot % 64);
	for (unsigned i = 0; i < sw->nactive; i++)
		sw->active[i]->waiters[port->slot / 64] &= ~bit;
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

/* Copy a frame to dst's backlog (from: the port it came in on, for taps of
 * deliveries; NULL when not known); false when it is full. */
bool switch_backlog_push_from(struct sw *sw, struct switch_port *dst, const struct tap_port *from,
    const struct iovec *frame, uint64_t now)
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
	memcpy(dst->bl[i], frame->iov_base, frame->iov_len);
	dst->bl_len[i] = (uint16_t)frame->iov_len;
	dst->bl_from[i] = from != NULL ? *from : (struct tap_port){ NULL, 0 };
	return true;
}

bool switch_backlog_push(struct sw *sw, struct switch_port *dst, const struct iovec *frame,
    uint64_t now)
{
	return switch_backlog_push_from(sw, dst, NULL, frame, now);
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
		if (switch_backlog_push_from(sw, dst, &from, &sw->tx_iov[i], now))
			switch_wait_on(sw, src, dst);
		else
			switch_stat_dropped(sw, 1);
		return;
	}
	if (dst->txn == 0)
		sw->dirty[sw->ndirty++] = dst;
	if (dst->trunk != NULL) {
		/* The trunk's header, then the frame (msg_name is its remote). */
		unsigned q = dst->txn++;
		dst->tiov[q][1] = sw->tx_iov[i];
		dst->tx[q].msg_hdr.msg_iov = dst->tiov[q];
		return;
	}
	dst->tx[dst->txn++].msg_hdr.msg_iov = &sw->tx_iov[i];
}

static void switch_flood(struct sw *sw, struct switch_port *src, unsigned i, uint64_t now)
{
	for (unsigned j = 0; j < sw->nactive; j++)
		if (sw->active[j] != src)
			switch_enqueue(sw, src, sw->active[j], i, now);
}

/* The first n frames queued for p, from src, went: taps of deliveries record them. */
static void switch_flush_delivered(struct sw *sw, const struct switch_port *p,
    const struct switch_port *src, unsigned n)
{
	struct tap_port from = { src->label, src->owner };
	for (unsigned j = 0; j < n; j++) {
		const struct msghdr *h = &p->tx[j].msg_hdr;
		const struct iovec *f = &h->msg_iov[h->msg_iovlen - 1];	/* past a trunk's header */
		switch_tap_delivered(sw, p, &from, f->iov_base, f->iov_len);
	}
}

/* Send each destination's frames of this batch with one sendmmsg. What a
 * full receiver does not take goes to its backlog, and src waits on it. */
void switch_flush(struct sw *sw, struct switch_port *src, uint64_t now)
{
	uint64_t out = 0, dropped = 0;
	bool deliveries = sw->ndeliver != 0;
	for (unsigned d = 0; d < sw->ndirty; d++) {
		struct switch_port *p = sw->dirty[d];
		unsigned k = p->txn;
		p->txn = 0;
		/* A short count hides its error, which is nearly always a full
		 * queue: the backlog then finds out (a receiver that went away
		 * fails the next send, and the backlog is dropped). */
		int r = sendmmsg(p->data_fd, p->tx, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		unsigned sent = r > 0 ? (unsigned)r : 0;
		out += sent;
		if (deliveries)
			switch_flush_delivered(sw, p, src, sent);
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
		if (!full || p->congested) {
			dropped += k - sent;	/* gone, broken, or known to be stalled */
			continue;
		}
		struct tap_port from = { src->label, src->owner };
		for (unsigned j = sent; j < k; j++)
			if (!switch_backlog_push_from(sw, p, &from, p->tx[j].msg_hdr.msg_iov, now))
				dropped++;
		switch_wait_on(sw, src, p);
		switch_port_watch(sw, p);
	}
	sw->ndirty = 0;
	if (out)
		switch_stat_add(&sw->st_out, out);
	switch_stat_dropped(sw, dropped);
}

/* Frame i of this batch (sw->tx_iov[i]) from src on its way: whole-switch
 * taps, learning, then its destinations. */
void switch_dispatch(struct sw *sw, struct switch_port *src, unsigned i,
    uint64_t now, const unsigned char **last_src)
{
	const unsigned char *frame = sw->tx_iov[i].iov_base;
	if (sw->ntaps != 0)
		switch_tap_switch_in(sw, src, frame, sw->tx_iov[i].iov_len);
	if (sw->mode != SWITCH_MODE_LEARNING) {
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

void switch_forward(struct sw *sw, struct switch_port *src)
{
	struct trunk *trunk = src->trunk;
	if (trunk != NULL)
		switch_rx_names(sw, true);
	int n = recvmmsg(src->data_fd, sw->rx, SWITCH_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (trunk != NULL)
			switch_rx_names(sw, false);
		return;	/* EAGAIN, or a pending socket error now consumed */
	}

	uint64_t now = clock_ms();
	const unsigned char *last_src = NULL;
	uint64_t bad = 0, trunk_bad = 0;
	bool eof = false;
	bool cable_taps = sw->ntaps != 0 && src->taps != NULL && *src->taps != NULL;
	struct linkcond_queue *cond = src->cond_from;
	if (sw->ntaps != 0)
		sw->tap_ts = realtime_ns();
	for (unsigned i = 0; i < (unsigned)n; i++) {
		size_t len = sw->rx[i].msg_len;
		if (len == 0 && src->cable != NULL) {
			/* A cable's connection ended: recvmmsg reports EOF as empty packets. */
			eof = true;
			n = (int)i;
			break;
		}
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
	if (trunk != NULL)
		switch_rx_names(sw, false);
	switch_flush(sw, src, now);
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
 * congested (switch_timeout wakes the loop for the nearest deadline). */
void switch_stalls(struct sw *sw, uint64_t now)
{
	for (unsigned i = 0; i < sw->nactive && sw->nbacklog; i++) {
		struct switch_port *p = sw->active[i];
		if (p->bl_count == 0 || p->bl_moved + SWITCH_STALL_MS > now)
			continue;
		switch_backlog_release(sw, p);
		p->congested = true;	/* EPOLLOUT stays on to tell when it drains */
		switch_port_watch(sw, p);
	}
}
