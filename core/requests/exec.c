/* core/requests/exec.c: `exec` and `ping`: a command in a guest, its output streamed to the client. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/checks/check_evidence.h"
#include "core/supervisor/guest.h"
#include "core/supervisor/instance.h"
#include "core/requests/request.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"
#include "image/guest/agent_proto.h"

#define PING_OUTPUT_MAX 65536	/* kept to read the guest's claim */

struct exec_req {
	struct instance *inst;
	unsigned id;
	bool is_ping;
	/* ping: what the switches carried meanwhile, and what the guest printed */
	struct echo_watch *watch;
	struct echo_target target;
	struct strbuf out;
};

static void exec_on_output(void *arg, const char *data, size_t len)
{
	struct conn *c = arg;
	struct exec_req *r = c->req;
	if (r->is_ping && r->out.len + len <= PING_OUTPUT_MAX)
		strbuf_append(&r->out, data, len);
	conn_send(c, CTL_STDOUT, data, len);
}

static void exec_req_free(struct exec_req *r)
{
	echo_watch_free(r->watch);
	free(r->out.s);
	free(r);
}

/* The guest's ping is only a claim: say what the switches carried, and
 * fail when the two disagree. */
static int ping_judge(struct conn *c, struct exec_req *r, int status)
{
	echo_watch_stop(r->watch);
	struct echo_verdict v;
	echo_watch_judge(r->watch, &r->target, NULL, 0, &v);
	conn_printf(c, CTL_STDOUT, "switches: %s\n", v.carried);
	bool claim = echo_guest_claims_replies(r->out.s != NULL ? r->out.s : "", status);
	char *why = echo_disagreement(&v, claim);
	int code = claim && why == NULL ? UMLLAB_EXIT_OK : UMLLAB_EXIT_FAIL;
	if (why != NULL)
		conn_printf(c, CTL_STDERR, "umllab: the guest and the switches disagree: %s\n", why);
	free(why);
	echo_verdict_free(&v);
	return code;
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
		code = ping_judge(c, r, status);
	} else {
		code = status;
	}
	exec_req_free(r);
	c->req = NULL;
	conn_finish(c, code);
}

/* The client left: the guest command runs on, its output goes nowhere. */
static void exec_on_close(struct conn *c)
{
	struct exec_req *r = c->req;
	if (r->inst->guest != NULL)
		guest_exec_cancel(r->inst->guest, r->id);
	exec_req_free(r);
	c->req = NULL;
}

static void exec_start(struct conn *c, struct exec_req *r, const char *cmd)
{
	struct instance *inst = r->inst;
	bool is_ping = r->is_ping;
	c->req = r;
	c->on_close = exec_on_close;
	r->id = guest_exec(inst->guest, cmd, 0, exec_on_output, exec_on_done, c);
	if (r->id == 0) {
		c->on_close = NULL;
		exec_req_free(r);
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
	struct exec_req *r = xcalloc(1, sizeof(*r));
	r->inst = inst;
	exec_start(c, r, argv[2]);
}

/* ping A B COUNT [-4|-6] */
void request_ping(struct conn *c, int argc, char **argv)
{
	struct echo_target target;
	char *cause = NULL;
	struct instance *inst = request_instance(c, argv[1], true);
	if (inst == NULL) {
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	int family = 0;
	if (argc > 4 && strcmp(argv[4], "-6") == 0)
		family = AF_INET6;
	else if (argc > 4 && strcmp(argv[4], "-4") == 0)
		family = AF_INET;
	else if (argc > 4) {
		conn_printf(c, CTL_STDERR, "umllab: ping takes -4 or -6, not %s\n", argv[4]);
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	if (echo_target_resolve(c->sup, argv[1], argv[2], family, &target, &cause) != 0) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	char *end;
	long count = strtol(argv[3], &end, 10);
	if (*end != '\0' || count < 1 || count > 1000) {
		conn_printf(c, CTL_STDERR, "umllab: ping count must be 1 to 1000\n");
		conn_finish(c, UMLLAB_EXIT_USAGE);
		return;
	}
	/* A payload pattern of its own, so the taps keep this ping's frames only. */
	unsigned tag = echo_watch_tag();
	const char *owner = echo_address_owner(c->sup, argv[1], &target);
	struct echo_watch *w = echo_watch_start(c->sup, tag, inst->cfg->name, owner, false, &cause);
	if (w == NULL) {
		conn_fail(c, UMLLAB_EXIT_USAGE, cause);
		return;
	}
	struct exec_req *r = xcalloc(1, sizeof(*r));
	r->inst = inst;
	r->is_ping = true;
	r->watch = w;
	r->target = target;
	char *cmd = echo_ping_command((unsigned)count, tag, &target);
	exec_start(c, r, cmd);
	free(cmd);
}
