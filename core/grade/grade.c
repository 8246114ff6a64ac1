/* core/grade/grade.c: the grading runner: each submission is copied, then
 * validate, vet, up, check, down, run as subprocesses of this program, several
 * submissions at once.
 *
 * One process, no threads: every step is a child in a process group of its
 * own (Ctrl-C reaches grade only, which then stops the steps and takes every
 * lab down itself). Signals are blocked and taken with sigtimedwait(), which
 * also gives the steps' time limits and, once a second, the check of what
 * each lab has written. A submission is data: what runs is grade's copy of
 * it (grade_fs.c), and when grade runs as root every step runs as an
 * unprivileged user (grade_options.drop). */
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

/* j->killed when the step was stopped because grading was interrupted. */
static const char stopped_by_interrupt[] = "stopped: grading was interrupted";

char *grade_find_labfile(const char *path, char **cause)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		return xstrdup(path);
	if (!S_ISDIR(st.st_mode)) {
		set_cause(cause, "%s: neither a lab file nor a directory", path);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/lab.%s", path, i == 0 ? "yaml" : "yml");
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return p;
		free(p);
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char **found = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || !((len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) ||
		    (len > 4 && strcmp(e->d_name + len - 4, ".yml") == 0)))
			continue;
		char *p = xasprintf("%s/%s", path, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			found = xreallocarray(found, n + 1, sizeof(*found));
			found[n++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	char *lab = NULL;
	if (n == 1) {
		lab = found[0];
	} else if (n == 0) {
		set_cause(cause, "%s: no lab file in this directory (expected lab.yaml, or one *.yaml "
		    "or *.yml file)", path);
	} else {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < n; i++)
			strbuf_printf(&b, "%s%s", i > 0 ? ", " : "", strrchr(found[i], '/') + 1);
		set_cause(cause, "%s: %zu YAML files and no lab.yaml (%s); expected one lab file", path,
		    n, b.s);
		free(strbuf_take(&b));
	}
	for (size_t i = 0; i < n; i++)
		if (found[i] != lab)
			free(found[i]);
	free(found);
	return lab;
}

static void job_finish(struct runner *r, struct job *j)
{
	struct grade_sub *s = j->sub;
	j->step = STEP_DONE;
	s->running = NULL;
	s->seconds = (double)(clock_ms() - j->t0) / 1000.0;
	int left = grade_reap_state(r, j->state);
	if (left > 0) {
		char *note = xasprintf("%s%sdown left %d process%s running; grade killed %s", s->reason != NULL ?
		    s->reason : "", s->reason != NULL ? "; " : "", left, left == 1 ? "" : "es",
		    left == 1 ? "it" : "them");
		free(s->reason);
		s->reason = note;
	}
	char *text = grade_report_text(s, r->spec);
	char *name = xasprintf("%s.txt", s->name);
	grade_out_write(r, name, text, strlen(text));
	free(name);
	free(text);
	if (s->outcome == GRADE_CHECKED) {
		char *path = grade_step_file(j, STEP_CHECK, "out");
		size_t len;
		char *json = grade_file_read(path, &len);
		name = xasprintf("%s.check.json", s->name);
		grade_out_write(r, name, json, len);
		free(name);
		free(json);
		free(path);
	}
	grade_tree_remove(j->dir);
	r->done++;
	if (r->o->progress != NULL)
		r->o->progress(r->o->arg, r->subs, r->n, r->done, s);
}

static void spec_mistake_check(struct runner *r, const char *err)
{
	/* check found mistakes in the spec itself (FILE:LINE:COL): every other
	 * submission would fail the same way, so grading stops. */
	size_t n = strlen(r->spec_run);
	for (const char *p = err; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		const char *line = strncmp(p, "umllab: ", 8) == 0 ? p + 8 : p;
		if (strncmp(line, r->spec_run, n) == 0 && line[n] == ':' && line[n + 1] >= '0' &&
		    line[n + 1] <= '9') {
			if (r->cause == NULL)
				r->cause = xasprintf("`umllab check` found mistakes in the spec:\n%s", err);
			r->interrupted = r->interrupted > 0 ? r->interrupted : 1;
			return;
		}
	}
}

/* A step ended (status from waitpid, or -1: it could not be started). */
static void job_step_done(struct runner *r, struct job *j, int status)
{
	struct grade_sub *s = j->sub;
	enum step st = j->step;
	char *out_path = grade_step_file(j, st, "out"), *err_path = grade_step_file(j, st, "err");
	size_t out_len;
	char *out = grade_file_read(out_path, &out_len);
	if (st != STEP_CHECK) {	/* check's JSON is read as it is */
		out = grade_shown_text(j, out);
		out_len = strlen(out);
	}
	char *err = grade_shown_text(j, grade_file_read(err_path, NULL));
	char how[96];
	int code = -1;
	if (status == -1)
		snprintf(how, sizeof(how), "could not be started");
	else if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exit %d", code = WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	if (j->killed != NULL) {
		size_t l = strlen(how);
		snprintf(how + l, sizeof(how) - l, ", %s", j->killed);
	}
	if (st != STEP_VET)
		grade_log_step(r, j, st, out, err, how);
	j->pid = 0;
	bool stopped = j->killed == stopped_by_interrupt;
	enum step next = STEP_DONE;
	char *why = NULL;
	if (j->limit_reason != NULL && !stopped) {
		/* Over a limit: 0 with that reason, and the lab (if any) taken down. */
		grade_sub_fail(s, "refused", j->limit_reason, r->spec);
		free(j->limit_reason);
		j->limit_reason = NULL;
		next = st == STEP_UP || st == STEP_CHECK ? STEP_DOWN : STEP_DONE;
		st = STEP_DONE;
	}
	switch (st) {
	case STEP_VALIDATE:
		if (code == 0 && j->killed == NULL) {
			next = STEP_UP;
		} else {
			why = err[0] != '\0' && !stopped ? xstrdup(err) : xasprintf("umllab validate: %s", how);
			grade_sub_fail(s, stopped ? "interrupted" : "validate", why, r->spec);
		}
		break;
	case STEP_VET:
		if (code == 0 && j->killed == NULL) {
			next = STEP_VALIDATE;
		} else if (stopped) {
			grade_sub_fail(s, "interrupted", "grading was interrupted", r->spec);
		} else {
			char *t = grade_tail_lines(err, 40);
			why = t[0] != '\0' ? t : xasprintf("the check of what the lab may do (%s)", how);
			if (why != t)
				free(t);
			grade_sub_fail(s, "refused", why, r->spec);
		}
		break;
	case STEP_UP:
		if (code == 0 && j->killed == NULL) {
			j->came_up = true;
			next = STEP_CHECK;
		} else {
			char *t = grade_tail_lines(err[0] != '\0' ? err : out, 3);
			why = xasprintf("umllab up (%s)%s%s", how, t[0] != '\0' ? ": " : "", t);
			free(t);
			grade_sub_fail(s, stopped ? "interrupted" : "up", why, r->spec);
			next = STEP_DOWN;
		}
		break;
	case STEP_CHECK:
		next = STEP_DOWN;
		if ((code == 0 || code == 1) && j->killed == NULL) {
			char *bad = NULL;
			if (grade_sub_take_check_json(s, out, out_len, &bad) < 0) {
				why = xasprintf("umllab check (%s): %s", how, bad);
				grade_sub_fail(s, "check", why, r->spec);
			}
			free(bad);
		} else {
			char *t = grade_tail_lines(err, 5);
			why = xasprintf("umllab check (%s)%s%s", how, t[0] != '\0' ? ": " : "", t);
			free(t);
			grade_sub_fail(s, stopped ? "interrupted" : "check", why, r->spec);
			if (code == 2)
				spec_mistake_check(r, err);
		}
		break;
	case STEP_DOWN:
		/* After a failed up, down may rightly find no lab. */
		if (code != 0 && j->came_up) {
			char *t = grade_tail_lines(err, 2);
			char *note = xasprintf("%s%sumllab down (%s)%s%s", s->reason != NULL ? s->reason : "",
			    s->reason != NULL ? "; " : "", how, t[0] != '\0' ? ": " : "", t);
			free(t);
			free(s->reason);
			s->reason = note;
		}
		break;
	case STEP_DONE:
		break;
	}
	free(why);
	free(out);
	free(err);
	free(out_path);
	free(err_path);
	if (next != STEP_DONE && r->interrupted && next != STEP_DOWN) {
		grade_sub_fail(s, "interrupted", "grading was interrupted", r->spec);
		next = STEP_DOWN;
	}
	if (next == STEP_DONE) {
		r->running--;
		job_finish(r, j);
		return;
	}
	grade_step_start(r, j, next);
	if (j->pid < 0)
		job_step_done(r, j, -1);
	else if (r->o->progress != NULL)
		r->o->progress(r->o->arg, r->subs, r->n, r->done, NULL);
}

static void job_start(struct runner *r, struct job *j)
{
	struct grade_sub *s = j->sub;
	size_t idx = (size_t)(j - r->jobs);
	j->t0 = clock_ms();
	j->started = true;
	r->running++;
	j->dir = xasprintf("%s/%zu", r->tmp, idx + 1);
	j->state = xasprintf("%s/state", j->dir);
	j->copy = xasprintf("%s/sub", j->dir);
	/* grade's own directory (the steps' output); the labs' user owns state/
	 * and the copy below it. */
	if (mkdir(j->dir, r->o->drop ? 0755 : 0700) < 0 || chmod(j->dir, r->o->drop ? 0755 : 0700) < 0 ||
	    mkdir(j->state, 0700) < 0 ||
	    (r->o->drop && chown(j->state, r->o->run_uid, r->o->run_gid) < 0)) {
		char *why = xasprintf("cannot create %s: %s", j->state, strerror(errno));
		grade_sub_fail(s, "submission", why, r->spec);
		free(why);
		if (r->cause == NULL)
			r->cause = xasprintf("cannot create %s: %s", j->state, strerror(errno));
		r->running--;
		job_finish(r, j);
		return;
	}
	char *why = NULL;
	const char *stage = "refused";
	struct grade_copy copy;
	uint64_t max = r->o->policy != NULL ? r->o->policy->lim.size : UINT64_MAX;
	int rc = grade_copy_in(s->path, j->copy, r->o->drop ? r->o->run_uid : (uid_t)-1,
	    r->o->drop ? r->o->run_gid : (gid_t)-1, max, &copy, &why);
	/* What stands for the copy in messages: the submission's directory. */
	char *shown = xstrdup(s->path);
	for (size_t n = strlen(shown); n > 1 && shown[n - 1] == '/'; n--)
		shown[n - 1] = '\0';
	if (copy.is_file) {
		char *slash = strrchr(shown, '/');
		if (slash == NULL)
			strcpy(shown, ".");
		else
			slash[slash == shown ? 1 : 0] = '\0';
	}
	j->shown = shown;
	if (rc == 0 && copy.lab_link != NULL) {
		why = xasprintf("%s/%s is a symbolic link: grade reads only files inside the submission's "
		    "directory, never through a link", j->shown, copy.lab_link);
		rc = -1;
	}
	if (rc == 0) {
		if (copy.is_file) {
			const char *base = strrchr(s->path, '/');
			/* the copy holds the file alone, under its own name */
			char *b = xstrdup(base != NULL && base[1] != '\0' ? base + 1 : s->path);
			j->lab = xasprintf("%s/%s", j->copy, b);
			free(b);
		} else {
			j->lab = grade_find_labfile(j->copy, &why);
			stage = "submission";
		}
		rc = j->lab != NULL ? 0 : -1;
	}
	if (copy.left_out != NULL) {
		free(s->log);
		s->log = xasprintf("grade copied the submission, except (it copies regular files and "
		    "directories only): %s\n", copy.left_out);
	}
	grade_copy_clear(&copy);
	if (rc < 0) {
		why = grade_shown_text(j, why != NULL ? why : xstrdup("cannot copy the submission"));
		grade_sub_fail(s, stage, why, r->spec);
		free(why);
		r->running--;
		job_finish(r, j);
		return;
	}
	free(s->labfile);
	s->labfile = grade_shown_text(j, xstrdup(j->lab));
	j->baseline = grade_tree_usage(j->dir);
	j->usage_ms = clock_ms();
	grade_step_start(r, j, r->o->vet != NULL ? STEP_VET : STEP_VALIDATE);
	if (j->pid < 0)
		job_step_done(r, j, -1);
	else if (r->o->progress != NULL)
		r->o->progress(r->o->arg, r->subs, r->n, r->done, NULL);
}

static struct job *job_by_pid(struct runner *r, pid_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i].pid == pid)
			return &r->jobs[i];
	return NULL;
}

/* Ctrl-C, SIGTERM, SIGHUP: stop the steps that bring labs up or check them;
 * `down` then runs for each. A second signal kills `down` too (the labs'
 * processes are then killed by pid). */
static void on_interrupt(struct runner *r, int sig)
{
	r->interrupted++;
	if (r->cause == NULL)
		r->cause = xasprintf("grading was interrupted (signal %d): every lab was taken down; "
		    "the summary lists what was graded", sig);
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->jobs[i];
		if (j->pid <= 0)
			continue;
		if (j->step != STEP_DOWN || r->interrupted > 1) {
			kill(-j->pid, r->interrupted > 1 ? SIGKILL : SIGTERM);
			j->killed = stopped_by_interrupt;
		}
	}
}

static void check_deadlines(struct runner *r)
{
	uint64_t now = clock_ms();
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->jobs[i];
		if (j->pid > 0 && now > j->deadline && j->killed == NULL) {
			kill(-j->pid, SIGKILL);
			if (j->budget) {
				unsigned long long t = r->o->policy->lim.time;
				snprintf(j->killed_buf, sizeof(j->killed_buf), "over the time limit (%llu s)", t);
				char *hint = grade_limit_hint("time");
				free(j->limit_reason);
				j->limit_reason = xasprintf("the submission was not graded within %llu s, its "
				    "time limit (umllab %s was stopped; %s)", t, grade_steps[j->step].name, hint);
				free(hint);
			} else {
				snprintf(j->killed_buf, sizeof(j->killed_buf), "not done within %u s",
				    grade_steps[j->step].limit_s);
			}
			j->killed = j->killed_buf;
		}
	}
}

/* Once a second per lab that runs: what it wrote on the host (its state,
 * disks, captures, and writes into its copy through a share), beyond the
 * copy grade made. Over the limit, the lab is stopped at once. */
static void check_written(struct runner *r)
{
	if (r->o->policy == NULL)
		return;
	uint64_t now = clock_ms(), limit = r->o->policy->lim.written;
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->jobs[i];
		if (j->pid <= 0 || j->killed != NULL || (j->step != STEP_UP && j->step != STEP_CHECK) ||
		    now - j->usage_ms < 1000)
			continue;
		j->usage_ms = now;
		uint64_t used = grade_tree_usage(j->dir);
		used = used > j->baseline ? used - j->baseline : 0;
		if (used <= limit)
			continue;
		kill(-j->pid, SIGKILL);
		grade_reap_state(r, j->state);
		char *u = used == UINT64_MAX ? xstrdup("too many files") : grade_size_text(used);
		char *m = grade_size_text(limit), *hint = grade_limit_hint("written");
		free(j->limit_reason);
		j->limit_reason = xasprintf("the lab wrote %s on the host (its disks, state, captures and "
		    "share), over the limit of %s; it was stopped during umllab %s (%s)", u, m,
		    grade_steps[j->step].name, hint);
		free(u);
		free(m);
		free(hint);
		j->killed = "stopped: over the limit of what a lab may write";
	}
}

static uint64_t next_deadline(const struct runner *r)
{
	uint64_t d = clock_ms() + 1000;
	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i].pid > 0 && r->jobs[i].killed == NULL && r->jobs[i].deadline < d)
			d = r->jobs[i].deadline;
	return d;
}

static int make_tmp(struct runner *r)
{
	const char *base = getenv("TMPDIR");
	if (base == NULL || base[0] != '/')
		base = "/tmp";
	char *t = xasprintf("%s/umllab-grade.XXXXXX", base);
	if (mkdtemp(t) == NULL) {
		set_cause(&r->cause, "cannot create a work directory in %s: %s (set TMPDIR to a "
		    "writable directory)", base, strerror(errno));
		free(t);
		return -1;
	}
	char real[PATH_MAX];
	if (realpath(t, real) == NULL) {
		set_cause(&r->cause, "%s: %s", t, strerror(errno));
		rmdir(t);
		free(t);
		return -1;
	}
	free(t);
	r->tmp = xstrdup(real);
	/* The labs' user goes through it to its own directories, lists nothing. */
	if (r->o->drop && chmod(r->tmp, 0711) < 0) {
		set_cause(&r->cause, "%s: %s", r->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* With drop: the spec copied where the labs' user can read it, the image
 * cache chosen, and a child as that user trying what the steps will need,
 * so that a grade that cannot work stops before the first submission. */
static int prepare_drop(struct runner *r)
{
	const struct grade_options *o = r->o;
	size_t len;
	char *text = grade_file_read(o->spec, &len);
	r->spec_run = xasprintf("%s/spec.yaml", r->tmp);
	int fd = open(r->spec_run, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, len) < 0 || close(fd) < 0) {
		set_cause(&r->cause, "cannot write %s: %s", r->spec_run, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	if (o->cache_dir != NULL) {
		r->cache = xstrdup(o->cache_dir);
	} else {
		r->cache = xasprintf("%s/cache", r->tmp);
		if (mkdir(r->cache, 0700) < 0 || chown(r->cache, o->run_uid, o->run_gid) < 0) {
			set_cause(&r->cause, "cannot create %s: %s", r->cache, strerror(errno));
			return -1;
		}
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return set_cause(&r->cause, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		if (grade_child_drop(r, NULL) < 0)
			_exit(1);
		char *umllab_cache = xasprintf("%s/umllab", r->cache);
		if (access(o->self, X_OK) < 0)
			dprintf(2, "%s cannot run %s: %s (put umllab where %s can run it)", o->run_user,
			    o->self, strerror(errno), o->run_user);
		else if (access(r->tmp, X_OK) < 0)
			dprintf(2, "%s cannot reach grade's work directory %s: %s (set TMPDIR to a directory "
			    "%s can reach, such as /tmp)", o->run_user, r->tmp, strerror(errno), o->run_user);
		else if ((mkdir(umllab_cache, 0700) < 0 && errno != EEXIST) ||
		    access(umllab_cache, W_OK | X_OK) < 0)
			dprintf(2, "%s cannot write the image cache %s: %s (XDG_CACHE_HOME must be a "
			    "directory %s may write; unset it and grade keeps a cache of its own for this run)",
			    o->run_user, umllab_cache, strerror(errno), o->run_user);
		else if (access(r->spec_run, R_OK) < 0)
			dprintf(2, "%s cannot read %s: %s", o->run_user, r->spec_run, strerror(errno));
		else
			_exit(0);
		_exit(1);
	}
	close(p[1]);
	char buf[1024];
	ssize_t got = 0, k;
	while (pid > 0 && got < (ssize_t)sizeof(buf) - 1 &&
	    (k = read(p[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += k;
	buf[got] = '\0';
	close(p[0]);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return set_cause(&r->cause, "grade runs every lab as %s, and that cannot work here: %s",
		    o->run_user, got > 0 ? buf : "the check as that user failed");
	return 0;
}

void grade_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int grade_run(const struct grade_options *o, const struct grade_spec *spec,
    struct grade_sub *subs, size_t n, char **cause)
{
	struct runner r = { .o = o, .spec = spec, .subs = subs, .n = n };
	sigset_t set;
	grade_stop_signals(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &r.orig_mask);
	/* A reader of our progress that goes away (`grade ... | head`) must not
	 * kill grade before it has taken every lab down. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	if (make_tmp(&r) < 0 || (o->drop ? prepare_drop(&r) : (r.spec_run = xstrdup(o->spec), 0)) < 0) {
		if (r.tmp != NULL)
			grade_tree_remove(r.tmp);
		free(r.tmp);
		free(r.spec_run);
		free(r.cache);
		sigprocmask(SIG_SETMASK, &r.orig_mask, NULL);
		signal(SIGPIPE, old_pipe);
		*cause = r.cause;
		return -1;
	}
	r.jobs = xcalloc(n + 1, sizeof(*r.jobs));
	for (size_t i = 0; i < n; i++) {
		r.jobs[i].sub = &subs[i];
		subs[i].outcome = GRADE_PENDING;
	}
	unsigned jobs = o->jobs > 0 ? o->jobs : 1;
	for (;;) {
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			struct job *j = job_by_pid(&r, pid);
			if (j != NULL)
				job_step_done(&r, j, status);
		}
		while (!r.interrupted && r.running < jobs && r.next < n)
			job_start(&r, &r.jobs[r.next++]);
		if (r.running == 0 && (r.next == n || r.interrupted))
			break;
		uint64_t now = clock_ms(), until = next_deadline(&r);
		uint64_t wait = until > now ? until - now : 0;
		struct timespec ts = { .tv_sec = (time_t)(wait / 1000), .tv_nsec = (long)(wait % 1000) * 1000000L };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			on_interrupt(&r, sig);
		else if (sig < 0 && o->progress != NULL)	/* a quiet second: a terminal's clock ticks */
			o->progress(o->arg, subs, n, r.done, NULL);
		check_deadlines(&r);
		check_written(&r);
	}
	/* Never started: 0 with the reason. */
	for (size_t i = r.next; i < n; i++) {
		grade_sub_fail(&subs[i], "interrupted", "grading was interrupted before this submission "
		    "started", spec);
	}
	if (!o->no_summary) {
		char *csv = grade_summary_csv(subs, n), *json = grade_summary_json(subs, n, spec);
		grade_out_write(&r, "summary.csv", csv, strlen(csv));
		grade_out_write(&r, "summary.json", json, strlen(json));
		free(csv);
		free(json);
	}
	grade_tree_remove(r.tmp);
	for (size_t i = 0; i < n; i++) {
		free(r.jobs[i].dir);
		free(r.jobs[i].state);
		free(r.jobs[i].copy);
		free(r.jobs[i].lab);
		free(r.jobs[i].shown);
		free(r.jobs[i].limit_reason);
	}
	free(r.spec_run);
	free(r.cache);
	free(r.jobs);
	free(r.tmp);
	/* A signal that came while we were busy is not left pending for later. */
	struct timespec zero = { 0 };
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &r.orig_mask, NULL);
	signal(SIGPIPE, old_pipe);
	if (r.cause != NULL) {
		*cause = r.cause;
		return -1;
	}
	return 0;
}
