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
 * no locks, a full receiver drops the frame (counted, never logged).
 * frames_in counts every datagram read; frames_dropped counts failed
 * deliveries and frames refused for their size (under 14 or over 1536 bytes);
 * a frame whose destination lives on its own source port is filtered and
 * counts as neither.
 *
 * Refusals are silent at the protocol level, because the protocol has no
 * error reply: a connection beyond SWITCH_MAX_PORTS, a bad request, or one
 * not complete within SWITCH_HANDSHAKE_MS is closed, and the client gives up
 * on that interface (UML logs "daemon_open : control setup request failed,
 * err = -32" and the guest has no such ethN). */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/util.h"
#include "switch/daemon_proto.h"
#include "switch/fdb.h"

#define SWITCH_MAX_PORTS 256		/* pending handshakes included */
#define SWITCH_BATCH 64			/* frames per recvmmsg */
#define SWITCH_FRAME_MIN 14		/* an Ethernet header */
#define SWITCH_FRAME_MAX 1536		/* 1514 plus VLAN/MPLS room (UML allows MTU + 26) */
#define SWITCH_BUF_SIZE 2048		/* bigger datagrams come back MSG_TRUNC */
#define SWITCH_HANDSHAKE_MS 5000
#define SWITCH_EVENTS 64
#define SWITCH_ACCEPT_BURST 16
#define SWITCH_ACCEPT_PAUSE_MS 100	/* out of fds: stop accepting for a while, do not spin */

enum switch_ev_kind {
	SWITCH_EV_LISTEN,
	SWITCH_EV_WAKE,
	SWITCH_EV_CTL,
	SWITCH_EV_DATA,
};

/* What an epoll event points at. */
struct switch_ev {
	enum switch_ev_kind kind;
	struct switch_port *port;
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
	unsigned txn;		/* frames queued for this port in this batch */
	struct mmsghdr tx[SWITCH_BATCH];
};

struct sw {
	char *name;
	char *ctl_path;
	enum switch_mode mode;
	unsigned serial;
	int listen_fd;
	int epoll_fd;
	int wake_fd;
	dev_t ctl_dev;
	ino_t ctl_ino;
	pthread_t thread;
	struct fdb *fdb;	/* learning mode only */
	struct switch_ev ev_listen;
	struct switch_ev ev_wake;

	/* Owned by the switch thread once it runs. */
	struct switch_port *slots[SWITCH_MAX_PORTS];
	unsigned nslots;	/* slots in use: pending and plugged */
	unsigned npending;
	struct switch_port *active[SWITCH_MAX_PORTS];	/* plugged ports, dense, for flooding */
	unsigned nactive;
	struct switch_port *dirty[SWITCH_MAX_PORTS];	/* ports with queued frames */
	unsigned ndirty;
	struct switch_port *graveyard;
	unsigned port_serial;
	uint64_t accept_resume;	/* nonzero: listening paused until then (ms) */
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

static atomic_uint switch_serial_next;

/* Single writer: a relaxed load and store, no locked read-modify-write. */
static inline void switch_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static void switch_ports_set(struct sw *sw, unsigned n)
{
	atomic_store_explicit(&sw->st_ports, n, memory_order_relaxed);
}

/* ---- ports ---- */

static void switch_port_unplug(struct sw *sw, struct switch_port *port)
{
	if (port->dead)
		return;
	port->dead = true;
	if (port->plugged) {
		struct switch_port *last = sw->active[--sw->nactive];
		sw->active[port->active_idx] = last;
		last->active_idx = port->active_idx;
		switch_ports_set(sw, sw->nactive);
		if (sw->fdb != NULL)
			fdb_forget_port(sw->fdb, port->slot);
		close(port->data_fd);
		port->data_fd = -1;
	} else {
		sw->npending--;
	}
	close(port->ctl_fd);
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
		free(port);
	}
}

/* The handshake is complete: make the port's data socket and answer. */
static int switch_port_plug(struct sw *sw, struct switch_port *port, const struct sockaddr_un *client)
{
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	/* Abstract, zero padded and bound with the full length, as uml_switch's
	 * clients expect to sendto() it. */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "umllab-%ld-%u-%u", (long)getpid(),
	    sw->serial, ++sw->port_serial);

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto fail;
	if (connect(fd, (const struct sockaddr *)client, sizeof(*client)) != 0)
		goto fail;
	port->ev_data.kind = SWITCH_EV_DATA;
	port->ev_data.port = port;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &port->ev_data };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		goto fail;

	port->data_fd = fd;
	port->plugged = true;
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

static void switch_accept(struct sw *sw)
{
	for (int i = 0; i < SWITCH_ACCEPT_BURST; i++) {
		int fd = accept4(sw->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* The connection stays queued and the listener stays
				 * readable: pause it rather than spin. */
				struct epoll_event ev = { .events = 0, .data.ptr = &sw->ev_listen };
				epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, sw->listen_fd, &ev);
				sw->accept_resume = clock_ms() + SWITCH_ACCEPT_PAUSE_MS;
			}
			return;
		}
		if (sw->nslots >= SWITCH_MAX_PORTS) {
			close(fd);	/* the refusal: see the top of this file */
			continue;
		}
		struct switch_port *port = xcalloc(1, sizeof(*port));
		port->ctl_fd = fd;
		port->data_fd = -1;
		port->ev_ctl.kind = SWITCH_EV_CTL;
		port->ev_ctl.port = port;
		for (unsigned j = 0; j < SWITCH_BATCH; j++)
			port->tx[j].msg_hdr.msg_iovlen = 1;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &port->ev_ctl };
		if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(port);
			continue;
		}
		int slot = 0;
		while (sw->slots[slot] != NULL)
			slot++;
		port->slot = slot;
		sw->slots[slot] = port;
		sw->nslots++;
		sw->npending++;
		port->deadline = clock_ms() + SWITCH_HANDSHAKE_MS;
	}
}

/* ---- forwarding ---- */

static inline void switch_enqueue(struct sw *sw, struct switch_port *dst, unsigned i)
{
	if (dst->txn == 0)
		sw->dirty[sw->ndirty++] = dst;
	dst->tx[dst->txn++].msg_hdr.msg_iov = &sw->tx_iov[i];
}

static void switch_flood(struct sw *sw, const struct switch_port *src, unsigned i)
{
	for (unsigned j = 0; j < sw->nactive; j++)
		if (sw->active[j] != src)
			switch_enqueue(sw, sw->active[j], i);
}

static void switch_flush(struct sw *sw)
{
	uint64_t out = 0, dropped = 0;
	for (unsigned d = 0; d < sw->ndirty; d++) {
		struct switch_port *p = sw->dirty[d];
		unsigned k = p->txn;
		p->txn = 0;
		/* A short count means the receiver's queue filled (or it went
		 * away): the rest would fail the same way, drop them. */
		int r = sendmmsg(p->data_fd, p->tx, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0)
			r = 0;
		out += (unsigned)r;
		dropped += k - (unsigned)r;
	}
	sw->ndirty = 0;
	if (out)
		switch_stat_add(&sw->st_out, out);
	if (dropped)
		switch_stat_add(&sw->st_dropped, dropped);
}

static void switch_forward(struct sw *sw, struct switch_port *src)
{
	int n = recvmmsg(src->data_fd, sw->rx, SWITCH_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;	/* EAGAIN, or a pending socket error now consumed */

	bool learning = sw->mode == SWITCH_MODE_LEARNING;
	uint64_t now = learning ? clock_ms() : 0;
	const unsigned char *last_src = NULL;
	uint64_t bad = 0;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		size_t len = sw->rx[i].msg_len;
		if (len < SWITCH_FRAME_MIN || len > SWITCH_FRAME_MAX ||
		    (sw->rx[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			bad++;
			continue;
		}
		const unsigned char *frame = sw->buf[i];
		sw->tx_iov[i].iov_base = sw->buf[i];
		sw->tx_iov[i].iov_len = len;
		if (!learning) {
			switch_flood(sw, src, i);
			continue;
		}
		/* A batch usually comes from one sender: learn its MAC once. */
		if (last_src == NULL || memcmp(last_src, frame + 6, 6) != 0) {
			fdb_learn(sw->fdb, frame + 6, src->slot, now);
			last_src = frame + 6;
		}
		int dst = fdb_lookup(sw->fdb, frame, now);
		struct switch_port *dport = dst >= 0 ? sw->slots[dst] : NULL;
		if (dport != NULL && dport->plugged) {
			if (dport != src)	/* the owner of the MAC sent it: filter */
				switch_enqueue(sw, dport, i);
		} else {
			switch_flood(sw, src, i);
		}
	}
	switch_flush(sw);
	switch_stat_add(&sw->st_in, (unsigned)n);
	if (bad)
		switch_stat_add(&sw->st_dropped, bad);
}

/* ---- the loop ---- */

/* epoll_wait's timeout: the nearest handshake deadline or accept resumption. */
static int switch_timeout(struct sw *sw)
{
	if (sw->npending == 0 && sw->accept_resume == 0)
		return -1;
	uint64_t next = sw->accept_resume ? sw->accept_resume : UINT64_MAX;
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
	if (sw->npending == 0 && sw->accept_resume == 0)
		return;
	uint64_t now = clock_ms();
	for (unsigned i = 0; i < SWITCH_MAX_PORTS && sw->npending; i++) {
		struct switch_port *p = sw->slots[i];
		if (p != NULL && !p->plugged && p->deadline <= now)
			switch_port_unplug(sw, p);
	}
	if (sw->accept_resume != 0 && sw->accept_resume <= now) {
		sw->accept_resume = 0;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sw->ev_listen };
		epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, sw->listen_fd, &ev);
	}
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
					switch_forward(sw, ev->port);
				break;
			}
		}
		switch_timers(sw);
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
	if (sw->epoll_fd >= 0)
		close(sw->epoll_fd);
	if (sw->wake_fd >= 0)
		close(sw->wake_fd);
	if (sw->listen_fd >= 0) {
		close(sw->listen_fd);
		switch_unlink(sw);
	}
	fdb_free(sw->fdb);
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
	sw->serial = atomic_fetch_add(&switch_serial_next, 1);
	sw->listen_fd = sw->epoll_fd = sw->wake_fd = -1;
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
	if (sw->epoll_fd < 0 || sw->wake_fd < 0) {
		set_cause(cause, "switch %s: cannot create its event loop: %s", name, strerror(errno));
		goto fail;
	}
	sw->ev_listen.kind = SWITCH_EV_LISTEN;
	sw->ev_wake.kind = SWITCH_EV_WAKE;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sw->ev_listen };
	struct epoll_event wev = { .events = EPOLLIN, .data.ptr = &sw->ev_wake };
	if (epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->listen_fd, &ev) != 0 ||
	    epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, sw->wake_fd, &wev) != 0) {
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
	for (unsigned i = 0; i < SWITCH_MAX_PORTS; i++)
		if (sw->slots[i] != NULL)
			switch_port_unplug(sw, sw->slots[i]);
	switch_bury(sw);
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
