/* core/requests/watch.c: `watch [PERIOD_MS]`: the lab's status as JSON lines (as `status --json`: states, cables' conditions and frame counters), at once, within 20 ms of a change (at most 10 lines a second), and every period while the client stays: the web page's feed (issue 26). */
#include <stdlib.h>
#include <string.h>

#include "core/base/log.h"
#include "core/requests/request.h"
#include "core/supervisor/supervisor.h"
#include "core/base/util.h"

#define WATCH_PERIOD_MS 1000
#define WATCH_PERIOD_MIN_MS 100
#define WATCH_PERIOD_MAX_MS 60000
#define WATCH_SOON_S 0.02		/* changes coming together go out as one line */
#define WATCH_GAP_MS 100		/* lines for changes: 10 a second at most (a
					 * restart loop must not flood the page) */
#define WATCH_BEHIND_MAX (256 * 1024)	/* a client this far behind skips a line */

struct watch_req {
	struct conn *conn;
	ev_timer tick;			/* every period: counters and uptimes move */
	ev_timer soon;			/* a change: send shortly, once */
	uint64_t sent_ms;		/* the last line's time */
};

static void watch_send(struct watch_req *w)
{
	struct conn *c = w->conn;
	/* A slow reader misses lines, never the latest one: the next is whole. */
	if (c->out_len > WATCH_BEHIND_MAX)
		return;
	w->sent_ms = clock_ms();
	char *text = request_status_json(c->sup);
	conn_send(c, CTL_STDOUT, text, strlen(text));
	free(text);
}

static void watch_on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	watch_send(t->data);
}

static void watch_on_soon(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)revents;
	struct watch_req *w = t->data;
	watch_send(w);
	ev_timer_again(loop, &w->tick);	/* the next periodic line a period after this one */
}

static void watch_on_free(struct conn *c)
{
	struct watch_req *w = c->req;
	ev_timer_stop(c->sup->loop, &w->tick);
	ev_timer_stop(c->sup->loop, &w->soon);
	free(w);
	c->req = NULL;
}

/* Its words are read but ignored: `stop` or anything ends it by closing. */
static void watch_on_input(struct conn *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
}

void request_watch_poke(struct supervisor *sup)
{
	for (struct conn *c = sup->conns; c != NULL; c = c->next) {
		if (c->on_free != watch_on_free || c->closing)
			continue;
		struct watch_req *w = c->req;
		if (!ev_is_active(&w->soon)) {
			uint64_t now = clock_ms(), next = w->sent_ms + WATCH_GAP_MS;
			double after = next > now ? (double)(next - now) / 1000.0 : 0;
			ev_timer_set(&w->soon, after > WATCH_SOON_S ? after : WATCH_SOON_S, 0);
			ev_timer_start(sup->loop, &w->soon);
		}
	}
}

void request_watch(struct conn *c, int argc, char **argv)
{
	long period = WATCH_PERIOD_MS;
	if (argc > 1) {
		char *end;
		period = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || period < WATCH_PERIOD_MIN_MS ||
		    period > WATCH_PERIOD_MAX_MS) {
			conn_printf(c, CTL_STDERR, "umllab: watch: the period is %d to %d ms, not %s\n",
			    WATCH_PERIOD_MIN_MS, WATCH_PERIOD_MAX_MS, argv[1]);
			conn_finish(c, UMLLAB_EXIT_USAGE);
			return;
		}
	}
	struct watch_req *w = xcalloc(1, sizeof(*w));
	w->conn = c;
	ev_timer_init(&w->tick, watch_on_tick, 0, (double)period / 1000.0);
	w->tick.data = w;
	ev_timer_init(&w->soon, watch_on_soon, WATCH_SOON_S, 0);
	w->soon.data = w;
	c->req = w;
	c->on_free = watch_on_free;
	c->on_input = watch_on_input;
	log_debug("watch: every %ld ms", period);
	watch_send(w);
	ev_timer_again(c->sup->loop, &w->tick);
}
