/* core/supervisor/run.h: running one lab's supervisor: prepare the image,
 * start the switches and instances, report progress, serve the control
 * socket, and take everything down. */
#ifndef UMLLAB_RUN_H
#define UMLLAB_RUN_H

#include "core/lab/topology.h"

struct supervisor;
struct supervisor_hooks;

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
int supervisor_main(struct lab *lab, const char *lab_dir, const struct supervisor_hooks *hooks,
    const struct supervisor_progress *p);

/* Progress lines on the pipe to `umllab up`: "P text" (progress), "E text"
 * (an error line), "D text" (detail under an error, such as console lines),
 * then "OK" or "FAIL" last. */
#define PROGRESS_LINE_MAX 4096

/* Halt every instance; once all are down, stop the switches, remove the
 * lab's sockets and leave the loop (answering every `down`). */
void supervisor_stop_all(struct supervisor *sup);

#endif
