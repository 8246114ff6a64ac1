/* core/log.c: timestamped log lines for the supervisor, plain lines for the CLI. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *log_file;
static bool log_debug_on;

int log_open(const char *path, bool debug)
{
	log_debug_on = debug;
	if (path == NULL) {
		log_file = NULL;
		return 0;
	}
	FILE *f = fopen(path, "ae");
	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

static void log_vwrite(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	FILE *f = log_file != NULL ? log_file : stderr;
	if (log_file != NULL) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(f, "%s.%03ld %s ", stamp, ts.tv_nsec / 1000000, level);
	} else {
		fputs("umllab: ", f);
	}
	vfprintf(f, fmt, ap);
	if (suffix != NULL)
		fprintf(f, ": %s", suffix);
	fputc('\n', f);
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
