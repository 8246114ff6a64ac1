/* switch/switch.c: the switch thread: its epoll loop and timers, the calls other threads make into it, start and stop.
 *
 * Each switch is one thread with its own epoll loop, which owns all of the
 * switch's state. Other threads (the supervisor's, a capture's reader) never
 * touch it: they hand a switch_call to the thread and wait for its answer.
 * What the loop dispatches to lives by concern beside this file (see
 * switch/switch_int.h): the daemon-protocol ports in port.c, forwarding in
 * forward.c, taps in tap.c, link conditions in cond.c, cables and trunks in
 * cable.c. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "switch/fdb.h"
#include "switch/rstp.h"
#include "switch/switch_int.h"
#include "switch/trunk.h"

/* ---- calls from the owner's thread ---- */

static void switch_call_run(struct sw *sw, struct switch_call *call)
{
	struct switch_cable *cable;
	switch (call->op) {
	case SWITCH_CALL_CABLE_ADD:
		call->rc = switch_cable_add(sw, call->cable, &call->cause);
		return;
	case SWITCH_CALL_CABLE_CLOSE:
		switch_cable_remove(sw, call->name);
		call->rc = 0;
		return;
	case SWITCH_CALL_CABLE_LINK:
		call->rc = switch_cable_link(sw, call->name, call->up, &call->cause);
		return;
	case SWITCH_CALL_TAP_ADD:
		call->rc = switch_tap_add(sw, call->tap, &call->cause);
		return;
	case SWITCH_CALL_TAP_REMOVE:
		switch_tap_unlink(sw, call->tap);
		call->rc = 0;
		return;
	case SWITCH_CALL_SYNC:
		call->rc = 0;	/* the batch before it is done, its tap records pushed */
		return;
	case SWITCH_CALL_TRUNK_ADD:
		call->rc = switch_trunk_plug(sw, call->trunk, &call->cause);
		return;
	case SWITCH_CALL_CABLE_VLANS:
		call->rc = switch_cable_vlans(sw, call->name, call->vlans, &call->cause);
		return;
	case SWITCH_CALL_PORTS:
		switch_ports_collect(sw, call);
		call->rc = 0;
		return;
	case SWITCH_CALL_FDB:
		switch_fdb_collect(sw, call);
		call->rc = 0;
		return;
	case SWITCH_CALL_STP_START:
		call->rc = switch_stp_begin(sw, call->stp_cfg, &call->cause);
		return;
	case SWITCH_CALL_CABLE_STP:
		call->rc = switch_cable_stp(sw, call->name, call->stp_cost, call->stp_priority,
		    call->stp_edge, &call->cause);
		return;
	case SWITCH_CALL_STP_GET:
		switch_stp_collect(sw, call);
		call->rc = 0;
		return;
	case SWITCH_CALL_CABLE_COND_SET:
	case SWITCH_CALL_CABLE_COND_GET:
		cable = switch_cable_find(sw, call->name);
		if (cable == NULL) {
			call->rc = set_cause(&call->cause, "switch %s has no cable %s", sw->name,
			    call->name);
			return;
		}
		if (call->op == SWITCH_CALL_CABLE_COND_SET)
			switch_cond_set(sw, cable, call->cond, call->filters);
		else
			switch_cond_get(cable, call->cond, call->stats);
		if (call->reset)
			switch_cond_reset(cable);
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
int switch_call(struct sw *sw, struct switch_call *call, char **cause)
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

/* ---- the loop ---- */

/* Free the ports unplugged this turn: no event of the turn points at them now. */
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

/* A port's data socket is ready. Here, inlined in the loop, so that a batch
 * costs one call, to switch_forward (switch/forward.c), which adds its frames
 * to the loop turn's batch; the loop sends the batch (switch_flush) after
 * the last of a run of data events. */
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

/* epoll_wait's timeout: the nearest handshake deadline, accept resumption,
 * stalled backlog, storm window, spanning tree timer or capture reader's wake-up. */
static int switch_timeout(struct sw *sw)
{
	if (sw->npending == 0 && sw->accept_resume == 0 && sw->nbacklog == 0 && sw->storm_held == 0 &&
	    sw->stp == NULL && sw->ntouched == 0)
		return -1;
	uint64_t next = sw->accept_resume ? sw->accept_resume : UINT64_MAX;
	if (sw->ntouched && sw->tap_due && sw->tap_due < next)
		next = sw->tap_due;
	uint64_t stp = switch_stp_next(sw);
	if (stp < next)
		next = stp;
	if (sw->storm_held && sw->storm_win + SWITCH_STORM_WINDOW_MS < next)
		next = sw->storm_win + SWITCH_STORM_WINDOW_MS;
	for (unsigned i = 0; i < sw->nactive && sw->nbacklog; i++) {
		struct switch_port *p = sw->active[i];
		if (p->bl_count > 0 && !p->congested && p->bl_moved + SWITCH_STALL_MS < next)
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
	if (sw->npending == 0 && sw->accept_resume == 0 && sw->nbacklog == 0 && sw->storm_held == 0 &&
	    sw->stp == NULL)
		return;
	uint64_t now = clock_ms();
	switch_stp_tick(sw, now);
	if (sw->storm_held && now >= sw->storm_win + SWITCH_STORM_WINDOW_MS)
		switch_storm_release(sw);
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
			/* The batch of the data events before goes first: what
			 * follows may change ports or reuse its buffers. */
			if (ev->kind != SWITCH_EV_DATA && sw->nrx)
				switch_flush(sw);
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
		if (sw->nrx)
			switch_flush(sw);
		switch_timers(sw);
		if (sw->cond_dirty)
			switch_cond_arm(sw);
		sw->now_ns = 0;
		if (sw->ntouched)
			switch_tap_wake(sw, 0);
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
	switch_fwd_update(sw);
	pthread_mutex_init(&sw->call_lock, NULL);
	pthread_cond_init(&sw->call_cond, NULL);
	sw->listen_fd = sw->epoll_fd = sw->wake_fd = sw->call_fd = sw->timer_fd = -1;
	sw->timer_at = UINT64_MAX;
	sw->vx_gen = 1;		/* vx[] is built for no batch yet (its gens are 0) */
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
	rstp_free(sw->stp);	/* first: no BPDUs while the ports go */
	sw->stp = NULL;
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

void switch_sync(struct sw *sw)
{
	struct switch_call call = { .op = SWITCH_CALL_SYNC };
	(void)switch_call(sw, &call, NULL);
}

void switch_get_info(struct sw *sw, struct switch_info *info)
{
	info->ports = atomic_load_explicit(&sw->st_ports, memory_order_relaxed);
	info->frames_in = atomic_load_explicit(&sw->st_in, memory_order_relaxed);
	info->frames_out = atomic_load_explicit(&sw->st_out, memory_order_relaxed);
	info->frames_dropped = atomic_load_explicit(&sw->st_dropped, memory_order_relaxed);
	info->vlan_dropped = atomic_load_explicit(&sw->st_vlan_dropped, memory_order_relaxed);
	info->flood_limited = atomic_load_explicit(&sw->st_flood_limited, memory_order_relaxed);
	/* A storm is the last second the budget refused floods, if it was recent. */
	uint64_t at = atomic_load_explicit(&sw->st_storm_at, memory_order_relaxed);
	info->storm = at != 0 && clock_ms() < at + 2000;
	info->storm_fps = info->storm ? atomic_load_explicit(&sw->st_storm_fps, memory_order_relaxed) : 0;
	info->storm_group_pct = info->storm ?
	    atomic_load_explicit(&sw->st_storm_pct, memory_order_relaxed) : 0;
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
