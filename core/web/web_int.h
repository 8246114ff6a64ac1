/* core/web/web_int.h: what the web server's files share: the server, a page's WebSocket session, and control connections to supervisors on the libev loop. */
#ifndef UMLLAB_WEB_INT_H
#define UMLLAB_WEB_INT_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/control.h"
#include "core/base/util.h"
#include "core/capture/pcapng.h"
#include "core/web/web_auth.h"

struct lws;
struct lws_context;

struct web_server {
	struct ev_loop *loop;
	struct lws_context *ctx;
	char token[WEB_TOKEN_LEN + 1];
	char *extra_name;		/* the --listen address, also a good Host name */
	char *page_dir;
	char *state_root;
	char *lab;			/* the one lab it serves; NULL: every running lab */
	char *grade_dir;		/* --grade */
	struct web_session *sessions;
	unsigned n_sessions;
};

/* ---- control connections (web_ctl.c): one request each, as the CLI's ---- */

struct web_ctl;
struct web_ctl_cb {
	/* Each CTL_STDOUT / CTL_STDERR message. */
	void (*on_msg)(void *arg, enum ctl_type type, const char *data, size_t len);
	/* The answer ended: its exit code, or -1 when the supervisor went away.
	 * The connection is gone after this. */
	void (*on_end)(void *arg, int code);
};

/* Connect to the lab in lab_dir and send argv; answers come on loop. NULL
 * with *cause when the lab does not answer. The callbacks may close it. */
struct web_ctl *web_ctl_open(struct ev_loop *loop, const char *lab_dir, int argc,
    char *const argv[], const struct web_ctl_cb *cb, void *arg, char **cause);
/* Keystrokes and such: one CTL_STDIN message. */
void web_ctl_stdin(struct web_ctl *w, const void *data, size_t len);
/* Stop reading answers (the page is behind), or go on. */
void web_ctl_pause(struct web_ctl *w, bool pause);
/* Hang up; no callback after this. NULL is fine. */
void web_ctl_close(struct web_ctl *w);

/* ---- a page's WebSocket (web_session.c) ---- */

enum web_kind { WEB_LAB, WEB_CONSOLE, WEB_CAPTURE, WEB_CHECK, WEB_GRADE };

struct web_msg {
	struct web_msg *next;
	size_t len;
	bool binary;
	unsigned char buf[];		/* LWS_PRE bytes, then len bytes */
};

struct web_action;

struct web_session {
	struct web_session *next;
	struct web_server *srv;
	struct lws *wsi;
	enum web_kind kind;
	char *lab, *lab_dir;
	char *arg;			/* the instance, capture target */
	char *filter;			/* a capture's filter */
	bool watch;			/* checks: again and again */
	struct web_msg *head, *tail;	/* to the page, oldest first */
	size_t queued;			/* bytes in it */
	bool closing;			/* close once the queue is written */
	struct web_ctl *ctl;		/* the main stream: watch, console, capture, check */
	struct web_action *actions;	/* lab: requests in flight */
	ev_timer retry;			/* lab: reconnect; checks: the next round; grade: poll */
	struct strbuf in;		/* a message from the page, in fragments */
	struct strbuf lines;		/* checks: a partial line */
	struct pcapng_reader reader;	/* captures: the stream as text */
	unsigned round, passed, total;
	char *last_state;		/* grade: what was sent last */
};

/* The page opened a WebSocket at rest ("/ws?kind=..."; args read with
 * lws_get_urlarg_by_name). NULL with *cause for a bad one. */
struct web_session *web_session_open(struct web_server *srv, struct lws *wsi, char **cause);
/* A whole message from the page. */
void web_session_receive(struct web_session *s, const char *data, size_t len);
/* The socket can take a message: -1 to close it. */
int web_session_writeable(struct web_session *s);
/* The socket is gone. */
void web_session_free(struct web_session *s);

/* Queue a message for the page (copied). */
void web_send(struct web_session *s, bool binary, const void *data, size_t len);
void web_send_json(struct web_session *s, struct strbuf *b);	/* sends and frees b */

/* ---- grading directories (web_grade.c) ---- */

void web_grade_start(struct web_session *s);
/* A file of the grading directory for GET /grade/NAME: its path, or NULL. */
char *web_grade_file(struct web_server *srv, const char *name);

/* ---- files (web_page.c) ---- */

const char *web_mime(const char *name);
/* A name made of [A-Za-z0-9_.-] and extra, not starting with a dot, with no
 * "..": safe to join to a folder. */
bool web_name_safe(const char *name, const char *extra);

#endif
