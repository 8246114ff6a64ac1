/* tests/unit/test_guest_net.c: the guest's network snapshots as the supervisor keeps them
 * (core/supervisor/guest_net.c): whole snapshots only, malformed parts dropped, limits held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/supervisor/guest_net.h"

static int feed(struct guest_net_rx *rx, const char *s)
{
	return guest_net_feed(rx, s, strlen(s), 42);
}

static void test_snapshot(void **state)
{
	(void)state;
	struct guest_net_rx rx = { 0 };
	assert_int_equal(feed(&rx, "1 0 m l eth0 up;l eth1 nocarrier;a eth0 10.0.0.1/24"), 0);
	assert_false(rx.cur.known);
	assert_int_equal(feed(&rx, "1 1 e a eth1 10.0.1.1/30;r 10.0.2.0/24 10.0.0.254 eth0 ospf;"
	    "r 0.0.0.0/0 - eth1 static"), 1);
	assert_true(rx.cur.known);
	assert_int_equal(rx.cur.at_ms, 42);
	assert_int_equal(rx.cur.n_links, 2);
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(rx.cur.n_routes, 2);
	assert_string_equal(guest_net_link_state(&rx.cur, "eth1"), "nocarrier");
	assert_null(guest_net_link_state(&rx.cur, "eth9"));
	const struct guest_net_addr *a = guest_net_first(&rx.cur);
	assert_string_equal(a->iface, "eth0");
	struct in_addr x;
	inet_pton(AF_INET, "10.0.1.1", &x);
	a = guest_net_find(&rx.cur, x);
	assert_non_null(a);
	assert_int_equal(a->prefix, 30);
	assert_true(rx.cur.routes[0].has_via);
	assert_string_equal(rx.cur.routes[0].proto, "ospf");
	assert_false(rx.cur.routes[1].has_via);
	assert_int_equal(rx.cur.routes[1].prefix, 0);

	/* A new snapshot replaces it only when whole. */
	assert_int_equal(feed(&rx, "2 0 m a eth3 10.9.9.9/8"), 0);
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(feed(&rx, "2 2 e a eth3 10.9.9.8/8"), -1);	/* a part lost */
	assert_int_equal(rx.cur.n_addrs, 2);
	assert_int_equal(feed(&rx, "3 1 e a eth3 10.9.9.8/8"), -1);	/* no part 0 */
	assert_int_equal(feed(&rx, "4 0 e "), 1);			/* empty: nothing set */
	assert_int_equal(rx.cur.n_addrs, 0);
	assert_null(guest_net_first(&rx.cur));
	guest_net_reset(&rx);
	assert_false(rx.cur.known);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "x", "1 0", "1 0 q a eth0 10.0.0.1/24", "1 0 e a eth0 10.0.0.1",
		"1 0 e a eth0 10.0.0.300/24", "1 0 e a eth0 10.0.0.1/33", "1 0 e z eth0",
		"1 0 e a averyveryverylongname 10.0.0.1/24", "1 0 e r 10.0.0.0/8 nothere eth0 ospf",
		"1 0 e l eth0 up extra", "1 0 e a eth0 10.0.0.1/24 more",
		"1 0 e r 10.0.0.0/8 - eth0 averyverylongproto",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct guest_net_rx rx = { 0 };
		assert_int_equal(feed(&rx, "1 0 e a eth0 10.1.1.1/24"), 1);
		if (feed(&rx, bad[i]) != -1)
			fail_msg("accepted `%s`", bad[i]);
		assert_int_equal(rx.cur.n_addrs, 1);	/* the last whole one stays */
		guest_net_reset(&rx);
	}
	/* A NUL inside. */
	struct guest_net_rx rx = { 0 };
	assert_int_equal(guest_net_feed(&rx, "1 0 e a eth0\0 10.0.0.1/24", 25, 0), -1);
	guest_net_reset(&rx);
}

static void test_limits(void **state)
{
	(void)state;
	struct guest_net_rx rx = { 0 };
	char part[600];
	unsigned p = 0;
	int rc = 0;
	/* More addresses than the limit: the snapshot is dropped, not grown without bound. */
	for (unsigned i = 0; i < GUEST_NET_ADDRS_MAX + 10 && rc >= 0; i += 10, p++) {
		int n = snprintf(part, sizeof(part), "7 %u m ", p);
		for (unsigned k = 0; k < 10; k++)
			n += snprintf(part + n, sizeof(part) - (size_t)n, "a eth0 10.%u.%u.1/24;", i / 250,
			    (i + k) % 250);
		rc = feed(&rx, part);
	}
	assert_int_equal(rc, -1);
	assert_false(rx.cur.known);
	guest_net_reset(&rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
