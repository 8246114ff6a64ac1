/* core/checks/check_report.h: the results of a lab's checks: carried from the
 * supervisor to `umllab check` as lines, and shown as text, JSON (the
 * contract with `umllab grade`) or JUnit XML.
 *
 * Leaf module: core/util and core/json's string writer only. */
#ifndef UMLLAB_CHECK_REPORT_H
#define UMLLAB_CHECK_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/util.h"

/* The record of one check's result: the only definition, used by `check`
 * (lines, text, JSON, JUnit) and by `grade` (reports and summaries). */
struct check_result {
	char *name;
	char *kind;		/* "reach", ... */
	bool passed;
	unsigned points, max_points;
	char *expected, *seen;	/* what was expected and what was seen ("" when nothing to say) */
};

struct json;

/* One record as a JSON object: {"name", "kind", "passed", "points",
 * "max_points", "expected", "seen"}. */
void check_result_json(struct strbuf *b, const struct check_result *r);

/* Read such an object back (missing strings are "", numbers out of range
 * 0); the strings are copied. */
void check_result_from_json(const struct json *j, struct check_result *r);

/* Free a record's strings. */
void check_result_clear(struct check_result *r);

struct check_report {
	char *lab;
	struct check_result *v;
	size_t n, cap;
	unsigned passed, points, max_points;
};

/* The supervisor's side: the first line names the lab, then one line per check. */
void check_report_encode_lab(struct strbuf *b, const char *lab);
void check_report_encode(struct strbuf *b, const struct check_result *r);

/* The client's side: read the lines back (appending to rep). -1 with *cause
 * on a line that is not one. */
int check_report_decode(struct check_report *rep, const char *text, size_t len, char **cause);

/* Add one result (copying its strings) and count it. */
void check_report_add(struct check_report *rep, const struct check_result *r);
void check_report_free(struct check_report *rep);

/* One line per check and a total; with verbose, expected and seen of passes too. */
void check_report_text(struct strbuf *b, const struct check_report *rep, bool verbose);
/* "5/8 checks, 70 of 100 points" */
void check_report_progress(struct strbuf *b, const struct check_report *rep);
void check_report_json(struct strbuf *b, const struct check_report *rep);
void check_report_junit(struct strbuf *b, const struct check_report *rep);

#endif
