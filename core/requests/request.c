/* core/requests/request.c: the table of control requests and their dispatch. */
#include "core/requests/request.h"

#include <stdlib.h>
#include <string.h>

#include "core/supervisor/instance.h"
#include "core/base/log.h"
#include "core/supervisor/run.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

static const struct request_entry {
	const char *name;
	int min_args, max_args;	/* counting argv[0] */
	request_fn run;
} requests[] = {
	{ "status", 1, 2, request_status },
	{ "exec", 3, 3, request_exec },
	{ "ping", 4, 5, request_ping },
	{ "down", 1, 1, request_down },
	{ "stop", 2, 2, request_stop },
	{ "start", 2, 2, request_start },
	{ "restart", 2, 2, request_restart },
	{ "console", 2, 2, request_console },
	{ "mconsole", 3, 3, request_mconsole },
	{ "graph-live", 1, 1, request_graph_live },
	{ "plug", 6, 6, request_plug },
	{ "unplug", 3, 3, request_unplug },
	{ "link", 3, 4 + 40, request_link },
	{ "capture", 5, 4 + 16, request_capture },
	{ "check", 1, 3, request_check },
	{ "watch", 1, 2, request_watch },
	{ "switch", 2, 3, request_switch },
	{ "switch-stp", 2, 3, request_switch_stp },
};

void request_dispatch(struct conn *c, const struct ctl_msg *msg)
{
	int argc;
	char **argv;
	char *cause = NULL;
	if (c->sup->finished) {
		/* Only the answers to `down` are still being written. */
		conn_printf(c, CTL_STDERR, "umllab: lab %s is stopping\n", c->sup->lab->name);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (msg->type != CTL_REQUEST ||
	    ctl_argv_unpack(msg->payload, msg->len, &argc, &argv, &cause) != 0) {
		conn_printf(c, CTL_STDERR, "umllab: bad control request: %s\n",
		    cause ? cause : "not a request");
		free(cause);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	const struct request_entry *e = NULL;
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (argc > 0 && strcmp(requests[i].name, argv[0]) == 0)
			e = &requests[i];
	if (e == NULL) {
		conn_printf(c, CTL_STDERR, "umllab: the supervisor does not know request `%s` "
		    "(is it from another version of umllab?)\n", argc > 0 ? argv[0] : "");
		conn_finish(c, UMLLAB_EXIT_USAGE);
	} else if (argc < e->min_args || argc > e->max_args) {
		conn_printf(c, CTL_STDERR, "umllab: request `%s` with %d arguments; it takes %d to %d\n",
		    e->name, argc - 1, e->min_args - 1, e->max_args - 1);
		conn_finish(c, UMLLAB_EXIT_USAGE);
	} else {
		log_debug("request: %s", argv[0]);
		e->run(c, argc, argv);
	}
	ctl_argv_free(argc, argv);
}

struct instance *request_instance(struct conn *c, const char *name, bool need_exec)
{
	struct instance *inst = supervisor_instance(c->sup, name);
	if (inst == NULL) {
		conn_printf(c, CTL_STDERR, "umllab: lab %s has no instance %s\n", c->sup->lab->name,
		    name);
		return NULL;
	}
	if (need_exec && !instance_can_exec(inst)) {
		conn_printf(c, CTL_STDERR,
		    "umllab: instance %s is %s%s%s; it cannot run commands now\n", name,
		    instance_state_name(inst->state), inst->cause ? ": " : "",
		    inst->cause ? inst->cause : "");
		return NULL;
	}
	return inst;
}

void request_down(struct conn *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	c->waits_for_down = true;
	supervisor_stop_all(c->sup);
}

/* The switches are about to stop: captures and checks tap them. */
static void request_lab_down(struct supervisor *sup)
{
	request_capture_lab_down(sup);
	request_check_lab_down(sup);
}

const struct supervisor_hooks request_hooks = {
	.dispatch = request_dispatch,
	.instance_changed = request_instance_changed,
	.lab_down = request_lab_down,
};
