/* tests/unit/test_grade.c: grading's pure parts (check's JSON in, reports
 * out, names, --jobs, the limits and rules, url and path vetting, text from
 * students made safe), the copy of a submission, the JSON reader, and the
 * runner driven by a stub script standing in for umllab (the e2e tests
 * t_grade and t_grade_hostile use the real one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/grade/grade.h"
#include "core/base/json.h"
#include "core/base/util.h"

static const char contract_json[] =
    "{\"lab\": \"fig1\", \"passed\": 1, \"total\": 2, \"points\": 2, \"max_points\": 5,\n"
    " \"checks\": [{\"name\": \"A reaches B\", \"kind\": \"reach\", \"passed\": true,\n"
    "              \"points\": 2, \"max_points\": 2, \"expected\": \"\", \"seen\": \"\"},\n"
    "             {\"name\": \"r1, forwarding\", \"kind\": \"forwarding\", \"passed\": false,\n"
    "              \"points\": 0, \"max_points\": 3, \"expected\": \"forwarding on\",\n"
    "              \"seen\": \"net.ipv4.ip_forward = 0, \\\"off\\\"\\nstill\"}]}\n";

static void test_json_parse(void **state)
{
	(void)state;
	char *cause = NULL;
	const char *t = " {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\t\\\"\","
	    " \"o\": {}, \"e\": []} ";
	struct json *j = json_parse(t, strlen(t), &cause);
	assert_non_null(j);
	const struct json *a = json_get(j, "a");
	assert_non_null(a);
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->n_kids, 5);
	assert_true(a->kids[0]->number == 1);
	assert_true(a->kids[1]->number == -25);
	assert_true(a->kids[2]->boolean);
	assert_int_equal(a->kids[4]->type, JSON_NULL);
	assert_string_equal(json_get_str(j, "s", NULL), "x\xc3\xa9\xf0\x9f\x98\x80\t\"");
	assert_int_equal(json_get(j, "o")->type, JSON_OBJECT);
	assert_null(json_get(j, "missing"));
	assert_true(json_get_num(j, "s", 7) == 7);	/* wrong type: the default */
	json_free(j);

	const char *bad[] = { "", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "tru", "1 2", "{\"a\":1,}",
	    "\"a\nb\"", "-", "[01x]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_parse(bad[i], strlen(bad[i]), &cause);
		if (j != NULL)
			fail_msg("parsed: %s", bad[i]);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "offset"));
	}
	free(cause);
	cause = NULL;
	/* Nesting is bounded. */
	char deep[300];
	memset(deep, '[', sizeof(deep));
	assert_null(json_parse(deep, sizeof(deep), &cause));
	assert_non_null(strstr(cause, "deeply"));
	free(cause);
}

static void test_json_write_string_round_trip(void **state)
{
	(void)state;
	const char *s = "a \"quoted\" \\ line\nand\ttab \x01 caf\xc3\xa9";
	struct strbuf b = { 0 };
	json_write_string(&b, s);
	char *cause = NULL;
	struct json *j = json_parse(b.s, b.len, &cause);
	assert_non_null(j);
	assert_string_equal(j->str, s);
	json_free(j);
	free(strbuf_take(&b));
}

static void test_names(void **state)
{
	(void)state;
	const char *paths[] = { "subs/alice/", "subs/bob.yaml", "other/alice", "x/carol/lab.yaml",
	    "summary.yml", "we ird$name.yml", ".hidden.yaml", "lab.yaml" };
	const char *want[] = { "alice", "bob", "alice-2", "carol", "summary-2", "we_ird_name", "_hidden",
	    "lab" };
	size_t n = sizeof(paths) / sizeof(paths[0]);
	struct grade_sub subs[8] = { 0 };
	for (size_t i = 0; i < n; i++)
		subs[i].path = xstrdup(paths[i]);
	grade_names_assign(subs, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(subs[i].name, want[i]);
		grade_sub_clear(&subs[i]);
	}
}

static void test_names_bounded(void **state)
{
	(void)state;
	/* A 250-character directory name: cut, with a hash of the whole. */
	char a[300], b[300];
	memset(a, 'x', 250);
	a[250] = '\0';
	strcpy(b, a);
	b[200] = 'y';
	struct grade_sub subs[3] = { 0 };
	subs[0].path = xasprintf("class/%s", a);
	subs[1].path = xasprintf("class/%s/", b);
	subs[2].path = xasprintf("other/%s", a);
	grade_names_assign(subs, 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(strlen(subs[i].name) <= GRADE_NAME_MAX + 3);
	assert_int_equal(strlen(subs[0].name), GRADE_NAME_MAX);
	assert_int_equal(strncmp(subs[0].name, a, GRADE_NAME_MAX - 9), 0);
	assert_int_equal(subs[0].name[GRADE_NAME_MAX - 9], '-');
	assert_string_not_equal(subs[0].name, subs[1].name);	/* differ past the cut */
	assert_string_equal(subs[2].name + GRADE_NAME_MAX, "-2");	/* the same name twice */
	for (size_t i = 0; i < 3; i++)
		grade_sub_clear(&subs[i]);
}

static char *clean(const char *s, bool lines)
{
	struct strbuf b = { 0 };
	grade_text_clean(&b, s, lines);
	return b.s != NULL ? strbuf_take(&b) : xstrdup("");
}

static void test_text_clean(void **state)
{
	(void)state;
	const char *hostile = "\x1b]0;HACKED-TITLE\x07\x1b[31mFAKE: 10/10 points\r\nnext";
	char *c = clean(hostile, true);
	assert_string_equal(c, "^[]0;HACKED-TITLE^G^[[31mFAKE: 10/10 points^M\nnext");
	free(c);
	c = clean(hostile, false);
	assert_string_equal(c, "^[]0;HACKED-TITLE^G^[[31mFAKE: 10/10 points^M^Jnext");
	free(c);
	/* C1 controls (CSI as U+009B, or a lone 0x9b byte), broken UTF-8, DEL. */
	c = clean("a\xc2\x9b" "31mb\x9b" "c\xe2\x82" "d\x7f caf\xc3\xa9 \xf0\x9f\x98\x80\ttab", true);
	assert_string_equal(c, "a?31mb?c??d^? caf\xc3\xa9 \xf0\x9f\x98\x80\ttab");
	free(c);
	c = clean("\xed\xa0\x80\xc0\xaf", false);	/* a surrogate, an overlong '/' */
	assert_string_equal(c, "?????");
	free(c);
	/* The report, the terminal line and the CSV carry no control byte. */
	struct grade_spec spec = { .path = "/t/spec.yaml", .n = 1, .max_points = 1 };
	struct grade_sub s = { .path = xstrdup("class/\x1b[2Jeve"), .name = xstrdup("eve") };
	grade_sub_fail(&s, "up", hostile, &spec);
	s.log = xstrdup("$ umllab up\n\x1b[1A\x1b[2KPASS  everything 10/10\n");
	char *text = grade_report_text(&s, &spec), *line = grade_sub_line(&s);
	char *csv = grade_summary_csv(&s, 1);
	for (const char *p = text; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
	for (const char *p = line; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20);
	for (const char *p = csv; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\r');
	assert_non_null(strstr(text, "submission: class/^[[2Jeve\n"));
	assert_non_null(strstr(text, "^[[1A^[[2KPASS  everything"));
	free(text);
	free(line);
	free(csv);
	grade_sub_clear(&s);
}

static void test_policy(void **state)
{
	(void)state;
	struct grade_policy p;
	grade_policy_init(&p);
	assert_int_equal(p.lim.instances, 16);
	assert_true(p.lim.mem == 256ULL << 20 && p.lim.mem_total == 1ULL << 30);
	assert_true(p.lim.disk == 1ULL << 30 && p.lim.written == 2ULL << 30);
	assert_true(p.lim.time == 300 && p.lim.size == 256ULL << 20 && p.lim.mem_all == 0);
	char *cause = NULL;
	assert_int_equal(grade_policy_limit_arg(&p, "mem=512M", &cause), 0);
	assert_true(p.lim.mem == 512ULL << 20);
	assert_int_equal(grade_policy_limit_arg(&p, "mem_total=2GiB", &cause), 0);
	assert_true(p.lim.mem_total == 2ULL << 30);
	assert_int_equal(grade_policy_limit_arg(&p, "time=10m", &cause), 0);
	assert_true(p.lim.time == 600);
	assert_int_equal(grade_policy_limit_arg(&p, "instances=40", &cause), 0);
	assert_true(p.lim.instances == 40);
	const char *bad[][2] = { { "cpus=2", "there is no limit `cpus`" }, { "mem=12X", "is not a size" },
		{ "mem=1M", "too small" }, { "mem", "expected NAME=VALUE" }, { "instances=4k", "not a whole" },
		{ "disk=99999999999999999999G", "is not a size" }, { "time=-1", "seconds" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(grade_policy_limit_arg(&p, bad[i][0], &cause), -1);
		if (strstr(cause, bad[i][1]) == NULL)
			fail_msg("%s: %s", bad[i][0], cause);
	}
	assert_int_equal(grade_policy_allow_arg(&p, "url=https://example.org/images/", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&p, "mirror=default", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&p, "trunk=192.0.2.7:4789", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&p, "trunk=192.0.2.7:4789", &cause), 0);	/* once */
	assert_int_equal(p.n_urls, 1);
	assert_int_equal(p.n_trunks, 1);
	assert_string_equal(p.trunks[0], "192.0.2.7:4789");
	assert_int_equal(grade_policy_allow_arg(&p, "url=file:///etc/", &cause), -1);
	assert_int_equal(grade_policy_allow_arg(&p, "url=http:///x", &cause), -1);
	assert_int_equal(grade_policy_allow_arg(&p, "url=https://x.org/a b/", &cause), -1);
	assert_int_equal(grade_policy_allow_arg(&p, "trunk=nowhere", &cause), -1);
	assert_int_equal(grade_policy_allow_arg(&p, "ports=22", &cause), -1);
	assert_non_null(strstr(cause, "expected url, mirror or trunk"));
	char *hint = grade_limit_hint("mem");
	assert_non_null(strstr(hint, "--limit mem="));
	free(hint);
	char *t = grade_size_text(1536ULL << 20);
	assert_string_equal(t, "1.5 GiB");
	free(t);
	t = grade_size_text(256ULL << 20);
	assert_string_equal(t, "256 MiB");
	free(t);
	free(cause);
	grade_policy_free(&p);
}

static void test_url_vet(void **state)
{
	(void)state;
	struct grade_policy p;
	grade_policy_init(&p);
	char *cause = NULL;
	/* file:// never, and the reason shows the path as curl would decode it. */
	assert_int_equal(grade_url_vet(&p, "file:///c/sub/%2e%2e/%2E%2e/root/secret.yaml", &cause), -1);
	assert_non_null(strstr(cause, "(/c/sub/../../root/secret.yaml)"));
	assert_int_equal(grade_url_vet(&p, "FILE:///etc/shadow", &cause), -1);
	assert_non_null(strstr(cause, "a file of the grading host"));
	/* Nothing allowed: no download at all. */
	assert_int_equal(grade_url_vet(&p, "http://127.0.0.1:8080/x.img", &cause), -1);
	assert_non_null(strstr(cause, "is not allowed"));
	assert_int_equal(grade_url_vet(&p, "ftp://example.org/x", &cause), -1);
	assert_int_equal(grade_policy_allow_arg(&p, "url=https://example.org/images/", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&p, "url=https://cdn.example.org", &cause), 0);
	assert_int_equal(grade_url_vet(&p, "https://example.org/images/router.img", &cause), 0);
	assert_int_equal(grade_url_vet(&p, "https://cdn.example.org/a/b.img", &cause), 0);
	const char *no[] = { "https://example.org/imagesX/a", "https://example.org/other.img",
	    "https://cdn.example.org.evil.net/x", "https://cdn.example.org@127.0.0.1/x",
	    "https://example.org/images/%2e%2e/admin", "https://example.org/images/../admin",
	    "https://example.org/images/a\\..\\b", "https://example.org/images/a b",
	    "http://example.org/images/a.img" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (grade_url_vet(&p, no[i], &cause) == 0)
			fail_msg("allowed: %s", no[i]);
	free(cause);
	grade_policy_free(&p);
}

static void test_path_inside(void **state)
{
	(void)state;
	const char *in[] = { "share", "./share", "a/../b", "a/b/../..", "a//b/./c", ".", "a/./../b",
	    "..a/b", "a..", "" };
	const char *out[] = { "..", "../alice/share", "a/../../x", "/etc", "//etc", "./..", "a/b/../../..",
	    "share/../../x" };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		if (!grade_path_inside(in[i]))
			fail_msg("outside: %s", in[i]);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		if (grade_path_inside(out[i]))
			fail_msg("inside: %s", out[i]);
}

static void test_jobs_by_mem(void **state)
{
	(void)state;
	assert_int_equal(grade_jobs_by_mem(4, 18ULL << 30, 1ULL << 30), 4);
	assert_int_equal(grade_jobs_by_mem(8, 3ULL << 30, 1ULL << 30), 3);
	assert_int_equal(grade_jobs_by_mem(4, 100ULL << 20, 1ULL << 30), 1);	/* at least one */
}

static struct grade_spec test_spec(void)
{
	struct grade_spec spec = { .path = "/t/spec.yaml", .n = 2, .max_points = 5 };
	return spec;
}

static void test_take_check_json(void **state)
{
	(void)state;
	struct grade_sub s = { .path = xstrdup("alice"), .name = xstrdup("alice") };
	char *cause = NULL;
	assert_int_equal(grade_sub_take_check_json(&s, contract_json, strlen(contract_json), &cause), 0);
	assert_int_equal(s.outcome, GRADE_CHECKED);
	assert_int_equal(s.points, 2);
	assert_int_equal(s.max_points, 5);
	assert_int_equal(s.passed, 1);
	assert_int_equal(s.total, 2);
	assert_string_equal(s.checks[1].name, "r1, forwarding");
	assert_false(s.checks[1].passed);
	assert_int_equal(s.checks[1].max_points, 3);
	char *line = grade_sub_line(&s);
	assert_string_equal(line, "alice: 2/5 points, 1/2 checks passed");
	free(line);
	struct grade_spec spec = test_spec();
	char *text = grade_report_text(&s, &spec);
	assert_non_null(strstr(text, "PASS  A reaches B (reach) 2/2\n"));
	assert_non_null(strstr(text, "FAIL  r1, forwarding (forwarding) 0/3\n      expected: forwarding on\n"));
	free(text);

	/* Not a report: refused, s unchanged in outcome. */
	struct grade_sub t = { .path = xstrdup("bob"), .name = xstrdup("bob") };
	assert_int_equal(grade_sub_take_check_json(&t, "umllab: no lab", 14, &cause), -1);
	assert_non_null(strstr(cause, "not JSON"));
	assert_int_equal(grade_sub_take_check_json(&t, "{\"checks\": []}", 14, &cause), -1);
	assert_non_null(strstr(cause, "lacks"));
	assert_int_equal(t.outcome, GRADE_PENDING);
	free(cause);
	grade_sub_clear(&s);
	grade_sub_clear(&t);
}

static void test_fail_and_summaries(void **state)
{
	(void)state;
	struct grade_spec spec = test_spec();
	struct grade_sub subs[2] = { { .path = xstrdup("a/alice"), .name = xstrdup("alice") },
		{ .path = xstrdup("b/bob.yaml"), .name = xstrdup("bob") } };
	char *cause = NULL;
	assert_int_equal(grade_sub_take_check_json(&subs[0], contract_json, strlen(contract_json), &cause), 0);
	grade_sub_fail(&subs[1], "validate", "bob.yaml:3:5: unknown key \"swtich\", \"expected\"\nbob.yaml:9:1: x",
	    &spec);
	assert_int_equal(subs[1].points, 0);
	assert_int_equal(subs[1].max_points, 5);
	assert_int_equal(subs[1].total, 2);
	char *line = grade_sub_line(&subs[1]);
	assert_non_null(strstr(line, "bob: 0/5 points (the lab file has mistakes: bob.yaml:3:5"));
	assert_non_null(strstr(line, "; bob.yaml:9:1: x)"));
	free(line);

	/* A long reason keeps its start and its end (a hint), not only its start. */
	struct grade_sub carol = { .path = xstrdup("c/carol"), .name = xstrdup("carol") };
	char reason[1200];
	snprintf(reason, sizeof(reason), "c/carol/lab.yaml:15:5: unknown key `foward` (expected one of: %0400d; "
	    "did you mean `forward`?)", 0);
	grade_sub_fail(&carol, "validate", reason, &spec);
	line = grade_sub_line(&carol);
	assert_non_null(strstr(line, "carol: 0/5 points (the lab file has mistakes: c/carol/lab.yaml:15:5: "));
	assert_non_null(strstr(line, " ... "));
	assert_non_null(strstr(line, "did you mean `forward`?))"));
	assert_true(strlen(line) < 400);
	free(line);
	grade_sub_clear(&carol);

	char *csv = grade_summary_csv(subs, 2);
	assert_string_equal(csv,
	    "submission,points,max_points,status,failed_checks,reason\r\n"
	    "alice,2,5,checked,\"r1, forwarding (expected: forwarding on; seen: net.ipv4.ip_forward = 0, "
	    "\"\"off\"\"; still)\",\r\n"
	    "bob,0,5,validate,,\"bob.yaml:3:5: unknown key \"\"swtich\"\", \"\"expected\"\"; bob.yaml:9:1: x\"\r\n");
	free(csv);

	char *js = grade_summary_json(subs, 2, &spec);
	struct json *j = json_parse(js, strlen(js), &cause);
	assert_non_null(j);
	assert_true(json_get_num(j, "max_points", 0) == 5);
	const struct json *list = json_get(j, "submissions");
	assert_int_equal(list->n_kids, 2);
	assert_string_equal(json_get_str(list->kids[0], "status", ""), "checked");
	const struct json *failed = json_get(list->kids[0], "failed");
	assert_int_equal(failed->n_kids, 1);
	assert_string_equal(json_get_str(failed->kids[0], "seen", ""), "net.ipv4.ip_forward = 0, \"off\"\nstill");
	assert_string_equal(json_get_str(list->kids[1], "status", ""), "validate");
	assert_true(json_get_num(list->kids[1], "points", -1) == 0);
	assert_non_null(strstr(json_get_str(list->kids[1], "reason", ""), "swtich"));
	json_free(j);
	free(js);
	grade_sub_clear(&subs[0]);
	grade_sub_clear(&subs[1]);
}

/* A Slurm task's record (the summary.json of its one submission) read back
 * gives the same summary lines as the submission it was written from. */
static void test_summary_record_round_trip(void **state)
{
	(void)state;
	struct grade_spec spec = test_spec();
	struct grade_sub subs[2] = { { .path = xstrdup("a/alice"), .name = xstrdup("alice") },
		{ .path = xstrdup("b/bob.yaml"), .name = xstrdup("bob") } };
	char *cause = NULL;
	assert_int_equal(grade_sub_take_check_json(&subs[0], contract_json, strlen(contract_json), &cause), 0);
	subs[0].labfile = xstrdup("a/alice/lab.yaml");
	subs[0].seconds = 12.5;
	grade_sub_fail(&subs[1], "up", "umllab up (exit 1): \"x\"\nboot failed", &spec);
	char *csv = grade_summary_csv(subs, 2), *js = grade_summary_json(subs, 2, &spec);
	struct grade_sub back[2] = { { .path = xstrdup("a/alice"), .name = xstrdup("alice") },
		{ .path = xstrdup("b/bob.yaml"), .name = xstrdup("bob") } };
	for (int i = 0; i < 2; i++) {
		char *rec = grade_summary_json(&subs[i], 1, &spec);
		assert_int_equal(grade_sub_take_summary_json(&back[i], rec, strlen(rec), &cause), 0);
		free(rec);
	}
	assert_int_equal(back[0].outcome, GRADE_CHECKED);
	assert_int_equal(back[1].outcome, GRADE_FAILED);
	assert_string_equal(back[1].stage, "up");
	char *csv2 = grade_summary_csv(back, 2), *js2 = grade_summary_json(back, 2, &spec);
	assert_string_equal(csv2, csv);
	assert_string_equal(js2, js);
	/* Not a record of one submission: refused. */
	assert_int_equal(grade_sub_take_summary_json(&back[0], js, strlen(js), &cause), -1);
	assert_non_null(strstr(cause, "one submission"));
	assert_int_equal(grade_sub_take_summary_json(&back[0], "{", 1, &cause), -1);
	free(cause);
	free(csv);
	free(js);
	free(csv2);
	free(js2);
	for (int i = 0; i < 2; i++) {
		grade_sub_clear(&subs[i]);
		grade_sub_clear(&back[i]);
	}
}

static void test_jobs_default(void **state)
{
	(void)state;
	assert_int_equal(grade_jobs_default(2, 24000), 4);
	assert_int_equal(grade_jobs_default(2, 1500), 2);	/* memory bounds it */
	assert_int_equal(grade_jobs_default(2, 100), 1);	/* at least one */
	assert_int_equal(grade_jobs_default(0, 0), 1);
	assert_int_equal(grade_jobs_default(16, 4096), 8);
}

static char tmp_root[64];

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", tmp_root, rel);
}

/* A path that lives as long as the test program (for mkdir's argument). */
static const char *tpath_keep(const char *rel)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp_root, rel);
	return buf[i];
}

static void put(const char *rel, const char *text)
{
	char *p = tpath(rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_policy_spec(void **state)
{
	(void)state;
	put("spec-grade.yaml", "checks:\n  - {name: a, reach: {from: a, to: b}}\n"
	    "grade:\n  limits: {mem: 512M, time: 20m, instances: 4}\n"
	    "  allow:\n    url: [https://example.org/images/]\n    mirror: default\n"
	    "    trunk: [192.0.2.7:4789]\n");
	char *p = tpath("spec-grade.yaml"), *cause = NULL;
	struct grade_policy pol;
	grade_policy_init(&pol);
	if (grade_policy_load_spec(p, &pol, &cause) != 0)
		fail_msg("%s", cause);
	assert_true(pol.lim.mem == 512ULL << 20 && pol.lim.time == 1200 && pol.lim.instances == 4);
	assert_int_equal(pol.n_urls, 1);
	assert_string_equal(pol.mirrors[0], "default");
	assert_string_equal(pol.trunks[0], "192.0.2.7:4789");
	grade_policy_free(&pol);
	free(p);
	put("spec-bad.yaml", "checks: []\ngrade:\n  limits: {mem: lots, cpus: 2}\n  allow: {ports: [22]}\n"
	    "  other: 1\n");
	p = tpath("spec-bad.yaml");
	grade_policy_init(&pol);
	assert_int_equal(grade_policy_load_spec(p, &pol, &cause), -1);
	assert_non_null(strstr(cause, "spec-bad.yaml:3:17: limit mem `lots` is not a size"));
	assert_non_null(strstr(cause, "spec-bad.yaml:3:23: there is no limit `cpus`"));
	assert_non_null(strstr(cause, "spec-bad.yaml:4:11: unknown key `ports` in allow"));
	assert_non_null(strstr(cause, "spec-bad.yaml:5:3: unknown key `other` in grade"));
	grade_policy_free(&pol);
	free(p);
	free(cause);
}

static char *slurp(const char *rel)
{
	char *p = tpath(rel);
	FILE *f = fopen(p, "r");
	free(p);
	if (f == NULL)
		return NULL;
	char buf[256];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void test_copy(void **state)
{
	(void)state;
	char *cause = NULL;
	put("outside-secret", "SECRET\n");
	mkdir(tpath_keep("src"), 0755);
	mkdir(tpath_keep("src/share"), 0755);
	put("src/lab.yaml", "x: 1\n");
	put("src/share/answer", "42\n");
	char *sec = tpath("outside-secret"), *l1 = tpath("src/share/leak"), *l2 = tpath("src/other.yaml");
	assert_int_equal(symlink(sec, l1), 0);
	assert_int_equal(symlink(sec, l2), 0);
	char *fifo = tpath("src/pipe");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A big sparse file is copied sparse. */
	char *big = tpath("src/share/disk.img");
	int fd = open(big, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0 && ftruncate(fd, 8 << 20) == 0 && pwrite(fd, "end", 3, (8 << 20) - 3) == 3);
	close(fd);
	struct grade_copy info;
	char *src = tpath("src"), *dst = tpath("dst");
	if (grade_copy_in(src, dst, (uid_t)-1, (gid_t)-1, 64 << 20, &info, &cause) != 0)
		fail_msg("%s", cause);
	assert_false(info.is_file);
	char *t = slurp("dst/share/answer");
	assert_string_equal(t, "42\n");
	free(t);
	struct stat st;
	char *dbig = tpath("dst/share/disk.img");
	assert_int_equal(stat(dbig, &st), 0);
	assert_true(st.st_size == 8 << 20 && st.st_blocks * 512 < (1 << 20));
	/* Links and the fifo are left out and named; a top-level lab file that
	 * is a link is named apart. */
	char *dl = tpath("dst/share/leak");
	assert_int_not_equal(lstat(dl, &st), 0);
	assert_non_null(info.left_out);
	assert_non_null(strstr(info.left_out, "share/leak (a symbolic link)"));
	assert_non_null(strstr(info.left_out, "pipe (a fifo)"));
	assert_non_null(info.lab_link);
	assert_non_null(strstr(info.lab_link, "other.yaml -> "));
	assert_true(grade_tree_usage(dst) >= 4096);
	grade_copy_clear(&info);
	grade_tree_remove(dst);
	assert_int_not_equal(access(dst, F_OK), 0);
	/* Too big; the submission itself a link; a file alone. */
	assert_int_equal(grade_copy_in(src, dst, (uid_t)-1, (gid_t)-1, 1 << 20, &info, &cause), -1);
	assert_non_null(strstr(cause, "more than 1 MiB (limit size"));
	grade_copy_clear(&info);
	grade_tree_remove(dst);
	char *lsrc = tpath("linked");
	assert_int_equal(symlink(src, lsrc), 0);
	char *lsrc_slash = xasprintf("%s/", lsrc);
	assert_int_equal(grade_copy_in(lsrc_slash, dst, (uid_t)-1, (gid_t)-1, 64 << 20, &info, &cause), -1);
	assert_non_null(strstr(cause, "is a symbolic link (to "));
	assert_int_not_equal(access(dst, F_OK), 0);	/* nothing made */
	grade_copy_clear(&info);
	char *file = tpath("src/lab.yaml");
	assert_int_equal(grade_copy_in(file, dst, (uid_t)-1, (gid_t)-1, 64 << 20, &info, &cause), 0);
	assert_true(info.is_file);
	t = slurp("dst/lab.yaml");
	assert_string_equal(t, "x: 1\n");
	free(t);
	grade_copy_clear(&info);
	/* Removing follows no link: what a link in the tree points at stays. */
	char *keep = tpath("dst/keep");
	assert_int_equal(symlink(src, keep), 0);
	grade_tree_remove(dst);
	assert_int_not_equal(access(dst, F_OK), 0);
	assert_int_equal(access(file, F_OK), 0);
	free(keep);
	free(file);
	free(lsrc);
	free(lsrc_slash);
	free(dl);
	free(dbig);
	free(src);
	free(dst);
	free(big);
	free(fifo);
	free(sec);
	free(l1);
	free(l2);
	free(cause);
}

static void test_find_labfile(void **state)
{
	(void)state;
	char *cause = NULL;
	put("one/x.yaml", "a: 1\n");
	put("one/notes.txt", "hi\n");
	put("two/a.yaml", "a: 1\n");
	put("two/b.yml", "a: 1\n");
	put("pref/lab.yaml", "a: 1\n");
	put("pref/other.yaml", "a: 1\n");
	char *d = tpath("one"), *p = grade_find_labfile(d, &cause);
	assert_non_null(p);
	assert_non_null(strstr(p, "one/x.yaml"));
	free(p);
	free(d);
	d = tpath("pref");
	p = grade_find_labfile(d, &cause);
	assert_non_null(strstr(p, "pref/lab.yaml"));
	free(p);
	free(d);
	d = tpath("two");
	assert_null(grade_find_labfile(d, &cause));
	assert_non_null(strstr(cause, "2 YAML files"));
	free(d);
	d = tpath("empty");
	assert_null(grade_find_labfile(d, &cause));
	assert_non_null(strstr(cause, "no lab file"));
	free(d);
	d = tpath("nonexistent");
	assert_null(grade_find_labfile(d, &cause));
	free(d);
	free(cause);
}

static void test_lab_vet(void **state)
{
	(void)state;
	char *cause = NULL;
	char *conf = tpath("conf");
	mkdir(conf, 0755);
	char *inside = tpath("conf/share"), *outside = tpath("elsewhere");
	mkdir(inside, 0755);
	mkdir(outside, 0755);
	put("conf/ok.yaml", "share: share\nswitches:\n  S1: {mode: switch}\ninstances:\n  a:\n"
	    "    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.1/24}\n");
	put("conf/bad.yaml", "share: ../elsewhere\nswitches:\n  S1: {mode: switch}\ninstances:\n  a:\n"
	    "    share: /etc\n    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.1/24}\n");
	/* A symbolic link inside that leads outside is outside. */
	char *link = tpath("conf/sneaky");
	assert_int_equal(symlink(outside, link), 0);
	put("conf/link.yaml", "share: sneaky\nswitches:\n  S1: {mode: switch}\ninstances:\n  a:\n"
	    "    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.1/24}\n");
	char *p = tpath("conf/ok.yaml");
	if (grade_lab_vet(p, NULL, &cause) != 0)
		fail_msg("ok.yaml refused: %s", cause);
	free(p);
	p = tpath("conf/bad.yaml");
	assert_int_equal(grade_lab_vet(p, NULL, &cause), -1);
	/* Judged as written, before the lab is loaded. */
	assert_non_null(strstr(cause, "bad.yaml:1:8: share: `../elsewhere` leads outside the "
	    "submission's directory"));
	assert_non_null(strstr(cause, "bad.yaml:6:12: share: `/etc` leads outside"));
	free(p);
	/* A symbolic link inside is resolved. */
	p = tpath("conf/link.yaml");
	assert_int_equal(grade_lab_vet(p, NULL, &cause), -1);
	assert_non_null(strstr(cause, "elsewhere is outside"));
	free(p);
	/* Downloads, mirrors, trunks: only what the policy allows. */
	put("conf/net.yaml", "images:\n"
	    "  u: {url: \"http://127.0.0.1:9/x.img\", sha256: "
	    "0000000000000000000000000000000000000000000000000000000000000000}\n"
	    "  d: {debian: bookworm, mirror: \"http://127.0.0.1:9/debian\"}\n"
	    "  e: {debian: bookworm}\n"
	    "switches:\n  S1:\n    trunks: [{vxlan: 192.0.2.7:4789, listen: 127.0.0.1:4789, vni: 1}]\n"
	    "instances:\n  a:\n    image: u\n    interfaces:\n      eth0: {switch: S1, ip: 10.0.0.1/24}\n");
	p = tpath("conf/net.yaml");
	struct grade_policy pol;
	grade_policy_init(&pol);
	assert_int_equal(grade_lab_vet(p, &pol, &cause), -1);
	assert_non_null(strstr(cause, "image u: url `http://127.0.0.1:9/x.img` is not allowed"));
	assert_non_null(strstr(cause, "image d is built from the mirror http://127.0.0.1:9/debian"));
	assert_non_null(strstr(cause, "image e is built from Debian's archive (mirror `default`)"));
	assert_non_null(strstr(cause, "switch S1 has a trunk to 192.0.2.7:4789"));
	assert_int_equal(grade_policy_allow_arg(&pol, "url=http://127.0.0.1:9/", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&pol, "mirror=http://127.0.0.1:9/debian", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&pol, "mirror=default", &cause), 0);
	assert_int_equal(grade_policy_allow_arg(&pol, "trunk=192.0.2.7:4789", &cause), 0);
	if (grade_lab_vet(p, &pol, &cause) != 0)
		fail_msg("allowed, still refused: %s", cause);
	free(p);
	/* Limits: instances, mem, mem in all, declared disk space. */
	put("conf/big.yaml", "switches:\n  S1: {capture: {max_size: 1G, files: 10}}\ninstances:\n"
	    "  a: {mem: 512M, disks: [{size: 2G}]}\n  b: {mem: 600M}\n  c: {}\n");
	p = tpath("conf/big.yaml");
	grade_policy_limit_arg(&pol, "instances=2", &cause);
	assert_int_equal(grade_lab_vet(p, &pol, &cause), -1);
	assert_non_null(strstr(cause, "the lab has instances: 3, over the limit of 2"));
	assert_non_null(strstr(cause, "instance a (and 1 more) has mem: 512 MiB, over the limit of "
	    "256 MiB (limit mem;"));
	assert_non_null(strstr(cause, "mem: come to 1.1 GiB, over the limit of 1 GiB"));
	assert_non_null(strstr(cause, "may write 12 GiB, over the limit of 1 GiB (limit disk;"));
	grade_policy_limit_arg(&pol, "instances=3", &cause);
	grade_policy_limit_arg(&pol, "mem=1G", &cause);
	grade_policy_limit_arg(&pol, "mem_total=2G", &cause);
	grade_policy_limit_arg(&pol, "disk=12G", &cause);
	if (grade_lab_vet(p, &pol, &cause) != 0)
		fail_msg("within the limits, still refused: %s", cause);
	free(p);
	/* A file with mistakes passes: validate reports them. */
	put("conf/typo.yaml", "swtiches: {}\n");
	p = tpath("conf/typo.yaml");
	assert_int_equal(grade_lab_vet(p, &pol, &cause), 0);
	free(p);
	grade_policy_free(&pol);
	free(cause);
	free(link);
	free(inside);
	free(outside);
	free(conf);
}

/* The stub: validate fails on a file holding BROKEN, up fails on NOUP and
 * sleeps on SLOW, check prints a report naming the file it came up from,
 * down records which state directory it took down. */
static const char stub[] =
    "#!/bin/sh\n"
    "log=\"$STUB_LOG\"\n"
    "echo \"$1 $UMLLAB_STATE_DIR\" >>\"$log\"\n"
    "case \"$1\" in\n"
    "validate) if grep -q BROKEN \"$2\"; then echo \"$2:2:3: unknown key (expected switches)\" >&2; exit 1; fi;"
    " echo ok;;\n"
    "up) if grep -q NOUP \"$2\"; then echo 'umllab: umlA: did not boot' >&2; exit 1; fi\n"
    "    if grep -q SLOW \"$2\"; then sleep 30; fi\n"
    "    if grep -q HOG \"$2\"; then head -c 4000000 /dev/zero >\"$UMLLAB_STATE_DIR/big\"; sleep 30; fi\n"
    "    mkdir -p \"$UMLLAB_STATE_DIR/lab\" && cp \"$2\" \"$UMLLAB_STATE_DIR/lab/file\";;\n"
    "check) [ \"$2 $4\" = \"--spec --json\" ] || exit 9\n"
    "    if grep -q PERFECT \"$UMLLAB_STATE_DIR/lab/file\"; then p=5; ok=true; else p=2; ok=false; fi\n"
    "    printf '{\"lab\": \"l\", \"passed\": 1, \"total\": 2, \"points\": %s, \"max_points\": 5, \"checks\": ["
    "{\"name\": \"a\", \"kind\": \"reach\", \"passed\": true, \"points\": 2, \"max_points\": 2, \"expected\": \"\", \"seen\": \"\"},"
    "{\"name\": \"b\", \"kind\": \"route\", \"passed\": %s, \"points\": 0, \"max_points\": 3, \"expected\": \"a route\", \"seen\": \"none\"}]}\\n' $p $ok\n"
    "    [ $p = 5 ] || exit 1;;\n"
    "down) rm -rf \"$UMLLAB_STATE_DIR/lab\";;\n"
    "*) exit 9;;\n"
    "esac\n";

struct seen {
	size_t calls, finished;
	int raise_at;	/* raise SIGTERM when this many have started (0: never) */
};

static void progress(void *arg, const struct grade_sub *subs, size_t n, size_t done,
    const struct grade_sub *finished)
{
	struct seen *s = arg;
	(void)done;
	s->calls++;
	s->finished += finished != NULL;
	size_t running = 0;
	for (size_t i = 0; i < n; i++)
		running += subs[i].running != NULL && strcmp(subs[i].running, "up") == 0;
	if (s->raise_at > 0 && running >= (size_t)s->raise_at) {
		s->raise_at = 0;
		raise(SIGTERM);	/* blocked by the runner: it takes it in its loop */
	}
}

static size_t count_lines(const char *rel, const char *prefix)
{
	char *p = tpath(rel);
	FILE *f = fopen(p, "r");
	free(p);
	if (f == NULL)
		return 0;
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return n;
}

static struct grade_options stub_options(struct seen *seen, unsigned jobs)
{
	put("stub", stub);
	char *self = tpath("stub");
	chmod(self, 0755);
	char *log = tpath("log");
	setenv("STUB_LOG", log, 1);
	unlink(log);
	free(log);
	char *out = tpath("out");
	mkdir(out, 0755);
	setenv("TMPDIR", tmp_root, 1);
	struct grade_options o = { .self = self, .spec = "/t/spec.yaml", .out_dir = out, .jobs = jobs,
		.progress = progress, .arg = seen };
	return o;
}

static void test_runner_with_stub(void **state)
{
	(void)state;
	put("perfect.yaml", "PERFECT\n");
	put("partly.yaml", "partly\n");
	put("broken.yaml", "BROKEN\n");
	put("noup.yaml", "NOUP\n");
	char *nolab = tpath("nolab");
	mkdir(nolab, 0755);
	free(nolab);
	const char *rel[] = { "perfect.yaml", "partly.yaml", "broken.yaml", "noup.yaml", "nolab" };
	size_t n = 5;
	struct grade_sub subs[5] = { 0 };
	for (size_t i = 0; i < n; i++)
		subs[i].path = tpath(rel[i]);
	grade_names_assign(subs, n);
	struct seen seen = { 0 };
	struct grade_options o = stub_options(&seen, 2);
	struct grade_spec spec = test_spec();
	char *cause = NULL;
	assert_int_equal(grade_run(&o, &spec, subs, n, &cause), 0);
	assert_null(cause);
	assert_int_equal(seen.finished, 5);
	assert_int_equal(subs[0].outcome, GRADE_CHECKED);
	assert_int_equal(subs[0].points, 5);
	assert_int_equal(subs[1].outcome, GRADE_CHECKED);
	assert_int_equal(subs[1].points, 2);
	assert_int_equal(subs[2].outcome, GRADE_FAILED);
	assert_string_equal(subs[2].stage, "validate");
	assert_non_null(strstr(subs[2].reason, "broken.yaml:2:3: unknown key"));
	assert_int_equal(subs[3].outcome, GRADE_FAILED);
	assert_string_equal(subs[3].stage, "up");
	assert_non_null(strstr(subs[3].reason, "did not boot"));
	assert_int_equal(subs[4].outcome, GRADE_FAILED);
	assert_string_equal(subs[4].stage, "submission");
	assert_int_equal(subs[4].max_points, 5);
	/* Every lab that was brought up (or tried to be) was taken down. */
	assert_int_equal(count_lines("log", "up "), 3);
	assert_int_equal(count_lines("log", "down "), 3);
	assert_int_equal(count_lines("log", "validate "), 4);
	/* Reports and summaries are there; the work directories are gone. */
	const char *files[] = { "out/perfect.txt", "out/perfect.check.json", "out/noup.txt", "out/nolab.txt",
	    "out/summary.csv", "out/summary.json" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = tpath(files[i]);
		if (access(p, R_OK) != 0)
			fail_msg("missing %s", p);
		free(p);
	}
	char *p = tpath("out/broken.check.json");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "ls -d %s/umllab-grade.* 2>/dev/null | grep -q .", tmp_root);
	assert_int_not_equal(system(cmd), 0);
	/* Each submission had a state directory of its own. */
	snprintf(cmd, sizeof(cmd), "test $(grep ^up %s/log | sort -u | wc -l) = 3", tmp_root);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < n; i++)
		grade_sub_clear(&subs[i]);
	free((char *)o.self);
	free((char *)o.out_dir);
}

static void test_runner_interrupted(void **state)
{
	(void)state;
	put("slow1.yaml", "SLOW\n");
	put("slow2.yaml", "SLOW\n");
	put("later.yaml", "PERFECT\n");
	const char *rel[] = { "slow1.yaml", "slow2.yaml", "later.yaml" };
	struct grade_sub subs[3] = { 0 };
	for (size_t i = 0; i < 3; i++)
		subs[i].path = tpath(rel[i]);
	grade_names_assign(subs, 3);
	struct seen seen = { .raise_at = 2 };
	struct grade_options o = stub_options(&seen, 2);
	struct grade_spec spec = test_spec();
	char *cause = NULL;
	uint64_t t0 = clock_ms();
	assert_int_equal(grade_run(&o, &spec, subs, 3, &cause), -1);
	assert_true(clock_ms() - t0 < 10000);	/* the 30 s ups were stopped */
	assert_non_null(strstr(cause, "interrupted"));
	free(cause);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(subs[i].outcome, GRADE_FAILED);
		assert_string_equal(subs[i].stage, "interrupted");
	}
	assert_int_equal(count_lines("log", "down "), 2);	/* both started labs taken down */
	assert_int_equal(count_lines("log", "check "), 0);
	char *p = tpath("out/summary.csv");
	assert_int_equal(access(p, R_OK), 0);
	free(p);
	for (size_t i = 0; i < 3; i++)
		grade_sub_clear(&subs[i]);
	free((char *)o.self);
	free((char *)o.out_dir);
}

/* A vet standing in for grade_lab_vet: refuses files holding EVIL. */
static int stub_vet(const char *labfile, const struct grade_policy *p, char **cause)
{
	(void)p;
	char buf[64] = "";
	FILE *f = fopen(labfile, "r");
	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	return strstr(buf, "EVIL") != NULL ? set_cause(cause, "%s: evil", labfile) : 0;
}

static void test_runner_limits(void **state)
{
	(void)state;
	put("hog.yaml", "HOG\n");
	put("slow3.yaml", "SLOW\n");
	put("evil.yaml", "EVIL\n");
	put("perfect2.yaml", "PERFECT\n");
	char *target = tpath("perfect2.yaml"), *link = tpath("linked.yaml");
	assert_int_equal(symlink(target, link), 0);
	free(target);
	free(link);
	const char *rel[] = { "hog.yaml", "slow3.yaml", "evil.yaml", "linked.yaml", "perfect2.yaml" };
	struct grade_sub subs[5] = { 0 };
	for (size_t i = 0; i < 5; i++)
		subs[i].path = tpath(rel[i]);
	grade_names_assign(subs, 5);
	struct seen seen = { 0 };
	struct grade_options o = stub_options(&seen, 3);
	struct grade_policy pol;
	grade_policy_init(&pol);
	char *cause = NULL;
	assert_int_equal(grade_policy_limit_arg(&pol, "written=1M", &cause), 0);
	assert_int_equal(grade_policy_limit_arg(&pol, "time=3", &cause), 0);
	o.policy = &pol;
	o.vet = stub_vet;
	struct grade_spec spec = test_spec();
	uint64_t t0 = clock_ms();
	assert_int_equal(grade_run(&o, &spec, subs, 5, &cause), 0);
	assert_true(clock_ms() - t0 < 15000);	/* the 30 s ups were cut short */
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(subs[i].outcome, GRADE_FAILED);
		assert_string_equal(subs[i].stage, "refused");
		assert_int_equal(subs[i].points, 0);
	}
	assert_non_null(strstr(subs[0].reason, "the lab wrote"));
	assert_non_null(strstr(subs[0].reason, "over the limit of 1 MiB"));
	assert_non_null(strstr(subs[1].reason, "not graded within 3 s, its time limit"));
	/* The vet's word names the submission, not grade's copy of it. */
	assert_non_null(strstr(subs[2].reason, tmp_root));
	assert_non_null(strstr(subs[2].reason, "/evil.yaml: evil"));
	assert_non_null(strstr(subs[3].reason, "is a symbolic link"));
	assert_int_equal(subs[4].outcome, GRADE_CHECKED);
	assert_int_equal(subs[4].points, 5);
	/* The labs stopped for a limit were taken down; the refused never ran. */
	assert_int_equal(count_lines("log", "up "), 3);
	assert_int_equal(count_lines("log", "down "), 3);
	assert_int_equal(count_lines("log", "validate "), 3);
	for (size_t i = 0; i < 5; i++)
		grade_sub_clear(&subs[i]);
	grade_policy_free(&pol);
	free((char *)o.self);
	free((char *)o.out_dir);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmp_root, "/tmp/test_grade.XXXXXX");
	if (mkdtemp(tmp_root) == NULL)
		return -1;
	const char *dirs[] = { "one", "two", "pref", "empty" };
	for (size_t i = 0; i < 4; i++) {
		char *d = tpath(dirs[i]);
		mkdir(d, 0755);
		free(d);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parse),
		cmocka_unit_test(test_json_write_string_round_trip),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_take_check_json),
		cmocka_unit_test(test_fail_and_summaries),
		cmocka_unit_test(test_summary_record_round_trip),
		cmocka_unit_test(test_jobs_default),
		cmocka_unit_test(test_find_labfile),
		cmocka_unit_test(test_names_bounded),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_url_vet),
		cmocka_unit_test(test_path_inside),
		cmocka_unit_test(test_jobs_by_mem),
		cmocka_unit_test(test_lab_vet),
		cmocka_unit_test(test_policy_spec),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_runner_with_stub),
		cmocka_unit_test(test_runner_interrupted),
		cmocka_unit_test(test_runner_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
