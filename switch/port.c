/* switch/port.c: the daemon-protocol side of a switch: its control socket's connections, the handshake, ports plugged and unplugged.
 *
 * Every accepted control connection becomes a port once its request is
 * complete: the port gets a datagram socket of its own, bound to an abstract
 * name and connect()ed to the client's data address, so the kernel itself
 * tells ports apart (only the connected peer may send to it) whatever the
 * client named its socket. Closing the control connection unplugs the port.
 *
 * Refusals are silent at the protocol level, because the protocol has no
 * error reply: a connection beyond SWITCH_MAX_PORTS, a bad request, or one
 * not complete within SWITCH_HANDSHAKE_MS is closed, and the client gives up
 * on that interface (UML logs "daemon_open : control setup request failed,
 * err = -32" and the guest has no such ethN).
 *
 * Cables' and trunks' ports (switch/cable.c) take their slots here too, and
 * leave through switch_port_unplug like any port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "switch/daemon_proto.h"
#include "switch/fdb.h"
#include "switch/switch_int.h"

/* ---- ports ---- */

/* A port's name as taps record it, interned (struct label): it lives as long
 * as the switch. */
const char *switch_label(struct sw *sw, const char *name)
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

/* Take fd out of the epoll set before closing it. close() alone removes
 * it only when no other descriptor shares the open file: a child the
 * supervisor is forking holds copies until its exec, and epoll would go on
 * reporting events that point at a freed port. */
void switch_fd_close(struct sw *sw, int fd)
{
	if (fd < 0)
		return;
	epoll_ctl(sw->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

/* Any port, of any kind: out of the switch now, freed at the end of the loop
 * turn (switch_bury). */
void switch_port_unplug(struct sw *sw, struct switch_port *port)
{
	if (port->dead)
		return;
	port->dead = true;
	if (port->cable != NULL)
		port->cable->vlan_drops += port->vlan_drops;
	bool cable_port = port->cable != NULL && port->cable->port == port;
	if (cable_port) {
		switch_cond_fold_port(port->cable, port);
		port->cable->port = NULL;
		switch_cond_flush(sw, port->cable);	/* its kernel left: nobody to send them to */
	}
	if (port->plugged) {
		switch_backlog_release(sw, port);
		if (port->storm_held)
			sw->storm_held--;
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
	if (cable_port)
		switch_stp_cable_changed(sw, port->cable);	/* after its slot is free */
	/* Events for it may still sit in this turn's event array. */
	port->next_dead = sw->graveyard;
	sw->graveyard = port;
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

void switch_ctl_event(struct sw *sw, struct switch_port *port)
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
struct switch_port *switch_port_new(struct sw *sw, int fd, enum switch_ev_kind kind,
    uint32_t events)
{
	struct switch_port *port = xcalloc(1, sizeof(*port));
	for (unsigned j = 0; j < SWITCH_BATCH; j++)
		port->tx[j].msg_hdr.msg_iovlen = 1;
	switch_port_vlans(port, NULL);
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
		if (c->listen_fd >= 0)
			epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, c->listen_fd, &cev);
	}
	sw->accept_resume = clock_ms() + SWITCH_ACCEPT_PAUSE_MS;
}

void switch_accept_resume(struct sw *sw)
{
	sw->accept_resume = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sw->ev_listen };
	epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, sw->listen_fd, &ev);
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next) {
		struct epoll_event cev = { .events = EPOLLIN, .data.ptr = &c->ev };
		if (c->listen_fd >= 0)
			epoll_ctl(sw->epoll_fd, EPOLL_CTL_MOD, c->listen_fd, &cev);
	}
}

/* The next connection waiting on listen_fd, or -1 when there is none now
 * (out of descriptors: accepting pauses for a while). */
int switch_accept_next(struct sw *sw, int listen_fd)
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
unsigned switch_cable_ports(const struct sw *sw)
{
	unsigned n = 0;
	for (const struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		n += c->port != NULL;
	return n;
}

void switch_accept(struct sw *sw)
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
