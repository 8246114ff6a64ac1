/* core/web/web_ctl.c: control connections to supervisors on the web server's libev loop: one request, its answer as callbacks, input for consoles. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/web/web_int.h"

struct web_ctl {
	struct ev_loop *loop;
	int fd;
	ev_io rw, ww;
	struct ctl_reader reader;
	struct strbuf out;		/* unsent bytes */
	size_t out_off;
	const struct web_ctl_cb *cb;
	void *arg;
	bool paused;
	bool in_callback, dead;		/* closed from a callback: freed after it */
};

static void ctl_free(struct web_ctl *w)
{
	ev_io_stop(w->loop, &w->rw);
	ev_io_stop(w->loop, &w->ww);
	if (w->fd >= 0)
		close(w->fd);
	ctl_reader_free(&w->reader);
	free(w->out.s);
	free(w);
}

void web_ctl_close(struct web_ctl *w)
{
	if (w == NULL)
		return;
	if (w->in_callback)
		w->dead = true;
	else
		ctl_free(w);
}

/* The end of the answer, once: code, or -1 for a lost supervisor. The
 * connection is gone after on_end (closing it there is harmless). */
static void ctl_end(struct web_ctl *w, int code)
{
	ev_io_stop(w->loop, &w->rw);
	ev_io_stop(w->loop, &w->ww);
	w->in_callback = true;
	w->cb->on_end(w->arg, code);
	ctl_free(w);
}

static void ctl_flush(struct web_ctl *w)
{
	while (w->out_off < w->out.len) {
		ssize_t n = write(w->fd, w->out.s + w->out_off, w->out.len - w->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return;	/* the read side sees the end */
		}
		w->out_off += (size_t)n;
	}
	if (w->out_off == w->out.len) {
		w->out.len = w->out_off = 0;
		ev_io_stop(w->loop, &w->ww);
	} else {
		ev_io_start(w->loop, &w->ww);
	}
}

static void ctl_queue(struct web_ctl *w, enum ctl_type type, const void *data, size_t len)
{
	struct ctl_hdr h = { .version = CTL_VERSION, .type = (uint16_t)type, .len = (uint32_t)len };
	strbuf_append(&w->out, &h, sizeof(h));
	if (len > 0)
		strbuf_append(&w->out, data, len);
	ctl_flush(w);
}

static void ctl_on_write(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	ctl_flush(io->data);
}

static void ctl_on_read(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	struct web_ctl *w = io->data;
	char buf[16384];
	ssize_t n = read(w->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		ctl_end(w, -1);
		return;
	}
	ctl_reader_append(&w->reader, buf, (size_t)n);
	struct ctl_msg msg;
	char *cause = NULL;
	int r = 0;
	while (!w->dead && (r = ctl_reader_next(&w->reader, &msg, &cause)) > 0) {
		if (msg.type == CTL_EXIT) {
			uint32_t code = UMLLAB_EXIT_FAIL;
			if (msg.len == sizeof(code))
				memcpy(&code, msg.payload, sizeof(code));
			ctl_msg_free(&msg);
			ctl_end(w, (int)code);
			return;
		}
		if (msg.type == CTL_STDOUT || msg.type == CTL_STDERR) {
			w->in_callback = true;
			w->cb->on_msg(w->arg, msg.type, msg.payload, msg.len);
			w->in_callback = false;
		}
		ctl_msg_free(&msg);	/* CTL_ACK: the supervisor is alive */
	}
	if (w->dead) {
		ctl_free(w);
		return;
	}
	if (r < 0) {
		free(cause);
		ctl_end(w, -1);
	}
}

struct web_ctl *web_ctl_open(struct ev_loop *loop, const char *lab_dir, int argc,
    char *const argv[], const struct web_ctl_cb *cb, void *arg, char **cause)
{
	int fd = client_connect(lab_dir, cause);
	if (fd < 0)
		return NULL;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		set_cause(cause, "cannot make the control socket non-blocking: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	struct web_ctl *w = xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ev_io_init(&w->rw, ctl_on_read, fd, EV_READ);
	ev_io_init(&w->ww, ctl_on_write, fd, EV_WRITE);
	w->rw.data = w->ww.data = w;
	ev_io_start(loop, &w->rw);
	size_t len;
	char *payload = ctl_argv_pack(argc, argv, &len);
	ctl_queue(w, CTL_REQUEST, payload, len);
	free(payload);
	return w;
}

void web_ctl_stdin(struct web_ctl *w, const void *data, size_t len)
{
	if (w != NULL && len > 0 && len <= CTL_PAYLOAD_MAX)
		ctl_queue(w, CTL_STDIN, data, len);
}

void web_ctl_pause(struct web_ctl *w, bool pause)
{
	if (w == NULL || w->paused == pause)
		return;
	w->paused = pause;
	if (pause)
		ev_io_stop(w->loop, &w->rw);
	else
		ev_io_start(w->loop, &w->rw);
}
