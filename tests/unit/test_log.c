/* tests/unit/test_log.c: the log's rate limiter and its size bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/log.h"
#include "core/base/util.h"

static void test_burst_then_one_per_interval(void **state)
{
	(void)state;
	struct log_ratelimit rl = { 0 };
	unsigned sup = 99;
	uint64_t t = 5000;
	for (int i = 0; i < LOG_RATELIMIT_BURST; i++) {
		assert_true(log_ratelimit_allow(&rl, t, &sup));
		assert_int_equal(sup, 0);
	}
	/* the burst is spent: refused and counted */
	for (int i = 0; i < 25; i++)
		assert_false(log_ratelimit_allow(&rl, t + 10 * (uint64_t)i, &sup));
	assert_false(log_ratelimit_allow(&rl, t + LOG_RATELIMIT_INTERVAL_MS - 1, &sup));
	/* one interval later one line passes, and it carries the count */
	assert_true(log_ratelimit_allow(&rl, t + LOG_RATELIMIT_INTERVAL_MS, &sup));
	assert_int_equal(sup, 26);
	assert_false(log_ratelimit_allow(&rl, t + LOG_RATELIMIT_INTERVAL_MS + 1, &sup));
	assert_true(log_ratelimit_allow(&rl, t + 2 * LOG_RATELIMIT_INTERVAL_MS, &sup));
	assert_int_equal(sup, 1);
}

static void test_steady_flood_rate(void **state)
{
	(void)state;
	struct log_ratelimit rl = { 0 };
	unsigned sup, allowed = 0, refused = 0, reported = 0;
	/* 1000 lines a second for 60 s: the burst, then one a second */
	for (uint64_t t = 0; t < 60000; t++) {
		if (log_ratelimit_allow(&rl, t, &sup)) {
			allowed++;
			reported += sup;
		} else {
			refused++;
		}
	}
	assert_int_equal(allowed, LOG_RATELIMIT_BURST + 59);
	/* every refused line is reported with a later line, bar those since the last one */
	assert_true(reported <= refused);
	assert_true(refused - reported < LOG_RATELIMIT_INTERVAL_MS);
	assert_int_equal(rl.suppressed, refused - reported);
}

static void test_refill_is_capped(void **state)
{
	(void)state;
	struct log_ratelimit rl = { 0 };
	unsigned sup;
	assert_true(log_ratelimit_allow(&rl, 0, &sup));
	/* an hour of quiet refills the burst, not more */
	int n = 0;
	while (log_ratelimit_allow(&rl, 3600000, &sup))
		n++;
	assert_int_equal(n, LOG_RATELIMIT_BURST);
}

static void test_limiters_are_independent(void **state)
{
	(void)state;
	struct log_ratelimit a = { 0 }, b = { 0 };
	unsigned sup;
	for (int i = 0; i < LOG_RATELIMIT_BURST; i++)
		assert_true(log_ratelimit_allow(&a, 100, &sup));
	assert_false(log_ratelimit_allow(&a, 100, &sup));
	assert_true(log_ratelimit_allow(&b, 100, &sup));
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return xstrdup("");
	struct strbuf b = { 0 };
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&b, buf, n);
	fclose(f);
	return strbuf_take(&b);
}

static size_t count_lines(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_limited_lines_and_summary(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_log.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/supervisor.log", dir);
	assert_int_equal(log_open(path, false), 0);
	struct log_ratelimit rl = { 0 };
	for (int i = 0; i < 100; i++)
		log_limited(&rl, LOG_LEVEL_WARN, "umlA", "umlA: malformed %d", i);
	/* debug lines are neither written nor counted while debug is off */
	log_limited(&rl, LOG_LEVEL_DEBUG, "umlA", "umlA: debug");
	char *text = read_file(path);
	assert_int_equal(count_lines(text, "malformed"), LOG_RATELIMIT_BURST);
	assert_null(strstr(text, "suppressed"));
	free(text);
	/* a line allowed later first says how many were held back */
	usleep((LOG_RATELIMIT_INTERVAL_MS + 100) * 1000);
	log_limited(&rl, LOG_LEVEL_WARN, "umlA", "umlA: malformed again");
	text = read_file(path);
	assert_non_null(strstr(text, "warn 90 similar messages from umlA suppressed\n"));
	assert_true(strstr(text, "suppressed") < strstr(text, "malformed again"));
	free(text);
	for (int i = 0; i < 5; i++)
		log_limited(&rl, LOG_LEVEL_INFO, "umlA", "umlA: more");
	log_ratelimit_flush(&rl, "umlA");
	text = read_file(path);
	assert_non_null(strstr(text, "5 similar messages from umlA suppressed"));
	free(text);
	log_close();
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_file_is_bounded(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_log.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/supervisor.log", dir);
	char *older = xasprintf("%s.1", path);
	assert_int_equal(log_open(path, true), 0);
	char filler[200];
	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	/* 5 MiB of lines: the file and its one older generation stay under the bound */
	for (int i = 0; i < 5 * (1 << 20) / 200; i++) {
		log_info("line %d %s", i, filler);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_true((size_t)st.st_size <= LOG_FILE_MAX);
	}
	struct stat st;
	assert_int_equal(stat(older, &st), 0);
	assert_true((size_t)st.st_size <= LOG_FILE_MAX);
	assert_true((size_t)st.st_size > LOG_FILE_MAX / 2);
	/* the newest line is in the current file, whole */
	log_warnx("the last line");
	char *text = read_file(path);
	assert_non_null(strstr(text, " warn the last line\n"));
	free(text);
	log_close();
	unlink(path);
	unlink(older);
	rmdir(dir);
	free(older);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_one_per_interval),
		cmocka_unit_test(test_steady_flood_rate),
		cmocka_unit_test(test_refill_is_capped),
		cmocka_unit_test(test_limiters_are_independent),
		cmocka_unit_test(test_limited_lines_and_summary),
		cmocka_unit_test(test_file_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
