/* tests/unit/test_fdb.c: the switch's MAC learning table: learning, aging, forgetting, limits, VLANs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "switch/fdb.h"

static void mac_make(uint8_t mac[6], uint32_t n)
{
	mac[0] = 0x02;	/* locally administered unicast */
	mac[1] = 0x00;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* Pseudo-random unicast MACs, as real ones are: they collide in the table. */
static void mac_random(uint8_t mac[6], uint32_t n)
{
	uint64_t x = (uint64_t)n * 0x2545f4914f6cdd1dull + 0x1234567;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(x >> (8 * i));
	mac[0] &= 0xfe;	/* unicast */
}

static void test_learn_lookup(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(0);
	assert_non_null(fdb);
	assert_int_equal(fdb_capacity(fdb), FDB_CAPACITY_DEFAULT);
	uint8_t a[6], b[6], c[6];
	mac_make(a, 1);
	mac_make(b, 2);
	mac_make(c, 3);

	assert_int_equal(fdb_lookup(fdb, a, 0), -1);
	assert_int_equal(fdb_learn(fdb, a, 1, 0), 0);
	assert_int_equal(fdb_learn(fdb, b, 2, 0), 0);
	assert_int_equal(fdb_lookup(fdb, a, 10), 1);
	assert_int_equal(fdb_lookup(fdb, b, 10), 2);
	assert_int_equal(fdb_lookup(fdb, c, 10), -1);
	assert_int_equal(fdb_count(fdb), 2);

	/* A MAC that moves follows its new port. */
	assert_int_equal(fdb_learn(fdb, a, 7, 20), 0);
	assert_int_equal(fdb_lookup(fdb, a, 20), 7);
	assert_int_equal(fdb_count(fdb), 2);

	/* The all-zero MAC is an ordinary unicast address. */
	uint8_t zero[6] = { 0 };
	assert_int_equal(fdb_lookup(fdb, zero, 20), -1);
	assert_int_equal(fdb_learn(fdb, zero, 3, 20), 0);
	assert_int_equal(fdb_lookup(fdb, zero, 20), 3);

	assert_int_equal(fdb_learn(fdb, c, -1, 20), -1);
	fdb_free(fdb);
}

static void test_aging(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(16);
	uint8_t a[6], b[6];
	mac_make(a, 1);
	mac_make(b, 2);

	uint64_t t0 = 1000000;
	fdb_learn(fdb, a, 1, t0);
	fdb_learn(fdb, b, 2, t0);
	assert_int_equal(fdb_lookup(fdb, a, t0 + FDB_AGING_DEFAULT_MS - 1), 1);
	/* Refreshing b keeps it; a ages out at exactly the aging time. */
	fdb_learn(fdb, b, 2, t0 + 200000);
	assert_int_equal(fdb_lookup(fdb, a, t0 + FDB_AGING_DEFAULT_MS), -1);
	assert_int_equal(fdb_lookup(fdb, b, t0 + FDB_AGING_DEFAULT_MS), 2);
	assert_int_equal(fdb_lookup(fdb, b, t0 + 200000 + FDB_AGING_DEFAULT_MS), -1);

	/* A shorter aging time. */
	fdb_set_aging(fdb, 50);
	fdb_learn(fdb, a, 3, 10);
	assert_int_equal(fdb_lookup(fdb, a, 59), 3);
	assert_int_equal(fdb_lookup(fdb, a, 60), -1);
	/* Relearned after aging. */
	fdb_learn(fdb, a, 4, 100);
	assert_int_equal(fdb_lookup(fdb, a, 120), 4);
	fdb_free(fdb);
}

static void test_forget_port(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(1024);
	uint8_t mac[6];
	/* Many entries on three ports, so probe runs collide and shift. */
	for (uint32_t i = 0; i < 900; i++) {
		mac_random(mac, i);
		assert_int_equal(fdb_learn(fdb, mac, (int)(i % 3), 5), 0);
	}
	assert_int_equal(fdb_count(fdb), 900);
	fdb_forget_port(fdb, 1);
	assert_int_equal(fdb_count(fdb), 600);
	for (uint32_t i = 0; i < 900; i++) {
		mac_random(mac, i);
		int want = i % 3 == 1 ? -1 : (int)(i % 3);
		assert_int_equal(fdb_lookup(fdb, mac, 6), want);
	}
	fdb_forget_port(fdb, 0);
	fdb_forget_port(fdb, 2);
	assert_int_equal(fdb_count(fdb), 0);
	fdb_forget_port(fdb, 9);	/* nothing there: harmless */
	fdb_free(fdb);
}

static void test_group_not_learned(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(16);
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t ip6mc[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	assert_true(fdb_mac_is_group(bcast));
	assert_true(fdb_mac_is_group(mcast));
	assert_int_equal(fdb_learn(fdb, bcast, 1, 0), -1);
	assert_int_equal(fdb_learn(fdb, mcast, 1, 0), -1);
	assert_int_equal(fdb_learn(fdb, ip6mc, 1, 0), -1);
	assert_int_equal(fdb_count(fdb), 0);
	assert_int_equal(fdb_lookup(fdb, bcast, 0), -1);
	fdb_free(fdb);
}

static void test_full_table(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(8);
	fdb_set_aging(fdb, 1000);
	uint8_t mac[6];
	for (uint32_t i = 0; i < 8; i++) {
		mac_make(mac, i);
		assert_int_equal(fdb_learn(fdb, mac, 1, i < 4 ? 0 : 500), 0);
	}
	assert_int_equal(fdb_count(fdb), 8);

	/* Full and nothing aged: refused, the old entries stay. */
	mac_make(mac, 100);
	assert_int_equal(fdb_learn(fdb, mac, 2, 900), -1);
	assert_int_equal(fdb_lookup(fdb, mac, 900), -1);
	/* Known MACs still refresh while full. */
	mac_make(mac, 0);
	assert_int_equal(fdb_learn(fdb, mac, 3, 900), 0);
	assert_int_equal(fdb_lookup(fdb, mac, 900), 3);

	/* Later, entries 1..3 (seen at 0) have aged: they make room. */
	mac_make(mac, 100);
	assert_int_equal(fdb_learn(fdb, mac, 2, 1200), 0);
	assert_int_equal(fdb_lookup(fdb, mac, 1200), 2);
	assert_int_equal(fdb_count(fdb), 6);	/* 0, 4..7 and the new one */
	mac_make(mac, 0);
	assert_int_equal(fdb_lookup(fdb, mac, 1200), 3);
	mac_make(mac, 5);
	assert_int_equal(fdb_lookup(fdb, mac, 1200), 1);

	/* Filling up again within the same millisecond: one sweep, then refusals. */
	for (uint32_t i = 200; i < 202; i++) {
		mac_make(mac, i);
		assert_int_equal(fdb_learn(fdb, mac, 4, 1300), 0);
	}
	mac_make(mac, 300);
	assert_int_equal(fdb_learn(fdb, mac, 4, 1300), -1);
	assert_int_equal(fdb_count(fdb), 8);
	fdb_free(fdb);
}

/* Many MACs with a small table: every entry stays findable through inserts,
 * aging deletions and port removals (the backward-shift deletion). */
static void test_churn(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(64);
	fdb_set_aging(fdb, 100);
	uint8_t mac[6];
	for (uint32_t round = 0; round < 50; round++) {
		uint64_t now = round * 60;
		for (uint32_t i = 0; i < 64; i++) {
			mac_random(mac, round * 37 + i);
			fdb_learn(fdb, mac, (int)(i % 5), now);
		}
		fdb_forget_port(fdb, (int)(round % 5));
		for (uint32_t i = 0; i < 64; i++) {
			mac_random(mac, round * 37 + i);
			int got = fdb_lookup(fdb, mac, now);
			if (got != -1)
				assert_int_equal(got, (int)(i % 5));
		}
		assert_true(fdb_count(fdb) <= fdb_capacity(fdb));
	}
	fdb_free(fdb);
}

/* The table is per VLAN: one MAC in two VLANs is two entries, each on its
 * own port; VLAN 0 (the VLAN-unaware table) is one more. */
static void test_vlans(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(0);
	uint8_t a[6], b[6];
	mac_make(a, 1);
	mac_make(b, 2);
	assert_int_equal(fdb_learn_vlan(fdb, a, 10, 1, 0), 0);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 10, 5), 1);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 20, 5), -1);	/* unknown in VLAN 20: flooded there */
	assert_int_equal(fdb_lookup(fdb, a, 5), -1);		/* and in the VLAN-unaware table */
	assert_int_equal(fdb_learn_vlan(fdb, a, 20, 2, 0), 0);
	assert_int_equal(fdb_learn(fdb, a, 3, 0), 0);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 10, 5), 1);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 20, 5), 2);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 0, 5), 3);
	assert_int_equal(fdb_count(fdb), 3);

	/* The highest VLAN and the lowest are apart; beyond 12 bits is refused. */
	assert_int_equal(fdb_learn_vlan(fdb, b, FDB_VLAN_MAX, 4, 0), 0);
	assert_int_equal(fdb_lookup_vlan(fdb, b, FDB_VLAN_MAX, 5), 4);
	assert_int_equal(fdb_lookup_vlan(fdb, b, 1, 5), -1);
	assert_int_equal(fdb_learn_vlan(fdb, b, FDB_VLAN_MAX + 1, 4, 0), -1);
	assert_int_equal(fdb_lookup_vlan(fdb, b, FDB_VLAN_MAX + 1, 5), -1);

	/* A group source is never learnt, in any VLAN. */
	uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(fdb_learn_vlan(fdb, bc, 10, 1, 0), -1);

	/* The dump: sorted by VLAN, then MAC, with ages; aged entries left out. */
	assert_int_equal(fdb_learn_vlan(fdb, b, 10, 5, 100), 0);
	struct fdb_entry e[8];
	unsigned n = fdb_dump(fdb, e, 8, 1000);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].vid, 0);
	assert_memory_equal(e[0].mac, a, 6);
	assert_int_equal(e[1].vid, 10);
	assert_memory_equal(e[1].mac, a, 6);
	assert_int_equal(e[1].port, 1);
	assert_int_equal(e[1].age_ms, 1000);
	assert_int_equal(e[2].vid, 10);
	assert_memory_equal(e[2].mac, b, 6);
	assert_int_equal(e[2].age_ms, 900);
	assert_int_equal(e[3].vid, 20);
	assert_int_equal(e[4].vid, FDB_VLAN_MAX);
	assert_int_equal(fdb_dump(fdb, e, 2, 1000), 2);	/* at most max */
	fdb_set_aging(fdb, 950);
	assert_int_equal(fdb_dump(fdb, e, 8, 1000), 1);	/* only b in VLAN 10, seen at 100 */
	assert_int_equal(e[0].port, 5);

	/* Forgetting a port forgets it in every VLAN; flush forgets all. */
	fdb_set_aging(fdb, 0);
	fdb_learn_vlan(fdb, b, 20, 1, 1000);
	fdb_forget_port(fdb, 1);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 10, 1000), -1);
	assert_int_equal(fdb_lookup_vlan(fdb, b, 20, 1000), -1);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 20, 1000), 2);
	fdb_flush(fdb);
	assert_int_equal(fdb_count(fdb), 0);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 20, 1000), -1);
	assert_int_equal(fdb_learn_vlan(fdb, a, 20, 2, 1000), 0);
	assert_int_equal(fdb_lookup_vlan(fdb, a, 20, 1000), 2);
	fdb_free(fdb);
}

/* Many MACs in many VLANs with a small table: every entry stays findable in
 * its own VLAN only, through aging deletions and port removals. */
static void test_vlan_churn(void **state)
{
	(void)state;
	struct fdb *fdb = fdb_new(128);
	fdb_set_aging(fdb, 100);
	uint8_t mac[6];
	for (uint32_t round = 0; round < 40; round++) {
		uint64_t now = round * 60;
		for (uint32_t i = 0; i < 96; i++) {
			mac_random(mac, round * 11 + i % 32);
			fdb_learn_vlan(fdb, mac, 1 + i / 32 * 1000, (int)(i % 7), now);
		}
		fdb_forget_port(fdb, (int)(round % 7));
		for (uint32_t i = 0; i < 96; i++) {
			mac_random(mac, round * 11 + i % 32);
			int got = fdb_lookup_vlan(fdb, mac, 1 + i / 32 * 1000, now);
			if (got != -1)
				assert_int_equal(got, (int)(i % 7));
			assert_int_equal(fdb_lookup_vlan(fdb, mac, 2 + i / 32 * 1000, now), -1);
		}
		assert_true(fdb_count(fdb) <= fdb_capacity(fdb));
	}
	fdb_free(fdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_forget_port),
		cmocka_unit_test(test_group_not_learned),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_vlan_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
