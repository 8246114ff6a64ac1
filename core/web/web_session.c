/* core/web/web_session.c: a page's WebSockets: the lab's live state and actions, a console, a capture as text lines and pcapng, checks once or watched; each a control request to the lab's supervisor. */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/json.h"
#include "core/base/state.h"
#include "core/capture/frame_text.h"
#include "core/checks/check_report.h"
#include "core/lab/topology.h"
#include "core/web/web_int.h"

#define WEB_QUEUE_PAUSE (4u << 20)	/* this much unsent to the page: stop reading the lab */
#define WEB_QUEUE_RESUME (1u << 20)
#define WEB_IN_MAX 65536		/* one message from the page */
#define WEB_RETRY_S 1.0			/* a lab that is not up: try again */
#define WEB_CHECK_ROUND_S 2.0		/* checks watched: as `check --watch` */
#define WEB_ACTION_WORDS 44		/* link INST IFACE set + 40 conditions */

struct web_action {
	struct web_action *next;
	struct web_session *s;
	long id;
	char *req;
	struct web_ctl *ctl;
	struct strbuf out, err;
};

/* ---- to the page ---- */

void web_send(struct web_session *s, bool binary, const void *data, size_t len)
{
	struct web_msg *m = xmalloc(sizeof(*m) + LWS_PRE + len);
	m->next = NULL;
	m->len = len;
	m->binary = binary;
	memcpy(m->buf + LWS_PRE, data, len);
	if (s->tail != NULL)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->queued += len;
	if (s->queued > WEB_QUEUE_PAUSE)
		web_ctl_pause(s->ctl, true);
	lws_callback_on_writable(s->wsi);
}

void web_send_json(struct web_session *s, struct strbuf *b)
{
	web_send(s, false, b->s, b->len);
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* {"t":TYPE,"d":"TEXT"} */
static void send_text(struct web_session *s, const char *type, const char *text, size_t len)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"%s\",\"d\":", type);
	char *copy = xstrndup(text, len);
	json_write_string(&b, copy);
	free(copy);
	strbuf_printf(&b, "}");
	web_send_json(s, &b);
}

static void send_end(struct web_session *s, int code)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"end\",\"code\":%d}", code);
	web_send_json(s, &b);
}

int web_session_writeable(struct web_session *s)
{
	struct web_msg *m = s->head;
	if (m == NULL)
		return s->closing ? -1 : 0;
	s->head = m->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->queued -= m->len;
	int n = lws_write(s->wsi, m->buf + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	free(m);
	if (n < 0)
		return -1;
	if (s->queued < WEB_QUEUE_RESUME)
		web_ctl_pause(s->ctl, false);
	if (s->head != NULL || s->closing)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* ---- the lab: its status as it changes, and requests from the page ---- */

static void lab_connect(struct web_session *s);

static void lab_on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	lab_connect(t->data);
}

static void watch_on_msg(void *arg, enum ctl_type type, const char *data, size_t len)
{
	struct web_session *s = arg;
	while (len > 0 && data[len - 1] == '\n')
		len--;
	if (type != CTL_STDOUT) {
		send_text(s, "err", data, len);
		return;
	}
	/* One line of `status --json`: a JSON object as it is. */
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"status\",\"d\":");
	strbuf_append(&b, data, len);
	strbuf_printf(&b, "}");
	web_send_json(s, &b);
}

static void watch_on_end(void *arg, int code)
{
	struct web_session *s = arg;
	s->ctl = NULL;
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"down\",\"d\":\"the lab's supervisor ended (exit %d)\"}", code);
	web_send_json(s, &b);
	ev_timer_set(&s->retry, WEB_RETRY_S, 0);
	ev_timer_start(s->srv->loop, &s->retry);
}

static const struct web_ctl_cb watch_cb = { watch_on_msg, watch_on_end };

static void action_on_msg(void *arg, enum ctl_type type, const char *data, size_t len)
{
	struct web_action *a = arg;
	strbuf_append(type == CTL_STDOUT ? &a->out : &a->err, data, len);
}

static void action_free(struct web_action *a)
{
	struct web_session *s = a->s;
	for (struct web_action **pp = &s->actions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	web_ctl_close(a->ctl);
	free(a->req);
	free(a->out.s);
	free(a->err.s);
	free(a);
}

static void action_on_end(void *arg, int code)
{
	struct web_action *a = arg;
	a->ctl = NULL;
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"reply\",\"id\":%ld,\"req\":", a->id);
	json_write_string(&b, a->req);
	strbuf_printf(&b, ",\"code\":%d,\"out\":", code);
	strbuf_append(&a->out, "", 1);
	strbuf_append(&a->err, "", 1);
	json_write_string(&b, a->out.s);
	strbuf_printf(&b, ",\"err\":");
	json_write_string(&b, a->err.s);
	strbuf_printf(&b, "}");
	web_send_json(a->s, &b);
	action_free(a);
}

static const struct web_ctl_cb action_cb = { action_on_msg, action_on_end };

/* A request the page may make: what the CLI's stop, start, restart, link
 * and graph send. Nothing else (no exec, no down) goes through the page. */
static bool action_allowed(int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "graph-live") == 0)
		return true;
	if (argc == 2 && (strcmp(argv[0], "stop") == 0 || strcmp(argv[0], "start") == 0 ||
	    strcmp(argv[0], "restart") == 0))
		return true;
	return argc >= 3 && strcmp(argv[0], "link") == 0;
}

static void action_start(struct web_session *s, long id, int argc, char **argv)
{
	struct web_action *a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->id = id;
	a->req = xstrdup(argv[0]);
	a->next = s->actions;
	s->actions = a;
	char *cause = NULL;
	a->ctl = web_ctl_open(s->srv->loop, s->lab_dir, argc, argv, &action_cb, a, &cause);
	if (a->ctl == NULL) {
		strbuf_printf(&a->err, "umllab: %s\n", cause);
		free(cause);
		action_on_end(a, UMLLAB_EXIT_USAGE);
	}
}

static void lab_connect(struct web_session *s)
{
	char *cause = NULL;
	char *req[] = { "watch", "1000" };
	s->ctl = web_ctl_open(s->srv->loop, s->lab_dir, 2, req, &watch_cb, s, &cause);
	if (s->ctl == NULL) {
		send_text(s, "down", cause, strlen(cause));
		free(cause);
		ev_timer_set(&s->retry, WEB_RETRY_S, 0);
		ev_timer_start(s->srv->loop, &s->retry);
		return;
	}
	char *graph[] = { "graph-live" };
	action_start(s, 0, 1, graph);
}

/* "ID\tWORD\tWORD...": a request, answered with {"t":"reply","id":ID,...}. */
static void lab_receive(struct web_session *s, const char *data, size_t len)
{
	char *text = xstrndup(data, len);
	char *words[WEB_ACTION_WORDS + 1];
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(text, "\t", &save); w != NULL; w = strtok_r(NULL, "\t", &save)) {
		if (n == WEB_ACTION_WORDS + 1) {
			n = -1;
			break;
		}
		words[n++] = w;
	}
	char *end = NULL;
	long id = n > 0 ? strtol(words[0], &end, 10) : 0;
	if (n < 2 || end == NULL || *end != '\0' || !action_allowed(n - 1, words + 1)) {
		send_text(s, "err", "the page asked for a request it may not make", 44);
	} else if (s->lab_dir != NULL) {
		action_start(s, id, n - 1, words + 1);
	}
	free(text);
}

/* ---- a console ---- */

static void console_on_msg(void *arg, enum ctl_type type, const char *data, size_t len)
{
	(void)type;	/* the supervisor's notes go to the terminal too */
	web_send(arg, true, data, len);
}

static void stream_on_end(void *arg, int code)
{
	struct web_session *s = arg;
	s->ctl = NULL;
	send_end(s, code);
}

static const struct web_ctl_cb console_cb = { console_on_msg, stream_on_end };

/* ---- a capture: pcapng to the page as it is (the download), and as lines ---- */

static void capture_on_msg(void *arg, enum ctl_type type, const char *data, size_t len)
{
	struct web_session *s = arg;
	if (type != CTL_STDOUT) {
		while (len > 0 && data[len - 1] == '\n')
			len--;
		send_text(s, "err", data, len);
		return;
	}
	web_send(s, true, data, len);
	pcapng_reader_feed(&s->reader, data, len);
	struct pcapng_record rec;
	struct strbuf b = { 0 };
	char *cause = NULL;
	int r;
	strbuf_printf(&b, "{\"t\":\"lines\",\"d\":[");
	size_t n = 0;
	while ((r = pcapng_reader_next(&s->reader, &rec, &cause)) == 1) {
		/* As `umllab capture` prints a frame on a terminal. */
		struct strbuf line = { 0 };
		time_t secs = (time_t)(rec.ts_ns / 1000000000u);
		struct tm tm;
		localtime_r(&secs, &tm);
		strbuf_printf(&line, "%02d:%02d:%02d.%06llu %s %-10s ", tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (unsigned long long)(rec.ts_ns % 1000000000u / 1000),
		    rec.dir == PCAPNG_DIR_OUTBOUND ? "to  " : "from", rec.ifname);
		frame_describe(&line, rec.data, rec.caplen);
		strbuf_append(&line, "", 1);
		if (n++ > 0)
			strbuf_printf(&b, ",");
		json_write_string(&b, line.s);
		free(line.s);
	}
	strbuf_printf(&b, "]}");
	if (n > 0)
		web_send_json(s, &b);
	free(b.s);
	if (r < 0) {
		send_text(s, "err", cause, strlen(cause));
		free(cause);
		web_ctl_close(s->ctl);
		s->ctl = NULL;
	}
}

static const struct web_ctl_cb capture_cb = { capture_on_msg, stream_on_end };

/* ---- checks, once or again and again ---- */

static void check_round(struct web_session *s);

static void check_on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	check_round(t->data);
}

static void check_send(struct web_session *s, const struct check_result *r)
{
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"check\",\"round\":%u,\"passed\":%s,\"points\":%u,"
	    "\"max_points\":%u,\"name\":", s->round, r->passed ? "true" : "false", r->points,
	    r->max_points);
	json_write_string(&b, r->name);
	strbuf_printf(&b, ",\"kind\":");
	json_write_string(&b, r->kind);
	strbuf_printf(&b, ",\"expected\":");
	json_write_string(&b, r->expected != NULL ? r->expected : "");
	strbuf_printf(&b, ",\"seen\":");
	json_write_string(&b, r->seen != NULL ? r->seen : "");
	strbuf_printf(&b, "}");
	web_send_json(s, &b);
}

static void check_on_msg(void *arg, enum ctl_type type, const char *data, size_t len)
{
	struct web_session *s = arg;
	if (type != CTL_STDOUT) {
		while (len > 0 && data[len - 1] == '\n')
			len--;
		send_text(s, "err", data, len);
		return;
	}
	strbuf_append(&s->lines, data, len);
	size_t start = 0;
	for (size_t i = 0; i < s->lines.len; i++) {
		if (s->lines.s[i] != '\n')
			continue;
		struct check_report rep = { 0 };
		char *cause = NULL;
		if (check_report_decode(&rep, s->lines.s + start, i + 1 - start, &cause) != 0) {
			send_text(s, "err", cause, strlen(cause));
			free(cause);
		}
		for (size_t k = 0; k < rep.n; k++) {
			check_send(s, &rep.v[k]);
			s->total++;
			s->passed += rep.v[k].passed;
		}
		check_report_free(&rep);
		start = i + 1;
	}
	memmove(s->lines.s, s->lines.s + start, s->lines.len - start);
	s->lines.len -= start;
}

static void check_on_end(void *arg, int code)
{
	struct web_session *s = arg;
	s->ctl = NULL;
	struct strbuf b = { 0 };
	strbuf_printf(&b, "{\"t\":\"round\",\"round\":%u,\"code\":%d,\"passed\":%u,\"total\":%u,"
	    "\"watch\":%s}", s->round, code, s->passed, s->total, s->watch ? "true" : "false");
	web_send_json(s, &b);
	/* Checks that cannot run (none in the file, no lab) are not tried again. */
	if (s->watch && (code == UMLLAB_EXIT_OK || code == UMLLAB_EXIT_FAIL)) {
		ev_timer_set(&s->retry, WEB_CHECK_ROUND_S, 0);
		ev_timer_start(s->srv->loop, &s->retry);
	}
}

static const struct web_ctl_cb check_cb = { check_on_msg, check_on_end };

static void check_round(struct web_session *s)
{
	s->round++;
	s->passed = s->total = 0;
	s->lines.len = 0;
	char *req[] = { "check" };
	char *cause = NULL;
	s->ctl = web_ctl_open(s->srv->loop, s->lab_dir, 1, req, &check_cb, s, &cause);
	if (s->ctl == NULL) {
		send_text(s, "err", cause, strlen(cause));
		free(cause);
		check_on_end(s, -1);
	}
}

/* ---- opening and closing ---- */

static char *url_arg(struct lws *wsi, const char *name)
{
	char buf[4200];
	char key[32];
	snprintf(key, sizeof(key), "%s=", name);
	const char *v = lws_get_urlarg_by_name(wsi, key, buf, sizeof(buf));
	return v != NULL ? xstrdup(v) : NULL;
}

/* The lab a session is about: the one the server serves, or the one named. */
static int session_lab(struct web_session *s, const char *want, char **cause)
{
	struct web_server *srv = s->srv;
	const char *name = want != NULL && want[0] != '\0' ? want : srv->lab;
	if (name == NULL) {
		set_cause(cause, "which lab? (the page names one)");
		return -1;
	}
	if (srv->lab != NULL && strcmp(name, srv->lab) != 0) {
		set_cause(cause, "this server shows lab %s only", srv->lab);
		return -1;
	}
	if (!lab_name_valid(name)) {
		set_cause(cause, "no lab is called that");
		return -1;
	}
	s->lab = xstrdup(name);
	s->lab_dir = state_lab_dir(srv->state_root, name, false, cause);
	return s->lab_dir != NULL ? 0 : -1;
}

struct web_session *web_session_open(struct web_server *srv, struct lws *wsi, char **cause)
{
	struct web_session *s = xcalloc(1, sizeof(*s));
	s->srv = srv;
	s->wsi = wsi;
	ev_timer_init(&s->retry, lab_on_retry, WEB_RETRY_S, 0);
	s->retry.data = s;
	s->next = srv->sessions;
	srv->sessions = s;
	srv->n_sessions++;
	char *kind = url_arg(wsi, "kind");
	char *lab = url_arg(wsi, "lab");
	s->arg = url_arg(wsi, "arg");
	s->filter = url_arg(wsi, "filter");
	char *watch = url_arg(wsi, "watch");
	s->watch = watch != NULL && strcmp(watch, "1") == 0;
	free(watch);
	int rc = 0;
	if (kind != NULL && strcmp(kind, "grade") == 0 && srv->grade_dir != NULL) {
		s->kind = WEB_GRADE;
		web_grade_start(s);
	} else if (srv->grade_dir != NULL || kind == NULL) {
		set_cause(cause, "no such page");
		rc = -1;
	} else if (session_lab(s, lab, cause) != 0) {
		rc = -1;
	} else if (strcmp(kind, "lab") == 0) {
		s->kind = WEB_LAB;
		lab_connect(s);
	} else if (strcmp(kind, "console") == 0 && s->arg != NULL && s->arg[0] != '\0') {
		s->kind = WEB_CONSOLE;
		char *req[] = { "console", s->arg };
		s->ctl = web_ctl_open(srv->loop, s->lab_dir, 2, req, &console_cb, s, cause);
		rc = s->ctl != NULL ? 0 : -1;
	} else if (strcmp(kind, "capture") == 0 && s->arg != NULL && s->arg[0] != '\0') {
		s->kind = WEB_CAPTURE;
		char *req[] = { "capture", s->filter != NULL ? s->filter : "", "0", "0", s->arg };
		s->ctl = web_ctl_open(srv->loop, s->lab_dir, 5, req, &capture_cb, s, cause);
		rc = s->ctl != NULL ? 0 : -1;
	} else if (strcmp(kind, "check") == 0) {
		s->kind = WEB_CHECK;
		ev_init(&s->retry, check_on_retry);
		check_round(s);
	} else {
		set_cause(cause, "no such page");
		rc = -1;
	}
	free(kind);
	free(lab);
	if (rc != 0) {
		send_text(s, "err", *cause, strlen(*cause));
		send_end(s, UMLLAB_EXIT_USAGE);
		s->closing = true;
		free(*cause);
		*cause = NULL;
	}
	return s;
}

void web_session_receive(struct web_session *s, const char *data, size_t len)
{
	switch (s->kind) {
	case WEB_LAB:
		lab_receive(s, data, len);
		break;
	case WEB_CONSOLE:
		web_ctl_stdin(s->ctl, data, len);
		break;
	case WEB_CAPTURE:
		/* "stop": the capture ends and says what it caught. */
		if (len == 4 && memcmp(data, "stop", 4) == 0)
			web_ctl_stdin(s->ctl, data, len);
		break;
	case WEB_CHECK:
	case WEB_GRADE:
		break;
	}
}

void web_session_free(struct web_session *s)
{
	struct web_server *srv = s->srv;
	for (struct web_session **pp = &srv->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	srv->n_sessions--;
	ev_timer_stop(srv->loop, &s->retry);
	web_ctl_close(s->ctl);
	while (s->actions != NULL)
		action_free(s->actions);
	while (s->head != NULL) {
		struct web_msg *m = s->head;
		s->head = m->next;
		free(m);
	}
	pcapng_reader_free(&s->reader);
	free(s->in.s);
	free(s->lines.s);
	free(s->lab);
	free(s->lab_dir);
	free(s->arg);
	free(s->filter);
	free(s->last_state);
	free(s);
}
