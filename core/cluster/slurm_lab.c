/* core/cluster/slurm_lab.c: a lab over Slurm seen from where `up --slurm` started it (see slurm_lab.h). */
#include "core/cluster/slurm_lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/lab/lab_split.h"
#include "core/cluster/slurm.h"
#include "core/base/state.h"
#include "core/base/subproc.h"
#include "core/lab/topology.h"
#include "core/base/util.h"

static char *note_path(const char *name, char **cause)
{
	char *root = state_root(cause);
	if (root == NULL)
		return NULL;
	char *path = xasprintf("%s/%s.slurm", root, name);
	free(root);
	return path;
}

int slurm_lab_save(const char *name, long job, unsigned parts, const char *file, char **cause)
{
	char *path = note_path(name, cause);
	if (path == NULL)
		return -1;
	char *text = xasprintf("%ld %u %s\n", job, parts, file);
	FILE *f = fopen(path, "w");
	int rc = 0;
	if (f == NULL) {
		rc = set_cause(cause, "cannot write %s: %s", path, strerror(errno));
	} else {
		/* fclose() once, whatever happened: a second one is undefined. */
		bool written = fputs(text, f) != EOF;
		int err = errno;
		if (fclose(f) != 0 && written) {
			written = false;
			err = errno;
		}
		if (!written)
			rc = set_cause(cause, "cannot write %s: %s", path, strerror(err));
	}
	free(text);
	free(path);
	return rc;
}

void slurm_lab_free(struct slurm_lab *l)
{
	free(l->name);
	lab_free(l->lab);
	*l = (struct slurm_lab){ 0 };
}

void slurm_lab_forget(const char *name)
{
	char *path = note_path(name, NULL);
	if (path != NULL)
		unlink(path);
	free(path);
}

/* True while squeue lists the job in a state that has not ended. */
static int job_active(long job, char **cause)
{
	char id[32];
	snprintf(id, sizeof(id), "%ld", job);
	char *args[] = { "squeue", "-h", "-j", id, "-o", "%T", NULL };
	struct subproc_result r;
	if (subproc_run(args, 30, &r, cause) != 0)
		return -1;
	int active = 0;
	if (subproc_ok(&r)) {
		r.out[strcspn(r.out, "\n")] = '\0';
		active = r.out[0] != '\0' && slurm_state_active(r.out);
	} else if (strstr(r.err, "Invalid job id") == NULL) {
		char *why = subproc_failure(args, &r);
		active = set_cause(cause, "%s", why);
		free(why);
	}
	subproc_result_free(&r);
	return active;
}

int slurm_lab_find(const char *name, struct slurm_lab *l, char **cause)
{
	*l = (struct slurm_lab){ 0 };
	if (name == NULL)
		return 0;
	char *path = note_path(name, NULL);
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	free(path);
	if (f == NULL)
		return 0;
	char file[4096];
	long job;
	unsigned parts;
	int got = fscanf(f, "%ld %u %4095[^\n]", &job, &parts, file);
	fclose(f);
	if (got != 3 || job <= 0 || parts < 1)
		return 0;
	int active = job_active(job, cause);
	if (active <= 0) {
		if (active == 0)
			slurm_lab_forget(name);
		return active;
	}
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(file, &diag);
	lab_diag_free(&diag);
	if (lab == NULL)
		return set_cause(cause, "lab %s runs over Slurm job %ld, but its file %s can no longer "
		    "be read: put it back, or end the job (`scancel %ld`)", name, job, file, job);
	*l = (struct slurm_lab){ .name = xstrdup(name), .job = job, .parts = parts, .lab = lab };
	return 1;
}

int slurm_lab_part_of(const struct slurm_lab *l, const char *instance, char *addr, char **cause)
{
	const struct lab *lab = l->lab;
	int part = -1;
	for (size_t i = 0; i < lab->n_instances && part < 0; i++) {
		const struct lab_instance *in = &lab->instances[i];
		if (strcmp(in->name, instance) != 0)
			continue;
		part = (int)lab_split_part_of(lab, i, l->parts);
		if (addr != NULL) {
			addr[0] = '\0';
			for (size_t k = 0; k < in->n_ifaces && addr[0] == '\0'; k++) {
				const struct lab_addr *a = lab_iface_addr(&in->ifaces[k], AF_INET, false);
				if (a != NULL)
					inet_ntop(AF_INET, &a->in4, addr, INET_ADDRSTRLEN);
			}
		}
	}
	if (part < 0)
		set_cause(cause, "lab %s has no instance %s", l->name, instance);
	return part;
}

/* srun's output goes to ours, or, with out, into out. */
static int slurm_lab_srun(const struct slurm_lab *l, int part, char *const args[],
    struct strbuf *out, char **cause)
{
	char *self = self_exe(cause);
	if (self == NULL)
		return -1;
	size_t nargs = 0;
	while (args[nargs] != NULL)
		nargs++;
	char jobid[32], ntasks[32], which[16];
	snprintf(jobid, sizeof(jobid), "--jobid=%ld", l->job);
	snprintf(ntasks, sizeof(ntasks), "--ntasks=%u", l->parts);
	snprintf(which, sizeof(which), "%d", part);
	/* The same tasks as up --slurm's step (block distribution), so task K
	 * runs on part K's node; --overlap shares the job's CPUs with it. */
	char **argv = xcalloc(nargs + 12, sizeof(*argv));
	size_t n = 0;
	argv[n++] = "srun";
	argv[n++] = jobid;
	argv[n++] = "--overlap";
	argv[n++] = ntasks;
	argv[n++] = "--distribution=block";
	if (part < 0)
		argv[n++] = "--label";
	argv[n++] = self;
	argv[n++] = "--slurm-task";
	argv[n++] = l->name;
	argv[n++] = which;
	for (size_t i = 0; i < nargs; i++)
		argv[n++] = args[i];
	int pipefd[2] = { -1, -1 };
	if (out != NULL && pipe2(pipefd, O_CLOEXEC) != 0) {
		free(argv);
		free(self);
		return set_cause(cause, "cannot make a pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		free(argv);
		free(self);
		if (out != NULL) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return set_cause(cause, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (out != NULL && dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(126);
		execvp("srun", argv);
		fprintf(stderr, "umllab: cannot run srun: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	free(self);
	if (out != NULL) {
		close(pipefd[1]);
		char buf[4096];
		ssize_t got;
		while ((got = read(pipefd[0], buf, sizeof(buf))) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				break;
			strbuf_append(out, buf, (size_t)got);
		}
		close(pipefd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return set_cause(cause, "waiting for srun: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return set_cause(cause, "srun could not be run (install Slurm's client, slurm-client)");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int slurm_lab_run(const struct slurm_lab *l, int part, char *const args[], char **cause)
{
	return slurm_lab_srun(l, part, args, NULL, cause);
}

int slurm_lab_run_output(const struct slurm_lab *l, char *const args[], char ***texts,
    char **cause)
{
	/* A step per part, unlabelled: srun --label cuts a long line into labelled pieces,
	 * and a cut cannot be told from a line's end. */
	*texts = xcalloc(l->parts, sizeof(**texts));
	int code = 0;
	for (unsigned k = 0; k < l->parts; k++) {
		struct strbuf out = { 0 };
		int rc = slurm_lab_srun(l, (int)k, args, &out, cause);
		if (rc < 0) {
			free(out.s);
			for (unsigned j = 0; j < k; j++)
				free((*texts)[j]);
			free(*texts);
			*texts = NULL;
			return -1;
		}
		(*texts)[k] = out.s;	/* NULL: the part printed nothing */
		code = rc > code ? rc : code;
	}
	return code;
}

int slurm_lab_task_argv(int argc, char **argv, int *out_argc, char ***out_argv, char **cause)
{
	/* umllab --slurm-task NAME PART CMD ARGS... */
	if (argc < 5)
		return set_cause(cause, "--slurm-task NAME PART COMMAND ARGS...");
	const char *procid = getenv("SLURM_PROCID");
	if (procid == NULL)
		return set_cause(cause, "--slurm-task runs only in a task started by srun");
	long me = strtol(procid, NULL, 10), part = strtol(argv[3], NULL, 10);
	const char *ntasks = getenv("SLURM_NTASKS");
	if (part >= 0 && me != part)
		return 1;
	/* A one-task step runs the whole lab under its own name (up_slurm_part). */
	static char *lab;	/* lives as long as the command that uses it */
	free(lab);
	lab = ntasks != NULL && strcmp(ntasks, "1") == 0 ? xstrdup(argv[2]) :
	    xasprintf("%s-p%ld", argv[2], me);
	/* umllab CMD --lab LAB ARGS..., in place: ARGS already sit where they go. */
	char *self = argv[0], *cmd = argv[4];
	char **out = argv + 1;
	out[0] = self;
	out[1] = cmd;
	out[2] = "--lab";
	out[3] = lab;
	*out_argc = argc - 1;
	*out_argv = out;
	return 0;
}
