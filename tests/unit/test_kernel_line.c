/* tests/unit/test_kernel_line.c: an instance's UML command line (core/storage/kernel_line.c), the
 * one builder the supervisor starts kernels with and `validate` measures: what it holds, that the
 * guest reads back what it says (image/guest/boot_params.c), and a line too long refused at the
 * instance's place in the file, saying what takes the room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/util.h"
#include "core/lab/topology.h"
#include "core/storage/kernel_line.h"
#include "image/guest/boot_params.h"

static struct lab *load(const char *yaml)
{
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load_string(yaml, strlen(yaml), "t.yaml", &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	assert_non_null(lab);
	return lab;
}

/* The argv of instance i, as the supervisor makes it from the file's wiring. */
static char **argv_of(const struct lab *lab, size_t i, const char *lab_dir)
{
	const struct lab_instance *c = &lab->instances[i];
	const struct lab_iface *ifaces[64];
	assert_true(c->n_ifaces <= 64);
	for (size_t k = 0; k < c->n_ifaces; k++)
		ifaces[k] = &c->ifaces[k];
	struct kernel_line_where w = { .kernel = "/usr/bin/linux.uml", .lab_dir = lab_dir,
		.disk_dir = "/home/s/.local/state/umllab/t", .backing = "/home/s/.cache/umllab/busybox-0123456789abcdef.img" };
	return kernel_line_argv(&w, lab, c, ifaces, c->n_ifaces);
}

/* The kernel's arguments joined by spaces: what UML makes of them. */
static char *joined(char **argv)
{
	size_t i = 0;
	while (strcmp(argv[i], "--") != 0)
		i++;
	struct strbuf b = { 0 };
	for (i += 2; argv[i] != NULL; i++)
		strbuf_printf(&b, "%s%s", b.len ? " " : "", argv[i]);
	return strbuf_take(&b);
}

static const char router[] =
    "switches: {S1: {}, S2: {}}\n"
    "instances:\n"
    "  r1:\n"
    "    forward: true\n"
    "    interfaces:\n"
    "      eth0: {switch: S1, ip: [10.0.0.1/24, 2001:db8::1/64], ra: true}\n"
    "      eth1: {switch: S2, ip: 10.0.1.1/24}\n"
    "      eth1.10: {ip: 10.0.10.1/24}\n"
    "    routes: [{to: 10.9.0.0/16, via: 10.0.1.254}, {to: default, via: 10.0.0.254}]\n";

static void test_line_the_guest_reads_back(void **state)
{
	(void)state;
	struct lab *lab = load(router);
	char **argv = argv_of(lab, 0, "/run/user/1000/umllab/t");
	assert_string_equal(argv[0], "/proc/self/exe");
	assert_string_equal(argv[1], "confine");
	char *line = joined(argv);
	assert_int_equal(kernel_line_len(argv), strlen(line));
	assert_non_null(strstr(line, "mem=64M ubd0=/home/s/.local/state/umllab/t/r1.cow,"
	    "/home/s/.cache/umllab/busybox-0123456789abcdef.img root=/dev/ubda init=/usr/lib/umllab/init rw "
	    "umid=r1 uml_dir=/run/user/1000/umllab/t/uml mconsole=notify:/run/user/1000/umllab/t/r1.notify "));
	assert_non_null(strstr(line, " vec0:transport=bess,dst=/run/user/1000/umllab/t/cables/r1.eth0,mac="));
	assert_null(strstr(line, "initrd="));
	assert_null(kernel_line_judge(lab, &lab->instances[0], "/run/user/1000/umllab/t", argv));
	/* The guest's boot reads its part back. */
	struct boot_params p;
	boot_params_read(line, &p);
	assert_string_equal(p.name, "r1");
	assert_string_equal(p.ips, "eth0:10.0.0.1/24,eth0:2001:db8::1/64,eth1:10.0.1.1/24,eth1.10:10.0.10.1/24");
	assert_string_equal(p.vlans, "eth1.10");
	assert_string_equal(p.routes, "10.9.0.0/16@10.0.1.254,default@10.0.0.254");
	assert_string_equal(p.forward, "1");
	assert_string_equal(p.ipv6, "1");
	assert_string_equal(p.ra, "eth0");
	free(line);
	kernel_line_free(argv);
	lab_free(lab);
}

/* An instance with 16 interfaces of 8 IPv6 addresses each, and a small one beside it. */
static char *big_lab(void)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "switches: {S1: {}}\ninstances:\n  small:\n    interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}\n"
	    "  big:\n    interfaces:\n");
	for (unsigned i = 0; i < 16; i++) {
		strbuf_printf(&b, "      eth%u: {switch: S1, ip: [", i);
		for (unsigned k = 0; k < 8; k++)
			strbuf_printf(&b, "%s2001:db8:%x:%x::1/64", k ? ", " : "", i + 1, k + 1);
		strbuf_printf(&b, "]}\n");
	}
	return strbuf_take(&b);
}

static void test_line_too_long_refused_where_it_is(void **state)
{
	(void)state;
	char *yaml = big_lab();
	struct lab *lab = load(yaml);
	const char *dir = "/run/user/1000/umllab/t";
	const struct lab_instance *big = lab_instance_find(lab, "big");
	assert_non_null(big);
	char **argv = argv_of(lab, (size_t)(big - lab->instances), dir);
	size_t len = kernel_line_len(argv);
	assert_true(len >= KERNEL_LINE_MAX);
	char *msg = kernel_line_judge(lab, big, dir, argv);
	assert_non_null(msg);
	char *want = xasprintf("t.yaml:5:3: instance big: its kernel command line would be %zu bytes, "
	    "and UML takes at most 4095: its 16 interfaces take ", len);
	if (strncmp(msg, want, strlen(want)) != 0)
		fail_msg("%s", msg);
	assert_non_null(strstr(msg, " (each names its cable's socket under /run/user/1000/umllab/t), its addresses "));
	assert_non_null(strstr(msg, ", its routes 0, its VLAN sub-interfaces 0; give it fewer interfaces, addresses, "
	    "routes or VLAN sub-interfaces, or use a shorter state directory"));
	free(want);
	free(msg);
	kernel_line_free(argv);
	/* The small one fits. */
	const struct lab_instance *small = lab_instance_find(lab, "small");
	argv = argv_of(lab, (size_t)(small - lab->instances), dir);
	assert_null(kernel_line_judge(lab, small, dir, argv));
	kernel_line_free(argv);
	lab_free(lab);
	free(yaml);
}

/* Refused exactly from KERNEL_LINE_MAX bytes on: the state directory's length moves the
 * line across the limit (it is named once per cable and three times more). */
static void test_limit_exact(void **state)
{
	(void)state;
	char *yaml = big_lab();
	struct lab *lab = load(yaml);
	struct lab_instance *big = &lab->instances[1];
	assert_string_equal(big->name, "big");
	big->n_ifaces = 12;		/* near the limit */
	for (size_t k = 0; k < big->n_ifaces; k++)
		big->ifaces[k].n_addrs = 5;
	size_t fits = 0, refused = 0, last = 0;
	char dir[700] = "/";
	for (size_t n = 1; n < 600; n++) {
		dir[n] = 'r';
		dir[n + 1] = '\0';
		char **argv = argv_of(lab, 1, dir);
		size_t len = kernel_line_len(argv);
		assert_true(len > last);
		last = len;
		char *msg = kernel_line_judge(lab, big, dir, argv);
		assert_true((msg != NULL) == (len >= KERNEL_LINE_MAX));
		fits += msg == NULL;
		refused += msg != NULL;
		free(msg);
		kernel_line_free(argv);
	}
	assert_true(fits > 0 && refused > 0);
	lab_free(lab);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_the_guest_reads_back),
		cmocka_unit_test(test_line_too_long_refused_where_it_is),
		cmocka_unit_test(test_limit_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
