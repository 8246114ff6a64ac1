/* core/supervisor/instance.h: one UML instance of a lab: its process, its state machine, its guest.
 *
 * Every change of state goes through one table (state x event -> next state,
 * action), so supervision, restarts and live changes add rows, not special
 * cases. The supervisor owns the instances and hears of each change. */
#ifndef UMLLAB_INSTANCE_H
#define UMLLAB_INSTANCE_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/base/log.h"
#include "core/base/util.h"
#include "core/lab/topology.h"
#include "core/supervisor/guest_net.h"
#include "watchdog/watchdog.h"

enum instance_state {
	INSTANCE_STOPPED,	/* not started, or halted on request */
	INSTANCE_STARTING,	/* linux.uml runs; waiting for the guest agent */
	INSTANCE_CONFIGURING,	/* network up; running the startup commands */
	INSTANCE_RUNNING,	/* ready for exec, ping, ...; watched by the probe */
	INSTANCE_RESTARTING,	/* crashed or hung: being killed, or waiting to restart */
	INSTANCE_STOPPING,	/* halt sent; killed if it does not exit in time */
	INSTANCE_FAILED,	/* died and will not come back by itself; see cause */
};

enum instance_event {
	INSTANCE_EV_START,		/* `up` or `umllab start` */
	INSTANCE_EV_RESTART,		/* `umllab restart`: halt, then start */
	INSTANCE_EV_STOP,		/* `down` or `umllab stop` */
	INSTANCE_EV_AGENT_READY,	/* the guest's network is configured */
	INSTANCE_EV_STARTUP_DONE,	/* its startup commands have run */
	INSTANCE_EV_FAULT,		/* panic, hang, or the guest could not configure itself */
	INSTANCE_EV_EXITED,		/* the UML process ended */
	INSTANCE_EV_TIMEOUT,		/* boot limit, halt grace, or restart back-off */
	INSTANCE_EV_GIVE_UP,		/* internal: no restart after this exit */
	INSTANCE_EV_HALTED,		/* internal: stopped cleanly, nothing to restart */
};

struct instance;
struct console;
struct guest;
struct mconsole_session;
struct watchdog_probe;
struct watchdog_probes;

/* What the supervisor provides to every instance of a lab. */
struct instance_env {
	struct ev_loop *loop;
	struct watchdog_probes *probes;	/* the lab's liveness probes, one timer for all */
	const struct lab *lab;
	const char *lab_dir;
	const char *kernel;		/* path of linux.uml */
	const char *backing;		/* read-only root image */
	unsigned boot_timeout_ms;
	bool supervising;		/* the lab is up: restart what fails */
	unsigned stop_grace_ms;
	/* Every instance of the lab, for the `sync`s before a stop: at most syncs_max guests
	 * sync at once (down of 500 had 500 at once, on a few cores each too slow to finish);
	 * the others wait their turn, in this order, for at most sync_wait_ms. */
	struct instance *all;
	size_t n_all;
	unsigned syncs_max;
	unsigned sync_wait_ms;
	void (*on_change)(struct instance *inst, void *arg);
	/* True when pid is the main process of a running kernel of the lab. */
	bool (*is_kernel)(pid_t pid, void *arg);
	void *arg;
};

/* An interface as the instance has it now: from the file, or plugged live. */
struct instance_iface {
	struct lab_iface cfg;
	bool plugged_live;	/* added by `umllab plug`; gone at the next `up` */
	bool link_down;		/* `umllab link ... down`: the cable is out */
};

struct instance {
	const struct lab_instance *cfg;
	struct instance_iface *ifaces;	/* the live wiring, sorted by index */
	size_t n_ifaces;
	const struct instance_env *env;
	enum instance_state state;
	pid_t pid;			/* of the UML main process, 0 when none */
	uint64_t started_ms;		/* clock_ms() at spawn */
	uint64_t ready_ms;		/* clock_ms() when it reached RUNNING */
	char *cause;			/* why it last failed, or NULL */
	int last_exit;			/* wait status of the last exit */
	enum watchdog_fault fault;	/* kind of the last failure */
	bool fault_pending;		/* killed for a fault; its exit is expected */
	bool restart_requested;		/* `umllab restart`: start again once halted */
	unsigned restarts;		/* restarts by the watchdog this session */
	unsigned attempt;		/* restarts since the last stable run */
	unsigned boot_retries;		/* boots tried again during `up` */
	uint64_t boot_bytes;		/* console output seen at the last look during boot */
	uint64_t boot_progress_ms;	/* when the boot last printed something */
	struct watchdog_limiter limiter;

	char *notify_path, *mconsole_path, *cow_path, *log_path, *umid_dir;
	char *disk_dir;			/* where its disks live (state_disk_dir) */
	int notify_fd;
	ev_io notify_w;
	ev_child child_w;
	ev_timer timer;
	struct mconsole_session *mc;
	struct guest *guest;
	struct console *console;	/* pty, log file, attached clients */
	struct watchdog_probe *probe;	/* liveness probe while running */
	size_t startup_next;		/* index of the next startup command */
	unsigned startup_id;		/* guest request running it, or 0 */
	struct strbuf startup_out;	/* the last output of the startup command running */
	char *startup_error;		/* this boot's startup commands that failed, or NULL */
	char *startup_output;		/* ... and the last lines of the first one's output */
	unsigned sync_id;		/* the `sync` before a stop, or 0 */
	bool sync_waiting;		/* stopping: its `sync` waits for a turn (env->syncs_max) */
	bool stop_killed;		/* stopping: its kernel killed on purpose (stop_now) */
	bool stop_synced;		/* ... after its guest's `sync` answered 0 */
	bool agent_ready;		/* this boot's guest agent has said ready */
	struct guest_net_rx net;	/* what the guest says of its addresses and routes */
	/* Log lines the guest can repeat at will, each kind rate-limited. */
	struct log_ratelimit rl_notify, rl_unknown, rl_event;
};

void instance_init(struct instance *inst, const struct lab_instance *cfg,
    const struct instance_env *env);
void instance_release(struct instance *inst);	/* kill if running, free everything */

/* Feed an event to the state machine; detail says why (a cause), or NULL. */
void instance_handle(struct instance *inst, enum instance_event ev);
void instance_handle_detail(struct instance *inst, enum instance_event ev, const char *detail);

const char *instance_state_name(enum instance_state s);

/* True while the instance is alive and its agent can run commands. */
int instance_can_exec(const struct instance *inst);

/* The full argv of linux.uml for this instance (NULL-terminated, malloc'd): its live
 * wiring through core/storage/kernel_line.c, the builder `validate` measures with. */
char **instance_argv(const struct instance *inst);
void instance_argv_free(char **argv);

/* `vecN:transport=bess,dst=CABLE,mac=MAC` for interface f (ethN) of an
 * instance: its kernel parameter, and the mconsole `config` of `plug`. */
char *instance_vector_arg(const char *lab_dir, const char *instance, const struct lab_iface *f);

/* The live interface called name (eth0 ...), or NULL. */
struct instance_iface *instance_iface_find(struct instance *inst, const char *name);

/* Add (sorted by index) or remove an interface of the live wiring. */
struct instance_iface *instance_iface_add(struct instance *inst, const struct lab_iface *cfg);
void instance_iface_remove(struct instance *inst, const char *name);

/* Up to max_lines last lines of the instance's console log, for error messages. */
char *instance_log_tail(const struct instance *inst, int max_lines);

#endif
