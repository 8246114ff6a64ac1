/* core/checks/check_report.c: check results as wire lines, text, JSON and JUnit XML. */
#include "core/checks/check_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json.h"

#define FIELDS 7	/* after "check": passed, points, max_points, kind, name, expected, seen */

/* Tabs, newlines and backslashes escaped, so a field is one tab-free piece. */
static void put_field(struct strbuf *b, const char *s)
{
	strbuf_append(b, "\t", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			strbuf_append(b, "\\\\", 2);
		else if (*s == '\t')
			strbuf_append(b, "\\t", 2);
		else if (*s == '\n')
			strbuf_append(b, "\\n", 2);
		else
			strbuf_append(b, s, 1);
	}
}

static char *get_field(const char *s, size_t len)
{
	struct strbuf b = { 0 };
	strbuf_append(&b, "", 0);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			strbuf_append(&b, s[i] == 't' ? "\t" : s[i] == 'n' ? "\n" : &s[i], 1);
		} else {
			strbuf_append(&b, &s[i], 1);
		}
	}
	return strbuf_take(&b);
}

void check_report_encode_lab(struct strbuf *b, const char *lab)
{
	strbuf_append(b, "lab", 3);
	put_field(b, lab);
	strbuf_append(b, "\n", 1);
}

void check_report_encode(struct strbuf *b, const struct check_result *r)
{
	strbuf_printf(b, "check\t%d\t%u\t%u", r->passed ? 1 : 0, r->points, r->max_points);
	put_field(b, r->kind);
	put_field(b, r->name);
	put_field(b, r->expected != NULL ? r->expected : "");
	put_field(b, r->seen != NULL ? r->seen : "");
	strbuf_append(b, "\n", 1);
}

void check_report_add(struct check_report *rep, const struct check_result *r)
{
	if (rep->n == rep->cap) {
		rep->cap = rep->cap ? rep->cap * 2 : 16;
		rep->v = xreallocarray(rep->v, rep->cap, sizeof(*rep->v));
	}
	struct check_result *c = &rep->v[rep->n++];
	c->name = xstrdup(r->name);
	c->kind = xstrdup(r->kind);
	c->passed = r->passed;
	c->points = r->passed ? r->max_points : 0;
	c->max_points = r->max_points;
	c->expected = xstrdup(r->expected != NULL ? r->expected : "");
	c->seen = xstrdup(r->seen != NULL ? r->seen : "");
	rep->passed += c->passed;
	rep->points += c->points;
	rep->max_points += c->max_points;
}

int check_report_decode(struct check_report *rep, const char *text, size_t len, char **cause)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		const char *f[FIELDS + 1];
		size_t fl[FIELDS + 1], nf = 0;
		for (const char *q = p; nf <= FIELDS;) {
			const char *tab = memchr(q, '\t', (size_t)(eol - q));
			const char *fe = tab != NULL ? tab : eol;
			f[nf] = q;
			fl[nf++] = (size_t)(fe - q);
			if (tab == NULL)
				break;
			q = tab + 1;
		}
		if (nf == 2 && fl[0] == 3 && memcmp(f[0], "lab", 3) == 0) {
			free(rep->lab);
			rep->lab = get_field(f[1], fl[1]);
		} else if (nf == FIELDS + 1 && fl[0] == 5 && memcmp(f[0], "check", 5) == 0) {
			/* f[2], the points, follow from passed and max_points */
			char *a = get_field(f[1], fl[1]), *max = get_field(f[3], fl[3]);
			struct check_result r = { .passed = strcmp(a, "1") == 0,
			    .max_points = (unsigned)strtoul(max, NULL, 10),
			    .kind = get_field(f[4], fl[4]), .name = get_field(f[5], fl[5]),
			    .expected = get_field(f[6], fl[6]), .seen = get_field(f[7], fl[7]) };
			check_report_add(rep, &r);
			free(a);
			free(max);
			free(r.kind);
			free(r.name);
			free(r.expected);
			free(r.seen);
		} else if (eol > p) {
			return set_cause(cause, "the supervisor sent a check result that is not one: "
			    "%.*s", (int)(eol - p > 80 ? 80 : eol - p), p);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

void check_report_free(struct check_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		check_result_clear(&rep->v[i]);
	free(rep->v);
	free(rep->lab);
	memset(rep, 0, sizeof(*rep));
}

void check_report_progress(struct strbuf *b, const struct check_report *rep)
{
	strbuf_printf(b, "%u/%zu checks, %u of %u points", rep->passed, rep->n, rep->points,
	    rep->max_points);
}

void check_report_text(struct strbuf *b, const struct check_report *rep, bool verbose)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct check_result *r = &rep->v[i];
		strbuf_printf(b, "%s  %-8s %s (%u/%u)\n", r->passed ? "pass" : "FAIL", r->kind, r->name,
		    r->points, r->max_points);
		if (r->passed && !verbose)
			continue;
		if (r->expected[0] != '\0')
			strbuf_printf(b, "      expected: %s\n", r->expected);
		if (r->seen[0] != '\0')
			strbuf_printf(b, "      seen:     %s\n", r->seen);
	}
	check_report_progress(b, rep);
	strbuf_printf(b, "\n");
}

static void json_kv(struct strbuf *b, const char *key, const char *val)
{
	json_write_string(b, key);
	strbuf_append(b, ": ", 2);
	json_write_string(b, val);
}

void check_result_json(struct strbuf *b, const struct check_result *r)
{
	strbuf_append(b, "{", 1);
	json_kv(b, "name", r->name);
	strbuf_append(b, ", ", 2);
	json_kv(b, "kind", r->kind);
	strbuf_printf(b, ", \"passed\": %s, \"points\": %u, \"max_points\": %u, ",
	    r->passed ? "true" : "false", r->points, r->max_points);
	json_kv(b, "expected", r->expected);
	strbuf_append(b, ", ", 2);
	json_kv(b, "seen", r->seen);
	strbuf_append(b, "}", 1);
}

static unsigned json_points(const struct json *j, const char *key)
{
	double v = json_get_num(j, key, 0);
	return isfinite(v) && v >= 0 && v <= 1e9 ? (unsigned)v : 0;
}

void check_result_from_json(const struct json *j, struct check_result *r)
{
	r->name = xstrdup(json_get_str(j, "name", "?"));
	r->kind = xstrdup(json_get_str(j, "kind", ""));
	r->passed = json_get_bool(j, "passed", false);
	r->points = json_points(j, "points");
	r->max_points = json_points(j, "max_points");
	r->expected = xstrdup(json_get_str(j, "expected", ""));
	r->seen = xstrdup(json_get_str(j, "seen", ""));
}

void check_result_clear(struct check_result *r)
{
	free(r->name);
	free(r->kind);
	free(r->expected);
	free(r->seen);
	memset(r, 0, sizeof(*r));
}

void check_report_json(struct strbuf *b, const struct check_report *rep)
{
	strbuf_append(b, "{", 1);
	json_kv(b, "lab", rep->lab != NULL ? rep->lab : "");
	strbuf_printf(b, ", \"passed\": %u, \"total\": %zu, \"points\": %u, \"max_points\": %u, "
	    "\"checks\": [", rep->passed, rep->n, rep->points, rep->max_points);
	for (size_t i = 0; i < rep->n; i++) {
		strbuf_append(b, i ? ",\n  " : "\n  ", i ? 4 : 3);
		check_result_json(b, &rep->v[i]);
	}
	strbuf_printf(b, "%s]}\n", rep->n ? "\n" : "");
}

/* Text for an XML attribute or element: markup escaped, control bytes (which
 * XML 1.0 cannot hold) shown as '?'. */
static void xml_text(struct strbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '&': strbuf_printf(b, "&amp;"); break;
		case '<': strbuf_printf(b, "&lt;"); break;
		case '>': strbuf_printf(b, "&gt;"); break;
		case '"': strbuf_printf(b, "&quot;"); break;
		case '\n': strbuf_printf(b, "&#10;"); break;
		case '\t': strbuf_printf(b, "&#9;"); break;
		default:
			strbuf_append(b, *p < 0x20 || *p == 0x7f ? "?" : (const char *)p, 1);
		}
	}
}

void check_report_junit(struct strbuf *b, const struct check_report *rep)
{
	const char *lab = rep->lab != NULL ? rep->lab : "";
	size_t failures = rep->n - rep->passed;
	strbuf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"umllab check\" "
	    "tests=\"%zu\" failures=\"%zu\">\n  <testsuite name=\"", rep->n, failures);
	xml_text(b, lab);
	strbuf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", rep->n, failures);
	strbuf_printf(b, "    <properties><property name=\"points\" value=\"%u\"/>"
	    "<property name=\"max_points\" value=\"%u\"/></properties>\n", rep->points,
	    rep->max_points);
	for (size_t i = 0; i < rep->n; i++) {
		const struct check_result *r = &rep->v[i];
		strbuf_printf(b, "    <testcase classname=\"");
		xml_text(b, lab);
		strbuf_printf(b, ".%s\" name=\"", r->kind);
		xml_text(b, r->name);
		strbuf_printf(b, "\">\n");
		if (!r->passed) {
			strbuf_printf(b, "      <failure message=\"expected ");
			xml_text(b, r->expected);
			strbuf_printf(b, "; seen ");
			xml_text(b, r->seen);
			strbuf_printf(b, "\" type=\"%s\">expected: ", r->kind);
			xml_text(b, r->expected);
			strbuf_printf(b, "&#10;seen: ");
			xml_text(b, r->seen);
			strbuf_printf(b, "</failure>\n");
		}
		strbuf_printf(b, "      <system-out>%u of %u points", r->points, r->max_points);
		if (r->passed && r->seen[0] != '\0') {
			strbuf_printf(b, ": ");
			xml_text(b, r->seen);
		}
		strbuf_printf(b, "</system-out>\n    </testcase>\n");
	}
	strbuf_printf(b, "  </testsuite>\n</testsuites>\n");
}
