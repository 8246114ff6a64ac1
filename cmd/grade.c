/* cmd/grade.c: `umllab grade --spec FILE [-o DIR] [--jobs N] SUBMISSION...`: grade a class. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/grade.h"
#include "core/util.h"

#define GRADE_DEFAULT_OUT "grades"

struct progress {
	bool tty;
	bool line_shown;	/* a status line is on the terminal */
	uint64_t t0;
};

static void on_progress(void *arg, const struct grade_sub *subs, size_t n, size_t done,
    const struct grade_sub *finished)
{
	struct progress *p = arg;
	if (p->line_shown) {
		printf("\r\033[K");
		p->line_shown = false;
	}
	if (finished != NULL) {
		char *line = grade_sub_line(finished);
		printf("[%zu/%zu] %s\n", done, n, line);
		free(line);
	}
	if (p->tty) {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < n; i++)
			if (subs[i].running != NULL)
				strbuf_printf(&b, "%s%s (%s)", b.len > 0 ? ", " : "", subs[i].name,
				    subs[i].running);
		if (b.s != NULL) {
			/* One line that fits a usual terminal: it is redrawn in place. */
			char *s = strbuf_take(&b);
			printf("  %zu/%zu done, %.0f s; now: %.60s%s", done, n,
			    (double)(clock_ms() - p->t0) / 1000.0, s, strlen(s) > 60 ? "..." : "");
			free(s);
			p->line_shown = true;
		}
	}
	fflush(stdout);
}

/* DIR, created if missing, made absolute; NULL with *cause when it cannot
 * be written. */
static char *out_dir_prepare(const char *dir, char **cause)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		set_cause(cause, "cannot create the output directory %s: %s", dir, strerror(errno));
		return NULL;
	}
	char real[PATH_MAX];
	if (realpath(dir, real) == NULL) {
		set_cause(cause, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	char *probe = xasprintf("%s/.umllab-grade-probe.%d", real, (int)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_cause(cause, "cannot write into the output directory %s: %s", real, strerror(errno));
		free(probe);
		return NULL;
	}
	close(fd);
	unlink(probe);
	free(probe);
	return xstrdup(real);
}

static int grade_cmd_run(int argc, char **argv)
{
	const char *spec_arg = NULL, *out_arg = GRADE_DEFAULT_OUT;
	unsigned jobs = 0;
	int first = argc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			first = i + 1;
			break;
		}
		if (a[0] != '-') {
			first = i;
			break;
		}
		if (strcmp(a, "--spec") == 0 || strcmp(a, "-s") == 0 || strcmp(a, "-o") == 0 ||
		    strcmp(a, "--out") == 0 || strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
			if (i + 1 >= argc)
				return cmd_usage_error(&cmd_grade, "%s needs a value", a);
			const char *v = argv[++i];
			if (a[1] == 's' || strcmp(a, "--spec") == 0) {
				spec_arg = v;
			} else if (a[1] == 'o' || strcmp(a, "--out") == 0) {
				out_arg = v;
			} else {
				char *end;
				errno = 0;
				long x = strtol(v, &end, 10);
				if (v[0] == '\0' || *end != '\0' || errno != 0 || x < 1 || x > 256)
					return cmd_usage_error(&cmd_grade, "--jobs: expected a number from 1 "
					    "to 256, not '%s'", v);
				jobs = (unsigned)x;
			}
		} else {
			return cmd_usage_error(&cmd_grade, "unknown option %s", a);
		}
	}
	if (spec_arg == NULL)
		return cmd_usage_error(&cmd_grade, "--spec FILE is required (the checks to grade by)");
	if (first >= argc)
		return cmd_usage_error(&cmd_grade, "expected at least one submission");

	char *cause = NULL;
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0 || (size_t)len >= sizeof(self) - 1)
		return cmd_fail(xasprintf("cannot find this program (/proc/self/exe): %s",
		    strerror(errno)), EXIT_USAGE);
	self[len] = '\0';

	char spec_path[PATH_MAX];
	if (realpath(spec_arg, spec_path) == NULL)
		return cmd_fail(xasprintf("%s: cannot read the check spec: %s", spec_arg, strerror(errno)),
		    EXIT_USAGE);
	struct grade_spec spec;
	if (grade_spec_load(spec_path, &spec, &cause) < 0) {
		grade_spec_free(&spec);
		fprintf(stderr, "%s\numllab grade: the spec has mistakes; nothing was graded\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	char *out = out_dir_prepare(out_arg, &cause);
	if (out == NULL) {
		grade_spec_free(&spec);
		return cmd_fail(cause, EXIT_USAGE);
	}

	size_t n = (size_t)(argc - first);
	struct grade_sub *subs = xcalloc(n, sizeof(*subs));
	for (size_t i = 0; i < n; i++)
		subs[i].path = xstrdup(argv[first + i]);
	grade_names_assign(subs, n);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t mem = mem_available_bytes() >> 20;
	if (jobs == 0)
		jobs = grade_jobs_default(cores > 0 ? (unsigned)cores : 1, mem);
	if (jobs > n)
		jobs = (unsigned)n;

	struct progress p = { .tty = isatty(1) != 0, .t0 = clock_ms() };
	printf("umllab grade: %zu submission%s, %zu check%s worth %ld point%s, %u at a time; "
	    "reports in %s\n", n, n == 1 ? "" : "s", spec.n, spec.n == 1 ? "" : "s", spec.max_points,
	    spec.max_points == 1 ? "" : "s", jobs, out);
	fflush(stdout);
	struct grade_options o = {
		.self = self, .spec = spec_path, .out_dir = out, .jobs = jobs, .vet = grade_lab_confined,
		.progress = on_progress, .arg = &p,
	};
	int rc = grade_run(&o, &spec, subs, n, &cause);
	if (p.line_shown)
		printf("\r\033[K");
	size_t checked = 0;
	for (size_t i = 0; i < n; i++)
		checked += subs[i].outcome == GRADE_CHECKED;
	printf("umllab grade: %zu of %zu submission%s checked, %zu got 0 without a verdict (%.0f s); "
	    "summary: %s/summary.csv, %s/summary.json\n", checked, n, n == 1 ? "" : "s", n - checked,
	    (double)(clock_ms() - p.t0) / 1000.0, out, out);
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		grade_sub_clear(&subs[i]);
	free(subs);
	free(out);
	grade_spec_free(&spec);
	if (rc < 0)
		return cmd_fail(cause, EXIT_USAGE);
	return EXIT_OK;
}

const struct cmd_entry cmd_grade = {
	.name = "grade",
	.args = "--spec FILE [-o DIR] [--jobs N] SUBMISSION...",
	.summary = "grade a class: bring each submission up, check it against a spec, take it down",
	.help = "A SUBMISSION is a lab file (with its startup commands and share directory\n"
	    "beside it) or a directory holding one: lab.yaml or lab.yml, else its only\n"
	    "*.yaml or *.yml file (none, or several without a lab.yaml: it gets 0 with the\n"
	    "reason). Each is graded by this same program run as `umllab validate FILE`,\n"
	    "`umllab up FILE`, `umllab check --spec FILE --json` and `umllab down --wipe`,\n"
	    "with a state directory of its own under $TMPDIR (default /tmp), removed after;\n"
	    "the image cache ($XDG_CACHE_HOME) is shared. A submission whose file has\n"
	    "mistakes, that does not come up, or that check gives no verdict on gets 0\n"
	    "points with the reason; the others go on. A lab file may name host files only\n"
	    "inside its own directory (share:, disks:, file: images): grade runs it with\n"
	    "your rights.\n"
	    "\n"
	    "  -s, --spec FILE  the checks (a `checks:` list, see docs/topology.md)\n"
	    "  -o, --out DIR    where the reports go (default ./" GRADE_DEFAULT_OUT ", created if missing):\n"
	    "                   NAME.txt and NAME.check.json per submission, summary.csv and\n"
	    "                   summary.json for the class; NAME is the submission's directory\n"
	    "                   or file name (-2, -3... when two are the same)\n"
	    "  -j, --jobs N     submissions graded at once; default: two per core, at most\n"
	    "                   one per 512 MiB of available memory (MemAvailable), at least 1\n"
	    "\n"
	    "Progress: a line per finished submission (\"[12/30] alice: 8/10 points...\"); on a\n"
	    "terminal also a line showing what runs now. Ctrl-C (or SIGTERM) stops what\n"
	    "runs, takes every lab down and writes the summary of what was graded.\n"
	    "Exit status: 0 when every submission was graded (whatever its points), 2 when\n"
	    "grading itself failed: usage, a spec with mistakes, an output directory that\n"
	    "cannot be written, or grading interrupted.\n",
	.run = grade_cmd_run,
};
