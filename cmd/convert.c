/* cmd/convert.c: `umllab convert DIR [-o FILE] [--images FILE]`: a Kathara lab directory as the
 * topology file that means the same (core/lab/labdir.c writes it). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/base/util.h"
#include "core/lab/labdir.h"

static int convert_run(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *images = getenv(LABDIR_IMAGES_ENV);
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--images") == 0 && i + 1 < argc)
			images = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cmd_usage_error(&cmd_convert, "unknown option %s", argv[i]);
		else if (dir != NULL)
			return cmd_usage_error(&cmd_convert, "expected one lab directory, not also %s",
			    argv[i]);
		else
			dir = argv[i];
	}
	if (dir == NULL)
		return cmd_usage_error(&cmd_convert, "expected a lab directory");
	if (!labdir_is(dir)) {
		fprintf(stderr, "umllab: %s is not a lab directory (expected a directory holding "
		    "lab.conf)\n", dir);
		return EXIT_FAIL;
	}
	char *out_dir = NULL;
	if (out != NULL) {
		const char *slash = strrchr(out, '/');
		out_dir = slash == NULL ? xstrdup(".") : slash == out ? xstrdup("/") :
		    xstrndup(out, (size_t)(slash - out));
	}
	struct lab_diag diag = { 0 };
	char *yaml = labdir_yaml(dir, images != NULL && images[0] != '\0' ? images : NULL,
	    out_dir != NULL ? out_dir : ".", &diag);
	free(out_dir);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	lab_diag_free(&diag);
	if (yaml == NULL)
		return EXIT_FAIL;
	int rc = EXIT_OK;
	if (out == NULL) {
		fputs(yaml, stdout);
	} else {
		FILE *f = fopen(out, "we");
		bool ok = f != NULL && fputs(yaml, f) >= 0;
		if (f != NULL && fclose(f) != 0)
			ok = false;
		if (!ok) {
			char *cause = NULL;
			set_cause(&cause, "cannot write %s: %s", out, strerror(errno));
			rc = cmd_fail(cause, EXIT_FAIL);
		} else {
			fprintf(stderr, "umllab: wrote %s; `umllab up %s` runs the same lab\n", out, out);
		}
	}
	free(yaml);
	return rc;
}

const struct cmd_entry cmd_convert = {
	.name = "convert",
	.args = "DIR [-o FILE] [--images FILE]",
	.summary = "write a Kathara/Netkit lab directory as a topology file",
	.help = "Reads DIR/lab.conf, DIR/lab.dep and DIR's startup scripts as `umllab up DIR`\n"
	    "does, and writes the topology file that means the same: switches, instances and\n"
	    "their interfaces (with their MACs), images, and the startup and shutdown steps\n"
	    "that copy each device's folder and run its scripts from the lab directory\n"
	    "(/hostlab in the guests). Go on from there in YAML: add `checks:` and `link:`.\n"
	    "`umllab up FILE` then behaves as `umllab up DIR` (docs/kathara.md).\n"
	    "\n"
	    "  -o, --output FILE  write FILE (the lab directory is named relative to it)\n"
	    "                     instead of standard output\n"
	    "  --images FILE      image names mapped to umllab images, as for `up --images`\n"
	    "Exit status: 0 written, 1 the directory has mistakes (each at FILE:LINE:COL), 2 usage.\n",
	.run = convert_run,
};
