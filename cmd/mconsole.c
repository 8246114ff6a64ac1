/* cmd/mconsole.c: `umllab mconsole INSTANCE CMD...`: one UML management console command. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"

static int mconsole_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc < 3)
		return cmd_usage_error(&cmd_mconsole, "expected an instance and a command");
	char *text = xstrdup(argv[2]);
	for (int i = 3; i < argc; i++) {
		char *next = xasprintf("%s %s", text, argv[i]);
		free(text);
		text = next;
	}
	char *req[] = { "mconsole", argv[1], text };
	int code = cmd_request(lab, 3, req, EXIT_USAGE);
	free(text);
	return code;
}

const struct cmd_entry cmd_mconsole = {
	.name = "mconsole",
	.args = "[--lab LAB] INSTANCE CMD [ARG...]",
	.summary = "send one command to an instance's UML management console",
	.help = "Examples: version, help, proc meminfo, sysrq m, config eth0, log TEXT, stop, go.\n"
	    "Prints the kernel's reply. `halt` and `reboot` go through umllab's own stop and\n"
	    "restart, so the watchdog does not take them for a crash. `sysrq c` crashes the\n"
	    "kernel on purpose: no reply comes, and the watchdog restarts it.\n"
	    "Exit status: 0 the kernel answered, 1 it answered with an error, 2 no answer,\n"
	    "usage or lab errors.\n",
	.run = mconsole_run,
};
