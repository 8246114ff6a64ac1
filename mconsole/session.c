/* mconsole/session.c: one kernel's mconsole requests, one in flight at a time. */
#include "mconsole/session.h"

#include <errno.h>
#include <ev.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "mconsole/mconsole.h"

/* The longest whole reply kept; the kernel's longest (help) is under 1 KB. */
#define MCONSOLE_SESSION_REPLY_MAX (64U << 10)

struct mc_pending {
	struct mc_pending *next;
	char *cmd;
	int timeout_ms;
	mconsole_reply_cb cb;
	void *arg;
};

struct mconsole_session {
	struct ev_loop *loop;
	int fd;
	char *path;
	char *client_path;	/* our socket's path, or NULL for an abstract name */
	ev_io read_w;
	ev_timer timer;
	struct mc_pending *head, *tail;
	bool in_flight;
	char *reply;		/* parts gathered so far */
	size_t reply_len;
	uint32_t reply_err;
	char *fail_reason;	/* set when the head failed before sending */
};

static void session_send_next(struct mconsole_session *s);

static void session_complete(struct mconsole_session *s, int status, const char *data,
    size_t len)
{
	struct mc_pending *p = s->head;
	s->head = p->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->in_flight = false;
	ev_timer_stop(s->loop, &s->timer);
	if (p->cb != NULL)
		p->cb(p->arg, status, s->reply_err, data, len);
	free(p->cmd);
	free(p);
	free(s->reply);
	s->reply = NULL;
	s->reply_len = 0;
	s->reply_err = 0;
	session_send_next(s);
}

static void session_drain(struct mconsole_session *s)
{
	char buf[MCONSOLE_REPLY_SIZE];
	while (recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void session_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct mconsole_session *s = w->data;
	if (s->head == NULL)
		return;
	if (s->fail_reason != NULL) {
		char *why = s->fail_reason;
		s->fail_reason = NULL;
		session_complete(s, -1, why, strlen(why));
		free(why);
		return;
	}
	/* A late reply to this request must not be taken for the next one's. */
	session_drain(s);
	char *why = xasprintf("no answer from the kernel's mconsole at %s within %d ms",
	    s->path, s->head->timeout_ms);
	session_complete(s, -1, why, strlen(why));
	free(why);
}

static void session_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct mconsole_session *s = w->data;
	char buf[MCONSOLE_REPLY_SIZE];
	for (;;) {
		struct sockaddr_un from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
		    &from_len);
		if (n <= 0)
			return;
		/* Only the kernel's own socket may answer (an abstract name is
		 * open to any local user; a path may be too, if misplaced). */
		if (from_len <= offsetof(struct sockaddr_un, sun_path) ||
		    strncmp(from.sun_path, s->path, sizeof(from.sun_path)) != 0)
			continue;
		struct mconsole_reply r;
		if (!s->in_flight || mconsole_reply_decode(buf, (size_t)n, &r) != 0)
			continue;
		if (s->reply_len + r.len > MCONSOLE_SESSION_REPLY_MAX) {
			session_complete(s, -1, "the kernel's reply is too long", 30);
			return;
		}
		s->reply = xrealloc(s->reply, s->reply_len + r.len + 1);
		memcpy(s->reply + s->reply_len, r.data, r.len);
		s->reply_len += r.len;
		s->reply[s->reply_len] = '\0';
		s->reply_err |= r.err;	/* the kernel flags only one part */
		if (r.more) {
			ev_timer_stop(s->loop, &s->timer);
			ev_timer_set(&s->timer, s->head->timeout_ms / 1000.0, 0.);
			ev_timer_start(s->loop, &s->timer);
			continue;
		}
		session_complete(s, 0, s->reply, s->reply_len);
		return;	/* s->reply was freed; a new request may be in flight */
	}
}

static void session_send_next(struct mconsole_session *s)
{
	if (s->in_flight || s->head == NULL)
		return;
	char *cause = NULL;
	s->in_flight = true;
	if (mconsole_send(s->fd, s->path, s->head->cmd, &cause) != 0) {
		/* Report from the loop, never from inside the caller's request(). */
		s->fail_reason = cause;
		ev_timer_set(&s->timer, 0., 0.);
	} else {
		ev_timer_set(&s->timer, s->head->timeout_ms / 1000.0, 0.);
	}
	ev_timer_start(s->loop, &s->timer);
}

struct mconsole_session *mconsole_session_new(struct ev_loop *loop, const char *sock_path,
    const char *client_path, char **cause)
{
	int fd = mconsole_client_open(client_path, cause);
	if (fd < 0)
		return NULL;
	struct mconsole_session *s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->fd = fd;
	s->path = xstrdup(sock_path);
	s->client_path = client_path != NULL ? xstrdup(client_path) : NULL;
	ev_io_init(&s->read_w, session_on_read, fd, EV_READ);
	s->read_w.data = s;
	ev_io_start(loop, &s->read_w);
	ev_timer_init(&s->timer, session_on_timer, 0., 0.);
	s->timer.data = s;
	return s;
}

void mconsole_session_request(struct mconsole_session *s, const char *cmd, int timeout_ms,
    mconsole_reply_cb cb, void *arg)
{
	struct mc_pending *p = xcalloc(1, sizeof(*p));
	p->cmd = xstrdup(cmd);
	p->timeout_ms = timeout_ms;
	p->cb = cb;
	p->arg = arg;
	if (s->tail != NULL)
		s->tail->next = p;
	else
		s->head = p;
	s->tail = p;
	session_send_next(s);
}

void mconsole_session_free(struct mconsole_session *s)
{
	if (s == NULL)
		return;
	ev_io_stop(s->loop, &s->read_w);
	ev_timer_stop(s->loop, &s->timer);
	/* Every request hears its end, so whoever queued it can free its state. */
	while (s->head != NULL) {
		struct mc_pending *p = s->head;
		s->head = p->next;
		if (p->cb != NULL)
			p->cb(p->arg, -1, 0, "the mconsole session was closed", 31);
		free(p->cmd);
		free(p);
	}
	close(s->fd);
	if (s->client_path != NULL)
		unlink(s->client_path);
	free(s->client_path);
	free(s->path);
	free(s->reply);
	free(s->fail_reason);
	free(s);
}
