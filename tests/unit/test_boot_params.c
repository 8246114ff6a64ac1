/* tests/unit/test_boot_params.c: the guest's reading of umllab's kernel parameters (image/guest/boot_params.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "image/guest/boot_params.h"

static void test_params_from_a_real_command_line(void **state)
{
	(void)state;
	/* As instance_argv() writes it, with the kernel's own words around. */
	char cmdline[] = "mem=64M ubd0=/s/umlA.cow,/c/busybox.img root=/dev/ubda rw umid=umlA "
	    "vec0:transport=bess,dst=/s/cables/umlA.eth0,mac=02:73:65:b0:3b:16 umllab.name=umlA "
	    "umllab.share=ro umllab.ip=eth0:10.0.0.1/24,eth1:10.0.1.1/24 "
	    "umllab.route=default@10.0.0.254 umllab.forward=1 console=tty0\n";
	struct boot_params p;
	boot_params_read(cmdline, &p);
	assert_string_equal(p.name, "umlA");
	assert_string_equal(p.ips, "eth0:10.0.0.1/24,eth1:10.0.1.1/24");
	assert_string_equal(p.routes, "default@10.0.0.254");
	assert_string_equal(p.forward, "1");
	assert_string_equal(p.share, "ro");
}

static void test_params_absent_and_repeated(void **state)
{
	(void)state;
	char none[] = "mem=64M root=/dev/ubda umllab.namex=no xumllab.ip=no";
	struct boot_params p;
	boot_params_read(none, &p);
	assert_null(p.name);
	assert_null(p.ips);
	assert_null(p.routes);
	assert_null(p.forward);
	assert_null(p.share);
	/* The last one counts, as for the kernel's own parameters. */
	char twice[] = "umllab.name=first umllab.name=second umllab.forward=";
	boot_params_read(twice, &p);
	assert_string_equal(p.name, "second");
	assert_string_equal(p.forward, "");
	char empty[] = "";
	boot_params_read(empty, &p);
	assert_null(p.name);
}

static void test_cidr(void **state)
{
	(void)state;
	struct in_addr a;
	unsigned prefix;
	assert_true(boot_cidr_parse("10.0.1.254/24", &a, &prefix));
	assert_int_equal(prefix, 24);
	assert_int_equal(ntohl(a.s_addr), 0x0a0001fe);
	assert_true(boot_cidr_parse("192.168.7.1", &a, &prefix));
	assert_int_equal(prefix, 32);
	assert_true(boot_cidr_parse("0.0.0.0/0", &a, &prefix));
	assert_int_equal(prefix, 0);
	static const char *const bad[] = {
		"10.0.0.1/33", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/2x", "10.0.0/24",
		"10.0.0.256/24", "eth0", "", "/24", "10.0.0.1/24/8", "1111111111111111111111111/8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(boot_cidr_parse(bad[i], &a, &prefix));
}

static void test_pairs(void **state)
{
	(void)state;
	char list[] = "eth0:10.0.0.1/24,,eth1:10.0.1.1/24,junk,:10.0.2.1/24,eth3:";
	char *cursor = list, *left, *right;
	bool bad;
	assert_true(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_false(bad);
	assert_string_equal(left, "eth0");
	assert_string_equal(right, "10.0.0.1/24");
	/* The empty item is skipped. */
	assert_true(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_false(bad);
	assert_string_equal(left, "eth1");
	assert_string_equal(right, "10.0.1.1/24");
	/* Malformed items come back whole, marked bad. */
	assert_true(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_true(bad);
	assert_string_equal(left, "junk");
	assert_true(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_true(bad);
	assert_string_equal(left, ":10.0.2.1/24");
	assert_true(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_true(bad);
	assert_string_equal(left, "eth3:");
	assert_false(boot_pair_next(&cursor, ':', &left, &right, &bad));
	assert_false(boot_pair_next(&cursor, ':', &left, &right, &bad));

	char routes[] = "10.0.2.0/24@10.0.1.254,default@10.0.1.254";
	cursor = routes;
	assert_true(boot_pair_next(&cursor, '@', &left, &right, &bad));
	assert_false(bad);
	assert_string_equal(left, "10.0.2.0/24");
	assert_string_equal(right, "10.0.1.254");
	assert_true(boot_pair_next(&cursor, '@', &left, &right, &bad));
	assert_string_equal(left, "default");
	assert_false(boot_pair_next(&cursor, '@', &left, &right, &bad));

	char nothing[] = "";
	cursor = nothing;
	assert_false(boot_pair_next(&cursor, '@', &left, &right, &bad));
}

static void test_vlans(void **state)
{
	(void)state;
	char cmdline[] = "umllab.ip=eth0.10:10.0.10.1/24 umllab.vlan=eth0.10,eth1.4094";
	struct boot_params p;
	boot_params_read(cmdline, &p);
	assert_string_equal(p.vlans, "eth0.10,eth1.4094");
	char parent[16];
	unsigned vid;
	assert_true(boot_vlan_name("eth0.10", parent, sizeof(parent), &vid));
	assert_string_equal(parent, "eth0");
	assert_int_equal(vid, 10);
	assert_true(boot_vlan_name("eth15.4094", parent, sizeof(parent), &vid));
	assert_int_equal(vid, 4094);
	const char *bad[] = { "eth0", "eth0.", ".10", "eth0.0", "eth0.4095", "eth0.010", "eth0.1x",
		"eth0.12345" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(boot_vlan_name(bad[i], parent, sizeof(parent), &vid));
	assert_false(boot_vlan_name("a-very-long-name.10", parent, 8, &vid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_from_a_real_command_line),
		cmocka_unit_test(test_params_absent_and_repeated),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_vlans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
