/* tests/unit/test_boot_params.c: the guest's reading of umllab's kernel parameters (image/guest/boot_params.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/base/eui64.h"
#include "image/guest/boot_params.h"

static void test_params_from_a_real_command_line(void **state)
{
	(void)state;
	/* As kernel_line_argv() (core/storage/kernel_line.c) writes it, with the kernel's own words around. */
	char cmdline[] = "mem=64M ubd0=/s/umlA.cow,/c/busybox.img root=/dev/ubda rw umid=umlA "
	    "vec0:transport=bess,dst=/s/cables/umlA.eth0,mac=02:73:65:b0:3b:16 umllab.name=umlA "
	    "umllab.share=ro umllab.ip=eth0:10.0.0.1/24,eth1:10.0.1.1/24 "
	    "umllab.route=default@10.0.0.254 umllab.forward=1 console=tty0 umllab.ipv6=1 "
	    "umllab.ra=eth1\n";
	struct boot_params p;
	boot_params_read(cmdline, &p);
	assert_string_equal(p.name, "umlA");
	assert_string_equal(p.ips, "eth0:10.0.0.1/24,eth1:10.0.1.1/24");
	assert_string_equal(p.routes, "default@10.0.0.254");
	assert_string_equal(p.forward, "1");
	assert_string_equal(p.share, "ro");
	assert_string_equal(p.ipv6, "1");
	assert_string_equal(p.ra, "eth1");
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

static void test_addr_either_family(void **state)
{
	(void)state;
	unsigned char a[16];
	int family;
	unsigned prefix;
	assert_true(boot_addr_parse("10.0.1.254/24", &family, a, &prefix));
	assert_int_equal(family, AF_INET);
	assert_int_equal(prefix, 24);
	assert_int_equal(a[0], 10);
	assert_true(boot_addr_parse("2001:db8:1::fe/64", &family, a, &prefix));
	assert_int_equal(family, AF_INET6);
	assert_int_equal(prefix, 64);
	assert_int_equal(a[0], 0x20);
	assert_int_equal(a[15], 0xfe);
	assert_true(boot_addr_parse("fe80::1", &family, a, &prefix));
	assert_int_equal(prefix, 128);
	static const char *const bad[] = { "2001:db8::1/129", "2001:db8::1/", "2001:db8::g/64",
		"fe80::1%eth0", "10.0.0.1/33", "", "::ffff:1.2.3.4.5/96" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(boot_addr_parse(bad[i], &family, a, &prefix));
}

static void test_gateway(void **state)
{
	(void)state;
	unsigned char a[16];
	int family;
	char *dev;
	char ll[] = "fe80::1%eth0", v4[] = "10.0.1.254", v4dev[] = "10.0.1.254%eth1";
	assert_true(boot_gateway_parse(ll, &family, a, &dev));
	assert_int_equal(family, AF_INET6);
	assert_string_equal(dev, "eth0");
	assert_true(boot_gateway_parse(v4, &family, a, &dev));
	assert_int_equal(family, AF_INET);
	assert_null(dev);
	assert_true(boot_gateway_parse(v4dev, &family, a, &dev));
	assert_string_equal(dev, "eth1");
	char nodev[] = "fe80::1%", prefix[] = "2001:db8::1/64", junk[] = "router%eth0";
	assert_false(boot_gateway_parse(nodev, &family, a, &dev));
	assert_false(boot_gateway_parse(prefix, &family, a, &dev));
	assert_false(boot_gateway_parse(junk, &family, a, &dev));
}

static void test_link_local(void **state)
{
	(void)state;
	static const unsigned char mac[6] = { 0x02, 0x5b, 0xa1, 0x4e, 0x28, 0xea };
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	eui64_link_local(mac, a);
	assert_non_null(inet_ntop(AF_INET6, a, text, sizeof(text)));
	assert_string_equal(text, "fe80::5b:a1ff:fe4e:28ea");	/* as the kernel makes it */
	static const unsigned char local[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };	/* universal bit */
	unsigned char id[8];
	eui64_id(local, id);
	static const unsigned char want[8] = { 0x02, 0x16, 0x3e, 0xff, 0xfe, 0x01, 0x02, 0x03 };
	assert_memory_equal(id, want, sizeof(want));
}

static void test_router_advertisement(void **state)
{
	(void)state;
	static const unsigned char mac[6] = { 0x02, 0, 0, 0, 0x02, 0x01 };
	struct boot_prefix p[2];
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:2::fe", p[0].addr), 1);
	p[0].len = 64;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:3:4:5::1", p[1].addr), 1);
	p[1].len = 64;
	unsigned char m[128];
	assert_int_equal(boot_ra_message(m, sizeof(m), mac, p, 2, BOOT_RA_ROUTER_S), 16 + 8 + 64);
	assert_int_equal(m[0], 134);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[4], 64);
	assert_int_equal(m[6] << 8 | m[7], 1800);
	assert_int_equal(m[16], 1);		/* source link-layer address */
	assert_int_equal(m[17], 1);
	assert_memory_equal(m + 18, mac, 6);
	const unsigned char *o = m + 24;
	assert_int_equal(o[0], 3);		/* prefix information */
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0xc0);
	assert_int_equal(o[4] << 24 | o[5] << 16 | o[6] << 8 | o[7], 86400);
	assert_int_equal(o[8] << 24 | o[9] << 16 | o[10] << 8 | o[11], 14400);
	char text[INET6_ADDRSTRLEN];
	assert_non_null(inet_ntop(AF_INET6, o + 16, text, sizeof(text)));
	assert_string_equal(text, "2001:db8:2::");	/* host bits cleared */
	assert_non_null(inet_ntop(AF_INET6, o + 32 + 16, text, sizeof(text)));
	assert_string_equal(text, "2001:db8:3:4::");
	/* not a default router; too small a buffer */
	assert_int_equal(boot_ra_message(m, sizeof(m), mac, p, 1, 0), 56);
	assert_int_equal(m[6] | m[7], 0);
	assert_int_equal(boot_ra_message(m, 50, mac, p, 1, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_from_a_real_command_line),
		cmocka_unit_test(test_params_absent_and_repeated),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_addr_either_family),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_link_local),
		cmocka_unit_test(test_router_advertisement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
