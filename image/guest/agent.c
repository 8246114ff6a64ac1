/* image/guest/agent.c: the guest's exec agent: runs commands the host logs through mconsole, answers on /proc/mconsole.
 *
 * A static, standalone program (it runs inside the guest, linked with nothing
 * of umllab but the protocol header). One event loop: /dev/kmsg brings request
 * chunks, a signalfd brings child exits, one pipe per running command brings
 * its output. Commands run concurrently. The agent never exits on its own:
 * init respawns it, and a respawned agent starts at the end of the kernel log
 * so old requests are not run twice. */
#include "image/guest/agent_proto.h"
#include "image/guest/boot.h"
#include "image/guest/cmd_words.h"
#include "image/guest/frr.h"
#include "image/guest/kathara.h"
#include "image/guest/netwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KMSG_RECORD_MAX 8192	/* the kernel's CONSOLE_EXT_LOG_MAX: one record fits */
#define MAX_PENDING 32		/* requests whose chunks are still arriving */
#define MAX_CHILDREN 64		/* commands running at once */
#define PENDING_TIMEOUT_MS 30000	/* an incomplete request is dropped after this */
#define DRAIN_READS_MAX 1024	/* reads of a finished command's pipe before giving up */
#define DEAD_IDS 16		/* rejected requests whose later chunks are ignored */

/* A request whose chunks are still arriving. */
struct pending {
	int used;
	unsigned id;
	unsigned next_seq;
	char *buf;		/* decoded command so far */
	size_t len;
	uint64_t last_ms;
};

/* A running command. */
struct child {
	pid_t pid;		/* 0: slot free */
	unsigned id;
	int fd;			/* read end of its output pipe, -1 once closed */
	int exited;
	int status;		/* exit code, or 128 + signal */
};

static struct pending pendings[MAX_PENDING];
/* A request already answered with a rejection: its remaining chunks are
 * dropped quietly, so one lost chunk gives one answer, not one per chunk. */
static struct {
	int used;
	unsigned id;
} dead_ids[DEAD_IDS];
static int dead_next;
static struct child children[MAX_CHILDREN];
static int mconsole_fd = -1;
static int net_fd = -1;		/* netwatch's; -1 when it could not be opened */
static sigset_t old_mask;

static const char *const child_env[] = {
	/* The image's own tools first; umllab's busybox applets fill the gaps. */
	"PATH=/sbin:/usr/sbin:/bin:/usr/bin:/usr/lib/umllab/bin",
	"HOME=/root",
	"SHELL=/bin/sh",
	"USER=root",
	"LOGNAME=root",
	NULL,
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Diagnostics go to the console: only for conditions the host cannot see. */
static void agent_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void agent_warn(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(2, "umllab-agent: %s\n", msg);
}

/* One message to the host: one write() is one notify datagram, so never split. */
static void notify_send(const void *buf, size_t len)
{
	if (mconsole_fd < 0 || len > AGENT_NOTIFY_MAX)
		return;
	while (write(mconsole_fd, buf, len) < 0 && errno == EINTR)
		;
}

static void notify_end(unsigned id, int status)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), AGENT_END_TAG "%u %d", id, status);
	notify_send(msg, (size_t)n);
}

static int dead_find(unsigned id)
{
	for (int i = 0; i < DEAD_IDS; i++)
		if (dead_ids[i].used && dead_ids[i].id == id)
			return i;
	return -1;
}

/* Refuse request id: say why as its output, then end it with AGENT_STATUS_REJECTED. */
static void request_reject(unsigned id, const char *why)
{
	if (dead_find(id) < 0) {
		dead_ids[dead_next].used = 1;
		dead_ids[dead_next].id = id;
		dead_next = (dead_next + 1) % DEAD_IDS;
	}
	char msg[AGENT_NOTIFY_MAX];
	int n = snprintf(msg, sizeof(msg), AGENT_OUT_TAG "%u\numllab-agent: %s\n", id, why);
	if (n > 0 && (size_t)n < sizeof(msg))
		notify_send(msg, (size_t)n);
	notify_end(id, AGENT_STATUS_REJECTED);
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode n base64 characters (padding optional) into dst, which has room for
 * n / 4 * 3 + 2 bytes. Returns the byte count, or -1 on a bad character. */
static long b64_decode(const char *src, size_t n, char *dst)
{
	size_t pad = 0;
	while (n > 0 && src[n - 1] == '=') {
		n--;
		pad++;
	}
	if (pad > 2 || n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	long out = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)src[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[out++] = (char)((acc >> bits) & 0xff);
		}
	}
	return out;
}

static void pending_free(struct pending *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

static struct pending *pending_find(unsigned id)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pendings[i].used && pendings[i].id == id)
			return &pendings[i];
	return NULL;
}

/* A free slot, else the least recently fed request is given up for it. */
static struct pending *pending_new(unsigned id)
{
	struct pending *oldest = &pendings[0];
	for (int i = 0; i < MAX_PENDING; i++) {
		if (!pendings[i].used) {
			oldest = &pendings[i];
			break;
		}
		if (pendings[i].last_ms < oldest->last_ms)
			oldest = &pendings[i];
	}
	if (oldest->used) {
		request_reject(oldest->id, "request dropped: too many incomplete requests");
		pending_free(oldest);
	}
	oldest->used = 1;
	oldest->id = id;
	return oldest;
}

static void pending_expire(uint64_t now)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &pendings[i];
		if (p->used && now - p->last_ms > PENDING_TIMEOUT_MS) {
			request_reject(p->id, "request dropped: its remaining chunks never came");
			pending_free(p);
		}
	}
}

static int pending_count(void)
{
	int n = 0;
	for (int i = 0; i < MAX_PENDING; i++)
		n += pendings[i].used;
	return n;
}

/* Runs words[0] as the shell would find it on env's PATH; returns if it cannot. */
static void exec_path(char **words, char *const *env)
{
	if (strchr(words[0], '/') != NULL) {
		execve(words[0], words, env);
		return;
	}
	const char *path = "";
	for (char *const *e = env; *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	while (*path != '\0') {
		size_t len = strcspn(path, ":");
		char full[512];
		if (len > 0 && snprintf(full, sizeof(full), "%.*s/%s", (int)len, path, words[0]) <
		    (int)sizeof(full) && access(full, X_OK) == 0) {
			execve(full, words, env);
			return;
		}
		path += len + (path[len] == ':');
	}
}

/* The child side of child_start: never returns. */
static void child_exec(int out_fd, const char *cmd)
{
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	umask(022);
	if (chdir("/") < 0)
		_exit(126);
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	closefrom(3);
	/* Plain words: the program itself, found on child_env's PATH (a shell would cost a
	 * fork and an exec more); anything else, or a name not found, goes to the shell. */
	static char buf[AGENT_CMD_MAX + 1];
	char *words[256];
	if (strlen(cmd) < sizeof(buf) && cmd_words(cmd, buf, words, 256) > 0)
		exec_path(words, (char *const *)child_env);
	char *const argv[] = { "sh", "-c", (char *)cmd, NULL };
	execve("/bin/sh", argv, (char *const *)child_env);
	/* An image without /bin/sh still has umllab's busybox. */
	execve("/usr/lib/umllab/bin/sh", argv, (char *const *)child_env);
	dprintf(2, "umllab-agent: cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

/* Run cmd (NUL-terminated) for request id in the background. */
static void child_start(unsigned id, const char *cmd)
{
	struct child *c = NULL;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i].pid == 0) {
			c = &children[i];
			break;
		}
	}
	if (c == NULL) {
		request_reject(id, "too many commands running");
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		request_reject(id, "cannot create a pipe");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		request_reject(id, "cannot fork");
		return;
	}
	if (pid == 0)
		child_exec(fds[1], cmd);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	c->pid = pid;
	c->id = id;
	c->fd = fds[0];
	c->exited = 0;
	c->status = 0;
}

/* Forward what the command wrote: one read, one message. Returns 1 when more
 * may come, 0 on end of file or error (the pipe is then closed), -1 when
 * nothing is there now. */
static int child_read(struct child *c)
{
	char msg[AGENT_NOTIFY_MAX];
	int hlen = snprintf(msg, sizeof(msg), AGENT_OUT_TAG "%u\n", c->id);
	ssize_t n = read(c->fd, msg + hlen, sizeof(msg) - (size_t)hlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return 0;
	}
	notify_send(msg, (size_t)hlen + (size_t)n);
	return 1;
}

/* After the shell exits, send what is left in its pipe, then the end. Output a
 * background process writes later is not waited for. */
static void child_finish(struct child *c)
{
	for (int i = 0; c->fd >= 0 && i < DRAIN_READS_MAX; i++)
		if (child_read(c) < 0)
			break;
	if (c->fd >= 0)
		close(c->fd);
	/* What the command did to the network first: the host takes a startup command's
	 * end as the startup done, and `up` returns on it. */
	netwatch_flush(net_fd, now_ms(), notify_send);
	notify_end(c->id, c->status);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void children_reap(void)
{
	for (;;) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, WNOHANG);
		if (pid <= 0) {
			if (pid < 0 && errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < MAX_CHILDREN; i++) {
			struct child *c = &children[i];
			if (c->pid != pid)
				continue;
			c->exited = 1;
			if (WIFEXITED(wstatus))
				c->status = WEXITSTATUS(wstatus);
			else if (WIFSIGNALED(wstatus))
				c->status = 128 + WTERMSIG(wstatus);
			child_finish(c);
			break;
		}
	}
}

/* Parse a decimal number that fits in 32 bits at *p, advancing *p. */
static int parse_uint(const char **p, const char *end, unsigned *out)
{
	const char *s = *p;
	uint64_t v = 0;
	while (s < end && *s >= '0' && *s <= '9' && s - *p < 10) {
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (s == *p || v > UINT32_MAX || (s < end && *s >= '0' && *s <= '9'))
		return -1;
	*p = s;
	*out = (unsigned)v;
	return 0;
}

/* One request chunk: "ID SEQ FLAG B64" (the tag already stripped). */
static void request_chunk(const char *s, const char *end)
{
	unsigned id, seq;
	if (parse_uint(&s, end, &id) < 0 || s == end || *s++ != ' ')
		return;		/* not even an id: nobody to answer */
	if (parse_uint(&s, end, &seq) < 0 || end - s < 2 || s[0] != ' ' ||
	    (s[1] != 'm' && s[1] != 'e') || (end - s > 2 && s[2] != ' ')) {
		if (dead_find(id) < 0)
			request_reject(id, "malformed request chunk");
		return;
	}
	int last = s[1] == 'e';
	s += end - s > 2 ? 3 : 2;
	size_t b64_len = (size_t)(end - s);

	int dead = dead_find(id);
	if (dead >= 0) {
		if (seq != 0)
			return;		/* already answered */
		dead_ids[dead].used = 0;	/* the host tries again */
	}
	struct pending *p = pending_find(id);
	if (seq == 0) {
		if (p != NULL)
			pending_free(p);
		p = pending_new(id);
	} else if (p == NULL || p->next_seq != seq) {
		if (p != NULL)
			pending_free(p);
		request_reject(id, "request chunk out of order or missing");
		return;
	}
	/* Bound the allocation before decoding; the exact check follows it. */
	size_t room = b64_len / 4 * 3 + 2;
	if (room > AGENT_CMD_MAX + 2) {
		pending_free(p);
		request_reject(id, "command too long");
		return;
	}
	char *buf = realloc(p->buf, p->len + room + 1);
	if (buf == NULL) {
		pending_free(p);
		request_reject(id, "out of memory");
		return;
	}
	p->buf = buf;
	long n = b64_decode(s, b64_len, p->buf + p->len);
	if (n < 0 || p->len + (size_t)n > AGENT_CMD_MAX) {
		pending_free(p);
		request_reject(id, n < 0 ? "bad base64 in request" : "command too long");
		return;
	}
	p->len += (size_t)n;
	p->next_seq++;
	p->last_ms = now_ms();
	if (!last)
		return;
	p->buf[p->len] = '\0';
	if (p->len == 0 || memchr(p->buf, '\0', p->len) != NULL)
		request_reject(id, "empty command or NUL byte in command");
	else
		child_start(id, p->buf);
	pending_free(p);
}

/* The host no longer wants request id: kill its whole process group (each
 * command runs in a session of its own, so its pid is that group). */
static void child_kill(unsigned id)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].pid > 0 && children[i].id == id)
			kill(-children[i].pid, SIGKILL);
}

/* One /dev/kmsg record: "PRI,SEQ,TS,FLAGS;MESSAGE\n" then " KEY=VALUE\n" lines. */
static void kmsg_record(const char *rec, size_t len)
{
	const char *end = rec + len;
	const char *semi = memchr(rec, ';', len);
	if (semi == NULL)
		return;
	const char *p = rec;
	unsigned pri;
	if (parse_uint(&p, semi, &pri) < 0 || p == semi || *p != ',')
		return;
	/* Only the kernel's own records (facility 0) carry requests: mconsole
	 * `log` is printk, and user space cannot write facility 0 to /dev/kmsg. */
	if ((pri >> 3) != 0)
		return;
	const char *msg = semi + 1;
	const char *nl = memchr(msg, '\n', (size_t)(end - msg));
	const char *msg_end = nl != NULL ? nl : end;
	size_t kill_len = strlen(AGENT_KILL_TAG);
	if ((size_t)(msg_end - msg) > kill_len && memcmp(msg, AGENT_KILL_TAG, kill_len) == 0) {
		const char *q = msg + kill_len;
		unsigned id;
		if (parse_uint(&q, msg_end, &id) == 0)
			child_kill(id);
		return;
	}
	size_t link_len = strlen(AGENT_LINK_TAG);
	if ((size_t)(msg_end - msg) > link_len && memcmp(msg, AGENT_LINK_TAG, link_len) == 0) {
		/* "IFACE down|up": a cable pulled out or put back on the host. */
		char iface[32], state[8];
		int n = (int)(msg_end - msg - (long)link_len);
		char line[64];
		if (n <= 0 || n >= (int)sizeof(line))
			return;
		memcpy(line, msg + link_len, (size_t)n);
		line[n] = '\0';
		if (sscanf(line, "%31s %7s", iface, state) == 2 &&
		    (strcmp(state, "up") == 0 || strcmp(state, "down") == 0)) {
			int err = netwatch_set_link(iface, strcmp(state, "up") == 0);
			if (err != 0)
				agent_warn("cannot set the link of %s %s: %s", iface, state, strerror(err));
		}
		return;
	}
	size_t tag_len = strlen(AGENT_REQ_TAG);
	if ((size_t)(msg_end - msg) < tag_len || memcmp(msg, AGENT_REQ_TAG, tag_len) != 0)
		return;
	while (msg_end > msg && (msg_end[-1] == ' ' || msg_end[-1] == '\r'))
		msg_end--;
	request_chunk(msg + tag_len, msg_end);
}

static void kmsg_drain(int fd)
{
	static char rec[KMSG_RECORD_MAX + 1];
	for (;;) {
		ssize_t n = read(fd, rec, KMSG_RECORD_MAX);
		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue;	/* EPIPE: records were overwritten; go on */
			return;
		}
		if (n == 0)
			return;
		rec[n] = '\0';
		kmsg_record(rec, (size_t)n);
	}
}

/* Open path, retrying forever: init would respawn us at once if we exited. */
static int open_retry(const char *path, int flags)
{
	for (int warned = 0;; warned = 1) {
		int fd = open(path, flags | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (!warned)
			agent_warn("cannot open %s: %s; retrying", path, strerror(errno));
		sleep(5);
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--boot") == 0)
		return guest_boot();
	const char *self = strrchr(argv[0], '/');
	const char *name = self != NULL ? self + 1 : argv[0];
	if (strcmp(name, "kathara") == 0)
		return kathara_main(argc, argv);
	if (strcmp(name, "frr") == 0)	/* /etc/init.d/frr in images with FRR (image/layer.c) */
		return frr_main(argc, argv);
	/* fds 0-2 must be open, or a pipe could land on them. */
	int fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_CHILDREN; i++)
		children[i].fd = -1;

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old_mask);
	int sig_fd;
	while ((sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		agent_warn("signalfd: %s; retrying", strerror(errno));
		sleep(5);
	}

	mconsole_fd = open_retry("/proc/mconsole", O_WRONLY);
	int kmsg_fd = open_retry("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (lseek(kmsg_fd, 0, SEEK_END) < 0)
		agent_warn("cannot seek to the end of /dev/kmsg: %s", strerror(errno));

	/* The guest's addresses and routes, told now (before "ready": a lab with no startup
	 * commands is up on it) and at each change. */
	net_fd = netwatch_open();
	if (net_fd < 0)
		agent_warn("cannot watch the network's addresses: %s", strerror(errno));
	netwatch_want(now_ms());
	netwatch_flush(net_fd, now_ms(), notify_send);
	char ready[32];
	int n = snprintf(ready, sizeof(ready), AGENT_READY_TAG "%d", AGENT_PROTO_VERSION);
	notify_send(ready, (size_t)n);

	struct pollfd pfd[3 + MAX_CHILDREN];
	struct child *pchild[3 + MAX_CHILDREN];
	for (;;) {
		nfds_t nfd = 0;
		pfd[nfd++] = (struct pollfd){ .fd = kmsg_fd, .events = POLLIN };
		pfd[nfd++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		pfd[nfd++] = (struct pollfd){ .fd = net_fd, .events = POLLIN };
		for (int i = 0; i < MAX_CHILDREN; i++) {
			if (children[i].pid != 0 && children[i].fd >= 0) {
				pchild[nfd] = &children[i];
				pfd[nfd++] = (struct pollfd){ .fd = children[i].fd, .events = POLLIN };
			}
		}
		int timeout = pending_count() > 0 ? 1000 : -1;
		int net_wait = netwatch_timeout(now_ms());
		if (net_wait >= 0 && (timeout < 0 || net_wait < timeout))
			timeout = net_wait;
		if (poll(pfd, nfd, timeout) < 0) {
			if (errno != EINTR) {
				agent_warn("poll: %s", strerror(errno));
				sleep(1);
			}
			continue;
		}
		/* Output first, so a command's last bytes precede its end. */
		for (nfds_t i = 3; i < nfd; i++)
			if (pfd[i].revents != 0 && pchild[i]->fd >= 0)
				child_read(pchild[i]);
		if (pfd[1].revents != 0) {
			struct signalfd_siginfo si;
			while (read(sig_fd, &si, sizeof(si)) > 0)
				;
			children_reap();
		}
		/* The network's events before requests: a card `plug` added has its byte
		 * queue limit before the command that brings it up runs. */
		if (pfd[2].revents != 0)
			netwatch_event(net_fd, now_ms());
		if (pfd[0].revents != 0)
			kmsg_drain(kmsg_fd);
		netwatch_run(now_ms(), notify_send);
		pending_expire(now_ms());
	}
}
