/* core/client/client.c: finding a lab's state directory, and requests to its supervisor over
 * the control socket, each bounded in time. Starting and stopping a supervisor: client_updown.c. */
#include "core/client/client_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/control.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "core/lab/labdir.h"

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
	} else if (labdir_is(lab_arg)) {
		/* A lab directory's name is its own: no need to read it (or its images). */
		name = labdir_name(lab_arg);
		if (name == NULL)
			set_cause(cause, "%s: %s", lab_arg, strerror(errno));
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
	} else if (!lab_name_valid(lab_arg) && strlen(lab_arg) > LAB_NAME_MAX &&
	    strchr(lab_arg, '/') == NULL) {
		/* A lab directory's long name, as the user knows it: the lab's shortened one. */
		char shortened[LAB_NAME_MAX + 1];
		labdir_short_name(lab_arg, shortened);
		name = lab_name_valid(shortened) ? xstrdup(shortened) : NULL;
		if (name == NULL)
			set_cause(cause, "%s is neither a lab name ([A-Za-z0-9_-], at most %d characters) "
			    "nor a topology file", lab_arg, LAB_NAME_MAX);
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
char client_process_state(pid_t pid)
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
	char state = client_process_state(pid);
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

/* The request loop of every client (client_int.h). */
int client_request_loop(const char *lab_dir, int argc, char *const argv[],
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
