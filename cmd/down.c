/* cmd/down.c: `umllab down [--wipe] [LAB]`: stop a lab and leave nothing running; keep its disks unless asked. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"
#include "core/storage/labimage.h"
#include "core/base/state.h"

/* A lab over Slurm: each part goes down on its node; its up --foreground
 * then ends, and with the last of them up --slurm's step. */
static int down_slurm(const struct slurm_lab *l, void *arg)
{
	int code = cmd_slurm_run(l, -1, (char *[]){ "down", *(const bool *)arg ? "--wipe" : NULL,
	    NULL }, EXIT_FAIL);
	if (code == EXIT_OK)
		slurm_lab_forget(l->name);
	return code;
}

static int down_run(int argc, char **argv)
{
	bool wipe = false;
	const char *lab = cmd_take_lab(&argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wipe") == 0)
			wipe = true;
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_down, "unknown option %s", argv[i]);
		else if (lab == NULL)
			lab = argv[i];
		else
			return cmd_usage_error(&cmd_down, "expected at most one lab");
	}
	char *cause = NULL;
	int over_slurm = cmd_slurm(lab, down_slurm, &wipe);
	if (over_slurm != CMD_LOCAL)
		return over_slurm;
	char *dir = client_find_lab(lab, false, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	int stopped = client_down(dir, &cause);
	const char *name = strrchr(dir, '/') + 1;
	if (stopped > 0)
		printf("umllab: lab %s is down\n", name);
	else
		printf("umllab: lab %s was not running\n", name);
	free(cause);
	cause = NULL;
	int code = EXIT_OK;
	if (wipe) {
		/* The disk directory, and the runtime one where older versions kept them. */
		char *disks = state_disk_dir(name, false, &cause);
		int n = disks == NULL ? -1 : lab_disks_wipe(disks, &cause);
		int old = n < 0 ? 0 : lab_disks_wipe(dir, &cause);
		n = old < 0 ? -1 : n + old;
		if (disks != NULL)
			rmdir(disks);
		free(disks);
		if (n < 0)
			code = cmd_fail(cause, EXIT_FAIL);
		else
			printf("umllab: removed %d disk%s of lab %s: its instances start afresh\n", n,
			    n == 1 ? "" : "s", name);
		n = state_wipe_captures(dir, &cause);
		if (n < 0)
			code = cmd_fail(cause, EXIT_FAIL);
		else if (n > 0)
			printf("umllab: removed %d recorded capture file%s of lab %s\n", n,
			    n == 1 ? "" : "s", name);
	} else if (stopped > 0) {
		printf("umllab: the instances' disks are kept for the next `up` (`down --wipe` "
		    "removes them)\n");
	}
	free(dir);
	return code;
}

const struct cmd_entry cmd_down = {
	.name = "down",
	.args = "[--wipe] [[--lab] LAB]",
	.summary = "halt every instance, stop the switches and the supervisor",
	.help = "LAB is a lab name or its topology file; without it, the only running lab\n"
	    "(several running: they are listed and none is stopped). Instances get\n"
	    "mconsole `halt` and are killed if they have not stopped a few seconds later.\n"
	    "If the supervisor died, down still kills what is left of the lab by the pid\n"
	    "files UML wrote, and removes the sockets.\n"
	    "Each instance's disk (its copy-on-write file over the image) is kept, so what\n"
	    "was written in the guest is there at the next `up`. With --wipe, the disks are\n"
	    "removed too: the next `up` starts every instance from its image.\n",
	.run = down_run,
};
