/* cmd/up.c: `umllab up FILE`: validate, start the supervisor, follow the bring-up. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "core/client.h"
#include "core/topology.h"

static int up_run(int argc, char **argv)
{
	if (argc != 2)
		return cmd_usage_error(&cmd_up, "expected one topology file");
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(argv[1], &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (lab == NULL) {
		fprintf(stderr, "umllab: %s has mistakes; nothing was started\n", argv[1]);
		return EXIT_FAIL;
	}
	char *cause = NULL;
	int code = client_up(lab, &cause);
	lab_free(lab);
	if (code < 0)
		return cmd_fail(cause, EXIT_FAIL);
	free(cause);
	return code;
}

const struct cmd_entry cmd_up = {
	.name = "up",
	.args = "FILE",
	.summary = "bring a lab up: image, switches, instances, network; then supervise it",
	.help = "Validates FILE, builds the guest image if needed (cached), starts a supervisor\n"
	    "in the background that runs the lab's switches and boots every instance, and\n"
	    "returns once every instance has configured its network and run its startup\n"
	    "commands. On failure it says what failed on which instance, shows the last\n"
	    "lines of that instance's console log, and stops everything it started.\n"
	    "Exit status: 0 up, 1 failed (or already up), 2 usage.\n",
	.run = up_run,
};
