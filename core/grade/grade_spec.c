/* core/grade/grade_spec.c: a check spec's names and points, read with check's own
 * loader before grading starts: a bad spec stops grade before any lab runs,
 * and a submission that never came up still shows the points it missed. */
#include <stdlib.h>
#include <string.h>

#include "core/checks/checks_spec.h"
#include "core/grade/grade.h"
#include "core/base/util.h"

int grade_spec_load(const char *path, struct grade_spec *spec, char **cause)
{
	memset(spec, 0, sizeof(*spec));
	spec->path = xstrdup(path);
	struct lab_diag diag = { 0 };
	struct check_list *list = checks_load(path, false, &diag);
	if (list == NULL) {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < diag.n; i++)
			strbuf_printf(&b, "%s%s", i > 0 ? "\n" : "", diag.msgs[i]);
		if (b.s == NULL)
			strbuf_printf(&b, "%s: cannot read the check spec", path);
		lab_diag_free(&diag);
		set_cause(cause, "%s", b.s);
		free(strbuf_take(&b));
		return -1;
	}
	lab_diag_free(&diag);
	if (list->n == 0) {
		checks_free(list);
		return set_cause(cause, "%s: the checks: list is empty; nothing to grade by", path);
	}
	spec->names = xcalloc(list->n, sizeof(*spec->names));
	spec->points = xcalloc(list->n, sizeof(*spec->points));
	for (size_t i = 0; i < list->n; i++) {
		spec->names[i] = xstrdup(list->v[i].name);
		spec->points[i] = list->v[i].points;
		spec->max_points += list->v[i].points;
	}
	spec->n = list->n;
	checks_free(list);
	return 0;
}

void grade_spec_free(struct grade_spec *spec)
{
	for (size_t i = 0; i < spec->n; i++)
		free(spec->names[i]);
	free(spec->names);
	free(spec->points);
	free(spec->path);
	memset(spec, 0, sizeof(*spec));
}
