/* core/capture/capture.h: captures of a running lab: switch taps written as pcapng,
 * streamed to a client or recorded in rotating files.
 *
 * A capture reads one tap per target (a switch, or one cable of it) and
 * writes one pcapng stream: an interface per port, named after its cable
 * ("umlA.eth0"), each frame with its direction and a nanosecond timestamp.
 * The switches never wait for it: when its reader (the client, or the disk)
 * falls behind, the taps' rings fill and the switches count what they could
 * not copy (capture_counts). */
#ifndef UMLLAB_CAPTURE_H
#define UMLLAB_CAPTURE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw;
struct bpf_program;

/* A stream's reader (a client of the supervisor): the capture hands it
 * bytes, and pauses while more than a few MB of them are still unread. */
struct capture_sink {
	void (*write)(void *arg, const void *data, size_t len);
	size_t (*unread)(void *arg);	/* bytes written and not yet read */
	void *arg;
};

struct capture_target {
	struct sw *sw;
	const char *switch_name;
	const char *cable;	/* NULL: every frame the switch receives, once */
};

struct capture_opts {
	const struct capture_target *targets;
	size_t ntargets;
	const struct bpf_program *prog;	/* compiled (core/capture/filter.h), or NULL for every frame */
	uint64_t max_frames;		/* stop after this many; 0: no limit */
	double duration_s;		/* stop after this long; 0: no limit */
	/* Where it goes: a reader, or files. */
	const struct capture_sink *sink;
	const char *path;		/* the current file; older ones are PATH minus
					 * ".pcapng" plus ".1.pcapng", ".2.pcapng", ... */
	uint64_t max_bytes;		/* a file this big is rotated; 0: never */
	unsigned files;			/* files kept, the current one included (>= 1) */
	/* Called once when the capture ends by itself (frame count, duration,
	 * a write error), with why; the capture is still to be freed. */
	void (*on_end)(void *arg, const char *why);
	void *arg;
};

struct capture *capture_start(struct ev_loop *loop, const struct capture_opts *o, char **cause);

/* Cable `cable` was plugged into switch `to` (named switch_name): the
 * capture's taps on it follow it there (its frames on the new switch are a
 * new pcapng interface, named alike, described by that switch). Should the
 * new switch have no room for the tap, the capture ends and says why. */
void capture_cable_moved(struct capture *c, const char *cable, struct sw *to,
    const char *switch_name);

/* Frames written so far, and frames the switches could not copy because
 * the capture's reader was too slow. */
void capture_counts(const struct capture *c, uint64_t *captured, uint64_t *dropped);

/* Write what the taps still hold, then close the taps and the file, and
 * give the final counts (as capture_counts; either may be NULL); frees c. */
void capture_stop(struct capture *c, uint64_t *captured, uint64_t *dropped);

/* Close everything without writing more (its client went away); frees c. */
void capture_drop(struct capture *c);

#endif
