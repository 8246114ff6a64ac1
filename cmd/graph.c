/* cmd/graph.c: `umllab graph [FILE|LAB]`: draw a lab's topology (and a running lab's live links) with Graphviz. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/client/client.h"
#include "core/base/control.h"
#include "core/lab/graph.h"
#include "core/base/state.h"
#include "core/base/util.h"

#define GRAPH_REPORT_MAX (1U << 20)

static const char *const graph_formats[] = { "dot", "svg", "png" };

static bool graph_format_valid(const char *f)
{
	for (size_t i = 0; i < sizeof(graph_formats) / sizeof(graph_formats[0]); i++)
		if (strcmp(f, graph_formats[i]) == 0)
			return true;
	return false;
}

/* The format an output file's name asks for, or NULL. */
static const char *graph_format_of(const char *out)
{
	const char *dot = strrchr(out, '.');
	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	if (strcmp(dot, ".dot") == 0 || strcmp(dot, ".gv") == 0)
		return "dot";
	if (strcmp(dot, ".svg") == 0)
		return "svg";
	if (strcmp(dot, ".png") == 0)
		return "png";
	return NULL;
}


/* Ask the lab's supervisor for its live state (`graph-live`) and parse it. */
static int graph_fetch(const char *lab_dir, struct lab **lab, struct graph_live *live,
    char **cause)
{
	char *req[] = { "graph-live" };
	struct client_capture cap = { .max = GRAPH_REPORT_MAX };
	int code = client_request_capture(lab_dir, 1, req, &cap, cause);
	int rc = -1;
	if (code > 0) {
		/* An error from the supervisor, such as an older one that has no
		 * `graph-live`: its own words, without the "umllab: " prefix. */
		char *err = strbuf_take(&cap.err);
		err[strcspn(err, "\n")] = '\0';
		set_cause(cause, "%s", strncmp(err, "umllab: ", 8) == 0 ? err + 8 : err);
		free(err);
	} else if (code == 0) {
		rc = graph_snapshot_parse(cap.out.s != NULL ? cap.out.s : "", cap.out.len, lab, live,
		    cause);
	}
	free(cap.out.s);
	free(cap.err.s);
	return rc;
}

/* The `dot` program on PATH (malloc'd), or NULL. */
static char *graph_find_dot(void)
{
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char *cand = n > 0 ? xasprintf("%.*s/dot", (int)n, p) : xstrdup("./dot");
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (end == NULL)
			return NULL;
		p = end;
	}
}

/* Run `dot -TFORMAT [-o OUT]` with text on its standard input. */
static int graph_run_dot(const char *text, const char *format, const char *out)
{
	char *dot = graph_find_dot();
	if (dot == NULL) {
		fprintf(stderr, "umllab: --format %s needs the `dot` program of Graphviz, which is not "
		    "installed (install the Debian package `graphviz`: apt-get install graphviz), "
		    "or write DOT with --format dot\n", format);
		return EXIT_FAIL;
	}
	char *type = xasprintf("-T%s", format);
	char *argv[] = { "dot", type, out != NULL ? "-o" : NULL, (char *)out, NULL };
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "umllab: cannot create a pipe: %s\n", strerror(errno));
		free(type);
		free(dot);
		return EXIT_FAIL;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(fds[0], 0) < 0)
			_exit(127);
		execv(dot, argv);
		_exit(127);
	}
	int saved = errno;
	close(fds[0]);
	int code = EXIT_OK;
	if (pid < 0) {
		fprintf(stderr, "umllab: cannot start %s: %s\n", dot, strerror(saved));
		close(fds[1]);
		code = EXIT_FAIL;
	} else {
		/* If dot dies early, the write fails with EPIPE instead of killing us. */
		signal(SIGPIPE, SIG_IGN);
		int wr = write_all(fds[1], text, strlen(text));
		close(fds[1]);
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || wr != 0) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				fprintf(stderr, "umllab: cannot run %s\n", dot);
			else
				fprintf(stderr, "umllab: %s -T%s failed (%s %d)\n", dot, format,
				    WIFEXITED(status) ? "exit status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			code = EXIT_FAIL;
		}
	}
	free(type);
	free(dot);
	return code;
}

static int graph_write(const char *text, const char *out)
{
	if (out == NULL) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write_all(fd, text, strlen(text)) != 0 || close(fd) != 0) {
		fprintf(stderr, "umllab: cannot write %s: %s\n", out, strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The lab to draw: from FILE (with its live state if that lab runs from
 * that file), or the running lab LAB (or the only running one). */
static int graph_source(const char *arg, struct lab **lab, struct graph_live *live, bool *is_live)
{
	char *cause = NULL;
	*is_live = false;
	if (arg != NULL && client_looks_like_file(arg)) {
		struct lab_diag diag = { 0 };
		*lab = lab_load(arg, &diag);
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		lab_diag_free(&diag);
		if (*lab == NULL)
			return EXIT_FAIL;	/* a topology with mistakes, as for validate and up */
		char *root = state_root(NULL);
		char *dir = root != NULL ? state_lab_dir(root, (*lab)->name, false, NULL) : NULL;
		free(root);
		if (dir == NULL || !state_lab_running(dir)) {
			free(dir);
			return EXIT_OK;
		}
		struct lab *running;
		if (graph_fetch(dir, &running, live, &cause) != 0) {
			fprintf(stderr, "umllab: lab %s runs, but its live state is unknown (%s); "
			    "drawing the file\n", (*lab)->name, cause);
			free(cause);
		} else if (strcmp(running->path, (*lab)->path) != 0) {
			fprintf(stderr, "umllab: a lab %s runs, but from %s; drawing %s as written\n",
			    running->name, running->path, arg);
			lab_free(running);
			graph_live_free(live);
		} else {
			lab_free(*lab);
			*lab = running;
			*is_live = true;
		}
		free(dir);
		return EXIT_OK;
	}
	char *dir = client_find_lab(arg, true, &cause);
	if (dir == NULL) {
		if (arg != NULL) {
			char *more = xasprintf("%s; to draw a lab that is not running, give its file",
			    cause);
			free(cause);
			cause = more;
		}
		return cmd_fail(cause, EXIT_USAGE);
	}
	int rc = graph_fetch(dir, lab, live, &cause);
	free(dir);
	if (rc != 0)
		return cmd_fail(cause, EXIT_FAIL);
	*is_live = true;
	return EXIT_OK;
}

static int graph_run(int argc, char **argv)
{
	const char *arg = cmd_take_lab(&argc, argv), *format = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "-f") == 0) && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-')
			return cmd_usage_error(&cmd_graph, "unknown option %s", argv[i]);
		else if (arg == NULL)
			arg = argv[i];
		else
			return cmd_usage_error(&cmd_graph, "expected at most one lab or file");
	}
	if (format != NULL && !graph_format_valid(format))
		return cmd_usage_error(&cmd_graph, "unknown format `%s` (expected dot, svg or png)",
		    format);
	if (format == NULL && out != NULL && (format = graph_format_of(out)) == NULL)
		return cmd_usage_error(&cmd_graph, "cannot tell the format from the name %s "
		    "(expected .dot, .gv, .svg or .png; or give --format)", out);
	if (format == NULL)
		format = "dot";
	if (out == NULL && strcmp(format, "png") == 0 && isatty(1))
		return cmd_usage_error(&cmd_graph, "a PNG is not for a terminal: give -o FILE.png");

	struct lab *lab = NULL;
	struct graph_live live = { 0 };
	bool is_live;
	int code = graph_source(arg, &lab, &live, &is_live);
	if (code != EXIT_OK)
		return code;
	char *text = graph_render(lab, is_live ? &live : NULL);
	if (strcmp(format, "dot") == 0)
		code = graph_write(text, out);
	else
		code = graph_run_dot(text, format, out);
	free(text);
	graph_live_free(&live);
	lab_free(lab);
	return code;
}

const struct cmd_entry cmd_graph = {
	.name = "graph",
	.args = "[FILE | [--lab] LAB] [--format dot|svg|png] [-o OUT]",
	.summary = "draw a lab's topology (Graphviz), with the live state of a running lab",
	.help = "Draws instances (boxes), switches (rounded boxes) and hubs (double circles),\n"
	    "each link labelled with its interface and address. For a running lab (LAB,\n"
	    "or FILE whose lab runs, or without argument the only running lab) each link\n"
	    "is drawn up (green), down (grey, dashed: its instance does not run or its\n"
	    "cable is out), unplugged (red, dotted) or plugged live (blue).\n"
	    "Writes DOT to standard output, or to OUT with -o; the format comes from\n"
	    "OUT's ending (.dot .gv .svg .png) unless --format says. SVG and PNG are\n"
	    "drawn by the `dot` program (Debian package graphviz).\n"
	    "Example: umllab graph labs/routed.yaml -o routed.png\n",
	.run = graph_run,
};
