/* core/client/client.h: the CLI's side of a lab: find it, start its supervisor, ask it things. */
#ifndef UMLLAB_CLIENT_H
#define UMLLAB_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/lab/topology.h"
#include "core/base/util.h"

/* The state directory of the lab a command acts on. lab_arg is a lab name,
 * a topology file, or NULL for "the only running lab". With must_run, a lab
 * without a live supervisor is an error. NULL with *cause on failure. */
char *client_find_lab(const char *lab_arg, bool must_run, char **cause);

/* How long a client waits for a silent supervisor, in seconds: $UMLLAB_TIMEOUT,
 * else CLIENT_TIMEOUT_S; 0 waits forever. A supervisor working on a request
 * says so every second (CTL_ACK), so long requests (exec, ping, down) are not
 * cut short by it. */
#define CLIENT_TIMEOUT_S 10
int client_timeout_s(void);

/* A connection to the lab's supervisor (its control socket), or -1. Its
 * connect() and writes fail after client_timeout_s(), with a message. */
int client_connect(const char *lab_dir, char **cause);

/* Send one request (argv) to the lab's supervisor and copy its answer to
 * stdout and stderr. Returns the command's exit code, or -1 with *cause
 * (also when the supervisor is silent for client_timeout_s() seconds). */
int client_request(const char *lab_dir, int argc, char *const argv[], char **cause);

/* A request's answer kept in memory instead of printed. */
struct client_capture {
	struct strbuf out, err;
	size_t max;		/* bytes kept of each; a longer answer is an error */
};

/* Like client_request, capturing stdout and stderr (free them after). */
int client_request_capture(const char *lab_dir, int argc, char *const argv[],
    struct client_capture *capture, char **cause);

/* A request whose standard output the command handles itself (capture):
 * on_stdout gets each CTL_STDOUT payload and returns -1 to end the request.
 * The request is ended by sending CTL_STDIN "stop" once, when on_stdout
 * asked for it or *stop became nonzero (a signal handler sets it; the wait
 * is interrupted by signals), then the answer is read to its end (standard
 * error goes to fd 2). Returns the exit code, or -1 with *cause. */
struct client_stream {
	int (*on_stdout)(void *arg, const char *data, size_t len);
	void *arg;
	volatile sig_atomic_t *stop;
};
int client_request_stream(const char *lab_dir, int argc, char *const argv[],
    struct client_stream *stream, char **cause);

/* True when a LAB argument names a topology file rather than a lab. */
bool client_looks_like_file(const char *arg);

/* Start a supervisor for lab and follow its bring-up on stdout. Returns the
 * exit code: 0 up, 1 failed (after stopping what it started). */
int client_up(struct lab *lab, char **cause);

/* `up --foreground`: this process becomes the lab's supervisor (no fork,
 * no setsid), prints the bring-up on stdout and stderr, and returns when
 * the lab has ended: one of SUPERVISOR_EXIT_* (core/supervisor/supervisor.h), or -1
 * with *cause when it could not start (the lab already up, say). */
int client_up_foreground(struct lab *lab, char **cause);

/* Stop a lab through its supervisor; if that is gone, kill what is left of
 * the lab by the pid files UML wrote and remove its sockets. */
int client_down(const char *lab_dir, char **cause);

#endif
