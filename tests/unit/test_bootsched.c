/* tests/unit/test_bootsched.c: the boot scheduler's decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/supervisor/bootsched.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static void test_start_from_the_machine(void **state)
{
	(void)state;
	struct bootsched s;
	bootsched_init(&s, 40, 2, 20 * GiB, 64 * MiB);
	assert_int_equal(s.limit, 4);	/* two per core */
	assert_int_equal(s.max, 8);	/* four per core */
	assert_int_equal(bootsched_room(&s), 4);
	/* A small lab starts at once. */
	bootsched_init(&s, 2, 2, 20 * GiB, 64 * MiB);
	assert_int_equal(bootsched_room(&s), 2);
	/* Memory bounds it: 300 MiB fit two 64 MiB guests with their overhead. */
	bootsched_init(&s, 40, 8, 300 * MiB, 64 * MiB);
	assert_int_equal(s.max, 2);
	assert_int_equal(bootsched_room(&s), 2);
	/* Never zero, even when memory seems too short. */
	bootsched_init(&s, 40, 8, 10 * MiB, 64 * MiB);
	assert_int_equal(bootsched_room(&s), 1);
	/* Unknown memory: cores only. */
	bootsched_init(&s, 40, 1, 0, 64 * MiB);
	assert_int_equal(bootsched_room(&s), 2);
}

static void test_follows_the_boots(void **state)
{
	(void)state;
	struct bootsched s;
	bootsched_init(&s, 40, 2, 20 * GiB, 64 * MiB);
	for (int i = 0; i < 4; i++)
		bootsched_started(&s);
	assert_int_equal(bootsched_room(&s), 0);
	assert_int_equal(bootsched_waiting(&s), 36);
	/* A quick boot: one more at once (two free slots now). */
	bootsched_finished(&s, true, 1.5);
	assert_int_equal(s.limit, 5);
	assert_int_equal(bootsched_room(&s), 2);
	/* Quick boots raise it up to the maximum only. */
	for (int i = 0; i < 10; i++)
		bootsched_finished(&s, true, 1.0);
	assert_int_equal(s.limit, 8);
	/* A slow one halves it; a boot in between changes nothing. */
	bootsched_finished(&s, true, 25.0);
	assert_int_equal(s.limit, 4);
	bootsched_finished(&s, true, 12.0);	/* slow, not too slow: held */
	assert_int_equal(s.limit, 4);
	for (int i = 0; i < 5; i++)
		bootsched_finished(&s, true, 30.0);
	assert_int_equal(s.limit, 1);	/* never below one */
	/* A failed boot frees its slot without judging the machine. */
	bootsched_started(&s);
	bootsched_finished(&s, false, 0.1);
	assert_int_equal(s.limit, 1);
}

static void test_room_never_exceeds_the_waiting(void **state)
{
	(void)state;
	struct bootsched s;
	bootsched_init(&s, 3, 4, 20 * GiB, 64 * MiB);
	assert_int_equal(bootsched_room(&s), 3);
	for (int i = 0; i < 3; i++)
		bootsched_started(&s);
	assert_int_equal(bootsched_room(&s), 0);
	assert_int_equal(bootsched_waiting(&s), 0);
	for (int i = 0; i < 3; i++)
		bootsched_finished(&s, true, 1.0);
	assert_int_equal(bootsched_room(&s), 0);
	assert_int_equal(s.booted, 3);
}

/* Issue 27: a lab of 1000 boots through, never more at once than the
 * machine allows, whatever the boots' pace. */
static void test_thousand(void **state)
{
	(void)state;
	struct bootsched s;
	bootsched_init(&s, 1000, 2, 20 * GiB, 64 * MiB);
	unsigned running = 0, most = 0, rounds = 0;
	while (s.booted < 1000) {
		for (unsigned k = bootsched_room(&s); k > 0; k--) {
			bootsched_started(&s);
			running++;
		}
		most = running > most ? running : most;
		assert_true(running <= s.max);
		assert_true(running > 0);
		/* the oldest boot ends: quick, then slow for a while, then quick */
		double secs = rounds > 300 && rounds < 400 ? 25.0 : rounds > 600 && rounds < 700 ? 10.0 : 1.0;
		bootsched_finished(&s, true, secs);
		running--;
		rounds++;
	}
	assert_int_equal(rounds, 1000);
	assert_int_equal(most, 8);
	assert_int_equal(bootsched_waiting(&s), 0);
	assert_int_equal(s.booting, 0);
}

static void test_memory(void **state)
{
	(void)state;
	assert_true(bootsched_memory_ok(0, 64 * MiB));	/* unknown: go */
	assert_true(bootsched_memory_ok(2 * GiB, 64 * MiB));
	assert_true(bootsched_memory_ok(64 * MiB + BOOTSCHED_OVERHEAD + BOOTSCHED_RESERVE, 64 * MiB));
	assert_false(bootsched_memory_ok(64 * MiB + BOOTSCHED_OVERHEAD + BOOTSCHED_RESERVE - 1, 64 * MiB));
	assert_false(bootsched_memory_ok(300 * MiB, 64 * MiB));
	assert_false(bootsched_memory_ok(2 * GiB, 4 * GiB));	/* a big guest needs room for all of it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_from_the_machine),
		cmocka_unit_test(test_follows_the_boots),
		cmocka_unit_test(test_room_never_exceeds_the_waiting),
		cmocka_unit_test(test_thousand),
		cmocka_unit_test(test_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
