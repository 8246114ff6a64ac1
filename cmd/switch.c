/* cmd/switch.c: `umllab switch PATH [--hub]`: one umllab switch in the foreground. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "switch/switch.h"

static int switch_run(int argc, char **argv)
{
	const char *path = NULL;
	enum switch_mode mode = SWITCH_MODE_LEARNING;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hub") == 0)
			mode = SWITCH_MODE_HUB;
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_switch, "unknown option %s", argv[i]);
		else if (path == NULL)
			path = argv[i];
		else
			return cmd_usage_error(&cmd_switch, "expected one control socket path");
	}
	if (path == NULL)
		return cmd_usage_error(&cmd_switch, "expected a control socket path");

	/* Wait for a signal in the main thread; the switch runs in its own. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	char *cause = NULL;
	struct sw *sw = switch_start("switch", path, mode, &cause);
	if (sw == NULL)
		return cmd_fail(cause, EXIT_FAIL);
	fprintf(stderr, "umllab: %s listening on %s; stop with Ctrl-C\n",
	    mode == SWITCH_MODE_HUB ? "hub" : "switch", path);
	int sig;
	sigwait(&set, &sig);
	struct switch_info info;
	switch_get_info(sw, &info);
	switch_stop(sw);
	fprintf(stderr, "umllab: switch stopped: %llu frames in, %llu out, %llu dropped\n",
	    (unsigned long long)info.frames_in, (unsigned long long)info.frames_out,
	    (unsigned long long)info.frames_dropped);
	return EXIT_OK;
}

const struct cmd_entry cmd_switch = {
	.name = "switch",
	.args = "PATH [--hub]",
	.summary = "run one switch in the foreground on control socket PATH (like uml_switch)",
	.help = "Any UML kernel plugs in with `ethN=daemon,MAC,unix,PATH`. Learning switch by\n"
	    "default; --hub sends every frame to every other port. Ctrl-C stops it.\n",
	.run = switch_run,
};
