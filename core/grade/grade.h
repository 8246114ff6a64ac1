/* core/grade/grade.h: grading a class: bring each submission's lab up, check it
 * against a spec, take it down, several at once; one report per submission
 * and a class summary (CSV, JSON).
 *
 * The work is done by this same program run as subprocesses (`umllab
 * validate`, `up`, `check --spec SPEC --json`, `down`), each submission with
 * a state directory of its own, so labs with the same name never clash.
 * grade_report.c is pure (parsing check's JSON, rendering the reports, the
 * default number of jobs); grade_spec.c reads the spec's check names and
 * points (with check's loader); grade.c runs the subprocesses. */
#ifndef UMLLAB_GRADE_H
#define UMLLAB_GRADE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the spec: names and points of its checks ---- */

struct grade_spec {
	char *path;
	size_t n;
	char **names;
	long *points;
	long max_points;
};

/* Read the spec with check's own loader (core/checks/checks_spec.h). Every
 * mistake is in *cause as FILE:LINE:COL: ... lines; -1 then. */
int grade_spec_load(const char *path, struct grade_spec *spec, char **cause);
void grade_spec_free(struct grade_spec *spec);

/* ---- one submission ---- */

enum grade_outcome {
	GRADE_PENDING,
	GRADE_CHECKED,		/* check gave a verdict: points as counted */
	GRADE_FAILED,		/* no verdict (bad file, did not come up...): 0 points, reason */
};

struct grade_check {
	char *name, *kind, *expected, *seen;
	bool passed;
	long points, max_points;
};

struct grade_sub {
	char *path;		/* as given on the command line */
	char *labfile;		/* the lab file found there (NULL: none) */
	char *name;		/* unique among the class: report file names */
	enum grade_outcome outcome;
	const char *stage;	/* GRADE_FAILED: where (submission, validate, up, check, interrupted, slurm) */
	char *reason;		/* GRADE_FAILED: why; else a note or NULL */
	char *log;		/* what the steps printed, for the text report */
	long points, max_points;
	size_t passed, total;
	struct grade_check *checks;
	size_t n_checks;
	double seconds;
	const char *running;	/* the step running now ("up", "check"...), or NULL */
};

/* -1 with *cause (FILE:LINE:COL lines) when the lab file names a host path
 * outside its own directory: a share:, a disks: file, a file: image or a
 * file:// url. grade runs students' files with the teacher's rights. */
int grade_lab_confined(const char *labfile, char **cause);

/* The lab file of a submission: path itself when it is a file, else in the
 * directory path: lab.yaml or lab.yml when there, else its only *.yaml or
 * *.yml file. NULL with *cause when there is none, or several. */
char *grade_find_labfile(const char *path, char **cause);

/* Give every submission a unique name for its reports: a directory's name,
 * a file's name without .yaml/.yml (its directory's for lab.yaml/lab.yml),
 * letters, digits, '.', '_' and '-' only; repeats get -2, -3... */
void grade_names_assign(struct grade_sub *subs, size_t n);

/* Fill s from what `umllab check --json` printed; -1 with *cause when it is
 * not such a report. s->outcome becomes GRADE_CHECKED. */
int grade_sub_take_check_json(struct grade_sub *s, const char *text, size_t len, char **cause);

/* Fill s back from a summary.json of that one submission (what
 * grade_summary_json() wrote for it): what the class summary needs, the
 * failed checks only. -1 with *cause when text is not such a summary. */
int grade_sub_take_summary_json(struct grade_sub *s, const char *text, size_t len, char **cause);

/* s gets 0 of the spec's points, with the stage and reason (copied). */
void grade_sub_fail(struct grade_sub *s, const char *stage, const char *reason,
    const struct grade_spec *spec);

void grade_sub_clear(struct grade_sub *s);

/* One line for the terminal: "alice: 8/10 points" or
 * "bob: 0/10 points (did not come up: ...)". */
char *grade_sub_line(const struct grade_sub *s);

/* The text report of one submission (DIR/NAME.txt). */
char *grade_report_text(const struct grade_sub *s, const struct grade_spec *spec);

/* The class summary: summary.csv (one row per submission: submission,
 * points, max_points, status, failed_checks, reason) and summary.json. */
char *grade_summary_csv(const struct grade_sub *subs, size_t n);
char *grade_summary_json(const struct grade_sub *subs, size_t n, const struct grade_spec *spec);

/* The default --jobs: two per core (a job waits on its guests much of the
 * time), at most one per GRADE_JOB_MEM_MB of available memory, at least 1. */
#define GRADE_JOB_MEM_MB 512
unsigned grade_jobs_default(unsigned cores, uint64_t mem_available_mb);

/* The signals that stop a grade (SIGINT, SIGTERM, SIGHUP) in *set: blocked
 * while it runs and taken with sigtimedwait(), so that whatever runs is
 * taken down (or cancelled) and the summary still written. */
void grade_stop_signals(sigset_t *set);

/* ---- the runner ---- */

struct grade_options {
	const char *self;	/* this program (/proc/self/exe) */
	const char *spec;	/* the spec file, absolute */
	const char *out_dir;	/* reports go here; it exists and is writable */
	const char *tmp_dir;	/* state directories go below it */
	unsigned jobs;
	bool no_summary;	/* a Slurm task grades one submission: no class summary */
	/* Run on each lab file once it validated (grade_lab_confined); NULL: none. */
	int (*vet)(const char *labfile, char **cause);
	/* Called as submissions start and finish (done counts the finished ones). */
	void (*progress)(void *arg, const struct grade_sub *subs, size_t n, size_t done,
	    const struct grade_sub *finished);
	void *arg;
};

/* Grade every submission; reports are written as each finishes, the summary
 * at the end. Returns 0 when every submission was graded (whatever its
 * points), -1 with *cause when grading itself failed or was interrupted
 * (SIGINT, SIGTERM, SIGHUP: what runs is stopped and taken down first). */
int grade_run(const struct grade_options *o, const struct grade_spec *spec,
    struct grade_sub *subs, size_t n, char **cause);

#endif
