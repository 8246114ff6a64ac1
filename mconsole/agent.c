/* mconsole/agent.c: the host side of the guest agent protocol (image/guest/agent_proto.h). */
#include "mconsole/mconsole.h"
#include "image/guest/agent_proto.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define AGENT_TAG "umllab:"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding of n bytes into out; returns 4 * ceil(n / 3), the length written. */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	return o;
}

int agent_request_encode(unsigned id, const char *cmd, size_t len,
    int (*emit)(void *arg, const char *request), void *arg)
{
	char text[MCONSOLE_CMD_MAX + 1];
	size_t off = 0;
	unsigned seq = 0;

	if (len == 0 || len > AGENT_CMD_MAX)
		return -1;
	while (off < len) {
		/* The flag is one character either way, so measure with 'm', then fix it. */
		int hlen = snprintf(text, sizeof(text), "log " AGENT_REQ_TAG "%u %u m ", id, seq);
		if (hlen < 0 || (size_t)hlen + 4 + 1 > MCONSOLE_CMD_MAX)
			return -1;
		/* Chunk the raw bytes in whole base64 quanta so each chunk decodes alone;
		 * one byte is kept for the newline. */
		size_t room = (MCONSOLE_CMD_MAX - (size_t)hlen - 1) / 4 * 3;
		size_t n = len - off < room ? len - off : room;
		if (off + n == len)
			text[hlen - 2] = 'e';
		size_t end = (size_t)hlen + b64_encode((const unsigned char *)cmd + off, n, text + hlen);
		/* Without a newline the kernel keeps the record open for continuation and
		 * /dev/kmsg readers do not see it until the next printk. */
		text[end] = '\n';
		text[end + 1] = '\0';
		if (emit(arg, text) == -1)
			return -1;
		off += n;
		seq++;
	}
	return (int)seq;
}

/* Parse a decimal number of at most max from s[0..len); -1 unless all of it is digits. */
static int parse_decimal(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Whether data[0..len) starts with the NUL-terminated tag. */
static int has_prefix(const char *data, size_t len, const char *tag)
{
	size_t n = strlen(tag);
	return len >= n && memcmp(data, tag, n) == 0;
}

/* The agent may end a one-line message with a newline: ignore one. */
static size_t strip_newline(const char *s, size_t len)
{
	return len > 0 && s[len - 1] == '\n' ? len - 1 : len;
}

int agent_message_parse(const char *data, size_t len, struct agent_msg *out)
{
	unsigned long a, b;

	memset(out, 0, sizeof(*out));
	if (!has_prefix(data, len, AGENT_TAG)) {
		out->kind = AGENT_MSG_OTHER;
		out->data = data;
		out->len = len;
		return 0;
	}
	if (has_prefix(data, len, AGENT_OUT_TAG)) {
		/* Output bytes are binary: find the header's end by the first newline only. */
		const char *p = data + strlen(AGENT_OUT_TAG);
		size_t rest = len - strlen(AGENT_OUT_TAG);
		const char *nl = memchr(p, '\n', rest);
		if (nl == NULL || parse_decimal(p, (size_t)(nl - p), UINT_MAX, &a) == -1)
			return -1;
		out->kind = AGENT_MSG_OUTPUT;
		out->id = (unsigned)a;
		out->data = nl + 1;
		out->len = rest - (size_t)(nl + 1 - p);
		return 0;
	}
	if (has_prefix(data, len, AGENT_END_TAG)) {
		const char *p = data + strlen(AGENT_END_TAG);
		size_t rest = strip_newline(p, len - strlen(AGENT_END_TAG));
		const char *sp = memchr(p, ' ', rest);
		if (sp == NULL || parse_decimal(p, (size_t)(sp - p), UINT_MAX, &a) == -1 ||
		    parse_decimal(sp + 1, rest - (size_t)(sp + 1 - p), INT_MAX, &b) == -1)
			return -1;
		out->kind = AGENT_MSG_END;
		out->id = (unsigned)a;
		out->status = (int)b;
		return 0;
	}
	if (has_prefix(data, len, AGENT_READY_TAG)) {
		const char *p = data + strlen(AGENT_READY_TAG);
		size_t rest = strip_newline(p, len - strlen(AGENT_READY_TAG));
		if (parse_decimal(p, rest, INT_MAX, &a) == -1)
			return -1;
		out->kind = AGENT_MSG_READY;
		out->status = (int)a;
		return 0;
	}
	if (has_prefix(data, len, AGENT_NET_TAG)) {
		out->kind = AGENT_MSG_NET;
		out->data = data + strlen(AGENT_NET_TAG);
		out->len = strip_newline(out->data, len - strlen(AGENT_NET_TAG));
		return 0;
	}
	if (has_prefix(data, len, AGENT_FAIL_TAG)) {
		const char *p = data + strlen(AGENT_FAIL_TAG);
		out->kind = AGENT_MSG_FAIL;
		out->data = p;
		out->len = strip_newline(p, len - strlen(AGENT_FAIL_TAG));
		return 0;
	}
	return -1;	/* our tag, but no message we know (or a request echoed back) */
}
