/* tests/fuzz/fuzz_daemon_proto.c: libFuzzer harness for the uml_switch daemon-protocol handshake parsers. */
#include <string.h>

#include "switch/daemon_proto.h"
#include "tests/fuzz/fuzz.h"

/* An address the parser accepted is one the switch can connect to. */
static void check_addr(const struct sockaddr_un *sun)
{
	FUZZ_CHECK(sun->sun_family == AF_UNIX);
	FUZZ_CHECK(sun->sun_path[0] == '\0' ||
	    memchr(sun->sun_path, '\0', sizeof(sun->sun_path)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un client, addr;
	char *cause = NULL;

	/* The switch parses what has arrived so far, byte by byte in the worst case:
	 * once a prefix is refused, every longer one is too, and a prefix of an
	 * accepted request is never refused. */
	size_t upto = size < DAEMON_REQ_SIZE + 2 ? size : DAEMON_REQ_SIZE + 2;
	enum daemon_parse last = DAEMON_PARSE_PARTIAL;
	for (size_t n = 0; n <= upto; n++) {
		memset(&client, 0xa5, sizeof(client));
		enum daemon_parse p = daemon_request_parse(data, n, &client, &cause);
		FUZZ_CHECK(p == DAEMON_PARSE_BAD || p == DAEMON_PARSE_PARTIAL || p == DAEMON_PARSE_OK);
		FUZZ_CHECK(last != DAEMON_PARSE_BAD || p == DAEMON_PARSE_BAD);
		/* Bytes after the address (padding, vde's description) change nothing. */
		FUZZ_CHECK(last != DAEMON_PARSE_OK || p == DAEMON_PARSE_OK);
		FUZZ_CHECK((p == DAEMON_PARSE_PARTIAL) == (n < DAEMON_REQ_MIN && p != DAEMON_PARSE_BAD));
		if (p != DAEMON_PARSE_OK) {
			FUZZ_CHECK(cause != NULL);
			free(cause);
			cause = NULL;
		}
		if (p == DAEMON_PARSE_OK) {
			check_addr(&client);
			FUZZ_CHECK(memcmp(&client, data + DAEMON_HEADER_SIZE, sizeof(client)) == 0);
			/* A request built for that client is accepted and carries it back. */
			struct daemon_request req;
			struct sockaddr_un again;
			daemon_request_build(&req, &client);
			FUZZ_CHECK(daemon_request_parse(&req, sizeof(req), &again, NULL) == DAEMON_PARSE_OK);
			FUZZ_CHECK(memcmp(&again, &client, sizeof(again)) == 0);
		}
		last = p;
	}
	if (size > upto)	/* a long tail (vde's description) is ignored too */
		FUZZ_CHECK(daemon_request_parse(data, size, NULL, NULL) == last);

	/* The reply: exactly DAEMON_REPLY_SIZE bytes of AF_UNIX address, rebuilt byte for byte. */
	if (daemon_reply_parse(data, size, &addr, &cause) == 0) {
		unsigned char out[DAEMON_REPLY_SIZE + 8];
		FUZZ_CHECK(size == DAEMON_REPLY_SIZE && addr.sun_family == AF_UNIX);
		FUZZ_CHECK(daemon_reply_build(out, sizeof(out), &addr) == DAEMON_REPLY_SIZE);
		FUZZ_CHECK(memcmp(out, data, DAEMON_REPLY_SIZE) == 0);
		FUZZ_CHECK(daemon_reply_build(out, DAEMON_REPLY_SIZE - 1, &addr) == 0);
	} else {
		FUZZ_CHECK(cause != NULL);
		free(cause);
	}
	return 0;
}
