/* core/grade/grade_step.c: one step of grading a submission (vet, validate,
 * up, check, down): its child started (as the labs' user when grade runs as
 * root), its output read back and logged for the report, and what a lab left
 * running found and reaped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/grade/grade_int.h"
#include "core/base/proc.h"
#include "core/base/state.h"
#include "core/base/util.h"

/* Time limits: up may wait for another umllab building the shared image.
 * The submission's own limit (grade_limits.time) cuts them shorter. */
const struct grade_step_info grade_steps[] = {
	[STEP_VET] = { "vet", 60 },
	[STEP_VALIDATE] = { "validate", 60 },
	[STEP_UP] = { "up", 600 },
	[STEP_CHECK] = { "check", 300 },
	[STEP_DOWN] = { "down", 120 },
};

/* At most GRADE_OUT_MAX bytes of a file, or "" (never NULL). Never a link,
 * never a fifo. */
char *grade_file_read(const char *path, size_t *len)
{
	struct strbuf b = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		char buf[8192];
		ssize_t r;
		while (b.len < GRADE_OUT_MAX && (r = read(fd, buf, sizeof(buf))) > 0)
			strbuf_append(&b, buf, (size_t)r);
	}
	if (fd >= 0)
		close(fd);
	if (len != NULL)
		*len = b.len;
	return b.s != NULL ? strbuf_take(&b) : xstrdup("");
}

/* Write a report into the output directory, atomically (tmp + rename). */
int grade_out_write(struct runner *r, const char *name, const char *text, size_t len)
{
	char *tmp = xasprintf("%s/.%s.tmp", r->o->out_dir, name);
	char *path = xasprintf("%s/%s", r->o->out_dir, name);
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, len) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		if (r->cause == NULL)
			set_cause(&r->cause, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return rc;
}

char *grade_step_file(const struct job *j, enum step s, const char *ext)
{
	return xasprintf("%s/%s.%s", j->dir, grade_steps[s].name, ext);
}

/* In a child: become the labs' user for good (groups, gid, uid), with an
 * environment that points at its own directories. -1 when that fails. */
int grade_child_drop(const struct runner *r, const struct job *j)
{
	setenv("HOME", j != NULL ? j->state : r->tmp, 1);
	setenv("XDG_CACHE_HOME", r->cache, 1);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	if (setgroups(0, NULL) < 0 || setresgid(r->o->run_gid, r->o->run_gid, r->o->run_gid) < 0 ||
	    setresuid(r->o->run_uid, r->o->run_uid, r->o->run_uid) < 0 || getuid() != r->o->run_uid ||
	    geteuid() != r->o->run_uid) {
		dprintf(2, "umllab grade: cannot run as %s: %s\n", r->o->run_user, strerror(errno));
		return -1;
	}
	return 0;
}

void grade_step_start(struct runner *r, struct job *j, enum step s)
{
	const char *self = r->o->self;
	char *argv[8] = { (char *)self, (char *)grade_steps[s].name, NULL };
	switch (s) {
	case STEP_VALIDATE:
	case STEP_UP:
		argv[2] = j->lab;
		break;
	case STEP_CHECK:
		argv[2] = "--spec";
		argv[3] = r->spec_run;
		argv[4] = "--json";
		break;
	case STEP_DOWN:
		argv[2] = "--wipe";
		break;
	case STEP_VET:
		break;
	case STEP_DONE:
		return;
	}
	char *out = grade_step_file(j, s, "out"), *err = grade_step_file(j, s, "err");
	j->step = s;
	j->sub->running = grade_steps[s].name;
	j->killed = NULL;
	uint64_t now = clock_ms();
	j->deadline = now + grade_steps[s].limit_s * 1000ULL;
	j->budget = false;
	if (s != STEP_DOWN && r->o->policy != NULL) {
		uint64_t budget = j->t0 + r->o->policy->lim.time * 1000ULL;
		if (budget < j->deadline) {
			j->deadline = budget;
			j->budget = true;
		}
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);	/* grade ignores it; the steps get the usual */
		sigprocmask(SIG_SETMASK, &r->orig_mask, NULL);
		/* Opened by grade's own user, in grade's directory: a lab cannot
		 * write check's verdict for it. */
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
		if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		setenv("UMLLAB_STATE_DIR", j->state, 1);
		if (r->o->policy != NULL) {
			/* A download is written on the host too: no bigger than that. */
			char max[32];
			snprintf(max, sizeof(max), "%llu", (unsigned long long)r->o->policy->lim.written);
			setenv("UMLLAB_DOWNLOAD_MAX", max, 1);
		}
		if (r->o->drop && grade_child_drop(r, j) < 0)
			_exit(127);
		if (s == STEP_VET) {
			char *why = NULL;
			int rc = r->o->vet(j->lab, r->o->policy, &why);
			if (rc < 0)
				dprintf(2, "%s\n", why);
			_exit(rc < 0 ? 1 : 0);
		}
		execv(self, argv);
		dprintf(2, "umllab grade: cannot run %s%s%s: %s\n", self, r->o->drop ? " as " : "",
		    r->o->drop ? r->o->run_user : "", strerror(errno));
		_exit(127);
	}
	free(out);
	free(err);
	if (pid < 0) {
		/* Treated as a step that failed at once. */
		j->pid = -1;
		return;
	}
	setpgid(pid, pid);	/* also here: no race with a kill before the child's own */
	j->pid = pid;
}

/* text (taken) with the copy's path replaced by the submission's own: what
 * the steps say names the files the student knows. */
char *grade_shown_text(const struct job *j, char *text)
{
	size_t n = strlen(j->copy);
	if (strstr(text, j->copy) == NULL)
		return text;
	struct strbuf b = { 0 };
	const char *p = text, *hit;
	while ((hit = strstr(p, j->copy)) != NULL) {
		strbuf_append(&b, p, (size_t)(hit - p));
		strbuf_printf(&b, "%s", j->shown);
		p = hit + n;
	}
	strbuf_printf(&b, "%s", p);
	free(text);
	return strbuf_take(&b);
}

/* Append what a step printed to the submission's log (bounded). */
void grade_log_step(struct runner *r, struct job *j, enum step s, const char *out, const char *err,
    const char *status)
{
	struct strbuf b = { 0 };
	if (j->sub->log != NULL)
		strbuf_printf(&b, "%s", j->sub->log);
	strbuf_printf(&b, "$ umllab %s", grade_steps[s].name);
	if (s == STEP_UP || s == STEP_VALIDATE)
		strbuf_printf(&b, " %s", j->sub->labfile);
	else if (s == STEP_CHECK)
		strbuf_printf(&b, " --spec %s --json", r->o->spec);
	else if (s == STEP_DOWN)
		strbuf_printf(&b, " --wipe");
	strbuf_printf(&b, "  (%s)\n", status);
	if (s != STEP_CHECK)	/* check's JSON is a file of its own */
		strbuf_printf(&b, "%s", out);
	strbuf_printf(&b, "%s", err);
	if (b.len > 0 && b.s[b.len - 1] != '\n')
		strbuf_printf(&b, "\n");
	free(j->sub->log);
	j->sub->log = strbuf_take(&b);
	size_t len = strlen(j->sub->log);
	if (len > GRADE_LOG_MAX) {
		char *cut = xasprintf("...\n%s", j->sub->log + len - GRADE_LOG_MAX);
		free(j->sub->log);
		j->sub->log = cut;
	}
}

/* The last few lines of what a failed step said: its reason. */
char *grade_tail_lines(const char *text, int lines)
{
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	size_t start = len;
	for (int seen = 0; start > 0; start--) {
		if (text[start - 1] == '\n' && ++seen == lines)
			break;
	}
	return xstrndup(text + start, len - start);
}

/* The pid in a lab's pid file, read as data: never through a link at its
 * end, never a fifo (the lab's user could have put either there). */
static pid_t pid_file_read(const char *lab_dir)
{
	char *path = state_path(lab_dir, STATE_PIDFILE);
	char *text = grade_file_read(path, NULL);
	free(path);
	char *end;
	long pid = strtol(text, &end, 10);
	bool ok = end != text && pid > 1 && pid <= INT_MAX;
	free(text);
	return ok ? (pid_t)pid : -1;
}

/* Is pid a process of uid (not grade itself)? */
static bool pid_owned_by(pid_t pid, uid_t uid)
{
	char p[32];
	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	struct stat st;
	return pid != getpid() && stat(p, &st) == 0 && st.st_uid == uid;
}

/* Stop by pid whatever a submission left running (after `down`): its
 * supervisors and every process of its kernels. Returns how many. */
int grade_reap_state(const struct runner *r, const char *state)
{
	int killed = 0;
	DIR *d = opendir(state);
	if (d == NULL)
		return 0;
	uid_t uid = r->o->drop ? r->o->run_uid : getuid();
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *lab_dir = xasprintf("%s/%s", state, e->d_name);
		pid_t sup = pid_file_read(lab_dir);
		/* The pid file is the lab's to write: only its own user's processes. */
		if (sup > 0 && proc_alive(sup) && pid_owned_by(sup, uid)) {
			char *cmdline_path = xasprintf("/proc/%d/cmdline", (int)sup);
			char *cmd = grade_file_read(cmdline_path, NULL);
			if (strstr(cmd, "umllab") != NULL) {	/* not a reused pid */
				kill(sup, SIGKILL);
				killed++;
			}
			free(cmd);
			free(cmdline_path);
		}
		char *uml_dir = state_path(lab_dir, STATE_UML_DIR);
		uint64_t until = clock_ms() + 5000;
		int n;
		while ((n = proc_signal_uml(uml_dir, NULL, SIGKILL)) > 0 && clock_ms() < until) {
			killed += n;
			sleep_ms(50);
		}
		free(uml_dir);
		free(lab_dir);
	}
	closedir(d);
	return killed;
}
