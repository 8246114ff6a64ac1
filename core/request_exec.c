/* core/request_exec.c: `exec` and `ping`: a command in a guest, its output streamed to the client. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest.h"
#include "core/instance.h"
#include "core/request.h"
#include "core/supervisor.h"
#include "core/util.h"
#include "image/guest/agent_proto.h"

struct exec_req {
	struct instance *inst;
	unsigned id;
	bool is_ping;
};

static void exec_on_output(void *arg, const char *data, size_t len)
{
	conn_send(arg, CTL_STDOUT, data, len);
}

static void exec_on_done(void *arg, int status, const char *error)
{
	struct conn *c = arg;
	struct exec_req *r = c->req;
	int code;
	if (status < 0) {
		conn_printf(c, CTL_STDERR, "umllab: %s: %s\n", r->inst->cfg->name, error);
		code = r->is_ping ? UMLLAB_EXIT_USAGE : UMLLAB_EXIT_EXEC_FAILED;
	} else if (r->is_ping) {
		code = status == 0 ? UMLLAB_EXIT_OK : UMLLAB_EXIT_FAIL;
	} else {
		code = status;
	}
	free(r);
	c->req = NULL;
	conn_finish(c, code);
}

/* The client left: the guest command runs on, its output goes nowhere. */
static void exec_on_close(struct conn *c)
{
	struct exec_req *r = c->req;
	if (r->inst->guest != NULL)
		guest_exec_cancel(r->inst->guest, r->id);
	free(r);
	c->req = NULL;
}

static void exec_start(struct conn *c, struct instance *inst, const char *cmd, bool is_ping)
{
	struct exec_req *r = xcalloc(1, sizeof(*r));
	r->inst = inst;
	r->is_ping = is_ping;
	c->req = r;
	c->on_close = exec_on_close;
	r->id = guest_exec(inst->guest, cmd, 0, exec_on_output, exec_on_done, c);
	if (r->id == 0) {
		c->on_close = NULL;
		free(r);
		c->req = NULL;
		conn_printf(c, CTL_STDERR, "umllab: %s: its kernel is not attached\n",
		    inst->cfg->name);
		conn_finish(c, is_ping ? UMLLAB_EXIT_USAGE : UMLLAB_EXIT_EXEC_FAILED);
	}
}

void request_exec(struct conn *c, int argc, char **argv)
{
	(void)argc;
	struct instance *inst = request_instance(c, argv[1], true);
	if (inst == NULL) {
		conn_finish(c, UMLLAB_EXIT_EXEC_FAILED);
		return;
	}
	size_t len = strlen(argv[2]);
	if (len > AGENT_CMD_MAX) {
		conn_printf(c, CTL_STDERR, "umllab: the command is %zu bytes; the guest agent takes "
		    "at most %d\n", len, AGENT_CMD_MAX);
		conn_finish(c, UMLLAB_EXIT_EXEC_FAILED);
		return;
	}
	exec_start(c, inst, argv[2], false);
}

/* The address to ping for a target: an instance's first address, or an IPv4 literal. */
static int ping_target(struct conn *c, const char *target, char *out, size_t size)
{
	struct supervisor *sup = c->sup;
	struct instance *peer = supervisor_instance(sup, target);
	struct in_addr a;
	if (peer != NULL) {
		for (size_t i = 0; i < peer->n_ifaces; i++) {
			if (peer->ifaces[i].cfg.has_addr) {
				inet_ntop(AF_INET, &peer->ifaces[i].cfg.addr, out, (socklen_t)size);
				return 0;
			}
		}
		conn_printf(c, CTL_STDERR, "umllab: instance %s has no address to ping\n", target);
		return -1;
	}
	if (inet_pton(AF_INET, target, &a) == 1) {
		inet_ntop(AF_INET, &a, out, (socklen_t)size);
		return 0;
	}
	conn_printf(c, CTL_STDERR, "umllab: %s is neither an instance of lab %s nor an IPv4 "
	    "address\n", target, sup->lab->name);
	return -1;
}

void request_ping(struct conn *c, int argc, char **argv)
{
	(void)argc;
	char target[INET_ADDRSTRLEN];
	struct instance *inst = request_instance(c, argv[1], true);
	if (inst == NULL || ping_target(c, argv[2], target, sizeof(target)) != 0) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	char *end;
	long count = strtol(argv[3], &end, 10);
	if (*end != '\0' || count < 1 || count > 1000) {
		conn_printf(c, CTL_STDERR, "umllab: ping count must be 1 to 1000\n");
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	/* A fast interval, and -W so an absent peer fails within a second of
	 * the last probe (busybox ping otherwise waits 10 s). */
	char *cmd = xasprintf("ping -q -c %ld -i 0.2 -W 1 %s", count, target);
	exec_start(c, inst, cmd, true);
	free(cmd);
}
