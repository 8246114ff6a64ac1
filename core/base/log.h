/* core/base/log.h: the supervisor's log file and the CLI's stderr, one interface.
 *
 * The log file is bounded: past LOG_FILE_MAX bytes it becomes FILE.1 (one
 * older generation kept) and a new FILE is started, so a lab never holds
 * more than about twice that on disk. Lines whose rate someone outside
 * umllab controls (a guest, another client) go through a log_ratelimit. */
#ifndef UMLLAB_LOG_H
#define UMLLAB_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_FILE_MAX (1U << 20)

/* Send log lines to path (appending), or to stderr when path is NULL.
 * With debug set, log_debug lines are written too. */
int log_open(const char *path, bool debug);
void log_close(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN };

/* A token bucket for one kind of line from one source (an instance, the
 * control socket): LOG_RATELIMIT_BURST lines at once, then one line per
 * LOG_RATELIMIT_INTERVAL_MS. Zero-initialise it. */
#define LOG_RATELIMIT_BURST 10
#define LOG_RATELIMIT_INTERVAL_MS 1000
struct log_ratelimit {
	bool primed;		/* tokens were filled once */
	unsigned tokens;
	uint64_t refill_ms;	/* when the last token was added */
	unsigned suppressed;	/* lines refused since the last one allowed */
};

/* True when a line may be written at now_ms. When it may, *suppressed takes
 * how many lines were refused before it (and the count starts again). */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms, unsigned *suppressed);

/* Write a line through rl: refused lines are counted, and the next line
 * written is preceded by "N similar messages from WHO suppressed". */
void log_limited(struct log_ratelimit *rl, enum log_level level, const char *who,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Report what rl still holds back (the source is going away). */
void log_ratelimit_flush(struct log_ratelimit *rl, const char *who);

#endif
