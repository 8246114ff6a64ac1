/* cmd/ping.c: `umllab ping A B [-c N]`: reachability, tested from inside instance A. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"
#include "core/base/util.h"

/* A lab over Slurm: args ("ping", "-c", N, FROM, TO) on FROM's part; a TO
 * that names an instance (which may run in another part) by its address. */
static int ping_slurm(const struct slurm_lab *l, void *arg)
{
	char **args = arg;
	char addr[INET_ADDRSTRLEN], *cause = NULL;
	int part = slurm_lab_part_of(l, args[3], NULL, &cause);
	if (part < 0)
		return cmd_fail(cause, EXIT_USAGE);
	if (slurm_lab_part_of(l, args[4], addr, NULL) >= 0) {
		if (addr[0] == '\0')
			return cmd_fail(xasprintf("instance %s has no address to ping", args[4]), EXIT_USAGE);
		args[4] = addr;
	}
	return cmd_slurm_run(l, part, args, EXIT_USAGE);
}

static int ping_run(int argc, char **argv)
{
	const char *lab = NULL, *count = "3";
	const char *pos[2];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 == argc) {
			return cmd_usage_error(&cmd_ping, "-c needs a count, such as -c 3");
		} else if (strcmp(argv[i], "-c") == 0) {
			count = argv[++i];
			char *end;
			long n = strtol(count, &end, 10);
			if (*end != '\0' || n < 1 || n > 1000)
				return cmd_usage_error(&cmd_ping, "-c wants a count from 1 to 1000");
		} else if ((strcmp(argv[i], "--lab") == 0 || strcmp(argv[i], "-l") == 0) &&
		    i + 1 < argc) {
			lab = argv[++i];
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(&cmd_ping, "unknown option %s", argv[i]);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			return cmd_usage_error(&cmd_ping, "too many arguments");
		}
	}
	if (npos != 2)
		return cmd_usage_error(&cmd_ping, "expected a source instance and a target");
	char *cause = NULL;
	char *args[] = { "ping", "-c", (char *)count, (char *)pos[0], (char *)pos[1], NULL };
	int over_slurm = cmd_slurm(lab, ping_slurm, args);
	if (over_slurm != CMD_LOCAL)
		return over_slurm;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	char *req[] = { "ping", (char *)pos[0], (char *)pos[1], (char *)count };
	int code = client_request(dir, 4, req, &cause);
	free(dir);
	if (code < 0)
		return cmd_fail(cause, EXIT_USAGE);
	free(cause);
	return code;
}

const struct cmd_entry cmd_ping = {
	.name = "ping",
	.args = "[--lab LAB] A B [-c N]",
	.summary = "ping from inside instance A to B (an instance's first address, or an IP)",
	.help = "Runs `ping -c N` (default 3, 0.2 s apart) inside A, driven through mconsole,\n"
	    "and prints the guest's summary. Nothing on the host sends to the lab's addresses.\n"
	    "The guest's summary is only its claim: the lab's switches watch the pings meanwhile,\n"
	    "and a last line says what each switch crossed carried (echo requests and replies,\n"
	    "and from which instance's cable). When the guest and the switches disagree (it\n"
	    "printed replies that never crossed a switch), ping says so and exits 1.\n"
	    "Exit status: 0 if replies came back, 1 if none did or the switches disagree,\n"
	    "2 on usage or lab errors.\n"
	    "--lab LAB picks the lab when several run.\n",
	.run = ping_run,
};
