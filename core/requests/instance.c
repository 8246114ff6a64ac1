/* core/requests/instance.c: acting on one instance: stop, start, restart, console, mconsole. */
#include <ev.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/supervisor/console.h"
#include "core/supervisor/instance.h"
#include "core/requests/request.h"
#include "core/base/state.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"
#include "mconsole/session.h"

#define MCONSOLE_REQUEST_TIMEOUT_MS 5000
/* How long a command that ends the kernel (`sysrq c`) may take to end it. */
#define MCONSOLE_END_TIMEOUT_S 15.
/* conn.wait_for of an mconsole command that ends the kernel: answer when
 * the kernel it was sent to has gone, whatever the instance does next. */
#define WAIT_KERNEL_END (-1)

static void mconsole_tell_end(struct conn *c, struct instance *inst);

/* Answer c once inst reaches the state it waits for (or cannot any more). */
void request_instance_changed(struct supervisor *sup, struct instance *inst)
{
	request_watch_poke(sup);
	for (struct conn *c = sup->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->wait_inst != inst || c->closing)
			continue;
		if (c->wait_for == WAIT_KERNEL_END) {
			mconsole_tell_end(c, inst);
			continue;
		}
		enum instance_state want = (enum instance_state)c->wait_for;
		if (inst->state == want) {
			c->wait_inst = NULL;
			conn_printf(c, CTL_STDOUT, "%s: %s\n", inst->cfg->name, instance_state_name(want));
			conn_finish(c, UMLLAB_EXIT_OK);
		} else if (inst->state == INSTANCE_FAILED ||
		    (want == INSTANCE_RUNNING && inst->state == INSTANCE_STOPPED)) {
			c->wait_inst = NULL;
			conn_printf(c, CTL_STDERR, "umllab: %s: %s%s%s\n", inst->cfg->name,
			    instance_state_name(inst->state), inst->cause ? ": " : "",
			    inst->cause ? inst->cause : "");
			conn_finish(c, UMLLAB_EXIT_FAIL);
		}
	}
}

static void wait_for(struct conn *c, struct instance *inst, enum instance_state want)
{
	c->wait_inst = inst;
	c->wait_for = (int)want;
	request_instance_changed(c->sup, inst);
}

static struct instance *acting_on(struct conn *c, const char *name)
{
	if (c->sup->stopping || c->sup->bringing_up) {
		conn_printf(c, CTL_STDERR, "umllab: lab %s is %s; try again when it is up\n",
		    c->sup->lab->name, c->sup->stopping ? "stopping" : "still coming up");
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return NULL;
	}
	struct instance *inst = request_instance(c, name, false);
	if (inst == NULL)
		conn_finish(c, UMLLAB_EXIT_USAGE);
	return inst;
}

void request_stop(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst = acting_on(c, argv[1]);
	if (inst == NULL)
		return;
	if ((inst->state == INSTANCE_STOPPED || inst->state == INSTANCE_FAILED) && inst->pid == 0) {
		conn_printf(c, CTL_STDOUT, "%s: already %s\n", inst->cfg->name,
		    instance_state_name(inst->state));
		conn_finish(c, UMLLAB_EXIT_OK);
		return;
	}
	instance_handle(inst, INSTANCE_EV_STOP);
	wait_for(c, inst, INSTANCE_STOPPED);
}

void request_start(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst = acting_on(c, argv[1]);
	if (inst == NULL)
		return;
	if (inst->state != INSTANCE_STOPPED && inst->state != INSTANCE_FAILED) {
		conn_printf(c, CTL_STDOUT, "%s: already %s\n", inst->cfg->name,
		    instance_state_name(inst->state));
		conn_finish(c, UMLLAB_EXIT_OK);
		return;
	}
	instance_handle(inst, INSTANCE_EV_START);
	wait_for(c, inst, INSTANCE_RUNNING);
}

void request_restart(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst = acting_on(c, argv[1]);
	if (inst == NULL)
		return;
	instance_handle(inst, INSTANCE_EV_RESTART);
	wait_for(c, inst, INSTANCE_RUNNING);
}

/* ---- console ---- */

struct console_req {
	struct instance *inst;
	unsigned id;
};

static void console_to_client(void *arg, const char *data, size_t len)
{
	conn_send(arg, CTL_STDOUT, data, len);
}

static void console_from_client(struct conn *c, const char *data, size_t len)
{
	struct console_req *r = c->req;
	(void)console_input(r->inst->console, data, len);
}

static void console_on_close(struct conn *c)
{
	struct console_req *r = c->req;
	if (r->inst->console != NULL)
		console_detach(r->inst->console, r->id);
	free(r);
	c->req = NULL;
}

void request_console(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst = request_instance(c, argv[1], false);
	if (inst == NULL) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	struct console_req *r = xcalloc(1, sizeof(*r));
	r->inst = inst;
	r->id = console_attach(inst->console, console_to_client, c);
	c->req = r;
	c->on_close = console_on_close;
	c->on_input = console_from_client;
	if (inst->pid == 0)
		conn_printf(c, CTL_STDOUT, "--- umllab: %s is %s; its console comes back when it "
		    "starts\r\n", inst->cfg->name, instance_state_name(inst->state));
	else
		conn_send(c, CTL_STDOUT, "\r\n", 2);	/* ask the guest's shell for a prompt */
}

/* ---- one mconsole command ---- */

/* A request keeps a session of its own, so that a client leaving before
 * the reply only has to close it. A command that ends the kernel (a panic,
 * a power-off, a reboot) gets no reply, or an empty one before the end: the
 * request then waits for the kernel to go, and says how it went. */
struct mconsole_req {
	struct mconsole_session *session;
	struct conn *conn;
	char *cmd;
	pid_t pid;			/* the kernel it was sent to */
	ev_timer end_timer;		/* a command that ends the kernel: the limit */
	bool ends_kernel;
};

/* The mconsole commands that end the kernel instead of answering: `sysrq c`
 * panics, `sysrq b` reboots and `sysrq o` powers off (this kernel runs with
 * noreboot, so both end its process), and `cad` makes the guest's init
 * power off. */
static bool mconsole_ends_kernel(const char *cmd)
{
	if (strcmp(cmd, "cad") == 0)
		return true;
	if (strncmp(cmd, "sysrq", 5) != 0 || (cmd[5] != ' ' && cmd[5] != '\t'))
		return false;
	const char *key = cmd + 5 + strspn(cmd + 5, " \t");
	return (key[0] == 'c' || key[0] == 'b' || key[0] == 'o') && key[1] == '\0';
}

/* Its process has ended (a panic is told before the exit, but what comes
 * next, a restart or not, is known only after it). */
static bool kernel_gone(const struct instance *inst, pid_t pid)
{
	return inst->pid != pid;
}

static const char *restart_name(enum lab_restart r)
{
	return r == LAB_RESTART_ALWAYS ? "always" : r == LAB_RESTART_NEVER ? "never" : "on-failure";
}

/* The kernel that got a command ending it has gone: say what became of it. */
static void mconsole_tell_end(struct conn *c, struct instance *inst)
{
	struct mconsole_req *r = c->req;
	if (r == NULL || !kernel_gone(inst, r->pid))
		return;
	c->wait_inst = NULL;
	ev_timer_stop(c->sup->loop, &r->end_timer);
	const char *name = inst->cfg->name;
	char *next;
	switch (inst->state) {
	case INSTANCE_RESTARTING:
	case INSTANCE_STARTING:
	case INSTANCE_CONFIGURING:
	case INSTANCE_RUNNING:
		next = xstrdup("the watchdog restarts it (`umllab status` shows when it is back)");
		break;
	default:
		next = xasprintf("%s is %s (restart: %s); `umllab start %s` boots it again", name,
		    instance_state_name(inst->state), restart_name(inst->cfg->restart), name);
		break;
	}
	char *why = inst->cause != NULL ? xasprintf(" (%s)", inst->cause) : xstrdup("");
	if (r->ends_kernel)
		conn_printf(c, CTL_STDOUT, "%s: `%s` ended its kernel%s; %s\n", name, r->cmd, why,
		    next);
	else	/* `sysrq t` crashes this kernel, for one */
		conn_printf(c, CTL_STDERR, "umllab: %s: its kernel ended before it answered `%s`%s; "
		    "%s\n", name, r->cmd, why, next);
	free(why);
	free(next);
	conn_finish(c, r->ends_kernel ? UMLLAB_EXIT_OK : UMLLAB_EXIT_FAIL);
}

static void mconsole_on_end_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct mconsole_req *r = w->data;
	struct conn *c = r->conn;
	if (c->req == NULL || c->wait_for != WAIT_KERNEL_END || c->wait_inst == NULL)
		return;
	conn_printf(c, CTL_STDERR, "umllab: %s: `%s` was sent, but the kernel is still running "
	    "%.0f s later\n", c->wait_inst->cfg->name, r->cmd, MCONSOLE_END_TIMEOUT_S);
	c->wait_inst = NULL;
	conn_finish(c, UMLLAB_EXIT_FAIL);
}

static void mconsole_on_reply(void *arg, int status, uint32_t err, const char *data, size_t len)
{
	struct conn *c = arg;
	struct mconsole_req *r = c->req;
	if (r == NULL)
		return;	/* the connection is being torn down */
	if (r->ends_kernel) {
		/* The answer, if any, is only what came before the end (`sysrq c`
		 * sends its title, then panics): wait for the kernel to go. */
		if (c->wait_inst != NULL)
			mconsole_tell_end(c, c->wait_inst);
		return;
	}
	c->wait_inst = NULL;
	if (status != 0) {
		/* No answer (or none could be asked for): a failure, not a usage error. */
		conn_printf(c, CTL_STDERR, "umllab: %.*s\n", (int)len, data);
		conn_finish(c, UMLLAB_EXIT_FAIL);
		return;
	}
	conn_send(c, err ? CTL_STDERR : CTL_STDOUT, data, len);
	if (len > 0 && data[len - 1] != '\n')
		conn_send(c, err ? CTL_STDERR : CTL_STDOUT, "\n", 1);
	conn_finish(c, err ? UMLLAB_EXIT_FAIL : UMLLAB_EXIT_OK);
}

static void mconsole_on_free(struct conn *c)
{
	struct mconsole_req *r = c->req;
	c->req = NULL;
	c->wait_inst = NULL;
	ev_timer_stop(c->sup->loop, &r->end_timer);
	mconsole_session_free(r->session);
	free(r->cmd);
	free(r);
}

void request_mconsole(struct conn *c, int argc, char **argv)
{
	(void)argc;
	const char *cmd = argv[2];
	/* Stopping and rebooting go through the supervisor, so they are not
	 * taken for a crash. */
	if (strcmp(cmd, "halt") == 0 || strcmp(cmd, "poweroff") == 0) {
		request_stop(c, 2, argv);
		return;
	}
	if (strcmp(cmd, "reboot") == 0) {
		request_restart(c, 2, argv);
		return;
	}
	struct instance *inst = request_instance(c, argv[1], false);
	if (inst == NULL) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (inst->pid == 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s is %s: no kernel to ask\n", inst->cfg->name,
		    instance_state_name(inst->state));
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *cause = NULL;
	static unsigned serial;
	char *path = state_path(c->sup->lab_dir, "%s.%u.mc", inst->cfg->name, ++serial);
	struct mconsole_session *s = mconsole_session_new(c->sup->loop, inst->mconsole_path, path,
	    &cause);
	free(path);
	if (s == NULL) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	struct mconsole_req *r = xcalloc(1, sizeof(*r));
	r->session = s;
	r->conn = c;
	r->cmd = xstrdup(cmd);
	r->pid = inst->pid;
	r->ends_kernel = mconsole_ends_kernel(cmd);
	ev_timer_init(&r->end_timer, mconsole_on_end_timeout, MCONSOLE_END_TIMEOUT_S, 0.);
	r->end_timer.data = r;
	c->req = r;
	c->on_free = mconsole_on_free;
	/* Any command may end the kernel (`sysrq t` crashes this one): then
	 * say so at once rather than wait for an answer that cannot come. */
	c->wait_inst = inst;
	c->wait_for = WAIT_KERNEL_END;
	if (r->ends_kernel)
		ev_timer_start(c->sup->loop, &r->end_timer);
	mconsole_session_request(s, cmd, MCONSOLE_REQUEST_TIMEOUT_MS, mconsole_on_reply, c);
}
