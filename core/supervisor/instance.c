/* core/supervisor/instance.c: one instance's state machine (instance_table[]), its actions,
 * startup commands and boot limit; the linux.uml process itself is in instance_spawn.c. */
#include "core/supervisor/instance_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/supervisor/console.h"
#include "core/supervisor/guest.h"
#include "core/storage/labimage.h"
#include "core/base/log.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "mconsole/session.h"
#include "watchdog/watchdog.h"

/* Per startup command: a Kathara lab's DEV.startup that starts FRR took 5 s on a quiet
 * machine and over a minute on a busy one. */
#define STARTUP_TIMEOUT_MS 180000
#define STARTUP_OUT_KEEP 4096		/* bytes of a startup command's output kept for `up` */
#define STARTUP_OUT_LINES 12		/* ... of which `up` shows at most these last lines */
#define SYNC_TIMEOUT_MS 2000		/* the guest's `sync` before a stop */
#define LOG_MAX_BYTES (1U << 20)	/* console log; one older generation is kept */
#define RESTART_BURST 5			/* at most 5 restarts ... */
#define RESTART_WINDOW_MS 60000		/* ... a minute, then give up */
#define STABLE_RUN_MS 10000		/* a run this long resets the back-off */

const char *instance_state_name(enum instance_state s)
{
	switch (s) {
	case INSTANCE_STOPPED: return "stopped";
	case INSTANCE_STARTING: return "starting";
	case INSTANCE_RESTARTING: return "restarting";
	case INSTANCE_CONFIGURING: return "configuring";
	case INSTANCE_RUNNING: return "running";
	case INSTANCE_STOPPING: return "stopping";
	case INSTANCE_FAILED: return "failed";
	}
	return "unknown";
}

int instance_can_exec(const struct instance *inst)
{
	return inst->state == INSTANCE_CONFIGURING || inst->state == INSTANCE_RUNNING;
}

static void instance_set_cause(struct instance *inst, const char *cause)
{
	if (cause == NULL)
		return;
	free(inst->cause);
	inst->cause = xstrdup(cause);
}

char *instance_log_tail(const struct instance *inst, int max_lines)
{
	int fd = open(inst->log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xstrdup("");
	char buf[4096];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (n <= 0)
		return xstrdup("");
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	char *start = buf + n;
	for (int lines = 0; start > buf; start--) {
		if (start[-1] == '\n' && ++lines == max_lines)
			break;
	}
	return xstrdup(start);
}

/* ---- the boot limit (BOOT_CHECKS, BOOT_HARD_FACTOR: instance_int.h) ---- */

static bool instance_boot_progressing(struct instance *inst)
{
	const struct instance_env *e = inst->env;
	uint64_t now = clock_ms();
	uint64_t bytes = console_output_bytes(inst->console);
	if (bytes != inst->boot_bytes) {
		inst->boot_bytes = bytes;
		inst->boot_progress_ms = now;
	}
	return now - inst->boot_progress_ms < e->boot_timeout_ms &&
	    now - inst->started_ms < (uint64_t)e->boot_timeout_ms * BOOT_HARD_FACTOR;
}

static void instance_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct instance *inst = w->data;
	if ((inst->state == INSTANCE_STARTING || inst->state == INSTANCE_CONFIGURING) &&
	    inst->pid > 0 && instance_boot_progressing(inst)) {
		ev_timer_set(&inst->timer, inst->env->boot_timeout_ms / 1000.0 / BOOT_CHECKS, 0.);
		ev_timer_start(loop, &inst->timer);
		return;
	}
	instance_handle(inst, INSTANCE_EV_TIMEOUT);
}

/* ---- startup commands ---- */

static void startup_run_next(struct instance *inst);

static void startup_on_output(void *arg, const char *data, size_t len)
{
	struct instance *inst = arg;
	console_write(inst->console, data, len);
	/* Keep the end of it: a failure shows it on `up`'s screen. */
	struct strbuf *b = &inst->startup_out;
	if (len >= STARTUP_OUT_KEEP) {
		data += len - STARTUP_OUT_KEEP;
		len = STARTUP_OUT_KEEP;
	}
	if (b->len + len > STARTUP_OUT_KEEP) {
		size_t drop = b->len + len - STARTUP_OUT_KEEP;
		memmove(b->s, b->s + drop, b->len - drop);
		b->len -= drop;
	}
	strbuf_append(b, data, len);
}

/* The last lines of a failed startup command's output, for `up` and `status`. */
static char *startup_tail(struct strbuf *b)
{
	if (b->len == 0)
		return xstrdup("");
	size_t end = b->len;
	while (end > 0 && (b->s[end - 1] == '\n' || b->s[end - 1] == '\r'))
		end--;
	size_t start = end;
	for (int lines = 0; start > 0; start--)
		if (b->s[start - 1] == '\n' && ++lines == STARTUP_OUT_LINES)
			break;
	char *t = xstrndup(b->s + start, end - start);
	for (char *p = t; *p != '\0'; p++)	/* the guest decides what it prints */
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			*p = '?';
	return t;
}

static void startup_failed(struct instance *inst, const char *cmd, int status, const char *error)
{
	char *what = status < 0 ? xasprintf("startup command `%s` failed: %s", cmd, error) :
	    xasprintf("startup command `%s` exited with status %d", cmd, status);
	log_warnx("%s: %s", inst->cfg->name, what);
	if (inst->startup_error == NULL) {
		inst->startup_error = what;
		inst->startup_output = startup_tail(&inst->startup_out);
	} else {
		char *both = xasprintf("%s; %s", inst->startup_error, what);
		free(inst->startup_error);
		free(what);
		inst->startup_error = both;
	}
}

static void startup_on_done(void *arg, int status, const char *error)
{
	struct instance *inst = arg;
	const char *cmd = inst->cfg->startup[inst->startup_next];
	inst->startup_id = 0;
	if (inst->state != INSTANCE_CONFIGURING)
		return;	/* the kernel went away; its exit decides what follows */
	if (status != 0)
		startup_failed(inst, cmd, status, error);
	inst->startup_out.len = 0;
	inst->startup_next++;
	startup_run_next(inst);
}

static void startup_run_next(struct instance *inst)
{
	if (inst->startup_next >= inst->cfg->n_startup) {
		instance_handle(inst, INSTANCE_EV_STARTUP_DONE);
		return;
	}
	const char *cmd = inst->cfg->startup[inst->startup_next];
	console_note(inst->console, "startup: %s", cmd);
	inst->startup_id = guest_exec(inst->guest, cmd, STARTUP_TIMEOUT_MS, startup_on_output,
	    startup_on_done, inst);
	if (inst->startup_id == 0) {
		inst->fault = WATCHDOG_FAULT_BOOT;
		instance_handle_detail(inst, INSTANCE_EV_FAULT,
		    "the kernel went away before its startup commands ran");
	}
}

/* ---- the state machine ---- */

typedef void (*instance_action)(struct instance *inst, const char *detail);

static void act_none(struct instance *inst, const char *detail)
{
	(void)inst;
	(void)detail;
}

static void act_spawn(struct instance *inst, const char *detail)
{
	(void)detail;
	char *cause = NULL;
	inst->fault_pending = false;
	if (instance_spawn(inst, &cause) != 0) {
		instance_set_cause(inst, cause);
		instance_handle_detail(inst, INSTANCE_EV_GIVE_UP, cause);
		free(cause);
	}
}

/* A start asked for by the user: a fresh restart budget. */
static void act_start(struct instance *inst, const char *detail)
{
	watchdog_limiter_init(&inst->limiter, RESTART_BURST, RESTART_WINDOW_MS);
	inst->attempt = 0;
	free(inst->cause);
	inst->cause = NULL;
	act_spawn(inst, detail);
}

static void act_configure(struct instance *inst, const char *detail)
{
	(void)detail;
	inst->agent_ready = true;
	ev_timer_stop(inst->env->loop, &inst->timer);
	/* Cables pulled out (`umllab link ... down`) stay out across a restart. */
	for (size_t i = 0; i < inst->n_ifaces; i++)
		if (inst->ifaces[i].link_down)
			guest_link(inst->guest, inst->ifaces[i].cfg.name, false);
	inst->startup_next = 0;
	inst->startup_out.len = 0;
	free(inst->startup_error);
	free(inst->startup_output);
	inst->startup_error = inst->startup_output = NULL;
	startup_run_next(inst);
}

static void probe_on_hang(void *arg, uint64_t silent_ms, const char *blame)
{
	struct instance *inst = arg;
	/* act_fault stops and frees the probe: it does nothing more after this. */
	char *why = xasprintf("hung: no answer on its mconsole for %.1f s (%s)",
	    (double)silent_ms / 1000.0, blame);
	inst->fault = WATCHDOG_FAULT_HANG;
	instance_handle_detail(inst, INSTANCE_EV_FAULT, why);
	free(why);
}

static void act_running(struct instance *inst, const char *detail)
{
	(void)detail;
	char *cause = NULL;
	inst->ready_ms = clock_ms();
	log_info("%s: running (%.1f s after start)", inst->cfg->name,
	    (double)(inst->ready_ms - inst->started_ms) / 1000.0);
	char *probe_path = state_path(inst->env->lab_dir, "%s.probe", inst->cfg->name);
	inst->probe = watchdog_probe_start(inst->env->probes, inst->pid, inst->mconsole_path, probe_path,
	    probe_on_hang, inst, &cause);
	free(probe_path);
	if (inst->probe == NULL) {
		log_warnx("%s: no liveness probe: %s", inst->cfg->name, cause);
		free(cause);
	}
}

/* Something went wrong with a live kernel: remember why, then kill it; its
 * exit decides what comes next. The first fault's cause is the one kept. */
static void act_fault(struct instance *inst, const char *detail)
{
	if (!inst->fault_pending) {
		inst->fault_pending = true;
		instance_set_cause(inst, detail);
		log_warnx("%s: %s", inst->cfg->name, detail ? detail : "failed");
		console_note(inst->console, "%s: %s", inst->cfg->name, detail ? detail : "failed");
	}
	watchdog_probe_stop(inst->probe);
	inst->probe = NULL;
	/* The boot deadline no longer applies: the exit decides what follows. */
	ev_timer_stop(inst->env->loop, &inst->timer);
	instance_kill(inst);
}

static void act_boot_timeout(struct instance *inst, const char *detail)
{
	(void)detail;
	bool silent = clock_ms() - inst->boot_progress_ms >= inst->env->boot_timeout_ms;
	char *why = silent ? xasprintf("stopped making progress while booting: its console was "
	    "silent for %u s", inst->env->boot_timeout_ms / 1000) :
	    xasprintf("did not finish booting within %u s, although it kept printing",
	    inst->env->boot_timeout_ms / 1000 * BOOT_HARD_FACTOR);
	inst->fault = WATCHDOG_FAULT_BOOT;
	act_fault(inst, why);
	free(why);
}

static enum watchdog_fault fault_of_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0 ? WATCHDOG_FAULT_HALTED : WATCHDOG_FAULT_EXITED;
	return WATCHDOG_FAULT_KILLED;
}

static void restart_on_timer(struct instance *inst)
{
	inst->restarts++;
	console_note(inst->console, "restarting %s (restart %u; cause: %s)", inst->cfg->name,
	    inst->restarts, inst->cause ? inst->cause : "unknown");
	log_info("%s: restarting (restart %u)", inst->cfg->name, inst->restarts);
}

/* The kernel is gone while it should have run: restart it, or give up. */
static void act_exited(struct instance *inst, const char *detail)
{
	instance_close_io(inst);
	if (!inst->fault_pending) {
		inst->fault = fault_of_exit(inst->last_exit);
		instance_set_cause(inst, detail);
	}
	inst->fault_pending = false;
	const struct instance_env *e = inst->env;
	uint64_t now = clock_ms();
	if (!e->supervising) {
		/* During `up` a failure fails the lab, after one more try: the
		 * Debian kernel now and then fails to open its root disk at boot
		 * (ENOMEM, seen about once in 50 boots), and a second boot works. */
		if (inst->boot_retries++ == 0 && inst->ready_ms == 0) {
			log_warnx("%s: %s; booting it once more", inst->cfg->name,
			    inst->cause ? inst->cause : "boot failed");
			console_note(inst->console, "%s failed to boot; trying once more", inst->cfg->name);
			ev_timer_stop(e->loop, &inst->timer);
			ev_timer_set(&inst->timer, 0., 0.);
			ev_timer_start(e->loop, &inst->timer);
			return;
		}
		instance_handle_detail(inst, INSTANCE_EV_GIVE_UP, NULL);
		return;
	}
	if (!watchdog_should_restart(inst->cfg->restart, inst->fault)) {
		instance_handle_detail(inst, inst->fault == WATCHDOG_FAULT_HALTED ?
		    INSTANCE_EV_HALTED : INSTANCE_EV_GIVE_UP, NULL);
		return;
	}
	if (!watchdog_limiter_allow(&inst->limiter, now)) {
		char *why = xasprintf("gave up after %u restarts within %u s; last cause: %s",
		    RESTART_BURST, RESTART_WINDOW_MS / 1000, inst->cause ? inst->cause : "unknown");
		instance_set_cause(inst, why);
		log_warnx("%s: %s", inst->cfg->name, why);
		console_note(inst->console, "%s: %s", inst->cfg->name, why);
		free(why);
		instance_handle_detail(inst, INSTANCE_EV_GIVE_UP, NULL);
		return;
	}
	/* Back off only when it keeps dying soon after it came up. */
	bool stable = inst->ready_ms != 0 && now - inst->ready_ms >= STABLE_RUN_MS;
	inst->attempt = stable ? 1 : inst->attempt + 1;
	uint64_t delay = watchdog_backoff_ms(inst->attempt);
	ev_timer_stop(e->loop, &inst->timer);
	ev_timer_set(&inst->timer, delay / 1000.0, 0.);
	ev_timer_start(e->loop, &inst->timer);
}

static void act_respawn(struct instance *inst, const char *detail)
{
	if (inst->pid > 0)
		return;	/* the old kernel has not exited yet; its exit re-arms the timer */
	if (inst->env->supervising)
		restart_on_timer(inst);
	act_spawn(inst, detail);
}

/* The kernel ends by SIGKILL once its guest has synced its disks, not through UML's own
 * halt: mconsole `halt`, the guest's reboot(2) and Ctrl-Alt-Del all run UML's power-off path,
 * which about one time in twenty faults after its last steps (a stack dump walking off the
 * host's stack: "Segfault with no mm", then SIGABRT; docs/dev/NOTES.md). That path writes
 * nothing more to the disks than the sync has (it does not even wait for the disk thread's
 * last requests), so the kill loses nothing the halt kept. */
static void stop_now(struct instance *inst)
{
	if (inst->pid <= 0)
		return;
	inst->stop_killed = true;
	/* The kernel's own process group first: a kernel that outlives one of its guest's host
	 * processes panics ("PTRACE_SETREGS failed"). Then those, which run in sessions of
	 * their own. */
	if (killpg(inst->pid, SIGKILL) != 0 && errno != ESRCH)
		log_warn("%s: kill process group %d", inst->cfg->name, (int)inst->pid);
	instance_kill(inst);
}

static void syncs_next(const struct instance_env *env);

/* The instance's timer, due in ms: during a stop, the grace that bounds it (act_kill)
 * or the wait for a turn to sync. */
static void stop_timer_arm(struct instance *inst, unsigned ms)
{
	ev_timer_stop(inst->env->loop, &inst->timer);
	ev_timer_set(&inst->timer, ms / 1000.0, 0.);
	ev_timer_start(inst->env->loop, &inst->timer);
}

static void stop_after_sync(void *arg, int status, const char *error)
{
	struct instance *inst = arg;
	if (status != 0 && inst->state == INSTANCE_STOPPING)
		log_warnx("%s: its guest's sync failed (%s); stopping it all the same",
		    inst->cfg->name, status < 0 ? error : "it exited non-zero");
	inst->sync_id = 0;
	if (inst->state == INSTANCE_STOPPING) {
		inst->stop_synced = status == 0;
		stop_now(inst);
	}
	syncs_next(inst->env);
}

/* Have the guest sync its disks (bounded by SYNC_TIMEOUT_MS), then stop the kernel; the
 * grace timer bounds the whole stop from here. */
static void sync_start(struct instance *inst)
{
	inst->sync_waiting = false;
	bool agent = inst->agent_ready && inst->mc != NULL;
	inst->sync_id = agent ? guest_exec(inst->guest, "sync", SYNC_TIMEOUT_MS, NULL,
	    stop_after_sync, inst) : 0;
	if (inst->sync_id == 0)
		stop_now(inst);
	stop_timer_arm(inst, inst->env->stop_grace_ms);
}

/* Guests syncing now. */
static unsigned syncs_running(const struct instance_env *env)
{
	unsigned n = 0;
	for (size_t i = 0; i < env->n_all; i++)
		n += env->all[i].sync_id != 0;
	return n;
}

/* Waiting syncs start while there is room, in the lab's order. */
static void syncs_next(const struct instance_env *env)
{
	unsigned running = syncs_running(env);
	for (size_t i = 0; i < env->n_all && running < env->syncs_max; i++) {
		struct instance *w = &env->all[i];
		if (!w->sync_waiting)
			continue;
		if (w->state != INSTANCE_STOPPING) {
			w->sync_waiting = false;
			continue;
		}
		sync_start(w);
		running += w->sync_id != 0;
	}
}

/* A stop: the guest's `sync` now, or once fewer than env->syncs_max run (the timer then
 * bounds the wait: act_kill), then its kernel killed. */
static void act_stop(struct instance *inst, const char *detail)
{
	(void)detail;
	bool agent = inst->agent_ready && inst->mc != NULL;
	ev_timer_stop(inst->env->loop, &inst->timer);
	watchdog_probe_stop(inst->probe);
	inst->probe = NULL;
	if (agent && inst->env->all != NULL && syncs_running(inst->env) >= inst->env->syncs_max) {
		inst->sync_waiting = true;
		stop_timer_arm(inst, inst->env->sync_wait_ms);
		return;
	}
	sync_start(inst);
}

static void act_restart_request(struct instance *inst, const char *detail)
{
	inst->restart_requested = true;
	act_stop(inst, detail);
}

static void act_kill(struct instance *inst, const char *detail)
{
	(void)detail;
	if (inst->sync_waiting) {
		/* Its turn to sync did not come within down's time limit. */
		log_warnx("%s: stopped without syncing its disks: its turn did not come within %u s "
		    "(syncs at once: %u)", inst->cfg->name, inst->env->sync_wait_ms / 1000,
		    inst->env->syncs_max);
		inst->sync_waiting = false;
		stop_now(inst);
		stop_timer_arm(inst, inst->env->stop_grace_ms);
		return;
	}
	log_info("%s: did not stop in time; killing it again", inst->cfg->name);
	instance_kill(inst);
}

/* Stopping while a fault's kill is under way, or a restart is pending. */
static void act_stop_restarting(struct instance *inst, const char *detail)
{
	(void)detail;
	ev_timer_stop(inst->env->loop, &inst->timer);
	if (inst->pid == 0)
		instance_handle_detail(inst, INSTANCE_EV_HALTED, NULL);
}

static void act_close(struct instance *inst, const char *detail)
{
	(void)detail;
	instance_close_io(inst);
	/* Same state, but its process is gone: the supervisor may be waiting. */
	if (inst->env->on_change != NULL)
		inst->env->on_change(inst, inst->env->arg);
}

/* A stop overrides a restart asked for earlier. */
static void act_cancel_restart(struct instance *inst, const char *detail)
{
	(void)detail;
	inst->restart_requested = false;
}

static void act_restart_when_stopped(struct instance *inst, const char *detail)
{
	(void)detail;
	inst->restart_requested = true;
}

/* A kernel still booting has no agent to sync its disks yet: kill it at once. */
static void act_kill_now(struct instance *inst, const char *detail)
{
	(void)detail;
	stop_now(inst);
	stop_timer_arm(inst, inst->env->stop_grace_ms);
}

/* `restart` while restarting: now, with a fresh budget (a kernel still
 * dying is restarted by its exit, as the fault would have had it). */
static void act_restart_now(struct instance *inst, const char *detail)
{
	(void)detail;
	watchdog_limiter_init(&inst->limiter, RESTART_BURST, RESTART_WINDOW_MS);
	inst->attempt = 0;
	if (inst->pid == 0) {
		ev_timer_stop(inst->env->loop, &inst->timer);
		ev_timer_set(&inst->timer, 0., 0.);
		ev_timer_start(inst->env->loop, &inst->timer);
	}
}

static void act_stopped(struct instance *inst, const char *detail)
{
	(void)detail;
	inst->sync_waiting = false;	/* its kernel ended while it waited to sync */
	instance_close_io(inst);
	inst->fault_pending = false;
	if (inst->restart_requested) {
		inst->restart_requested = false;
		instance_handle_detail(inst, INSTANCE_EV_START, NULL);
	}
}

#define S(x) (1u << INSTANCE_##x)
#define ALIVE (S(STARTING) | S(CONFIGURING) | S(RUNNING))

/* Every change of an instance's state, in one place. */
static const struct instance_transition {
	unsigned from;			/* mask of states */
	enum instance_event event;
	enum instance_state to;
	instance_action action;
} instance_table[] = {
	{ S(STOPPED) | S(FAILED), INSTANCE_EV_START, INSTANCE_STARTING, act_start },
	{ S(STOPPED) | S(FAILED), INSTANCE_EV_RESTART, INSTANCE_STARTING, act_start },
	{ S(STARTING), INSTANCE_EV_AGENT_READY, INSTANCE_CONFIGURING, act_configure },
	{ S(CONFIGURING), INSTANCE_EV_STARTUP_DONE, INSTANCE_RUNNING, act_running },
	{ ALIVE | S(RESTARTING), INSTANCE_EV_FAULT, INSTANCE_RESTARTING, act_fault },
	{ S(STARTING) | S(CONFIGURING), INSTANCE_EV_TIMEOUT, INSTANCE_RESTARTING, act_boot_timeout },
	{ ALIVE | S(RESTARTING), INSTANCE_EV_EXITED, INSTANCE_RESTARTING, act_exited },
	{ S(RESTARTING), INSTANCE_EV_TIMEOUT, INSTANCE_STARTING, act_respawn },
	{ S(RESTARTING) | S(STARTING), INSTANCE_EV_GIVE_UP, INSTANCE_FAILED, act_none },
	{ S(RESTARTING), INSTANCE_EV_HALTED, INSTANCE_STOPPED, act_none },
	{ S(STARTING), INSTANCE_EV_STOP, INSTANCE_STOPPING, act_kill_now },
	{ ALIVE, INSTANCE_EV_STOP, INSTANCE_STOPPING, act_stop },
	{ S(STOPPING), INSTANCE_EV_STOP, INSTANCE_STOPPING, act_cancel_restart },
	{ S(STOPPING), INSTANCE_EV_RESTART, INSTANCE_STOPPING, act_restart_when_stopped },
	{ S(RESTARTING), INSTANCE_EV_RESTART, INSTANCE_RESTARTING, act_restart_now },
	{ S(RESTARTING), INSTANCE_EV_STOP, INSTANCE_STOPPING, act_stop_restarting },
	{ S(STOPPING), INSTANCE_EV_HALTED, INSTANCE_STOPPED, act_none },
	{ ALIVE, INSTANCE_EV_RESTART, INSTANCE_STOPPING, act_restart_request },
	{ S(STOPPING), INSTANCE_EV_EXITED, INSTANCE_STOPPED, act_stopped },
	{ S(STOPPING), INSTANCE_EV_TIMEOUT, INSTANCE_STOPPING, act_kill },
	/* A kernel killed after its start failed half-way. */
	{ S(FAILED), INSTANCE_EV_EXITED, INSTANCE_FAILED, act_close },
};

void instance_handle_detail(struct instance *inst, enum instance_event ev, const char *detail)
{
	for (size_t i = 0; i < sizeof(instance_table) / sizeof(instance_table[0]); i++) {
		const struct instance_transition *t = &instance_table[i];
		if (t->event != ev || !(t->from & (1u << inst->state)))
			continue;
		enum instance_state before = inst->state;
		inst->state = t->to;
		t->action(inst, detail);
		/* An action may feed a further event (no startup commands: straight
		 * to running); that nested transition has told the supervisor. */
		if (inst->state == t->to && t->to != before) {
			log_debug("%s: %s -> %s", inst->cfg->name, instance_state_name(before),
			    instance_state_name(inst->state));
			if (inst->env->on_change != NULL)
				inst->env->on_change(inst, inst->env->arg);
		}
		return;
	}
	log_limited(&inst->rl_event, LOG_LEVEL_DEBUG, inst->cfg->name,
	    "%s: event %d ignored in state %s", inst->cfg->name, (int)ev,
	    instance_state_name(inst->state));
}

void instance_handle(struct instance *inst, enum instance_event ev)
{
	instance_handle_detail(inst, ev, NULL);
}

struct instance_iface *instance_iface_find(struct instance *inst, const char *name)
{
	for (size_t i = 0; i < inst->n_ifaces; i++)
		if (strcmp(inst->ifaces[i].cfg.name, name) == 0)
			return &inst->ifaces[i];
	return NULL;
}

struct instance_iface *instance_iface_add(struct instance *inst, const struct lab_iface *cfg)
{
	inst->ifaces = xreallocarray(inst->ifaces, inst->n_ifaces + 1, sizeof(*inst->ifaces));
	size_t at = inst->n_ifaces;
	while (at > 0 && inst->ifaces[at - 1].cfg.index > cfg->index)
		at--;
	memmove(&inst->ifaces[at + 1], &inst->ifaces[at],
	    (inst->n_ifaces - at) * sizeof(*inst->ifaces));
	inst->n_ifaces++;
	memset(&inst->ifaces[at], 0, sizeof(inst->ifaces[at]));
	inst->ifaces[at].cfg = *cfg;
	return &inst->ifaces[at];
}

void instance_iface_remove(struct instance *inst, const char *name)
{
	struct instance_iface *f = instance_iface_find(inst, name);
	if (f == NULL)
		return;
	size_t at = (size_t)(f - inst->ifaces);
	memmove(f, f + 1, (inst->n_ifaces - at - 1) * sizeof(*f));
	inst->n_ifaces--;
}

void instance_init(struct instance *inst, const struct lab_instance *cfg,
    const struct instance_env *env)
{
	memset(inst, 0, sizeof(*inst));
	inst->cfg = cfg;
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		instance_iface_add(inst, &cfg->ifaces[i]);
	inst->env = env;
	inst->state = INSTANCE_STOPPED;
	inst->notify_fd = -1;
	inst->notify_path = state_path(env->lab_dir, "%s.notify", cfg->name);
	/* Disks live apart from the runtime files (core/base/state.h); `up` made
	 * the directory, so only a vanished HOME leaves them beside the rest. */
	inst->disk_dir = state_disk_dir(env->lab->name, false, NULL);
	if (inst->disk_dir == NULL)
		inst->disk_dir = xstrdup(env->lab_dir);
	inst->cow_path = lab_disk_path(inst->disk_dir, env->lab, cfg);
	inst->log_path = state_path(env->lab_dir, "%s.log", cfg->name);
	inst->umid_dir = state_path(env->lab_dir, "%s/%s", STATE_UML_DIR, cfg->name);
	inst->mconsole_path = xasprintf("%s/mconsole", inst->umid_dir);
	inst->guest = guest_new(env->loop, cfg->name);
	/* A new lab session starts a new console log; restarts append to it. */
	int fd = open(inst->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	char *older = xasprintf("%s.1", inst->log_path);
	unlink(older);
	free(older);
	inst->console = console_new(env->loop, inst->log_path, LOG_MAX_BYTES);
	/* The disk (cow_path) is kept across restarts and lab sessions: `up`
	 * and `umllab confine` check it against the image, `down --wipe`
	 * removes it (core/storage/labimage.c). */
	watchdog_limiter_init(&inst->limiter, RESTART_BURST, RESTART_WINDOW_MS);
	ev_timer_init(&inst->timer, instance_on_timer, 0., 0.);
	inst->timer.data = inst;
}

void instance_release(struct instance *inst)
{
	if (inst->pid > 0) {
		instance_kill(inst);
		ev_child_stop(inst->env->loop, &inst->child_w);
		(void)waitpid(inst->pid, NULL, 0);
		inst->pid = 0;
	}
	instance_close_io(inst);
	console_free(inst->console);
	guest_free(inst->guest);
	free(inst->ifaces);
	free(inst->cause);
	free(inst->startup_out.s);
	guest_net_reset(&inst->net);
	free(inst->startup_error);
	free(inst->startup_output);
	free(inst->notify_path);
	free(inst->cow_path);
	free(inst->disk_dir);
	free(inst->log_path);
	free(inst->umid_dir);
	free(inst->mconsole_path);
	memset(inst, 0, sizeof(*inst));
	inst->notify_fd = -1;
}
