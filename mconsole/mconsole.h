/* mconsole/mconsole.h: the UML management console protocol (arch/um/drivers/mconsole.h).
 *
 * The codec functions are pure and link alone into tests/unit/test_mconsole.
 * The socket helpers are thin and never block longer than asked. */
#ifndef UMLLAB_MCONSOLE_H
#define UMLLAB_MCONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MCONSOLE_MAGIC 0xcafebabeU
#define MCONSOLE_VERSION 2
#define MCONSOLE_DATA_MAX 512		/* data bytes in one message */
#define MCONSOLE_CMD_MAX (MCONSOLE_DATA_MAX - 1)	/* the kernel wants len < 512 */
#define MCONSOLE_REQUEST_SIZE (12 + MCONSOLE_DATA_MAX)
#define MCONSOLE_REPLY_SIZE (12 + MCONSOLE_DATA_MAX)
#define MCONSOLE_NOTIFY_SIZE (16 + MCONSOLE_DATA_MAX)

enum mconsole_notify_type {
	MCONSOLE_NOTIFY_SOCKET = 0,	/* kernel up; data: its mconsole socket path */
	MCONSOLE_NOTIFY_PANIC = 1,	/* data: the panic text */
	MCONSOLE_NOTIFY_HANG = 2,	/* from uml_watchdog */
	MCONSOLE_NOTIFY_USER = 3,	/* whatever the guest wrote to /proc/mconsole */
};

/* One reply datagram, decoded; data is NUL-terminated for convenience. */
struct mconsole_reply {
	uint32_t err;		/* nonzero: the kernel reports an error (first part only) */
	uint32_t more;		/* nonzero: another part follows */
	uint32_t len;		/* text bytes, without the NUL the kernel counts in its len */
	char data[MCONSOLE_DATA_MAX + 1];
};

/* One notification datagram, decoded; data is NUL-terminated, may hold NULs. */
struct mconsole_notify {
	uint32_t type;
	uint32_t len;
	char data[MCONSOLE_DATA_MAX + 1];
};

/* Encode the request `cmd` (len bytes) into buf, which holds at least
 * MCONSOLE_REQUEST_SIZE bytes. Returns the number of bytes to send, or -1 when
 * the command is longer than MCONSOLE_CMD_MAX. */
ssize_t mconsole_request_encode(void *buf, size_t size, const char *cmd, size_t len);

/* Decode one reply datagram of n bytes. -1 when it is truncated or its len
 * field disagrees with n (a trust boundary: never read past what arrived). */
int mconsole_reply_decode(const void *buf, size_t n, struct mconsole_reply *out);

/* Decode one notification datagram; -1 on bad magic, version or length. */
int mconsole_notify_decode(const void *buf, size_t n, struct mconsole_notify *out);

/* A datagram socket bound to bind_path (a stale socket there is replaced),
 * or with bind_path NULL to an autobound abstract name, so that replies can
 * come back; close-on-exec and nonblocking. Any local user can send to an
 * abstract name: long-lived clients bind a path in a private directory.
 * -1 with *cause on failure. */
int mconsole_client_open(const char *bind_path, char **cause);

/* Send one request to the mconsole socket at sock_path. fd is connected to
 * it first (again each time: the kernel may have restarted), so that a long
 * reply is not cut by the 10-datagram queue of unconnected receivers. */
int mconsole_send(int fd, const char *sock_path, const char *cmd, char **cause);

/* Bind a datagram socket at path for `mconsole=notify:PATH` (removing a stale
 * one first); close-on-exec and nonblocking. */
int mconsole_notify_open(const char *path, char **cause);

/* Blocking convenience for tools and for cleaning up without a supervisor:
 * send cmd, gather every part of the reply into *reply (malloc'd), set *err
 * nonzero when a part reported an error (the kernel flags the first part
 * only). -1 with *cause on timeout or socket error. */
int mconsole_call(const char *sock_path, const char *cmd, int timeout_ms,
    char **reply, uint32_t *err, char **cause);

#endif

/* ---- The exec path to the guest agent (see image/guest/agent_proto.h). ---- */

/* Cut a command into the `log umllab:x ...` request texts for request id,
 * each short enough for one mconsole request and ending in a newline (without
 * one, the kernel holds the log record open and /dev/kmsg readers do not see
 * it until the next printk), and call emit for each in order. Returns the number of chunks, or -1 when the command is empty, longer
 * than AGENT_CMD_MAX, or emit returned -1. */
int agent_request_encode(unsigned id, const char *cmd, size_t len,
    int (*emit)(void *arg, const char *request), void *arg);

enum agent_msg_kind {
	AGENT_MSG_READY,	/* version in status */
	AGENT_MSG_FAIL,		/* text in data */
	AGENT_MSG_OUTPUT,	/* id; bytes in data/len */
	AGENT_MSG_END,		/* id; exit status in status */
	AGENT_MSG_NET,		/* a part of a network snapshot: its text in data/len */
	AGENT_MSG_OTHER,	/* not ours: some other guest program wrote it */
};

struct agent_msg {
	enum agent_msg_kind kind;
	unsigned id;
	int status;
	const char *data;	/* points into the parsed buffer */
	size_t len;
};

/* Parse the data of one MCONSOLE_NOTIFY_USER datagram. -1 when it carries our
 * tag but is malformed. */
int agent_message_parse(const char *data, size_t len, struct agent_msg *out);
