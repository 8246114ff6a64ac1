/* tests/unit/test_filter_names.c: instance names in capture and link filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

static void expect(const char *in, const char *want)
{
	char *got = filter_expand_names(in, lookup, NULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
