/* core/client/client.c: finding labs, starting supervisors, relaying requests. */
#include "core/client/client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/control.h"
#include "core/base/log.h"
#include "core/base/proc.h"
#include "core/base/state.h"
#include "core/requests/request.h"
#include "core/supervisor/run.h"
#include "core/base/util.h"

bool client_looks_like_file(const char *arg)
{
	size_t n = strlen(arg);
	struct stat st;
	return strchr(arg, '/') != NULL || (n > 5 && strcmp(arg + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(arg + n - 4, ".yml") == 0) ||
	    (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

char *client_find_lab(const char *lab_arg, bool must_run, char **cause)
{
	char *root = state_root(cause);
	if (root == NULL)
		return NULL;
	char *name = NULL;
	if (lab_arg == NULL) {
		char **names;
		/* `down` also finds a lab whose supervisor died. */
		size_t n = state_labs(root, !must_run, &names);
		if (n == 0) {
			/* None runs; if one died or failed, name it rather than say "none". */
			char **dead;
			size_t n_dead = must_run ? state_labs(root, true, &dead) : 0;
			char *dead_dir = n_dead > 0 ? state_lab_dir(root, dead[0], false, NULL) : NULL;
			char *failure = dead_dir != NULL ? state_lab_failure(dead_dir) : NULL;
			if (failure != NULL)
				set_cause(cause, "no lab is running; lab %s failed to start: %s", dead[0],
				    failure);
			else if (n_dead > 0)
				set_cause(cause, "no lab is running, but the supervisor of lab %s is gone "
				    "(killed or crashed); its instances may still run: `umllab down %s` "
				    "stops them", dead[0], dead[0]);
			else
				set_cause(cause, "no lab is running; start one with `umllab up FILE`");
			if (must_run)
				state_names_free(dead, n_dead);
			free(dead_dir);
			free(failure);
		} else if (n > 1) {
			char *list = xstrdup("");
			for (size_t i = 0; i < n; i++) {
				char *next = xasprintf("%s%s%s", list, i ? ", " : "", names[i]);
				free(list);
				list = next;
			}
			set_cause(cause, "%zu labs are running (%s); name the one you mean: "
			    "`--lab %s` (or the lab as argument to status, down, capture, graph)", n,
			    list, names[0]);
			free(list);
		} else {
			name = xstrdup(names[0]);
		}
		state_names_free(names, n);
	} else if (client_looks_like_file(lab_arg)) {
		struct lab_diag diag = { 0 };
		struct lab *lab = lab_load(lab_arg, &diag);
		if (lab == NULL) {
			set_cause(cause, "%s", diag.n > 0 ? diag.msgs[0] : "cannot load topology");
		} else {
			name = xstrdup(lab->name);
			lab_free(lab);
		}
		lab_diag_free(&diag);
	} else if (!lab_name_valid(lab_arg)) {
		set_cause(cause, "%s is neither a lab name ([A-Za-z0-9_-], at most %d characters) "
		    "nor a topology file", lab_arg, LAB_NAME_MAX);
	} else {
		name = xstrdup(lab_arg);
		char *labfile = xasprintf("%s/%s/%s", root, name, STATE_LABFILE);
		bool known = access(labfile, F_OK) == 0;
		free(labfile);
		if (!known) {
			/* Never "was not running" for a lab that does not exist. */
			char *like = state_labs_like(root, name);
			if (like != NULL)
				set_cause(cause, "there is no lab %s; did you mean %s?", name, like);
			else
				set_cause(cause, "there is no lab %s (a lab is known once `umllab up FILE` "
				    "has started it; `umllab status` lists the running ones)", name);
			free(like);
			free(name);
			name = NULL;
		}
	}
	if (name == NULL) {
		free(root);
		return NULL;
	}
	char *dir = state_lab_dir(root, name, false, cause);
	if (dir != NULL && must_run && !state_lab_running(dir)) {
		char *failure = state_lab_failure(dir);
		if (failure != NULL)
			set_cause(cause, "lab %s failed to start: %s (see %s/%s)", name, failure, dir,
			    STATE_LOG);
		else if (state_lab_orphaned(dir))
			set_cause(cause, "the supervisor of lab %s is gone (killed or crashed); its "
			    "instances may still run: `umllab down %s` stops them", name, name);
		else
			set_cause(cause, "lab %s is not running (start it with `umllab up FILE`)", name);
		free(failure);
		free(dir);
		dir = NULL;
	}
	free(name);
	free(root);
	return dir;
}

/* ---- requests, each bounded in time ---- */

int client_timeout_s(void)
{
	const char *v = getenv("UMLLAB_TIMEOUT");
	if (v == NULL || v[0] == '\0')
		return CLIENT_TIMEOUT_S;
	char *end;
	long n = strtol(v, &end, 10);
	return *end == '\0' && n >= 0 && n <= 86400 ? (int)n : CLIENT_TIMEOUT_S;
}

/* A process's state letter from /proc (R, S, T stopped, Z ...), '?' if gone. */
static char process_state(pid_t pid)
{
	char path[64], line[512];
	char state = '?';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = pid > 0 ? fopen(path, "re") : NULL;
	if (f == NULL)
		return state;
	/* "PID (COMM) STATE ...": the state follows the last ')'. */
	if (fgets(line, sizeof(line), f) != NULL) {
		char *rp = strrchr(line, ')');
		if (rp != NULL && rp[1] == ' ')
			state = rp[2];
	}
	fclose(f);
	return state;
}

/* The supervisor said nothing for secs seconds: say what we know of it. */
static int client_silence(const char *lab_dir, int secs, bool taken, char **cause)
{
	const char *name = strrchr(lab_dir, '/');
	name = name != NULL ? name + 1 : lab_dir;
	pid_t pid = state_supervisor_pid(lab_dir);
	char *how;
	char state = process_state(pid);
	if (pid <= 0)
		how = xstrdup("its pid is unknown");
	else if (state == 'T' || state == 't')
		how = xasprintf("pid %d is stopped: was it sent SIGSTOP?", (int)pid);
	else if (state != '?' && state != 'Z' && state != 'X')
		how = xasprintf("pid %d is still running", (int)pid);
	else
		how = xasprintf("pid %d is gone", (int)pid);
	set_cause(cause, "the supervisor of lab %s %s within %d s (%s): it may be overloaded; "
	    "try again or see %s/%s", name, taken ? "took the request but stopped answering" :
	    "did not answer", secs, how, lab_dir, STATE_LOG);
	free(how);
	return -1;
}

static bool errno_is_timeout(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT ||
	    errno == EINPROGRESS;
}

int client_connect(const char *lab_dir, char **cause)
{
	char *path = state_path(lab_dir, STATE_CONTROL);
	struct sockaddr_un sun;
	int fd = -1;
	int timeout_s = client_timeout_s();
	if (unix_addr_set(&sun, path, cause) != 0)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && timeout_s > 0) {
		/* Bounds connect() (a full backlog: the supervisor does not accept)
		 * and the writes of the request. */
		struct timeval tv = { .tv_sec = timeout_s };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (fd >= 0 && errno_is_timeout())
			client_silence(lab_dir, timeout_s, false, cause);
		else
			set_cause(cause, "cannot reach the lab's supervisor at %s: %s", path,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

/* Send the request without SIGPIPE: a supervisor short of room may close
 * the connection first, and that must be an error message, not a signal. */
static int client_send_request(int fd, const char *payload, size_t len)
{
	if (len > CTL_PAYLOAD_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	struct ctl_hdr h = { .version = CTL_VERSION, .type = CTL_REQUEST, .len = (uint32_t)len };
	char *buf = xmalloc(sizeof(h) + len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	size_t done = 0;
	while (done < sizeof(h) + len) {
		ssize_t n = send(fd, buf + done, sizeof(h) + len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		done += (size_t)n;
	}
	free(buf);
	return 0;
}

/* `down` waits this long in all for the supervisor's answer, then takes over. */
#define DOWN_ANSWER_TIMEOUT_S 60

/* One message of the answer: 1 at its end (CTL_EXIT, *code set), else 0. */
static int client_take(const struct ctl_msg *msg, struct client_capture *capture, bool *too_long,
    int *code, struct client_stream *stream, bool *want_stop)
{
	if (stream != NULL && msg->type == CTL_STDOUT) {
		if (!*want_stop && stream->on_stdout(stream->arg, msg->payload, msg->len) != 0)
			*want_stop = true;
	} else if (msg->type == CTL_STDOUT || msg->type == CTL_STDERR) {
		if (capture == NULL) {
			(void)write_all(msg->type == CTL_STDOUT ? 1 : 2, msg->payload, msg->len);
		} else {
			struct strbuf *b = msg->type == CTL_STDOUT ? &capture->out : &capture->err;
			if (b->len + msg->len > capture->max)
				*too_long = true;
			else
				strbuf_append(b, msg->payload, msg->len);
		}
	} else if (msg->type == CTL_EXIT) {
		if (msg->len == sizeof(uint32_t)) {
			uint32_t v;
			memcpy(&v, msg->payload, sizeof(v));
			*code = (int)v;
		}
		return 1;
	}
	return 0;	/* CTL_ACK: the supervisor is working on it */
}

/* The request loop of every client: answers go to fds 1 and 2, or, with
 * capture set, into its buffers (up to capture->max bytes each). It fails
 * when the supervisor says nothing for client_timeout_s() seconds (it
 * sends CTL_ACK every second while it works), or after total_s seconds in
 * all when total_s is set. */
static int client_request_loop(const char *lab_dir, int argc, char *const argv[],
    int total_s, struct client_capture *capture, struct client_stream *stream, char **cause)
{
	int timeout_s = client_timeout_s();
	size_t len;
	char *payload = ctl_argv_pack(argc, argv, &len);
	int fd = -1;
	/* A supervisor short of room may close a connection before it has read
	 * the request (it then never ran): try again a few times. */
	for (int attempt = 0; fd < 0 && attempt < 3; attempt++) {
		if (attempt > 0)
			sleep_ms(200);
		fd = client_connect(lab_dir, cause);
		if (fd < 0)
			break;
		if (client_send_request(fd, payload, len) == 0)
			break;
		bool again = errno == EPIPE || errno == ECONNRESET;
		if (errno_is_timeout())
			client_silence(lab_dir, timeout_s, false, cause);
		else
			set_cause(cause, "cannot send a request to the supervisor: %s", strerror(errno));
		close(fd);
		fd = -1;
		if (!again)
			break;
	}
	free(payload);
	if (fd < 0)
		return -1;
	uint64_t deadline = total_s > 0 ? clock_ms() + (uint64_t)total_s * 1000 : 0;
	struct ctl_reader reader = { 0 };
	int code = -1;
	bool too_long = false, taken = false, done = false, want_stop = false, stop_sent = false;
	while (!done) {
		struct ctl_msg msg;
		int r = ctl_reader_next(&reader, &msg, cause);
		if (r < 0)
			break;
		if (r > 0) {
			taken = true;
			done = client_take(&msg, capture, &too_long, &code, stream, &want_stop) == 1;
			ctl_msg_free(&msg);
			continue;
		}
		if (stream != NULL && !stop_sent && (want_stop || (stream->stop && *stream->stop))) {
			/* Ask for the end; the answer (and its counts) still comes. */
			stop_sent = true;
			if (ctl_send(fd, CTL_STDIN, "stop", 4) != 0) {
				set_cause(cause, "cannot ask the supervisor to stop: %s", strerror(errno));
				break;
			}
		}
		int wait_ms = timeout_s > 0 ? timeout_s * 1000 : -1;
		if (deadline != 0) {
			uint64_t now = clock_ms();
			if (now >= deadline) {
				set_cause(cause, "the supervisor did not finish within %d s (see %s/%s)",
				    total_s, lab_dir, STATE_LOG);
				break;
			}
			if (wait_ms < 0 || deadline - now < (uint64_t)wait_ms)
				wait_ms = (int)(deadline - now);
		}
		/* A stream waits for its data as long as it takes (the heartbeats
		 * still prove the supervisor alive). */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 && (deadline == 0 || clock_ms() < deadline)) {
			client_silence(lab_dir, timeout_s, taken, cause);
			break;
		}
		if (pr <= 0)
			continue;	/* the overall deadline, reported above */
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				set_cause(cause, "the supervisor closed the connection without an answer "
				    "(see %s/%s)", lab_dir, STATE_LOG);
			else
				set_cause(cause, "control connection broken: %s", strerror(errno));
			break;
		}
		ctl_reader_append(&reader, buf, (size_t)n);
	}
	ctl_reader_free(&reader);
	close(fd);
	if (!done)
		code = -1;
	if (too_long && code >= 0) {
		set_cause(cause, "the supervisor's answer is longer than %zu bytes", capture->max);
		code = -1;
	}
	return code;
}

int client_request(const char *lab_dir, int argc, char *const argv[], char **cause)
{
	return client_request_loop(lab_dir, argc, argv, 0, NULL, NULL, cause);
}

int client_request_capture(const char *lab_dir, int argc, char *const argv[],
    struct client_capture *capture, char **cause)
{
	return client_request_loop(lab_dir, argc, argv, 0, capture, NULL, cause);
}

int client_request_stream(const char *lab_dir, int argc, char *const argv[],
    struct client_stream *stream, char **cause)
{
	return client_request_loop(lab_dir, argc, argv, 0, NULL, stream, cause);
}

/* ---- up ---- */

static void write_text_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)write_all(fd, text, strlen(text));
		close(fd);
	}
}

/* In the grandchild: become the supervisor. Never returns. */
/* Close every descriptor above 2 except keep_a and keep_b: whatever the
 * caller's shell left open must not stay open in the supervisor and in every
 * UML kernel for the life of the lab. */
static void close_fds_except(int keep_a, int keep_b)
{
	unsigned lo = (unsigned)(keep_a < keep_b ? keep_a : keep_b);
	unsigned hi = (unsigned)(keep_a < keep_b ? keep_b : keep_a);
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

/* Stdout and stderr stay as they are (the terminal, or a batch job's
 * output) in the foreground; the log is the file all the same. */
static void supervisor_log_open(const char *lab_dir)
{
	char *log_path = state_path(lab_dir, STATE_LOG);
	log_open(log_path, getenv("UMLLAB_DEBUG") != NULL);
	free(log_path);
	if (chdir("/") != 0)	/* kernels started from an unreadable directory fail */
		log_warn("chdir /");
	char *pid_path = state_path(lab_dir, STATE_PIDFILE);
	char *pid_text = xasprintf("%d\n", (int)getpid());
	write_text_file(pid_path, pid_text);
	free(pid_text);
	free(pid_path);
}

static void supervisor_daemon(struct lab *lab, const char *lab_dir, int progress_fd,
    int lock_fd)
{
	close_fds_except(progress_fd, lock_fd);
	char *log_path = state_path(lab_dir, STATE_LOG);
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(log_path);
	if (null_fd >= 0)
		dup2(null_fd, 0);
	if (log_fd >= 0) {
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		close(log_fd);
	}
	if (null_fd >= 0)
		close(null_fd);
	supervisor_log_open(lab_dir);
	log_info("supervisor of lab %s (%s) starting, pid %d", lab->name, lab->path, (int)getpid());

	struct supervisor_progress report = { .fd = progress_fd };
	int code = supervisor_main(lab, lab_dir, &request_hooks, &report);
	log_info("supervisor exits with code %d", code);
	log_close();
	lab_free(lab);
	/* exit(), not _exit(): the sanitizers' leak check runs at exit. stdio
	 * was flushed before the fork, so nothing is written twice. */
	exit(code);
}

static int lock_lab(const char *lab_dir, char **cause)
{
	char *path = state_path(lab_dir, STATE_LOCK);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_cause(cause, "cannot open lock file %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -2;
	}
	return fd;
}

static int down_orphans(const char *lab_dir);

/* After a failed bring-up: wait until the supervisor has exited (its lock
 * is free), so that a new `up` right away does not find it still there. */
static bool wait_unlocked(const char *lab_dir, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		int fd = lock_lab(lab_dir, NULL);
		if (fd >= 0) {
			close(fd);
			return true;
		}
		sleep_ms(20);
	}
	return false;
}

/* Wait for the next progress line of `up`. Bring-up is bounded by the
 * supervisor's own boot time limit, so a silent supervisor is waited for as
 * long as it runs; one that is stopped (SIGSTOP) for client_timeout_s() is
 * given up on: false with *cause. */
static bool up_wait_progress(int fd, const struct lab *lab, const char *lab_dir, char **cause)
{
	int timeout_s = client_timeout_s();
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_s > 0 ? timeout_s * 1000 : -1);
		if (r != 0)
			return true;	/* a line, the end, or an error for fgets to see */
		pid_t pid = state_supervisor_pid(lab_dir);
		char st = process_state(pid);
		if (st == 'T' || st == 't') {
			set_cause(cause, "the supervisor of lab %s (pid %d) has been stopped for %d s "
			    "while bringing the lab up, so `up` stops waiting: `kill -CONT %d` lets it "
			    "go on (see `umllab status %s`), `umllab down %s` stops the lab",
			    lab->name, (int)pid, timeout_s, (int)pid, lab->name, lab->name);
			return false;
		}
	}
}

/* What `up` shows of the bring-up, and what it learns: the same for a
 * supervisor in the background (lines from the pipe) and in the foreground. */
struct up_view {
	const struct lab *lab;
	int result;		/* -1 no end yet, 0 up, 1 failed */
	char *first_error;	/* kept in the lab's directory if `up` fails */
	bool foreground;
};

static void up_view_line(void *arg, char kind, const char *text)
{
	struct up_view *v = arg;
	if (kind == 'O') {
		v->result = 0;
		if (v->foreground) {
			printf("umllab: lab %s is up and runs in the foreground (pid %d): `umllab down "
			    "%s`, SIGTERM or Ctrl-C takes it down\n", v->lab->name, (int)getpid(),
			    v->lab->name);
			fflush(stdout);
		}
	} else if (kind == 'F') {
		v->result = 1;
	} else if (kind == 'P') {
		printf("  %s\n", text);
		fflush(stdout);
	} else if (kind == 'E') {
		fprintf(stderr, "umllab: %s\n", text);
		if (v->first_error == NULL)
			v->first_error = xstrdup(text);
	} else if (kind == 'D') {
		fprintf(stderr, "    | %s\n", text);
	}
}

/* Take the lab's lock and clear what a dead supervisor left: the lock's fd
 * (held by the supervisor for its life), or -1 with *cause. */
static int up_begin(struct lab *lab, const char *lab_dir, char **cause)
{
	int lock_fd = lock_lab(lab_dir, cause);
	if (lock_fd == -2) {
		pid_t pid = state_supervisor_pid(lab_dir);
		char *who = pid > 0 ? xasprintf("supervisor pid %d", (int)pid) :
		    xstrdup("its supervisor is starting");
		set_cause(cause, "lab %s is already up (%s); see `umllab status %s`, "
		    "or stop it with `umllab down %s`", lab->name, who, lab->name, lab->name);
		free(who);
		return -1;
	}
	if (lock_fd < 0)
		return -1;

	/* Leftovers of a supervisor that died: clear them before starting anew. */
	if (down_orphans(lab_dir) > 0)
		printf("umllab: cleaned up what a previous supervisor of %s left running\n",
		    lab->name);

	char *failed_path = state_path(lab_dir, STATE_FAILED);
	unlink(failed_path);	/* a new try; a failure is recorded again after */
	free(failed_path);
	char *labfile = state_path(lab_dir, STATE_LABFILE);
	char *text = xasprintf("%s\n", lab->path);
	write_text_file(labfile, text);
	free(text);
	free(labfile);
	return lock_fd;
}

/* `status` and the other commands say why a bring-up failed, rather than
 * call the supervisor that gave up "killed or crashed". */
static void up_record_failure(const char *lab_dir, const struct up_view *v)
{
	char *failed_path = state_path(lab_dir, STATE_FAILED);
	char *why = xasprintf("%s\n", v->first_error != NULL ? v->first_error :
	    v->result < 0 ? "its supervisor stopped during bring-up" : "see its supervisor.log");
	write_text_file(failed_path, why);
	free(why);
	free(failed_path);
}

static char *up_lab_dir(const struct lab *lab, char **cause)
{
	char *root = state_root(cause);
	if (root == NULL)
		return NULL;
	char *lab_dir = state_lab_dir(root, lab->name, true, cause);
	free(root);
	return lab_dir;
}

int client_up(struct lab *lab, char **cause)
{
	char *lab_dir = up_lab_dir(lab, cause);
	if (lab_dir == NULL)
		return -1;
	int rc = -1;
	int lock_fd = up_begin(lab, lab_dir, cause);
	if (lock_fd < 0)
		goto out;

	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
		set_cause(cause, "cannot create a pipe: %s", strerror(errno));
		close(lock_fd);
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t child = fork();
	if (child < 0) {
		set_cause(cause, "cannot fork the supervisor: %s", strerror(errno));
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		close(lock_fd);
		goto out;
	}
	if (child == 0) {
		close(pipe_fds[0]);
		setsid();
		pid_t grandchild = fork();
		if (grandchild != 0)
			_exit(grandchild < 0 ? 1 : 0);
		/* The lock travels with this process: held as long as it lives. */
		supervisor_daemon(lab, lab_dir, pipe_fds[1], lock_fd);
	}
	close(pipe_fds[1]);
	close(lock_fd);
	(void)waitpid(child, NULL, 0);

	printf("umllab: starting lab %s from %s\n", lab->name, lab->path);
	fflush(stdout);
	FILE *in = fdopen(pipe_fds[0], "r");
	char line[PROGRESS_LINE_MAX];
	struct up_view view = { .lab = lab, .result = -1 };
	/* Unbuffered, so that poll() on the pipe sees every line not yet read. */
	if (in != NULL)
		setvbuf(in, NULL, _IONBF, 0);
	bool frozen = false;
	while (in != NULL) {
		if (!up_wait_progress(pipe_fds[0], lab, lab_dir, cause)) {
			frozen = true;
			break;
		}
		if (fgets(line, sizeof(line), in) == NULL)
			break;
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "OK") == 0)
			up_view_line(&view, 'O', "");
		else if (strcmp(line, "FAIL") == 0)
			up_view_line(&view, 'F', "");
		else if (line[0] != '\0' && line[1] == ' ')
			up_view_line(&view, line[0], line + 2);
	}
	if (in != NULL)
		fclose(in);
	else
		close(pipe_fds[0]);
	if (frozen) {
		free(view.first_error);
		goto out;
	}
	if (view.result < 0)
		set_cause(cause, "the supervisor of lab %s stopped during bring-up; see %s/%s",
		    lab->name, lab_dir, STATE_LOG);
	if (view.result != 0)
		up_record_failure(lab_dir, &view);
	free(view.first_error);
	if (view.result < 0)
		goto out;
	if (view.result != 0 && wait_unlocked(lab_dir, 10000)) {
		/* It stopped what it started: nothing of it is left to stop. */
		int lock = lock_lab(lab_dir, NULL);
		if (lock >= 0) {
			(void)down_orphans(lab_dir);
			char *pid_path = state_path(lab_dir, STATE_PIDFILE);
			unlink(pid_path);
			free(pid_path);
			close(lock);
		}
	}
	if (view.result == 0)
		printf("umllab: lab %s is up; try `umllab status`, `umllab ping`, `umllab down`\n",
		    lab->name);
	rc = view.result;
out:
	free(lab_dir);
	return rc;
}

int client_up_foreground(struct lab *lab, char **cause)
{
	char *lab_dir = up_lab_dir(lab, cause);
	if (lab_dir == NULL)
		return -1;
	int lock_fd = up_begin(lab, lab_dir, cause);
	if (lock_fd < 0) {
		free(lab_dir);
		return -1;
	}
	/* What the caller's shell (or a batch system) left open must not stay
	 * open in every UML kernel for the life of the lab. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	printf("umllab: starting lab %s from %s in the foreground (pid %d)\n", lab->name, lab->path,
	    (int)getpid());
	fflush(stdout);
	supervisor_log_open(lab_dir);
	log_info("supervisor of lab %s (%s) starting in the foreground, pid %d", lab->name, lab->path,
	    (int)getpid());
	struct up_view view = { .lab = lab, .result = -1, .foreground = true };
	struct supervisor_progress report = { .fd = -1, .line = up_view_line, .arg = &view };
	int code = supervisor_main(lab, lab_dir, &request_hooks, &report);
	log_info("supervisor exits with code %d", code);
	log_close();
	if (view.result != 0) {
		up_record_failure(lab_dir, &view);
		/* Whatever a failed bring-up left, while the lock is still ours. */
		(void)down_orphans(lab_dir);
	}
	close(lock_fd);
	if (code == SUPERVISOR_EXIT_DOWN)
		printf("umllab: lab %s is down\n", lab->name);
	else if (code == SUPERVISOR_EXIT_STOPPED)
		fprintf(stderr, "umllab: lab %s was taken down before it was up\n", lab->name);
	else
		fprintf(stderr, "umllab: lab %s failed to come up (see %s/%s)\n", lab->name, lab_dir,
		    STATE_LOG);
	fflush(stdout);
	free(view.first_error);
	free(lab_dir);
	return code;
}

/* ---- down ---- */

/* A pid file may outlive its process and its pid be reused: only a process
 * running this same program counts as the lab's supervisor. */
static bool pid_is_supervisor(pid_t pid)
{
	char path[64], exe[4096], self[4096];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t a = readlink(path, exe, sizeof(exe) - 1);
	ssize_t b = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (a <= 0 || b <= 0)
		return false;
	exe[a] = self[b] = '\0';
	return strcmp(exe, self) == 0;
}

static void remove_matching(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	size_t sl = strlen(suffix);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n > sl && strcmp(de->d_name + n - sl, suffix) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Kill the instances a dead supervisor left and remove its sockets.
 * Returns how many processes it stopped. */
static int down_orphans(const char *lab_dir)
{
	/* Every process of the lab's kernels, found by their command line (a pid
	 * file could name a reused pid): main processes, and their userspace
	 * processes, which run in sessions of their own. */
	char *uml_dir = state_path(lab_dir, STATE_UML_DIR);
	int killed = proc_signal_uml(uml_dir, NULL, SIGKILL);
	for (int i = 0; i < 250 && proc_count_uml(uml_dir, NULL) > 0; i++)
		sleep_ms(20);
	DIR *d = opendir(uml_dir);
	if (d != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			const char *files[] = { "pid", "mconsole" };
			for (size_t i = 0; i < 2; i++) {
				char *f = xasprintf("%s/%s/%s", uml_dir, de->d_name, files[i]);
				unlink(f);
				free(f);
			}
			char *sub = xasprintf("%s/%s", uml_dir, de->d_name);
			rmdir(sub);
			free(sub);
		}
		closedir(d);
		rmdir(uml_dir);
	}
	free(uml_dir);
	/* The sockets the dead supervisor and its switches left. */
	remove_matching(lab_dir, ".notify");
	remove_matching(lab_dir, ".ctl");
	remove_matching(lab_dir, ".mc");
	remove_matching(lab_dir, ".probe");
	char *cables = state_path(lab_dir, STATE_CABLES);
	remove_matching(cables, "");
	rmdir(cables);
	free(cables);
	/* The disks (NAME.cow) stay for the next `up`; `down --wipe` removes them. */
	char *p = state_path(lab_dir, STATE_CONTROL);
	unlink(p);
	free(p);
	p = state_path(lab_dir, STATE_HOSTFS);
	rmdir(p);
	free(p);
	return killed;
}

int client_down(const char *lab_dir, char **cause)
{
	int stopped = 0;
	int lock_fd = lock_lab(lab_dir, NULL);
	if (lock_fd == -2) {
		/* A supervisor holds the lab (running, or still starting): ask it to
		 * stop, then wait until it has exited and let go of the lock. */
		if (state_lab_running(lab_dir)) {
			char *argv[] = { "down" };
			(void)client_request_loop(lab_dir, 1, argv, DOWN_ANSWER_TIMEOUT_S, NULL, NULL, cause);
			stopped = 1;
		}
		if (!wait_unlocked(lab_dir, 15000)) {
			pid_t pid = state_supervisor_pid(lab_dir);
			if (pid > 0 && pid_is_supervisor(pid)) {
				kill(pid, SIGKILL);
				stopped = 1;
			}
			wait_unlocked(lab_dir, 2000);
		}
		lock_fd = lock_lab(lab_dir, NULL);
	}
	/* With the lock held nothing else can start this lab while its
	 * leftovers are cleaned away. */
	stopped += down_orphans(lab_dir);
	char *p = state_path(lab_dir, STATE_PIDFILE);
	unlink(p);
	free(p);
	p = state_path(lab_dir, STATE_FAILED);
	unlink(p);
	free(p);
	if (lock_fd >= 0)
		close(lock_fd);
	return stopped;
}
