/* core/supervisor/conn.h: one client of a supervisor's control socket: one request, then its answer.
 *
 * Answers are buffered and written as the client reads them, so a slow or
 * stuck client never blocks the supervisor. A request that waits for
 * something (a guest command, `down`) sets on_close, which runs if the
 * client goes away first; a client that only shut down its sending side
 * (end of file after its request) still gets the whole answer.
 *
 * Limits (conn.c): a client has CONN_REQUEST_TIMEOUT_MS to send its request;
 * at most CONN_MAX connections, the oldest without a complete request closed
 * to make room; a client that reads nothing of a pending answer for
 * CONN_STALL_MS is dropped. While a request runs the client gets CTL_ACK at
 * least every CONN_HEARTBEAT_MS, so it can tell a slow answer from a stuck
 * supervisor. */
#ifndef UMLLAB_CONN_H
#define UMLLAB_CONN_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/control.h"

struct supervisor;

struct conn {
	struct conn *next;
	struct supervisor *sup;
	int fd;
	ev_io read_w, write_w;
	struct ctl_reader reader;
	char *out;
	size_t out_len, out_cap;
	bool have_request;
	bool closing;			/* close once out is flushed */
	bool dropping;			/* output over the limit is being dropped */
	bool waits_for_down;		/* answered when the lab is down */
	bool read_eof;			/* the client shut down its side after the request */
	ev_timer tick_w;		/* deadlines, heartbeats, departure of a half-closed client */
	uint64_t accepted_ms;		/* clock_ms() at accept */
	uint64_t out_since_ms;		/* output pending and unread since then */
	uint64_t sent_ms;		/* when a message was last queued */
	void (*on_close)(struct conn *c);	/* the client left before the answer */
	void (*on_free)(struct conn *c);	/* always, when the connection ends */
	void (*on_input)(struct conn *c, const char *data, size_t len);	/* CTL_STDIN */
	void *req;			/* the waiting request's own state */
	struct instance *wait_inst;	/* answer when this instance settles (start/stop) */
	int wait_for;			/* enum instance_state to wait for */
};

/* Serve the supervisor's control socket (sup->ctl_fd), or stop serving it. */
void conn_accept_start(struct supervisor *sup);
void conn_accept_stop(struct supervisor *sup);

void conn_send(struct conn *c, enum ctl_type type, const void *data, size_t len);
void conn_printf(struct conn *c, enum ctl_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Queue CTL_EXIT with code; the connection closes once it is written. */
void conn_finish(struct conn *c, int code);

/* Tell the client why its request failed ("umllab: CAUSE"), free cause,
 * and finish with code. */
void conn_fail(struct conn *c, int code, char *cause);
void conn_free(struct conn *c);

/* True while some connection still has output to write. */
bool conn_any_pending(const struct supervisor *sup);

#endif
