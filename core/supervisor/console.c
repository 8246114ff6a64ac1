/* core/supervisor/console.c: pseudo-terminal consoles, their bounded log, and attached clients. */
#include "core/supervisor/console.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/base/util.h"

struct console_client {
	struct console_client *next;
	unsigned id;
	console_output_fn out;
	void *arg;
};

struct console {
	struct ev_loop *loop;
	char *log_path;
	size_t max_bytes;
	int log_fd;
	size_t log_size;
	int master_fd;
	ev_io master_w;
	uint64_t output_bytes;	/* what the kernel wrote, ever (notes not included) */
	struct console_client *clients;
	unsigned next_id;
};

static void console_log_open(struct console *con)
{
	con->log_fd = open(con->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct stat st;
	con->log_size = con->log_fd >= 0 && fstat(con->log_fd, &st) == 0 ? (size_t)st.st_size : 0;
	if (con->log_fd < 0)
		log_warn("cannot open console log %s", con->log_path);
}

static void console_log_append(struct console *con, const char *data, size_t len)
{
	if (con->log_fd >= 0 && con->log_size + len > con->max_bytes) {
		/* Keep one older generation: LOG.1; `umllab logs` shows both. */
		char *old = xasprintf("%s.1", con->log_path);
		if (rename(con->log_path, old) != 0)
			log_warn("cannot rotate %s", con->log_path);
		free(old);
		close(con->log_fd);
		console_log_open(con);
	}
	if (con->log_fd >= 0 && write_all(con->log_fd, data, len) == 0)
		con->log_size += len;
}

void console_write(struct console *con, const void *data, size_t len)
{
	console_log_append(con, data, len);
	for (struct console_client *c = con->clients, *next; c != NULL; c = next) {
		next = c->next;	/* a client may detach from inside its callback */
		c->out(c->arg, data, len);
	}
}

void console_note(struct console *con, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	char *line = xasprintf("\r\n--- umllab: %s\r\n", text);
	console_write(con, line, strlen(line));
	free(line);
	free(text);
}

static void console_on_master(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct console *con = w->data;
	char buf[4096];
	/* Bounded per wakeup: a kernel printing without pause must not starve the loop. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(con->master_fd, buf, sizeof(buf));
		if (n > 0) {
			con->output_bytes += (uint64_t)n;
			console_write(con, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EIO: no process holds the slave any more; wait for the next boot. */
		ev_io_stop(con->loop, &con->master_w);
		return;
	}
}

struct console *console_new(struct ev_loop *loop, const char *log_path, size_t max_bytes)
{
	struct console *con = xcalloc(1, sizeof(*con));
	con->loop = loop;
	con->log_path = xstrdup(log_path);
	con->max_bytes = max_bytes;
	con->master_fd = -1;
	con->next_id = 1;
	console_log_open(con);
	return con;
}

int console_open_pty(struct console *con, int *slave_fd, char **cause)
{
	console_close_pty(con);
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
		set_cause(cause, "cannot create a pseudo-terminal for the console: %s",
		    strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	char name[64];
	if (ptsname_r(master, name, sizeof(name)) != 0 ||
	    (*slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		set_cause(cause, "cannot open the console's pseudo-terminal: %s", strerror(errno));
		close(master);
		return -1;
	}
	/* Raw: the guest's own tty layer echoes and edits; the host side must not. */
	struct termios t;
	if (tcgetattr(*slave_fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*slave_fd, TCSANOW, &t);
	}
	con->master_fd = master;
	ev_io_init(&con->master_w, console_on_master, master, EV_READ);
	con->master_w.data = con;
	ev_io_start(con->loop, &con->master_w);
	return 0;
}

void console_close_pty(struct console *con)
{
	if (con->master_fd < 0)
		return;
	ev_io_stop(con->loop, &con->master_w);
	char buf[4096];
	ssize_t n;
	for (int i = 0; i < 64 && (n = read(con->master_fd, buf, sizeof(buf))) > 0; i++)
		console_write(con, buf, (size_t)n);
	close(con->master_fd);
	con->master_fd = -1;
}

uint64_t console_output_bytes(const struct console *con)
{
	return con->output_bytes;
}

unsigned console_attach(struct console *con, console_output_fn out, void *arg)
{
	struct console_client *c = xcalloc(1, sizeof(*c));
	c->id = con->next_id++;
	if (con->next_id == 0)
		con->next_id = 1;
	c->out = out;
	c->arg = arg;
	c->next = con->clients;
	con->clients = c;
	return c->id;
}

void console_detach(struct console *con, unsigned id)
{
	for (struct console_client **pp = &con->clients; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct console_client *c = *pp;
			*pp = c->next;
			free(c);
			return;
		}
	}
}

int console_input(struct console *con, const void *data, size_t len)
{
	if (con->master_fd < 0)
		return -1;
	/* The master is nonblocking: keystrokes beyond a full buffer are dropped,
	 * never allowed to stall the supervisor. */
	ssize_t n = write(con->master_fd, data, len);
	return n < 0 && errno != EAGAIN ? -1 : 0;
}

void console_free(struct console *con)
{
	if (con == NULL)
		return;
	console_close_pty(con);
	while (con->clients != NULL)
		console_detach(con, con->clients->id);
	if (con->log_fd >= 0)
		close(con->log_fd);
	free(con->log_path);
	free(con);
}
