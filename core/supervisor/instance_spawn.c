/* core/supervisor/instance_spawn.c: the linux.uml process of an instance: its command line,
 * starting it (pty, notify socket, confinement wrapper, mconsole session), hearing
 * from it (notifications, its exit) and killing it. The state machine is in instance.c. */
#include "core/supervisor/instance_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/supervisor/console.h"
#include "core/supervisor/guest.h"
#include "core/storage/kernel_line.h"
#include "core/storage/labimage.h"
#include "core/base/log.h"
#include "core/base/proc.h"
#include "core/base/state.h"
#include "core/base/util.h"
#include "mconsole/mconsole.h"
#include "mconsole/session.h"
#include "watchdog/watchdog.h"

/* ---- the kernel command line (core/storage/kernel_line.c builds it) ---- */

char **instance_argv(const struct instance *inst)
{
	const struct instance_env *e = inst->env;
	const struct lab_image *img = &e->lab->images[inst->cfg->image];
	char *initrd = xasprintf("%s" IMAGE_INITRD_SUFFIX, img->backing);
	struct kernel_line_where w = { .kernel = e->kernel, .lab_dir = e->lab_dir,
		.disk_dir = inst->disk_dir, .backing = img->backing, .initrd = access(initrd, R_OK) == 0 };
	free(initrd);
	const struct lab_iface **ifaces = xcalloc(inst->n_ifaces + 1, sizeof(*ifaces));
	for (size_t i = 0; i < inst->n_ifaces; i++)
		ifaces[i] = &inst->ifaces[i].cfg;
	char **argv = kernel_line_argv(&w, e->lab, inst->cfg, ifaces, inst->n_ifaces);
	free(ifaces);
	return argv;
}

char *instance_vector_arg(const char *lab_dir, const char *instance, const struct lab_iface *f)
{
	return kernel_line_vector_arg(lab_dir, instance, f);
}

void instance_argv_free(char **argv)
{
	kernel_line_free(argv);
}

/* ---- process and sockets ---- */

static char *wait_status_text(int status)
{
	if (WIFEXITED(status))
		return xasprintf("linux.uml exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return xasprintf("linux.uml was killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	return xasprintf("linux.uml ended with wait status %#x", status);
}

void instance_close_io(struct instance *inst)
{
	struct ev_loop *loop = inst->env->loop;
	ev_timer_stop(loop, &inst->timer);
	if (inst->guest != NULL) {
		/* Detach first: a failed request's callback must not start another. */
		guest_attach(inst->guest, NULL);
		guest_fail_all(inst->guest, "the instance's kernel stopped");
	}
	inst->startup_id = 0;
	watchdog_probe_stop(inst->probe);
	inst->probe = NULL;
	mconsole_session_free(inst->mc);
	inst->mc = NULL;
	if (inst->notify_fd >= 0) {
		ev_io_stop(loop, &inst->notify_w);
		close(inst->notify_fd);
		inst->notify_fd = -1;
		unlink(inst->notify_path);
	}
}

/* Kill every host process of this instance's kernel: its main process
 * leads a process group, but its userspace processes run in sessions of
 * their own and are found by their command line (core/base/proc.h). */
/* Another instance's kernel, running: never a leftover of this one. */
static bool instance_other_kernel(pid_t pid, void *arg)
{
	const struct instance *inst = arg;
	return inst->env->is_kernel != NULL && inst->env->is_kernel(pid, inst->env->arg);
}

/* The kernel's processes are its main process's children (its guest's
 * programs, its helpers), and the supervisor's once the main process is
 * gone: looking there, not through all of /proc, keeps a lab's `down`
 * linear in its size. */
void instance_kill(struct instance *inst)
{
	char *uml_dir = state_path(inst->env->lab_dir, STATE_UML_DIR);
	if (inst->pid > 0) {
		proc_signal_uml_children(inst->pid, uml_dir, inst->cfg->name, SIGKILL, NULL, NULL);
		if (killpg(inst->pid, SIGKILL) != 0 && errno != ESRCH)
			log_warn("%s: kill process group %d", inst->cfg->name, (int)inst->pid);
	}
	proc_signal_uml_children(getpid(), uml_dir, inst->cfg->name, SIGKILL, instance_other_kernel, inst);
	free(uml_dir);
}

/* After the main process exited: nothing of the kernel may survive it, or
 * its leftovers would hold the disk and a switch port of the next boot.
 * They are the supervisor's children now. SIGKILL is quick; the wait is
 * bounded all the same. */
static void instance_kill_leftovers(struct instance *inst)
{
	char *uml_dir = state_path(inst->env->lab_dir, STATE_UML_DIR);
	uint64_t until = clock_ms() + 2000;
	while (proc_signal_uml_children(getpid(), uml_dir, inst->cfg->name, SIGKILL, instance_other_kernel,
	    inst) > 0 && proc_signal_uml_children(getpid(), uml_dir, inst->cfg->name, 0, instance_other_kernel,
	    inst) > 0 && clock_ms() < until) {
		sleep_ms(5);
	}
	free(uml_dir);
}

static void instance_drain_notify(struct instance *inst);

/* uml_dir/NAME: the kernel's pid file and mconsole socket, which its halt removes. */
static void instance_remove_umid_dir(const struct instance *inst)
{
	const char *files[] = { "pid", "mconsole" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = xasprintf("%s/%s", inst->umid_dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(inst->umid_dir);
}

static void instance_on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	struct instance *inst = w->data;
	ev_child_stop(loop, w);
	inst->last_exit = w->rstatus;
	/* A dying kernel's last words (its panic) may still wait in the notify
	 * socket: read them before the exit is judged. */
	if (inst->notify_fd >= 0)
		instance_drain_notify(inst);
	if (killpg(inst->pid, SIGKILL) != 0 && errno != ESRCH)
		log_warn("%s: kill process group %d", inst->cfg->name, (int)inst->pid);
	inst->pid = 0;
	instance_kill_leftovers(inst);
	/* Stopped on purpose (stop_now): say so, and remove what UML's own halt would have. */
	bool stopped = inst->stop_killed && WIFSIGNALED(w->rstatus) && WTERMSIG(w->rstatus) == SIGKILL;
	/* What the log says of the disks is what the guest's sync answered, nothing more. */
	const char *how = inst->stop_synced ? "stopped (its guest synced its disks)" :
	    "stopped (its disks were not synced: no guest agent, or its sync failed or came late)";
	inst->stop_killed = inst->stop_synced = false;
	if (stopped)
		instance_remove_umid_dir(inst);
	char *why = stopped ? xstrdup(how) : wait_status_text(w->rstatus);
	log_info("%s: %s", inst->cfg->name, why);
	console_close_pty(inst->console);
	console_note(inst->console, "%s: %s", inst->cfg->name, why);
	instance_handle_detail(inst, INSTANCE_EV_EXITED, why);
	free(why);
}

static void instance_on_notify(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	instance_drain_notify(w->data);
}

static void instance_drain_notify(struct instance *inst)
{
	char buf[MCONSOLE_NOTIFY_SIZE];
	/* Bounded: one batch per wakeup so a chatty guest cannot starve the loop. */
	for (int i = 0; i < 64 && inst->notify_fd >= 0; i++) {
		ssize_t n = recv(inst->notify_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			return;
		struct mconsole_notify msg;
		if (mconsole_notify_decode(buf, (size_t)n, &msg) != 0) {
			log_limited(&inst->rl_notify, LOG_LEVEL_WARN, inst->cfg->name,
			    "%s: malformed mconsole notification ignored", inst->cfg->name);
			continue;
		}
		switch (msg.type) {
		case MCONSOLE_NOTIFY_SOCKET:
			log_debug("%s: kernel up, mconsole at %s", inst->cfg->name, msg.data);
			break;
		case MCONSOLE_NOTIFY_PANIC: {
			char *why = xasprintf("kernel panic: %s", msg.data);
			log_info("%s: %s", inst->cfg->name, why);
			inst->fault = WATCHDOG_FAULT_PANIC;
			instance_handle_detail(inst, INSTANCE_EV_FAULT, why);
			free(why);
			break;
		}
		case MCONSOLE_NOTIFY_HANG:
			inst->fault = WATCHDOG_FAULT_HANG;
			instance_handle_detail(inst, INSTANCE_EV_FAULT,
			    "hung: the guest's watchdog (harddog) stopped being petted");
			break;
		case MCONSOLE_NOTIFY_USER: {
			const char *text = NULL;
			size_t text_len = 0;
			switch (guest_on_notify(inst->guest, msg.data, msg.len, &text, &text_len)) {
			case GUEST_EVENT_READY:
				instance_handle(inst, INSTANCE_EV_AGENT_READY);
				break;
			case GUEST_EVENT_FAIL: {
				char *why = xasprintf("the guest could not configure itself: %.*s",
				    (int)text_len, text);
				inst->fault = WATCHDOG_FAULT_BOOT;
				instance_handle_detail(inst, INSTANCE_EV_FAULT, why);
				free(why);
				break;
			}
			case GUEST_EVENT_NET:
				if (guest_net_feed(&inst->net, text, text_len, clock_ms()) < 0)
					log_limited(&inst->rl_notify, LOG_LEVEL_WARN, inst->cfg->name,
					    "%s: a malformed network snapshot from the guest ignored",
					    inst->cfg->name);
				break;
			case GUEST_EVENT_NONE:
				break;
			}
			break;
		}
		default:
			log_limited(&inst->rl_unknown, LOG_LEVEL_DEBUG, inst->cfg->name,
			    "%s: notification of unknown type %u", inst->cfg->name, msg.type);
		}
	}
}

int instance_spawn(struct instance *inst, char **cause)
{
	const struct instance_env *e = inst->env;
	int slave = -1;
	guest_net_reset(&inst->net);	/* a new boot says its network anew */
	inst->notify_fd = mconsole_notify_open(inst->notify_path, cause);
	if (inst->notify_fd < 0)
		return -1;
	ev_io_init(&inst->notify_w, instance_on_notify, inst->notify_fd, EV_READ);
	inst->notify_w.data = inst;
	ev_io_start(e->loop, &inst->notify_w);
	if (console_open_pty(inst->console, &slave, cause) != 0)
		goto fail;

	char **argv = instance_argv(inst);
	/* UML would exit at once ("add_arg: Too many command line arguments!"); `validate`
	 * and `up` measured it already, but a live plug may have added interfaces since. */
	char *too_long = kernel_line_judge(e->lab, inst->cfg, e->lab_dir, argv);
	if (too_long != NULL) {
		set_cause(cause, "%s", too_long);
		free(too_long);
		instance_argv_free(argv);
		close(slave);
		goto fail;
	}
	char *line = xstrdup("");
	for (char **p = argv; *p != NULL; p++) {
		char *next = xasprintf("%s%s%s", line, line[0] ? " " : "", *p);
		free(line);
		line = next;
	}
	console_note(inst->console, "starting %s", line);
	log_debug("%s: %s", inst->cfg->name, line);
	free(line);
	pid_t pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here: the supervisor has threads.
		 * The console pseudo-terminal is the kernel's stdin, stdout and
		 * stderr (con0=fd:0,fd:1), so host-side errors reach the log too. */
		setsid();
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		execv(argv[0], argv);
		static const char msg[] = "umllab: cannot execute the UML kernel\r\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		_exit(127);
	}
	int fork_errno = errno;
	instance_argv_free(argv);
	close(slave);
	if (pid < 0) {
		set_cause(cause, "cannot fork for %s: %s", inst->cfg->name, strerror(fork_errno));
		goto fail;
	}
	inst->pid = pid;
	inst->started_ms = clock_ms();
	inst->ready_ms = 0;
	inst->agent_ready = false;
	ev_child_init(&inst->child_w, instance_on_child, pid, 0);
	inst->child_w.data = inst;
	ev_child_start(e->loop, &inst->child_w);

	/* The sessions' own sockets sit in the lab's private directory:
	 * an abstract name would be open to every local user. */
	char *mc_path = state_path(e->lab_dir, "%s.mc", inst->cfg->name);
	inst->mc = mconsole_session_new(e->loop, inst->mconsole_path, mc_path, cause);
	free(mc_path);
	if (inst->mc == NULL) {
		instance_kill(inst);
		return -1;	/* the child watcher reports the exit */
	}
	guest_attach(inst->guest, inst->mc);
	inst->boot_bytes = console_output_bytes(inst->console);
	inst->boot_progress_ms = inst->started_ms;
	ev_timer_set(&inst->timer, e->boot_timeout_ms / 1000.0 / BOOT_CHECKS, 0.);
	ev_timer_start(e->loop, &inst->timer);
	log_info("%s: started, pid %d", inst->cfg->name, (int)pid);
	return 0;
fail:
	console_close_pty(inst->console);
	instance_close_io(inst);
	return -1;
}
