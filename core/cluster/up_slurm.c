/* core/cluster/up_slurm.c: a lab over the tasks of a Slurm allocation (see up_slurm.h). */
#include "core/cluster/up_slurm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/lab/lab_split.h"
#include "core/cluster/slurm.h"
#include "core/cluster/slurm_lab.h"
#include "core/base/util.h"

/* Trunk ports: a block per job (from its id), so that two jobs' parts on
 * one node do not clash; UMLLAB_TRUNK_PORT sets the first port instead. */
#define TRUNK_PORT_FIRST 30000
#define TRUNK_PORT_SPAN 30000

int up_slurm_exec(const char *self, const char *file, const char *name, char **cause)
{
	const char *job = getenv("SLURM_JOB_ID");
	if (job == NULL || job[0] == '\0')
		return set_cause(cause, "--slurm runs a lab over a Slurm allocation, and this is not in "
		    "one (SLURM_JOB_ID is not set): `salloc -N2 umllab up --slurm %s`, or within an "
		    "sbatch script", file);
	const char *n = getenv("SLURM_NTASKS");
	if (n == NULL || n[0] == '\0')
		n = getenv("SLURM_NNODES");
	if (n == NULL || atoi(n) < 1)
		return set_cause(cause, "the allocation says neither how many tasks (SLURM_NTASKS) nor "
		    "how many nodes (SLURM_NNODES) it has");
	if (slurm_lab_save(name, strtol(job, NULL, 10), (unsigned)atoi(n), file, cause) < 0)
		return -1;
	char *ntasks = xasprintf("--ntasks=%s", n);
	/* Block distribution is what slurm_step_hosts() assumes; --label tells
	 * the parts' lines apart; a part that fails to come up ends the others
	 * (SIGTERM: each takes its part down), not half a lab left running. */
	char *argv[] = { "srun", ntasks, "--distribution=block", "--label", "--kill-on-bad-exit=1",
		(char *)self, "up", "--slurm-part", (char *)file, NULL };
	fflush(NULL);
	execvp("srun", argv);
	set_cause(cause, "cannot run srun: %s%s", strerror(errno),
	    errno == ENOENT ? " (install Slurm's client, Debian package slurm-client)" : "");
	free(ntasks);
	return -1;
}

/* A node's IPv4 address, as the other nodes reach it (its name resolved). */
static int host_addr(const char *host, struct vxlan_addr *a, char **cause)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res;
	int e = getaddrinfo(host, NULL, &hints, &res);
	if (e != 0)
		return set_cause(cause, "cannot resolve node %s: %s", host, gai_strerror(e));
	memset(a, 0, sizeof(*a));
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int up_slurm_part(struct lab *lab, char **cause)
{
	unsigned me, n;
	char **hosts;
	if (slurm_step_hosts(&me, &n, &hosts, cause) != 0)
		return -1;
	int rc = 0;
	struct vxlan_addr *addrs = xcalloc(n, sizeof(*addrs));
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = host_addr(hosts[i], &addrs[i], cause);
	const char *job = getenv("SLURM_JOB_ID");
	unsigned long jobid = job != NULL ? strtoul(job, NULL, 10) : 0;
	unsigned span = lab_split_ports(lab->n_switches, n);
	unsigned base = TRUNK_PORT_FIRST;
	if (span > 0 && span <= TRUNK_PORT_SPAN)
		base += (unsigned)(jobid % (TRUNK_PORT_SPAN / span)) * span;
	const char *given = getenv("UMLLAB_TRUNK_PORT");
	if (given != NULL && given[0] != '\0')
		base = (unsigned)strtoul(given, NULL, 10);
	if (rc == 0 && n > 1) {
		struct lab_split s = { .parts = n, .part = me, .hosts = addrs, .base_port = base,
			.base_vni = (uint32_t)(jobid % 1000000) * 16 };
		char *whole = xstrdup(lab->name);
		rc = lab_split_apply(lab, &s, cause);
		if (rc == 0) {
			char ip[VXLAN_ADDR_TEXT_MAX];
			vxlan_addr_host(&addrs[me], ip);
			struct strbuf b = { 0 };
			for (size_t i = 0; i < lab->n_instances; i++)
				strbuf_printf(&b, "%s%s", i > 0 ? ", " : "", lab->instances[i].name);
			char *names = strbuf_take(&b);
			printf("umllab: part %u of %u of lab %s on %s (%s) as lab %s: %s; its switches "
			    "trunked to %s over UDP from port %u\n", me, n, whole, hosts[me], ip, lab->name,
			    names, me == 0 ? "every other part" : "part 0", base);
			free(names);
			fflush(stdout);
		}
		free(whole);
	}
	for (unsigned i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
	free(addrs);
	return rc;
}
