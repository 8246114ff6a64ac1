/* switch/daemon_proto.h: the uml_switch "daemon" handshake (arch/um/drivers/daemon_user.c) as pure functions. */
#ifndef UMLLAB_DAEMON_PROTO_H
#define UMLLAB_DAEMON_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define DAEMON_MAGIC 0xfeedfaceu
#define DAEMON_VERSION 3u
#define DAEMON_REQ_NEW_CONTROL 0u

/* The request as UML writes it: a 12-byte header, the client's data address,
 * then 2 bytes of struct padding (124 bytes on the wire). */
struct daemon_request {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	struct sockaddr_un sock;
};

#define DAEMON_HEADER_SIZE 12u
#define DAEMON_REQ_MIN (DAEMON_HEADER_SIZE + sizeof(struct sockaddr_un))	/* 122 */
#define DAEMON_REQ_SIZE sizeof(struct daemon_request)				/* 124 */
#define DAEMON_REPLY_SIZE sizeof(struct sockaddr_un)				/* 110 */

enum daemon_parse {
	DAEMON_PARSE_BAD = -1,		/* reject: *cause says why */
	DAEMON_PARSE_PARTIAL = 0,	/* fine so far, more bytes needed: *cause says how many */
	DAEMON_PARSE_OK = 1,		/* *client holds the client's data address */
};

/* Parse the first len bytes a client sent (host byte order, as UML sends).
 * Bytes after DAEMON_REQ_MIN (UML's padding, vde's description) are ignored.
 * The header is checked as soon as it is complete, so garbage is refused at
 * once; a short buffer whose bytes so far are valid is PARTIAL. The address
 * must be AF_UNIX, and a filesystem path (not abstract) must end in a NUL
 * inside sun_path. */
enum daemon_parse daemon_request_parse(const void *buf, size_t len, struct sockaddr_un *client,
    char **cause);

/* Fill a request for client (the 2 padding bytes zeroed): clients and tests. */
void daemon_request_build(struct daemon_request *req, const struct sockaddr_un *client);

/* Write the reply (the switch's data address for this port, the full
 * DAEMON_REPLY_SIZE bytes UML reads in one go) into buf; returns its length,
 * or 0 when size is too small. */
size_t daemon_reply_build(void *buf, size_t size, const struct sockaddr_un *data_addr);

/* Decode a reply; -1 with *cause set unless len is exactly DAEMON_REPLY_SIZE
 * and the family AF_UNIX. */
int daemon_reply_parse(const void *buf, size_t len, struct sockaddr_un *data_addr, char **cause);

#endif
