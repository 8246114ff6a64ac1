/* core/base/control.h: the control protocol between the umllab CLI and a lab's supervisor.
 *
 * One request per connection on the lab's unix stream socket. Every message
 * is a fixed header (protocol version, type, payload length) and a payload.
 * The client sends one CTL_REQUEST whose payload is its argv (NUL-terminated
 * strings, the command name first); the supervisor answers with any number
 * of CTL_STDOUT / CTL_STDERR messages and ends with one CTL_EXIT carrying the
 * command's exit code as a u32. A request that reads input (`console`) then
 * takes CTL_STDIN messages until the client closes the connection. The
 * version is checked on every message.
 *
 * Version 2 added CTL_ACK (empty): the supervisor sends one as soon as it
 * has the whole request, then again at least every second until the answer
 * ends, so a client can time out on silence whatever the request's length. */
#ifndef UMLLAB_CONTROL_H
#define UMLLAB_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_VERSION 2

/* Exit codes, shared by the CLI and the supervisor's answers. */
enum {
	UMLLAB_EXIT_OK = 0,
	UMLLAB_EXIT_FAIL = 1,		/* it ran; the answer is no, or it failed */
	UMLLAB_EXIT_USAGE = 2,		/* bad arguments, no such lab or instance */
	UMLLAB_EXIT_EXEC_FAILED = 255,	/* exec: the command could not be run */
};
#define CTL_PAYLOAD_MAX (1U << 20)
#define CTL_ARGS_MAX 64

enum ctl_type {
	CTL_REQUEST = 1,
	CTL_STDOUT = 2,
	CTL_STDERR = 3,
	CTL_EXIT = 4,
	CTL_STDIN = 5,		/* client -> supervisor after the request: console keystrokes */
	CTL_ACK = 6,		/* supervisor -> client: request taken, still working on it */
};

struct ctl_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t len;
};

struct ctl_msg {
	enum ctl_type type;
	char *payload;		/* malloc'd, len bytes plus a NUL */
	size_t len;
};

/* Send one message, blocking until it is written. -1 with errno on failure. */
int ctl_send(int fd, enum ctl_type type, const void *payload, size_t len);

/* Receive one message, blocking. 1 on a message, 0 on a clean end of
 * stream, -1 with *cause on a broken or foreign message. */
int ctl_recv(int fd, struct ctl_msg *msg, char **cause);

/* Incremental reader for a nonblocking socket: append what arrived, then
 * take whole messages out. */
struct ctl_reader {
	char *buf;
	size_t len, cap;
};
void ctl_reader_append(struct ctl_reader *r, const void *data, size_t len);
/* 1 with *msg filled, 0 when more bytes are needed, -1 with *cause when the
 * bytes so far can never be a valid message. */
int ctl_reader_next(struct ctl_reader *r, struct ctl_msg *msg, char **cause);
void ctl_reader_free(struct ctl_reader *r);

/* Pack argv into one payload; unpack it again checking every terminator. */
char *ctl_argv_pack(int argc, char *const argv[], size_t *len);
int ctl_argv_unpack(const char *payload, size_t len, int *argc, char ***argv, char **cause);
void ctl_argv_free(int argc, char **argv);

void ctl_msg_free(struct ctl_msg *msg);

#endif
