/* core/base/state.h: where a lab's sockets, logs and disks live on the host.
 *
 * Root: $UMLLAB_STATE_DIR, else $XDG_RUNTIME_DIR/umllab, else /tmp/umllab-$UID
 * (or $HOME/.umllab-run when another user took that name first);
 * one private (0700) directory per lab below it. Disks, which must survive
 * a reboot, have a root of their own (state_disk_root). Every path of a lab is
 * derived from that directory and a name, never stored twice. */
#ifndef UMLLAB_STATE_H
#define UMLLAB_STATE_H

#include <stdbool.h>
#include <sys/types.h>

/* The state root, created 0700 if missing. Refuses a root that is not a
 * directory owned by us, or that others can write. */
char *state_root(char **cause);

/* ROOT/LAB, created 0700 if create is set. */
char *state_lab_dir(const char *root, const char *lab, bool create, char **cause);

/* Where the instances' disks (students' work) live, apart from the runtime
 * state that goes at reboot: $UMLLAB_STATE_DIR/.disks when that is set (one
 * tree for everything, as tests want), else $XDG_STATE_HOME/umllab, else
 * ~/.local/state/umllab. Created 0700 (parents too) if create is set. */
char *state_disk_root(bool create, char **cause);

/* DISK_ROOT/LAB, created 0700 if create is set. */
char *state_disk_dir(const char *lab, bool create, char **cause);

/* Remove the lab's recorded captures (`down --wipe`); their number, or -1
 * with *cause. */
int state_wipe_captures(const char *lab_dir, char **cause);

/* A path inside a lab directory: state_path(dir, "%s.notify", "umlA"). */
char *state_path(const char *lab_dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fixed names inside a lab directory. */
#define STATE_CONTROL "control"		/* the supervisor's control socket */
#define STATE_LOCK "lock"		/* flock()ed by the supervisor while it lives */
#define STATE_PIDFILE "supervisor.pid"
#define STATE_LOG "supervisor.log"
#define STATE_LABFILE "labfile"		/* absolute path of the topology file */
#define STATE_UML_DIR "uml"		/* uml_dir=; UML writes uml/NAME/{pid,mconsole} */
#define STATE_HOSTFS "hostfs"		/* the empty directory hostfs= confines guests to */
#define STATE_CAPTURES "captures"	/* the topology's `capture:` files */
#define STATE_FAILED "failed"		/* why the last `up` failed (removed by a good `up` and by `down`) */
#define STATE_CABLES "cables"		/* cables/INSTANCE.IFACE: the switch socket a kernel's interface connects to */

/* The cable of an instance's interface: its name ("umlA.eth0", used by the
 * switch, capture and link) and its socket's path in the lab directory. */
char *state_cable_name(const char *instance, const char *iface);
char *state_cable_path(const char *lab_dir, const char *instance, const char *iface);

/* Names of the running labs under root (a supervisor answers on its control
 * socket), sorted. Returns their number; *names is a malloc'd array. */
size_t state_running_labs(const char *root, char ***names);

/* Labs that run, and with orphaned_too also those whose supervisor died
 * while their kernels may still run (see state_lab_orphaned) and those
 * whose `up` failed (state_lab_failure). */
size_t state_labs(const char *root, bool orphaned_too, char ***names);

/* True when no supervisor answers, yet the lab left a pid file or UML
 * directories behind: its supervisor died (kill -9, a crash). */
bool state_lab_orphaned(const char *lab_dir);

/* Why the lab's last `up` failed (its first line), when no supervisor runs
 * and the failure was recorded; else NULL. Malloc'd. */
char *state_lab_failure(const char *lab_dir);

/* The lab names under root (directories where `up` has run) within two
 * edits of name or sharing a prefix of 3 with it, comma-separated; NULL if
 * none. For "did you mean ...?". */
char *state_labs_like(const char *root, const char *name);

/* True when the lab directory has a live supervisor on its control socket. */
bool state_lab_running(const char *lab_dir);

/* The supervisor's pid from its pid file, or -1. */
pid_t state_supervisor_pid(const char *lab_dir);

void state_names_free(char **names, size_t n);

#endif
