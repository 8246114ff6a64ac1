/* core/grade/grade_int.h: what the grading runner's files share: a job per
 * submission, the runner, the steps (grade.c runs them; grade_step.c starts
 * one, logs it, and reaps what a lab left). Only core/grade includes it. */
#ifndef UMLLAB_GRADE_INT_H
#define UMLLAB_GRADE_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/grade/grade.h"

enum step { STEP_VET, STEP_VALIDATE, STEP_UP, STEP_CHECK, STEP_DOWN, STEP_DONE };

/* Each step's name (the umllab command it runs) and time limit. */
struct grade_step_info {
	const char *name;
	unsigned limit_s;
};
extern const struct grade_step_info grade_steps[];

/* How much of a step's output goes into the report. */
#define GRADE_LOG_MAX 16384
/* How much of a step's output grade reads at all (check's JSON included). */
#define GRADE_OUT_MAX (4u << 20)

struct job {
	struct grade_sub *sub;
	char *dir;		/* TMP/N: the step outputs and state/ */
	char *state;		/* TMP/N/state: UMLLAB_STATE_DIR of this submission */
	char *copy;		/* TMP/N/sub: grade's copy of the submission, what runs */
	char *lab;		/* the lab file in the copy */
	char *shown;		/* what stands for copy in what the steps print */
	uint64_t baseline;	/* grade_tree_usage(dir) once the copy was made */
	uint64_t usage_ms;	/* when that was last looked at */
	char *limit_reason;	/* the submission went over a limit while a step ran */
	bool budget;		/* the deadline is the submission's time limit */
	enum step step;
	pid_t pid;		/* the running step, or 0 */
	uint64_t t0, deadline;
	const char *killed;	/* why we stopped the step, or NULL */
	char killed_buf[64];
	bool started;
	bool came_up;		/* up succeeded: down must too */
};

struct runner {
	const struct grade_options *o;
	const struct grade_spec *spec;
	struct grade_sub *subs;
	struct job *jobs;
	size_t n, next, running, done;
	int interrupted;	/* signals received */
	sigset_t orig_mask;
	char *tmp;
	char *spec_run;		/* the spec as check is given it (a copy the labs' user can read) */
	char *cache;		/* with drop: XDG_CACHE_HOME of the steps */
	char *cause;		/* grading itself failed */
};

char *grade_file_read(const char *path, size_t *len);
int grade_out_write(struct runner *r, const char *name, const char *text, size_t len);
char *grade_step_file(const struct job *j, enum step s, const char *ext);
int grade_child_drop(const struct runner *r, const struct job *j);
void grade_step_start(struct runner *r, struct job *j, enum step s);
char *grade_shown_text(const struct job *j, char *text);
void grade_log_step(struct runner *r, struct job *j, enum step s, const char *out, const char *err,
    const char *status);
char *grade_tail_lines(const char *text, int lines);
int grade_reap_state(const struct runner *r, const char *state);

#endif
