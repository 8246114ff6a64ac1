/* cmd/mconsole.c: `umllab mconsole INSTANCE CMD...`: one UML management console command. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/base/util.h"

/* No command given: read commands line by line, like uml_mconsole, each
 * sent through the supervisor. Exits with the last command's status. */
static int mconsole_interactive(const char *lab, char *instance)
{
	bool tty = isatty(0);
	int code = EXIT_OK;
	char *line = NULL;
	size_t cap = 0;
	if (tty)
		printf("umllab mconsole: commands for %s's management console; `help` lists them, "
		    "Ctrl-D or `quit` ends\n", instance);
	for (;;) {
		if (tty) {
			printf("(%s) ", instance);
			fflush(stdout);
		}
		ssize_t n = getline(&line, &cap, stdin);
		if (n < 0)
			break;
		line[strcspn(line, "\r\n")] = '\0';
		char *cmd = line + strspn(line, " \t");
		if (cmd[0] == '\0')
			continue;
		if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0)
			break;
		char *req[] = { "mconsole", instance, cmd };
		code = cmd_request(lab, 3, req, EXIT_USAGE);
		fflush(stdout);
	}
	if (tty)
		printf("\n");
	free(line);
	return code;
}

static int mconsole_run(int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc == 2 && argv[1][0] != '-')
		return mconsole_interactive(lab, argv[1]);
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
	.args = "[--lab LAB] INSTANCE [CMD [ARG...]]",
	.summary = "send one command to an instance's UML management console",
	.help = "Examples: version, help, proc meminfo, sysrq m, config eth0, log TEXT, stop,\n"
	    "go. Prints the kernel's reply, every part of it. Without CMD, reads commands\n"
	    "line by line (with a prompt on a terminal), like uml_mconsole.\n"
	    "`halt` and `reboot` go through umllab's own stop and restart, so the watchdog\n"
	    "does not take them for a crash. Commands that end the kernel get no reply\n"
	    "(`sysrq c` panics it, `sysrq b` and `sysrq o` end it, `cad` has the guest power\n"
	    "off): umllab waits for the kernel to go and says how it ended and what the\n"
	    "watchdog does next.\n"
	    "Exit status: 0 the kernel answered (or ended as asked), 1 it answered with an\n"
	    "error or did not answer, 2 usage errors or no such lab or instance.\n",
	.run = mconsole_run,
};
