/* core/conn.c: control connections: read one request, write its answer without blocking. */
#include "core/conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/request.h"
#include "core/supervisor.h"
#include "core/util.h"

/* Past this much unwritten output, more is dropped. */
#define CONN_OUT_MAX (8U << 20)

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

static void conn_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct conn *c = w->data;
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The client left: drop whatever it was waiting for. */
		conn_free(c);
		return;
	}
	if (c->have_request && c->on_input == NULL)
		return;	/* one request per connection; ignore the rest */
	ctl_reader_append(&c->reader, buf, (size_t)n);
	for (;;) {
		struct ctl_msg msg;
		char *cause = NULL;
		int r = ctl_reader_next(&c->reader, &msg, &cause);
		if (r < 0) {
			log_warnx("control connection dropped: %s", cause);
			free(cause);
			conn_free(c);
			return;
		}
		if (r == 0)
			return;
		if (!c->have_request) {
			c->have_request = true;
			request_dispatch(c, &msg);
		} else if (msg.type == CTL_STDIN && c->on_input != NULL) {
			c->on_input(c, msg.payload, msg.len);
		}
		ctl_msg_free(&msg);
		if (c->closing || (c->have_request && c->on_input == NULL))
			return;
	}
}

void conn_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct supervisor *sup = w->data;
	int fd = accept4(sup->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid()) {
		log_warnx("control connection from uid %u refused", (unsigned)cred.uid);
		close(fd);
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->sup = sup;
	c->fd = fd;
	ev_io_init(&c->read_w, conn_on_read, fd, EV_READ);
	ev_io_init(&c->write_w, conn_on_write, fd, EV_WRITE);
	c->read_w.data = c->write_w.data = c;
	ev_io_start(loop, &c->read_w);
	c->next = sup->conns;
	sup->conns = c;
}
