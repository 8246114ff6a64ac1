/* core/cluster/slurm.c: sbatch, squeue, sacct and scancel as subprocesses. */
#include "core/cluster/slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/subproc.h"
#include "core/base/util.h"

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

int slurm_parse_tasks_per_node(const char *text, unsigned **counts, size_t *n)
{
	*counts = NULL;
	*n = 0;
	const char *p = text;
	while (*p != '\0') {
		char *end;
		unsigned long c = strtoul(p, &end, 10), times = 1;
		if (end == p || c == 0 || c > 100000)
			goto bad;
		p = end;
		if (strncmp(p, "(x", 2) == 0) {
			times = strtoul(p + 2, &end, 10);
			if (end == p + 2 || *end != ')' || times == 0 || times > 100000)
				goto bad;
			p = end + 1;
		}
		for (unsigned long i = 0; i < times; i++) {
			*counts = xreallocarray(*counts, *n + 1, sizeof(**counts));
			(*counts)[(*n)++] = (unsigned)c;
		}
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (*n > 0)
		return 0;
bad:
	free(*counts);
	*counts = NULL;
	*n = 0;
	return -1;
}

static const char *env_first(const char *a, const char *b)
{
	const char *v = getenv(a);
	return v != NULL && v[0] != '\0' ? v : getenv(b);
}

int slurm_step_hosts(unsigned *procid, unsigned *ntasks, char ***hosts, char **cause)
{
	*hosts = NULL;
	*ntasks = 0;
	const char *rank = getenv("SLURM_PROCID");
	const char *nodelist = env_first("SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST");
	const char *per_node = env_first("SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE");
	if (rank == NULL || nodelist == NULL || per_node == NULL)
		return set_cause(cause, "this is not a task started by srun (SLURM_PROCID, "
		    "SLURM_STEP_NODELIST or SLURM_STEP_TASKS_PER_NODE is not set)");
	unsigned *counts;
	size_t n_nodes;
	if (slurm_parse_tasks_per_node(per_node, &counts, &n_nodes) != 0)
		return set_cause(cause, "cannot read SLURM_STEP_TASKS_PER_NODE '%s'", per_node);
	char *args[] = { "scontrol", "show", "hostnames", (char *)nodelist, NULL };
	struct subproc_result r;
	if (subproc_run(args, SLURM_CMD_TIMEOUT_S, &r, cause) != 0) {
		free(counts);
		return -1;
	}
	int rc = 0;
	if (!subproc_ok(&r)) {
		char *why = subproc_failure(args, &r);
		rc = set_cause(cause, "%s", why);
		free(why);
	}
	/* One name per line, in the order of the node list. */
	char **names = NULL;
	size_t n_names = 0;
	for (char *save = NULL, *line = rc == 0 ? strtok_r(r.out, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		names = xreallocarray(names, n_names + 1, sizeof(*names));
		names[n_names++] = xstrdup(line);
	}
	subproc_result_free(&r);
	if (rc == 0 && n_names != n_nodes)
		rc = set_cause(cause, "the step's node list %s names %zu nodes, its tasks per node "
		    "(%s) %zu", nodelist, n_names, per_node, n_nodes);
	if (rc == 0) {
		/* Block distribution: the first node's tasks first. */
		for (size_t i = 0; i < n_nodes; i++) {
			for (unsigned k = 0; k < counts[i]; k++) {
				*hosts = xreallocarray(*hosts, *ntasks + 1, sizeof(**hosts));
				(*hosts)[(*ntasks)++] = xstrdup(names[i]);
			}
		}
		char *end;
		unsigned long id = strtoul(rank, &end, 10);
		if (*end != '\0' || id >= *ntasks)
			rc = set_cause(cause, "SLURM_PROCID '%s' is not a task of %u", rank, *ntasks);
		*procid = (unsigned)id;
	}
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(counts);
	if (rc != 0) {
		for (unsigned i = 0; i < *ntasks; i++)
			free((*hosts)[i]);
		free(*hosts);
		*hosts = NULL;
		*ntasks = 0;
	}
	return rc;
}
