/* image/run.c: finding and running the external tools an image build needs (fork/execv, no shell). */
#include "image/image_int.h"

#include "core/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_OUT_MAX (4u << 20)	/* more stdout than this is an error */
#define RUN_ERR_KEEP 2048	/* stderr kept for the cause: its end */

/* mkfs.ext4 and debugfs live in sbin directories an ordinary user's PATH lacks. */
static const char sbin_dirs[] = "/usr/local/sbin:/usr/sbin:/sbin";

char *image_tool_find(const char *name, const char *package, char **cause)
{
	const char *env = getenv("PATH");
	char *dirs = xasprintf("%s:%s", env != NULL && *env != '\0' ? env : "/usr/bin:/bin", sbin_dirs);
	char *found = NULL;
	char *save = NULL;
	for (char *dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;	/* a relative PATH entry would depend on our cwd */
		char *path = xasprintf("%s/%s", dir, name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0) {
			found = path;
			break;
		}
		free(path);
	}
	free(dirs);
	if (found == NULL)
		set_cause(cause, "%s not found on PATH or in %s: install the Debian package %s "
		    "(apt-get install %s)", name, sbin_dirs, package, package);
	return found;
}

/* dup2 that also works when from is already to (then only clear close-on-exec). */
static int run_dup_to(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

/* The child's side: only async-signal-safe calls, the caller may have threads. */
static void run_child(char *const argv[], int out_fd, int err_fd)
{
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0 || run_dup_to(err_fd, 2) < 0 ||
	    run_dup_to(out_fd >= 0 ? out_fd : null_fd, 1) < 0 || run_dup_to(null_fd, 0) < 0)
		_exit(126);
	execv(argv[0], argv);
	static const char msg[] = "exec failed\n";
	ssize_t n = write(2, msg, sizeof(msg) - 1);
	(void)n;
	_exit(127);
}

struct run_buf {
	char *data;
	size_t len, cap;
	size_t max;		/* 0: keep only the last RUN_ERR_KEEP bytes */
	int overflow;
};

static void run_buf_add(struct run_buf *b, const char *p, size_t n)
{
	if (b->max == 0) {
		/* A rolling tail: error messages come last. */
		if (n >= RUN_ERR_KEEP) {
			p += n - RUN_ERR_KEEP;
			n = RUN_ERR_KEEP;
		}
		if (b->len + n > RUN_ERR_KEEP) {
			size_t drop = b->len + n - RUN_ERR_KEEP;
			memmove(b->data, b->data + drop, b->len - drop);
			b->len -= drop;
		}
	} else if (b->len + n > b->max) {
		b->overflow = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Read both pipes until both are closed. */
static void run_collect(int out_fd, struct run_buf *out, int err_fd, struct run_buf *err)
{
	char buf[8192];
	while (out_fd >= 0 || err_fd >= 0) {
		struct pollfd pfd[2] = {
			{ .fd = out_fd, .events = POLLIN },
			{ .fd = err_fd, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out_fd : &err_fd;
			if (*fd < 0 || pfd[i].revents == 0)
				continue;
			ssize_t n = read(*fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			run_buf_add(i == 0 ? out : err, buf, (size_t)n);
		}
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
}

#define RUN_ERR_LINES 8		/* lines of stderr a cause shows */
#define RUN_ERR_WIDTH 100	/* longer lines are folded */

/* The end of stderr for a cause: ": TEXT" when it is one short line, else
 * its last RUN_ERR_LINES lines, each on a line of its own ("    | ..."),
 * folded at RUN_ERR_WIDTH: a tool's error log joined into one line was
 * unreadable. */
static char *run_err_text(struct run_buf *err)
{
	if (err->len == 0)
		return xstrdup("");
	char *s = xstrndup(err->data, err->len);
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (strchr(s, '\n') == NULL && n <= RUN_ERR_WIDTH) {
		char *text = xasprintf(": %s", s);
		free(s);
		return text;
	}
	/* Start at the RUN_ERR_LINES-th line from the end. */
	char *start = s;
	int lines = 0;
	for (char *p = s + n; p > s; p--) {
		if (p[-1] == '\n' && ++lines == RUN_ERR_LINES) {
			start = p;
			break;
		}
	}
	struct strbuf b = { 0 };
	strbuf_printf(&b, "; the end of what it printed:");
	for (char *line = start; line != NULL;) {
		char *next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		for (size_t off = 0; off < len || (off == 0 && len == 0); off += RUN_ERR_WIDTH) {
			size_t part = len - off < RUN_ERR_WIDTH ? len - off : RUN_ERR_WIDTH;
			strbuf_printf(&b, "\n    | %s%.*s", off > 0 ? "  " : "", (int)part, line + off);
			if (len == 0)
				break;
		}
		line = next;
	}
	free(s);
	return strbuf_take(&b);
}

/* Why a program failed, from its wait status and the end of its stderr. */
static void run_status_cause(char **cause, const char *prog, int status,
    struct run_buf *err)
{
	char *text = run_err_text(err);
	if (WIFEXITED(status))
		set_cause(cause, "%s failed (exit %d)%s", prog, WEXITSTATUS(status), text);
	else
		set_cause(cause, "%s was killed by signal %d%s", prog,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0, text);
	free(text);
}

int image_run(char *const argv[], char **out, char **cause)
{
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	if (pipe2(err_pipe, O_CLOEXEC) < 0 || (out != NULL && pipe2(out_pipe, O_CLOEXEC) < 0)) {
		set_cause(cause, "cannot create a pipe to run %s: %s", argv[0], strerror(errno));
		goto fail_pipes;
	}
	pid_t pid = fork();
	if (pid < 0) {
		set_cause(cause, "cannot fork to run %s: %s", argv[0], strerror(errno));
		goto fail_pipes;
	}
	if (pid == 0)
		run_child(argv, out_pipe[1], err_pipe[1]);
	close(err_pipe[1]);
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);

	struct run_buf obuf = { .max = RUN_OUT_MAX }, ebuf = { .max = 0 };
	run_collect(out_pipe[0], &obuf, err_pipe[0], &ebuf);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			set_cause(cause, "cannot wait for %s: %s", argv[0], strerror(errno));
			goto fail_bufs;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		run_status_cause(cause, argv[0], status, &ebuf);
		goto fail_bufs;
	}
	if (obuf.overflow) {
		set_cause(cause, "%s wrote more than %u bytes", argv[0], RUN_OUT_MAX);
		goto fail_bufs;
	}
	if (out != NULL)
		*out = obuf.data != NULL ? obuf.data : xstrdup("");
	else
		free(obuf.data);
	free(ebuf.data);
	return 0;

fail_bufs:
	free(obuf.data);
	free(ebuf.data);
	return -1;

fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	return -1;
}

/* A status the caller accepts (ok_status ends with -1). */
static int run_status_ok(int status, const int *ok_status)
{
	if (!WIFEXITED(status))
		return 0;
	if (WEXITSTATUS(status) == 0)
		return 1;
	for (const int *p = ok_status; p != NULL && *p >= 0; p++)
		if (*p == WEXITSTATUS(status))
			return 1;
	return 0;
}

int image_run_lines(char *const argv[], const char *out_path, const int *ok_status,
    void (*line)(void *arg, const char *text), void *arg, char **cause)
{
	int err_pipe[2] = { -1, -1 };
	int out_fd = -1;
	if (out_path != NULL) {
		out_fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out_fd < 0)
			return set_cause(cause, "cannot create %s: %s", out_path, strerror(errno));
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		set_cause(cause, "cannot create a pipe to run %s: %s", argv[0], strerror(errno));
		if (out_fd >= 0)
			close(out_fd);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		set_cause(cause, "cannot fork to run %s: %s", argv[0], strerror(errno));
		close(err_pipe[0]);
		close(err_pipe[1]);
		if (out_fd >= 0)
			close(out_fd);
		return -1;
	}
	if (pid == 0)
		run_child(argv, out_fd >= 0 ? out_fd : err_pipe[1], err_pipe[1]);
	close(err_pipe[1]);
	if (out_fd >= 0)
		close(out_fd);

	/* Lines as they come; the end of the output is kept for the cause. */
	struct run_buf tail = { .max = 0 };
	char part[1024];
	size_t plen = 0;
	char buf[4096];
	for (;;) {
		ssize_t n = read(err_pipe[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		run_buf_add(&tail, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && buf[i] != '\r' && plen + 1 < sizeof(part)) {
				part[plen++] = buf[i];
				continue;
			}
			if (buf[i] != '\n' && buf[i] != '\r')
				continue;	/* a very long line: its start is enough */
			part[plen] = '\0';
			if (plen > 0 && line != NULL)
				line(arg, part);
			plen = 0;
		}
	}
	close(err_pipe[0]);
	if (plen > 0 && line != NULL) {
		part[plen] = '\0';
		line(arg, part);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			set_cause(cause, "cannot wait for %s: %s", argv[0], strerror(errno));
			free(tail.data);
			return -1;
		}
	}
	int rc = 0;
	if (!run_status_ok(status, ok_status)) {
		run_status_cause(cause, argv[0], status, &tail);
		rc = -1;
	}
	free(tail.data);
	return rc;
}
