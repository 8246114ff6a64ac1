/* core/instance.h: one UML instance of a lab: its process, its state machine, its guest.
 *
 * Every change of state goes through one table (state x event -> next state,
 * action), so supervision, restarts and live changes add rows, not special
 * cases. The supervisor owns the instances and hears of each change. */
#ifndef UMLLAB_INSTANCE_H
#define UMLLAB_INSTANCE_H

#include <ev.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/topology.h"

enum instance_state {
	INSTANCE_STOPPED,	/* not started, or halted on request */
	INSTANCE_BOOTING,	/* linux.uml runs; waiting for the guest agent */
	INSTANCE_CONFIGURING,	/* network up; running the startup commands */
	INSTANCE_RUNNING,	/* ready for exec, ping, ... */
	INSTANCE_STOPPING,	/* halt sent; killed if it does not exit in time */
	INSTANCE_FAILED,	/* died or never came up; see cause */
};

enum instance_event {
	INSTANCE_EV_START,
	INSTANCE_EV_SPAWN_FAILED,
	INSTANCE_EV_AGENT_READY,
	INSTANCE_EV_STARTUP_DONE,
	INSTANCE_EV_GUEST_FAIL,
	INSTANCE_EV_PANIC,
	INSTANCE_EV_EXITED,
	INSTANCE_EV_TIMEOUT,
	INSTANCE_EV_STOP,
};

struct instance;
struct guest;
struct mconsole_session;

/* What the supervisor provides to every instance of a lab. */
struct instance_env {
	struct ev_loop *loop;
	const struct lab *lab;
	const char *lab_dir;
	const char *kernel;		/* path of linux.uml */
	const char *backing;		/* read-only root image */
	char **switch_ctl;		/* control socket of lab->switches[i] */
	unsigned boot_timeout_ms;
	unsigned stop_grace_ms;
	void (*on_change)(struct instance *inst, void *arg);
	void *arg;
};

struct instance {
	const struct lab_instance *cfg;
	const struct instance_env *env;
	enum instance_state state;
	pid_t pid;			/* of the UML main process, 0 when none */
	uint64_t started_ms;		/* clock_ms() at spawn */
	uint64_t ready_ms;		/* clock_ms() when it reached RUNNING */
	char *cause;			/* why it failed or stopped, or NULL */
	int last_exit;			/* wait status of the last exit */

	char *notify_path, *mconsole_path, *cow_path, *log_path, *umid_dir;
	int notify_fd;
	ev_io notify_w;
	ev_child child_w;
	ev_timer timer;
	struct mconsole_session *mc;
	struct guest *guest;
	size_t startup_next;		/* index of the next startup command */
	unsigned startup_id;		/* guest request running it, or 0 */
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

/* The full argv of linux.uml for this instance (NULL-terminated, malloc'd). */
char **instance_argv(const struct instance *inst);
void instance_argv_free(char **argv);

/* Up to max_lines last lines of the instance's console log, for error messages. */
char *instance_log_tail(const struct instance *inst, int max_lines);

#endif
