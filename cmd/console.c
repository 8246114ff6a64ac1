/* cmd/console.c: `umllab console INSTANCE`: the terminal attached to an instance's console. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/base/control.h"
#include "core/base/util.h"

#define DETACH_KEY 0x1d	/* Ctrl-] as in telnet */

static struct termios saved;
static bool raw_on;

static void terminal_restore(void)
{
	if (raw_on) {
		tcsetattr(0, TCSAFLUSH, &saved);
		raw_on = false;
	}
}

static void on_signal(int sig)
{
	terminal_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void terminal_raw(void)
{
	if (!isatty(0) || tcgetattr(0, &saved) != 0)
		return;
	struct termios t = saved;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSAFLUSH, &t) == 0) {
		raw_on = true;
		atexit(terminal_restore);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		signal(SIGINT, on_signal);
		signal(SIGQUIT, on_signal);
	}
}

/* Relay until the detach key, end of input, or the supervisor closing. */
static int console_relay(int fd)
{
	struct ctl_reader reader = { 0 };
	int code = EXIT_OK;
	bool stdin_open = true;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
		    { .fd = stdin_open ? 0 : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents != 0) {
			char buf[1024];
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				stdin_open = false;	/* keep showing output until detached */
				if (!isatty(0))
					break;
				continue;
			}
			char *key = memchr(buf, DETACH_KEY, (size_t)n);
			size_t len = key != NULL ? (size_t)(key - buf) : (size_t)n;
			if (len > 0 && ctl_send(fd, CTL_STDIN, buf, len) != 0)
				break;
			if (key != NULL)
				break;
		}
		if (p[0].revents != 0) {
			char buf[4096];
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			ctl_reader_append(&reader, buf, (size_t)n);
			struct ctl_msg msg;
			char *cause = NULL;
			int r;
			while ((r = ctl_reader_next(&reader, &msg, &cause)) > 0) {
				/* A closed output ends the session (SIGPIPE is ignored). */
				if ((msg.type == CTL_STDOUT && write_all(1, msg.payload, msg.len) != 0) ||
				    (msg.type == CTL_STDERR && write_all(2, msg.payload, msg.len) != 0)) {
					ctl_msg_free(&msg);
					goto out;
				}
				else if (msg.type == CTL_EXIT && msg.len == sizeof(uint32_t))
					memcpy(&code, msg.payload, sizeof(uint32_t));
				bool end = msg.type == CTL_EXIT;
				ctl_msg_free(&msg);
				if (end)
					goto out;
			}
			if (r < 0) {
				free(cause);
				break;
			}
		}
	}
out:
	ctl_reader_free(&reader);
	return code;
}

static int console_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(&cmd_console, "expected one instance");
	char *cause = NULL;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	int fd = client_connect(dir, &cause);
	free(dir);
	if (fd < 0)
		return cmd_fail(cause, EXIT_USAGE);
	/* Write errors are handled where they happen; a signal would skip the
	 * terminal's restoration. */
	signal(SIGPIPE, SIG_IGN);
	char *req[] = { "console", argv[1] };
	size_t len;
	char *payload = ctl_argv_pack(2, req, &len);
	int rc = ctl_send(fd, CTL_REQUEST, payload, len);
	free(payload);
	if (rc != 0) {
		close(fd);
		return cmd_fail(xasprintf("cannot talk to the supervisor: %s", strerror(errno)),
		    EXIT_USAGE);
	}
	if (isatty(0))
		fprintf(stderr, "umllab: attached to %s's console; detach with Ctrl-]\r\n", argv[1]);
	terminal_raw();
	int code = console_relay(fd);
	terminal_restore();
	close(fd);
	if (isatty(0))
		fprintf(stderr, "\r\numllab: detached from %s's console\n", argv[1]);
	return code;
}

const struct cmd_entry cmd_console = {
	.name = "console",
	.args = "[--lab LAB] INSTANCE",
	.summary = "attach this terminal to an instance's console (detach with Ctrl-])",
	.help = "You get the guest's root shell on its console 0. The supervisor goes on\n"
	    "logging the console (`umllab logs`) while you are attached, and you stay\n"
	    "attached across restarts. Ctrl-] detaches and restores your terminal. With\n"
	    "standard input not a terminal, its lines are typed into the console and the\n"
	    "command ends at end of input.\n",
	.run = console_run,
};
