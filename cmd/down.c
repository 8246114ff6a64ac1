/* cmd/down.c: `umllab down [LAB]`: stop a lab and leave nothing running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client.h"

static int down_run(int argc, char **argv)
{
	if (argc > 2)
		return cmd_usage_error(&cmd_down, "expected at most one lab");
	char *cause = NULL;
	char *dir = client_find_lab(argc == 2 ? argv[1] : NULL, false, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	int stopped = client_down(dir, &cause);
	const char *name = strrchr(dir, '/') + 1;
	if (stopped > 0)
		printf("umllab: lab %s is down\n", name);
	else
		printf("umllab: lab %s was not running\n", name);
	free(dir);
	free(cause);
	return EXIT_OK;
}

const struct cmd_entry cmd_down = {
	.name = "down",
	.args = "[LAB]",
	.summary = "halt every instance, stop the switches and the supervisor",
	.help = "LAB is a lab name or its topology file; without it, the only running lab\n"
	    "(several running: they are listed and none is stopped). Instances get\n"
	    "mconsole `halt` and are killed if they have not stopped a few seconds later.\n"
	    "If the supervisor died, down still kills what is left of the lab by the pid\n"
	    "files UML wrote, and removes the sockets.\n",
	.run = down_run,
};
