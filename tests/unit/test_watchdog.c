/* tests/unit/test_watchdog.c: restart policy, rate limit and back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "watchdog/watchdog.h"

static void test_policy(void **state)
{
	(void)state;
	static const enum watchdog_fault faults[] = { WATCHDOG_FAULT_HALTED, WATCHDOG_FAULT_EXITED,
	    WATCHDOG_FAULT_KILLED, WATCHDOG_FAULT_PANIC, WATCHDOG_FAULT_HANG, WATCHDOG_FAULT_BOOT };
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		enum watchdog_fault f = faults[i];
		assert_false(watchdog_should_restart(LAB_RESTART_NEVER, f));
		assert_true(watchdog_should_restart(LAB_RESTART_ALWAYS, f));
		/* on-failure: everything but a guest that halted itself cleanly */
		assert_int_equal(watchdog_should_restart(LAB_RESTART_ON_FAILURE, f),
		    f != WATCHDOG_FAULT_HALTED);
	}
}

static void test_limiter_burst_then_refuse(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 3, 10000);
	assert_true(watchdog_limiter_allow(&l, 1000));
	assert_true(watchdog_limiter_allow(&l, 2000));
	assert_true(watchdog_limiter_allow(&l, 3000));
	/* a fourth within 10 s of the first is refused, and refusing records nothing */
	assert_false(watchdog_limiter_allow(&l, 4000));
	assert_false(watchdog_limiter_allow(&l, 10999));
	/* once the first has left the window, one more is allowed */
	assert_true(watchdog_limiter_allow(&l, 11000));
	assert_false(watchdog_limiter_allow(&l, 11500));
	assert_true(watchdog_limiter_allow(&l, 12000));
}

static void test_limiter_spread_out_never_refused(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 5, 60000);
	for (uint64_t t = 0; t < 100; t++)
		assert_true(watchdog_limiter_allow(&l, 100000 + t * 12001));
}

static void test_limiter_bounds(void **state)
{
	(void)state;
	struct watchdog_limiter l;
	watchdog_limiter_init(&l, 1000, 1000);	/* clamped to WATCHDOG_BURST_MAX */
	unsigned allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += watchdog_limiter_allow(&l, 5000);
	assert_int_equal(allowed, WATCHDOG_BURST_MAX);
	watchdog_limiter_init(&l, 0, 1000);	/* at least one */
	assert_true(watchdog_limiter_allow(&l, 1));
	assert_false(watchdog_limiter_allow(&l, 2));
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(watchdog_backoff_ms(0), 0);
	assert_int_equal(watchdog_backoff_ms(1), 0);
	assert_int_equal(watchdog_backoff_ms(2), 250);
	assert_int_equal(watchdog_backoff_ms(3), 500);
	assert_int_equal(watchdog_backoff_ms(4), 1000);
	assert_int_equal(watchdog_backoff_ms(6), 4000);
	assert_int_equal(watchdog_backoff_ms(100), 4000);
}

static void test_fault_names(void **state)
{
	(void)state;
	assert_string_equal(watchdog_fault_name(WATCHDOG_FAULT_HANG), "hang");
	assert_string_equal(watchdog_fault_name(WATCHDOG_FAULT_PANIC), "panic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_limiter_burst_then_refuse),
		cmocka_unit_test(test_limiter_spread_out_never_refused),
		cmocka_unit_test(test_limiter_bounds),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_fault_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
