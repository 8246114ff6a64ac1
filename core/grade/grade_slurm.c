/* core/grade/grade_slurm.c: a class graded as a Slurm job array (see grade_slurm.h). */
#include "core/grade/grade_slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster/slurm.h"
#include "core/base/util.h"

/* A task that Slurm calls COMPLETED wrote its record before it exited; on a
 * network file system another node may see the file this much later. */
#define RECORD_GRACE_MS 30000
/* squeue failing for this long in a row ends the wait (a controller that
 * is restarting comes back within it). */
#define SQUEUE_FAILING_MS 60000

static char *slurm_path(const char *out_dir, const char *name)
{
	return xasprintf("%s/%s/%s", out_dir, GRADE_SLURM_DIR, name);
}

static char *read_text(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct strbuf b = { 0 };
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_append(&b, buf, (size_t)n);
	close(fd);
	if (len != NULL)
		*len = b.len;
	return strbuf_take(&b);
}

/* Whole or not at all: a reader on another node never sees half a file. */
static int write_text(const char *path, const char *text, mode_t mode, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int rc = 0;
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		rc = set_cause(cause, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* s in single quotes for /bin/sh ('\'' for a quote inside). */
static void sh_quote(struct strbuf *b, const char *s)
{
	strbuf_append(b, "'", 1);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'')
			strbuf_append(b, "'\\''", 4);
		else
			strbuf_append(b, p, 1);
	}
	strbuf_append(b, "'", 1);
}

/* A batch script that runs `umllab grade MODE --spec SPEC -o DIR -- SUBS...`. */
static char *script_text(const struct grade_slurm *g, const char *what, const char *mode)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "#!/bin/sh\n# Written by `umllab grade --slurm`: %s.\n"
	    "# Labs' state goes under $TMPDIR, on the node; reports into the output directory.\n"
	    "exec ", what);
	sh_quote(&b, g->self);
	strbuf_printf(&b, " grade %s --spec ", mode);
	sh_quote(&b, g->spec);
	strbuf_printf(&b, " -o ");
	sh_quote(&b, g->out_dir);
	for (size_t i = 0; i < g->n_task_args; i++) {
		strbuf_printf(&b, " ");
		sh_quote(&b, g->task_args[i]);
	}
	if (g->user != NULL) {
		strbuf_printf(&b, " --user ");
		sh_quote(&b, g->user);
	}
	strbuf_printf(&b, " --");
	for (size_t i = 0; i < g->n; i++) {
		strbuf_printf(&b, " \\\n    ");
		sh_quote(&b, g->subs[i].path);
	}
	strbuf_printf(&b, "\n");
	return strbuf_take(&b);
}

static void remove_old(const struct grade_slurm *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const char *name = g->subs[i].name;
		char *paths[] = {
			xasprintf("%s/%s.txt", g->out_dir, name),
			xasprintf("%s/%s.check.json", g->out_dir, name),
			xasprintf("%s/%s/%s.json", g->out_dir, GRADE_SLURM_DIR, name),
			xasprintf("%s/%s/task-%zu.out", g->out_dir, GRADE_SLURM_DIR, i),
		};
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
			unlink(paths[k]);
			free(paths[k]);
		}
	}
	const char *summaries[] = { "summary.csv", "summary.json" };
	for (size_t k = 0; k < 2; k++) {
		char *p = xasprintf("%s/%s", g->out_dir, summaries[k]);
		unlink(p);
		free(p);
	}
}

int grade_slurm_submit(const struct grade_slurm *g, bool summary_job, long *job, long *summary,
    char **cause)
{
	*job = *summary = -1;
	char *dir = xasprintf("%s/%s", g->out_dir, GRADE_SLURM_DIR);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		set_cause(cause, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	remove_old(g);
	char *tasks = slurm_path(g->out_dir, "grade-tasks.sh");
	char *text = script_text(g, "task $SLURM_ARRAY_TASK_ID grades that submission of the list "
	    "(from 0)", "--one \"$SLURM_ARRAY_TASK_ID\"");
	int rc = write_text(tasks, text, 0755, cause);
	free(text);
	char *out = slurm_path(g->out_dir, "task-%a.out");
	if (rc == 0) {
		struct slurm_job_opts o = { .script = tasks, .name = "umllab-grade", .output = out,
			.partition = g->partition, .array = g->n };
		*job = slurm_submit(&o, cause);
		rc = *job > 0 ? 0 : -1;
	}
	free(out);
	free(tasks);
	if (rc != 0 || !summary_job)
		return rc;

	char *script = slurm_path(g->out_dir, "grade-summary.sh");
	char *mode = xasprintf("--collect %ld", *job);
	text = script_text(g, "the class summary once every task has ended", mode);
	free(mode);
	rc = write_text(script, text, 0755, cause);
	free(text);
	out = slurm_path(g->out_dir, "summary-job.out");
	if (rc == 0) {
		struct slurm_job_opts o = { .script = script, .name = "umllab-grade-summary",
			.output = out, .partition = g->partition, .after = *job };
		*summary = slurm_submit(&o, cause);
		if (*summary < 0) {
			/* Tasks without a summary would be graded for nothing. */
			char *why = NULL;
			if (slurm_cancel(*job, &why) != 0) {
				char *both = xasprintf("%s; and the tasks (job %ld) could not be cancelled: %s",
				    *cause, *job, why);
				free(*cause);
				*cause = both;
			}
			free(why);
			rc = -1;
		}
	}
	free(out);
	free(script);
	return rc;
}

int grade_slurm_records_write(const char *out_dir, const struct grade_sub *subs, size_t n,
    const struct grade_spec *spec, char **cause)
{
	char *dir = xasprintf("%s/%s", out_dir, GRADE_SLURM_DIR);
	int rc = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = set_cause(cause, "cannot create %s: %s", dir, strerror(errno));
	free(dir);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *json = grade_summary_json(&subs[i], 1, spec);
		char *name = xasprintf("%s.json", subs[i].name);
		char *path = slurm_path(out_dir, name);
		rc = write_text(path, json, 0644, cause);
		free(path);
		free(name);
		free(json);
	}
	return rc;
}

/* Take in the records that have appeared; the number of submissions done. */
static size_t records_read(const struct grade_slurm *g, size_t *done)
{
	size_t fresh = 0;
	for (size_t i = 0; i < g->n; i++) {
		struct grade_sub *s = &g->subs[i];
		if (s->outcome != GRADE_PENDING)
			continue;
		char *name = xasprintf("%s.json", s->name);
		char *path = slurm_path(g->out_dir, name);
		size_t len;
		char *text = read_text(path, &len);
		if (text != NULL) {
			char *why = NULL;
			if (grade_sub_take_summary_json(s, text, len, &why) != 0) {
				char *reason = xasprintf("the task's record %s is damaged: %s", path, why);
				grade_sub_fail(s, "slurm", reason, g->spec_loaded);
				free(reason);
			}
			free(why);
			s->running = NULL;
			fresh++;
			(*done)++;
			if (g->progress != NULL)
				g->progress(g->arg, g->subs, g->n, *done, s);
		}
		free(text);
		free(path);
		free(name);
	}
	return fresh;
}

static const char *task_state(const struct slurm_task *t, size_t nt, size_t index)
{
	for (size_t k = 0; k < nt; k++)
		if (t[k].index == (long)index)
			return t[k].state;
	return NULL;
}

/* The last line a task printed (Slurm's "CANCELLED AT ..." or umllab's own). */
static char *task_output_tail(const struct grade_slurm *g, size_t index)
{
	char *name = xasprintf("task-%zu.out", index);
	char *path = slurm_path(g->out_dir, name);
	free(name);
	char *text = read_text(path, NULL);
	char *tail = NULL;
	if (text != NULL) {
		size_t len = strlen(text);
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		char *nl = strrchr(text, '\n');
		const char *last = nl != NULL ? nl + 1 : text;
		if (last[0] != '\0')
			tail = xasprintf("; its output (%s) ends: %.300s", path, last);
	}
	if (tail == NULL)
		tail = xasprintf("; it left no output in %s", path);
	free(text);
	free(path);
	return tail;
}

/* Every task has ended (or Slurm forgot the job): records that are still
 * missing get 0 with the reason; then the summary. */
static int finish(const struct grade_slurm *g, long job, size_t *done, char (*last)[32],
    char **cause)
{
	struct slurm_task *t = NULL;
	size_t nt = 0;
	char *why = NULL;
	bool asked = slurm_tasks(job, &t, &nt, &why) == 0;
	uint64_t until = clock_ms() + RECORD_GRACE_MS;
	for (;;) {
		records_read(g, done);
		bool waiting = false;
		for (size_t i = 0; i < g->n && !waiting; i++) {
			const char *st = task_state(t, nt, i);
			waiting = g->subs[i].outcome == GRADE_PENDING && st != NULL &&
			    strcmp(st, "COMPLETED") == 0;
		}
		if (!waiting || clock_ms() >= until)
			break;
		sleep_ms(500);
	}
	for (size_t i = 0; i < g->n; i++) {
		struct grade_sub *s = &g->subs[i];
		if (s->outcome != GRADE_PENDING)
			continue;
		const char *st = task_state(t, nt, i);
		char *tail = task_output_tail(g, i);
		char *reason;
		if (st != NULL)
			reason = xasprintf("task ended without a report: Slurm says %s (job %ld_%zu)%s", st,
			    job, i, tail);
		else if (last != NULL && last[i][0] != '\0')
			reason = xasprintf("task ended without a report: Slurm last said %s (job %ld_%zu), "
			    "then no longer listed it%s", last[i], job, i, tail);
		else if (asked)
			reason = xasprintf("task ended without a report: Slurm no longer lists job %ld_%zu "
			    "(a task cancelled before it started is forgotten at once)%s", job, i, tail);
		else
			reason = xasprintf("task ended without a report: squeue failed (%s) for job %ld_%zu%s",
			    why, job, i, tail);
		grade_sub_fail(s, "slurm", reason, g->spec_loaded);
		free(reason);
		free(tail);
		(*done)++;
		if (g->progress != NULL)
			g->progress(g->arg, g->subs, g->n, *done, s);
	}
	free(t);
	free(why);
	char *csv = grade_summary_csv(g->subs, g->n), *json = grade_summary_json(g->subs, g->n,
	    g->spec_loaded);
	char *p_csv = xasprintf("%s/summary.csv", g->out_dir);
	char *p_json = xasprintf("%s/summary.json", g->out_dir);
	int rc = write_text(p_csv, csv, 0644, cause) == 0 && write_text(p_json, json, 0644, cause) == 0 ?
	    0 : -1;
	free(p_csv);
	free(p_json);
	free(csv);
	free(json);
	return rc;
}

int grade_slurm_collect(const struct grade_slurm *g, long job, char **cause)
{
	size_t done = 0;
	return finish(g, job, &done, NULL, cause);
}

int grade_slurm_wait(const struct grade_slurm *g, long job, char **cause)
{
	sigset_t set, old;
	grade_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	size_t done = 0;
	int failures = 0;
	uint64_t failing_since = 0;
	int signals = 0;
	char *interrupted = NULL;
	int rc = 0;
	bool seen = false;	/* squeue has listed the tasks once */
	char (*last)[32] = xcalloc(g->n, sizeof(*last));	/* each task's state as last seen */
	uint64_t t0 = clock_ms();
	for (;;) {
		records_read(g, &done);
		if (done == g->n)
			break;
		struct slurm_task *t = NULL;
		size_t nt = 0;
		char *why = NULL;
		if (slurm_tasks(job, &t, &nt, &why) != 0) {
			if (failures++ == 0)
				failing_since = clock_ms();
			/* A second signal: the user will not wait for a controller that is gone. */
			if (clock_ms() - failing_since >= SQUEUE_FAILING_MS || signals > 1) {
				set_cause(cause, "%s (%d times in a row); the tasks of job %ld may still run: "
				    "`umllab grade --collect %ld` with the same arguments writes the summary "
				    "once they have ended", why, failures, job, job);
				free(why);
				rc = -1;
				break;
			}
		} else {
			failures = 0;
		}
		free(why);
		bool active = false;
		for (size_t i = 0; i < g->n; i++) {
			const char *st = task_state(t, nt, i);
			if (st != NULL && slurm_state_active(st))
				active = true;
			if (st != NULL)
				snprintf(last[i], sizeof(last[i]), "%s", st);
			if (g->subs[i].outcome == GRADE_PENDING)
				g->subs[i].running = st == NULL ? NULL : strcmp(st, "PENDING") == 0 ?
				    "pending" : strcmp(st, "RUNNING") == 0 ? "running" : NULL;
		}
		/* A job squeue does not list (yet, or any more): gone once it was
		 * seen, or when it never shows (the controller purged it). */
		bool gone = nt == 0 && (seen || clock_ms() - t0 > 10000);
		seen = seen || nt > 0;
		free(t);
		if (failures == 0 && ((nt > 0 && !active) || gone))
			break;	/* every task has ended; finish() takes the rest */
		struct timespec second = { .tv_sec = 1 };
		int sig = sigtimedwait(&set, NULL, &second);
		if (sig > 0)
			signals++;
		if (sig > 0 && interrupted == NULL) {
			interrupted = xasprintf("grading was interrupted (signal %d): Slurm job %ld was "
			    "cancelled; the summary lists what was graded", sig, job);
			char *cw = NULL;
			if (slurm_cancel(job, &cw) != 0) {
				char *more = xasprintf("%s (but %s)", interrupted, cw);
				free(interrupted);
				interrupted = more;
			}
			free(cw);
		} else if (sig < 0 && g->progress != NULL) {
			g->progress(g->arg, g->subs, g->n, done, NULL);
		}
	}
	for (size_t i = 0; i < g->n; i++)
		g->subs[i].running = NULL;
	if (rc == 0 && finish(g, job, &done, last, cause) != 0)
		rc = -1;
	free(last);
	if (rc == 0 && interrupted != NULL) {
		*cause = interrupted;
		interrupted = NULL;
		rc = -1;
	}
	free(interrupted);
	struct timespec zero = { 0 };
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
