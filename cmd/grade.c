/* cmd/grade.c: `umllab grade --spec FILE [-o DIR] [--jobs N] [--slurm ...] SUBMISSION...`: grade a class. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/grade/grade.h"
#include "core/grade/grade_slurm.h"
#include "core/base/util.h"

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

/* How a grade runs: here, or as a Slurm job array (submitted from here, a
 * task on a node, the summary job). */
enum grade_mode { GRADE_LOCAL, GRADE_SLURM, GRADE_ONE, GRADE_COLLECT };

/* Options passed on to the Slurm tasks as they were given. */
#define GRADE_ARGS_MAX 64

struct grade_args {
	const char *spec, *out, *partition, *user;
	const char *rules[GRADE_ARGS_MAX];	/* --limit X / --allow X, in order, as option and value */
	size_t n_rules;
	unsigned jobs;
	enum grade_mode mode;
	bool wait;
	long number;		/* --one INDEX, --collect JOB */
	int first;		/* argv index of the first submission */
};

static int parse_number(const char *opt, const char *v, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (v[0] == '\0' || *end != '\0' || errno != 0 || x < min || x > max)
		return cmd_usage_error(&cmd_grade, "%s: expected a number from %ld to %ld, not '%s'", opt,
		    min, max, v);
	*out = x;
	return 0;
}

static int grade_parse(int argc, char **argv, struct grade_args *a)
{
	*a = (struct grade_args){ .out = GRADE_DEFAULT_OUT, .first = argc };
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--") == 0) {
			a->first = i + 1;
			break;
		}
		if (o[0] != '-') {
			a->first = i;
			break;
		}
		if (strcmp(o, "--slurm") == 0) {
			a->mode = a->mode == GRADE_LOCAL ? GRADE_SLURM : a->mode;
			continue;
		}
		if (strcmp(o, "--wait") == 0) {
			a->wait = true;
			continue;
		}
		bool known = strcmp(o, "--spec") == 0 || strcmp(o, "-s") == 0 || strcmp(o, "-o") == 0 ||
		    strcmp(o, "--out") == 0 || strcmp(o, "--jobs") == 0 || strcmp(o, "-j") == 0 ||
		    strcmp(o, "--partition") == 0 || strcmp(o, "-p") == 0 || strcmp(o, "--one") == 0 ||
		    strcmp(o, "--collect") == 0 || strcmp(o, "--limit") == 0 || strcmp(o, "--allow") == 0 ||
		    strcmp(o, "--user") == 0;
		if (!known)
			return cmd_usage_error(&cmd_grade, "unknown option %s", o);
		if (i + 1 >= argc)
			return cmd_usage_error(&cmd_grade, "%s needs a value", o);
		const char *v = argv[++i];
		long x;
		if (strcmp(o, "--spec") == 0 || strcmp(o, "-s") == 0) {
			a->spec = v;
		} else if (strcmp(o, "-o") == 0 || strcmp(o, "--out") == 0) {
			a->out = v;
		} else if (strcmp(o, "--partition") == 0 || strcmp(o, "-p") == 0) {
			a->partition = v;
		} else if (strcmp(o, "--user") == 0) {
			a->user = v;
		} else if (strcmp(o, "--limit") == 0 || strcmp(o, "--allow") == 0) {
			if (a->n_rules + 2 > GRADE_ARGS_MAX)
				return cmd_usage_error(&cmd_grade, "too many --limit and --allow (at most %d)",
				    GRADE_ARGS_MAX / 2);
			a->rules[a->n_rules++] = o;
			a->rules[a->n_rules++] = v;
		} else if (strcmp(o, "--one") == 0 || strcmp(o, "--collect") == 0) {
			if (parse_number(o, v, o[2] == 'o' ? 0 : 1, 1000000000L, &x) != 0)
				return EXIT_USAGE;
			a->mode = o[2] == 'o' ? GRADE_ONE : GRADE_COLLECT;
			a->number = x;
		} else {
			if (parse_number(o, v, 1, 256, &x) != 0)
				return EXIT_USAGE;
			a->jobs = (unsigned)x;
		}
	}
	if (a->spec == NULL)
		return cmd_usage_error(&cmd_grade, "--spec FILE is required (the checks to grade by)");
	if (a->first >= argc)
		return cmd_usage_error(&cmd_grade, "expected at least one submission");
	if (a->mode != GRADE_SLURM && (a->wait || a->partition != NULL))
		return cmd_usage_error(&cmd_grade, "%s goes with --slurm", a->wait ? "--wait" : "--partition");
	if (a->mode == GRADE_SLURM && a->jobs > 0)
		return cmd_usage_error(&cmd_grade, "--jobs goes with a local grade: with --slurm, Slurm "
		    "runs as many tasks at once as it has room for");
	if (a->mode == GRADE_ONE && a->number >= argc - a->first)
		return cmd_usage_error(&cmd_grade, "--one %ld: there are only %d submissions", a->number,
		    argc - a->first);
	return 0;
}

/* A path the nodes of a cluster can use: absolute, but not resolved (a
 * submission that is a symbolic link must stay one, to be refused). */
static char *path_absolute(const char *path)
{
	char cwd[PATH_MAX];
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/* The rules: the defaults, the spec's `grade:` section, then --limit and
 * --allow. Exit status (EXIT_USAGE) when they have mistakes, else 0. */
static int policy_make(const struct grade_args *a, const char *spec, struct grade_policy *p)
{
	grade_policy_init(p);
	char *cause = NULL;
	if (grade_policy_load_spec(spec, p, &cause) < 0) {
		fprintf(stderr, "%s\numllab grade: the spec has mistakes; nothing was graded\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i + 1 < a->n_rules; i += 2) {
		int rc = strcmp(a->rules[i], "--limit") == 0 ?
		    grade_policy_limit_arg(p, a->rules[i + 1], &cause) :
		    grade_policy_allow_arg(p, a->rules[i + 1], &cause);
		if (rc < 0) {
			int bad = cmd_usage_error(&cmd_grade, "%s", cause);
			free(cause);
			return bad;
		}
	}
	return 0;
}

/* The limits, one line, as the start of a grade shows them. */
static char *policy_text(const struct grade_policy *p, uint64_t mem_all)
{
	const struct grade_limits *l = &p->lim;
	char *mem = grade_size_text(l->mem), *tot = grade_size_text(l->mem_total),
	    *all = grade_size_text(mem_all), *disk = grade_size_text(l->disk),
	    *wr = grade_size_text(l->written), *size = grade_size_text(l->size);
	char *t = xasprintf("limits per submission: %llu instances, mem %s each and %s in all (%s for "
	    "the whole class at once), disk %s declared and %s written, %llu s, %s of files; "
	    "allowed: %zu url prefix%s, %zu mirror%s, %zu trunk%s", (unsigned long long)l->instances,
	    mem, tot, all, disk, wr, (unsigned long long)l->time, size, p->n_urls,
	    p->n_urls == 1 ? "" : "es", p->n_mirrors, p->n_mirrors == 1 ? "" : "s", p->n_trunks,
	    p->n_trunks == 1 ? "" : "s");
	free(mem);
	free(tot);
	free(all);
	free(disk);
	free(wr);
	free(size);
	return t;
}

/* As root, the labs run as another user: --user, else nobody. */
static int run_as(const struct grade_args *a, struct grade_options *o, char **cause)
{
	if (geteuid() != 0) {
		if (a->user != NULL)
			return set_cause(cause, "--user %s: only root can grade as another user; as "
			    "yourself, the labs run as you", a->user);
		return 0;
	}
	const char *name = a->user != NULL ? a->user : "nobody";
	struct passwd *pw = getpwnam(name);
	if (pw == NULL)
		return set_cause(cause, "grade was started as root, and students' labs never run as root; "
		    "it runs them as %s, but there is no such user (give another with --user NAME, or "
		    "run grade as an ordinary user)", name);
	if (pw->pw_uid == 0)
		return set_cause(cause, "--user %s is root: students' labs never run as root", name);
	o->drop = true;
	o->run_uid = pw->pw_uid;
	o->run_gid = pw->pw_gid;
	o->run_user = name;
	const char *xdg = getenv("XDG_CACHE_HOME");
	o->cache_dir = xdg != NULL && xdg[0] == '/' ? xdg : NULL;
	return 0;
}

static void print_end(const struct grade_sub *subs, size_t n, const struct progress *p,
    const char *out)
{
	size_t checked = 0;
	for (size_t i = 0; i < n; i++)
		checked += subs[i].outcome == GRADE_CHECKED;
	printf("umllab grade: %zu of %zu submission%s checked, %zu got 0 without a verdict (%.0f s); "
	    "summary: %s/summary.csv, %s/summary.json\n", checked, n, n == 1 ? "" : "s", n - checked,
	    (double)(clock_ms() - p->t0) / 1000.0, out, out);
	fflush(stdout);
}

static int grade_slurm_run_wait(const struct grade_slurm *g, long job, struct progress *p,
    char **cause)
{
	printf("umllab grade: %zu submission%s, %zu check%s worth %ld point%s, as Slurm job %ld "
	    "(one task per submission%s%s); reports in %s\n", g->n, g->n == 1 ? "" : "s",
	    g->spec_loaded->n, g->spec_loaded->n == 1 ? "" : "s", g->spec_loaded->max_points,
	    g->spec_loaded->max_points == 1 ? "" : "s", job, g->partition != NULL ? ", partition " : "",
	    g->partition != NULL ? g->partition : "", g->out_dir);
	fflush(stdout);
	struct grade_slurm w = *g;
	w.progress = on_progress;
	w.arg = p;
	int rc = grade_slurm_wait(&w, job, cause);
	if (p->line_shown)
		printf("\r\033[K");
	print_end(g->subs, g->n, p, g->out_dir);
	return rc;
}

/* --slurm: submit the array (and the summary job, or wait for the tasks). */
static int grade_slurm_run(const struct grade_args *a, const struct grade_slurm *g,
    struct progress *p, char **cause)
{
	long job, summary;
	/* From the moment a job may exist, Ctrl-C must cancel it, not leave it
	 * running: grade_slurm_wait takes the signals that come meanwhile. */
	sigset_t set, old;
	grade_stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	int rc = grade_slurm_submit(g, !a->wait, &job, &summary, cause);
	if (rc == 0 && a->wait)
		rc = grade_slurm_run_wait(g, job, p, cause);
	else if (rc == 0)
		printf("umllab grade: %zu submission%s as Slurm job %ld (one task per submission); job %ld "
		    "writes %s/summary.csv and summary.json once every task has ended; follow them with "
		    "`squeue -j %ld,%ld`\n", g->n, g->n == 1 ? "" : "s", job, summary, g->out_dir, job,
		    summary);
	fflush(stdout);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}


static int grade_cmd_run(int argc, char **argv)
{
	struct grade_args a;
	int bad = grade_parse(argc, argv, &a);
	if (bad != 0)
		return bad;

	char *cause = NULL;
	char spec_path[PATH_MAX];
	if (realpath(a.spec, spec_path) == NULL)
		return cmd_fail(xasprintf("%s: cannot read the check spec: %s", a.spec, strerror(errno)),
		    EXIT_USAGE);
	struct grade_spec spec;
	if (grade_spec_load(spec_path, &spec, &cause) < 0) {
		grade_spec_free(&spec);
		fprintf(stderr, "%s\numllab grade: the spec has mistakes; nothing was graded\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	struct grade_policy policy;
	int bad_policy = policy_make(&a, spec_path, &policy);
	if (bad_policy != 0) {
		grade_policy_free(&policy);
		grade_spec_free(&spec);
		return bad_policy;
	}
	struct grade_options o = { .policy = &policy, .vet = grade_lab_vet };
	if (a.mode != GRADE_COLLECT && run_as(&a, &o, &cause) < 0) {
		grade_policy_free(&policy);
		grade_spec_free(&spec);
		return cmd_fail(cause, EXIT_USAGE);
	}
	char *out = out_dir_prepare(a.out, &cause);
	char *self = out != NULL ? self_exe(&cause) : NULL;
	if (self == NULL) {
		free(out);
		grade_policy_free(&policy);
		grade_spec_free(&spec);
		return cmd_fail(cause, EXIT_USAGE);
	}

	size_t n = (size_t)(argc - a.first);
	struct grade_sub *subs = xcalloc(n, sizeof(*subs));
	for (size_t i = 0; i < n; i++)
		subs[i].path = a.mode == GRADE_LOCAL ? xstrdup(argv[a.first + i]) :
		    path_absolute(argv[a.first + i]);
	grade_names_assign(subs, n);
	struct progress p = { .tty = isatty(1) != 0, .t0 = clock_ms() };
	struct grade_slurm g = { .self = self, .spec = spec_path, .out_dir = out,
		.partition = a.partition, .subs = subs, .n = n, .spec_loaded = &spec,
		.task_args = a.rules, .n_task_args = a.n_rules, .user = a.user };
	int rc;
	if (a.mode == GRADE_SLURM) {
		rc = grade_slurm_run(&a, &g, &p, &cause);
	} else if (a.mode == GRADE_COLLECT) {
		rc = grade_slurm_collect(&g, a.number, &cause);
		print_end(subs, n, &p, out);
	} else {
		/* Here, or one submission of the class in a Slurm task. */
		struct grade_sub *todo = a.mode == GRADE_ONE ? &subs[a.number] : subs;
		size_t n_todo = a.mode == GRADE_ONE ? 1 : n;
		unsigned jobs = a.jobs;
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		uint64_t avail = mem_available_bytes();
		if (jobs == 0)
			jobs = grade_jobs_default(cores > 0 ? (unsigned)cores : 1, avail >> 20);
		/* Memory for the whole class at once: as many labs as fit, each at
		 * its limit (mem_total), in mem_all (default 3/4 of what is free). */
		uint64_t mem_all = policy.lim.mem_all > 0 ? policy.lim.mem_all :
		    avail > 0 ? avail / 4 * 3 : UINT64_MAX;
		unsigned fit = grade_jobs_by_mem(jobs, mem_all, policy.lim.mem_total);
		if (fit < jobs && a.jobs > 0) {
			char *all = grade_size_text(mem_all), *tot = grade_size_text(policy.lim.mem_total);
			printf("umllab grade: --jobs %u lowered to %u: each submission may use %s of memory "
			    "(limit mem_total) and the class %s at once (limit mem_all)\n", jobs, fit, tot, all);
			free(all);
			free(tot);
		}
		jobs = fit;
		if (jobs > n_todo)
			jobs = (unsigned)n_todo;
		printf("umllab grade: %zu submission%s, %zu check%s worth %ld point%s, %u at a time; "
		    "reports in %s\n", n_todo, n_todo == 1 ? "" : "s", spec.n, spec.n == 1 ? "" : "s",
		    spec.max_points, spec.max_points == 1 ? "" : "s", jobs, out);
		char *rules = policy_text(&policy, mem_all);
		printf("umllab grade: %s%s%s\n", rules, o.drop ? "; the labs run as " : "",
		    o.drop ? o.run_user : "");
		free(rules);
		fflush(stdout);
		o.self = self;
		o.spec = spec_path;
		o.out_dir = out;
		o.jobs = jobs;
		o.no_summary = a.mode == GRADE_ONE;
		o.progress = on_progress;
		o.arg = &p;
		rc = grade_run(&o, &spec, todo, n_todo, &cause);
		if (p.line_shown)
			printf("\r\033[K");
		/* A task's record, also of an interrupted grade: the summary shows it. */
		char *why = NULL;
		if (a.mode == GRADE_ONE && grade_slurm_records_write(out, todo, 1, &spec, &why) != 0) {
			if (cause == NULL)
				cause = why;
			else
				free(why);
			rc = -1;
		}
		bool started = false;	/* grading itself may have failed before any submission */
		for (size_t i = 0; i < n_todo; i++)
			started |= todo[i].outcome != GRADE_PENDING;
		if (a.mode == GRADE_ONE || !started)
			fflush(stdout);
		else
			print_end(subs, n, &p, out);
	}
	for (size_t i = 0; i < n; i++)
		grade_sub_clear(&subs[i]);
	free(subs);
	free(out);
	free(self);
	grade_policy_free(&policy);
	grade_spec_free(&spec);
	if (rc < 0)
		return cmd_fail(cause, EXIT_USAGE);
	return EXIT_OK;
}

const struct cmd_entry cmd_grade = {
	.name = "grade",
	.args = "--spec FILE [-o DIR] [--limit N=V]... [--allow K=V]... [--user U]\n"
	    "    [--jobs N | --slurm [--partition P] [--wait]] SUBMISSION...",
	.summary = "grade a class: bring each submission up, check it against a spec, take it down",
	.help = "A SUBMISSION is a lab file or a directory holding one: lab.yaml or lab.yml,\n"
	    "else its only *.yaml or *.yml file (none, or several without a lab.yaml: it\n"
	    "gets 0 with the reason). A submission is data written by someone who wants the\n"
	    "points: grade copies it first (regular files and directories only; never\n"
	    "through a symbolic link, and a submission that is one is refused) and runs the\n"
	    "copy, as this same program: `umllab validate FILE`, `umllab up FILE`, `umllab\n"
	    "check --spec FILE --json` and `umllab down --wipe`, with a state directory of\n"
	    "its own under $TMPDIR (default /tmp), removed after. Before that, the lab file\n"
	    "is refused (status `refused`, 0 points, the reason) when it names a host file\n"
	    "outside its own directory (share:, disks:, file: images), a url:, mirror: or\n"
	    "trunk the teacher did not allow (file:// never), or more than the limits. A\n"
	    "submission whose file has mistakes, that does not come up, goes over a limit\n"
	    "while it runs, or that check gives no verdict on gets 0 points with the\n"
	    "reason; the others go on. Run as root, grade runs every step as nobody (or\n"
	    "--user): students' labs never run as root.\n"
	    "\n"
	    "  -s, --spec FILE  the checks (a `checks:` list, see docs/checks.md), and the\n"
	    "                   grade: section with the limits and what labs may use\n"
	    "                   (labs/grading.md)\n"
	    "  -o, --out DIR    where the reports go (default ./" GRADE_DEFAULT_OUT ", created if missing):\n"
	    "                   NAME.txt and NAME.check.json per submission, summary.csv and\n"
	    "                   summary.json for the class; NAME is the submission's directory\n"
	    "                   or file name (-2, -3... when two are the same; a long one cut\n"
	    "                   to 64 bytes, ending in a hash)\n"
	    "  -j, --jobs N     submissions graded at once; default: two per core, at most\n"
	    "                   one per 512 MiB of available memory (MemAvailable), at least 1;\n"
	    "                   never more than mem_all holds submissions of mem_total\n"
	    "  --limit NAME=VALUE  raise (or lower) a limit of each submission, over the\n"
	    "                   spec's: instances (16), mem (256M, one instance), mem_total\n"
	    "                   (1G, all its instances), disk (1G, fresh disks and captures it\n"
	    "                   declares), written (2G, what its lab writes on the host,\n"
	    "                   measured each second, downloads included), time (300 s,\n"
	    "                   validate to check), size (256M, its files), mem_all (3/4 of\n"
	    "                   MemAvailable, every submission graded at once)\n"
	    "  --allow KIND=VALUE  let labs use url=PREFIX (http(s) downloads under it),\n"
	    "                   mirror=URL (a Debian mirror; `default` for Debian's own\n"
	    "                   archive, which any `debian:` image without mirror: uses) or\n"
	    "                   trunk=IP:PORT (a trunk to that remote)\n"
	    "  --user NAME      (as root) the user the labs run as (default nobody)\n"
	    "\n"
	    "  --slurm          grade on a Slurm cluster instead: one job array, a task per\n"
	    "                   submission (`umllab grade --one INDEX ...` on a node, state\n"
	    "                   under the node's $TMPDIR), submitted with sbatch from here.\n"
	    "                   DIR, the spec, the submissions and this program must be at the\n"
	    "                   same paths on the nodes (a shared file system). Reports are\n"
	    "                   the same as a local grade's; DIR/.slurm holds the batch\n"
	    "                   scripts, each task's output and result. A task that fails, is\n"
	    "                   cancelled or runs out of time gives its submission 0 with\n"
	    "                   Slurm's word for it. sbatch's own variables apply\n"
	    "                   (SBATCH_TIMELIMIT, SBATCH_MEM_PER_NODE, SBATCH_ACCOUNT...).\n"
	    "  -p, --partition P  the Slurm partition (default: the cluster's)\n"
	    "  --wait           stay until every task has ended, show each result, write the\n"
	    "                   summary (Ctrl-C cancels the job); without it, grade returns\n"
	    "                   once submitted and a last job, run after every task, writes\n"
	    "                   the summary (`umllab grade --collect JOB ...`)\n"
	    "  --one I          (what the batch script runs) grade submission I (from 0) of the\n"
	    "                   list alone: its reports, and its result in DIR/.slurm; no summary\n"
	    "  --collect JOB    (what the summary job runs) the summary from DIR/.slurm once\n"
	    "                   the tasks of job JOB have ended\n"
	    "\n"
	    "Progress: a line per finished submission (\"[12/30] alice: 8/10 points...\"); on a\n"
	    "terminal also a line showing what runs now. Ctrl-C (or SIGTERM) stops what\n"
	    "runs, takes every lab down and writes the summary of what was graded.\n"
	    "Exit status: 0 when every submission was graded (whatever its points), 2 when\n"
	    "grading itself failed: usage, a spec with mistakes, an output directory that\n"
	    "cannot be written, or grading interrupted; with --slurm also when sbatch refused\n"
	    "the job or squeue could not be asked (the message names the command and what it\n"
	    "said). --slurm without --wait exits 0 once the jobs are submitted.\n",
	.run = grade_cmd_run,
};
