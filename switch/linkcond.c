/* switch/linkcond.c: parsing link conditions, and the queue that applies them.
 *
 * A frame goes through the conditions in netem's order: the MTU, the match
 * (frames that do not match pass untouched), loss (Bernoulli, or the
 * Gilbert model when a burst length is given), duplication, corruption,
 * then its time: the rate's departure (the link is busy until the previous
 * frame is on the wire; a queue of `limit` frames, or one that holds all the
 * memory it may, is full and drops at the tail), plus the delay and jitter
 * (unless it is reordered: sent at once). Frames whose time has not come
 * wait in a heap ordered by time, then by arrival, so equal times keep their
 * order. A frame that can go now untouched is not copied at all; a frame
 * sent or dropped is freed at once, and the heap shrinks as it empties. */
#include "switch/linkcond.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/util.h"

#define ETH_HLEN 14
#define NS_PER_S 1000000000ull
#define TIME_MAX_NS (60 * NS_PER_S)
#define RATE_MIN_BPS 1000ull
#define RATE_MAX_BPS 100000000000ull

/* ---- parsing ---- */

/* A non-negative decimal number at the start of s; *end after it. */
static int parse_number(const char *s, double *v, const char **end)
{
	if (!isdigit((unsigned char)s[0]) && !(s[0] == '.' && isdigit((unsigned char)s[1])))
		return -1;
	char *e;
	errno = 0;
	*v = strtod(s, &e);
	if (errno != 0 || !(*v >= 0 && *v < 1e18))
		return -1;
	*end = e;
	return 0;
}

struct unit {
	const char *name;
	double scale;
};

/* A number followed by one of units (case-insensitive): 0 with *v scaled,
 * -1 when either is missing or unknown. */
static int parse_with_unit(const char *s, const struct unit *units, size_t n, double *v)
{
	double x;
	const char *unit;
	if (parse_number(s, &x, &unit) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(unit, units[i].name) == 0) {
			*v = x * units[i].scale;
			return 0;
		}
	return -1;
}

int linkcond_parse_time(const char *s, uint64_t *ns, char **cause)
{
	static const struct unit units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	double t;
	if (parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), &t) != 0)
		return set_cause(cause, "time %s: expected a number and a unit, such as 50ms, 1.5s "
		    "or 200us", s);
	if (t > (double)TIME_MAX_NS)
		return set_cause(cause, "time %s: at most 60s", s);
	*ns = (uint64_t)(t + 0.5);
	return 0;
}

int linkcond_parse_percent(const char *s, uint32_t *ppm, char **cause)
{
	double v;
	const char *rest;
	if (parse_number(s, &v, &rest) != 0 || strcmp(rest, "%") != 0)
		return set_cause(cause, "%s: expected a percentage, such as 1%% or 0.5%%", s);
	if (v > 100)
		return set_cause(cause, "%s: a percentage is at most 100%%", s);
	*ppm = (uint32_t)(v * (LINKCOND_PPM / 100) + 0.5);
	return 0;
}

int linkcond_parse_rate(const char *s, uint64_t *bps, char **cause)
{
	static const struct unit units[] = { { "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 },
		{ "gbit", 1e9 } };
	double r;
	if (parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), &r) != 0)
		return set_cause(cause, "rate %s: expected bits per second with a unit, such as "
		    "1mbit, 512kbit or 9600bit", s);
	if (r < (double)RATE_MIN_BPS || r > (double)RATE_MAX_BPS)
		return set_cause(cause, "rate %s: expected 1kbit to 100gbit", s);
	*bps = (uint64_t)(r + 0.5);
	return 0;
}

static int parse_count(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, const char *what,
    char **cause)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 || v < lo || v > hi)
		return set_cause(cause, "%s %s: expected a whole number from %u to %u", what, s, lo,
		    hi);
	*out = (uint32_t)v;
	return 0;
}

struct cond_kind {
	const char *name;
	unsigned bit;
};

static const struct cond_kind cond_kinds[] = {
	{ "delay", LINKCOND_DELAY }, { "jitter", LINKCOND_JITTER }, { "loss", LINKCOND_LOSS },
	{ "burst", LINKCOND_BURST }, { "duplicate", LINKCOND_DUPLICATE },
	{ "corrupt", LINKCOND_CORRUPT }, { "reorder", LINKCOND_REORDER }, { "rate", LINKCOND_RATE },
	{ "limit", LINKCOND_LIMIT }, { "mtu", LINKCOND_MTU }, { "match", LINKCOND_MATCH },
	{ "drop", LINKCOND_DROP },
};
#define N_KINDS (sizeof(cond_kinds) / sizeof(cond_kinds[0]))

static void cond_clear(struct linkcond *c, unsigned bit)
{
	c->set &= ~bit;
	switch (bit) {
	case LINKCOND_DELAY: c->delay_ns = 0; break;
	case LINKCOND_JITTER: c->jitter_ns = 0; break;
	case LINKCOND_LOSS: c->loss_ppm = 0; break;
	case LINKCOND_BURST: c->burst = 0; break;
	case LINKCOND_DUPLICATE: c->duplicate_ppm = 0; break;
	case LINKCOND_CORRUPT: c->corrupt_ppm = 0; break;
	case LINKCOND_REORDER: c->reorder_ppm = 0; break;
	case LINKCOND_RATE: c->rate_bps = 0; break;
	case LINKCOND_LIMIT: c->limit = 0; break;
	case LINKCOND_MTU: c->mtu = 0; break;
	case LINKCOND_MATCH:
	case LINKCOND_DROP:
		if (!(c->set & (LINKCOND_MATCH | LINKCOND_DROP)))
			c->match[0] = '\0';
		break;
	}
}

int linkcond_set(struct linkcond *c, const char *name, const char *value, char **cause)
{
	const struct cond_kind *k = NULL;
	for (size_t i = 0; i < N_KINDS; i++)
		if (strcmp(name, cond_kinds[i].name) == 0)
			k = &cond_kinds[i];
	if (k == NULL)
		return set_cause(cause, "unknown condition %s: expected delay, jitter, loss, burst, "
		    "duplicate, corrupt, reorder, rate, limit, mtu, match or drop", name);
	if (strcmp(value, "off") == 0) {
		cond_clear(c, k->bit);
		return 0;
	}
	char *why = NULL;
	int rc = 0;
	switch (k->bit) {
	case LINKCOND_DELAY: rc = linkcond_parse_time(value, &c->delay_ns, &why); break;
	case LINKCOND_JITTER: rc = linkcond_parse_time(value, &c->jitter_ns, &why); break;
	case LINKCOND_LOSS: rc = linkcond_parse_percent(value, &c->loss_ppm, &why); break;
	case LINKCOND_DUPLICATE: rc = linkcond_parse_percent(value, &c->duplicate_ppm, &why); break;
	case LINKCOND_CORRUPT: rc = linkcond_parse_percent(value, &c->corrupt_ppm, &why); break;
	case LINKCOND_REORDER: rc = linkcond_parse_percent(value, &c->reorder_ppm, &why); break;
	case LINKCOND_RATE: rc = linkcond_parse_rate(value, &c->rate_bps, &why); break;
	case LINKCOND_BURST: rc = parse_count(value, 1, 1000, &c->burst, "burst", &why); break;
	case LINKCOND_LIMIT:
		rc = parse_count(value, 1, LINKCOND_LIMIT_MAX, &c->limit, "limit", &why);
		if (rc != 0 && strspn(value, "0123456789") == strlen(value) &&
		    strspn(value, "0") < strlen(value))	/* a number, too big: say why */
			set_cause(&why, "limit %s: at most %u frames, so that full-size frames fit in "
			    "the %u MB one direction of a cable may hold", value,
			    (unsigned)LINKCOND_LIMIT_MAX, LINKCOND_QUEUE_BYTES >> 20);
		break;
	case LINKCOND_MTU:
		rc = parse_count(value, LINKCOND_MTU_MIN, LINKCOND_MTU_MAX, &c->mtu, "mtu", &why);
		break;
	case LINKCOND_MATCH:
	case LINKCOND_DROP:
		if (value[0] == '\0' || str_copy(c->match, sizeof(c->match), value) != 0)
			rc = set_cause(&why, "%s: expected a tcpdump expression of 1 to %d characters, "
			    "such as arp or 'tcp port 80'", name, LINKCOND_MATCH_MAX - 1);
		else
			c->set &= ~(LINKCOND_MATCH | LINKCOND_DROP);
		break;
	}
	if (rc != 0) {
		set_cause(cause, "%s", why);
		free(why);
		return -1;
	}
	c->set |= k->bit;
	return 0;
}

void linkcond_normalize(struct linkcond *c)
{
	if (c->delay_ns == 0)
		cond_clear(c, LINKCOND_DELAY);
	if (c->jitter_ns == 0)
		cond_clear(c, LINKCOND_JITTER);
	if (c->loss_ppm == 0)
		cond_clear(c, LINKCOND_LOSS);
	if (c->burst <= 1)
		cond_clear(c, LINKCOND_BURST);
	if (c->duplicate_ppm == 0)
		cond_clear(c, LINKCOND_DUPLICATE);
	if (c->corrupt_ppm == 0)
		cond_clear(c, LINKCOND_CORRUPT);
	if (c->reorder_ppm == 0)
		cond_clear(c, LINKCOND_REORDER);
	if (c->rate_bps == 0)
		cond_clear(c, LINKCOND_RATE);
	if (c->limit == 0)
		cond_clear(c, LINKCOND_LIMIT);
	if (c->mtu == 0)
		cond_clear(c, LINKCOND_MTU);
	if (c->match[0] == '\0')
		c->set &= ~(LINKCOND_MATCH | LINKCOND_DROP);
	/* A match alone does nothing: it only narrows the others. */
	if (c->set == LINKCOND_MATCH) {
		c->set = 0;
		c->match[0] = '\0';
	}
}

int linkcond_check(const struct linkcond *c, const char *dir, char **cause)
{
	const char *in = dir != NULL && *dir ? dir : "both";
	if ((c->set & LINKCOND_REORDER) && !(c->set & LINKCOND_DELAY))
		return set_cause(cause, "%s: reorder needs a delay (reordered frames skip the "
		    "delay and overtake the others)", in);
	if ((c->set & LINKCOND_JITTER) && !(c->set & LINKCOND_DELAY))
		return set_cause(cause, "%s: jitter needs a delay to vary around", in);
	if ((c->set & LINKCOND_BURST) && !(c->set & LINKCOND_LOSS))
		return set_cause(cause, "%s: burst is the mean length of a loss burst; it needs "
		    "a loss", in);
	if ((c->set & LINKCOND_DROP) && (c->set & LINKCOND_LOSS))
		return set_cause(cause, "%s: drop EXPR drops every matching frame already; "
		    "loss adds nothing to it (use match EXPR with loss N%% for some)", in);
	return 0;
}

bool linkcond_empty(const struct linkcond *c)
{
	return c->set == 0;
}

int linkcond_parse_words(struct linkcond_pair *p, int argc, char **argv, char **cause)
{
	bool to_in = true, to_out = true;
	if (argc == 0)
		return set_cause(cause, "expected conditions, such as delay 50ms loss 1%%");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "in") == 0 || strcmp(argv[i], "out") == 0 ||
		    strcmp(argv[i], "both") == 0) {
			to_in = argv[i][0] != 'o';
			to_out = argv[i][0] != 'i';
			continue;
		}
		if (i + 1 >= argc)
			return set_cause(cause, "%s needs a value (such as %s)", argv[i],
			    strcmp(argv[i], "delay") == 0 ? "delay 50ms" : "loss 1% or rate 1mbit");
		if ((to_in && linkcond_set(&p->in, argv[i], argv[i + 1], cause) != 0) ||
		    (to_out && linkcond_set(&p->out, argv[i], argv[i + 1], cause) != 0))
			return -1;
		i++;
	}
	linkcond_normalize(&p->in);
	linkcond_normalize(&p->out);
	if (linkcond_check(&p->in, "in", cause) != 0 || linkcond_check(&p->out, "out", cause) != 0)
		return -1;
	return 0;
}

/* ---- formatting ---- */

static void format_time(struct strbuf *b, uint64_t ns)
{
	if (ns % 1000000 == 0)
		strbuf_printf(b, "%llums", (unsigned long long)(ns / 1000000));
	else if (ns % 1000 == 0)
		strbuf_printf(b, "%lluus", (unsigned long long)(ns / 1000));
	else
		strbuf_printf(b, "%lluns", (unsigned long long)ns);
}

static void format_percent(struct strbuf *b, uint32_t ppm)
{
	strbuf_printf(b, "%g%%", ppm / (double)(LINKCOND_PPM / 100));
}

static void format_rate(struct strbuf *b, uint64_t bps)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = { { 1000000000, "gbit" }, { 1000000, "mbit" }, { 1000, "kbit" } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (bps % units[i].div == 0) {
			strbuf_printf(b, "%llu%s", (unsigned long long)(bps / units[i].div),
			    units[i].unit);
			return;
		}
	strbuf_printf(b, "%llubit", (unsigned long long)bps);
}

char *linkcond_format(const struct linkcond *c)
{
	struct strbuf b = { 0 };
	for (size_t i = 0; i < N_KINDS; i++) {
		unsigned bit = cond_kinds[i].bit;
		if (!(c->set & bit))
			continue;
		strbuf_printf(&b, "%s%s ", b.len ? " " : "", cond_kinds[i].name);
		switch (bit) {
		case LINKCOND_DELAY: format_time(&b, c->delay_ns); break;
		case LINKCOND_JITTER: format_time(&b, c->jitter_ns); break;
		case LINKCOND_LOSS: format_percent(&b, c->loss_ppm); break;
		case LINKCOND_DUPLICATE: format_percent(&b, c->duplicate_ppm); break;
		case LINKCOND_CORRUPT: format_percent(&b, c->corrupt_ppm); break;
		case LINKCOND_REORDER: format_percent(&b, c->reorder_ppm); break;
		case LINKCOND_RATE: format_rate(&b, c->rate_bps); break;
		case LINKCOND_BURST: strbuf_printf(&b, "%u", c->burst); break;
		case LINKCOND_LIMIT: strbuf_printf(&b, "%u", c->limit); break;
		case LINKCOND_MTU: strbuf_printf(&b, "%u", c->mtu); break;
		case LINKCOND_MATCH:
		case LINKCOND_DROP:
			strbuf_printf(&b, strchr(c->match, ' ') ? "'%s'" : "%s", c->match);
			break;
		}
	}
	return strbuf_take(&b);
}

char *linkcond_pair_format(const struct linkcond_pair *p)
{
	char *in = linkcond_format(&p->in), *out = linkcond_format(&p->out);
	char *s;
	if (strcmp(in, out) == 0)
		s = xstrdup(in);
	else if (!*in)
		s = xasprintf("out: %s", out);
	else if (!*out)
		s = xasprintf("in: %s", in);
	else
		s = xasprintf("in: %s; out: %s", in, out);
	free(in);
	free(out);
	return s;
}

/* ---- the queue ---- */

struct held {
	uint64_t due;
	uint64_t seq;
	uint32_t len;
	unsigned char data[];
};

#define HEAP_MIN 64	/* slots the heap keeps however few frames it holds */

struct linkcond_queue {
	struct linkcond c;
	linkcond_match_fn match;
	void *filter;
	void (*free_filter)(void *);
	uint64_t rng;
	bool bad;		/* the Gilbert model's bad state: frames are lost */
	uint64_t link_free;	/* rate: when the last frame is off the wire */
	uint64_t seq;
	struct held **heap;	/* min-heap by (due, seq) */
	uint32_t n, cap;
	struct held *current;	/* lent out by linkcond_queue_next */
	uint64_t bytes;		/* what the held frames cost (LINKCOND_FRAME_OVERHEAD each) */
	uint64_t max_bytes;
	struct linkcond_budget *shared;
	struct linkcond_stats st;
};

/* splitmix64: small, fast, and good enough to decide a frame's fate. */
static uint64_t rng_next(struct linkcond_queue *q)
{
	uint64_t z = (q->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool chance(struct linkcond_queue *q, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= LINKCOND_PPM)
		return true;
	return (rng_next(q) >> 11) % LINKCOND_PPM < ppm;
}

struct linkcond_queue *linkcond_queue_new(uint64_t seed)
{
	struct linkcond_queue *q = xcalloc(1, sizeof(*q));
	q->rng = seed;
	q->max_bytes = LINKCOND_QUEUE_BYTES;
	return q;
}

void linkcond_queue_memory(struct linkcond_queue *q, uint64_t max_bytes,
    struct linkcond_budget *shared)
{
	q->max_bytes = max_bytes;
	q->shared = shared;
}

static void queue_filter_free(struct linkcond_queue *q)
{
	if (q->filter != NULL && q->free_filter != NULL)
		q->free_filter(q->filter);
	q->filter = NULL;
}

static uint64_t held_cost(size_t len)
{
	return len + LINKCOND_FRAME_OVERHEAD;
}

/* A frame leaves the queue: its memory no longer counts. */
static void held_forget(struct linkcond_queue *q, const struct held *h)
{
	uint64_t cost = held_cost(h->len);
	q->bytes -= cost;
	if (q->shared != NULL)
		atomic_fetch_sub_explicit(&q->shared->used, cost, memory_order_relaxed);
}

/* Fewer frames: a smaller heap, so that a queue that held many gives the
 * memory back (a quarter full at most: half as many slots). */
static void heap_shrink(struct linkcond_queue *q)
{
	if (q->cap <= HEAP_MIN || q->n > q->cap / 4)
		return;
	uint32_t cap = q->cap / 2;
	while (cap > HEAP_MIN && q->n <= cap / 4)
		cap /= 2;
	q->cap = cap;
	q->heap = xreallocarray(q->heap, q->cap, sizeof(*q->heap));
}

uint32_t linkcond_queue_flush(struct linkcond_queue *q)
{
	uint32_t n = q->n;
	for (uint32_t i = 0; i < q->n; i++) {
		held_forget(q, q->heap[i]);
		free(q->heap[i]);
	}
	free(q->heap);
	q->heap = NULL;
	q->n = q->cap = 0;
	free(q->current);
	q->current = NULL;
	q->st.flushed += n;
	return n;
}

void linkcond_queue_free(struct linkcond_queue *q)
{
	if (q == NULL)
		return;
	linkcond_queue_flush(q);
	queue_filter_free(q);
	free(q);
}

static bool held_before(const struct held *a, const struct held *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static int held_cmp(const void *a, const void *b)
{
	const struct held *x = *(struct held *const *)a, *y = *(struct held *const *)b;
	return held_before(x, y) ? -1 : held_before(y, x) ? 1 : 0;
}

/* How long a frame arriving now could wait at most, past its departure. */
static uint64_t max_delay(const struct linkcond *c)
{
	return c->delay_ns ? c->delay_ns + c->jitter_ns : 0;
}

/* New conditions: no held frame waits longer than the new ones would make
 * it wait if it arrived now, in its place. The heap sorted by time is a
 * heap still; the held frames are numbered again in that order, so times
 * made equal keep it. */
static void queue_retime(struct linkcond_queue *q, uint64_t now)
{
	const struct linkcond *c = &q->c;
	if (q->n > 1)
		qsort(q->heap, q->n, sizeof(*q->heap), held_cmp);
	uint64_t link = now, wait = max_delay(c);
	for (uint32_t i = 0; i < q->n; i++) {
		struct held *h = q->heap[i];
		uint64_t t = now;
		if (c->rate_bps) {
			link += (uint64_t)h->len * 8 * NS_PER_S / c->rate_bps;
			t = link;
		}
		t += wait;
		if (t < h->due)
			h->due = t;
		h->seq = q->seq++;
	}
	/* New frames queue behind the held ones, not behind the old rate's. */
	if (!c->rate_bps)
		q->link_free = 0;
	else if (link < q->link_free)
		q->link_free = link;
}

void linkcond_queue_configure(struct linkcond_queue *q, const struct linkcond *c,
    linkcond_match_fn match, void *filter, void (*free_filter)(void *), uint64_t now)
{
	queue_filter_free(q);
	q->c = *c;
	q->match = match;
	q->filter = filter;
	q->free_filter = free_filter;
	if (!(c->set & LINKCOND_LOSS))
		q->bad = false;
	queue_retime(q, now);
}

static void heap_push(struct linkcond_queue *q, struct held *h)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : HEAP_MIN;
		q->heap = xreallocarray(q->heap, q->cap, sizeof(*q->heap));
	}
	uint32_t i = q->n++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!held_before(h, q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = h;
}

static struct held *heap_pop(struct linkcond_queue *q)
{
	struct held *top = q->heap[0];
	struct held *last = q->heap[--q->n];
	uint32_t i = 0;
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && held_before(q->heap[child + 1], q->heap[child]))
			child++;
		if (!held_before(q->heap[child], last))
			break;
		q->heap[i] = q->heap[child];
		i = child;
	}
	if (q->n > 0)
		q->heap[i] = last;
	return top;
}

/* The Gilbert model: the bad state lasts `burst` frames on average, and the
 * share of frames lost over time is the loss percentage. */
static bool lose(struct linkcond_queue *q)
{
	const struct linkcond *c = &q->c;
	if (!(c->set & LINKCOND_BURST))
		return chance(q, c->loss_ppm);
	if (c->loss_ppm >= LINKCOND_PPM)
		return true;
	double p = c->loss_ppm / (double)LINKCOND_PPM, r = 1.0 / c->burst;
	double to_bad = p * r / (1 - p);
	if (q->bad)
		q->bad = !chance(q, (uint32_t)(r * LINKCOND_PPM));
	else
		q->bad = chance(q, (uint32_t)(to_bad * LINKCOND_PPM));
	return q->bad;
}

/* Is there room for one more frame of len bytes: the frames the limit
 * allows, the memory of this queue, and the lab's (a relaxed look: queues
 * of other switches may take it past its cap by a frame each). */
static bool room(struct linkcond_queue *q, size_t len)
{
	uint32_t limit = q->c.limit ? q->c.limit : LINKCOND_LIMIT_DEFAULT;
	if (q->n >= limit) {
		q->st.overlimit++;
		return false;
	}
	uint64_t cost = held_cost(len);
	if (q->bytes + cost > q->max_bytes || (q->shared != NULL &&
	    atomic_load_explicit(&q->shared->used, memory_order_relaxed) + cost >
	    atomic_load_explicit(&q->shared->cap, memory_order_relaxed))) {
		q->st.overmemory++;
		return false;
	}
	return true;
}

/* When one copy of a frame of len bytes arriving at now may leave;
 * UINT64_MAX when the queue is full. */
static uint64_t copy_due(struct linkcond_queue *q, size_t len, uint64_t now)
{
	const struct linkcond *c = &q->c;
	if (!room(q, len))
		return UINT64_MAX;
	uint64_t due = now;
	if (c->rate_bps) {
		uint64_t start = q->link_free > now ? q->link_free : now;
		due = start + (uint64_t)len * 8 * NS_PER_S / c->rate_bps;
		q->link_free = due;
	}
	if (c->delay_ns) {
		if (chance(q, c->reorder_ppm)) {
			q->st.reordered++;
			return due;
		}
		int64_t d = (int64_t)c->delay_ns;
		if (c->jitter_ns) {
			uint64_t span = 2 * c->jitter_ns + 1;
			d += (int64_t)(rng_next(q) % span) - (int64_t)c->jitter_ns;
			if (d < 0)
				d = 0;
		}
		due += (uint64_t)d;
	}
	return due;
}

static void hold(struct linkcond_queue *q, const unsigned char *frame, size_t len, uint64_t due,
    bool corrupt, uint64_t now)
{
	struct held *h = xmalloc(sizeof(*h) + len);
	h->due = due;
	h->seq = q->seq++;
	h->len = (uint32_t)len;
	memcpy(h->data, frame, len);
	if (corrupt && len > ETH_HLEN) {
		uint64_t bit = rng_next(q) % ((len - ETH_HLEN) * 8);
		h->data[ETH_HLEN + bit / 8] ^= (unsigned char)(1u << (bit % 8));
		q->st.corrupted++;
	}
	if (due > now)
		q->st.delayed++;
	uint64_t cost = held_cost(len);
	q->bytes += cost;
	if (q->shared != NULL)
		atomic_fetch_add_explicit(&q->shared->used, cost, memory_order_relaxed);
	heap_push(q, h);
}

enum linkcond_verdict linkcond_queue_admit(struct linkcond_queue *q, const unsigned char *frame,
    size_t len, uint64_t now)
{
	const struct linkcond *c = &q->c;
	if (c->set == 0)
		goto pass;
	if ((c->set & LINKCOND_MTU) && len > ETH_HLEN + c->mtu) {
		q->st.oversize++;
		return LINKCOND_DROPPED;
	}
	if (q->filter != NULL && q->match(q->filter, frame, len) == 0)
		goto pass;
	if ((c->set & LINKCOND_DROP) || ((c->set & LINKCOND_LOSS) && lose(q))) {
		q->st.lost++;
		return LINKCOND_DROPPED;
	}
	unsigned copies = chance(q, c->duplicate_ppm) ? 2 : 1;
	if (copies == 2)
		q->st.duplicated++;
	enum linkcond_verdict v = LINKCOND_DROPPED;
	for (unsigned i = 0; i < copies; i++) {
		bool corrupt = chance(q, c->corrupt_ppm);
		uint64_t due = copy_due(q, len, now);
		if (due == UINT64_MAX)
			continue;
		if (i == 0 && due <= now && !corrupt) {
			v = LINKCOND_PASS;	/* nothing to wait for: no copy */
			q->st.passed++;
			continue;
		}
		hold(q, frame, len, due, corrupt, now);
		if (v == LINKCOND_DROPPED)
			v = LINKCOND_HELD;
	}
	return v;
pass:
	q->st.passed++;
	return LINKCOND_PASS;
}

bool linkcond_queue_next(struct linkcond_queue *q, uint64_t now, const unsigned char **frame,
    size_t *len)
{
	free(q->current);
	q->current = NULL;
	if (q->n == 0 || q->heap[0]->due > now)
		return false;
	q->current = heap_pop(q);
	held_forget(q, q->current);
	heap_shrink(q);
	q->st.passed++;
	*frame = q->current->data;
	*len = q->current->len;
	return true;
}

uint64_t linkcond_queue_due(const struct linkcond_queue *q)
{
	return q->n ? q->heap[0]->due : UINT64_MAX;
}

void linkcond_queue_stats(const struct linkcond_queue *q, struct linkcond_stats *st)
{
	*st = q->st;
	st->held = q->n;
	st->held_bytes = q->bytes;
}

void linkcond_queue_stats_reset(struct linkcond_queue *q)
{
	memset(&q->st, 0, sizeof(q->st));
}
