/* core/base/subproc.c: run a program with posix_spawnp, read its stdout and
 * stderr through pipes with poll(), bounded in time. */
#include "core/base/subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/util.h"

extern char **environ;

/* What one program may print before the rest is dropped: squeue's answer
 * for a large array is a line per task. */
#define SUBPROC_OUT_MAX (4u << 20)

int subproc_run(char *const argv[], unsigned timeout_s, struct subproc_result *r, char **cause)
{
	memset(r, 0, sizeof(*r));
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		set_cause(cause, "cannot run %s: pipe: %s", argv[0], strerror(errno));
		goto fail;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	/* The child gets the usual signal dispositions and mask, whatever ours. */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (rc != 0) {
		set_cause(cause, "cannot run %s: %s%s", argv[0], strerror(rc),
		    rc == ENOENT ? " (is it installed and on PATH?)" : "");
		goto fail;
	}
	struct strbuf bo = { 0 }, be = { 0 };
	uint64_t deadline = clock_ms() + (uint64_t)timeout_s * 1000;
	bool late = false;
	struct pollfd p[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		uint64_t now = clock_ms();
		if (now >= deadline) {
			late = true;
			break;
		}
		int n = poll(p, 2, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			char buf[8192];
			ssize_t got = read(p[i].fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				p[i].fd = -1;
				continue;
			}
			struct strbuf *b = i == 0 ? &bo : &be;
			if (b->len + (size_t)got <= SUBPROC_OUT_MAX)
				strbuf_append(b, buf, (size_t)got);
		}
	}
	if (late)
		kill(pid, SIGKILL);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	close(out[0]);
	close(err[0]);
	r->out = strbuf_take(&bo);
	r->err = strbuf_take(&be);
	if (late) {
		set_cause(cause, "%s did not finish within %u s (killed)", argv[0], timeout_s);
		subproc_result_free(r);
		return -1;
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return -1;
}

int subproc_ok(const struct subproc_result *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

char *subproc_failure(char *const argv[], const struct subproc_result *r)
{
	const char *said = r->err != NULL && r->err[0] != '\0' ? r->err : r->out != NULL ? r->out : "";
	struct strbuf b = { 0 };
	for (const char *c = said; *c != '\0'; c++) {
		if (*c == '\n') {
			if (c[1] != '\0')
				strbuf_append(&b, "; ", 2);
		} else {
			strbuf_append(&b, c, 1);
		}
	}
	char *text = strbuf_take(&b);
	char *how = WIFEXITED(r->status) ? xasprintf("exited with status %d", WEXITSTATUS(r->status)) :
	    xasprintf("was killed by signal %d", WTERMSIG(r->status));
	char *msg = xasprintf("%s %s%s%s", argv[0], how, text[0] != '\0' ? ": " : " and said nothing",
	    text);
	free(how);
	free(text);
	return msg;
}

void subproc_result_free(struct subproc_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
