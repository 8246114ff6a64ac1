/* cmd/switch.c: `umllab switch PATH [--hub] [--cable NAME=SOCKET]...`: one umllab switch in the foreground. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/util.h"
#include "switch/switch.h"

/* Run until a signal; cables are NAME=SOCKET. */
static int switch_serve(const char *path, enum switch_mode mode, const char **cables,
    size_t ncables)
{
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
	for (size_t i = 0; i < ncables; i++) {
		char *name = xstrdup(cables[i]);
		char *sock = strchr(name, '=');
		*sock++ = '\0';
		int rc = switch_cable_open(sw, name, sock, &cause);
		if (rc == 0)
			fprintf(stderr, "umllab: cable %s at %s (a kernel plugs in with "
			    "vecN:transport=bess,dst=%s)\n", name, sock, sock);
		free(name);
		if (rc != 0) {
			switch_stop(sw);
			return cmd_fail(cause, EXIT_FAIL);
		}
	}
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

static int switch_run(int argc, char **argv)
{
	const char *path = NULL;
	enum switch_mode mode = SWITCH_MODE_LEARNING;
	const char **cables = xcalloc((size_t)argc, sizeof(*cables));
	size_t ncables = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hub") == 0) {
			mode = SWITCH_MODE_HUB;
		} else if (strcmp(argv[i], "--cable") == 0) {
			if (i + 1 == argc || strchr(argv[i + 1], '=') == NULL ||
			    argv[i + 1][0] == '=') {
				free(cables);
				return cmd_usage_error(&cmd_switch, "--cable needs NAME=SOCKET, such as "
				    "--cable a=/tmp/lab/a.sock");
			}
			cables[ncables++] = argv[++i];
		} else if (argv[i][0] == '-') {
			free(cables);
			return cmd_usage_error(&cmd_switch, "unknown option %s", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			free(cables);
			return cmd_usage_error(&cmd_switch, "expected one control socket path");
		}
	}
	if (path == NULL) {
		free(cables);
		return cmd_usage_error(&cmd_switch, "expected a control socket path");
	}
	int rc = switch_serve(path, mode, cables, ncables);
	free(cables);
	return rc;
}

const struct cmd_entry cmd_switch = {
	.name = "switch",
	.args = "PATH [--hub] [--cable NAME=SOCKET]...",
	.summary = "run one switch in the foreground on control socket PATH (like uml_switch)",
	.help = "Any UML kernel plugs in with `ethN=daemon,MAC,unix,PATH` (the uml_switch\n"
	    "protocol; its data socket has an abstract name that any local user can send\n"
	    "frames to). Each --cable makes a private port instead: a socket at SOCKET that\n"
	    "one kernel plugs into with `vecN:transport=bess,dst=SOCKET`, as umllab's own\n"
	    "instances do; put it in a directory only you can enter. Learning switch by\n"
	    "default; --hub sends every frame to every other port. Ctrl-C stops it.\n",
	.run = switch_run,
};
