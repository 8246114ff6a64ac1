/* core/supervisor/supervisor.h: the background process that owns one lab's switches and instances. */
#ifndef UMLLAB_SUPERVISOR_H
#define UMLLAB_SUPERVISOR_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/supervisor/bootsched.h"
#include "core/supervisor/instance.h"
#include "core/lab/topology.h"

struct sw;
struct conn;

struct supervisor {
	struct lab *lab;
	char *lab_dir;
	struct ev_loop *loop;
	struct instance_env env;
	struct instance *instances;	/* lab->n_instances of them */
	struct sw **switches;		/* lab->n_switches of them */
	struct capture **captures;	/* the topology's `capture:`, recorded to files */
	size_t n_captures;
	char *backing;
	uint64_t started_ms;

	int ctl_fd;
	ev_io ctl_w;
	ev_timer ctl_pause_w;		/* accepting again after running out of descriptors */
	struct conn *conns;
	ev_signal sig_term, sig_int;

	int progress_fd;		/* to the `umllab up` that started us; -1 after */
	/* `up --foreground`: progress lines go here instead (kind 'P', 'E',
	 * 'D'), then once 'O' (up) or 'F' (failed); NULL: progress_fd. */
	void (*progress_line)(void *arg, char kind, const char *text);
	void *progress_arg;
	bool bringing_up;
	struct bootsched boot;		/* how many kernels boot at once during bring-up */
	bool boot_counted;		/* a bring-up large enough to say booted/booting/waiting */
	unsigned char *boot_step;	/* per instance: 0 waiting, 1 booting (scheduled), 2 booted */
	bool stopping;
	bool finished;			/* everything stopped and cleaned up */
	int exit_code;
};

/* Where bring-up progress goes: a pipe to `umllab up` (fd, closed once the
 * lab is up or has failed), or, for `up --foreground`, a function called
 * with each line (line != NULL: fd is then unused). */
struct supervisor_progress {
	int fd;
	void (*line)(void *arg, char kind, const char *text);
	void *arg;
};

/* How the supervisor's process ends (`up --foreground` exits with it). */
#define SUPERVISOR_EXIT_DOWN 0		/* the lab was up; `down` or a signal ended it */
#define SUPERVISOR_EXIT_FAILED 1	/* the lab failed to come up */
#define SUPERVISOR_EXIT_STOPPED 3	/* `down` or a signal came before it was up */

/* Run the supervisor of lab in this process (daemonized, or the foreground
 * process of `up --foreground`): prepare the image, start the switches and
 * instances, report progress, then serve the control socket until `down`
 * or SIGTERM/SIGINT. Returns one of SUPERVISOR_EXIT_*. */
int supervisor_main(struct lab *lab, const char *lab_dir, const struct supervisor_progress *p);

/* Progress lines on the pipe to `umllab up`: "P text" (progress), "E text"
 * (an error line), "D text" (detail under an error, such as console lines),
 * then "OK" or "FAIL" last. */
#define PROGRESS_LINE_MAX 4096

/* The instance called name, or NULL. */
struct instance *supervisor_instance(struct supervisor *sup, const char *name);

/* Halt every instance; once all are down, stop the switches, remove the
 * lab's sockets and leave the loop (answering every `down`). */
void supervisor_stop_all(struct supervisor *sup);

/* The lab's status as text or JSON (malloc'd). */
char *status_render(const struct supervisor *sup, bool json);

#endif
