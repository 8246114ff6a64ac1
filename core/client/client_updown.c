/* core/client/client_updown.c: a lab's supervisor started (`up`: the lab's lock, fork ->
 * setsid -> fork, its progress over a pipe; or in the foreground) and stopped (`down`, also
 * after it died: what it left is killed and removed). Requests: client.c. */
#include "core/client/client_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/base/proc.h"
#include "core/base/state.h"
#include "core/requests/request.h"
#include "core/supervisor/run.h"
#include "core/base/util.h"

/* ---- up ---- */

static void write_text_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)write_all(fd, text, strlen(text));
		close(fd);
	}
}

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

/* In the grandchild: become the supervisor. Never returns. */
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
		char st = client_process_state(pid);
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
	} else if (kind == 'W') {
		fprintf(stderr, "umllab: warning: %s\n", text);
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

/* `down` waits this long in all for the supervisor's answer, then takes over. */
#define DOWN_ANSWER_TIMEOUT_S 60

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
