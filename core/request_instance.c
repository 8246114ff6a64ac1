/* core/request_instance.c: acting on one instance: stop, start, restart, console, mconsole. */
#include <stdlib.h>
#include <string.h>

#include "core/console.h"
#include "core/instance.h"
#include "core/request.h"
#include "core/state.h"
#include "core/supervisor.h"
#include "core/util.h"
#include "mconsole/session.h"

#define MCONSOLE_REQUEST_TIMEOUT_MS 5000

/* Answer c once inst reaches the state it waits for (or cannot any more). */
void request_instance_changed(struct supervisor *sup, struct instance *inst)
{
	for (struct conn *c = sup->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->wait_inst != inst || c->closing)
			continue;
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

static void mconsole_on_reply(void *arg, int status, uint32_t err, const char *data, size_t len)
{
	struct conn *c = arg;
	if (c->req == NULL)
		return;	/* the connection is being torn down */
	if (status != 0) {
		conn_printf(c, CTL_STDERR, "umllab: %.*s\n", (int)len, data);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	conn_send(c, err ? CTL_STDERR : CTL_STDOUT, data, len);
	if (len > 0 && data[len - 1] != '\n')
		conn_send(c, err ? CTL_STDERR : CTL_STDOUT, "\n", 1);
	conn_finish(c, err ? UMLLAB_EXIT_FAIL : UMLLAB_EXIT_OK);
}

/* The request keeps a session of its own, so that a client leaving before
 * the reply only has to close it. */
static void mconsole_on_free(struct conn *c)
{
	struct mconsole_session *s = c->req;
	c->req = NULL;
	mconsole_session_free(s);
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
	c->req = s;
	c->on_free = mconsole_on_free;
	mconsole_session_request(s, cmd, MCONSOLE_REQUEST_TIMEOUT_MS, mconsole_on_reply, c);
}
