/* cmd/web.c: `umllab web [LAB] [--listen ADDR:PORT] [--unix PATH] [--grade DIR]`: the lab in a browser (core/web). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/web/web.h"

static void web_ready(void *arg, const char *url, const char *url_file)
{
	(void)arg;
	printf("umllab web: open this URL in a browser on this machine (or through an SSH "
	    "forward):\n\n    %s\n\nThe URL holds the page's password; it is also in %s "
	    "(yours alone). Ctrl-C ends the server; the lab goes on.\n", url, url_file);
	fflush(stdout);
}

static int web_cmd_run(int argc, char **argv)
{
	struct web_opts o = { .on_ready = web_ready };
	const char *lab = cmd_take_lab(&argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (strcmp(a, "--listen") == 0 && has_next)
			o.listen = argv[++i];
		else if (strcmp(a, "--unix") == 0 && has_next)
			o.unix_path = argv[++i];
		else if (strcmp(a, "--grade") == 0 && has_next)
			o.grade_dir = argv[++i];
		else if (strcmp(a, "--unix-only") == 0)
			o.no_tcp = true;
		else if (a[0] == '-')
			return cmd_usage_error(&cmd_web, "unknown option %s", a);
		else if (lab == NULL)
			lab = a;
		else
			return cmd_usage_error(&cmd_web, "expected at most one lab");
	}
	if (o.grade_dir != NULL && lab != NULL)
		return cmd_usage_error(&cmd_web, "--grade shows a grading directory, not a lab");
	if (o.no_tcp && o.unix_path == NULL)
		return cmd_usage_error(&cmd_web, "--unix-only needs --unix PATH");
	o.lab = lab;
	char *cause = NULL;
	if (web_run(&o, &cause) != 0)
		return cmd_fail(cause, EXIT_USAGE);
	printf("umllab web: stopped\n");
	return EXIT_OK;
}

const struct cmd_entry cmd_web = {
	.name = "web",
	.args = "[LAB] [--listen ADDR:PORT] [--unix PATH [--unix-only]] | --grade DIR",
	.summary = "show a lab live in a browser: topology, consoles, captures, links, checks",
	.help = "Starts a small web server and prints the URL to open. The page draws the lab\n"
	    "(instances, switches, cables, addresses) with each instance's state and each\n"
	    "switch's frame counters, updated as they change; click an instance for its\n"
	    "console and stop/start/restart, a cable or a switch for its frames (a filter\n"
	    "box, a pcapng download) and the link's state and conditions; run the lab's\n"
	    "checks once or watch them. Without LAB it shows every running lab of yours.\n"
	    "With --grade DIR it shows a `umllab grade` output directory as a table, live\n"
	    "while grade writes it.\n\n"
	    "The server is a client of the lab like the CLI: stopping it, or its crash,\n"
	    "leaves the lab as it is. Ctrl-C ends it.\n\n"
	    "Security: it listens on 127.0.0.1 (a free port unless --listen names one);\n"
	    "every request needs the random token in the printed URL (also kept in a 0600\n"
	    "file of the state directory); requests whose Host is not this machine's\n"
	    "loopback, or whose Origin is another site, are refused with 403. --unix PATH\n"
	    "also serves on a unix socket of mode 0600, for an SSH forward such as\n"
	    "`ssh -L 8080:PATH server`.\n",
	.run = web_cmd_run,
};
