/* cmd/exec.c: `umllab exec A -- CMD...`: run a command in a guest, relay its output and status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"
#include "core/base/util.h"

/* Quote one argument for /bin/sh: 'it'\''s' style. */
static char *shell_quote(const char *arg)
{
	if (arg[0] != '\0' && strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_./=:,@%+") == strlen(arg))
		return xstrdup(arg);
	size_t n = 2;
	for (const char *p = arg; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = xmalloc(n + 1), *o = q;
	*o++ = '\'';
	for (const char *p = arg; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* A lab over Slurm: args ("exec", INSTANCE, "--", ...) on INSTANCE's part. */
static int exec_slurm(const struct slurm_lab *l, void *arg)
{
	char **args = arg;
	char *cause = NULL;
	int part = slurm_lab_part_of(l, args[1], NULL, &cause);
	if (part < 0)
		return cmd_fail(cause, UMLLAB_EXIT_EXEC_FAILED);
	return cmd_slurm_run(l, part, args, UMLLAB_EXIT_EXEC_FAILED);
}

static int exec_run(int argc, char **argv)
{
	const char *lab = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		if ((strcmp(argv[i], "--lab") == 0 || strcmp(argv[i], "-l") == 0) && i + 1 < argc)
			lab = argv[++i];
		else
			return cmd_usage_error(&cmd_exec, "unknown option %s", argv[i]);
	}
	if (i >= argc)
		return cmd_usage_error(&cmd_exec, "expected an instance");
	const char *instance = argv[i++];
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cmd_usage_error(&cmd_exec, "expected a command after the instance");
	/* exec INSTANCE -- ARGS... as given, on the instance's part. */
	char **args = xcalloc((size_t)(argc - i) + 4, sizeof(*args));
	size_t n = 0;
	args[n++] = "exec";
	args[n++] = (char *)instance;
	args[n++] = "--";
	for (int k = i; k < argc; k++)
		args[n++] = argv[k];
	int over_slurm = cmd_slurm(lab, exec_slurm, args);
	free(args);
	if (over_slurm != CMD_LOCAL)
		return over_slurm;
	char *cmd = xstrdup("");
	for (; i < argc; i++) {
		char *q = shell_quote(argv[i]);
		char *next = xasprintf("%s%s%s", cmd, cmd[0] ? " " : "", q);
		free(q);
		free(cmd);
		cmd = next;
	}
	char *cause = NULL;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL) {
		free(cmd);
		return cmd_fail(cause, UMLLAB_EXIT_EXEC_FAILED);
	}
	char *req[] = { "exec", (char *)instance, cmd };
	int code = client_request(dir, 3, req, &cause);
	free(dir);
	free(cmd);
	if (code < 0)
		return cmd_fail(cause, UMLLAB_EXIT_EXEC_FAILED);
	free(cause);
	return code;
}

const struct cmd_entry cmd_exec = {
	.name = "exec",
	.args = "[--lab LAB] INSTANCE [--] CMD [ARG...]",
	.summary = "run a command inside an instance and exit with its exit status",
	.help = "The command runs as root under /bin/sh in the guest, with stdin from\n"
	    "/dev/null; its standard output and error are printed together, however long.\n"
	    "Arguments are quoted for the guest's shell exactly as given; for shell syntax\n"
	    "run `umllab exec A -- sh -c 'CMD | CMD'`. It travels through the UML\n"
	    "management console (mconsole), not through the lab's network.\n"
	    "Exit status: the command's own (128+N if killed by signal N), or 255 when it\n"
	    "could not be run (no such lab or instance, instance not running).\n"
	    "--lab LAB picks the lab when several run.\n",
	.run = exec_run,
};
