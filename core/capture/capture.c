/* core/capture/capture.c: a capture: switch taps drained into one pcapng stream, to a client or to rotating files. */
#include "core/capture/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/capture/pcapng.h"
#include "core/base/util.h"
#include "switch/switch.h"

#define CAPTURE_RING 2048		/* frames a tap holds for a slow reader */
#define CAPTURE_CHUNK (256u << 10)	/* pcapng bytes handed on at once */
#define CAPTURE_DRAIN_MAX 4096		/* frames per tap per loop turn, so the loop stays fair */
#define CAPTURE_CONN_HIGH (4u << 20)	/* a client this far behind: stop draining */
#define CAPTURE_CONN_LOW (1u << 20)	/* ... until it is back under this */
#define CAPTURE_RESUME_S 0.02

struct cap_tap {
	struct capture *cap;
	struct switch_tap *tap;
	struct sw *sw;
	char *switch_name;
	char *cable;			/* the cable it follows, or NULL: the whole switch */
	ev_io w;
	bool has;			/* cur: a frame taken from the tap, not yet written */
	struct switch_tap_frame cur;
};

struct cap_iface {
	const char *label;	/* the switch's interned port name: compared by address */
	uint32_t id;
};

struct capture {
	struct ev_loop *loop;
	struct cap_tap *taps;
	size_t ntaps;
	struct cap_iface *ifs;
	size_t nifs;
	struct strbuf out;
	uint64_t frames, max_frames;
	/* More frames than one turn takes: drain again on the next turn (a
	 * timer, not an idle watcher, which a busy loop would starve). */
	ev_timer duration_w, resume_w, end_w, more_w;
	char *end_why;
	bool paused, ended;
	struct capture_sink sink;	/* its write NULL: files */
	char *path;
	int fd;
	uint64_t file_bytes, max_bytes;
	unsigned files;
	void (*on_end)(void *arg, const char *why);
	void *arg;
};

/* Something ended the capture by itself: tell the owner once, from the
 * loop (the owner frees the capture, which may be in use right now). */
static void capture_end(struct capture *c, const char *why)
{
	if (c->ended)
		return;
	c->ended = true;
	ev_timer_stop(c->loop, &c->duration_w);
	for (size_t i = 0; i < c->ntaps; i++)
		ev_io_stop(c->loop, &c->taps[i].w);
	c->end_why = xstrdup(why);
	ev_timer_start(c->loop, &c->end_w);
}

static void capture_on_ended(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct capture *c = w->data;
	if (c->on_end != NULL)
		c->on_end(c->arg, c->end_why);
}

static void capture_section(struct capture *c)
{
	pcapng_section(&c->out, "umllab");
	c->nifs = 0;
}

/* Open the current file afresh, the older ones shifted by one. */
static int capture_file_open(struct capture *c, bool rotate, char **cause)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (rotate && c->files > 1) {
		size_t stem = strlen(c->path);
		if (stem > 7 && strcmp(c->path + stem - 7, ".pcapng") == 0)
			stem -= 7;
		for (unsigned k = c->files - 1; k >= 1; k--) {
			char *to = xasprintf("%.*s.%u.pcapng", (int)stem, c->path, k);
			char *from = k == 1 ? xstrdup(c->path) :
			    xasprintf("%.*s.%u.pcapng", (int)stem, c->path, k - 1);
			rename(from, to);
			free(from);
			free(to);
		}
	}
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (c->fd < 0)
		return set_cause(cause, "cannot write the capture file %s: %s", c->path,
		    strerror(errno));
	c->file_bytes = 0;
	capture_section(c);
	return 0;
}

/* Hand the pcapng bytes so far to the client or the file. */
static void capture_flush(struct capture *c)
{
	if (c->out.len == 0)
		return;
	if (c->sink.write != NULL) {
		c->sink.write(c->sink.arg, c->out.s, c->out.len);
	} else if (c->fd >= 0) {
		if (write_all(c->fd, c->out.s, c->out.len) != 0) {
			char *why = xasprintf("cannot write the capture file %s: %s", c->path,
			    strerror(errno));
			close(c->fd);
			c->fd = -1;
			capture_end(c, why);
			free(why);
		}
		c->file_bytes += c->out.len;
	}
	c->out.len = 0;
}

static uint32_t capture_iface(struct capture *c, const struct cap_tap *t, const char *label)
{
	for (size_t i = 0; i < c->nifs; i++)
		if (c->ifs[i].label == label)
			return c->ifs[i].id;
	c->ifs = xreallocarray(c->ifs, c->nifs + 1, sizeof(*c->ifs));
	c->ifs[c->nifs] = (struct cap_iface){ .label = label, .id = (uint32_t)c->nifs };
	char *desc = xasprintf("a port of switch %s", t->switch_name);
	pcapng_interface(&c->out, label, desc, SWITCH_TAP_SNAPLEN);
	free(desc);
	return (uint32_t)c->nifs++;
}

static bool capture_client_behind(const struct capture *c)
{
	return c->sink.write != NULL && c->sink.unread(c->sink.arg) > CAPTURE_CONN_HIGH;
}

static void capture_pause(struct capture *c)
{
	c->paused = true;
	for (size_t i = 0; i < c->ntaps; i++)
		ev_io_stop(c->loop, &c->taps[i].w);
	ev_timer_again(c->loop, &c->resume_w);
}

/* Write frame f of tap t into the stream; false when the capture must stop
 * taking frames for now (it ended, or its reader is behind). */
static bool capture_emit(struct capture *c, struct cap_tap *t, const struct switch_tap_frame *f)
{
	if (c->fd >= 0 && c->max_bytes > 0 && c->file_bytes > 0 &&
	    c->file_bytes + c->out.len + f->len + 256 > c->max_bytes) {
		capture_flush(c);
		char *cause = NULL;
		if (capture_file_open(c, true, &cause) != 0) {
			capture_end(c, cause);
			free(cause);
			return false;
		}
	}
	uint32_t id = capture_iface(c, t, f->port);
	pcapng_packet(&c->out, id, f->ts_ns, f->data, f->len, f->len,
	    f->dir == SWITCH_TAP_IN ? PCAPNG_DIR_INBOUND : PCAPNG_DIR_OUTBOUND);
	c->frames++;
	if (c->out.len >= CAPTURE_CHUNK)
		capture_flush(c);
	if (c->max_frames != 0 && c->frames >= c->max_frames) {
		capture_flush(c);
		char *why = xasprintf("it reached its count, -c %llu", (unsigned long long)c->frames);
		capture_end(c, why);
		free(why);
		return false;
	}
	if (capture_client_behind(c)) {
		capture_flush(c);
		capture_pause(c);
		return false;
	}
	return true;
}

/* Copy what the taps hold into the stream, oldest first across taps: a
 * switch's reader is woken up to 10 ms after its frames (switch_tap_wake),
 * so the frames of another switch, later ones among them, may be read
 * first. A tap's frame stays valid until its next switch_tap_next, so each
 * tap keeps the one it showed until it is the oldest. True when frames may
 * remain. */
static bool capture_drain_all_taps(struct capture *c)
{
	for (unsigned n = 0; n < CAPTURE_DRAIN_MAX * c->ntaps; n++) {
		if (c->ended || c->paused)
			return false;
		struct cap_tap *oldest = NULL;
		for (size_t i = 0; i < c->ntaps; i++) {
			struct cap_tap *t = &c->taps[i];
			if (!t->has)
				t->has = switch_tap_next(t->tap, &t->cur);
			if (t->has && (oldest == NULL || t->cur.ts_ns < oldest->cur.ts_ns))
				oldest = t;
		}
		if (oldest == NULL)
			return false;
		oldest->has = false;
		if (!capture_emit(c, oldest, &oldest->cur))
			return false;
	}
	return true;
}

static void capture_drain_all(struct capture *c)
{
	bool more = capture_drain_all_taps(c);
	capture_flush(c);
	if (more)
		ev_timer_start(c->loop, &c->more_w);
}

static void capture_on_tap(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct cap_tap *t = w->data;
	uint64_t v;
	while (read(w->fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	capture_drain_all(t->cap);
}

static void capture_on_more(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	capture_drain_all(w->data);
}

static void capture_on_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct capture *c = w->data;
	if (c->ended || c->sink.write == NULL || c->sink.unread(c->sink.arg) > CAPTURE_CONN_LOW)
		return;
	ev_timer_stop(loop, w);
	c->paused = false;
	for (size_t i = 0; i < c->ntaps; i++)
		ev_io_start(loop, &c->taps[i].w);
	capture_drain_all(c);
}

static void capture_on_duration(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct capture *c = w->data;
	capture_drain_all(c);
	capture_end(c, "the capture's duration is over");
}

struct capture *capture_start(struct ev_loop *loop, const struct capture_opts *o, char **cause)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->fd = -1;
	if (o->sink != NULL)
		c->sink = *o->sink;
	c->max_frames = o->max_frames;
	c->on_end = o->on_end;
	c->arg = o->arg;
	c->max_bytes = o->max_bytes;
	c->files = o->files ? o->files : 1;
	ev_timer_init(&c->duration_w, capture_on_duration, o->duration_s, 0.);
	c->duration_w.data = c;
	ev_timer_init(&c->resume_w, capture_on_resume, 0., CAPTURE_RESUME_S);
	c->resume_w.data = c;
	ev_timer_init(&c->end_w, capture_on_ended, 0., 0.);
	c->end_w.data = c;
	ev_timer_init(&c->more_w, capture_on_more, 0., 0.);
	c->more_w.data = c;
	if (o->path != NULL) {
		/* A recording of an earlier session is kept: it becomes PATH.1. */
		struct stat st;
		c->path = xstrdup(o->path);
		if (capture_file_open(c, stat(c->path, &st) == 0 && st.st_size > 0, cause) != 0)
			goto fail;
	} else {
		capture_section(c);
	}
	c->taps = xcalloc(o->ntargets, sizeof(*c->taps));
	for (size_t i = 0; i < o->ntargets; i++) {
		struct switch_tap_opts to = { .cable = o->targets[i].cable, .filter = o->prog ? o->prog->bf_insns : NULL,
		    .filter_len = o->prog ? o->prog->bf_len : 0, .ring_frames = CAPTURE_RING };
		struct cap_tap *t = &c->taps[i];
		t->tap = switch_tap_open(o->targets[i].sw, &to, cause);
		if (t->tap == NULL)
			goto fail;
		c->ntaps++;
		t->cap = c;
		t->sw = o->targets[i].sw;
		t->switch_name = xstrdup(o->targets[i].switch_name);
		t->cable = o->targets[i].cable != NULL ? xstrdup(o->targets[i].cable) : NULL;
		ev_io_init(&t->w, capture_on_tap, switch_tap_fd(t->tap), EV_READ);
		t->w.data = t;
		ev_io_start(loop, &t->w);
	}
	capture_flush(c);	/* the section header, at once: a reader knows what comes */
	if (o->duration_s > 0)
		ev_timer_start(loop, &c->duration_w);
	/* Taps start empty and unarmed: the first look arms them. */
	capture_drain_all(c);
	return c;

fail:
	capture_drop(c);
	return NULL;
}

void capture_cable_moved(struct capture *c, const char *cable, struct sw *to,
    const char *switch_name)
{
	if (c->ended)
		return;
	for (size_t i = 0; i < c->ntaps; i++) {
		struct cap_tap *t = &c->taps[i];
		if (t->cable == NULL || strcmp(t->cable, cable) != 0 || t->sw == to)
			continue;
		char *cause = NULL;
		if (switch_tap_move(t->sw, to, t->tap, &cause) != 0) {
			char *why = xasprintf("cable %s moved to switch %s, and the capture could not "
			    "follow it: %s", cable, switch_name, cause);
			capture_end(c, why);
			free(why);
			free(cause);
			return;
		}
		t->sw = to;
		free(t->switch_name);
		t->switch_name = xstrdup(switch_name);
	}
	/* What the old switch put in a ring and had not yet woken the reader for. */
	capture_drain_all(c);
}

void capture_counts(const struct capture *c, uint64_t *captured, uint64_t *dropped)
{
	*captured = c->frames;
	*dropped = 0;
	for (size_t i = 0; i < c->ntaps; i++) {
		uint64_t got, lost;
		switch_tap_counts(c->taps[i].tap, &got, &lost);
		*dropped += lost;
	}
}

static void capture_free(struct capture *c)
{
	ev_timer_stop(c->loop, &c->end_w);
	free(c->end_why);
	ev_timer_stop(c->loop, &c->duration_w);
	ev_timer_stop(c->loop, &c->resume_w);
	ev_timer_stop(c->loop, &c->more_w);
	for (size_t i = 0; i < c->ntaps; i++) {
		ev_io_stop(c->loop, &c->taps[i].w);
		switch_tap_close(c->taps[i].sw, c->taps[i].tap);
		free(c->taps[i].switch_name);
		free(c->taps[i].cable);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->taps);
	free(c->ifs);
	free(c->out.s);
	free(c->path);
	free(c);
}

void capture_stop(struct capture *c, uint64_t *captured, uint64_t *dropped)
{
	if (c == NULL)
		return;
	c->on_end = NULL;	/* the owner is stopping it: no callback now */
	if (!c->ended)
		capture_drain_all(c);
	c->ended = true;
	capture_flush(c);
	uint64_t got, lost;
	capture_counts(c, &got, &lost);
	if (captured != NULL)
		*captured = got;
	if (dropped != NULL)
		*dropped = lost;
	capture_free(c);
}

void capture_drop(struct capture *c)
{
	if (c == NULL)
		return;
	c->sink = (struct capture_sink){ 0 };
	c->on_end = NULL;
	c->ended = true;
	capture_free(c);
}
