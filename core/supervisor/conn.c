/* core/supervisor/conn.c: control connections: read one request, write its answer without blocking. */
#include "core/supervisor/conn.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

/* Past this much unwritten output, more is dropped. */
#define CONN_OUT_MAX (8U << 20)
#define CONN_MAX 128			/* control connections at once */
#define CONN_REQUEST_TIMEOUT_MS 5000	/* from accept to a complete request */
#define CONN_STALL_MS 60000		/* an answer pending and nothing of it read */
#define CONN_IDLE_GRACE_MS 500		/* younger connections are not yet idle */
#define CONN_TICK_MS 1000
#define CONN_HEARTBEAT_MS 1000
#define CONN_ACCEPT_PAUSE_MS 100	/* out of descriptors, nothing to close */
#define CONN_ACCEPT_BATCH 32		/* accepts per wakeup */

/* Other clients decide how often these lines come. */
static struct log_ratelimit conn_rl;
#define CONN_WHO "the control socket"

static void conn_send_raw(struct conn *c, enum ctl_type type, const char *p, size_t len);

static void conn_on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct conn *c = w->data;
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_free(c);	/* the client went away */
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		c->out_since_ms = clock_ms();	/* the client reads */
	}
	ev_io_stop(c->sup->loop, &c->write_w);
	if (c->closing)
		conn_free(c);
}

void conn_send(struct conn *c, enum ctl_type type, const void *data, size_t len)
{
	const char *p = data;
	if (c->out_len > CONN_OUT_MAX && type != CTL_EXIT) {
		/* The client stopped reading: drop output rather than grow without
		 * bound, and say so once. */
		if (!c->dropping) {
			c->dropping = true;
			static const char msg[] = "umllab: output dropped: the client is not reading\n";
			conn_send_raw(c, CTL_STDERR, msg, sizeof(msg) - 1);
		}
		return;
	}
	conn_send_raw(c, type, p, len);
}

static void conn_send_raw(struct conn *c, enum ctl_type type, const char *p, size_t len)
{
	c->sent_ms = clock_ms();
	if (c->out_len == 0)
		c->out_since_ms = c->sent_ms;
	do {
		/* Long output goes out in several messages, never one past the limit. */
		size_t part = len > CTL_PAYLOAD_MAX ? CTL_PAYLOAD_MAX : len;
		struct ctl_hdr h = { .version = CTL_VERSION, .type = (uint16_t)type,
		    .len = (uint32_t)part };
		size_t need = c->out_len + sizeof(h) + part;
		if (need > c->out_cap) {
			c->out_cap = need * 2;
			c->out = xrealloc(c->out, c->out_cap);
		}
		memcpy(c->out + c->out_len, &h, sizeof(h));
		if (part > 0)
			memcpy(c->out + c->out_len + sizeof(h), p, part);
		c->out_len = need;
		p += part;
		len -= part;
	} while (len > 0);
	ev_io_start(c->sup->loop, &c->write_w);
}

void conn_printf(struct conn *c, enum ctl_type type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	conn_send(c, type, s, strlen(s));
	free(s);
}

void conn_finish(struct conn *c, int code)
{
	uint32_t v = (uint32_t)code;
	c->on_close = NULL;
	conn_send(c, CTL_EXIT, &v, sizeof(v));
	c->closing = true;
}

void conn_fail(struct conn *c, int code, char *cause)
{
	conn_printf(c, CTL_STDERR, "umllab: %s\n", cause != NULL ? cause : "failed");
	free(cause);
	conn_finish(c, code);
}

void conn_free(struct conn *c)
{
	struct supervisor *sup = c->sup;
	for (struct conn **pp = &sup->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->on_close != NULL)
		c->on_close(c);
	if (c->on_free != NULL)
		c->on_free(c);
	ev_io_stop(sup->loop, &c->read_w);
	ev_io_stop(sup->loop, &c->write_w);
	ev_timer_stop(sup->loop, &c->tick_w);
	close(c->fd);
	ctl_reader_free(&c->reader);
	free(c->out);
	free(c);
}

bool conn_any_pending(const struct supervisor *sup)
{
	for (const struct conn *c = sup->conns; c != NULL; c = c->next)
		if (c->out_len > 0)
			return true;
	return false;
}

/* After end of file on a stream socket, only POLLHUP tells a client that
 * closed (both directions shut) from one that shut down its sending side
 * and still waits for the answer. */
static bool conn_peer_gone(const struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = 0 };
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

static void conn_drop(struct conn *c, const char *why)
{
	log_limited(&conn_rl, LOG_LEVEL_INFO, CONN_WHO, "control connection closed: %s", why);
	conn_free(c);
}

/* Read what the client sent: 1 when bytes came (there may be more), 0 when
 * there is nothing more for now, -1 when c was freed. */
static int conn_read_some(struct conn *c)
{
	char buf[16384];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 || (n == 0 && !c->have_request)) {
		/* The client left: drop whatever it was waiting for. */
		conn_free(c);
		return -1;
	}
	if (n == 0) {
		/* End of file after a complete request: answer all the same
		 * (socat, `nc -N` shut down their side once they have sent). Only
		 * a client that closed altogether cancels its request. */
		c->read_eof = true;
		ev_io_stop(c->sup->loop, &c->read_w);
		if (conn_peer_gone(c)) {
			conn_free(c);
			return -1;
		}
		return 0;
	}
	if (c->have_request && c->on_input == NULL)
		return 1;	/* one request per connection; ignore the rest */
	ctl_reader_append(&c->reader, buf, (size_t)n);
	for (;;) {
		struct ctl_msg msg;
		char *cause = NULL;
		int r = ctl_reader_next(&c->reader, &msg, &cause);
		if (r < 0) {
			log_limited(&conn_rl, LOG_LEVEL_WARN, CONN_WHO, "control connection dropped: %s",
			    cause);
			free(cause);
			conn_free(c);
			return -1;
		}
		if (r == 0)
			return 1;
		if (!c->have_request) {
			c->have_request = true;
			/* Taken: the client's short timeout ends here; heartbeats follow. */
			conn_send(c, CTL_ACK, NULL, 0);
			c->sup->hooks->dispatch(c, &msg);
		} else if (msg.type == CTL_STDIN && c->on_input != NULL) {
			c->on_input(c, msg.payload, msg.len);
		}
		ctl_msg_free(&msg);
		if (c->closing || (c->have_request && c->on_input == NULL))
			return 1;
	}
}

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	(void)conn_read_some(w->data);
}

static void conn_on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct conn *c = w->data;
	uint64_t now = clock_ms();
	if (!c->have_request) {
		if (now - c->accepted_ms >= CONN_REQUEST_TIMEOUT_MS)
			conn_drop(c, "no complete request within 5 s");
		return;
	}
	if (c->out_len > 0 && now - c->out_since_ms >= CONN_STALL_MS) {
		conn_drop(c, "the client read nothing of its answer for 60 s");
		return;
	}
	if (c->read_eof && conn_peer_gone(c)) {
		conn_free(c);	/* a half-closed client went away altogether */
		return;
	}
	if (!c->closing && now - c->sent_ms >= CONN_HEARTBEAT_MS / 2)
		conn_send(c, CTL_ACK, NULL, 0);
}

static size_t conn_count(const struct supervisor *sup)
{
	size_t n = 0;
	for (const struct conn *c = sup->conns; c != NULL; c = c->next)
		n++;
	return n;
}

/* Close the oldest connection that has not sent its whole request in
 * min_age_ms since it was accepted (the list is newest first). False when
 * there is none: every connection serves a request, or is too fresh to
 * judge (a client sends its request right after connecting). */
static bool conn_evict_idle(struct supervisor *sup, uint64_t min_age_ms, const char *why)
{
	struct conn *oldest = NULL;
	uint64_t now = clock_ms();
	for (struct conn *c = sup->conns; c != NULL; c = c->next)
		if (!c->have_request && now - c->accepted_ms >= min_age_ms)
			oldest = c;
	if (oldest == NULL)
		return false;
	conn_drop(oldest, why);
	return true;
}

/* Answer a connection there is no room for, without reading its request. */
static void conn_refuse(struct supervisor *sup, int fd)
{
	char *text = xasprintf("umllab: the supervisor of lab %s is serving %d requests; "
	    "try again later\n", sup->lab->name, CONN_MAX);
	uint32_t code = UMLLAB_EXIT_FAIL;
	/* A fresh socket has room for both; SIGPIPE is ignored here. */
	if (ctl_send(fd, CTL_STDERR, text, strlen(text)) == 0)
		(void)ctl_send(fd, CTL_EXIT, &code, sizeof(code));
	free(text);
	close(fd);
	log_limited(&conn_rl, LOG_LEVEL_WARN, CONN_WHO,
	    "control connection refused: %d requests in progress", CONN_MAX);
}

static void conn_on_accept_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct supervisor *sup = w->data;
	if (sup->ctl_fd >= 0)
		ev_io_start(loop, &sup->ctl_w);
}

static void conn_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct supervisor *sup = w->data;
	for (int i = 0; i < CONN_ACCEPT_BATCH; i++) {
		int fd = accept4(sup->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
				return;	/* EAGAIN: all taken */
			/* Out of descriptors: make room from an idle client, or stop
			 * accepting for a moment; the pending connection would
			 * otherwise wake the loop again at once, and forever. */
			if (conn_evict_idle(sup, CONN_IDLE_GRACE_MS, "out of descriptors; making room"))
				continue;
			log_limited(&conn_rl, LOG_LEVEL_WARN, CONN_WHO,
			    "cannot accept control connections: %s; pausing %d ms", strerror(errno),
			    CONN_ACCEPT_PAUSE_MS);
			ev_io_stop(loop, &sup->ctl_w);
			ev_timer_stop(loop, &sup->ctl_pause_w);
			ev_timer_set(&sup->ctl_pause_w, CONN_ACCEPT_PAUSE_MS / 1000.0, 0.);
			ev_timer_start(loop, &sup->ctl_pause_w);
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
		    cred.uid != getuid()) {
			log_limited(&conn_rl, LOG_LEVEL_WARN, CONN_WHO,
			    "control connection from uid %u refused", (unsigned)cred.uid);
			close(fd);
			continue;
		}
		if (conn_count(sup) >= CONN_MAX &&
		    !conn_evict_idle(sup, CONN_IDLE_GRACE_MS, "too many connections; making room") &&
		    !conn_evict_idle(sup, 0, "too many connections; making room")) {
			conn_refuse(sup, fd);
			continue;
		}
		struct conn *c = xcalloc(1, sizeof(*c));
		c->sup = sup;
		c->fd = fd;
		c->accepted_ms = clock_ms();
		ev_io_init(&c->read_w, conn_on_read, fd, EV_READ);
		ev_io_init(&c->write_w, conn_on_write, fd, EV_WRITE);
		ev_timer_init(&c->tick_w, conn_on_tick, CONN_TICK_MS / 1000.0, CONN_TICK_MS / 1000.0);
		c->read_w.data = c->write_w.data = c->tick_w.data = c;
		ev_io_start(loop, &c->read_w);
		ev_timer_start(loop, &c->tick_w);
		c->next = sup->conns;
		sup->conns = c;
		/* A client sends its request as soon as it connects: take it now,
		 * so that a client with a request in is never taken for an idle
		 * one when room must be made. */
		for (int k = 0; k < 8 && conn_read_some(c) == 1 && !c->have_request; k++)
			;
	}
}

void conn_accept_start(struct supervisor *sup)
{
	ev_io_init(&sup->ctl_w, conn_on_accept, sup->ctl_fd, EV_READ);
	sup->ctl_w.data = sup;
	ev_timer_init(&sup->ctl_pause_w, conn_on_accept_resume, CONN_ACCEPT_PAUSE_MS / 1000.0, 0.);
	sup->ctl_pause_w.data = sup;
	ev_io_start(sup->loop, &sup->ctl_w);
}

void conn_accept_stop(struct supervisor *sup)
{
	ev_io_stop(sup->loop, &sup->ctl_w);
	ev_timer_stop(sup->loop, &sup->ctl_pause_w);
}
