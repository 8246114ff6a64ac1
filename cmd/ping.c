/* cmd/ping.c: `umllab ping A B [-c N]`: reachability, tested from inside instance A. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/cluster/slurm_lab.h"
#include "core/lab/lab.h"
#include "core/base/util.h"

/* Instance name's first IPv6 address in the lab's file (else one SLAAC gives it), or "". */
static void ping_slurm_addr6(const struct lab *lab, const char *name, char addr[LAB_ADDR_TEXT_MAX])
{
	const struct lab_instance *in = lab_instance_find(lab, name);
	addr[0] = '\0';
	for (size_t i = 0; in != NULL && i < in->n_ifaces && addr[0] == '\0'; i++) {
		struct lab_addr a;
		const struct lab_addr *own = lab_iface_addr(&in->ifaces[i], AF_INET6, false);
		if (own != NULL)
			lab_addr_format(own, false, addr);
		else if (lab_iface_slaac(lab, in, &in->ifaces[i], &a, 1) == 1)
			lab_addr_format(&a, false, addr);
	}
}

/* A lab over Slurm: args ("ping", "-c", N, FROM, TO[, -6]) on FROM's part; a TO
 * that names an instance (which may run in another part) by its address. */
static int ping_slurm(const struct slurm_lab *l, void *arg)
{
	char **args = arg;
	char addr[LAB_ADDR_TEXT_MAX], *cause = NULL;
	int part = slurm_lab_part_of(l, args[3], NULL, &cause);
	if (part < 0)
		return cmd_fail(cause, EXIT_USAGE);
	bool six = args[5] != NULL && strcmp(args[5], "-6") == 0;
	if (slurm_lab_part_of(l, args[4], addr, NULL) >= 0) {
		if (six)
			ping_slurm_addr6(l->lab, args[4], addr);
		if (addr[0] == '\0')
			return cmd_fail(xasprintf("instance %s has no %saddress to ping", args[4],
			    six ? "IPv6 " : ""), EXIT_USAGE);
		args[4] = addr;
	}
	return cmd_slurm_run(l, part, args, EXIT_USAGE);
}

static int ping_run(int argc, char **argv)
{
	const char *lab = NULL, *count = "3", *family = NULL;
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
		} else if (strcmp(argv[i], "-6") == 0 || strcmp(argv[i], "-4") == 0) {
			if (family != NULL && strcmp(family, argv[i]) != 0)
				return cmd_usage_error(&cmd_ping, "-4 and -6 together");
			family = argv[i];
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
	char *args[] = { "ping", "-c", (char *)count, (char *)pos[0], (char *)pos[1], (char *)family,
		NULL };
	int over_slurm = cmd_slurm(lab, ping_slurm, args);
	if (over_slurm != CMD_LOCAL)
		return over_slurm;
	char *dir = client_find_lab(lab, true, &cause);
	if (dir == NULL)
		return cmd_fail(cause, EXIT_USAGE);
	char *req[] = { "ping", (char *)pos[0], (char *)pos[1], (char *)count, (char *)family };
	int code = client_request(dir, family != NULL ? 5 : 4, req, &cause);
	free(dir);
	if (code < 0)
		return cmd_fail(cause, EXIT_USAGE);
	free(cause);
	return code;
}

const struct cmd_entry cmd_ping = {
	.name = "ping",
	.args = "[--lab LAB] A B [-c N] [-4|-6]",
	.summary = "ping from inside instance A to B (an instance's first address, or an IP)",
	.help = "Runs `ping -c N` (default 3, 0.2 s apart) inside A, driven through mconsole,\n"
	    "and prints the guest's summary. Nothing on the host sends to the lab's addresses.\n"
	    "B is an instance (its first IPv4 address, else its first IPv6 one) or an address:\n"
	    "IPv4, IPv6, or link-local as fe80::1%eth0 (eth0 being A's). -6 pings B's IPv6\n"
	    "address (one it has in the topology, else the one SLAAC gives it), -4 its IPv4 one.\n"
	    "The guest's summary is only its claim: the lab's switches watch the pings meanwhile,\n"
	    "and a last line says what each switch crossed carried (echo requests and replies,\n"
	    "ICMP or ICMPv6, and from which instance's cable). When the guest and the switches\n"
	    "disagree (it printed replies that never crossed a switch), ping says so and exits 1.\n"
	    "Exit status: 0 if replies came back, 1 if none did or the switches disagree,\n"
	    "2 on usage or lab errors.\n"
	    "--lab LAB picks the lab when several run.\n",
	.run = ping_run,
};
