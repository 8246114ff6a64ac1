/* switch/switch.c: the switch thread: control socket, daemon-protocol ports, batched learning/hub forwarding.
 *
 * Each switch is one thread with its own epoll loop. Every accepted control
 * connection becomes a port once its request is complete: the port gets a
 * datagram socket of its own, bound to an abstract name and connect()ed to
 * the client's data address, so the kernel itself tells ports apart (only the
 * connected peer may send to it) whatever the client named its socket.
 * Closing the control connection unplugs the port.
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
 * Cables: the lab's own kernels do not use the daemon protocol, whose data
 * socket UML binds to an abstract name any local user can send to. Each of
 * their interfaces is a cable: a SOCK_SEQPACKET socket at a path in the
 * lab's private directory, which the kernel's vector device
 * (`vecN:transport=bess,dst=PATH`) connects to when the guest brings the
 * interface up. One connection is one port, one packet one frame, and nobody
 * but the lab's owner can reach the path. A new connection on a cable
 * replaces the old one (a restarted kernel); the cable's link state (`umllab
 * link`) belongs to the cable, so it holds across reconnects and applies
 * before the first frame. The supervisor opens and closes cables from its
 * own thread through switch_call(), which the switch thread answers.
 *
 * Refusals are silent at the protocol level, because the protocol has no
 * error reply: a connection beyond SWITCH_MAX_PORTS, a bad request, or one
 * not complete within SWITCH_HANDSHAKE_MS is closed, and the client gives up
 * on that interface (UML logs "daemon_open : control setup request failed,
 * err = -32" and the guest has no such ethN).
 *
 * Trunks (switch/trunk.c): a port whose data socket is UDP, bound to the
 * trunk's listen address. Received datagrams are checked (the remote, the
 * VNI: trunk_accept) and their frames, past the VXLAN header, go through the
 * same forwarding as any port's. Frames for a trunk are sent with two iovecs,
 * the trunk's header and the frame, to its remote: still no copy. A trunk
 * has no backlog: a UDP socket that does not take a frame drops it (counted),
 * as a network would. */
#include "switch/switch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <pcap/bpf.h>

#include "core/base/util.h"
#include "switch/daemon_proto.h"
#include "switch/fdb.h"
#include "switch/linkcond.h"
#include "switch/trunk.h"
#include "switch/vxlan.h"

_Static_assert(sizeof(((struct switch_trunk_info *)0)->listen) == VXLAN_ADDR_TEXT_MAX,
    "switch.h's address text holds vxlan_addr_format's");

#define SWITCH_BATCH 64			/* frames per recvmmsg */
#define SWITCH_FRAME_MIN 14		/* an Ethernet header */
#define SWITCH_FRAME_MAX 1536		/* 1514 plus VLAN/MPLS room (UML allows MTU + 26) */
#define SWITCH_BUF_SIZE 2048		/* bigger datagrams come back MSG_TRUNC */
#define SWITCH_HANDSHAKE_MS 5000
#define SWITCH_EVENTS 64
#define SWITCH_ACCEPT_BURST 16
#define SWITCH_ACCEPT_PAUSE_MS 100	/* out of fds: stop accepting for a while, do not spin */
#define SWITCH_BACKLOG 128		/* frames held for a full receiver */
#define SWITCH_STALL_MS 50		/* a backlog that moves for this long: its receiver is congested */
#define SWITCH_WORDS (SWITCH_MAX_PORTS / 64)
#define LABEL_MAX 96
#define SWITCH_TAPS_MAX 32		/* captures open on one switch at once */
#define SWITCH_TAP_RING_MAX (1u << 16)

enum switch_ev_kind {
	SWITCH_EV_LISTEN,
	SWITCH_EV_WAKE,
	SWITCH_EV_CTL,
	SWITCH_EV_DATA,
	SWITCH_EV_CALL,
	SWITCH_EV_CABLE,
	SWITCH_EV_TIMER,
};

/* What an epoll event points at. */
struct switch_ev {
	enum switch_ev_kind kind;
	struct switch_port *port;
	struct switch_cable *cable;
};

/* A cable: a listening SOCK_SEQPACKET socket, and the port connected to it now. */
struct switch_cable {
	struct switch_ev ev;
	char *name;
	char *path;
	int listen_fd;
	dev_t dev;		/* the socket file we made, to remove only that one */
	ino_t ino;
	bool link_down;		/* its frames are dropped both ways */
	/* Link conditions, [COND_IN] on frames to the kernel, [COND_OUT] on
	 * frames from it; a queue stays while it holds frames, even after its
	 * conditions are cleared (cond_on false). */
	struct linkcond_queue *cond[2];
	bool cond_on[2];
	struct linkcond_pair conds;	/* what was set, as it was set */
	const char *label;	/* its name, interned: what taps record */
	struct switch_tap *taps;	/* taps on this cable (next_on_cable) */
	struct switch_port *port;	/* NULL while nothing is connected */
	struct switch_cable *next;
};

/* A request from another thread, answered by the switch thread. */
enum switch_call_op {
	SWITCH_CALL_CABLE_ADD,
	SWITCH_CALL_CABLE_CLOSE,
	SWITCH_CALL_CABLE_LINK,
	SWITCH_CALL_TAP_ADD,
	SWITCH_CALL_TAP_REMOVE,
	SWITCH_CALL_CABLE_COND_SET,
	SWITCH_CALL_CABLE_COND_GET,
	SWITCH_CALL_TRUNK_ADD,
};

enum { COND_IN, COND_OUT };

/* One frame in a tap's ring. */
struct tap_slot {
	uint64_t ts_ns;
	const char *port;	/* an interned label: lives as long as the switch */
	uint32_t len;
	uint32_t dir;
	unsigned char data[SWITCH_TAP_SNAPLEN];
};

/* A single-producer (the switch thread), single-consumer ring of frames. */
struct switch_tap {
	char *cable;			/* the target cable, or NULL for the whole switch */
	struct bpf_insn *filter;
	unsigned filter_len;
	struct tap_slot *ring;
	uint32_t mask;
	_Atomic uint32_t head;		/* next slot the switch fills */
	_Atomic uint32_t tail;		/* next slot the reader reads */
	_Atomic bool armed;		/* the reader found the ring empty and waits on fd */
	int fd;				/* eventfd */
	bool holding;			/* reader: the slot at tail is lent out */
	_Atomic uint64_t captured;	/* single writer: the switch thread */
	_Atomic uint64_t dropped;
	bool touched;			/* switch thread: filled this turn */
	struct switch_tap *next;	/* sw->taps */
	struct switch_tap *next_on_cable;
	struct switch_tap **on;		/* the list it is linked into now (a cable's or a
					 * trunk port's taps), or NULL */
};

struct switch_call {
	enum switch_call_op op;
	struct switch_cable *cable;	/* CABLE_ADD */
	struct switch_tap *tap;		/* TAP_ADD, TAP_REMOVE */
	struct trunk *trunk;		/* TRUNK_ADD */
	const char *name;		/* CABLE_CLOSE, CABLE_LINK, CABLE_COND_* */
	bool up;			/* CABLE_LINK */
	struct linkcond_pair *cond;	/* CABLE_COND_SET (in), CABLE_COND_GET (out) */
	struct cond_filter *filters[2];	/* CABLE_COND_SET: taken over by the switch */
	struct linkcond_stats *stats;	/* CABLE_COND_GET: [COND_IN], [COND_OUT] */
	int rc;
	char *cause;
	bool done;
};

struct switch_port {
	struct switch_ev ev_ctl;
	struct switch_ev ev_data;
	int slot;		/* index in sw->slots; the port id in the fdb */
	int ctl_fd;
	int data_fd;		/* -1 until plugged */
	bool plugged;		/* handshake done */
	bool dead;		/* unplugged; freed at the end of the loop turn */
	unsigned active_idx;	/* index in sw->active while plugged */
	uint64_t deadline;	/* handshake must be complete by then (ms) */
	size_t req_len;
	unsigned char req[DAEMON_REQ_SIZE];
	struct switch_port *next_dead;
	struct switch_cable *cable;	/* a cable's port: no ctl_fd, data_fd is the connection */
	unsigned txn;		/* frames queued for this port in this batch */
	struct mmsghdr tx[SWITCH_BATCH];
	uint32_t ev_mask;	/* the data socket's epoll events now */

	/* Backpressure (see the top of this file). */
	unsigned waiting;	/* backlogs of other ports this one waits on; reading paused while > 0 */
	bool congested;		/* the receiver stalled: frames for it are dropped while it is full */
	unsigned bl_head;	/* the oldest frame in bl */
	unsigned bl_count;
	uint64_t bl_moved;	/* when the backlog last filled from empty or sent a frame (ms) */
	unsigned char (*bl)[SWITCH_FRAME_MAX];	/* allocated at first need */
	uint16_t bl_len[SWITCH_BACKLOG];
	uint64_t waiters[SWITCH_WORDS];	/* slots of the ports paused on this backlog */

	bool link_down;		/* its cable is out: its frames are dropped both ways */
	/* Its cable's queues while they have conditions, else NULL: the only
	 * thing forwarding looks at when no condition is set. */
	struct linkcond_queue *cond_to;		/* frames the switch sends it */
	struct linkcond_queue *cond_from;	/* frames it sends */
	const char *label;	/* what taps record: the cable's name, or SWITCH.portN */
	struct trunk *trunk;	/* a trunk's port: data_fd is its UDP socket (the trunk's) */
	struct switch_tap **taps;	/* the taps on it by name: its cable's, or trunk_taps */
	struct switch_tap *trunk_taps;
	struct iovec (*tiov)[2];	/* a trunk's: per queued frame, its header and the frame */
};

struct sw {
	char *name;
	char *ctl_path;
	enum switch_mode mode;
	int listen_fd;
	int epoll_fd;
	int wake_fd;
	dev_t ctl_dev;
	ino_t ctl_ino;
	pthread_t thread;
	struct fdb *fdb;	/* learning mode only */
	struct switch_ev ev_listen;
	struct switch_ev ev_wake;
	struct switch_ev ev_call;
	int call_fd;		/* eventfd: a switch_call is waiting */
	pthread_mutex_t call_lock;
	pthread_cond_t call_cond;
	struct switch_call *call;	/* the pending call, under call_lock */
	struct switch_cable *cables;	/* switch thread only */
	unsigned ncables;
	struct switch_tap *taps;	/* switch thread only */
	unsigned ntaps;
	uint64_t tap_ts;		/* this batch's time, while taps are open */
	struct switch_tap *touched[SWITCH_TAPS_MAX];
	unsigned ntouched;
	struct label *labels;		/* interned port names, freed with the switch */
	int timer_fd;			/* timerfd: the next held frame is due */
	struct switch_ev ev_timer;
	uint64_t timer_at;		/* what timer_fd is set to (ns); UINT64_MAX: disarmed */
	bool cond_dirty;		/* a queue changed: set timer_fd again */
	uint64_t now_ns;		/* this turn's time for conditions; 0: not read yet */

	/* Owned by the switch thread once it runs. */
	struct switch_port *slots[SWITCH_MAX_PORTS];
	unsigned nslots;	/* slots in use: pending and plugged */
	unsigned npending;
	struct switch_port *active[SWITCH_MAX_PORTS];	/* plugged ports, dense, for flooding */
	unsigned nactive;
	struct switch_port *dirty[SWITCH_MAX_PORTS];	/* ports with queued frames */
	unsigned ndirty;
	struct switch_port *graveyard;
	/* Set by the owner's thread once the switch thread has plugged it in;
	 * never removed before switch_stop, so any thread may read them. */
	struct trunk *trunks[SWITCH_TRUNKS_MAX];
	_Atomic unsigned ntrunks;
	struct sockaddr_storage rx_from[SWITCH_BATCH];	/* a trunk's senders */
	uint64_t accept_resume;	/* nonzero: listening paused until then (ms) */
	unsigned nbacklog;	/* ports with frames in their backlog */
	struct mmsghdr rx[SWITCH_BATCH];
	struct iovec rx_iov[SWITCH_BATCH];
	struct iovec tx_iov[SWITCH_BATCH];	/* the received frames, at their lengths */
	unsigned char (*buf)[SWITCH_BUF_SIZE];

	/* Written only by the switch thread, read by anyone: relaxed atomics. */
	_Atomic unsigned st_ports;
	_Atomic uint64_t st_in;
	_Atomic uint64_t st_out;
	_Atomic uint64_t st_dropped;
};

/* Single writer: a relaxed load and store, no locked read-modify-write. */
static inline void switch_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

/* Port names that tap records point at: they must outlive the ports and
 * cables, since a reader may still hold a record; one per distinct name. */
struct label {
	struct label *next;
	char name[];
};

static const char *switch_label(struct sw *sw, const char *name)
{
	for (struct label *l = sw->labels; l != NULL; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l->name;
	size_t len = strlen(name);
	struct label *l = xmalloc(sizeof(*l) + len + 1);
	memcpy(l->name, name, len + 1);
	l->next = sw->labels;
	sw->labels = l;
	return l->name;
}

static void switch_ports_set(struct sw *sw, unsigned n)
{
	atomic_store_explicit(&sw->st_ports, n, memory_order_relaxed);
}

/* ---- ports ---- */

static void switch_backlog_release(struct sw *sw, struct switch_port *port);
static void switch_unwait(struct sw *sw, struct switch_port *port);
static void switch_taps_detach(struct switch_tap **list);

/* Take fd out of the epoll set before closing it. close() alone removes
 * it only when no other descriptor shares the open file: a child the
 * supervisor is forking holds copies until its exec, and epoll would go on
 * reporting events that point at a freed port. */
static void switch_fd_close(struct sw *sw, int fd)
{
	if (fd < 0)
		return;
	epoll_ctl(sw->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void switch_port_unplug(struct sw *sw, struct switch_port *port)
{
	if (port->dead)
		return;
	port->dead = true;
	if (port->cable != NULL && port->cable->port == port)
		port->cable->port = NULL;
	if (port->plugged) {
		switch_backlog_release(sw, port);
		switch_unwait(sw, port);
		struct switch_port *last = sw->active[--sw->nactive];
		sw->active[port->active_idx] = last;
		last->active_idx = port->active_idx;
		switch_ports_set(sw, sw->nactive);
		if (sw->fdb != NULL)
			fdb_forget_port(sw->fdb, port->slot);
		if (port->trunk != NULL) {	/* its socket is the trunk's, closed with it */
			epoll_ctl(sw->epoll_fd, EPOLL_CTL_DEL, port->data_fd, NULL);
			switch_taps_detach(&port->trunk_taps);
		} else
			switch_fd_close(sw, port->data_fd);
		port->data_fd = -1;
	} else {
		sw->npending--;
	}
	switch_fd_close(sw, port->ctl_fd);
	port->ctl_fd = -1;
	sw->slots[port->slot] = NULL;
	sw->nslots--;
	/* Events for it may still sit in this turn's event array. */
	port->next_dead = sw->graveyard;
	sw->graveyard = port;
}

static void switch_bury(struct sw *sw)
{
	while (sw->graveyard != NULL) {
		struct switch_port *port = sw->graveyard;
		sw->graveyard = port->next_dead;
		free(port->bl);
		free(port->tiov);
		free(port);
	}
}

/* "umllab-" and 32 random hex digits, NUL padded. */
static int switch_random_name(char *name, size_t size)
{
	unsigned char rnd[16];
	size_t got = 0;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	memset(name, 0, size);
	int at = snprintf(name, size, "umllab-");
	for (size_t i = 0; i < sizeof(rnd) && (size_t)at + 2 < size; i++)
		at += snprintf(name + at, size - (size_t)at, "%02x", rnd[i]);
	return 0;
}

/* The handshake is complete: make the port's data socket and answer. */
static int switch_port_plug(struct sw *sw, struct switch_port *port, const struct sockaddr_un *client)
{
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Abstract, zero padded and bound with the full length, as uml_switch's
	 * clients expect to sendto() it. The name is random, so that nobody
	 * can take it first (the socket is connect()ed, so only its client can
	 * send to it anyway). */
	int r = -1;
	for (int tries = 0; r != 0 && tries < 8; tries++) {
		if (switch_random_name(addr.sun_path + 1, sizeof(addr.sun_path) - 1) != 0)
			goto fail;
		r = bind(fd, (const struct sockaddr *)&addr, sizeof(addr));
		if (r != 0 && errno != EADDRINUSE)
			goto fail;
	}
	if (r != 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)client, sizeof(*client)) != 0)
		goto fail;
	port->ev_data.kind = SWITCH_EV_DATA;
	port->ev_data.port = port;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &port->ev_data };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		goto fail;
	port->ev_mask = EPOLLIN;

	port->data_fd = fd;
	port->plugged = true;
	char label[LABEL_MAX];
	snprintf(label, sizeof(label), "%s.port%d", sw->name, port->slot);
	port->label = switch_label(sw, label);
	sw->npending--;
	port->active_idx = sw->nactive;
	sw->active[sw->nactive++] = port;
	switch_ports_set(sw, sw->nactive);

	/* Plugged before answering, so the client never sees a reply ahead of
	 * the port count; a failed reply unplugs it like any other failure.
	 * A fresh stream socket has room for 110 bytes: all or nothing. */
	unsigned char reply[DAEMON_REPLY_SIZE];
	size_t len = daemon_reply_build(reply, sizeof(reply), &addr);
	if (send(port->ctl_fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	return 0;

fail:
	close(fd);
	return -1;
}

static void switch_handshake(struct sw *sw, struct switch_port *port)
{
	ssize_t n = recv(port->ctl_fd, port->req + port->req_len, sizeof(port->req) - port->req_len,
	    MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		switch_port_unplug(sw, port);
		return;
	}
	if (n == 0) {
		switch_port_unplug(sw, port);
		return;
	}
	port->req_len += (size_t)n;

	struct sockaddr_un client;
	switch (daemon_request_parse(port->req, port->req_len, &client, NULL)) {
	case DAEMON_PARSE_PARTIAL:
		/* A full buffer is always at least DAEMON_REQ_MIN, never partial. */
		return;
	case DAEMON_PARSE_OK:
		if (switch_port_plug(sw, port, &client) == 0)
			return;
		break;
	case DAEMON_PARSE_BAD:
		break;
	}
	switch_port_unplug(sw, port);
}

static void switch_ctl_event(struct sw *sw, struct switch_port *port)
{
	if (!port->plugged) {
		switch_handshake(sw, port);
		return;
	}
	/* After the handshake the connection only says "still plugged"; bytes
	 * (UML's 2 padding bytes, say) are read and ignored, a few reads a turn. */
	char buf[256];
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(port->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		switch_port_unplug(sw, port);
		return;
	}
}

/* A port on fd in a free slot, watched for events through its ev_ctl or
 * ev_data (kind); NULL, fd closed, when epoll refuses it. The caller has
 * checked that a slot is free. */
static struct switch_port *switch_port_new(struct sw *sw, int fd, enum switch_ev_kind kind,
    uint32_t events)
{
	struct switch_port *port = xcalloc(1, sizeof(*port));
	for (unsigned j = 0; j < SWITCH_BATCH; j++)
		port->tx[j].msg_hdr.msg_iovlen = 1;
	struct switch_ev *ev = kind == SWITCH_EV_CTL ? &port->ev_ctl : &port->ev_data;
	ev->kind = kind;
	ev->port = port;
	struct epoll_event e = { .events = events, .data.ptr = ev };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, fd, &e) != 0) {
		close(fd);
		free(port);
		return NULL;
	}
	int slot = 0;
	while (sw->slots[slot] != NULL)
		slot++;
	port->slot = slot;
	sw->slots[slot] = port;
	sw->nslots++;
	return port;
}

/* Out of descriptors: a connection stays queued and its listener stays
 * readable, so stop listening for a while rather than spin. */
static void switch_accept_pause(struct sw *sw)
{
	struct epoll_event ev = { .events = 0, .data.ptr = &sw->ev_listen };
	epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, sw->listen_fd, &ev);
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		struct epoll_event cev = { .events = 0, .data.ptr = &c->ev };
		epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, c->listen_fd, &cev);
	}
	sw->accept_resume = clock_ms() + SWITCH_ACCEPT_PAUSE_MS;
}

static void switch_accept_resume(struct sw *sw)
{
	sw->accept_resume = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sw->ev_listen };
	epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, sw->listen_fd, &ev);
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		struct epoll_event cev = { .events = EPOLLIN, .data.ptr = &c->ev };
		epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, c->listen_fd, &cev);
	}
}

/* The next connection waiting on listen_fd, or -1 when there is none now
 * (out of descriptors: accepting pauses for a while). */
static int switch_accept_next(struct sw *sw, int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			switch_accept_pause(sw);
		return -1;
	}
}

/* Cables with a kernel connected now. */
static unsigned switch_cable_ports(const struct sw *sw)
{
	unsigned n = 0;
	for (const struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		n += c->port != NULL;
	return n;
}

static void switch_accept(struct sw *sw)
{
	for (int i = 0; i < SWITCH_ACCEPT_BURST; i++) {
		int fd = switch_accept_next(sw, sw->listen_fd);
		if (fd < 0)
			return;
		/* Every cable keeps a slot for its kernel. */
		if (sw->nslots + sw->ncables - switch_cable_ports(sw) >= SWITCH_MAX_PORTS) {
			close(fd);	/* the refusal: see the top of this file */
			continue;
		}
		struct switch_port *port = switch_port_new(sw, fd, SWITCH_EV_CTL, EPOLLIN);
		if (port == NULL)
			continue;
		port->ctl_fd = fd;
		port->data_fd = -1;
		sw->npending++;
		port->deadline = clock_ms() + SWITCH_HANDSHAKE_MS;
	}
}

/* ---- forwarding ---- */

static void switch_stat_dropped(struct sw *sw, uint64_t n)
{
	if (n)
		switch_stat_add(&sw->st_dropped, n);
}

/* Watch the data socket for what the port needs now: frames to read unless
 * it is paused, room to write while it has a backlog or is congested. */
static void switch_port_watch(struct sw *sw, struct switch_port *port)
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
static void switch_unwait(struct sw *sw, struct switch_port *port)
{
	if (port->waiting == 0)
		return;
	uint64_t bit = 1ull << (port->slot % 64);
	for (unsigned i = 0; i < sw->nactive; i++)
		sw->active[i]->waiters[port->slot / 64] &= ~bit;
	port->waiting = 0;
}

/* Drop port's backlog (counted) and release its waiters. */
static void switch_backlog_release(struct sw *sw, struct switch_port *port)
{
	if (port->bl_count)
		sw->nbacklog--;
	switch_stat_dropped(sw, port->bl_count);
	port->bl_count = 0;
	port->bl_head = 0;
	port->congested = false;
	switch_release_waiters(sw, port);
}

/* Copy a frame to dst's backlog; false when it is full. */
static bool switch_backlog_push(struct sw *sw, struct switch_port *dst, const struct iovec *frame,
    uint64_t now)
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
	return true;
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
static void switch_writable(struct sw *sw, struct switch_port *port)
{
	if (port->bl_count > 0) {
		switch_backlog_flush(sw, port);
	} else if (port->congested) {
		port->congested = false;
		switch_port_watch(sw, port);
	}
}

/* ---- taps: the switch thread's side ---- */

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copy a frame into the tap's ring, or count it dropped when the ring is
 * full: the switch never waits for the reader. */
static void switch_tap_push(struct sw *sw, struct switch_tap *t, const char *port,
    enum switch_tap_dir dir, const unsigned char *frame, size_t len)
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
	slot->port = port;
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

/* A frame src's kernel sent, as it sent it (before its cable's conditions);
 * or a trunk's frame as it came, past its header. */
static void switch_tap_cable_in(struct sw *sw, const struct switch_port *src,
    const unsigned char *frame, size_t len)
{
	for (struct switch_tap *t = *src->taps; t != NULL; t = t->next_on_cable)
		switch_tap_push(sw, t, src->label, SWITCH_TAP_IN, frame, len);
}

/* A frame the switch forwards from src (whole-switch taps see each once). */
static void switch_tap_switch_in(struct sw *sw, const struct switch_port *src,
    const unsigned char *frame, size_t len)
{
	for (struct switch_tap *t = sw->taps; t != NULL; t = t->next)
		if (t->cable == NULL)
			switch_tap_push(sw, t, src->label, SWITCH_TAP_IN, frame, len);
}

/* Wake the readers that wait for frames that came this turn. */
static void switch_tap_wake(struct sw *sw)
{
	/* Pairs with the reader's arming: either it sees the new head, or we
	 * see it armed. */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned i = 0; i < sw->ntouched; i++) {
		struct switch_tap *t = sw->touched[i];
		t->touched = false;
		if (atomic_exchange_explicit(&t->armed, false, memory_order_relaxed)) {
			uint64_t one = 1;
			(void)!write(t->fd, &one, sizeof(one));
		}
	}
	sw->ntouched = 0;
}

/* ---- link conditions: the switch thread's side ---- */

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
	}
	if (sw->ntaps != 0 && dst->taps != NULL && *dst->taps != NULL)
		for (struct switch_tap *t = *dst->taps; t != NULL; t = t->next_on_cable)
			switch_tap_push(sw, t, dst->label, SWITCH_TAP_OUT, sw->tx_iov[i].iov_base,
			    sw->tx_iov[i].iov_len);
	if (dst->bl_count > 0) {
		/* Behind the backlog, to keep the order. */
		if (switch_backlog_push(sw, dst, &sw->tx_iov[i], now))
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

/* Send each destination's frames of this batch with one sendmmsg. What a
 * full receiver does not take goes to its backlog, and src waits on it. */
static void switch_flush(struct sw *sw, struct switch_port *src, uint64_t now)
{
	uint64_t out = 0, dropped = 0;
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
		for (unsigned j = sent; j < k; j++)
			if (!switch_backlog_push(sw, p, p->tx[j].msg_hdr.msg_iov, now))
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
static inline void switch_dispatch(struct sw *sw, struct switch_port *src, unsigned i,
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

static void switch_forward(struct sw *sw, struct switch_port *src)
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
	if (trunk != NULL) {
		switch_stat_add(&trunk->frames_in, (unsigned)n - trunk_bad);
		if (trunk_bad)
			switch_stat_add(&trunk->dropped_in, trunk_bad);
	}
	if (eof)
		switch_port_unplug(sw, src);
}

static void switch_data_event(struct sw *sw, struct switch_port *port, uint32_t events)
{
	if (port->cable != NULL && (events & (EPOLLHUP | EPOLLRDHUP))) {
		/* The kernel went away or took its interface down: what it sent
		 * before still goes out, then the port is gone. */
		if (port->waiting == 0)
			switch_forward(sw, port);
		if (!port->dead)
			switch_port_unplug(sw, port);
		return;
	}
	if (events & EPOLLOUT)
		switch_writable(sw, port);
	if (port->waiting == 0) {
		if (events & (EPOLLIN | EPOLLERR))
			switch_forward(sw, port);
	} else if (events & EPOLLERR) {
		/* Paused, the error would be reported again and again: clear it. */
		int err;
		socklen_t len = sizeof(err);
		getsockopt(port->data_fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
}

/* Backlogs that did not move for SWITCH_STALL_MS: their receivers are
 * congested (switch_timeout wakes the loop for the nearest deadline). */
static void switch_stalls(struct sw *sw, uint64_t now)
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

/* ---- link conditions: held frames whose time has come ---- */

/* From a cable's kernel: forwarded as if they had just arrived. */
static void switch_cond_release_out(struct sw *sw, struct switch_cable *cable, uint64_t now_ns)
{
	struct linkcond_queue *q = cable->cond[COND_OUT];
	struct switch_port *src = cable->port;
	uint64_t now = clock_ms(), gone = 0;
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
			switch_dispatch(sw, src, n, now, &last_src);
			n++;
		}
		if (n > 0)
			switch_flush(sw, src, now);
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
			switch_tap_push(sw, t, dst->label, SWITCH_TAP_OUT, f, len);
		if (dst->bl_count == 0) {
			if (send(dst->data_fd, f, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
				out++;
				continue;
			}
			if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
			    dst->congested) {
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

static void switch_cond_timer(struct sw *sw)
{
	uint64_t expirations;
	(void)!read(sw->timer_fd, &expirations, sizeof(expirations));
	sw->timer_at = UINT64_MAX;	/* it fired */
	uint64_t now_ns = clock_ns();
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		if (c->cond[COND_OUT] != NULL && linkcond_queue_due(c->cond[COND_OUT]) <= now_ns)
			switch_cond_release_out(sw, c, now_ns);
		if (c->cond[COND_IN] != NULL && linkcond_queue_due(c->cond[COND_IN]) <= now_ns)
			switch_cond_release_in(sw, c, now_ns);
	}
	sw->cond_dirty = true;
}

/* Set the timer for the earliest held frame; free the queues whose
 * conditions were cleared once they are empty. */
static void switch_cond_arm(struct sw *sw)
{
	sw->cond_dirty = false;
	uint64_t next = UINT64_MAX;
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		for (int d = COND_IN; d <= COND_OUT; d++) {
			if (c->cond[d] == NULL)
				continue;
			uint64_t due = linkcond_queue_due(c->cond[d]);
			if (due == UINT64_MAX && !c->cond_on[d]) {
				linkcond_queue_free(c->cond[d]);
				c->cond[d] = NULL;
			} else if (due < next) {
				next = due;
			}
		}
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
static void switch_cond_attach(struct switch_cable *cable)
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

static void switch_cond_set(struct sw *sw, struct switch_cable *cable,
    const struct linkcond_pair *p, struct cond_filter *filters[2])
{
	cable->conds = *p;
	for (int d = COND_IN; d <= COND_OUT; d++) {
		const struct linkcond *c = d == COND_IN ? &p->in : &p->out;
		cable->cond_on[d] = !linkcond_empty(c);
		if (cable->cond_on[d] && cable->cond[d] == NULL)
			cable->cond[d] = linkcond_queue_new(cond_seed());
		if (cable->cond[d] != NULL) {
			struct cond_filter *f = cable->cond_on[d] ? filters[d] : NULL;
			linkcond_queue_configure(cable->cond[d], c, cond_filter_match, f, free);
			if (f != NULL)
				filters[d] = NULL;	/* the queue's now */
		}
	}
	switch_cond_attach(cable);
	sw->cond_dirty = true;
}

/* ---- cables ---- */

/* A kernel connected to a cable: it becomes the cable's port, replacing the
 * one before (a restarted kernel). */
static void switch_cable_accept(struct sw *sw, struct switch_cable *cable)
{
	for (int i = 0; i < SWITCH_ACCEPT_BURST; i++) {
		int fd = switch_accept_next(sw, cable->listen_fd);
		if (fd < 0)
			return;
		/* The directory is private already; this also refuses a socket
		 * passed in by someone else's process. */
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
		    cred.uid != getuid()) {
			close(fd);
			continue;
		}
		if (cable->port != NULL)
			switch_port_unplug(sw, cable->port);
		if (sw->nslots >= SWITCH_MAX_PORTS) {
			close(fd);
			continue;
		}
		struct switch_port *port = switch_port_new(sw, fd, SWITCH_EV_DATA,
		    EPOLLIN | EPOLLRDHUP);
		if (port == NULL)
			continue;
		port->ctl_fd = -1;
		port->data_fd = fd;
		port->ev_mask = EPOLLIN | EPOLLRDHUP;
		port->cable = cable;
		port->label = cable->label;
		port->taps = &cable->taps;
		port->link_down = cable->link_down;
		port->plugged = true;
		cable->port = port;
		switch_cond_attach(cable);
		port->active_idx = sw->nactive;
		sw->active[sw->nactive++] = port;
		switch_ports_set(sw, sw->nactive);
	}
}

static struct switch_cable *switch_cable_find(struct sw *sw, const char *name)
{
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Its taps stay open and wait for a port of that name to come back. */
static void switch_taps_detach(struct switch_tap **list)
{
	while (*list != NULL) {
		struct switch_tap *t = *list;
		*list = t->next_on_cable;
		t->next_on_cable = NULL;
		t->on = NULL;
	}
}

/* Remove the socket file only while it is still the one we made. */
static void switch_cable_free(struct sw *sw, struct switch_cable *cable)
{
	if (cable->port != NULL)
		switch_port_unplug(sw, cable->port);
	switch_taps_detach(&cable->taps);
	if (cable->listen_fd >= 0) {
		switch_fd_close(sw, cable->listen_fd);
		struct stat st;
		if (lstat(cable->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == cable->dev &&
		    st.st_ino == cable->ino)
			unlink(cable->path);
	}
	for (int d = COND_IN; d <= COND_OUT; d++)
		linkcond_queue_free(cable->cond[d]);
	free(cable->name);
	free(cable->path);
	free(cable);
}

static void switch_tap_link(struct switch_tap *t, struct switch_tap **list)
{
	t->on = list;
	t->next_on_cable = *list;
	*list = t;
}

/* The trunk port called name, or NULL. */
static struct switch_port *switch_trunk_port(struct sw *sw, const char *name)
{
	for (unsigned i = 0; i < sw->nactive; i++)
		if (sw->active[i]->trunk != NULL && strcmp(sw->active[i]->trunk->name, name) == 0)
			return sw->active[i];
	return NULL;
}

/* Take a tap out of the switch (and its cable); the caller frees it. */
static void switch_tap_unlink(struct sw *sw, struct switch_tap *t)
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
			break;
		}
	for (unsigned i = 0; i < sw->ntouched; i++)
		if (sw->touched[i] == t)
			sw->touched[i] = sw->touched[--sw->ntouched];
}

/* Plug a trunk in as a port: from now on it is read and flooded to. */
static int switch_trunk_plug(struct sw *sw, struct trunk *t, char **cause)
{
	if (sw->ncables + sw->nslots - switch_cable_ports(sw) >= SWITCH_MAX_PORTS)
		return set_cause(cause, "switch %s is full: it has %u ports, the most one switch "
		    "takes; trunk %s needs one more", sw->name, (unsigned)SWITCH_MAX_PORTS, t->name);
	struct switch_port *port = xcalloc(1, sizeof(*port));
	port->ev_data.kind = SWITCH_EV_DATA;
	port->ev_data.port = port;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &port->ev_data };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, t->fd, &ev) != 0) {
		free(port);
		return set_cause(cause, "switch %s: cannot watch trunk %s: %s", sw->name, t->name,
		    strerror(errno));
	}
	int slot = 0;	/* the check above leaves one free */
	while (sw->slots[slot] != NULL)
		slot++;
	port->slot = slot;
	sw->slots[slot] = port;
	sw->nslots++;
	port->ctl_fd = -1;
	port->data_fd = t->fd;
	port->ev_mask = EPOLLIN;
	port->trunk = t;
	port->taps = &port->trunk_taps;
	port->label = switch_label(sw, t->name);
	for (struct switch_tap *tap = sw->taps; tap != NULL; tap = tap->next)
		if (tap->cable != NULL && tap->on == NULL && strcmp(tap->cable, t->name) == 0)
			switch_tap_link(tap, port->taps);
	port->tiov = xcalloc(SWITCH_BATCH, sizeof(*port->tiov));
	for (unsigned j = 0; j < SWITCH_BATCH; j++) {
		port->tiov[j][0].iov_base = t->hdr;
		port->tiov[j][0].iov_len = sizeof(t->hdr);
		port->tx[j].msg_hdr.msg_name = &t->remote.ss;
		port->tx[j].msg_hdr.msg_namelen = t->remote.len;
		port->tx[j].msg_hdr.msg_iovlen = 2;
	}
	port->plugged = true;
	port->active_idx = sw->nactive;
	sw->active[sw->nactive++] = port;
	switch_ports_set(sw, sw->nactive);
	return 0;
}

static void switch_call_run(struct sw *sw, struct switch_call *call)
{
	struct switch_cable *cable;
	switch (call->op) {
	case SWITCH_CALL_CABLE_ADD:
		cable = call->cable;
		if (switch_cable_find(sw, cable->name) != NULL) {
			call->rc = set_cause(&call->cause, "switch %s already has a cable %s",
			    sw->name, cable->name);
			return;
		}
		if (sw->ncables + sw->nslots - switch_cable_ports(sw) >= SWITCH_MAX_PORTS) {
			call->rc = set_cause(&call->cause, "switch %s is full: it has %u ports, the "
			    "most one switch takes; connect more instances through a second switch",
			    sw->name, (unsigned)SWITCH_MAX_PORTS);
			return;
		}
		cable->ev.kind = SWITCH_EV_CABLE;
		cable->ev.cable = cable;
		cable->label = switch_label(sw, cable->name);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cable->ev };
		if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, cable->listen_fd, &ev) != 0) {
			call->rc = set_cause(&call->cause, "switch %s: cannot watch cable %s: %s",
			    sw->name, cable->name, strerror(errno));
			return;
		}
		cable->next = sw->cables;
		sw->cables = cable;
		sw->ncables++;
		for (struct switch_tap *t = sw->taps; t != NULL; t = t->next)
			if (t->cable != NULL && strcmp(t->cable, cable->name) == 0)
				switch_tap_link(t, &cable->taps);
		call->rc = 0;
		return;
	case SWITCH_CALL_CABLE_CLOSE:
		for (struct switch_cable **pp = &sw->cables; *pp != NULL; pp = &(*pp)->next) {
			if (strcmp((*pp)->name, call->name) == 0) {
				cable = *pp;
				*pp = cable->next;
				sw->ncables--;
				switch_cable_free(sw, cable);
				break;
			}
		}
		call->rc = 0;
		return;
	case SWITCH_CALL_CABLE_LINK:
		cable = switch_cable_find(sw, call->name);
		if (cable == NULL) {
			call->rc = set_cause(&call->cause, "switch %s has no cable %s", sw->name,
			    call->name);
			return;
		}
		cable->link_down = !call->up;
		if (cable->port != NULL)
			cable->port->link_down = cable->link_down;
		call->rc = 0;
		return;
	case SWITCH_CALL_TAP_ADD:
		if (sw->ntaps == SWITCH_TAPS_MAX) {
			call->rc = set_cause(&call->cause, "switch %s already has %d captures open; "
			    "stop one first", sw->name, SWITCH_TAPS_MAX);
			return;
		}
		call->tap->next = sw->taps;
		sw->taps = call->tap;
		sw->ntaps++;
		if (call->tap->cable != NULL) {
			cable = switch_cable_find(sw, call->tap->cable);
			struct switch_port *tp = cable == NULL ?
			    switch_trunk_port(sw, call->tap->cable) : NULL;
			if (cable != NULL)
				switch_tap_link(call->tap, &cable->taps);
			else if (tp != NULL)
				switch_tap_link(call->tap, tp->taps);
		}
		call->rc = 0;
		return;
	case SWITCH_CALL_TAP_REMOVE:
		switch_tap_unlink(sw, call->tap);
		call->rc = 0;
		return;
	case SWITCH_CALL_TRUNK_ADD:
		call->rc = switch_trunk_plug(sw, call->trunk, &call->cause);
		return;
	case SWITCH_CALL_CABLE_COND_SET:
	case SWITCH_CALL_CABLE_COND_GET:
		cable = switch_cable_find(sw, call->name);
		if (cable == NULL) {
			call->rc = set_cause(&call->cause, "switch %s has no cable %s", sw->name,
			    call->name);
			return;
		}
		if (call->op == SWITCH_CALL_CABLE_COND_SET) {
			switch_cond_set(sw, cable, call->cond, call->filters);
		} else {
			*call->cond = cable->conds;
			for (int d = COND_IN; d <= COND_OUT; d++) {
				memset(&call->stats[d], 0, sizeof(call->stats[d]));
				if (cable->cond[d] != NULL)
					linkcond_queue_stats(cable->cond[d], &call->stats[d]);
			}
		}
		call->rc = 0;
		return;
	}
}

static void switch_call_event(struct sw *sw)
{
	uint64_t count;
	while (read(sw->call_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&sw->call_lock);
	if (sw->call != NULL) {
		switch_call_run(sw, sw->call);
		sw->call->done = true;
		sw->call = NULL;
		pthread_cond_broadcast(&sw->call_cond);
	}
	pthread_mutex_unlock(&sw->call_lock);
}

/* Hand call to the switch thread and wait for its answer. */
static int switch_call(struct sw *sw, struct switch_call *call, char **cause)
{
	call->done = false;
	call->cause = NULL;
	pthread_mutex_lock(&sw->call_lock);
	while (sw->call != NULL)
		pthread_cond_wait(&sw->call_cond, &sw->call_lock);
	sw->call = call;
	uint64_t one = 1;
	while (write(sw->call_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	while (!call->done)
		pthread_cond_wait(&sw->call_cond, &sw->call_lock);
	pthread_mutex_unlock(&sw->call_lock);
	if (call->rc != 0) {
		if (cause != NULL)
			*cause = call->cause;
		else
			free(call->cause);
	}
	return call->rc;
}

int switch_cable_open(struct sw *sw, const char *name, const char *path, char **cause)
{
	struct sockaddr_un sun;
	char *why = NULL;
	if (unix_addr_set(&sun, path, &why) != 0) {
		set_cause(cause, "switch %s, cable %s: %s", sw->name, name, why);
		free(why);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_cause(cause, "switch %s: cannot create a socket for cable %s: %s",
		    sw->name, name, strerror(errno));
	/* A socket file left by an earlier session of this lab is stale: the
	 * lab's lock says no other supervisor runs. Anything else stays. */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	bool bound = bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (!bound || listen(fd, 8) != 0 || stat(path, &st) != 0) {
		set_cause(cause, "switch %s: cannot listen on %s for cable %s: %s", sw->name, path,
		    name, strerror(errno));
		close(fd);
		if (bound)
			unlink(path);	/* ours; a file that was there before stays */
		return -1;
	}
	struct switch_cable *cable = xcalloc(1, sizeof(*cable));
	cable->name = xstrdup(name);
	cable->path = xstrdup(path);
	cable->listen_fd = fd;
	cable->dev = st.st_dev;
	cable->ino = st.st_ino;
	struct switch_call call = { .op = SWITCH_CALL_CABLE_ADD, .cable = cable };
	if (switch_call(sw, &call, cause) != 0) {
		close(fd);
		unlink(path);
		free(cable->name);
		free(cable->path);
		free(cable);
		return -1;
	}
	return 0;
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
	if (o->filter_len != 0) {
		t->filter = xcalloc(o->filter_len, sizeof(*t->filter));
		memcpy(t->filter, o->filter, o->filter_len * sizeof(*t->filter));
		t->filter_len = o->filter_len;
	}
	t->ring = xcalloc(n, sizeof(*t->ring));
	t->mask = n - 1;
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

void switch_tap_close(struct sw *sw, struct switch_tap *tap)
{
	if (tap == NULL)
		return;
	struct switch_call call = { .op = SWITCH_CALL_TAP_REMOVE, .tap = tap };
	(void)switch_call(sw, &call, NULL);
	switch_tap_free(tap);
}

void switch_cable_close(struct sw *sw, const char *name)
{
	struct switch_call call = { .op = SWITCH_CALL_CABLE_CLOSE, .name = name };
	(void)switch_call(sw, &call, NULL);
}

int switch_cable_set_link(struct sw *sw, const char *name, bool up, char **cause)
{
	struct switch_call call = { .op = SWITCH_CALL_CABLE_LINK, .name = name, .up = up };
	return switch_call(sw, &call, cause);
}

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

/* ---- trunks: the owner's side ---- */

int switch_trunk_open(struct sw *sw, const char *name, const struct vxlan_addr *listen,
    const struct vxlan_addr *remote, uint32_t vni, char **cause)
{
	unsigned n = atomic_load_explicit(&sw->ntrunks, memory_order_relaxed);
	if (n == SWITCH_TRUNKS_MAX)
		return set_cause(cause, "switch %s already has %d trunks, the most one switch "
		    "takes; trunk %s is one too many", sw->name, SWITCH_TRUNKS_MAX, name);
	if (vni > VXLAN_VNI_MAX)
		return set_cause(cause, "trunk %s: VNI %u is not from 0 to %u", name, vni,
		    VXLAN_VNI_MAX);
	/* Checked here, not left to bind(): a trunk must never listen on an
	 * address the host lacks, nor on the wildcard, whatever the kernel
	 * would allow (a nonlocal bind, say). */
	char *why = NULL;
	if (trunk_addr_is_local(listen, &why) != 0) {
		set_cause(cause, "trunk %s: listen address %s", name, why);
		free(why);
		return -1;
	}
	struct trunk *t = trunk_open(name, listen, remote, vni, cause);
	if (t == NULL)
		return -1;
	struct switch_call call = { .op = SWITCH_CALL_TRUNK_ADD, .trunk = t };
	if (switch_call(sw, &call, cause) != 0) {
		trunk_free(t);
		return -1;
	}
	sw->trunks[n] = t;
	atomic_store_explicit(&sw->ntrunks, n + 1, memory_order_release);
	return 0;
}

unsigned switch_trunk_count(struct sw *sw)
{
	return atomic_load_explicit(&sw->ntrunks, memory_order_acquire);
}

void switch_trunk_get_info(struct sw *sw, unsigned i, struct switch_trunk_info *info)
{
	const struct trunk *t = sw->trunks[i];
	info->name = t->name;
	vxlan_addr_format(&t->listen, info->listen);
	vxlan_addr_format(&t->remote, info->remote);
	info->vni = t->vni;
	info->frames_in = atomic_load_explicit(&t->frames_in, memory_order_relaxed);
	info->frames_out = atomic_load_explicit(&t->frames_out, memory_order_relaxed);
	info->dropped_in = atomic_load_explicit(&t->dropped_in, memory_order_relaxed);
	info->dropped_out = atomic_load_explicit(&t->dropped_out, memory_order_relaxed);
}

/* ---- the loop ---- */

/* epoll_wait's timeout: the nearest handshake deadline or accept resumption. */
static int switch_timeout(struct sw *sw)
{
	if (sw->npending == 0 && sw->accept_resume == 0 && sw->nbacklog == 0)
		return -1;
	uint64_t next = sw->accept_resume ? sw->accept_resume : UINT64_MAX;
	for (unsigned i = 0; i < sw->nactive && sw->nbacklog; i++) {
		struct switch_port *p = sw->active[i];
		if (p->bl_count > 0 && p->bl_moved + SWITCH_STALL_MS < next)
			next = p->bl_moved + SWITCH_STALL_MS;
	}
	for (unsigned i = 0; i < SWITCH_MAX_PORTS && sw->npending; i++) {
		struct switch_port *p = sw->slots[i];
		if (p != NULL && !p->plugged && p->deadline < next)
			next = p->deadline;
	}
	if (next == UINT64_MAX)
		return -1;
	uint64_t now = clock_ms();
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static void switch_timers(struct sw *sw)
{
	if (sw->npending == 0 && sw->accept_resume == 0 && sw->nbacklog == 0)
		return;
	uint64_t now = clock_ms();
	if (sw->nbacklog)
		switch_stalls(sw, now);
	for (unsigned i = 0; i < SWITCH_MAX_PORTS && sw->npending; i++) {
		struct switch_port *p = sw->slots[i];
		if (p != NULL && !p->plugged && p->deadline <= now)
			switch_port_unplug(sw, p);
	}
	if (sw->accept_resume != 0 && sw->accept_resume <= now)
		switch_accept_resume(sw);
}

static void *switch_thread(void *arg)
{
	struct sw *sw = arg;
	struct epoll_event evs[SWITCH_EVENTS];
	bool stop = false;

	while (!stop) {
		int n = epoll_wait(sw->epoll_fd, evs, SWITCH_EVENTS, switch_timeout(sw));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;	/* only a broken epoll fd gets here */
		}
		for (int i = 0; i < n; i++) {
			struct switch_ev *ev = evs[i].data.ptr;
			switch (ev->kind) {
			case SWITCH_EV_WAKE:
				stop = true;
				break;
			case SWITCH_EV_LISTEN:
				switch_accept(sw);
				break;
			case SWITCH_EV_CTL:
				if (!ev->port->dead)
					switch_ctl_event(sw, ev->port);
				break;
			case SWITCH_EV_DATA:
				if (!ev->port->dead)
					switch_data_event(sw, ev->port, evs[i].events);
				break;
			case SWITCH_EV_CALL:
				switch_call_event(sw);
				break;
			case SWITCH_EV_CABLE:
				switch_cable_accept(sw, ev->cable);
				break;
			case SWITCH_EV_TIMER:
				switch_cond_timer(sw);
				break;
			}
		}
		switch_timers(sw);
		if (sw->cond_dirty)
			switch_cond_arm(sw);
		sw->now_ns = 0;
		if (sw->ntouched)
			switch_tap_wake(sw);
		switch_bury(sw);
	}
	return NULL;
}

/* ---- start and stop ---- */

/* Bind the control socket, replacing a stale socket file (one nobody listens
 * on) but never a live switch's socket or a file that is not a socket. */
static int switch_listen(struct sw *sw, const struct sockaddr_un *sun, char **cause)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_cause(cause, "switch %s: cannot create a unix socket: %s", sw->name,
		    strerror(errno));
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) != 0) {
		if (errno != EADDRINUSE) {
			set_cause(cause, "switch %s: cannot bind control socket %s: %s", sw->name,
			    sw->ctl_path, strerror(errno));
			goto fail;
		}
		struct stat st;
		if (lstat(sw->ctl_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			set_cause(cause, "switch %s: %s exists and is not a socket; remove it or "
			    "choose another control path", sw->name, sw->ctl_path);
			goto fail;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			set_cause(cause, "switch %s: cannot create a unix socket: %s", sw->name,
			    strerror(errno));
			goto fail;
		}
		int r = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
		int err = errno;
		close(probe);
		if (r == 0 || err == EAGAIN) {
			set_cause(cause, "switch %s: control socket %s is in use by a running switch; "
			    "stop it or choose another path", sw->name, sw->ctl_path);
			goto fail;
		}
		if (err != ECONNREFUSED) {
			set_cause(cause, "switch %s: cannot check the existing socket %s: %s",
			    sw->name, sw->ctl_path, strerror(err));
			goto fail;
		}
		if (unlink(sw->ctl_path) != 0 && errno != ENOENT) {
			set_cause(cause, "switch %s: cannot remove the stale socket %s: %s", sw->name,
			    sw->ctl_path, strerror(errno));
			goto fail;
		}
		if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) != 0) {
			set_cause(cause, "switch %s: cannot bind control socket %s: %s", sw->name,
			    sw->ctl_path, strerror(errno));
			goto fail;
		}
	}
	struct stat st;
	if (stat(sw->ctl_path, &st) == 0) {
		sw->ctl_dev = st.st_dev;
		sw->ctl_ino = st.st_ino;
	}
	if (listen(fd, SOMAXCONN) != 0) {
		set_cause(cause, "switch %s: cannot listen on %s: %s", sw->name, sw->ctl_path,
		    strerror(errno));
		unlink(sw->ctl_path);
		goto fail;
	}
	sw->listen_fd = fd;
	return 0;

fail:
	close(fd);
	return -1;
}

/* Remove ctl_path only while it is still the socket this switch created. */
static void switch_unlink(struct sw *sw)
{
	struct stat st;
	if (lstat(sw->ctl_path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == sw->ctl_dev &&
	    st.st_ino == sw->ctl_ino)
		unlink(sw->ctl_path);
}

static void switch_free(struct sw *sw)
{
	pthread_mutex_destroy(&sw->call_lock);
	pthread_cond_destroy(&sw->call_cond);
	if (sw->call_fd >= 0)
		close(sw->call_fd);
	if (sw->epoll_fd >= 0)
		close(sw->epoll_fd);
	if (sw->wake_fd >= 0)
		close(sw->wake_fd);
	if (sw->timer_fd >= 0)
		close(sw->timer_fd);
	if (sw->listen_fd >= 0) {
		close(sw->listen_fd);
		switch_unlink(sw);
	}
	fdb_free(sw->fdb);
	while (sw->labels != NULL) {
		struct label *l = sw->labels;
		sw->labels = l->next;
		free(l);
	}
	free(sw->buf);
	free(sw->name);
	free(sw->ctl_path);
	free(sw);
}

struct sw *switch_start(const char *name, const char *ctl_path, enum switch_mode mode,
    char **cause)
{
	struct sockaddr_un sun;
	char *why = NULL;
	if (unix_addr_set(&sun, ctl_path, &why) != 0) {
		set_cause(cause, "switch %s: %s", name, why);
		free(why);
		return NULL;
	}

	struct sw *sw = xcalloc(1, sizeof(*sw));
	sw->name = xstrdup(name);
	sw->ctl_path = xstrdup(ctl_path);
	sw->mode = mode;
	pthread_mutex_init(&sw->call_lock, NULL);
	pthread_cond_init(&sw->call_cond, NULL);
	sw->listen_fd = sw->epoll_fd = sw->wake_fd = sw->call_fd = sw->timer_fd = -1;
	sw->timer_at = UINT64_MAX;
	sw->buf = xcalloc(SWITCH_BATCH, sizeof(*sw->buf));
	for (unsigned i = 0; i < SWITCH_BATCH; i++) {
		sw->rx_iov[i].iov_base = sw->buf[i];
		sw->rx_iov[i].iov_len = sizeof(sw->buf[i]);
		sw->rx[i].msg_hdr.msg_iov = &sw->rx_iov[i];
		sw->rx[i].msg_hdr.msg_iovlen = 1;
	}
	if (mode == SWITCH_MODE_LEARNING) {
		sw->fdb = fdb_new(FDB_CAPACITY_DEFAULT);
		if (sw->fdb == NULL) {
			set_cause(cause, "switch %s: out of memory for the learning table", name);
			goto fail;
		}
	}

	if (switch_listen(sw, &sun, cause) != 0)
		goto fail;
	sw->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	sw->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sw->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sw->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sw->epoll_fd < 0 || sw->wake_fd < 0 || sw->call_fd < 0 || sw->timer_fd < 0) {
		set_cause(cause, "switch %s: cannot create its event loop: %s", name, strerror(errno));
		goto fail;
	}
	sw->ev_listen.kind = SWITCH_EV_LISTEN;
	sw->ev_wake.kind = SWITCH_EV_WAKE;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sw->ev_listen };
	struct epoll_event wev = { .events = EPOLLIN, .data.ptr = &sw->ev_wake };
	sw->ev_call.kind = SWITCH_EV_CALL;
	struct epoll_event cev = { .events = EPOLLIN, .data.ptr = &sw->ev_call };
	sw->ev_timer.kind = SWITCH_EV_TIMER;
	struct epoll_event tev = { .events = EPOLLIN, .data.ptr = &sw->ev_timer };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->listen_fd, &ev) != 0 ||
	    epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->wake_fd, &wev) != 0 ||
	    epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->call_fd, &cev) != 0 ||
	    epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->timer_fd, &tev) != 0) {
		set_cause(cause, "switch %s: cannot watch its sockets: %s", name, strerror(errno));
		goto fail;
	}

	/* Signals belong to the main thread's event loop, never to this one. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&sw->thread, NULL, switch_thread, sw);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		set_cause(cause, "switch %s: cannot start its thread: %s", name, strerror(err));
		goto fail;
	}
	return sw;

fail:
	switch_free(sw);
	return NULL;
}

void switch_stop(struct sw *sw)
{
	if (sw == NULL)
		return;
	uint64_t one = 1;
	while (write(sw->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(sw->thread, NULL);
	while (sw->cables != NULL) {
		struct switch_cable *cable = sw->cables;
		sw->cables = cable->next;
		switch_cable_free(sw, cable);
	}
	for (unsigned i = 0; i < SWITCH_MAX_PORTS; i++)
		if (sw->slots[i] != NULL)
			switch_port_unplug(sw, sw->slots[i]);
	switch_bury(sw);
	for (unsigned i = 0; i < switch_trunk_count(sw); i++)
		trunk_free(sw->trunks[i]);
	switch_free(sw);
}

void switch_get_info(struct sw *sw, struct switch_info *info)
{
	info->ports = atomic_load_explicit(&sw->st_ports, memory_order_relaxed);
	info->frames_in = atomic_load_explicit(&sw->st_in, memory_order_relaxed);
	info->frames_out = atomic_load_explicit(&sw->st_out, memory_order_relaxed);
	info->frames_dropped = atomic_load_explicit(&sw->st_dropped, memory_order_relaxed);
}

const char *switch_name(const struct sw *sw)
{
	return sw->name;
}

const char *switch_ctl_path(const struct sw *sw)
{
	return sw->ctl_path;
}

enum switch_mode switch_mode(const struct sw *sw)
{
	return sw->mode;
}
