/* cmd/validate.c: `umllab validate FILE`: check a topology, start nothing. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "core/checks/checks_spec.h"
#include "core/base/util.h"
#include "core/lab/topology.h"
#include "core/storage/labimage.h"

static int validate_run(int argc, char **argv)
{
	if (argc != 2)
		return cmd_usage_error(&cmd_validate, "expected one topology file");
	struct lab_diag diag = { 0 };
	struct lab *lab = lab_load(argv[1], &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (lab == NULL)
		return EXIT_FAIL;
	/* What UML would refuse when the kernel starts: a command line too long. */
	size_t over = lab_kernel_lines_check(lab, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (over > 0) {
		lab_free(lab);
		return EXIT_FAIL;
	}
	/* Its `checks:` too (core/checks/checks_spec.c reads them; `umllab check` runs them).
	 * A Kathara lab directory has none: `umllab check --spec FILE` brings them. */
	struct check_list *checks = lab->from_dir ? xcalloc(1, sizeof(*checks)) :
	    checks_load(argv[1], true, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (checks == NULL) {
		lab_free(lab);
		return EXIT_FAIL;
	}
	printf("%s: lab %s, %zu instance%s, %zu switch%s", argv[1], lab->name,
	    lab->n_instances, lab->n_instances == 1 ? "" : "s", lab->n_switches,
	    lab->n_switches == 1 ? "" : "es");
	if (checks->n > 0)
		printf(", %zu check%s worth %u point%s", checks->n, checks->n == 1 ? "" : "s",
		    checks->max_points, checks->max_points == 1 ? "" : "s");
	printf(": OK\n");
	checks_free(checks);
	lab_free(lab);
	return EXIT_OK;
}

const struct cmd_entry cmd_validate = {
	.name = "validate",
	.args = "FILE",
	.summary = "check a topology file and report every mistake; starts nothing",
	.help = "Every mistake is reported as FILE:LINE:COLUMN: what is wrong (expected ...).\n"
	    "Exit status: 0 when the file is valid, 1 when it has mistakes, 2 on usage errors.\n"
	    "`umllab up` runs the same checks before it starts anything.\n",
	.run = validate_run,
};
