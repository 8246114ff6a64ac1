/* core/cluster/slurm_lab.h: a lab that `up --slurm` runs as parts over a Slurm job,
 * seen from where it was started: `status`, `exec`, `ping` and `down` name
 * the whole lab, and reach each part (the lab NAME-pK on its node) through
 * `srun --jobid --overlap`. */
#ifndef UMLLAB_SLURM_LAB_H
#define UMLLAB_SLURM_LAB_H

#include <stdbool.h>

struct lab;

struct slurm_lab {
	char *name;		/* the whole lab's name */
	long job;		/* the Slurm job its parts run in */
	unsigned parts;		/* one per task of the step */
	struct lab *lab;	/* its file, read again: which part runs which instance */
};

/* Note, before `up --slurm` hands over to srun, that lab NAME runs as
 * `parts` parts of job `job`: STATE/NAME.slurm. -1 with *cause. */
int slurm_lab_save(const char *name, long job, unsigned parts, const char *file, char **cause);

/* 1 with *l (free it) when NAME is a lab over Slurm whose job still runs;
 * 0 when it is not (a note whose job has ended is removed); -1 with *cause
 * when Slurm cannot say, or the lab's file can no longer be read. */
int slurm_lab_find(const char *name, struct slurm_lab *l, char **cause);

void slurm_lab_forget(const char *name);
void slurm_lab_free(struct slurm_lab *l);

/* The part that runs instance `instance`, or -1 (*cause) when the lab has
 * no such instance. With addr (INET_ADDRSTRLEN bytes): its first address,
 * "" when it has none. (From the file as it is now: a file edited since
 * `up --slurm` may place instances elsewhere than the parts do.) */
int slurm_lab_part_of(const struct slurm_lab *l, const char *instance, char *addr, char **cause);

/* Run `umllab ARGS...` on part `part` (or on every part: -1, each line
 * labelled with its part) through srun, the lab named as that part. The
 * command's exit code (the highest of the parts), or -1 with *cause. */
int slurm_lab_run(const struct slurm_lab *l, int part, char *const args[], char **cause);

/* Run `umllab ARGS...` on every part through srun, one part after the other, and
 * keep what each printed: (*texts)[K] is part K's standard output (NULL if it
 * printed nothing), an array of l->parts for the caller to free. The highest exit
 * code of the parts, or -1 with *cause (then *texts is NULL). */
int slurm_lab_run_output(const struct slurm_lab *l, char *const args[], char ***texts,
    char **cause);

/* In a task of slurm_lab_run's step: argv is `umllab --slurm-task NAME PART
 * CMD ARGS...`. Returns 0 with *out (CMD --lab NAME-pK ARGS..., in argv's
 * storage) for the task that acts, 1 for a task with nothing to do, -1
 * with *cause. */
int slurm_lab_task_argv(int argc, char **argv, int *out_argc, char ***out_argv, char **cause);

#endif
