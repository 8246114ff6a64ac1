/* tests/fuzz/fuzz_mconsole_reply.c: libFuzzer harness for the mconsole datagram decoders (replies and notifications). */
#include <string.h>

#include "mconsole/mconsole.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mconsole_reply reply;
	struct mconsole_notify notify;
	uint32_t wire_len = 0;

	/* The decoder must accept exactly the datagrams whose len fits in what arrived. */
	if (size >= 12)
		memcpy(&wire_len, data + 8, sizeof(wire_len));
	int fits = size >= 12 && wire_len <= MCONSOLE_DATA_MAX && wire_len <= size - 12;
	memset(&reply, 0xa5, sizeof(reply));
	int rc = mconsole_reply_decode(data, size, &reply);
	FUZZ_CHECK(rc == (fits ? 0 : -1));
	if (rc == 0) {
		/* Only the kernel's own trailing NUL is dropped. */
		FUZZ_CHECK(reply.len == wire_len ||
		    (reply.len + 1 == wire_len && data[12 + reply.len] == '\0'));
		FUZZ_CHECK(memcmp(reply.data, data + 12, reply.len) == 0);
		FUZZ_CHECK(reply.data[reply.len] == '\0');
		FUZZ_CHECK(memcmp(&reply.err, data, 4) == 0 && memcmp(&reply.more, data + 4, 4) == 0);
	}

	memset(&notify, 0xa5, sizeof(notify));
	if (mconsole_notify_decode(data, size, &notify) == 0) {
		uint32_t magic, version;
		FUZZ_CHECK(size >= 16);
		memcpy(&magic, data, 4);
		memcpy(&version, data + 4, 4);
		FUZZ_CHECK(magic == MCONSOLE_MAGIC && version == MCONSOLE_VERSION);
		FUZZ_CHECK(notify.len <= MCONSOLE_DATA_MAX && notify.len <= size - 16);
		FUZZ_CHECK(memcmp(notify.data, data + 16, notify.len) == 0);
		FUZZ_CHECK(notify.data[notify.len] == '\0');
	}

	/* The encoder, on the same bytes taken as a command: a request the decoder's peer accepts. */
	unsigned char req[MCONSOLE_REQUEST_SIZE];
	ssize_t n = mconsole_request_encode(req, sizeof(req), (const char *)data, size);
	if (size <= MCONSOLE_CMD_MAX) {
		uint32_t magic, version, len;
		FUZZ_CHECK(n == (ssize_t)(12 + size));
		memcpy(&magic, req, 4);
		memcpy(&version, req + 4, 4);
		memcpy(&len, req + 8, 4);
		FUZZ_CHECK(magic == MCONSOLE_MAGIC && version == MCONSOLE_VERSION && len == size);
		FUZZ_CHECK(size == 0 || memcmp(req + 12, data, size) == 0);
	} else {
		FUZZ_CHECK(n == -1);
	}
	return 0;
}
