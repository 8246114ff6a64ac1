/* tests/unit/test_slurm.c: reading Slurm's answers (job ids, task states)
 * and running a program as a subprocess (its output, status, time limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/slurm.h"
#include "core/subproc.h"
#include "core/util.h"

static void test_parse_jobid(void **state)
{
	(void)state;
	assert_int_equal(slurm_parse_jobid("123\n"), 123);
	assert_int_equal(slurm_parse_jobid("45;cluster\n"), 45);
	assert_int_equal(slurm_parse_jobid("Submitted batch job 7\n"), -1);
	assert_int_equal(slurm_parse_jobid(""), -1);
	assert_int_equal(slurm_parse_jobid("0"), -1);
	assert_int_equal(slurm_parse_jobid("12x"), -1);
}

static const char *state_of(const struct slurm_task *t, size_t n, long index)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].index == index)
			return t[i].state;
	return NULL;
}

static void test_parse_tasks(void **state)
{
	(void)state;
	struct slurm_task *t = NULL;
	size_t n = 0;
	/* squeue --array -o '%i %T': other jobs, a range and a step are skipped. */
	slurm_parse_tasks(7, "7_0 COMPLETED\n  7_1 RUNNING\n71_2 PENDING\n8_3 FAILED\n"
	    "7_[4-6] PENDING\n7_2.batch COMPLETED\n7_2 TIMEOUT", &t, &n);
	assert_int_equal(n, 3);
	assert_string_equal(state_of(t, n, 0), "COMPLETED");
	assert_string_equal(state_of(t, n, 1), "RUNNING");
	assert_string_equal(state_of(t, n, 2), "TIMEOUT");
	assert_null(state_of(t, n, 4));
	/* sacct -P -o JobID,State: "CANCELLED by 65534"; what squeue said first wins. */
	slurm_parse_tasks(7, "7_3|CANCELLED by 65534\n7_0|FAILED\n7_5|OUT_OF_MEMORY\n", &t, &n);
	assert_int_equal(n, 5);
	assert_string_equal(state_of(t, n, 3), "CANCELLED");
	assert_string_equal(state_of(t, n, 0), "COMPLETED");
	assert_string_equal(state_of(t, n, 5), "OUT_OF_MEMORY");
	free(t);
	assert_true(slurm_state_active("PENDING"));
	assert_true(slurm_state_active("COMPLETING"));
	assert_false(slurm_state_active("COMPLETED"));
	assert_false(slurm_state_active("NODE_FAIL"));
}

static void test_subproc(void **state)
{
	(void)state;
	struct subproc_result r;
	char *cause = NULL;
	char *say[] = { "sh", "-c", "echo out; echo 'sbatch: error: no partition' >&2; exit 3", NULL };
	assert_int_equal(subproc_run(say, 10, &r, &cause), 0);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "sbatch: error: no partition\n");
	assert_false(subproc_ok(&r));
	char *why = subproc_failure(say, &r);
	assert_string_equal(why, "sh exited with status 3: sbatch: error: no partition");
	free(why);
	subproc_result_free(&r);

	char *quiet[] = { "true", NULL };
	assert_int_equal(subproc_run(quiet, 10, &r, &cause), 0);
	assert_true(subproc_ok(&r));
	subproc_result_free(&r);

	char *missing[] = { "umllab-no-such-program", NULL };
	assert_int_equal(subproc_run(missing, 10, &r, &cause), -1);
	assert_non_null(strstr(cause, "cannot run umllab-no-such-program: No such file or directory"));

	uint64_t t0 = clock_ms();
	char *slow[] = { "sleep", "10", NULL };
	assert_int_equal(subproc_run(slow, 1, &r, &cause), -1);
	assert_non_null(strstr(cause, "sleep did not finish within 1 s"));
	assert_true(clock_ms() - t0 < 5000);
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_jobid),
		cmocka_unit_test(test_parse_tasks),
		cmocka_unit_test(test_subproc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
