/* tests/unit/test_check_report.c: check results through the wire lines and back, as text, JSON (read back) and JUnit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/checks/check_report.h"
#include "core/base/json.h"

static const struct check_result results[] = {
	{ .name = "A reaches B", .kind = "reach", .passed = true, .max_points = 2,
	  .expected = "echo replies", .seen = "S1: 3 echo requests (from umlA)" },
	{ .name = "tab\there \"quoted\" <x> & back\\slash", .kind = "command", .passed = false,
	  .max_points = 3, .expected = "exit 0", .seen = "line 1\nline 2\x01" },
};

/* Encode on the supervisor's side, decode on the client's. */
static void make_report(struct check_report *rep)
{
	struct strbuf b = { 0 };
	check_report_encode_lab(&b, "fig1");
	for (size_t i = 0; i < 2; i++)
		check_report_encode(&b, &results[i]);
	char *cause = NULL;
	memset(rep, 0, sizeof(*rep));
	assert_int_equal(check_report_decode(rep, b.s, b.len, &cause), 0);
	free(b.s);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct check_report rep;
	make_report(&rep);
	assert_string_equal(rep.lab, "fig1");
	assert_int_equal(rep.n, 2);
	assert_int_equal(rep.passed, 1);
	assert_int_equal(rep.points, 2);
	assert_int_equal(rep.max_points, 5);
	assert_string_equal(rep.v[1].name, results[1].name);
	assert_string_equal(rep.v[1].seen, results[1].seen);
	assert_int_equal(rep.v[1].points, 0);
	struct strbuf b = { 0 };
	check_report_text(&b, &rep, false);
	assert_non_null(strstr(b.s, "pass  reach    A reaches B (2/2)\n"));
	assert_non_null(strstr(b.s, "      expected: exit 0\n"));
	assert_non_null(strstr(b.s, "1/2 checks, 2 of 5 points\n"));
	assert_null(strstr(b.s, "echo replies"));	/* a pass shows no detail without -v */
	free(b.s);
	char *cause = NULL;
	assert_int_equal(check_report_decode(&rep, "nonsense\n", 9, &cause), -1);
	assert_non_null(strstr(cause, "not one"));
	free(cause);
	check_report_free(&rep);
}

static void test_json(void **state)
{
	(void)state;
	struct check_report rep;
	make_report(&rep);
	struct strbuf b = { 0 };
	check_report_json(&b, &rep);
	char *cause = NULL;
	struct json *j = json_parse(b.s, b.len, &cause);
	assert_non_null(j);
	assert_string_equal(json_get_str(j, "lab", ""), "fig1");
	assert_int_equal((int)json_get_num(j, "passed", -1), 1);
	assert_int_equal((int)json_get_num(j, "total", -1), 2);
	assert_int_equal((int)json_get_num(j, "points", -1), 2);
	assert_int_equal((int)json_get_num(j, "max_points", -1), 5);
	const struct json *checks = json_get(j, "checks");
	assert_non_null(checks);
	assert_int_equal(checks->n_kids, 2);
	const struct json *c = checks->kids[1];
	assert_string_equal(json_get_str(c, "name", ""), results[1].name);
	assert_string_equal(json_get_str(c, "kind", ""), "command");
	assert_false(json_get_bool(c, "passed", true));
	assert_int_equal((int)json_get_num(c, "points", -1), 0);
	assert_int_equal((int)json_get_num(c, "max_points", -1), 3);
	assert_string_equal(json_get_str(c, "seen", ""), results[1].seen);
	json_free(j);
	free(b.s);
	check_report_free(&rep);
}

/* The one record, written and read back as grade reads check's JSON. */
static void test_record_json(void **state)
{
	(void)state;
	struct check_result r = { .name = "umlA \"reaches\" umlB", .kind = "reach", .passed = true,
	    .points = 3, .max_points = 4, .expected = "echo replies", .seen = "line 1\nline 2" };
	struct strbuf b = { 0 };
	check_result_json(&b, &r);
	char *why = NULL;
	struct json *j = json_parse(b.s, b.len, &why);
	assert_non_null(j);
	struct check_result back = { 0 };
	check_result_from_json(j, &back);
	assert_string_equal(back.name, r.name);
	assert_string_equal(back.kind, r.kind);
	assert_true(back.passed);
	assert_int_equal(back.points, 3);
	assert_int_equal(back.max_points, 4);
	assert_string_equal(back.expected, r.expected);
	assert_string_equal(back.seen, r.seen);
	check_result_clear(&back);
	json_free(j);
	free(strbuf_take(&b));
	/* Numbers out of range are 0, missing strings "". */
	j = json_parse("{\"points\": -3, \"max_points\": 1e12}", 34, &why);
	assert_non_null(j);
	check_result_from_json(j, &back);
	assert_int_equal(back.points, 0);
	assert_int_equal(back.max_points, 0);
	assert_string_equal(back.seen, "");
	check_result_clear(&back);
	json_free(j);
}

static void test_junit(void **state)
{
	(void)state;
	struct check_report rep;
	make_report(&rep);
	struct strbuf b = { 0 };
	check_report_junit(&b, &rep);
	assert_non_null(strstr(b.s, "<testsuite name=\"fig1\" tests=\"2\" failures=\"1\""));
	assert_non_null(strstr(b.s, "name=\"tab&#9;here &quot;quoted&quot; &lt;x&gt; &amp; back\\slash\""));
	assert_non_null(strstr(b.s, "<failure message=\"expected exit 0; seen line 1&#10;line 2?\""));
	assert_null(strchr(b.s, '\x01'));	/* XML 1.0 cannot hold it */
	free(b.s);
	check_report_free(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_record_json),
		cmocka_unit_test(test_junit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
