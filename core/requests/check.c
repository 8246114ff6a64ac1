/* core/requests/check.c: `check`: run the lab's checks (its own, or a spec the client sent) and stream the results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checks/check_report.h"
#include "core/checks/check_run.h"
#include "core/checks/checks_spec.h"
#include "core/base/log.h"
#include "core/requests/request.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

struct check_req {
	struct check_run *run;
	bool all_passed;
	bool done;
};

static void check_on_result(void *arg, const struct check_result *r)
{
	struct conn *c = arg;
	struct check_req *q = c->req;
	struct strbuf b = { 0 };
	check_report_encode(&b, r);
	conn_send(c, CTL_STDOUT, b.s, b.len);
	free(b.s);
	if (!r->passed)
		q->all_passed = false;
}

static void check_on_done(void *arg)
{
	struct conn *c = arg;
	struct check_req *q = c->req;
	q->done = true;
	log_info("checks: %s", q->all_passed ? "all passed" : "some failed");
	conn_finish(c, q->all_passed ? UMLLAB_EXIT_OK : UMLLAB_EXIT_FAIL);
}

/* The connection ends (answered, or the client left): stop what still runs. */
static void check_on_free(struct conn *c)
{
	struct check_req *q = c->req;
	check_run_cancel(q->run);
	free(q);
	c->req = NULL;
}

void request_check_lab_down(struct supervisor *sup)
{
	for (struct conn *c = sup->conns; c != NULL; c = c->next) {
		struct check_req *q = c->on_free == check_on_free ? c->req : NULL;
		if (q == NULL || q->done)
			continue;
		check_run_cancel(q->run);	/* its taps are on the switches */
		q->run = NULL;
		q->done = true;
		conn_printf(c, CTL_STDERR, "umllab: the lab is going down; the checks stopped\n");
		conn_finish(c, UMLLAB_EXIT_USAGE);
	}
}

/* check [SPEC_NAME SPEC_TEXT]: without a spec, the `checks:` of the lab's own file. */
void request_check(struct conn *c, int argc, char **argv)
{
	struct lab_diag diag = { 0 };
	struct check_list *list;
	const char *from;
	char *dir_spec = NULL;
	if (argc == 3) {
		list = checks_load_string(argv[2], strlen(argv[2]), argv[1], false, &diag);
		from = argv[1];
	} else if (c->sup->lab->from_dir) {
		/* A Kathara lab directory: its checks.yaml, a spec file (Kathara ignores it). */
		dir_spec = xasprintf("%s/checks.yaml", c->sup->lab->path);
		list = access(dir_spec, F_OK) == 0 ? checks_load(dir_spec, false, &diag) :
		    xcalloc(1, sizeof(*list));
		from = dir_spec;
	} else {
		list = checks_load(c->sup->lab->path, true, &diag);
		from = c->sup->lab->path;
	}
	for (size_t i = 0; i < diag.n; i++)
		conn_printf(c, CTL_STDERR, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (list == NULL) {
		free(dir_spec);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (list->n == 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s has no checks (expected a `checks:` list; "
		    "see docs/checks.md, or give one with --spec FILE)\n", from);
		checks_free(list);
		free(dir_spec);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	struct strbuf b = { 0 };
	check_report_encode_lab(&b, c->sup->lab->name);
	conn_send(c, CTL_STDOUT, b.s, b.len);
	free(b.s);
	struct check_req *q = xcalloc(1, sizeof(*q));
	q->all_passed = true;
	c->req = q;
	c->on_free = check_on_free;
	log_info("checks: running %zu from %s", list->n, from);
	free(dir_spec);
	struct check_run *run = check_run_start(c->sup, list, check_on_result, check_on_done, c);
	q->run = run;
}
