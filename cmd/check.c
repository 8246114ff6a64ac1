/* cmd/check.c: `umllab check [LAB] [--spec FILE] [--json] [--junit FILE] [--watch]`: is the lab right? */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/checks/check_report.h"
#include "core/checks/checks_spec.h"
#include "core/client/client.h"
#include "core/base/util.h"

#define CHECK_ANSWER_MAX (8u << 20)
#define WATCH_INTERVAL_MS 2000

struct check_opts {
	const char *lab, *spec, *junit;
	bool json, watch, verbose;
	char *spec_text;
};

static volatile sig_atomic_t check_stop_flag;

static void check_on_signal(int sig)
{
	(void)sig;
	check_stop_flag = 1;
}

/* Write text to path through a temporary file, so a reader never sees half of it. */
static int write_file(const char *path, const char *text, char **cause)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		set_cause(cause, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* One run of the checks: the report, or -1 (no verdict) after printing why. */
static int check_once(const char *dir, const struct check_opts *o, struct check_report *rep)
{
	char *req[3] = { "check", (char *)o->spec, o->spec_text };
	struct client_capture cap = { .max = CHECK_ANSWER_MAX };
	char *cause = NULL;
	int code = client_request_capture(dir, o->spec ? 3 : 1, req, &cap, &cause);
	if (cap.err.len)
		fputs(cap.err.s, stderr);
	int rc = 0;
	if (code < 0) {
		cmd_fail(cause, EXIT_USAGE);
		rc = -1;
	} else if (code != EXIT_OK && code != EXIT_FAIL) {
		rc = -1;
	} else if (check_report_decode(rep, cap.out.s ? cap.out.s : "", cap.out.len, &cause) != 0) {
		cmd_fail(cause, EXIT_USAGE);
		rc = -1;
	}
	free(cap.out.s);
	free(cap.err.s);
	return rc;
}

static int check_output(const struct check_report *rep, const struct check_opts *o)
{
	struct strbuf b = { 0 };
	if (o->json)
		check_report_json(&b, rep);
	else
		check_report_text(&b, rep, o->verbose);
	char *text = strbuf_take(&b);
	fputs(text, stdout);
	fflush(stdout);
	free(text);
	if (o->junit != NULL) {
		char *cause = NULL;
		check_report_junit(&b, rep);
		char *xml = strbuf_take(&b);
		int w = write_file(o->junit, xml, &cause);
		free(xml);
		if (w != 0)
			return cmd_fail(cause, EXIT_USAGE);
	}
	return rep->passed == rep->n ? EXIT_OK : EXIT_FAIL;
}

/* --watch: run again and again; show the progress until Ctrl-C. */
static int check_watch(const char *dir, const struct check_opts *o)
{
	struct sigaction sa = { .sa_handler = check_on_signal, .sa_flags = (int)SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bool tty = isatty(1);
	char *last = NULL;
	int code = EXIT_USAGE;
	unsigned rounds = 0;
	while (!check_stop_flag) {
		struct check_report rep = { 0 };
		if (check_once(dir, o, &rep) != 0) {
			check_report_free(&rep);
			code = EXIT_USAGE;
			break;
		}
		rounds++;
		struct strbuf b = { 0 };
		check_report_progress(&b, &rep);
		char *progress = strbuf_take(&b);
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		if (tty) {
			check_report_text(&b, &rep, o->verbose);
			printf("\033[H\033[2J%s\n%02d:%02d:%02d  %s  (checking every %d s; Ctrl-C ends)\n",
			    b.s, tm.tm_hour, tm.tm_min, tm.tm_sec, progress, WATCH_INTERVAL_MS / 1000);
			free(b.s);
		} else if (last == NULL || strcmp(last, progress) != 0) {
			printf("%02d:%02d:%02d  %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, progress);
		}
		fflush(stdout);
		free(last);
		last = progress;
		code = rep.passed == rep.n ? EXIT_OK : EXIT_FAIL;
		check_report_free(&rep);
		for (unsigned w = 0; w < WATCH_INTERVAL_MS / 100 && !check_stop_flag; w++)
			sleep_ms(100);
	}
	if (last != NULL)
		printf("%s (after %u round%s)\n", last, rounds, rounds == 1 ? "" : "s");
	free(last);
	return code;
}

static int check_run(int argc, char **argv)
{
	struct check_opts o = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--spec") == 0 || strcmp(a, "--junit") == 0 ||
		    strcmp(a, "--lab") == 0 || strcmp(a, "-l") == 0) && i + 1 == argc)
			return cmd_usage_error(&cmd_check, "%s needs a file or a name", a);
		if (strcmp(a, "--spec") == 0)
			o.spec = argv[++i];
		else if (strcmp(a, "--junit") == 0)
			o.junit = argv[++i];
		else if (strcmp(a, "--lab") == 0 || strcmp(a, "-l") == 0)
			o.lab = argv[++i];
		else if (strcmp(a, "--json") == 0)
			o.json = true;
		else if (strcmp(a, "--watch") == 0 || strcmp(a, "-w") == 0)
			o.watch = true;
		else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
			o.verbose = true;
		else if (a[0] == '-')
			return cmd_usage_error(&cmd_check, "unknown option %s", a);
		else if (o.lab == NULL)
			o.lab = a;
		else
			return cmd_usage_error(&cmd_check, "too many arguments (one LAB at most)");
	}
	if (o.watch && (o.json || o.junit))
		return cmd_usage_error(&cmd_check, "--watch shows progress on the terminal; it does "
		    "not go with --json or --junit");
	if (o.spec != NULL) {
		/* Mistakes in the spec are found here, before anything runs. */
		struct lab_diag diag = { 0 };
		struct check_list *list = checks_load(o.spec, false, &diag);
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		lab_diag_free(&diag);
		if (list == NULL)
			return EXIT_USAGE;
		checks_free(list);
		size_t len;
		o.spec_text = checks_file_read(o.spec, &len, NULL);
		if (o.spec_text == NULL || strlen(o.spec_text) != len)
			return cmd_fail(xasprintf("cannot read %s again", o.spec), EXIT_USAGE);
	}
	char *cause = NULL;
	char *dir = client_find_lab(o.lab, true, &cause);
	if (dir == NULL) {
		free(o.spec_text);
		return cmd_fail(cause, EXIT_USAGE);
	}
	int code;
	if (o.watch) {
		code = check_watch(dir, &o);
	} else {
		struct check_report rep = { 0 };
		code = check_once(dir, &o, &rep) == 0 ? check_output(&rep, &o) : EXIT_USAGE;
		check_report_free(&rep);
	}
	free(dir);
	free(o.spec_text);
	return code;
}

const struct cmd_entry cmd_check = {
	.name = "check",
	.args = "[LAB] [--spec FILE] [--json] [--junit FILE] [--watch] [-v]",
	.summary = "run the lab's checks (reach, path, routes, ...) and report each",
	.help = "Runs the checks of the lab's topology (its `checks:` list), or those of FILE\n"
	    "with --spec FILE, in the running lab, and prints one line per check: pass or FAIL,\n"
	    "its points, and for a failure what was expected and what was seen (-v: for\n"
	    "passes too). reach, no_reach and path are judged by the frames the lab's switches\n"
	    "carried, not only by what the guest printed (see docs/checks.md).\n"
	    "--json     one JSON object: lab, passed, total, points, max_points, checks\n"
	    "--junit F  also write a JUnit XML report to F (for CI)\n"
	    "--watch    run the checks every 2 s and show the progress; Ctrl-C ends\n"
	    "Exit status: 0 every check passed, 1 some failed, 2 no verdict (no running lab,\n"
	    "mistakes in the spec, ...).\n",
	.run = check_run,
};
