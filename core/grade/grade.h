/* core/grade/grade.h: grading a class: bring each submission's lab up, check it
 * against a spec, take it down, several at once; one report per submission
 * and a class summary (CSV, JSON).
 *
 * The work is done by this same program run as subprocesses (`umllab
 * validate`, `up`, `check --spec SPEC --json`, `down`), each submission with
 * a state directory of its own, so labs with the same name never clash.
 * grade_report.c is pure (parsing check's JSON, rendering the reports, the
 * default number of jobs); grade_spec.c reads the spec's check names and
 * points (with check's loader); grade.c runs the subprocesses. */
#ifndef UMLLAB_GRADE_H
#define UMLLAB_GRADE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/checks/check_report.h"
#include <sys/types.h>

#include "core/base/util.h"

/* ---- what a graded submission may do (the teacher's rules) ----
 *
 * A submission is data written by someone who wants the points, run on the
 * teacher's machine. It may name files only inside its own directory (grade
 * copies that directory, regular files and directories only, and runs the
 * copy); it may fetch nothing, use no mirror and open no trunk unless the
 * teacher allows it by name; and it is held to limits the host enforces.
 * The spec's `grade:` section and grade's --limit / --allow set them. */

struct grade_limits {
	uint64_t instances;	/* instances in a lab */
	uint64_t mem;		/* mem: of one instance, bytes */
	uint64_t mem_total;	/* every instance's mem: together, bytes */
	uint64_t disk;		/* what a lab declares it may write: fresh disks, captures */
	uint64_t written;	/* what a lab has written on the host, checked every second */
	uint64_t time;		/* seconds from validate to the end of check */
	uint64_t size;		/* the submission's files (what grade copies), bytes */
	uint64_t mem_all;	/* every submission graded at once, bytes; 0: 3/4 of MemAvailable */
};

struct grade_policy {
	struct grade_limits lim;
	char **urls;		/* `url:` prefixes a lab may download images from */
	size_t n_urls;
	char **mirrors;		/* Debian archives a lab may build from; "default": Debian's own */
	size_t n_mirrors;
	char **trunks;		/* trunk remotes (IP:PORT) a lab may open */
	size_t n_trunks;
};

/* The defaults: what keeps a 2-core, 24 GB host alive with the default --jobs. */
void grade_policy_init(struct grade_policy *p);
void grade_policy_free(struct grade_policy *p);

/* --limit NAME=VALUE, --allow KIND=VALUE (KIND: url, mirror, trunk).
 * -1 with *cause naming what is wrong. */
int grade_policy_limit_arg(struct grade_policy *p, const char *arg, char **cause);
int grade_policy_allow_arg(struct grade_policy *p, const char *arg, char **cause);

/* The `grade:` section of a spec file (`limits:` and `allow:`), if it has
 * one; mistakes as FILE:LINE:COL lines in *cause, -1 then. */
int grade_policy_load_spec(const char *path, struct grade_policy *p, char **cause);

/* "(limit NAME; raise it with ...)": how a teacher raises a limit. */
char *grade_limit_hint(const char *name);

/* A size as people read it: "256 MiB", "1.5 GiB", "900 bytes". */
char *grade_size_text(uint64_t bytes);

/* May a graded lab download this `url:`? Only http(s) URLs under a prefix
 * the policy allows; file:// never (it would read the grader's files, and
 * curl decodes %2e%2e). -1 with *cause saying why not. */
int grade_url_vet(const struct grade_policy *p, const char *url, char **cause);

/* Text a submission or a guest wrote, made safe for a terminal and a text
 * file: control bytes become caret notation (ESC is "^["), bytes that are
 * not UTF-8 and C1 controls become '?'. Newlines and tabs kept when
 * newlines is set. Appended to b. */
void grade_text_clean(struct strbuf *b, const char *s, bool newlines);

/* ---- the spec: names and points of its checks ---- */

struct grade_spec {
	char *path;
	size_t n;
	char **names;
	long *points;
	long max_points;
};

/* Read the spec with check's own loader (core/checks/checks_spec.h). Every
 * mistake is in *cause as FILE:LINE:COL: ... lines; -1 then. */
int grade_spec_load(const char *path, struct grade_spec *spec, char **cause);
void grade_spec_free(struct grade_spec *spec);

/* ---- one submission ---- */

enum grade_outcome {
	GRADE_PENDING,
	GRADE_CHECKED,		/* check gave a verdict: points as counted */
	GRADE_FAILED,		/* no verdict (bad file, did not come up...): 0 points, reason */
};

struct grade_sub {
	char *path;		/* as given on the command line */
	char *labfile;		/* the lab file found there (NULL: none) */
	char *name;		/* unique among the class: report file names */
	enum grade_outcome outcome;
	const char *stage;	/* GRADE_FAILED: where (submission, refused,
				 * validate, up, check, interrupted, slurm) */
	char *reason;		/* GRADE_FAILED: why; else a note or NULL */
	char *log;		/* what the steps printed, for the text report */
	long points, max_points;
	size_t passed, total;
	struct check_result *checks;	/* core/checks/check_report.h */
	size_t n_checks;
	double seconds;
	const char *running;	/* the step running now ("up", "check"...), or NULL */
};

/* -1 with *cause (FILE:LINE:COL lines) when the lab file breaks the
 * policy: it names a host path outside its own directory (a share:, a
 * disks: file, a file: image; as written, and with symbolic links
 * resolved), a url: or mirror: or trunk the policy does not allow, or asks
 * for more than its limits (instances, mem, mem_total, disk). A file with
 * other mistakes passes (validate reports them). Run before validate, as
 * the user the labs run as. p NULL: the default policy. */
int grade_lab_vet(const char *labfile, const struct grade_policy *p, char **cause);

/* Is a path, as a lab file writes it, inside the file's directory? Judged
 * as written: not absolute, never climbing above it with "..". */
bool grade_path_inside(const char *path);

/* ---- the submission's files ---- */

/* What a submission's copy holds. */
struct grade_copy {
	bool is_file;		/* the submission was a file: the copy holds it alone */
	uint64_t bytes;		/* of the files copied */
	size_t entries;
	char *left_out;		/* what was not copied (symbolic links, fifos...), or NULL */
	char *lab_link;		/* a top-level *.yaml / *.yml that is a link: "NAME -> TARGET" */
};
#define GRADE_COPY_ENTRIES_MAX 4096
#define GRADE_COPY_DEPTH_MAX 16

/* Copy the submission src (a directory, or one lab file) into the new
 * directory dst, never following a symbolic link (src itself a link is
 * refused): every file is opened beneath src's directory descriptor, one
 * component at a time, with O_NOFOLLOW. Regular files and directories only;
 * files are copied sparse. When owner is not (uid_t)-1, the copy belongs to
 * owner:group. -1 with *cause when src is refused (a link, bigger than
 * max_bytes, too many entries, too deep) or cannot be read. */
int grade_copy_in(const char *src, const char *dst, uid_t owner, gid_t group, uint64_t max_bytes,
    struct grade_copy *info, char **cause);
void grade_copy_clear(struct grade_copy *info);

/* The space files take under dir (st_blocks), no link followed. */
uint64_t grade_tree_usage(const char *dir);

/* Remove dir and everything in it, no link followed (each entry removed
 * relative to its directory's descriptor). */
void grade_tree_remove(const char *dir);

/* The lab file of a submission: path itself when it is a file, else in the
 * directory path: lab.yaml or lab.yml when there, else its only *.yaml or
 * *.yml file. NULL with *cause when there is none, or several. */
char *grade_find_labfile(const char *path, char **cause);

/* Give every submission a unique name for its reports: a directory's name,
 * a file's name without .yaml/.yml (its directory's for lab.yaml/lab.yml),
 * letters, digits, '.', '_' and '-' only, at most GRADE_NAME_MAX bytes (a
 * longer one keeps its start and ends in 8 hex digits of a hash of the
 * whole); repeats get -2, -3... */
void grade_names_assign(struct grade_sub *subs, size_t n);

/* Fill s from what `umllab check --json` printed; -1 with *cause when it is
 * not such a report. s->outcome becomes GRADE_CHECKED. */
int grade_sub_take_check_json(struct grade_sub *s, const char *text, size_t len, char **cause);

/* Fill s back from a summary.json of that one submission (what
 * grade_summary_json() wrote for it): what the class summary needs, the
 * failed checks only. -1 with *cause when text is not such a summary. */
int grade_sub_take_summary_json(struct grade_sub *s, const char *text, size_t len, char **cause);

/* s gets 0 of the spec's points, with the stage and reason (copied). */
void grade_sub_fail(struct grade_sub *s, const char *stage, const char *reason,
    const struct grade_spec *spec);

void grade_sub_clear(struct grade_sub *s);

/* One line for the terminal: "alice: 8/10 points" or
 * "bob: 0/10 points (did not come up: ...)". */
char *grade_sub_line(const struct grade_sub *s);

/* The text report of one submission (DIR/NAME.txt). */
char *grade_report_text(const struct grade_sub *s, const struct grade_spec *spec);

/* The class summary: summary.csv (one row per submission: submission,
 * points, max_points, status, failed_checks, reason) and summary.json. */
char *grade_summary_csv(const struct grade_sub *subs, size_t n);
char *grade_summary_json(const struct grade_sub *subs, size_t n, const struct grade_spec *spec);

/* The default --jobs: two per core (a job waits on its guests much of the
 * time), at most one per GRADE_JOB_MEM_MB of available memory, at least 1. */
#define GRADE_JOB_MEM_MB 512
unsigned grade_jobs_default(unsigned cores, uint64_t mem_available_mb);

/* At most as many jobs as mem_all holds submissions of mem_total each (the
 * memory of every submission graded at once), at least 1. */
unsigned grade_jobs_by_mem(unsigned jobs, uint64_t mem_all, uint64_t mem_total);

/* Report names: at most this long (a longer one is cut and ends in a hash). */
#define GRADE_NAME_MAX 64

/* The signals that stop a grade (SIGINT, SIGTERM, SIGHUP) in *set: blocked
 * while it runs and taken with sigtimedwait(), so that whatever runs is
 * taken down (or cancelled) and the summary still written. */
void grade_stop_signals(sigset_t *set);

/* ---- the runner ---- */

struct grade_options {
	const char *self;	/* this program (/proc/self/exe) */
	const char *spec;	/* the spec file, absolute */
	const char *out_dir;	/* reports go here; it exists and is writable */
	const char *tmp_dir;	/* state directories go below it */
	unsigned jobs;
	bool no_summary;	/* a Slurm task grades one submission: no class summary */
	const struct grade_policy *policy;	/* NULL: no limits (tests) */
	/* Run on each lab file once it validated (grade_lab_vet), in a child
	 * with the labs' rights; NULL: none. */
	int (*vet)(const char *labfile, const struct grade_policy *p, char **cause);
	/* When set, every step runs as run_uid:run_gid (grade was started as
	 * root): the submission's copy and state belong to that user. */
	bool drop;
	uid_t run_uid;
	gid_t run_gid;
	const char *run_user;	/* its name, for messages */
	const char *cache_dir;	/* with drop: XDG_CACHE_HOME of the steps; NULL: one under tmp */
	/* Called as submissions start and finish (done counts the finished ones). */
	void (*progress)(void *arg, const struct grade_sub *subs, size_t n, size_t done,
	    const struct grade_sub *finished);
	void *arg;
};

/* Grade every submission; reports are written as each finishes, the summary
 * at the end. Returns 0 when every submission was graded (whatever its
 * points), -1 with *cause when grading itself failed or was interrupted
 * (SIGINT, SIGTERM, SIGHUP: what runs is stopped and taken down first). */
int grade_run(const struct grade_options *o, const struct grade_spec *spec,
    struct grade_sub *subs, size_t n, char **cause);

#endif
