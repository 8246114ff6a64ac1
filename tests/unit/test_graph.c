/* tests/unit/test_graph.c: the DOT renderer against golden files, and the running lab's report parser.
 *
 * Run from the top of the tree (as `make unit` does). UMLLAB_GOLDEN_UPDATE=1
 * rewrites the golden files from the renderer instead of comparing: look
 * at the result (dot -Tpng) before keeping it. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/lab/graph.h"
#include "core/lab/topology.h"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	size_t len = fread(buf, 1, cap - 1, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static struct lab *load(const char *path)
{
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load(path, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	lab_diag_free(&d);
	assert_non_null(lab);
	return lab;
}

/* Compare text with the golden file (or write it, with UMLLAB_GOLDEN_UPDATE). */
static void check_golden(const char *text, const char *golden)
{
	if (getenv("UMLLAB_GOLDEN_UPDATE") != NULL) {
		FILE *f = fopen(golden, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	char *want = read_file(golden);
	assert_non_null(want);
	if (strcmp(text, want) != 0)
		fprintf(stderr, "%s differs; the renderer wrote:\n%s", golden, text);
	assert_string_equal(text, want);
	free(want);
}

static void golden_lab(const char *file, const char *golden)
{
	if (access(file, R_OK) != 0)
		skip();
	struct lab *lab = load(file);
	char *dot = graph_render(lab, NULL);
	check_golden(dot, golden);
	free(dot);
	lab_free(lab);
}

static void test_fig1(void **state)
{
	(void)state;
	golden_lab("labs/fig1.yaml", "tests/unit/golden/fig1.dot");
}

static void test_routed(void **state)
{
	(void)state;
	golden_lab("labs/routed.yaml", "tests/unit/golden/routed.dot");
}

/* A running routed lab: h2 stopped (its link down), h1 given a second card
 * on S2 while the lab ran. */
static void test_live(void **state)
{
	(void)state;
	if (access("labs/routed.yaml", R_OK) != 0)
		skip();
	struct lab *lab = load("labs/routed.yaml");
	struct graph_link links[] = {
		{ .instance = "h1", .iface = "eth0", .state = GRAPH_LINK_UP },
		{ .instance = "r1", .iface = "eth0", .state = GRAPH_LINK_UP },
		{ .instance = "r1", .iface = "eth1", .state = GRAPH_LINK_UP },
		{ .instance = "h2", .iface = "eth0", .state = GRAPH_LINK_DOWN },
		{ .instance = "h1", .iface = "eth1", .state = GRAPH_LINK_UP, .live_plugged = true,
		    .sw = "S2", .n_addrs = 1 },
	};
	assert_true(lab_addr_parse("10.0.2.9/24", true, &links[4].addrs[0]));
	struct graph_instance insts[] = { { "h1", "running" }, { "r1", "running" },
	    { "h2", "stopped" } };
	struct graph_live live = { .links = links, .n_links = 5, .instances = insts, .n_instances = 3 };
	char *dot = graph_render(lab, &live);
	check_golden(dot, "tests/unit/golden/routed-live.dot");
	/* what the picture must say, whatever its layout */
	assert_non_null(strstr(dot, "\"instance/h2\" [label=\"h2\\nstopped\""));
	assert_non_null(strstr(dot, "eth0\\n10.0.2.1/24\\n(down)\", style=dashed"));
	assert_non_null(strstr(dot, "eth1\\n10.0.2.9/24\\n(plugged live)\", style=bold"));
	free(dot);
	lab_free(lab);
}

/* The running lab's report gives back the lab and its live state; the
 * renderer draws the same picture as from the file plus that state. */
static void test_snapshot_roundtrip(void **state)
{
	(void)state;
	static const char report[] =
	    GRAPH_SNAPSHOT_MAGIC "\n"
	    "lab fig1\n"
	    "file /home/student/my labs/fig1.yaml\n"
	    "switch S1 switch\n"
	    "switch S2 hub\n"
	    "trunk S2 42 127.0.0.1:4789 [::1]:4790\n"
	    "instance umlA running host\n"
	    "instance umlB stopped host\n"
	    "link umlA eth0 S1 10.0.0.1/24 up configured\n"
	    "link umlB eth0 S1 10.0.0.2/24 down configured\n"
	    "link umlA eth1 S2 10.0.1.1/24,2001:db8:1::1/64 up live\n";
	struct lab *lab;
	struct graph_live live;
	char *cause = NULL;
	assert_int_equal(graph_snapshot_parse(report, strlen(report), &lab, &live, &cause), 0);
	assert_string_equal(lab->name, "fig1");
	assert_string_equal(lab->path, "/home/student/my labs/fig1.yaml");
	assert_int_equal(lab->n_switches, 2);
	assert_int_equal(lab->switches[1].mode, LAB_SWITCH_HUB);
	assert_int_equal(lab->n_instances, 2);
	assert_int_equal(lab->instances[0].n_ifaces, 1);	/* eth1 was plugged live */
	assert_int_equal(live.n_links, 3);
	assert_true(live.links[2].live_plugged);
	assert_string_equal(live.links[2].sw, "S2");
	assert_int_equal(live.links[1].state, GRAPH_LINK_DOWN);
	char *dot = graph_render(lab, &live);
	assert_non_null(strstr(dot, "label=\"lab fig1 (running)\""));
	assert_non_null(strstr(dot, "\"switch/S2\" [label=\"S2\\nhub\", shape=doublecircle"));
	assert_non_null(strstr(dot, "eth0\\n10.0.0.2/24\\n(down)\""));
	assert_non_null(strstr(dot, "eth1\\n10.0.1.1/24\\n2001:db8:1::1/64\\n(plugged live)\""));
	assert_int_equal(live.links[2].n_addrs, 2);
	assert_int_equal(live.links[2].addrs[1].family, AF_INET6);
	assert_null(strstr(dot, "/home/student"));	/* no paths in the picture */
	assert_int_equal(lab->switches[1].n_trunks, 1);
	assert_int_equal(lab->switches[1].trunks[0].vni, 42);
	assert_non_null(strstr(dot, "\"trunk/S2.trunk0\" [label=\"S2.trunk0\\nVXLAN 42\\nto [::1]:4790\", "
	    "shape=cds"));
	assert_non_null(strstr(dot, "\"switch/S2\" -- \"trunk/S2.trunk0\" [label=\"listen 127.0.0.1:4789\""));
	free(dot);
	lab_free(lab);
	graph_live_free(&live);

	/* the same lab from its file with no live state matches the golden file's shape */
	static const char yaml[] = "name: fig1\nswitches:\n  S1: {mode: switch}\ninstances:\n"
	    "  umlA:\n    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.1/24}\n"
	    "  umlB:\n    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.2/24}\n";
	struct lab_diag d = { 0 };
	lab = lab_load_string(yaml, strlen(yaml), "fig1.yaml", &d);
	assert_non_null(lab);
	lab_diag_free(&d);
	dot = graph_render(lab, NULL);
	char *golden = read_file("tests/unit/golden/fig1.dot");
	if (golden != NULL)
		assert_string_equal(dot, golden);
	free(golden);
	free(dot);
	lab_free(lab);
}

/* Reports that must be refused, each naming its line. */
static void test_snapshot_bad(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", "broken" },
		{ "umllab-graph 2\nlab x\n", "line 1" },
		{ GRAPH_SNAPSHOT_MAGIC "\n", "no lab name" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\n", "no lab name or no instance" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nlab y\n", "line 3" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab bad/name\n", "line 2" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 router\n", "line 3: a bad or repeated switch" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 hub\nswitch S1 hub\n", "line 4" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a Running host\n", "line 3" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a runningrunningrunning host\n", "line 3" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a running\n", "line 3: an unknown line" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link b eth0 S1 - up configured\n", "line 5: a link of an instance" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth16 S1 - up configured\n", "a bad interface name" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth01 S1 - up configured\n", "a bad interface name" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S2 - up configured\n", "a link to a switch" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 10.0.0.1/33 up configured\n", "a bad address" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 10.0.0.1 up configured\n", "a bad address" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 10.0.0.1/24,2001:db8::1/129 up configured\n", "a bad address" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 10.0.0.1/24, up configured\n", "a bad address" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 - sideways configured\n", "a bad link state" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
		    "link a eth0 S1 - up configured\nlink a eth0 S1 - up live\n", "line 6: a repeated" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a running host\nlink a eth0 S1 - up "
		    "configured and more words\n", "line 4" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\n\ninstance a running host\n", "line 3: empty line" },
		/* subif INSTANCE NAME ADDRS: its words are not read when some are missing */
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a running host\nsubif a eth0.10\n",
		    "line 4: a bad sub-interface" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ninstance a running host\nsubif a\n",
		    "line 4: a bad sub-interface" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\ntrunk S1 1 127.0.0.1:1 127.0.0.1:2\n", "line 3: a trunk of a switch" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 hub\ntrunk S1 16777216 127.0.0.1:1 127.0.0.1:2\n",
		    "line 4: a bad trunk" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 hub\ntrunk S1 1 127.0.0.1 127.0.0.1:2\n",
		    "line 4: a bad trunk" },
		{ GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 hub\ntrunk S1 -1 127.0.0.1:1 127.0.0.1:2\n",
		    "line 4: a bad trunk" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lab *lab = (struct lab *)1;
		struct graph_live live;
		char *cause = NULL;
		int rc = graph_snapshot_parse(cases[i].text, strlen(cases[i].text), &lab, &live, &cause);
		if (rc == 0 || cause == NULL || strstr(cause, cases[i].want) == NULL)
			fail_msg("case %zu: rc %d, cause `%s`, expected `%s`", i, rc,
			    cause ? cause : "(none)", cases[i].want);
		assert_null(lab);
		assert_int_equal(live.n_links, 0);
		free(cause);
	}
	/* a NUL inside the report */
	struct lab *lab;
	struct graph_live live;
	char *cause = NULL;
	assert_int_equal(graph_snapshot_parse("umllab\0graph", 12, &lab, &live, &cause), -1);
	assert_non_null(strstr(cause, "NUL"));
	free(cause);
}

/* Spanning tree in a running lab's report: a cable between switches with
 * one end blocked, and an instance's port blocked (a bridge in the guest),
 * both drawn red with an X at the blocked end. */
static void test_snapshot_stp(void **state)
{
	(void)state;
	static const char report[] =
	    GRAPH_SNAPSHOT_MAGIC "\n"
	    "lab stp\n"
	    "switch S1 switch\n"
	    "switch S2 switch\n"
	    "instance br running host\n"
	    "instance h1 running host\n"
	    "link br eth0 S1 - up configured\n"
	    "link br eth1 S2 - up configured\n"
	    "stp br eth1 blocked\n"
	    "link h1 eth0 S1 10.0.0.1/24 up configured\n"
	    "swlink S1 S2 up forwarding blocked\n";
	struct lab *lab;
	struct graph_live live;
	char *cause = NULL;
	assert_int_equal(graph_snapshot_parse(report, strlen(report), &lab, &live, &cause), 0);
	assert_false(live.links[0].stp_blocked);
	assert_true(live.links[1].stp_blocked);
	assert_int_equal(live.n_swlinks, 1);
	assert_int_equal(live.swlinks[0].end[0], GRAPH_STP_FORWARDING);
	assert_int_equal(live.swlinks[0].end[1], GRAPH_STP_BLOCKED);
	char *dot = graph_render(lab, &live);
	assert_non_null(strstr(dot, "\"switch/S1\" -- \"switch/S2\" [label=\"S1.S2\\n(blocked)\", "
	    "penwidth=2.5, style=dashed, color=\"#cc0000\", fontcolor=\"#cc0000\", headlabel=\"X blocked\"]"));
	/* br's eth1: blocked at the switch's end, whichever way the edge is written */
	const char *e = strstr(dot, "eth1\\nno address\\n(blocked)\", style=dashed, color=\"#cc0000\"");
	assert_non_null(e);
	const char *line = e;
	while (line > dot && line[-1] != '\n')
		line--;
	bool inst_first = strncmp(line, "\t\"instance/br\" -- \"switch/S2\"", 29) == 0;
	assert_true(inst_first || strncmp(line, "\t\"switch/S2\" -- \"instance/br\"", 29) == 0);
	assert_non_null(strstr(e, inst_first ? "headlabel=\"X blocked\"]" : "taillabel=\"X blocked\"]"));
	/* eth0 forwards: drawn as any cable that is up */
	assert_non_null(strstr(dot, "eth0\\nno address\", color=\"#38761d\""));
	free(dot);
	lab_free(lab);
	graph_live_free(&live);

	static const char *const bad[] = {
	    GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
	    "stp a eth0 blocked\n",
	    GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
	    "link a eth0 S1 - up configured\nstp a eth0 forwarding\n",
	    GRAPH_SNAPSHOT_MAGIC "\nlab x\nswitch S1 switch\ninstance a running host\n"
	    "link a eth0 S1 - up configured\nstp a eth0 blocked now\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cause = NULL;
		assert_int_equal(graph_snapshot_parse(bad[i], strlen(bad[i]), &lab, &live, &cause), -1);
		assert_non_null(strstr(cause, i == 0 ? "line 5: spanning tree of a link" : "line 6: a bad stp"));
		free(cause);
	}
}

/* Every kind of node and edge, and names DOT would misread if unquoted. */
static void test_shapes(void **state)
{
	(void)state;
	static const char yaml[] = "name: my-lab_2\nswitches:\n  HUB: {mode: hub}\n  sw-1:\n"
	    "instances:\n  sw-1:\n    interfaces:\n      eth0: {switch: HUB}\n"
	    "      eth3: {switch: sw-1, ip: 10.1.0.1/16}\n  lonely:\n";
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load_string(yaml, strlen(yaml), "t.yaml", &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	assert_non_null(lab);
	lab_diag_free(&d);
	char *dot = graph_render(lab, NULL);
	assert_non_null(strstr(dot, "graph \"my-lab_2\" {"));
	assert_non_null(strstr(dot, "\"switch/HUB\" [label=\"HUB\\nhub\", shape=doublecircle"));
	assert_non_null(strstr(dot, "\"switch/sw-1\" [label=\"sw-1\\nswitch\", shape=box"));
	/* an instance may share a switch's name: their node ids differ */
	assert_non_null(strstr(dot, "\"instance/sw-1\" [label=\"sw-1\", shape=box3d"));
	assert_non_null(strstr(dot, "\"instance/lonely\" [label=\"lonely\""));
	assert_non_null(strstr(dot, "\"instance/sw-1\" -- \"switch/HUB\" [label=\"eth0\\nno address\"]"));
	assert_non_null(strstr(dot, "\"instance/sw-1\" -- \"switch/sw-1\" [label=\"eth3\\n10.1.0.1/16\"]"));
	assert_int_equal(dot[strlen(dot) - 2], '}');
	free(dot);
	lab_free(lab);
}

/* Issue 24: every address of a link, and those SLAAC gives, from the file and from a running lab. */
static void test_ipv6(void **state)
{
	(void)state;
	static const char yaml[] =
	    "name: v6\nswitches: {S1: {}}\ninstances:\n"
	    "  r1:\n    forward: true\n"
	    "    interfaces: {eth0: {switch: S1, ip: [10.0.1.254/24, 2001:db8:1::fe/64], ra: true}}\n"
	    "  h1:\n    interfaces: {eth0: {switch: S1, mac: 02:00:00:00:00:01}}\n";
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load_string(yaml, sizeof(yaml) - 1, "v6.yaml", &diag);
	assert_non_null(lab);
	char *dot = graph_render(lab, NULL);
	assert_non_null(strstr(dot, "eth0\\n10.0.1.254/24\\n2001:db8:1::fe/64\""));
	assert_non_null(strstr(dot, "eth0\\n2001:db8:1::ff:fe00:1/64 (SLAAC)\""));
	free(dot);
	lab_free(lab);
	lab_diag_free(&diag);

	static const char report[] =
	    GRAPH_SNAPSHOT_MAGIC "\nlab v6\nswitch S1 switch\n"
	    "instance r1 running router\ninstance h1 running host\n"
	    "link r1 eth0 S1 10.0.1.254/24,2001:db8:1::fe/64 up configured\nra r1 eth0\n"
	    "link h1 eth0 S1 - up configured\nmac h1 eth0 02:00:00:00:00:01\n";
	struct graph_live live;
	char *cause = NULL;
	assert_int_equal(graph_snapshot_parse(report, strlen(report), &lab, &live, &cause), 0);
	assert_true(lab->instances[0].ifaces[0].ra);
	dot = graph_render(lab, &live);
	assert_non_null(strstr(dot, "eth0\\n2001:db8:1::ff:fe00:1/64 (SLAAC)\""));
	free(dot);
	lab_free(lab);
	graph_live_free(&live);
	static const char bad[] = GRAPH_SNAPSHOT_MAGIC "\nlab v6\nswitch S1 switch\n"
	    "instance r1 running router\nra r1 eth0\n";
	assert_int_equal(graph_snapshot_parse(bad, strlen(bad), &lab, &live, &cause), -1);
	assert_non_null(strstr(cause, "line 5: router advertisements of an interface not listed"));
	free(cause);
	cause = NULL;
	static const char badmac[] = GRAPH_SNAPSHOT_MAGIC "\nlab v6\nswitch S1 switch\n"
	    "instance r1 running router\nlink r1 eth0 S1 - up configured\nmac r1 eth0 02:00\n";
	assert_int_equal(graph_snapshot_parse(badmac, strlen(badmac), &lab, &live, &cause), -1);
	assert_non_null(strstr(cause, "line 6: a bad MAC"));
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fig1),
		cmocka_unit_test(test_routed),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_snapshot_roundtrip),
		cmocka_unit_test(test_snapshot_bad),
		cmocka_unit_test(test_snapshot_stp),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
