/* cmd/cmd.h: the command table; each command lives in a file of its own. */
#ifndef UMLLAB_CMD_H
#define UMLLAB_CMD_H

#include <stdint.h>

#include "core/base/control.h"

/* Exit codes every command shares. */
#define EXIT_OK UMLLAB_EXIT_OK
#define EXIT_FAIL UMLLAB_EXIT_FAIL
#define EXIT_USAGE UMLLAB_EXIT_USAGE

struct cmd_entry {
	const char *name;
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line for `umllab --help` */
	const char *help;	/* the rest of `umllab CMD --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

extern const struct cmd_entry cmd_up, cmd_down, cmd_status, cmd_ping, cmd_exec,
    cmd_validate, cmd_switch, cmd_start, cmd_stop, cmd_restart, cmd_logs, cmd_console,
    cmd_mconsole, cmd_plug, cmd_unplug, cmd_link, cmd_graph, cmd_image, cmd_confine,
    cmd_capture, cmd_grade, cmd_check, cmd_web, cmd_convert;

/* Print `umllab CMD --help` to stdout. */
void cmd_print_help(const struct cmd_entry *cmd);

/* Print a usage error for cmd to stderr; returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True (and help printed) when argv holds -h or --help before any "--". */
int cmd_wants_help(const struct cmd_entry *cmd, int argc, char **argv);

/* Image builds and downloads on the terminal (cmd/image.c): a line per
 * step, and a download meter redrawn in place on a terminal. */
void cmd_image_progress(void *arg, const char *msg);
void cmd_image_meter(void *arg, const char *what, uint64_t done, uint64_t total);

/* Print a cause as "umllab: cause" and free it; returns code. */
int cmd_fail(char *cause, int code);

/* Take `--lab LAB` / `-l LAB` out of argv (shifting the rest); returns LAB
 * or NULL. */
const char *cmd_take_lab(int *argc, char **argv);

struct slurm_lab;
#define CMD_LOCAL (-1)	/* cmd_slurm: not a lab over Slurm, go on here */
/* When lab names a lab that `up --slurm` runs over a Slurm job
 * (core/cluster/slurm_lab.h), run(l, arg) and its exit code; else CMD_LOCAL. */
int cmd_slurm(const char *lab, int (*run)(const struct slurm_lab *l, void *arg), void *arg);
/* Run `umllab ARGS` on part `part` of it (-1: every part): its exit code. */
int cmd_slurm_run(const struct slurm_lab *l, int part, char *const args[], int fail_code);

/* Send req (reqc words) to the lab (NULL: the only running one) and relay
 * the answer; returns its exit code, or fail_code after printing why. */
int cmd_request(const char *lab, int reqc, char **req, int fail_code);

#endif
