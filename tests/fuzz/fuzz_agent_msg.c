/* tests/fuzz/fuzz_agent_msg.c: libFuzzer harness for the guest agent message parser (and the request encoder). */
#include <string.h>

#include "image/guest/agent_proto.h"
#include "mconsole/mconsole.h"
#include "tests/fuzz/fuzz.h"

/* What the encoder's chunks decode to, concatenated, to compare with the command. */
struct decoded {
	unsigned char buf[AGENT_CMD_MAX];
	size_t len;
	unsigned seq;
	int ended;
};

static int b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Check one chunk's shape ("log umllab:x 7 SEQ m|e B64\n") and decode its base64. */
static int check_chunk(void *arg, const char *request)
{
	struct decoded *d = arg;
	char head[64];
	size_t len = strlen(request);

	FUZZ_CHECK(!d->ended);
	FUZZ_CHECK(len <= MCONSOLE_CMD_MAX && len > 0 && request[len - 1] == '\n');
	int hlen = snprintf(head, sizeof(head), "log " AGENT_REQ_TAG "7 %u ", d->seq);
	FUZZ_CHECK(strncmp(request, head, (size_t)hlen) == 0);
	char flag = request[hlen];
	FUZZ_CHECK((flag == 'm' || flag == 'e') && request[hlen + 1] == ' ');
	d->ended = flag == 'e';
	const char *b64 = request + hlen + 2;
	size_t n = len - 1 - (size_t)(hlen + 2);
	FUZZ_CHECK(n > 0 && n % 4 == 0);
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++)
			v[k] = b64[i + k] == '=' ? 0 : b64_value(b64[i + k]);
		FUZZ_CHECK(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0);
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		    (uint32_t)v[3];
		/* Padding only at the end of the last chunk. */
		size_t out = b64[i + 2] == '=' ? 1 : b64[i + 3] == '=' ? 2 : 3;
		FUZZ_CHECK(out == 3 || (d->ended && i + 4 == n));
		for (size_t k = 0; k < out; k++) {
			FUZZ_CHECK(d->len < sizeof(d->buf));
			d->buf[d->len++] = (unsigned char)(w >> (16 - 8 * k));
		}
	}
	d->seq++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decoded d;
	struct agent_msg m;
	const char *text = (const char *)data;

	if (agent_message_parse(text, size, &m) == 0) {
		/* Whatever the parser points at lies inside the datagram. */
		if (m.data != NULL)
			FUZZ_CHECK(m.data >= text && m.len <= size && (size_t)(m.data - text) <= size - m.len);
		switch (m.kind) {
		case AGENT_MSG_OTHER:
			FUZZ_CHECK(size < 7 || memcmp(text, "umllab:", 7) != 0);
			FUZZ_CHECK(m.data == text && m.len == size);
			break;
		case AGENT_MSG_OUTPUT:
			/* The output runs to the end of the datagram. */
			FUZZ_CHECK(m.data != NULL && m.data + m.len == text + size);
			FUZZ_CHECK(m.data[-1] == '\n');
			break;
		case AGENT_MSG_FAIL:
			FUZZ_CHECK(m.data != NULL);
			break;
		case AGENT_MSG_NET:
			/* A part of a network snapshot: its text, after the tag. */
			FUZZ_CHECK(m.data != NULL && m.data > text);
			break;
		case AGENT_MSG_END:
		case AGENT_MSG_READY:
			FUZZ_CHECK(m.status >= 0);
			break;
		default:
			FUZZ_CHECK(!"unknown message kind");
		}
	} else {
		FUZZ_CHECK(size >= 7 && memcmp(text, "umllab:", 7) == 0);
	}

	/* The same bytes as a command: the chunks must carry it exactly. */
	d.len = 0;
	d.seq = 0;
	d.ended = 0;
	int chunks = agent_request_encode(7, text, size, check_chunk, &d);
	if (size == 0 || size > AGENT_CMD_MAX) {
		FUZZ_CHECK(chunks == -1);
	} else {
		FUZZ_CHECK(chunks > 0 && (unsigned)chunks == d.seq && d.ended);
		FUZZ_CHECK(d.len == size && memcmp(d.buf, data, size) == 0);
	}
	return 0;
}
