/* core/grade/grade_slurm.h: grading a class as a Slurm job array. One task per
 * submission runs `umllab grade --one I` on a node (a local grade of that
 * one submission, state under the node's $TMPDIR), which writes NAME.txt and
 * NAME.check.json into the shared output directory as a local grade does,
 * and a record of its result (DIR/.slurm/NAME.json: the summary.json of that
 * one submission). The class summary is made from the records once every
 * task has ended: by `grade --slurm --wait`, or by a last job that depends
 * on the array (`grade --collect JOB`). A task that ended without a record
 * gives its submission 0 with Slurm's word for how it ended. */
#ifndef UMLLAB_GRADE_SLURM_H
#define UMLLAB_GRADE_SLURM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/grade/grade.h"

/* Below the output directory: the batch scripts, the records, the tasks' output. */
#define GRADE_SLURM_DIR ".slurm"

struct grade_slurm {
	const char *self;	/* this program; the nodes must see it at this path */
	const char *spec;	/* absolute */
	const char *out_dir;	/* absolute, shared with the nodes */
	const char *partition;	/* NULL: the cluster's default */
	struct grade_sub *subs;	/* path absolute, name assigned */
	size_t n;
	const struct grade_spec *spec_loaded;
	/* Given to every task as they are: --limit X, --allow X (option, value). */
	const char *const *task_args;
	size_t n_task_args;
	const char *user;	/* --user, or NULL */
	/* As grade_options.progress: called as records come in (--wait). */
	void (*progress)(void *arg, const struct grade_sub *subs, size_t n, size_t done,
	    const struct grade_sub *finished);
	void *arg;
};

/* Write the batch scripts into DIR/.slurm, remove what an earlier grade of
 * these names left (reports, records, the summary), and submit the array
 * (*job) and, when summary_job is set, the job that writes the summary
 * after it (*summary). -1 with *cause naming sbatch and what it said. */
int grade_slurm_submit(const struct grade_slurm *g, bool summary_job, long *job, long *summary,
    char **cause);

/* In a task, after grading subs[0..n) locally: their records. */
int grade_slurm_records_write(const char *out_dir, const struct grade_sub *subs, size_t n,
    const struct grade_spec *spec, char **cause);

/* Wait for every task of the array to end, calling g->progress as their
 * records come in; SIGINT, SIGTERM or SIGHUP cancel the job (scancel) and
 * the wait goes on until its tasks have ended. Then fill every submission
 * (0 with the reason for those without a record) and write summary.csv and
 * summary.json. -1 with *cause when the wait was interrupted (the summary
 * is written all the same), or when squeue kept failing for a minute (then
 * no summary: the tasks may still run; the cause says how to collect it). */
int grade_slurm_wait(const struct grade_slurm *g, long job, char **cause);

/* What the summary job does: the same as the end of grade_slurm_wait. */
int grade_slurm_collect(const struct grade_slurm *g, long job, char **cause);

#endif
