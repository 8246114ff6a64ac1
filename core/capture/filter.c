/* core/capture/filter.c: tcpdump expressions to BPF, bounded in length and time. */
#include "core/capture/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/util.h"
#include "switch/switch.h"

/* What the child sends back, per expression: u32 status (0: a program,
 * 1: libpcap's message), u32 length, then the instructions or the message. */
#define FILTER_REPLY_MAX (16u << 20)

struct filter_job {
	struct ev_loop *loop;
	pid_t pid;
	int fd;
	ev_io read_w;
	ev_timer deadline_w;
	size_t n;
	char *exprs[FILTER_JOB_MAX];
	struct strbuf reply;
	filter_done_fn done;
	void *arg;
};

static int filter_pcap_compile(const char *expr, struct bpf_program *prog, char **cause)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, SWITCH_TAP_SNAPLEN);
	if (p == NULL)
		return set_cause(cause, "libpcap cannot compile filters here");
	int rc = 0;
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		rc = set_cause(cause, "%s", pcap_geterr(p));
	pcap_close(p);
	return rc;
}

static char *filter_mistake(const char *expr, const char *why)
{
	return xasprintf("filter \"%.200s%s\": %s (expected a tcpdump expression such as \"icmp\", "
	    "\"arp or port 80\")", expr, strlen(expr) > 200 ? "..." : "", why);
}

int filter_compile_trusted(const char *expr, struct bpf_program *prog, char **cause)
{
	char *why = NULL;
	if (filter_pcap_compile(expr, prog, &why) == 0)
		return 0;
	if (cause != NULL) {
		free(*cause);
		*cause = filter_mistake(expr, why);
	}
	free(why);
	return -1;
}

static int filter_length_check(const char *expr, char **cause)
{
	size_t len = strlen(expr);
	if (len <= FILTER_EXPANDED_MAX)
		return 0;
	return set_cause(cause, "filter \"%.200s...\": %zu bytes (with instance names replaced by "
	    "their MACs), at most %d: make it shorter (a range such as `portrange 1000-1600`, or "
	    "`net 10.0.0.0/24`, instead of many `or` terms)", expr, len, FILTER_EXPANDED_MAX);
}

/* In the child: compile each expression and write the answers to fd. */
static void filter_child(int fd, char *const *exprs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_program prog = { 0 };
		char *why = NULL;
		uint32_t head[2];
		int ok = filter_pcap_compile(exprs[i], &prog, &why) == 0;
		head[0] = ok ? 0 : 1;
		head[1] = ok ? prog.bf_len * (uint32_t)sizeof(struct bpf_insn) : (uint32_t)strlen(why);
		if (write_all(fd, head, sizeof(head)) != 0 ||
		    write_all(fd, ok ? (const void *)prog.bf_insns : why, head[1]) != 0)
			_exit(1);
		if (!ok)
			break;
	}
	_exit(0);
}

static pid_t filter_fork(char *const *exprs, size_t n, int *read_fd, char **cause)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return set_cause(cause, "cannot compile a filter: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return set_cause(cause, "cannot compile a filter: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Hold none of the supervisor's sockets while compiling. */
		if (p[1] != 3 && dup2(p[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		filter_child(3, exprs, n);
	}
	close(p[1]);
	*read_fd = p[0];
	return pid;
}

/* Parse the child's answer into n programs; -1 with *cause naming the
 * expression libpcap refused (or a short answer: the child died). */
static int filter_reply_parse(const char *buf, size_t len, char *const *exprs, size_t n,
    struct bpf_program *progs, size_t *failed, char **cause)
{
	size_t off = 0, i;
	*failed = 0;
	for (i = 0; i < n; i++) {
		uint32_t head[2];
		if (len - off < sizeof(head))
			break;
		memcpy(head, buf + off, sizeof(head));
		off += sizeof(head);
		if (len - off < head[1])
			break;
		if (head[0] != 0) {
			char *why = xstrndup(buf + off, head[1]);
			free(*cause);
			*cause = filter_mistake(exprs[i], why);
			free(why);
			goto fail;
		}
		if (head[1] % sizeof(struct bpf_insn) != 0)
			break;
		progs[i].bf_len = head[1] / (uint32_t)sizeof(struct bpf_insn);
		progs[i].bf_insns = xmalloc(head[1] ? head[1] : 1);
		memcpy(progs[i].bf_insns, buf + off, head[1]);
		off += head[1];
	}
	if (i == n)
		return 0;
	set_cause(cause, "compiling the filter \"%s\" failed: its compiler ended early",
	    exprs[i]);
fail:
	*failed = i;
	for (size_t k = 0; k < i; k++)
		pcap_freecode(&progs[k]);
	return -1;
}

/* How many answers the child finished (it answers in order: the next one
 * was the slow one). */
static size_t filter_reply_complete(const char *buf, size_t len)
{
	size_t off = 0, k = 0;
	uint32_t head[2];
	while (len - off >= sizeof(head)) {
		memcpy(head, buf + off, sizeof(head));
		if (len - off - sizeof(head) < head[1])
			break;
		off += sizeof(head) + head[1];
		k++;
	}
	return k;
}

static char *filter_too_slow(const char *expr)
{
	return xasprintf("filter \"%.200s%s\": it did not compile within %d ms: make it simpler (a "
	    "range such as `portrange 1000-1600`, or `net 10.0.0.0/24`, instead of many `or` "
	    "terms)", expr, strlen(expr) > 200 ? "..." : "", FILTER_COMPILE_MS);
}

int filter_compile(const char *expr, struct bpf_program *prog, char **cause)
{
	if (filter_length_check(expr, cause) != 0)
		return -1;
	char *exprs[1] = { (char *)expr };
	int fd;
	pid_t pid = filter_fork(exprs, 1, &fd, cause);
	if (pid < 0)
		return -1;
	struct strbuf b = { 0 };
	uint64_t until = clock_ms() + FILTER_COMPILE_MS;
	bool timed_out = false, eof = false;
	while (!eof && b.len <= FILTER_REPLY_MAX) {
		uint64_t now = clock_ms();
		if (now >= until) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ready = poll(&pfd, 1, (int)(until - now));
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		char chunk[65536];
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r > 0)
			strbuf_append(&b, chunk, (size_t)r);
		else if (r == 0 || (errno != EINTR && errno != EAGAIN))
			eof = true;
	}
	close(fd);
	kill(pid, SIGKILL);	/* done already, or too slow */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	int rc;
	if (timed_out) {
		free(*cause);
		*cause = filter_too_slow(expr);
		rc = -1;
	} else {
		size_t failed;
		rc = filter_reply_parse(b.s ? b.s : "", b.len, exprs, 1, prog, &failed, cause);
	}
	free(strbuf_take(&b));
	return rc;
}

/* ---- while the loop runs ---- */

static void filter_job_free(struct filter_job *j)
{
	ev_io_stop(j->loop, &j->read_w);
	ev_timer_stop(j->loop, &j->deadline_w);
	if (j->fd >= 0)
		close(j->fd);
	if (j->pid > 0)
		kill(j->pid, SIGKILL);	/* libev's SIGCHLD handling reaps it */
	for (size_t i = 0; i < j->n; i++)
		free(j->exprs[i]);
	free(strbuf_take(&j->reply));
	free(j);
}

static void filter_job_end(struct filter_job *j, bool timed_out)
{
	struct bpf_program progs[FILTER_JOB_MAX];
	memset(progs, 0, sizeof(progs));
	char *why = NULL;
	size_t failed = 0;
	int rc;
	if (timed_out) {
		failed = filter_reply_complete(j->reply.s, j->reply.len);
		if (failed >= j->n)
			failed = j->n - 1;
		why = filter_too_slow(j->exprs[failed]);
		rc = -1;
	} else {
		rc = filter_reply_parse(j->reply.s ? j->reply.s : "", j->reply.len, j->exprs, j->n,
		    progs, &failed, &why);
	}
	filter_done_fn done = j->done;
	void *arg = j->arg;
	filter_job_free(j);
	if (rc == 0) {
		done(arg, progs, 0, NULL);
	} else {
		done(arg, NULL, failed, why);
		free(why);
	}
}

static void filter_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct filter_job *j = w->data;
	char chunk[65536];
	ssize_t r = read(j->fd, chunk, sizeof(chunk));
	if (r > 0) {
		strbuf_append(&j->reply, chunk, (size_t)r);
		if (j->reply.len <= FILTER_REPLY_MAX)
			return;
	} else if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
		return;
	}
	filter_job_end(j, false);
}

static void filter_on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	filter_job_end(w->data, true);
}

struct filter_job *filter_compile_start(struct ev_loop *loop, const char *const *exprs, size_t n,
    filter_done_fn done, void *arg, char **cause)
{
	if (n == 0 || n > FILTER_JOB_MAX) {
		set_cause(cause, "cannot compile %zu filters at once (at most %d)", n, FILTER_JOB_MAX);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (filter_length_check(exprs[i], cause) != 0)
			return NULL;
	struct filter_job *j = xcalloc(1, sizeof(*j));
	j->loop = loop;
	j->n = n;
	j->done = done;
	j->arg = arg;
	for (size_t i = 0; i < n; i++)
		j->exprs[i] = xstrdup(exprs[i]);
	j->pid = filter_fork(j->exprs, n, &j->fd, cause);
	if (j->pid < 0) {
		j->pid = 0;
		j->fd = -1;
		filter_job_free(j);
		return NULL;
	}
	fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK);
	ev_io_init(&j->read_w, filter_on_read, j->fd, EV_READ);
	j->read_w.data = j;
	ev_io_start(loop, &j->read_w);
	ev_timer_init(&j->deadline_w, filter_on_deadline, FILTER_COMPILE_MS / 1000.0, 0.);
	j->deadline_w.data = j;
	ev_timer_start(loop, &j->deadline_w);
	return j;
}

void filter_compile_cancel(struct filter_job *job)
{
	if (job != NULL)
		filter_job_free(job);
}
