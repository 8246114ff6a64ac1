/* switch/linkcond.h: link conditions on a cable (delay, jitter, loss, bursts,
 * duplication, corruption, reordering, rate, MTU, planted drops), as VDE's
 * wirefilter and Linux netem give them, and the queue that applies them to
 * one direction of a cable.
 *
 * Leaf module (libc only): the topology loader and the CLI parse conditions
 * with it, the switch thread runs the queue. Time is passed in, in
 * nanoseconds of CLOCK_MONOTONIC, and randomness comes from a seeded
 * generator, so tests/unit/test_linkcond drives it with a fake clock. */
#ifndef UMLLAB_LINKCOND_H
#define UMLLAB_LINKCOND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINKCOND_MATCH_MAX 256	/* a tcpdump expression */
#define LINKCOND_LIMIT_DEFAULT 1000	/* frames held, as netem's default */

/* Memory. A held frame costs its length plus LINKCOND_FRAME_OVERHEAD (its
 * header, its place in the heap, malloc's own). One direction of a cable
 * holds at most LINKCOND_QUEUE_BYTES, and `limit` is bounded so that
 * LINKCOND_LIMIT_MAX frames of the longest length fit in it; the queues of
 * a whole lab share LINKCOND_LAB_BYTES (struct linkcond_budget). A frame
 * past either is dropped at the tail and counted (overmemory). */
#define LINKCOND_FRAME_LEN_MAX 1536	/* the longest frame a switch carries */
#define LINKCOND_FRAME_OVERHEAD 64u
#define LINKCOND_QUEUE_BYTES (8u << 20)
#define LINKCOND_LAB_BYTES (64u << 20)
#define LINKCOND_LIMIT_MAX 5000
_Static_assert((uint64_t)LINKCOND_LIMIT_MAX * (LINKCOND_FRAME_LEN_MAX + LINKCOND_FRAME_OVERHEAD) <=
    LINKCOND_QUEUE_BYTES, "limit x the longest frame fits in a queue's memory");
#define LINKCOND_MTU_MIN 68
#define LINKCOND_MTU_MAX 1522	/* the longest frame a switch carries, less its header */
#define LINKCOND_PPM 1000000u	/* probabilities are in parts per million */

/* Which fields of a struct linkcond are set (for showing and merging). */
enum {
	LINKCOND_DELAY = 1 << 0,
	LINKCOND_JITTER = 1 << 1,
	LINKCOND_LOSS = 1 << 2,
	LINKCOND_BURST = 1 << 3,
	LINKCOND_DUPLICATE = 1 << 4,
	LINKCOND_CORRUPT = 1 << 5,
	LINKCOND_REORDER = 1 << 6,
	LINKCOND_RATE = 1 << 7,
	LINKCOND_LIMIT = 1 << 8,
	LINKCOND_MTU = 1 << 9,
	LINKCOND_MATCH = 1 << 10,	/* the others apply only to matching frames */
	LINKCOND_DROP = 1 << 11,	/* drop EXPR: match EXPR and loss 100% */
};

/* The conditions of one direction of a cable. */
struct linkcond {
	unsigned set;			/* LINKCOND_* bits */
	uint64_t delay_ns;
	uint64_t jitter_ns;		/* uniform in [-jitter, +jitter], never below 0 */
	uint32_t loss_ppm;
	uint32_t burst;			/* mean length of a loss burst in frames (Gilbert model); 0: none */
	uint32_t duplicate_ppm;
	uint32_t corrupt_ppm;		/* one bit flipped past the Ethernet header */
	uint32_t reorder_ppm;		/* frames sent at once, overtaking the delayed ones */
	uint64_t rate_bps;		/* bits per second of frame data; 0: unlimited */
	uint32_t limit;			/* frames held at most; beyond, dropped at the tail */
	uint32_t mtu;			/* frames longer than 14 + mtu are dropped */
	char match[LINKCOND_MATCH_MAX];	/* MATCH or DROP: the expression */
};

/* Both directions, as seen from the instance: `in` is what it receives,
 * `out` what it sends. */
struct linkcond_pair {
	struct linkcond in, out;
};

/* ---- parsing ---- */

/* Values: "50ms", "1.5s", "200us" (a unit is required); "1%", "0.25%";
 * "1mbit", "512kbit", "2gbit", "9600bit" (bits per second). -1 with *cause
 * saying what was expected. */
int linkcond_parse_time(const char *s, uint64_t *ns, char **cause);
int linkcond_parse_percent(const char *s, uint32_t *ppm, char **cause);
int linkcond_parse_rate(const char *s, uint64_t *bps, char **cause);

/* Set one condition by its name ("delay", "loss", "match", "drop", ...)
 * from its value. -1 with *cause for an unknown name or a bad value. */
int linkcond_set(struct linkcond *c, const char *name, const char *value, char **cause);

/* Words as `umllab link A eth0 set` takes them: NAME VALUE pairs, and the
 * words `in`, `out` or `both` (the default) choosing the direction of what
 * follows, e.g. "delay 50ms out loss 1%". Changes only what the words name
 * (`loss 0%` takes loss away). -1 with *cause. */
int linkcond_parse_words(struct linkcond_pair *p, int argc, char **argv, char **cause);

/* Is the combination usable (reorder needs a delay, drop excludes match and
 * loss, jitter needs a delay, burst needs loss)? -1 with *cause naming the
 * direction given (e.g. "out"). */
int linkcond_check(const struct linkcond *c, const char *dir, char **cause);

/* Take away what value 0 means "none" (loss 0%, delay 0ms, ...), so that
 * an empty set means no condition at all. */
void linkcond_normalize(struct linkcond *c);

bool linkcond_empty(const struct linkcond *c);

/* "delay 50ms jitter 5ms loss 1%"; "" when empty. Caller frees. */
char *linkcond_format(const struct linkcond *c);

/* "delay 50ms loss 1%" when both directions agree, else
 * "in: delay 50ms; out: loss 1%"; "" when none. Caller frees. */
char *linkcond_pair_format(const struct linkcond_pair *p);

/* ---- the queue of one direction ---- */

/* What a queue did with frames so far. */
struct linkcond_stats {
	uint64_t passed;		/* sent on (immediately or after their time) */
	uint64_t delayed;		/* held for a while before being sent */
	uint64_t lost;			/* dropped by loss or a drop rule */
	uint64_t overlimit;		/* dropped because the queue held `limit` frames */
	uint64_t overmemory;		/* dropped because the queue, or the lab's queues
					 * together, held all the memory they may */
	uint64_t oversize;		/* dropped by the MTU */
	uint64_t duplicated;
	uint64_t corrupted;
	uint64_t reordered;
	uint64_t flushed;		/* held, then dropped by linkcond_queue_flush */
	uint32_t held;			/* frames in the queue now */
	uint64_t held_bytes;		/* the memory they take (LINKCOND_FRAME_OVERHEAD each) */
};

/* Memory that several queues share (those of a lab): a held frame that
 * would take `used` past `cap` is dropped. Queues in several threads may
 * share one; it must outlive them. */
struct linkcond_budget {
	_Atomic uint64_t used;
	_Atomic uint64_t cap;
};

struct linkcond_queue;

/* A frame's own filter: nonzero when the frame matches (the switch passes
 * libpcap's bpf_filter over the compiled `match`). */
typedef unsigned (*linkcond_match_fn)(const void *filter, const unsigned char *frame, size_t len);

/* A new queue may hold LINKCOND_QUEUE_BYTES, and shares no budget. */
struct linkcond_queue *linkcond_queue_new(uint64_t seed);
void linkcond_queue_free(struct linkcond_queue *q);

/* The memory q may hold (max_bytes), and the budget it shares with other
 * queues (NULL: none). Set before the first frame is held. */
void linkcond_queue_memory(struct linkcond_queue *q, uint64_t max_bytes,
    struct linkcond_budget *shared);

/* New conditions at now_ns. filter, if not NULL, is owned by the queue from
 * now on and freed with free_filter. A held frame keeps its time unless
 * the new conditions would send it sooner: it then leaves when a frame
 * arriving now, in its place in the queue, would leave (at most delay plus
 * jitter, behind the frames before it at the new rate). With no delay and
 * no rate left (conditions cleared), everything held is due at once, in
 * the order it would have left. */
void linkcond_queue_configure(struct linkcond_queue *q, const struct linkcond *c,
    linkcond_match_fn match, void *filter, void (*free_filter)(void *), uint64_t now_ns);

/* Drop every frame held (counted as flushed) and free their memory: the
 * link went down, or the kernel they were for or from is gone. The number
 * dropped. */
uint32_t linkcond_queue_flush(struct linkcond_queue *q);

enum linkcond_verdict {
	LINKCOND_PASS,		/* send it now, as it is */
	LINKCOND_HELD,		/* the queue took a copy (or copies) to send later */
	LINKCOND_DROPPED,
};

/* A frame arrives at now_ns. */
enum linkcond_verdict linkcond_queue_admit(struct linkcond_queue *q, const unsigned char *frame,
    size_t len, uint64_t now_ns);

/* The next frame whose time has come (by now_ns), oldest time first: its
 * data stays valid until the next call on q. false when none is due. The
 * memory of frames sent is freed as they go (the heap shrinks too). */
bool linkcond_queue_next(struct linkcond_queue *q, uint64_t now_ns, const unsigned char **frame,
    size_t *len);

/* When the next held frame is due; UINT64_MAX when none is held. */
uint64_t linkcond_queue_due(const struct linkcond_queue *q);

void linkcond_queue_stats(const struct linkcond_queue *q, struct linkcond_stats *st);

/* Every counter of q from 0 again; what it holds stays held. */
void linkcond_queue_stats_reset(struct linkcond_queue *q);

#endif
