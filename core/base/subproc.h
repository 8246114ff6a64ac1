/* core/base/subproc.h: run another program (no shell) and collect what it prints,
 * within a time limit: how umllab talks to Slurm's sbatch, squeue, scancel. */
#ifndef UMLLAB_SUBPROC_H
#define UMLLAB_SUBPROC_H

struct subproc_result {
	int status;	/* from waitpid() */
	char *out;	/* what it wrote to stdout and stderr (never NULL after a run) */
	char *err;
};

/* Run argv[0] (looked up in PATH) with argv, stdin from /dev/null, for at
 * most timeout_s seconds (then SIGKILL). 0 when it ran, whatever its exit
 * status (in r); -1 with *cause when it could not be started or ran out of
 * time: the cause names the command. */
int subproc_run(char *const argv[], unsigned timeout_s, struct subproc_result *r, char **cause);

/* True when the program exited with status 0. */
int subproc_ok(const struct subproc_result *r);

/* "sbatch exited with status 1: sbatch: error: ..." (its stderr, else its
 * stdout, on one line), for a run that did not succeed. */
char *subproc_failure(char *const argv[], const struct subproc_result *r);

void subproc_result_free(struct subproc_result *r);

#endif
