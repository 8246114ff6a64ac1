/* switch/daemon_proto.c: parse and build the uml_switch daemon-protocol handshake messages. */
#include "switch/daemon_proto.h"

#include <string.h>

#include "core/base/util.h"

_Static_assert(sizeof(struct sockaddr_un) == 110, "the wire format carries a 110-byte sockaddr_un");
_Static_assert(sizeof(struct daemon_request) == 124, "UML writes a 124-byte request");

static uint32_t daemon_get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

enum daemon_parse daemon_request_parse(const void *buf, size_t len, struct sockaddr_un *client,
    char **cause)
{
	const unsigned char *p = buf;

	/* Check each header word as soon as it has arrived. */
	if (len >= 4 && daemon_get32(p) != DAEMON_MAGIC) {
		set_cause(cause, "switch request has magic 0x%08x, expected 0x%08x: not a uml_switch "
		    "daemon-protocol client", daemon_get32(p), DAEMON_MAGIC);
		return DAEMON_PARSE_BAD;
	}
	if (len >= 8 && daemon_get32(p + 4) != DAEMON_VERSION) {
		set_cause(cause, "switch request has protocol version %u, only version %u is "
		    "supported", daemon_get32(p + 4), DAEMON_VERSION);
		return DAEMON_PARSE_BAD;
	}
	if (len >= 12 && daemon_get32(p + 8) != DAEMON_REQ_NEW_CONTROL) {
		set_cause(cause, "switch request has type %u, only %u (REQ_NEW_CONTROL) is supported",
		    daemon_get32(p + 8), DAEMON_REQ_NEW_CONTROL);
		return DAEMON_PARSE_BAD;
	}
	if (len < DAEMON_REQ_MIN) {
		set_cause(cause, "switch request is %zu bytes, a complete one is at least %zu", len,
		    DAEMON_REQ_MIN);
		return DAEMON_PARSE_PARTIAL;
	}

	struct sockaddr_un sun;
	memcpy(&sun, p + DAEMON_HEADER_SIZE, sizeof(sun));
	if (sun.sun_family != AF_UNIX) {
		set_cause(cause, "switch request carries address family %u, expected AF_UNIX (%u)",
		    (unsigned)sun.sun_family, (unsigned)AF_UNIX);
		return DAEMON_PARSE_BAD;
	}
	if (sun.sun_path[0] != '\0' && memchr(sun.sun_path, '\0', sizeof(sun.sun_path)) == NULL) {
		set_cause(cause, "switch request carries a socket path with no terminating NUL in its "
		    "%zu bytes", sizeof(sun.sun_path));
		return DAEMON_PARSE_BAD;
	}
	if (client != NULL)
		*client = sun;
	return DAEMON_PARSE_OK;
}

void daemon_request_build(struct daemon_request *req, const struct sockaddr_un *client)
{
	memset(req, 0, sizeof(*req));
	req->magic = DAEMON_MAGIC;
	req->version = DAEMON_VERSION;
	req->type = DAEMON_REQ_NEW_CONTROL;
	req->sock = *client;
}

size_t daemon_reply_build(void *buf, size_t size, const struct sockaddr_un *data_addr)
{
	if (size < DAEMON_REPLY_SIZE)
		return 0;
	memcpy(buf, data_addr, DAEMON_REPLY_SIZE);
	return DAEMON_REPLY_SIZE;
}

int daemon_reply_parse(const void *buf, size_t len, struct sockaddr_un *data_addr, char **cause)
{
	if (len != DAEMON_REPLY_SIZE)
		return set_cause(cause, "switch reply is %zu bytes, expected exactly %zu", len,
		    DAEMON_REPLY_SIZE);
	struct sockaddr_un sun;
	memcpy(&sun, buf, sizeof(sun));
	if (sun.sun_family != AF_UNIX)
		return set_cause(cause, "switch reply carries address family %u, expected AF_UNIX",
		    (unsigned)sun.sun_family);
	*data_addr = sun;
	return 0;
}
