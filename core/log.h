/* core/log.h: the supervisor's log file and the CLI's stderr, one interface. */
#ifndef UMLLAB_LOG_H
#define UMLLAB_LOG_H

#include <stdbool.h>

/* Send log lines to path (appending), or to stderr when path is NULL.
 * With debug set, log_debug lines are written too. */
int log_open(const char *path, bool debug);
void log_close(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
