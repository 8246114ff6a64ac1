/* core/base/log.c: timestamped log lines for the supervisor (a bounded file), plain lines for the CLI. */
#include "core/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/util.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static char *log_path;
static size_t log_size;
static bool log_debug_on;

int log_open(const char *path, bool debug)
{
	log_debug_on = debug;
	if (path == NULL) {
		log_close();
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct stat st;
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	free(log_path);
	log_fd = fd;
	log_path = xstrdup(path);
	log_size = fstat(fd, &st) == 0 ? (size_t)st.st_size : 0;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
	log_size = 0;
	pthread_mutex_unlock(&log_lock);
}

/* The file is full: keep it as PATH.1 and start a new one. The supervisor's
 * stdout and stderr point at the file too; they follow it, or whatever
 * writes there (libev, a sanitizer) would grow PATH.1 without bound. */
static void log_rotate(void)
{
	struct stat old;
	bool have_old = fstat(log_fd, &old) == 0;
	char *older = xasprintf("%s.1", log_path);
	int renamed = rename(log_path, older);
	free(older);
	int fd = renamed == 0 ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	if (fd < 0) {
		/* Cannot rotate: start the file over rather than let it grow. */
		if (ftruncate(log_fd, 0) == 0)
			log_size = 0;
		return;
	}
	for (int std = 1; std <= 2 && have_old; std++) {
		struct stat st;
		if (fstat(std, &st) == 0 && st.st_dev == old.st_dev && st.st_ino == old.st_ino)
			dup2(fd, std);
	}
	close(log_fd);
	log_fd = fd;
	log_size = 0;
}

static void log_vwrite(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	char *msg = xvasprintf(fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_fd < 0) {
		fprintf(stderr, "umllab: %s%s%s\n", msg, suffix ? ": " : "", suffix ? suffix : "");
		pthread_mutex_unlock(&log_lock);
		free(msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	char *line = xasprintf("%s.%03ld %s %s%s%s\n", stamp, ts.tv_nsec / 1000000, level, msg,
	    suffix ? ": " : "", suffix ? suffix : "");
	size_t len = strlen(line);
	if (log_size > 0 && log_size + len > LOG_FILE_MAX)
		log_rotate();
	if (write_all(log_fd, line, len) == 0)
		log_size += len;
	pthread_mutex_unlock(&log_lock);
	free(line);
	free(msg);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite("info", fmt, ap, NULL);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;
	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, err);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	if (!log_debug_on)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap, NULL);
	va_end(ap);
}

/* ---- rate limiting ---- */

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms, unsigned *suppressed)
{
	if (!rl->primed) {
		rl->primed = true;
		rl->tokens = LOG_RATELIMIT_BURST;
		rl->refill_ms = now_ms;
	}
	if (now_ms > rl->refill_ms) {
		uint64_t add = (now_ms - rl->refill_ms) / LOG_RATELIMIT_INTERVAL_MS;
		if (rl->tokens + add >= LOG_RATELIMIT_BURST) {
			rl->tokens = LOG_RATELIMIT_BURST;
			rl->refill_ms = now_ms;
		} else {
			/* Keep the remainder: a steady flood gets exactly one line per interval. */
			rl->tokens += (unsigned)add;
			rl->refill_ms += add * LOG_RATELIMIT_INTERVAL_MS;
		}
	}
	if (rl->tokens == 0) {
		if (rl->suppressed < UINT32_MAX)
			rl->suppressed++;
		return false;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

static const char *const level_names[] = { "debug", "info", "warn" };

static void log_suppressed_line(unsigned n, const char *who)
{
	log_warnx("%u similar message%s from %s suppressed", n, n == 1 ? "" : "s", who);
}

void log_limited(struct log_ratelimit *rl, enum log_level level, const char *who,
    const char *fmt, ...)
{
	if (level == LOG_LEVEL_DEBUG && !log_debug_on)
		return;
	unsigned suppressed;
	if (!log_ratelimit_allow(rl, clock_ms(), &suppressed))
		return;
	if (suppressed > 0)
		log_suppressed_line(suppressed, who);
	va_list ap;
	va_start(ap, fmt);
	log_vwrite(level_names[level], fmt, ap, NULL);
	va_end(ap);
}

void log_ratelimit_flush(struct log_ratelimit *rl, const char *who)
{
	if (rl->suppressed > 0)
		log_suppressed_line(rl->suppressed, who);
	rl->suppressed = 0;
}
