/* core/supervisor/guest.c: command requests to a guest's agent, matched to their output by id. */
#include "core/supervisor/guest.h"

#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/log.h"
#include "core/base/util.h"
#include "image/guest/agent_proto.h"
#include "mconsole/mconsole.h"
#include "mconsole/session.h"

#define GUEST_LOG_TIMEOUT_MS 5000

struct guest_req {
	struct guest_req *next;
	struct guest *guest;
	unsigned id;
	guest_output_cb output;
	guest_done_cb done;
	void *arg;
	ev_timer timer;
	bool timed;
};

struct guest {
	struct ev_loop *loop;
	char *name;
	struct mconsole_session *mc;
	struct guest_req *reqs;
	unsigned next_id;
	struct log_ratelimit malformed_rl;	/* the guest decides how often */
};

struct guest *guest_new(struct ev_loop *loop, const char *instance_name)
{
	struct guest *g = xcalloc(1, sizeof(*g));
	g->loop = loop;
	g->name = xstrdup(instance_name);
	g->next_id = 1;
	return g;
}

static struct guest_req *guest_req_unlink(struct guest *g, unsigned id)
{
	for (struct guest_req **pp = &g->reqs; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct guest_req *r = *pp;
			*pp = r->next;
			if (r->timed)
				ev_timer_stop(g->loop, &r->timer);
			return r;
		}
	}
	return NULL;
}

static void guest_req_finish(struct guest *g, unsigned id, int status, const char *error)
{
	struct guest_req *r = guest_req_unlink(g, id);
	if (r == NULL)
		return;
	if (r->done != NULL)
		r->done(r->arg, status, error);
	free(r);
}

void guest_fail_all(struct guest *g, const char *reason)
{
	while (g->reqs != NULL)
		guest_req_finish(g, g->reqs->id, -1, reason);
}

void guest_free(struct guest *g)
{
	if (g == NULL)
		return;
	while (g->reqs != NULL) {
		struct guest_req *r = guest_req_unlink(g, g->reqs->id);
		free(r);
	}
	log_ratelimit_flush(&g->malformed_rl, g->name);
	free(g->name);
	free(g);
}

void guest_attach(struct guest *g, struct mconsole_session *mc)
{
	g->mc = mc;
}

static void guest_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct guest_req *r = w->data;
	r->timed = false;
	guest_req_finish(r->guest, r->id, -1, "the command did not finish in time");
}

struct log_chunk_ctx {
	struct guest *guest;
	unsigned id;
};

static void guest_on_log_reply(void *arg, int status, uint32_t err, const char *data,
    size_t len)
{
	struct log_chunk_ctx *c = arg;
	if (status != 0 || err != 0) {
		char *why = xasprintf("could not hand the command to %s's kernel: %.*s",
		    c->guest->name, (int)len, data);
		guest_req_finish(c->guest, c->id, -1, why);
		free(why);
	}
	free(c);
}

static int guest_emit_chunk(void *arg, const char *request)
{
	struct log_chunk_ctx *tmpl = arg;
	struct log_chunk_ctx *c = xmalloc(sizeof(*c));
	*c = *tmpl;
	mconsole_session_request(tmpl->guest->mc, request, GUEST_LOG_TIMEOUT_MS,
	    guest_on_log_reply, c);
	return 0;
}

unsigned guest_exec(struct guest *g, const char *cmd, unsigned timeout_ms,
    guest_output_cb output, guest_done_cb done, void *arg)
{
	if (g->mc == NULL)
		return 0;
	size_t len = strlen(cmd);
	if (len == 0 || len > AGENT_CMD_MAX)
		return 0;
	struct guest_req *r = xcalloc(1, sizeof(*r));
	r->guest = g;
	r->id = g->next_id++;
	if (g->next_id == 0)
		g->next_id = 1;
	r->output = output;
	r->done = done;
	r->arg = arg;
	r->next = g->reqs;
	g->reqs = r;
	ev_timer_init(&r->timer, guest_on_timeout, timeout_ms ? timeout_ms / 1000.0 : 0.01, 0.);
	r->timer.data = r;
	unsigned id = r->id;
	if (timeout_ms > 0) {
		r->timed = true;
		ev_timer_start(g->loop, &r->timer);
	}
	struct log_chunk_ctx tmpl = { .guest = g, .id = id };
	/* Length checked above: encoding cannot fail, and nothing calls back
	 * before this returns. */
	(void)agent_request_encode(id, cmd, len, guest_emit_chunk, &tmpl);
	return id;
}

void guest_exec_cancel(struct guest *g, unsigned id)
{
	struct guest_req *r = guest_req_unlink(g, id);
	if (r == NULL)
		return;
	free(r);
	/* Stop the command in the guest too: the client that wanted it left. */
	if (g->mc != NULL) {
		char *req = xasprintf("log " AGENT_KILL_TAG "%u\n", id);
		mconsole_session_request(g->mc, req, GUEST_LOG_TIMEOUT_MS, NULL, NULL);
		free(req);
	}
}

void guest_link(struct guest *g, const char *iface, bool up)
{
	if (g->mc == NULL)
		return;
	char *req = xasprintf("log " AGENT_LINK_TAG "%s %s\n", iface, up ? "up" : "down");
	mconsole_session_request(g->mc, req, GUEST_LOG_TIMEOUT_MS, NULL, NULL);
	free(req);
}

enum guest_event guest_on_notify(struct guest *g, const char *data, size_t len,
    const char **text, size_t *text_len)
{
	struct agent_msg m;
	if (agent_message_parse(data, len, &m) != 0) {
		log_limited(&g->malformed_rl, LOG_LEVEL_WARN, g->name,
		    "%s: malformed message from the guest agent ignored", g->name);
		return GUEST_EVENT_NONE;
	}
	switch (m.kind) {
	case AGENT_MSG_READY:
		return GUEST_EVENT_READY;
	case AGENT_MSG_FAIL:
		*text = m.data;
		*text_len = m.len;
		return GUEST_EVENT_FAIL;
	case AGENT_MSG_OUTPUT:
		for (struct guest_req *r = g->reqs; r != NULL; r = r->next)
			if (r->id == m.id && r->output != NULL)
				r->output(r->arg, m.data, m.len);
		return GUEST_EVENT_NONE;
	case AGENT_MSG_END:
		guest_req_finish(g, m.id, m.status, NULL);
		return GUEST_EVENT_NONE;
	case AGENT_MSG_NET:
		*text = m.data;
		*text_len = m.len;
		return GUEST_EVENT_NET;
	case AGENT_MSG_OTHER:
		break;
	}
	return GUEST_EVENT_NONE;
}
