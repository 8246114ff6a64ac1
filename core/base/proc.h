/* core/base/proc.h: finding and stopping every host process of a UML kernel.
 *
 * A UML kernel is several host processes, and some of them (its userspace
 * processes) run in sessions of their own and outlive the main process
 * when it is killed. They all carry the kernel's command line, so they are
 * found by theirs: `uml_dir=DIR` and `umid=NAME` together name one kernel. */
#ifndef UMLLAB_PROC_H
#define UMLLAB_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Send sig to every process of ours whose command line holds both
 * `uml_dir=uml_dir` and `umid=umid` (any umid when NULL). Returns how many
 * there were. */
int proc_signal_uml(const char *uml_dir, const char *umid, int sig);

/* How many such processes run now (zombies do not count). */
int proc_count_uml(const char *uml_dir, const char *umid);

/* True when pid runs and is not a zombie. */
bool proc_alive(pid_t pid);

#endif
