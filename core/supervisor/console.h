/* core/supervisor/console.h: an instance's console: its log file, and the terminals attached to it.
 *
 * Each boot of the kernel gets a new pseudo-terminal as its console 0; the
 * supervisor reads the master side, appends everything to the instance's
 * log (bounded: past max_bytes the log moves to LOG.1 and starts again) and
 * copies it to every attached client. The log outlives restarts. */
#ifndef UMLLAB_CONSOLE_H
#define UMLLAB_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct console;

typedef void (*console_output_fn)(void *arg, const char *data, size_t len);

struct console *console_new(struct ev_loop *loop, const char *log_path, size_t max_bytes);
void console_free(struct console *con);

/* A new pseudo-terminal for the next boot: *slave_fd (close-on-exec) is for
 * the kernel's stdin/stdout/stderr; the master is watched from now on. */
int console_open_pty(struct console *con, int *slave_fd, char **cause);

/* Read what is left on the master, then close it (the kernel exited). */
void console_close_pty(struct console *con);

/* Append bytes, or a "--- umllab: ..." line, to the log and the attached clients. */
void console_write(struct console *con, const void *data, size_t len);
void console_note(struct console *con, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes the kernels have written to the console so far: a boot that
 * prints is progressing. */
uint64_t console_output_bytes(const struct console *con);

/* Attach a client: it receives everything written from now on. Returns an
 * id for console_detach (never 0). */
unsigned console_attach(struct console *con, console_output_fn out, void *arg);
void console_detach(struct console *con, unsigned id);

/* Keystrokes for the kernel's console; -1 when no kernel runs. */
int console_input(struct console *con, const void *data, size_t len);

#endif
