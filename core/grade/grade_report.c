/* core/grade/grade_report.c: grading's pure parts: check's JSON in, reports and the class summary out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grade/grade.h"
#include "core/base/json.h"
#include "core/base/util.h"

static bool ends_with(const char *s, size_t len, const char *tail)
{
	size_t n = strlen(tail);
	return len >= n && strcmp(s + len - n, tail) == 0;
}

/* The name a path gives: "subs/alice/" -> alice, "subs/bob.yaml" -> bob,
 * "subs/carol/lab.yaml" -> carol. */
static char *name_from_path(const char *path)
{
	char *p = xstrdup(path);
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	char *base = strrchr(p, '/');
	base = base != NULL ? base + 1 : p;
	size_t blen = strlen(base);
	bool yaml = ends_with(base, blen, ".yaml") || ends_with(base, blen, ".yml");
	if (yaml && (strcmp(base, "lab.yaml") == 0 || strcmp(base, "lab.yml") == 0) && base != p) {
		base[-1] = '\0';
		char *parent = strrchr(p, '/');
		base = parent != NULL ? parent + 1 : p;
		if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			base = (char *)"lab";
	} else if (yaml) {
		*strrchr(base, '.') = '\0';
	}
	struct strbuf b = { 0 };
	for (const char *c = base; *c != '\0'; c++) {
		char ch = *c;
		bool okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '_' || ch == '-';
		strbuf_printf(&b, "%c", okc ? ch : '_');
	}
	char *name = b.s != NULL ? strbuf_take(&b) : xstrdup("submission");
	if (name[0] == '.')
		name[0] = '_';	/* no hidden report files, no "." or ".." */
	/* A 250-character directory name must still give report file names
	 * (NAME.check.json, .NAME.txt.tmp) that fit: its start and a hash of all. */
	if (strlen(name) > GRADE_NAME_MAX) {
		uint32_t h = 2166136261u;
		for (const unsigned char *c = (const unsigned char *)base; *c != '\0'; c++)
			h = (h ^ *c) * 16777619u;
		snprintf(name + GRADE_NAME_MAX - 9, 10, "-%08x", (unsigned)h);
	}
	free(p);
	return name;
}

void grade_names_assign(struct grade_sub *subs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(subs[i].name);
		char *base = name_from_path(subs[i].path);
		char *name = xstrdup(base);
		for (unsigned k = 2;; k++) {
			bool taken = strcmp(name, "summary") == 0;
			for (size_t j = 0; j < i && !taken; j++)
				taken = strcmp(subs[j].name, name) == 0;
			if (!taken)
				break;
			free(name);
			name = xasprintf("%s-%u", base, k);
		}
		free(base);
		subs[i].name = name;
	}
}

static void checks_free(struct grade_sub *s)
{
	for (size_t i = 0; i < s->n_checks; i++)
		check_result_clear(&s->checks[i]);
	free(s->checks);
	s->checks = NULL;
	s->n_checks = 0;
}

static long num_field(const struct json *j, const char *key)
{
	double v = json_get_num(j, key, 0);
	if (!isfinite(v) || v < 0)
		return 0;
	return v > 1e9 ? 1000000000L : (long)v;
}

int grade_sub_take_check_json(struct grade_sub *s, const char *text, size_t len, char **cause)
{
	char *why = NULL;
	struct json *j = json_parse(text, len, &why);
	if (j == NULL) {
		set_cause(cause, "check's --json output is not JSON (%s)", why);
		free(why);
		return -1;
	}
	const struct json *checks = json_get(j, "checks");
	if (j->type != JSON_OBJECT || checks == NULL || checks->type != JSON_ARRAY ||
	    json_get(j, "points") == NULL || json_get(j, "max_points") == NULL) {
		json_free(j);
		return set_cause(cause, "check's --json output lacks points, max_points or checks");
	}
	checks_free(s);
	s->checks = xcalloc(checks->n_kids + 1, sizeof(*s->checks));
	size_t passed = 0;
	for (size_t i = 0; i < checks->n_kids; i++) {
		struct check_result *g = &s->checks[s->n_checks++];
		check_result_from_json(checks->kids[i], g);
		passed += g->passed;
	}
	s->points = num_field(j, "points");
	s->max_points = num_field(j, "max_points");
	s->passed = passed;
	s->total = s->n_checks;
	s->outcome = GRADE_CHECKED;
	s->stage = NULL;
	json_free(j);
	return 0;
}

/* The stages a summary names; a record's status string is mapped back onto
 * these, since grade_sub.stage points at constant strings. */
static const char *const known_stages[] = { "submission", "refused", "validate", "up", "check",
	"interrupted", "slurm" };

int grade_sub_take_summary_json(struct grade_sub *s, const char *text, size_t len, char **cause)
{
	char *why = NULL;
	struct json *j = json_parse(text, len, &why);
	if (j == NULL) {
		set_cause(cause, "not JSON (%s)", why);
		free(why);
		return -1;
	}
	const struct json *list = json_get(j, "submissions");
	const struct json *e = list != NULL && list->type == JSON_ARRAY && list->n_kids == 1 ?
	    list->kids[0] : NULL;
	const char *status = json_get_str(e, "status", NULL);
	if (e == NULL || status == NULL || json_get(e, "points") == NULL) {
		json_free(j);
		return set_cause(cause, "not a grade summary of one submission");
	}
	checks_free(s);
	s->outcome = strcmp(status, "checked") == 0 ? GRADE_CHECKED : GRADE_FAILED;
	s->stage = NULL;
	for (size_t i = 0; i < sizeof(known_stages) / sizeof(known_stages[0]); i++)
		if (strcmp(status, known_stages[i]) == 0)
			s->stage = known_stages[i];
	const char *lab_file = json_get_str(e, "lab_file", "");
	free(s->labfile);
	s->labfile = lab_file[0] != '\0' ? xstrdup(lab_file) : NULL;
	const char *reason = json_get_str(e, "reason", "");
	free(s->reason);
	s->reason = reason[0] != '\0' ? xstrdup(reason) : NULL;
	s->points = num_field(e, "points");
	s->max_points = num_field(e, "max_points");
	s->passed = (size_t)num_field(e, "passed");
	s->total = (size_t)num_field(e, "total");
	s->seconds = json_get_num(e, "seconds", 0);
	/* The summary lists the failed checks only, and that is all it shows. */
	const struct json *failed = json_get(e, "failed");
	size_t nf = failed != NULL && failed->type == JSON_ARRAY ? failed->n_kids : 0;
	s->checks = xcalloc(nf + 1, sizeof(*s->checks));
	for (size_t i = 0; i < nf; i++) {
		struct check_result *g = &s->checks[s->n_checks++];
		check_result_from_json(failed->kids[i], g);
		g->passed = false;
	}
	json_free(j);
	return 0;
}

void grade_sub_fail(struct grade_sub *s, const char *stage, const char *reason,
    const struct grade_spec *spec)
{
	checks_free(s);
	s->outcome = GRADE_FAILED;
	s->stage = stage;
	free(s->reason);
	s->reason = xstrdup(reason != NULL && reason[0] != '\0' ? reason : "no reason given");
	s->points = 0;
	s->max_points = spec != NULL ? spec->max_points : 0;
	s->passed = 0;
	s->total = spec != NULL ? spec->n : 0;
}

void grade_sub_clear(struct grade_sub *s)
{
	checks_free(s);
	free(s->path);
	free(s->labfile);
	free(s->name);
	free(s->reason);
	free(s->log);
	memset(s, 0, sizeof(*s));
}

/* s as one line: newlines become "; ", at most max bytes (its start and its
 * end, " ... " between), no control byte (grade_text_clean). */
static char *one_line(const char *raw, size_t max)
{
	struct strbuf clean = { 0 };
	grade_text_clean(&clean, raw, true);
	char *s = clean.s != NULL ? strbuf_take(&clean) : xstrdup("");
	struct strbuf b = { 0 };
	bool gap = false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r') {
			gap = b.len > 0;
			continue;
		}
		if (gap) {
			strbuf_append(&b, "; ", 2);
			gap = false;
		}
		strbuf_append(&b, p, 1);
	}
	free(s);
	char *out = b.s != NULL ? strbuf_take(&b) : xstrdup("");
	size_t len = strlen(out);
	if (len > max) {
		/* Its start and its end, where a hint ("did you mean ...?") or the
		 * last line of an error is: the middle goes. */
		size_t head = max * 2 / 3, tail = max - head - 5;
		while (head > 0 && ((unsigned char)out[head] & 0xc0) == 0x80)
			head--;	/* not inside a UTF-8 character */
		size_t from = len - tail;
		while (out[from] != '\0' && ((unsigned char)out[from] & 0xc0) == 0x80)
			from++;
		memmove(out + head + 5, out + from, len - from + 1);
		memcpy(out + head, " ... ", 5);
	}
	return out;
}

static const char *stage_words(const char *stage)
{
	if (stage == NULL)
		return "failed";
	if (strcmp(stage, "submission") == 0)
		return "no lab file";
	if (strcmp(stage, "refused") == 0)
		return "refused";
	if (strcmp(stage, "validate") == 0)
		return "the lab file has mistakes";
	if (strcmp(stage, "up") == 0)
		return "did not come up";
	if (strcmp(stage, "check") == 0)
		return "no verdict from check";
	if (strcmp(stage, "interrupted") == 0)
		return "not graded, grading was interrupted";
	if (strcmp(stage, "slurm") == 0)
		return "not graded, its Slurm task failed";
	return stage;
}

char *grade_sub_line(const struct grade_sub *s)
{
	if (s->outcome == GRADE_CHECKED)
		return xasprintf("%s: %ld/%ld points, %zu/%zu checks passed", s->name, s->points,
		    s->max_points, s->passed, s->total);
	char *why = one_line(s->reason != NULL ? s->reason : "", 300);
	char *line = xasprintf("%s: %ld/%ld points (%s: %s)", s->name, s->points, s->max_points,
	    stage_words(s->stage), why);
	free(why);
	return line;
}

/* Text from a submission, a guest or a step into the report: cleaned of
 * control bytes; a one-line field keeps to its line. */
static void put(struct strbuf *b, const char *before, const char *text, bool lines)
{
	strbuf_printf(b, "%s", before);
	grade_text_clean(b, text != NULL ? text : "", lines);
}

char *grade_report_text(const struct grade_sub *s, const struct grade_spec *spec)
{
	struct strbuf b = { 0 };
	put(&b, "submission: ", s->path, false);
	put(&b, "\nlab file: ", s->labfile != NULL ? s->labfile : "(none)", false);
	put(&b, "\nspec: ", spec != NULL ? spec->path : "?", false);
	strbuf_printf(&b, "\npoints: %ld of %ld\n", s->points, s->max_points);
	if (s->outcome == GRADE_CHECKED) {
		strbuf_printf(&b, "checks: %zu of %zu passed\n\n", s->passed, s->total);
		for (size_t i = 0; i < s->n_checks; i++) {
			const struct check_result *c = &s->checks[i];
			put(&b, c->passed ? "PASS  " : "FAIL  ", c->name, false);
			put(&b, " (", c->kind, false);
			strbuf_printf(&b, ") %u/%u\n", c->points, c->max_points);
			if (!c->passed) {
				put(&b, "      expected: ", c->expected, false);
				put(&b, "\n      seen:     ", c->seen, false);
				strbuf_printf(&b, "\n");
			}
		}
		if (s->reason != NULL) {
			put(&b, "\nnote: ", s->reason, true);
			strbuf_printf(&b, "\n");
		}
	} else {
		strbuf_printf(&b, "not graded: %s\n\n", stage_words(s->stage));
		put(&b, "", s->reason, true);
		strbuf_printf(&b, "\n");
	}
	if (s->log != NULL && s->log[0] != '\0')
		put(&b, "\n---- what the steps printed ----\n", s->log, true);
	strbuf_printf(&b, "\ngraded in %.1f s\n", s->seconds);
	return strbuf_take(&b);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or newline;
 * no control byte (`cat summary.csv` is a terminal too). */
static void csv_field(struct strbuf *b, const char *raw, bool last)
{
	struct strbuf clean = { 0 };
	grade_text_clean(&clean, raw, true);
	char *s = clean.s != NULL ? strbuf_take(&clean) : xstrdup("");
	if (strpbrk(s, ",\"\r\n") != NULL) {
		strbuf_append(b, "\"", 1);
		for (const char *p = s; *p != '\0'; p++) {
			if (*p == '"')
				strbuf_append(b, "\"", 1);
			strbuf_append(b, p, 1);
		}
		strbuf_append(b, "\"", 1);
	} else {
		strbuf_append(b, s, strlen(s));
	}
	free(s);
	strbuf_append(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* The failed checks as text: "name (expected: ...; seen: ...) | name ...". */
static char *failed_text(const struct grade_sub *s)
{
	struct strbuf b = { 0 };
	for (size_t i = 0; i < s->n_checks; i++) {
		const struct check_result *c = &s->checks[i];
		if (c->passed)
			continue;
		char *e = one_line(c->expected, 300), *w = one_line(c->seen, 300);
		strbuf_printf(&b, "%s%s (expected: %s; seen: %s)", b.len > 0 ? " | " : "", c->name, e, w);
		free(e);
		free(w);
	}
	return b.s != NULL ? strbuf_take(&b) : xstrdup("");
}

char *grade_summary_csv(const struct grade_sub *subs, size_t n)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "submission,points,max_points,status,failed_checks,reason\r\n");
	for (size_t i = 0; i < n; i++) {
		const struct grade_sub *s = &subs[i];
		char pts[32], max[32];
		snprintf(pts, sizeof(pts), "%ld", s->points);
		snprintf(max, sizeof(max), "%ld", s->max_points);
		csv_field(&b, s->name, false);
		csv_field(&b, pts, false);
		csv_field(&b, max, false);
		const char *status = s->outcome == GRADE_CHECKED ? "checked" :
		    s->stage != NULL ? s->stage : "failed";
		csv_field(&b, status, false);
		char *failed = failed_text(s);
		csv_field(&b, failed, false);
		free(failed);
		char *why = one_line(s->reason != NULL ? s->reason : "", 2000);
		csv_field(&b, why, true);
		free(why);
	}
	return strbuf_take(&b);
}

static void json_kv_str(struct strbuf *b, const char *key, const char *val, bool comma)
{
	json_write_string(b, key);
	strbuf_append(b, ": ", 2);
	json_write_string(b, val != NULL ? val : "");
	if (comma)
		strbuf_append(b, ", ", 2);
}

char *grade_summary_json(const struct grade_sub *subs, size_t n, const struct grade_spec *spec)
{
	struct strbuf b = { 0 };
	long total = 0;
	size_t graded = 0;
	for (size_t i = 0; i < n; i++) {
		total += subs[i].points;
		graded += subs[i].outcome == GRADE_CHECKED;
	}
	strbuf_printf(&b, "{");
	json_kv_str(&b, "spec", spec != NULL ? spec->path : "", true);
	strbuf_printf(&b, "\"max_points\": %ld, \"submissions_count\": %zu, \"checked\": %zu, "
	    "\"points_total\": %ld,\n \"submissions\": [", spec != NULL ? spec->max_points : 0, n, graded,
	    total);
	for (size_t i = 0; i < n; i++) {
		const struct grade_sub *s = &subs[i];
		strbuf_printf(&b, "%s\n  {", i > 0 ? "," : "");
		json_kv_str(&b, "submission", s->name, true);
		json_kv_str(&b, "path", s->path, true);
		json_kv_str(&b, "lab_file", s->labfile, true);
		json_kv_str(&b, "status", s->outcome == GRADE_CHECKED ? "checked" :
		    s->stage != NULL ? s->stage : "failed", true);
		strbuf_printf(&b, "\"points\": %ld, \"max_points\": %ld, \"passed\": %zu, \"total\": %zu, ",
		    s->points, s->max_points, s->passed, s->total);
		json_kv_str(&b, "reason", s->reason, true);
		strbuf_printf(&b, "\"seconds\": %.1f, \"failed\": [", s->seconds);
		bool first = true;
		for (size_t k = 0; k < s->n_checks; k++) {
			const struct check_result *c = &s->checks[k];
			if (c->passed)
				continue;
			strbuf_printf(&b, "%s", first ? "" : ", ");
			first = false;
			check_result_json(&b, c);
		}
		strbuf_printf(&b, "]}");
	}
	strbuf_printf(&b, "\n]}\n");
	return strbuf_take(&b);
}

unsigned grade_jobs_default(unsigned cores, uint64_t mem_available_mb)
{
	uint64_t jobs = (uint64_t)(cores > 0 ? cores : 1) * 2;
	uint64_t by_mem = mem_available_mb / GRADE_JOB_MEM_MB;
	if (by_mem < jobs)
		jobs = by_mem;
	return jobs < 1 ? 1 : (unsigned)jobs;
}

unsigned grade_jobs_by_mem(unsigned jobs, uint64_t mem_all, uint64_t mem_total)
{
	uint64_t fit = mem_total > 0 ? mem_all / mem_total : jobs;
	if (fit < jobs)
		jobs = (unsigned)fit;
	return jobs < 1 ? 1 : jobs;
}
