/* core/cluster/slurm.h: the few Slurm commands umllab uses (sbatch, squeue, sacct,
 * scancel), run as subprocesses; their output parsed here (pure parsers are
 * exported for the unit tests). */
#ifndef UMLLAB_SLURM_H
#define UMLLAB_SLURM_H

#include <stdbool.h>
#include <stddef.h>

struct slurm_job_opts {
	const char *script;	/* the batch script (absolute path) */
	const char *name;	/* --job-name */
	const char *output;	/* --output pattern (%a: the array index) */
	const char *partition;	/* NULL: the cluster's default */
	size_t array;		/* > 0: --array=0-(array-1) */
	long after;		/* > 0: --dependency=afterany:after */
};

/* Submit with sbatch; the job id, or -1 with *cause naming sbatch and what it said. */
long slurm_submit(const struct slurm_job_opts *o, char **cause);

/* scancel the job (every task of an array); -1 with *cause. */
int slurm_cancel(long job, char **cause);

/* One task of an array job as Slurm reports it. */
struct slurm_task {
	long index;		/* the array index */
	char state[32];		/* PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT ... */
};

/* The tasks of array job `job` that Slurm still knows: squeue (every
 * state, while the controller keeps finished jobs, MinJobAge), then sacct
 * for those squeue no longer lists (when accounting is on). 0 with *tasks
 * (free it) and *n, which may be 0 (a job long gone); -1 with *cause when
 * squeue itself failed (no controller). */
int slurm_tasks(long job, struct slurm_task **tasks, size_t *n, char **cause);

/* True for a state in which a task has not ended yet. */
bool slurm_state_active(const char *state);

/* Parse sbatch --parsable's answer ("123" or "123;cluster"); -1 if it is none. */
long slurm_parse_jobid(const char *text);

/* Parse lines "JOB_INDEX STATE" (squeue -o '%i %T', sacct -o JobID,State)
 * of job `job` into *tasks (appended; one per index, the first seen wins).
 * Lines of other jobs, steps ("123_4.batch") and ranges are skipped. */
void slurm_parse_tasks(long job, const char *text, struct slurm_task **tasks, size_t *n);

/* Parse SLURM_STEP_TASKS_PER_NODE's "2(x3),1" into counts per node
 * (2, 2, 2, 1): *counts (free it) and *n; -1 when it is not of that form. */
int slurm_parse_tasks_per_node(const char *text, unsigned **counts, size_t *n);

/* The host name of every task of this job step, from srun's environment
 * (SLURM_STEP_NODELIST expanded by `scontrol show hostnames`,
 * SLURM_STEP_TASKS_PER_NODE, block distribution), and this task's rank
 * (SLURM_PROCID). *hosts has *ntasks names (free each and it). -1 with
 * *cause when not run by srun, or scontrol fails. */
int slurm_step_hosts(unsigned *procid, unsigned *ntasks, char ***hosts, char **cause);

#endif
