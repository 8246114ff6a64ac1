/* tests/unit/test_slurm.c: reading Slurm's answers (job ids, task states,
 * tasks per node), running a program as a subprocess (its output, status,
 * time limit), and a lab cut into parts joined by trunks (lab_split). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/lab/lab_split.h"
#include "core/cluster/slurm.h"
#include "core/base/subproc.h"
#include "core/base/util.h"

static void test_parse_jobid(void **state)
{
	(void)state;
	assert_int_equal(slurm_parse_jobid("123\n"), 123);
	assert_int_equal(slurm_parse_jobid("45;cluster\n"), 45);
	assert_int_equal(slurm_parse_jobid("Submitted batch job 7\n"), -1);
	assert_int_equal(slurm_parse_jobid(""), -1);
	assert_int_equal(slurm_parse_jobid("0"), -1);
	assert_int_equal(slurm_parse_jobid("12x"), -1);
}

static const char *state_of(const struct slurm_task *t, size_t n, long index)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].index == index)
			return t[i].state;
	return NULL;
}

static void test_parse_tasks(void **state)
{
	(void)state;
	struct slurm_task *t = NULL;
	size_t n = 0;
	/* squeue --array -o '%i %T': other jobs, a range and a step are skipped. */
	slurm_parse_tasks(7, "7_0 COMPLETED\n  7_1 RUNNING\n71_2 PENDING\n8_3 FAILED\n"
	    "7_[4-6] PENDING\n7_2.batch COMPLETED\n7_2 TIMEOUT", &t, &n);
	assert_int_equal(n, 3);
	assert_string_equal(state_of(t, n, 0), "COMPLETED");
	assert_string_equal(state_of(t, n, 1), "RUNNING");
	assert_string_equal(state_of(t, n, 2), "TIMEOUT");
	assert_null(state_of(t, n, 4));
	/* sacct -P -o JobID,State: "CANCELLED by 65534"; what squeue said first wins. */
	slurm_parse_tasks(7, "7_3|CANCELLED by 65534\n7_0|FAILED\n7_5|OUT_OF_MEMORY\n", &t, &n);
	assert_int_equal(n, 5);
	assert_string_equal(state_of(t, n, 3), "CANCELLED");
	assert_string_equal(state_of(t, n, 0), "COMPLETED");
	assert_string_equal(state_of(t, n, 5), "OUT_OF_MEMORY");
	free(t);
	assert_true(slurm_state_active("PENDING"));
	assert_true(slurm_state_active("COMPLETING"));
	assert_false(slurm_state_active("COMPLETED"));
	assert_false(slurm_state_active("NODE_FAIL"));
}

static void test_subproc(void **state)
{
	(void)state;
	struct subproc_result r;
	char *cause = NULL;
	char *say[] = { "sh", "-c", "echo out; echo 'sbatch: error: no partition' >&2; exit 3", NULL };
	assert_int_equal(subproc_run(say, 10, &r, &cause), 0);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "sbatch: error: no partition\n");
	assert_false(subproc_ok(&r));
	char *why = subproc_failure(say, &r);
	assert_string_equal(why, "sh exited with status 3: sbatch: error: no partition");
	free(why);
	subproc_result_free(&r);

	char *quiet[] = { "true", NULL };
	assert_int_equal(subproc_run(quiet, 10, &r, &cause), 0);
	assert_true(subproc_ok(&r));
	subproc_result_free(&r);

	char *missing[] = { "umllab-no-such-program", NULL };
	assert_int_equal(subproc_run(missing, 10, &r, &cause), -1);
	assert_non_null(strstr(cause, "cannot run umllab-no-such-program: No such file or directory"));

	uint64_t t0 = clock_ms();
	char *slow[] = { "sleep", "10", NULL };
	assert_int_equal(subproc_run(slow, 1, &r, &cause), -1);
	assert_non_null(strstr(cause, "sleep did not finish within 1 s"));
	assert_true(clock_ms() - t0 < 5000);
	free(cause);
}

static void test_tasks_per_node(void **state)
{
	(void)state;
	unsigned *c;
	size_t n;
	assert_int_equal(slurm_parse_tasks_per_node("2(x3),1", &c, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(c[0], 2);
	assert_int_equal(c[2], 2);
	assert_int_equal(c[3], 1);
	free(c);
	assert_int_equal(slurm_parse_tasks_per_node("2", &c, &n), 0);
	assert_int_equal(n, 1);
	free(c);
	assert_int_equal(slurm_parse_tasks_per_node("2(x", &c, &n), -1);
	assert_int_equal(slurm_parse_tasks_per_node("", &c, &n), -1);
	assert_int_equal(slurm_parse_tasks_per_node("0", &c, &n), -1);
	assert_null(c);
}

static const char split_lab[] =
    "name: x\n"
    "switches: {S1: {}, S2: {}}\n"
    "instances:\n"
    "  a: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}\n"
    "  b: {interfaces: {eth0: {switch: S1, ip: 10.0.0.2/24}, eth1: {switch: S2, ip: 10.1.0.2/24}}}\n"
    "  c: {interfaces: {eth0: {switch: S2, ip: 10.1.0.3/24}}}\n";

static unsigned port_of(const struct vxlan_addr *a)
{
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

static void test_lab_split(void **state)
{
	(void)state;
	struct vxlan_addr hosts[3];
	assert_null(vxlan_addr_parse("192.0.2.1:1", &hosts[0]));
	assert_null(vxlan_addr_parse("192.0.2.2:1", &hosts[1]));
	assert_null(vxlan_addr_parse("192.0.2.3:1", &hosts[2]));
	struct lab_diag diag = { 0 };
	char *cause = NULL;

	/* Part 0 of 2: a and b, a trunk per switch to part 1. */
	struct lab *lab = lab_load_string(split_lab, strlen(split_lab), "x.yaml", &diag);
	assert_non_null(lab);
	assert_int_equal(lab_split_part_of(lab, 0, 2), 0);
	assert_int_equal(lab_split_part_of(lab, 1, 2), 0);
	assert_int_equal(lab_split_part_of(lab, 2, 2), 1);
	assert_int_equal(lab_split_part_of(lab, 2, 3), 2);
	uint8_t mac_c[6];
	memcpy(mac_c, lab->instances[2].ifaces[0].mac, 6);
	struct lab_split s = { .parts = 2, .part = 0, .hosts = hosts, .base_port = 40000, .base_vni = 100 };
	assert_int_equal(lab_split_ports(2, 2), 8);
	assert_int_equal(lab_split_apply(lab, &s, &cause), 0);
	assert_string_equal(lab->name, "x-p0");
	assert_int_equal(lab->n_instances, 2);
	assert_string_equal(lab->instances[1].name, "b");
	assert_int_equal(lab->switches[1].n_trunks, 1);
	const struct lab_trunk *t = &lab->switches[1].trunks[0];
	assert_int_equal(t->vni, 101);
	assert_int_equal(port_of(&t->listen), 40000 + (0 * 2 + 1) * 2 + 1);
	assert_int_equal(port_of(&t->remote), 40000 + (1 * 2 + 1) * 2 + 0);
	assert_true(vxlan_addr_same_host(&t->listen, &hosts[0]));
	assert_true(vxlan_addr_same_host(&t->remote, &hosts[1]));
	lab_free(lab);

	/* Part 1 of 2: c, its MAC the whole lab's; its ends are part 0's ends reversed. */
	lab = lab_load_string(split_lab, strlen(split_lab), "x.yaml", &diag);
	s.part = 1;
	assert_int_equal(lab_split_apply(lab, &s, &cause), 0);
	assert_int_equal(lab->n_instances, 1);
	assert_string_equal(lab->instances[0].name, "c");
	assert_memory_equal(lab->instances[0].ifaces[0].mac, mac_c, 6);
	t = &lab->switches[1].trunks[0];
	assert_int_equal(port_of(&t->listen), 40000 + (1 * 2 + 1) * 2 + 0);
	assert_int_equal(port_of(&t->remote), 40000 + (0 * 2 + 1) * 2 + 1);
	lab_free(lab);

	/* Part 0 of 3: two trunks per switch (a star); parts 1 and 2 one each. */
	lab = lab_load_string(split_lab, strlen(split_lab), "x.yaml", &diag);
	struct lab_split s3 = { .parts = 3, .part = 0, .hosts = hosts, .base_port = 40000 };
	assert_int_equal(lab_split_apply(lab, &s3, &cause), 0);
	assert_int_equal(lab->n_instances, 1);
	assert_int_equal(lab->switches[0].n_trunks, 2);
	assert_true(vxlan_addr_same_host(&lab->switches[0].trunks[1].remote, &hosts[2]));
	lab_free(lab);

	/* More parts than instances, ports past 65535: refused, the lab unchanged. */
	lab = lab_load_string(split_lab, strlen(split_lab), "x.yaml", &diag);
	struct vxlan_addr four[4] = { hosts[0], hosts[1], hosts[2], hosts[2] };
	struct lab_split s4 = { .parts = 4, .part = 1, .hosts = four, .base_port = 40000 };
	assert_int_equal(lab_split_apply(lab, &s4, &cause), -1);
	assert_non_null(strstr(cause, "too few for 4 parts"));
	s.base_port = 65530;
	assert_int_equal(lab_split_apply(lab, &s, &cause), -1);
	assert_non_null(strstr(cause, "past 1024..65535"));
	assert_int_equal(lab->n_instances, 3);
	assert_string_equal(lab->name, "x");
	lab_free(lab);
	free(cause);
	lab_diag_free(&diag);
}

/* `host:` places an instance by hand; the others fill the parts in blocks. */
static const char host_lab[] =
    "switches: {S1: {}}\n"
    "instances:\n"
    "  a: {host: 1, interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}\n"
    "  b: {interfaces: {eth0: {switch: S1, ip: 10.0.0.2/24}}}\n"
    "  c: {interfaces: {eth0: {switch: S1, ip: 10.0.0.3/24}}}\n"
    "  d: {host: 0, interfaces: {eth0: {switch: S1, ip: 10.0.0.4/24}}}\n";

static void test_lab_split_host(void **state)
{
	(void)state;
	struct vxlan_addr hosts[3];
	assert_null(vxlan_addr_parse("192.0.2.1:1", &hosts[0]));
	assert_null(vxlan_addr_parse("192.0.2.2:1", &hosts[1]));
	assert_null(vxlan_addr_parse("192.0.2.3:1", &hosts[2]));
	struct lab_diag diag = { 0 };
	char *cause = NULL;
	struct lab *lab = lab_load_string(host_lab, strlen(host_lab), "h.yaml", &diag);
	assert_non_null(lab);
	assert_int_equal(lab->instances[0].host, 1);
	assert_int_equal(lab->instances[1].host, -1);
	/* a and d where they ask; b and c, the unplaced ones, one block each. */
	assert_int_equal(lab_split_part_of(lab, 0, 2), 1);
	assert_int_equal(lab_split_part_of(lab, 1, 2), 0);
	assert_int_equal(lab_split_part_of(lab, 2, 2), 1);
	assert_int_equal(lab_split_part_of(lab, 3, 2), 0);
	struct lab_split s = { .parts = 2, .part = 1, .hosts = hosts, .base_port = 40000 };
	assert_int_equal(lab_split_apply(lab, &s, &cause), 0);
	assert_int_equal(lab->n_instances, 2);
	assert_string_equal(lab->instances[0].name, "a");
	assert_string_equal(lab->instances[1].name, "c");
	lab_free(lab);

	/* A host past the allocation's tasks, and a part left empty: refused. */
	lab = lab_load_string(host_lab, strlen(host_lab), "h.yaml", &diag);
	lab->instances[1].host = 5;
	assert_int_equal(lab_split_apply(lab, &s, &cause), -1);
	assert_non_null(strstr(cause, "instance b has host: 5, but the allocation has 2 tasks"));
	for (size_t i = 0; i < lab->n_instances; i++)
		lab->instances[i].host = 0;
	assert_int_equal(lab_split_apply(lab, &s, &cause), -1);
	assert_non_null(strstr(cause, "part 1 of 2 would run no instance"));
	assert_int_equal(lab->n_instances, 4);
	lab_free(lab);

	/* The file says what a host: must be, where. */
	static const char bad[] = "switches: {S1: {}}\ninstances:\n  a: {host: two}\n";
	assert_null(lab_load_string(bad, strlen(bad), "b.yaml", &diag));
	assert_true(diag.n >= 1);
	assert_non_null(strstr(diag.msgs[0], "b.yaml:3:"));
	assert_non_null(strstr(diag.msgs[0], "is not a part number"));
	free(cause);
	lab_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_jobid),
		cmocka_unit_test(test_parse_tasks),
		cmocka_unit_test(test_subproc),
		cmocka_unit_test(test_tasks_per_node),
		cmocka_unit_test(test_lab_split),
		cmocka_unit_test(test_lab_split_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
