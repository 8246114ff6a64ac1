/* tests/unit/test_filter_names.c: instance names in capture and link filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <cmocka.h>

#include "core/lab/filter_names.h"

/* umlA has two interfaces, umlB one. */
static size_t lookup(void *arg, const char *name, uint8_t macs[FILTER_NAME_MACS_MAX][6])
{
	(void)arg;
	static const uint8_t a0[6] = { 2, 0, 0, 0, 0, 0xa0 }, a1[6] = { 2, 0, 0, 0, 0, 0xa1 },
		b0[6] = { 2, 0, 0, 0, 0, 0xb0 };
	if (strcmp(name, "umlA") == 0) {
		memcpy(macs[0], a0, 6);
		memcpy(macs[1], a1, 6);
		return 2;
	}
	if (strcmp(name, "umlA.eth1") == 0) {
		memcpy(macs[0], a1, 6);
		return 1;
	}
	if (strcmp(name, "umlB") == 0) {
		memcpy(macs[0], b0, 6);
		return 1;
	}
	return 0;
}

/* umlA has 10.0.0.1 and 2001:db8::1 (and its link-local fe80::a0), umlB only 10.0.0.2. */
static size_t lookup_addrs(void *arg, const char *name, int family,
    char addrs[FILTER_NAME_ADDRS_MAX][FILTER_ADDR_TEXT_MAX])
{
	(void)arg;
	static const struct { const char *name, *addr; int family; } t[] = {
		{ "umlA", "10.0.0.1", AF_INET }, { "umlA", "2001:db8::1", AF_INET6 },
		{ "umlA", "fe80::a0", AF_INET6 }, { "umlB", "10.0.0.2", AF_INET },
		{ "umlA.eth1", "2001:db8::1", AF_INET6 },
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, name) == 0 && (family == 0 || family == t[i].family))
			strcpy(addrs[n++], t[i].addr);
	return n;
}

static bool with_addrs;

static void expect(const char *in, const char *want)
{
	char *got = filter_expand_names(in, lookup, with_addrs ? lookup_addrs : NULL, NULL);
	assert_string_equal(got, want);
	free(got);
}

static void test_expand(void **state)
{
	(void)state;
	expect("icmp and ether src umlB", "icmp and ether src 02:00:00:00:00:b0");
	expect("ether src umlA",
	    "(ether src 02:00:00:00:00:a0 or ether src 02:00:00:00:00:a1)");
	expect("ether host umlA.eth1", "ether host 02:00:00:00:00:a1");
	expect("arp and not (ether dst umlB)", "arp and not (ether dst 02:00:00:00:00:b0)");
	expect("ether umlB", "ether 02:00:00:00:00:b0");
	expect("ether broadcast", "ether broadcast");
	/* Only after `ether`: an IP host, a MAC, or an unknown name stay. */
	expect("host umlA", "host umlA");
	expect("ether src 02:00:00:00:00:01", "ether src 02:00:00:00:00:01");
	expect("ether src umlZ", "ether src umlZ");
	expect("tcp port 80", "tcp port 80");
	expect("", "");
}

/* Issue 24: IP addresses after host, src, dst, optionally after ip or ip6. */
static void test_expand_addresses(void **state)
{
	(void)state;
	with_addrs = true;
	expect("ip6 host umlA", "(ip6 host 2001:db8::1 or ip6 host fe80::a0)");
	expect("icmp6 and ip6 src umlA.eth1", "icmp6 and ip6 src 2001:db8::1");
	expect("ip host umlA", "ip host 10.0.0.1");
	expect("host umlA", "(host 10.0.0.1 or host 2001:db8::1 or host fe80::a0)");
	expect("src host umlB and dst umlA",
	    "src host 10.0.0.2 and (dst 10.0.0.1 or dst 2001:db8::1 or dst fe80::a0)");
	expect("ip6 dst host umlA", "(ip6 dst host 2001:db8::1 or ip6 dst host fe80::a0)");
	expect("not (ip6 host umlA.eth1)", "not (ip6 host 2001:db8::1)");
	/* none of that family, no phrase, or a MAC's: left for libpcap to say */
	expect("ip6 host umlB", "ip6 host umlB");
	expect("ip6 umlA", "ip6 umlA");
	expect("port umlA", "port umlA");
	expect("ether src umlB", "ether src 02:00:00:00:00:b0");
	expect("ip6 host 2001:db8::9", "ip6 host 2001:db8::9");
	with_addrs = false;
	expect("host umlA", "host umlA");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
