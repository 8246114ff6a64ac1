/* core/slurm.c: sbatch, squeue, sacct and scancel as subprocesses. */
#include "core/slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/subproc.h"
#include "core/util.h"

/* A controller that does not answer makes the commands retry for a long
 * while; past this, the caller hears about it. */
#define SLURM_CMD_TIMEOUT_S 30

long slurm_parse_jobid(const char *text)
{
	char *end;
	errno = 0;
	long id = strtol(text, &end, 10);
	if (end == text || errno != 0 || id <= 0 || (*end != '\0' && *end != ';' && *end != '\n'))
		return -1;
	return id;
}

long slurm_submit(const struct slurm_job_opts *o, char **cause)
{
	char *args[16];
	char *own[8];
	size_t n = 0, k = 0;
	args[n++] = "sbatch";
	args[n++] = "--parsable";
	args[n++] = own[k++] = xasprintf("--job-name=%s", o->name);
	args[n++] = own[k++] = xasprintf("--output=%s", o->output);
	if (o->partition != NULL)
		args[n++] = own[k++] = xasprintf("--partition=%s", o->partition);
	if (o->array > 0)
		args[n++] = own[k++] = xasprintf("--array=0-%zu", o->array - 1);
	if (o->after > 0) {
		args[n++] = own[k++] = xasprintf("--dependency=afterany:%ld", o->after);
		/* Run it however the tasks ended (a cancelled one too). */
		args[n++] = "--kill-on-invalid-dep=no";
	}
	args[n++] = (char *)o->script;
	args[n] = NULL;
	struct subproc_result r;
	long id = -1;
	if (subproc_run(args, SLURM_CMD_TIMEOUT_S, &r, cause) == 0) {
		if (!subproc_ok(&r)) {
			char *why = subproc_failure(args, &r);
			set_cause(cause, "%s", why);
			free(why);
		} else if ((id = slurm_parse_jobid(r.out)) < 0) {
			set_cause(cause, "sbatch answered '%s', not a job id", r.out);
		}
		subproc_result_free(&r);
	}
	for (size_t i = 0; i < k; i++)
		free(own[i]);
	return id;
}

int slurm_cancel(long job, char **cause)
{
	char id[32];
	snprintf(id, sizeof(id), "%ld", job);
	char *args[] = { "scancel", id, NULL };
	struct subproc_result r;
	if (subproc_run(args, SLURM_CMD_TIMEOUT_S, &r, cause) != 0)
		return -1;
	int rc = 0;
	if (!subproc_ok(&r)) {
		char *why = subproc_failure(args, &r);
		rc = set_cause(cause, "%s", why);
		free(why);
	}
	subproc_result_free(&r);
	return rc;
}

bool slurm_state_active(const char *state)
{
	static const char *const active[] = { "PENDING", "RUNNING", "CONFIGURING", "COMPLETING",
		"SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING",
		"STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT" };
	for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++)
		if (strcmp(state, active[i]) == 0)
			return true;
	return false;
}

void slurm_parse_tasks(long job, const char *text, struct slurm_task **tasks, size_t *n)
{
	char prefix[32];
	int plen = snprintf(prefix, sizeof(prefix), "%ld_", job);
	const char *line = text;
	while (line != NULL && *line != '\0') {
		const char *eol = strchr(line, '\n');
		size_t len = eol != NULL ? (size_t)(eol - line) : strlen(line);
		char buf[256];
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			char *p = buf;
			while (*p == ' ')
				p++;
			char *end;
			if (strncmp(p, prefix, (size_t)plen) == 0 && p[plen] >= '0' && p[plen] <= '9') {
				long idx = strtol(p + plen, &end, 10);
				/* "123_4 STATE" or "123_4|STATE"; not a step, not a range */
				if (*end == ' ' || *end == '|') {
					char *st = end + 1;
					while (*st == ' ')
						st++;
					size_t sl = strcspn(st, " |\r");
					bool seen = false;
					for (size_t i = 0; i < *n && !seen; i++)
						seen = (*tasks)[i].index == idx;
					if (!seen && sl > 0 && sl < sizeof((*tasks)[0].state)) {
						*tasks = xreallocarray(*tasks, *n + 1, sizeof(**tasks));
						(*tasks)[*n].index = idx;
						memcpy((*tasks)[*n].state, st, sl);
						(*tasks)[*n].state[sl] = '\0';
						(*n)++;
					}
				}
			}
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
}

int slurm_tasks(long job, struct slurm_task **tasks, size_t *n, char **cause)
{
	*tasks = NULL;
	*n = 0;
	char id[32];
	snprintf(id, sizeof(id), "%ld", job);
	char *sq[] = { "squeue", "--noheader", "--array", "--states=all", "--jobs", id,
		"--format=%i %T", NULL };
	struct subproc_result r;
	if (subproc_run(sq, SLURM_CMD_TIMEOUT_S, &r, cause) != 0)
		return -1;
	if (subproc_ok(&r)) {
		slurm_parse_tasks(job, r.out, tasks, n);
	} else if (strstr(r.err, "Invalid job id") == NULL) {
		/* A job the controller has forgotten is no error; anything else is. */
		char *why = subproc_failure(sq, &r);
		set_cause(cause, "%s", why);
		free(why);
		subproc_result_free(&r);
		return -1;
	}
	subproc_result_free(&r);
	/* Accounting, where the site has it, remembers what squeue forgot. */
	char *sa[] = { "sacct", "--noheader", "--parsable2", "--allocations", "--jobs", id,
		"--format=JobID,State", NULL };
	char *ignored = NULL;
	if (subproc_run(sa, SLURM_CMD_TIMEOUT_S, &r, &ignored) == 0) {
		if (subproc_ok(&r))
			slurm_parse_tasks(job, r.out, tasks, n);
		subproc_result_free(&r);
	}
	free(ignored);
	return 0;
}
