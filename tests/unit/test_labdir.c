/* tests/unit/test_labdir.c: Kathara lab directories (core/lab/labdir*.c): lab.conf and lab.dep
 * read into the same struct lab as the YAML, every mistake at its file, line and column, and
 * `umllab convert`'s YAML loading back to the same lab. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lab/labdir.h"
#include "core/lab/topology.h"

static char tmp[] = "/tmp/test_labdir.XXXXXX";
static char dir[256];

static void put(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fresh lab directory called NAME under the temporary directory. */
static void lab_dir(const char *name)
{
	snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

/* The messages of loading dir, as one string (lines), or "" for none. */
static char *load_msgs(struct lab **out)
{
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load(dir, &d);
	size_t len = 1;
	for (size_t i = 0; i < d.n; i++)
		len += strlen(d.msgs[i]) + 1;
	char *all = calloc(1, len);
	for (size_t i = 0; i < d.n; i++) {
		strcat(all, d.msgs[i]);
		strcat(all, "\n");
	}
	lab_diag_free(&d);
	if (out != NULL)
		*out = lab;
	else
		lab_free(lab);
	return all;
}

/* The message text after "DIR/" (so tests read FILE:LINE:COL: ...). */
static void expect_msg(const char *all, const char *want)
{
	char *full = NULL;
	assert_true(asprintf(&full, "%s/%s", dir, want) > 0);
	if (strstr(all, full) == NULL)
		fail_msg("expected\n  %s\nin\n%s", full, all);
	free(full);
}

static const char ospf_conf[] =
    "LAB_DESCRIPTION=\"Two routers\"\n"
    "LAB_AUTHOR='me'\n"
    "# a comment\n"
    "\n"
    "r1[0]=\"A\"\n"
    "r1[1]=B/02:42:0a:00:00:01   # a comment after a value\n"
    "r1[image]=\"kathara/frr\"\n"
    "r1[sysctl]=\"net.ipv4.conf.all.log_martians=1\"\n"
    "r1[env]=\"GREETING=hello there\"\n"
    "r1[mem]=256m\n"
    "r2[0]=B\r\n"
    "r2[ipv6]=true\n"
    "r2[exec]='echo hi'\n"
    "pc[0]=A\n";

static void test_read(void **state)
{
	(void)state;
	lab_dir("two-routers");
	put("lab.conf", ospf_conf);
	put("lab.dep", "# pc boots last\npc: r1 r2\n");
	put("shared.startup", "echo shared\n");
	put("r1.startup", "ip addr add 10.0.0.1/24 dev eth0\n");
	put("r1.shutdown", "echo bye\n");
	put("r1/etc/frr/frr.conf", "router ospf\n");
	struct lab *lab;
	char *msgs = load_msgs(&lab);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_non_null(lab);
	assert_true(lab->from_dir);
	assert_string_equal(lab->name, "two-routers");
	assert_string_equal(strrchr(lab->path, '/'), "/two-routers");
	assert_int_equal(lab->n_instances, 3);
	assert_int_equal(lab->n_switches, 2);
	assert_string_equal(lab->switches[0].name, "A");
	assert_string_equal(lab->switches[1].name, "B");
	/* A collision domain repeats every frame to every device, as Kathara's (a bridge that
	 * never learns, or vde_switch -x). */
	assert_int_equal(lab->switches[0].mode, LAB_SWITCH_HUB);
	assert_int_equal(lab->switches[1].mode, LAB_SWITCH_HUB);
	assert_int_equal(lab->n_info, 2);
	assert_string_equal(lab->info[0].key, "description");
	assert_string_equal(lab->info[0].value, "Two routers");
	assert_string_equal(lab->info[1].value, "me");

	const struct lab_instance *r1 = lab_instance_find(lab, "r1");
	assert_non_null(r1);
	assert_int_equal(r1->n_ifaces, 2);
	assert_int_equal(r1->ifaces[1].sw, 1);
	assert_true(r1->ifaces[1].mac_given);
	assert_int_equal(r1->ifaces[1].mac[5], 1);
	assert_int_equal(r1->ifaces[0].n_addrs, 0);
	assert_int_equal(r1->mem_bytes, 256ULL << 20);
	assert_true(r1->forward);
	assert_string_equal(lab->images[r1->image].name, "kathara-frr");
	assert_int_equal(lab->images[r1->image].kind, LAB_IMAGE_DEBIAN);
	assert_string_equal(lab->images[r1->image].release, "bookworm");
	bool frr = false;
	for (size_t i = 0; i < lab->images[r1->image].n_packages; i++)
		frr = frr || strcmp(lab->images[r1->image].packages[i], "frr") == 0;
	assert_true(frr);
	/* setup (with the sysctl and env), shared.startup, r1.startup */
	assert_int_equal(r1->n_startup, 3);
	assert_non_null(strstr(r1->startup[0], LABDIR_HELPER " setup r1"));
	assert_non_null(strstr(r1->startup[0], "-s 'net.ipv4.conf.all.log_martians=1'"));
	assert_non_null(strstr(r1->startup[0], "-e 'GREETING=hello there'"));
	/* -f: FRR's files as Kathara's FRR image has them (no packaged frr.conf) */
	assert_non_null(strstr(r1->startup[0], " -f"));
	assert_string_equal(r1->startup[1], LABDIR_HELPER " run shared.startup");
	assert_string_equal(r1->startup[2], LABDIR_HELPER " run r1.startup");
	assert_int_equal(r1->n_shutdown, 1);
	assert_string_equal(r1->shutdown[0], LABDIR_HELPER " run r1.shutdown");
	/* the lab directory is every device's share, at /hostlab */
	assert_string_equal(r1->share.dir, lab->path);
	assert_false(r1->share.readonly);

	const struct lab_instance *r2 = lab_instance_find(lab, "r2");
	assert_non_null(strstr(r2->startup[0], " -6"));
	assert_int_equal(r2->ipv6, LAB_IPV6_ON);	/* [ipv6]=true: umllab's boot runs IPv6 */
	assert_int_equal(r1->ipv6, LAB_IPV6_AUTO);	/* Kathara's default: its sysctls turn it off */
	assert_string_equal(r2->startup[r2->n_startup - 1], "echo hi");
	assert_string_equal(lab->images[r2->image].name, "kathara-base");
	assert_null(strstr(r2->startup[0], " -f"));
	const struct lab_instance *pc = lab_instance_find(lab, "pc");
	assert_string_equal(lab->images[pc->image].name, "kathara-base");	/* no [image] */
	assert_int_equal(pc->n_after, 2);
	assert_string_equal(lab->instances[pc->after[0]].name, "r1");
	assert_string_equal(lab->instances[pc->after[1]].name, "r2");
	assert_int_equal(pc->mem_bytes, 128ULL << 20);
	lab_free(lab);

	/* The lab.conf file itself names the same lab. */
	char conf[512];
	snprintf(conf, sizeof(conf), "%s/lab.conf", dir);
	struct lab_diag d = { 0 };
	lab = lab_load(conf, &d);
	assert_non_null(lab);
	assert_string_equal(lab->name, "two-routers");
	lab_free(lab);
	lab_diag_free(&d);
}

/* The YAML of `umllab convert` loads into the same lab. */
static void test_convert(void **state)
{
	(void)state;
	lab_dir("conv");
	put("lab.conf", ospf_conf);
	put("lab.dep", "pc: r1\n");
	put("r1.startup", "true\n");
	struct lab_diag d = { 0 };
	char *yaml = labdir_yaml(dir, NULL, dir, &d);
	assert_int_equal(d.n, 0);
	assert_non_null(yaml);
	assert_non_null(strstr(yaml, "share: \".\""));
	assert_non_null(strstr(yaml, "    after: [r1]"));
	assert_non_null(strstr(yaml, "      eth1: {switch: B, mac: \"02:42:0a:00:00:01\"}"));
	char path[512];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs(yaml, f);
	fclose(f);
	struct lab *a = lab_load(dir, &d), *b = lab_load(path, &d);
	assert_int_equal(d.n, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->n_instances, b->n_instances);
	for (size_t i = 0; i < a->n_instances; i++) {
		const struct lab_instance *x = &a->instances[i], *y = &b->instances[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->n_ifaces, y->n_ifaces);
		for (size_t k = 0; k < x->n_ifaces; k++)
			assert_memory_equal(x->ifaces[k].mac, y->ifaces[k].mac, 6);
		assert_int_equal(x->n_startup, y->n_startup);
		for (size_t k = 0; k < x->n_startup; k++)
			assert_string_equal(x->startup[k], y->startup[k]);
		assert_string_equal(x->share.dir, y->share.dir);
		assert_int_equal(x->n_after, y->n_after);
	}
	lab_free(a);
	lab_free(b);
	free(yaml);
}

static void test_mistakes(void **state)
{
	(void)state;
	lab_dir("bad");
	put("lab.conf",
	    "r1[0]=A\n"				/* 1 */
	    "r1[0]=B\n"				/* 2: eth0 twice */
	    "r1[16]=C\n"			/* 3: eth16 */
	    "r2[0]=\"A\n"			/* 4: quote not closed */
	    "r2[sysctl]=kernel.panic=1\n"	/* 5: not net. */
	    "r2[port]=8080:80\n"		/* 6: warning */
	    "this is wrong\n"			/* 7 */
	    "r3[0]=A.B\n"			/* 8: domain with a dot */
	    "shared[0]=A\n"			/* 9: reserved */
	    "r4[image]=kathara/quagga\n"	/* 10: cannot be built */
	    "r5[image]=\"acme/router:2\"\n"	/* 11: unknown */
	    "r6[mem]=lots\n"			/* 12 */
	    "r7[ipv6]=maybe\n"			/* 13 */
	    "LAB_COLOUR=blue\n"			/* 14 */
	    "r8[bridged]=true\n"		/* 15: warning */
	    "r8[cpus]=2\n"			/* 16: warning */
	    "r9[env]=\"=x\"\n");		/* 17 */
	put("lab.dep", "r1 r2\nr2: nobody\n");
	char *msgs = load_msgs(NULL);
	expect_msg(msgs, "lab.conf:2:4: eth0 of r1 is given twice: it is on `A` at line 1 already");
	expect_msg(msgs, "lab.conf:3:4: interface 16 of r1 is eth16 (expected 0 to 15");
	expect_msg(msgs, "lab.conf:4:7: the quote \" is not closed");
	expect_msg(msgs, "lab.conf:5:12: sysctl `kernel.panic=1` of r2 is not a setting of the net. namespace");
	expect_msg(msgs, "lab.conf:6:10: warning: port `8080:80` of r2 is not honoured");
	expect_msg(msgs, "lab.conf:7:1: `this is wrong` is not a line of lab.conf");
	expect_msg(msgs, "lab.conf:8:7: collision domain `A.B` of r3[0] contains other characters");
	expect_msg(msgs, "lab.conf:9:1: `shared` is a reserved name");
	expect_msg(msgs, "lab.conf:10:11: image `kathara/quagga` cannot be built here: Quagga is in no Debian release");
	expect_msg(msgs, "lab.conf:11:12: image `acme/router:2` is not one umllab knows (expected kathara/base or "
	    "kathara/frr, or a mapping of the name: `umllab up DIR --images FILE`, FILE holding images: "
	    "{\"acme/router\": {debian: bookworm");
	expect_msg(msgs, "lab.conf:12:9: mem `lots` of r6 is not a size");
	expect_msg(msgs, "lab.conf:13:10: ipv6 `maybe` of r7 is not a boolean");
	expect_msg(msgs, "lab.conf:14:1: unknown line `LAB_COLOUR`");
	expect_msg(msgs, "lab.conf:15:13: warning: bridged of r8 is not honoured");
	expect_msg(msgs, "lab.conf:16:10: warning: cpus of r8 is not honoured");
	expect_msg(msgs, "lab.conf:17:10: env `=x` of r9 is not a variable");
	expect_msg(msgs, "lab.dep:1:3: `r1 r2` is not a line of lab.dep");
	expect_msg(msgs, "lab.dep:2:5: warning: `nobody` is not a device of lab.conf");
	free(msgs);

	/* Mistakes the topology's checks find are told at lab.conf's lines too. */
	lab_dir("bad2");
	put("lab.conf", "a[0]=A/03:00:00:00:00:01\nb[0]=A/02:00:00:00:00:09\nc[0]=A/02:00:00:00:00:09\n");
	msgs = load_msgs(NULL);
	expect_msg(msgs, "lab.conf:1:6: mac `03:00:00:00:00:01` of interface eth0 of a is a multicast address");
	expect_msg(msgs, "lab.conf:3:6: mac 02:00:00:00:00:09 of eth0 of c is already used by eth0 of b at line 2 ");
	free(msgs);

	/* A circle in lab.dep is named. */
	lab_dir("circle");
	put("lab.conf", "a[0]=A\nb[0]=A\nc[0]=A\n");
	put("lab.dep", "a: b\nb: c\nc: a\n");
	msgs = load_msgs(NULL);
	expect_msg(msgs, "lab.dep:1:1: the boot order goes round in a circle: a after b after c after a");
	free(msgs);

	/* No lab.conf; an empty one. */
	lab_dir("empty");
	msgs = load_msgs(NULL);
	expect_msg(msgs, "lab.conf: there is no lab.conf");
	free(msgs);
	put("lab.conf", "# nothing\n");
	msgs = load_msgs(NULL);
	expect_msg(msgs, "lab.conf: lab.conf names no device");
	free(msgs);
}

/* --images FILE: other image names mapped in the topology's own form. */
static void test_images(void **state)
{
	(void)state;
	lab_dir("mapped");
	put("lab.conf", "pc[0]=A\npc[image]=\"uni/tyr-base:2023\"\nr[0]=A\nr[image]=kathara/quagga\n"
	    "x[0]=A\n");
	char images[512];
	snprintf(images, sizeof(images), "%s/../images.yaml", dir);
	FILE *f = fopen(images, "w");
	fputs("images:\n"
	    "  \"uni/tyr-base\": {debian: bookworm, packages: [apache2, ifupdown]}\n"
	    "  kathara/quagga: {debian: bookworm, packages: [frr]}\n"
	    "  kathara/base: kathara/frr\n", f);
	fclose(f);
	struct lab_diag d = { 0 };
	struct lab *lab = labdir_load(dir, images, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	assert_non_null(lab);
	const struct lab_instance *pc = lab_instance_find(lab, "pc");
	assert_string_equal(lab->images[pc->image].name, "uni-tyr-base");
	assert_int_equal(lab->images[pc->image].n_packages, 2);
	const struct lab_instance *r = lab_instance_find(lab, "r");
	assert_string_equal(lab->images[r->image].name, "kathara-quagga");
	/* A mapped image keeps its FRR files as they are: no -f. */
	assert_null(strstr(r->startup[0], " -f"));
	/* No [image] is kathara/base, mapped to kathara/frr as Kathara's default image setting. */
	const struct lab_instance *x = lab_instance_find(lab, "x");
	assert_string_equal(lab->images[x->image].name, "kathara-frr");
	assert_non_null(strstr(x->startup[0], " -f"));
	lab_free(lab);
	lab_diag_free(&d);

	/* A mistake in a mapping is told at the images file's line. */
	f = fopen(images, "w");
	fputs("images:\n  \"uni/tyr-base\": {debian: bookworm, packages: [apache2, \"bad name\"]}\n", f);
	fclose(f);
	put("lab.conf", "pc[0]=A\npc[image]=\"uni/tyr-base\"\n");
	lab = labdir_load(dir, images, &d);
	assert_null(lab);
	assert_true(d.n >= 1);
	assert_non_null(strstr(d.msgs[0], "images.yaml:2:3: "));
	lab_diag_free(&d);
	unlink(images);
}

static void test_name(void **state)
{
	(void)state;
	lab_dir("my lab.v2");
	char *n = labdir_name(dir);
	assert_string_equal(n, "my-lab-v2");
	free(n);
	lab_dir("kathara-lab_bgp-multi-homed-stub-large");
	n = labdir_name(dir);
	assert_int_equal(strlen(n), 32);
	assert_memory_equal(n, "kathara-lab_bgp-multi-homed-", 27);
	char other[LAB_NAME_MAX + 1];
	labdir_short_name("kathara-lab_bgp-multi-homed-stub", other);
	assert_string_equal(other, "kathara-lab_bgp-multi-homed-stub");	/* 32: kept whole */
	labdir_short_name("kathara-lab_bgp-multi-homed-stub-larger", other);
	assert_string_not_equal(other, n);
	free(n);
	assert_true(labdir_is(dir));
	assert_false(labdir_is("/nonexistent/x"));
}

int main(void)
{
	assert_non_null(mkdtemp(tmp));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_name),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
