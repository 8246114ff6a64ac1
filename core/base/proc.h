/* core/base/proc.h: finding and stopping every host process of a UML kernel, and what the host's scheduler says of one.
 *
 * A UML kernel is several host processes, and some of them (its userspace
 * processes) run in sessions of their own and outlive the main process
 * when it is killed. They all carry the kernel's command line, so they are
 * found by theirs: `uml_dir=DIR` and `umid=NAME` together name one kernel. */
#ifndef UMLLAB_PROC_H
#define UMLLAB_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Send sig to every process of ours whose command line holds both
 * `uml_dir=uml_dir` and `umid=umid` (any umid when NULL). Returns how many
 * there were. */
int proc_signal_uml(const char *uml_dir, const char *umid, int sig);

/* How many such processes run now (zombies do not count). */
int proc_count_uml(const char *uml_dir, const char *umid);

/* The same, among the children of parent only (of any of its threads), and
 * without those skip() names (NULL: none): a kernel's own processes are its
 * main process's children, and once it is gone they are the supervisor's
 * (a child subreaper). A scan of all of /proc per kernel made `down` of
 * 500 instances quadratic: each scan read every kernel's command line.
 * sig 0 counts (zombies do not count). */
int proc_signal_uml_children(pid_t parent, const char *uml_dir, const char *umid, int sig,
    bool (*skip)(pid_t pid, void *arg), void *arg);

/* True when pid runs and is not a zombie. */
bool proc_alive(pid_t pid);

/* What the host's scheduler says of a process and of its children (a UML
 * kernel's userspace processes and helpers are children of its main
 * process, and its guest's programs run in them). */
struct proc_sched {
	bool ok;		/* false: pid could not be read (gone) */
	char state;		/* the process's own state: R, S, D, T, t, Z ... */
	bool any_disk;		/* it or a child waits in D (uninterruptible) */
	uint64_t run_ns;	/* CPU time of all of them (schedstat) */
	uint64_t wait_ns;	/* time they were runnable but waited for a CPU */
};

/* Sample pid and its children from /proc (a dozen small reads: for the
 * rare moment a kernel is late, not for every probe). */
void proc_sched_sample(pid_t pid, struct proc_sched *out);

#endif
