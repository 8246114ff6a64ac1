/* switch/cable.c: cables (the lab's own kernels' SOCK_SEQPACKET ports), links (cables between two switches) and trunks (VXLAN ports), plugged into a switch.
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
 * Links join two switches of one process (the lab's supervisor): a pair of
 * connected SOCK_SEQPACKET sockets, one end a port of each switch, as if a
 * kernel were plugged into each end. Each switch thread owns its end and
 * never waits for the other: a full end is a full receiver like a kernel's
 * (backlog, then backpressure, see switch/forward.c). Each end is a cable
 * by name (S1.S2 on S1, S2.S1 on S2) with its own link state, conditions,
 * VLANs and taps; it has no socket file.
 *
 * Trunks (switch/trunk.c) are ports whose data socket is the trunk's UDP
 * socket; how their frames are forwarded is at the top of switch/forward.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "switch/fdb.h"
#include "switch/linkcond.h"
#include "switch/switch_int.h"
#include "switch/trunk.h"
#include "switch/vxlan.h"

_Static_assert(sizeof(((struct switch_trunk_info *)0)->listen) == VXLAN_ADDR_TEXT_MAX,
    "switch.h's address text holds vxlan_addr_format's");

/* ---- cables ---- */

/* fd (a kernel's connection, or a link's end) becomes the cable's port,
 * replacing the one before (a restarted kernel). */
static void switch_cable_plug(struct sw *sw, struct switch_cable *cable, int fd)
{
	if (cable->port != NULL)
		switch_port_unplug(sw, cable->port);
	if (sw->nslots >= SWITCH_MAX_PORTS) {
		close(fd);
		return;
	}
	struct switch_port *port = switch_port_new(sw, fd, SWITCH_EV_DATA, EPOLLIN | EPOLLRDHUP);
	if (port == NULL)
		return;
	port->ctl_fd = -1;
	port->data_fd = fd;
	port->ev_mask = EPOLLIN | EPOLLRDHUP;
	port->cable = cable;
	port->label = cable->label;
	port->owner = cable->owner;
	port->taps = &cable->taps;
	port->link_down = cable->link_down;
	switch_port_vlans(port, cable);
	port->plugged = true;
	cable->port = port;
	switch_cond_attach(cable);
	port->active_idx = sw->nactive;
	sw->active[sw->nactive++] = port;
	switch_ports_set(sw, sw->nactive);
	switch_stp_cable_changed(sw, cable);
}

/* A kernel connected to a cable: it becomes the cable's port, replacing the
 * one before (a restarted kernel). */
void switch_cable_accept(struct sw *sw, struct switch_cable *cable)
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
		switch_cable_plug(sw, cable, fd);
	}
}

struct switch_cable *switch_cable_find(struct sw *sw, const char *name)
{
	for (struct switch_cable *c = sw->cables; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Remove the socket file only while it is still the one we made. */
void switch_cable_free(struct sw *sw, struct switch_cable *cable)
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
	if (cable->link_fd >= 0)
		close(cable->link_fd);
	for (int d = COND_IN; d <= COND_OUT; d++)
		linkcond_queue_free(cable->cond[d]);
	free(cable->name);
	free(cable->path);
	free(cable);
}

/* The switch thread's side of switch_cable_open: watch the cable, and
 * link the taps that wait for its name. */
int switch_cable_add(struct sw *sw, struct switch_cable *cable, char **cause)
{
	if (switch_cable_find(sw, cable->name) != NULL)
		return set_cause(cause, "switch %s already has a cable %s", sw->name, cable->name);
	if (sw->ncables + sw->nslots - switch_cable_ports(sw) >= SWITCH_MAX_PORTS)
		return set_cause(cause, "switch %s is full: it has %u ports, the most one switch "
		    "takes; connect more instances through a second switch", sw->name,
		    (unsigned)SWITCH_MAX_PORTS);
	cable->ev.kind = SWITCH_EV_CABLE;
	cable->ev.cable = cable;
	cable->label = switch_label(sw, cable->name);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cable->ev };
	if (cable->listen_fd >= 0 &&
	    epoll_ctl(sw->epoll_fd, EPOLL_CTL_ADD, cable->listen_fd, &ev) != 0)
		return set_cause(cause, "switch %s: cannot watch cable %s: %s", sw->name,
		    cable->name, strerror(errno));
	cable->next = sw->cables;
	sw->cables = cable;
	sw->ncables++;
	for (struct switch_tap *t = sw->taps; t != NULL; t = t->next)
		if (t->cable != NULL && strcmp(t->cable, cable->name) == 0)
			switch_tap_link(t, &cable->taps);
	switch_stp_cable_added(sw, cable);
	if (cable->link_fd >= 0) {
		/* A link's end is connected from the start: to the other switch. */
		int fd = cable->link_fd;
		cable->link_fd = -1;
		switch_cable_plug(sw, cable, fd);
	}
	return 0;
}

/* The switch thread's side of switch_cable_close (an unknown name is no error). */
void switch_cable_remove(struct sw *sw, const char *name)
{
	for (struct switch_cable **pp = &sw->cables; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) == 0) {
			struct switch_cable *cable = *pp;
			*pp = cable->next;
			sw->ncables--;
			switch_stp_cable_removed(sw, cable);
			switch_cable_free(sw, cable);
			switch_fwd_update(sw);
			break;
		}
	}
}

/* The switch thread's side of switch_cable_set_link. */
int switch_cable_link(struct sw *sw, const char *name, bool up, char **cause)
{
	struct switch_cable *cable = switch_cable_find(sw, name);
	if (cable == NULL)
		return set_cause(cause, "switch %s has no cable %s", sw->name, name);
	cable->link_down = !up;
	if (cable->port != NULL)
		cable->port->link_down = cable->link_down;
	if (!up)
		switch_cond_flush(sw, cable);	/* what it held would be dropped when due */
	switch_stp_cable_changed(sw, cable);
	return 0;
}

int switch_cable_open(struct sw *sw, const char *name, const char *path, char **cause)
{
	return switch_cable_open_owned(sw, name, 0, path, cause);
}

int switch_cable_open_owned(struct sw *sw, const char *name, uint32_t owner, const char *path,
    char **cause)
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
	cable->owner = owner;
	cable->link_fd = -1;
	switch_vlans_default(&cable->vlans);
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

/* ---- links: cables between two switches of one process ---- */

/* One end of a link: a cable without a socket file, whose port is fd. */
static int switch_link_end(struct sw *sw, const char *name, uint32_t owner, int fd, char **cause)
{
	struct switch_cable *cable = xcalloc(1, sizeof(*cable));
	cable->name = xstrdup(name);
	cable->owner = owner;
	cable->listen_fd = -1;
	cable->link_fd = fd;
	cable->link = true;
	switch_vlans_default(&cable->vlans);
	struct switch_call call = { .op = SWITCH_CALL_CABLE_ADD, .cable = cable };
	if (switch_call(sw, &call, cause) != 0) {
		close(fd);
		free(cable->name);
		free(cable);
		return -1;
	}
	return 0;
}

int switch_link_open(struct sw *a, const char *name_a, struct sw *b, const char *name_b,
    uint32_t owner, char **cause)
{
	if (a == b)
		return set_cause(cause, "switch %s cannot be cabled to itself", a->name);
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
		return set_cause(cause, "cannot make the cable between switches %s and %s: %s",
		    a->name, b->name, strerror(errno));
	if (switch_link_end(a, name_a, owner, fds[0], cause) != 0) {
		close(fds[1]);
		return -1;
	}
	if (switch_link_end(b, name_b, owner, fds[1], cause) != 0) {
		switch_cable_close(a, name_a);
		return -1;
	}
	return 0;
}

/* ---- trunks: ports of the switch ---- */

/* The trunk port called name, or NULL. */
struct switch_port *switch_trunk_port(struct sw *sw, const char *name)
{
	for (unsigned i = 0; i < sw->nactive; i++)
		if (sw->active[i]->trunk != NULL && strcmp(sw->active[i]->trunk->name, name) == 0)
			return sw->active[i];
	return NULL;
}

/* Plug a trunk in as a port: from now on it is read and flooded to. */
int switch_trunk_plug(struct sw *sw, struct trunk *t, char **cause)
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
	switch_port_vlans(port, NULL);
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
