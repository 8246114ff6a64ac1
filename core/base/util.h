/* core/base/util.h: small helpers every module may use (allocation, strings, time, unix addresses). */
#ifndef UMLLAB_UTIL_H
#define UMLLAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

/* Allocation that never returns NULL: out of memory is a broken invariant. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* A growing NUL-terminated string; zero-initialise it ({ 0 }). */
struct strbuf {
	char *s;	/* NULL until something is added */
	size_t len, cap;
};
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_append(struct strbuf *b, const void *data, size_t len);
/* The string (never NULL; the caller frees it); b is empty again. */
char *strbuf_take(struct strbuf *b);

/* Copy src into dst of size bytes; -1 (dst untouched past size) when it does not fit. */
int str_copy(char *dst, size_t size, const char *src);

/* Fill *sun with a filesystem path; -1 with *cause set when the path is longer than sun_path. */
int unix_addr_set(struct sockaddr_un *sun, const char *path, char **cause);

/* Milliseconds, and nanoseconds, on the monotonic clock. */
uint64_t clock_ms(void);
uint64_t clock_ns(void);

/* The host's MemAvailable in bytes (/proc/meminfo); 0 when unknown. */
uint64_t mem_available_bytes(void);

/* Raise the soft limit on open files (RLIMIT_NOFILE) to at least need,
 * within the hard limit; -1 with *cause when the hard limit is lower. */
int fd_limit_raise(unsigned long need, char **cause);

/* This program's path (/proc/self/exe), or NULL with *cause. */
char *self_exe(char **cause);

/* Sleep for ms milliseconds (for short, bounded waits outside event loops). */
void sleep_ms(unsigned ms);

/* Write all of buf (retrying on EINTR and short writes); -1 on error. */
int write_all(int fd, const void *buf, size_t len);

/* Set a *cause (freeing what it held) from a format; always returns -1 for `return set_cause(...)`. */
int set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
