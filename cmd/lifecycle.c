/* cmd/lifecycle.c: `umllab stop|start|restart [--lab LAB] INSTANCE`. */
#include "cmd/cmd.h"

static int lifecycle_run(const struct cmd_entry *cmd, int argc, char **argv)
{
	const char *lab = cmd_take_lab(&argc, argv);
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(cmd, "expected one instance");
	char *req[] = { (char *)cmd->name, argv[1] };
	return cmd_request(lab, 2, req, EXIT_USAGE);
}

static int stop_run(int argc, char **argv) { return lifecycle_run(&cmd_stop, argc, argv); }
static int start_run(int argc, char **argv) { return lifecycle_run(&cmd_start, argc, argv); }
static int restart_run(int argc, char **argv) { return lifecycle_run(&cmd_restart, argc, argv); }

const struct cmd_entry cmd_stop = {
	.name = "stop",
	.args = "[--lab LAB] INSTANCE",
	.summary = "halt one instance; the watchdog leaves it stopped",
	.help = "Halts the instance through mconsole (killed after a few seconds if it does not\n"
	    "stop) and returns once it has stopped. Its neighbours and the switches keep\n"
	    "running. Exit status: 0 stopped, 1 failed, 2 usage or lab errors.\n",
	.run = stop_run,
};

const struct cmd_entry cmd_start = {
	.name = "start",
	.args = "[--lab LAB] INSTANCE",
	.summary = "start a stopped or failed instance again",
	.help = "Boots it on its own switch ports, MAC addresses and copy-on-write disk, and\n"
	    "returns once its network is configured. Its restart budget starts afresh.\n"
	    "Exit status: 0 running, 1 it failed to come up, 2 usage or lab errors.\n",
	.run = start_run,
};

const struct cmd_entry cmd_restart = {
	.name = "restart",
	.args = "[--lab LAB] INSTANCE",
	.summary = "halt one instance and start it again",
	.help = "Like `stop` then `start`. Whatever was written to its disk is kept.\n"
	    "Exit status: 0 running again, 1 it failed to come up, 2 usage or lab errors.\n",
	.run = restart_run,
};
