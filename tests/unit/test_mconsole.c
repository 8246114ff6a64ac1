/* tests/unit/test_mconsole.c: the mconsole codec, the agent protocol and the socket helpers against a fake kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/util.h"
#include "image/guest/agent_proto.h"
#include "mconsole/mconsole.h"

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- requests ---- */

static void test_request_encode(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_REQUEST_SIZE];
	ssize_t n = mconsole_request_encode(buf, sizeof(buf), "version", 7);
	assert_int_equal(n, 12 + 7);
	assert_int_equal(get32(buf), MCONSOLE_MAGIC);
	assert_int_equal(get32(buf + 4), MCONSOLE_VERSION);
	assert_int_equal(get32(buf + 8), 7);
	assert_memory_equal(buf + 12, "version", 7);
}

static void test_request_encode_limits(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_REQUEST_SIZE];
	char cmd[600];
	memset(cmd, 'a', sizeof(cmd));
	assert_int_equal(mconsole_request_encode(buf, sizeof(buf), cmd, 511), 12 + 511);
	assert_int_equal(get32(buf + 8), 511);
	assert_int_equal(mconsole_request_encode(buf, sizeof(buf), cmd, 512), -1);
	assert_int_equal(mconsole_request_encode(buf, sizeof(buf), cmd, 600), -1);
	/* A buffer too small for the header plus the text is refused too. */
	assert_int_equal(mconsole_request_encode(buf, 12 + 6, "version", 7), -1);
}

/* ---- replies ---- */

static size_t make_reply(unsigned char *buf, uint32_t err, uint32_t more, uint32_t len,
    const char *data, size_t n)
{
	put32(buf, err);
	put32(buf + 4, more);
	put32(buf + 8, len);
	memcpy(buf + 12, data, n);
	return 12 + n;
}

static void test_reply_decode_good(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_REPLY_SIZE + 16];
	struct mconsole_reply r;
	/* As the kernel sends it: the text, its NUL counted in len. */
	size_t n = make_reply(buf, 0, 0, 6, "Linux\0", 6);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.more, 0);
	assert_int_equal(r.len, 5);	/* without the kernel's NUL */
	assert_string_equal(r.data, "Linux");
	/* Only one trailing NUL is dropped; text without one is kept whole. */
	n = make_reply(buf, 0, 0, 3, "a\0\0", 3);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, 2);
	n = make_reply(buf, 0, 0, 5, "Linux", 5);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, 5);
	/* The kernel's longest part: 511 bytes of text and its NUL. */
	char part[MCONSOLE_DATA_MAX];
	memset(part, 'h', sizeof(part) - 1);
	part[sizeof(part) - 1] = '\0';
	n = make_reply(buf, 0, 1, MCONSOLE_DATA_MAX, part, sizeof(part));
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, MCONSOLE_DATA_MAX - 1);
	assert_int_equal(r.more, 1);
	/* An empty part, as the kernel ends a "proc" reply: len 1, just the NUL. */
	n = make_reply(buf, 0, 0, 1, "", 1);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, 0);

	n = make_reply(buf, 1, 0, 3, "bad", 3);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.err, 1);
	assert_string_equal(r.data, "bad");

	/* Empty reply ("log" answers with an empty string). */
	n = make_reply(buf, 0, 0, 0, "", 0);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.data, "");

	/* The whole struct (bytes past len) is accepted; full 512 bytes of data too. */
	char big[MCONSOLE_DATA_MAX];
	memset(big, 'x', sizeof(big));
	n = make_reply(buf, 0, 0, MCONSOLE_DATA_MAX, big, sizeof(big));
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.len, MCONSOLE_DATA_MAX);
	assert_int_equal(strlen(r.data), MCONSOLE_DATA_MAX);
	n = make_reply(buf, 0, 0, 2, big, sizeof(big));
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_string_equal(r.data, "xx");
}

static void test_reply_decode_bad(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_REPLY_SIZE + 16];
	struct mconsole_reply r;
	size_t n = make_reply(buf, 0, 0, 6, "Linux\0", 6);
	/* Truncated header. */
	for (size_t i = 0; i < 12; i++)
		assert_int_equal(mconsole_reply_decode(buf, i, &r), -1);
	/* len larger than what arrived. */
	assert_int_equal(mconsole_reply_decode(buf, n - 1, &r), -1);
	n = make_reply(buf, 0, 0, 100, "short", 5);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), -1);
	/* len larger than MCONSOLE_DATA_MAX, even with the bytes there. */
	char big[MCONSOLE_DATA_MAX + 8];
	memset(big, 'x', sizeof(big));
	n = make_reply(buf, 0, 0, MCONSOLE_DATA_MAX + 1, big, MCONSOLE_DATA_MAX + 1);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), -1);
	n = make_reply(buf, 0, 0, 0xffffffffU, big, 8);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), -1);
}

static void test_reply_decode_multipart(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_REPLY_SIZE];
	struct mconsole_reply r;
	size_t n = make_reply(buf, 0, 1, 6, "part1\0", 6);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.more, 1);
	assert_string_equal(r.data, "part1");
	n = make_reply(buf, 0, 0, 6, "part2\0", 6);
	assert_int_equal(mconsole_reply_decode(buf, n, &r), 0);
	assert_int_equal(r.more, 0);
	assert_string_equal(r.data, "part2");
}

/* ---- notifications ---- */

static size_t make_notify(unsigned char *buf, uint32_t magic, uint32_t version, uint32_t type,
    uint32_t len, const char *data, size_t n)
{
	put32(buf, magic);
	put32(buf + 4, version);
	put32(buf + 8, type);
	put32(buf + 12, len);
	memcpy(buf + 16, data, n);
	return 16 + n;
}

static void test_notify_decode_types(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_NOTIFY_SIZE];
	struct mconsole_notify m;
	static const struct {
		uint32_t type;
		const char *data;
		size_t len;
	} cases[] = {
		{ MCONSOLE_NOTIFY_SOCKET, "/tmp/u/t1/mconsole\0", 19 },
		{ MCONSOLE_NOTIFY_PANIC, "sysrq triggered crash\0", 22 },
		{ MCONSOLE_NOTIFY_HANG, "", 0 },
		{ MCONSOLE_NOTIFY_USER, "umllab:o 1\na\0b", 14 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = make_notify(buf, MCONSOLE_MAGIC, MCONSOLE_VERSION, cases[i].type,
		    (uint32_t)cases[i].len, cases[i].data, cases[i].len);
		assert_int_equal(mconsole_notify_decode(buf, n, &m), 0);
		assert_int_equal(m.type, cases[i].type);
		assert_int_equal(m.len, cases[i].len);
		assert_memory_equal(m.data, cases[i].data, cases[i].len);
		assert_int_equal(m.data[m.len], '\0');
	}
	/* A full 512-byte user notification. */
	char big[MCONSOLE_DATA_MAX];
	memset(big, 'u', sizeof(big));
	size_t n = make_notify(buf, MCONSOLE_MAGIC, MCONSOLE_VERSION, MCONSOLE_NOTIFY_USER,
	    MCONSOLE_DATA_MAX, big, sizeof(big));
	assert_int_equal(mconsole_notify_decode(buf, n, &m), 0);
	assert_int_equal(m.len, MCONSOLE_DATA_MAX);
}

static void test_notify_decode_bad(void **state)
{
	(void)state;
	unsigned char buf[MCONSOLE_NOTIFY_SIZE + 16];
	struct mconsole_notify m;
	size_t n = make_notify(buf, 0xcafebabfU, MCONSOLE_VERSION, 0, 3, "abc", 3);
	assert_int_equal(mconsole_notify_decode(buf, n, &m), -1);
	n = make_notify(buf, MCONSOLE_MAGIC, 1, 0, 3, "abc", 3);
	assert_int_equal(mconsole_notify_decode(buf, n, &m), -1);
	n = make_notify(buf, MCONSOLE_MAGIC, MCONSOLE_VERSION, 0, 3, "abc", 3);
	assert_int_equal(mconsole_notify_decode(buf, n, &m), 0);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(mconsole_notify_decode(buf, i, &m), -1);
	assert_int_equal(mconsole_notify_decode(buf, n - 1, &m), -1);
	char big[MCONSOLE_DATA_MAX + 1];
	memset(big, 'x', sizeof(big));
	n = make_notify(buf, MCONSOLE_MAGIC, MCONSOLE_VERSION, 3, MCONSOLE_DATA_MAX + 1, big, sizeof(big));
	assert_int_equal(mconsole_notify_decode(buf, n, &m), -1);
}

/* ---- agent requests ---- */

struct chunks {
	char *text[512];
	int n;
	int fail_at;	/* emit returns -1 at this chunk, or never when < 0 */
};

static int collect(void *arg, const char *request)
{
	struct chunks *c = arg;
	if (c->n == c->fail_at)
		return -1;
	assert_true(c->n < 512);
	c->text[c->n++] = xstrdup(request);
	return 0;
}

static void chunks_free(struct chunks *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->text[i]);
	c->n = 0;
}

static int b64_value(char ch)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch != '\0' ? strchr(alphabet, ch) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Decode one chunk's base64 on its own, as the agent does; returns bytes written. */
static size_t b64_decode(const char *s, unsigned char *out)
{
	size_t len = strlen(s), o = 0;
	assert_int_equal(len % 4, 0);
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=') {
				assert_true(i + 4 == len && k >= 2);
				v[k] = 0;
				pad++;
			} else {
				assert_int_equal(pad, 0);
				v[k] = b64_value(s[i + k]);
				assert_true(v[k] >= 0);
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return o;
}

/* Encode cmd as request id, check every text and give back the number of chunks. */
static int round_trip(unsigned id, const unsigned char *cmd, size_t len)
{
	struct chunks c = { .fail_at = -1 };
	int n = agent_request_encode(id, (const char *)cmd, len, collect, &c);
	assert_int_equal(n, c.n);
	assert_true(n >= 1);
	unsigned char *got = xmalloc(len + 512);
	size_t got_len = 0;
	for (int i = 0; i < n; i++) {
		const char *t = c.text[i];
		assert_true(strlen(t) <= MCONSOLE_CMD_MAX);
		unsigned rid, seq;
		char flag;
		int off = 0;
		assert_int_equal(sscanf(t, "log umllab:x %u %u %c %n", &rid, &seq, &flag, &off), 3);
		assert_true(off > 0);
		assert_int_equal(rid, id);
		assert_int_equal(seq, (unsigned)i);
		assert_int_equal(flag, i == n - 1 ? 'e' : 'm');
		/* Exactly one space between the fields and the base64. */
		char header[64];
		snprintf(header, sizeof(header), "log umllab:x %u %u %c ", id, (unsigned)i, flag);
		assert_int_equal(strncmp(t, header, strlen(header)), 0);
		/* Each text ends with a newline, so the kernel closes the log record at once. */
		size_t tl = strlen(t);
		assert_int_equal(t[tl - 1], '\n');
		char *b64 = xstrndup(t + strlen(header), tl - 1 - strlen(header));
		assert_true(strlen(b64) > 0);
		got_len += b64_decode(b64, got + got_len);
		free(b64);
		assert_true(got_len <= len);
	}
	assert_int_equal(got_len, len);
	assert_memory_equal(got, cmd, len);
	free(got);
	chunks_free(&c);
	return n;
}

/* Raw bytes in one chunk for request id at chunk seq (the same sum the encoder does). */
static size_t chunk_capacity(unsigned id, unsigned seq)
{
	char header[64];
	int h = snprintf(header, sizeof(header), "log umllab:x %u %u e ", id, seq);
	return (size_t)(MCONSOLE_CMD_MAX - h - 1) / 4 * 3;	/* - 1: the newline */
}

static void test_agent_encode_round_trip(void **state)
{
	(void)state;
	unsigned char *buf = xmalloc(AGENT_CMD_MAX);
	for (size_t i = 0; i < AGENT_CMD_MAX; i++)
		buf[i] = (unsigned char)(i * 131 + (i >> 8) * 7);	/* every byte value, NULs too */

	assert_int_equal(round_trip(7, (const unsigned char *)"x", 1), 1);
	assert_int_equal(round_trip(7, (const unsigned char *)"ab", 2), 1);
	size_t cap = chunk_capacity(7, 0);
	assert_true(cap >= 360);
	assert_int_equal(round_trip(7, buf, cap), 1);
	assert_int_equal(round_trip(7, buf, cap + 1), 2);
	assert_true(round_trip(7, buf, 10 * 1024) >= 10 * 1024 / (int)cap);
	/* Largest ids and the longest command still fit. */
	assert_int_equal(round_trip(4294967295U, buf, chunk_capacity(4294967295U, 0)), 1);
	assert_true(round_trip(4294967295U, buf, AGENT_CMD_MAX) > 1);

	/* The one-chunk text at full capacity fills the request to within a base64 quantum. */
	struct chunks c = { .fail_at = -1 };
	assert_int_equal(agent_request_encode(7, (const char *)buf, cap, collect, &c), 1);
	assert_true(strlen(c.text[0]) > MCONSOLE_CMD_MAX - 4);
	chunks_free(&c);
	free(buf);
}

static void test_agent_encode_refused(void **state)
{
	(void)state;
	struct chunks c = { .fail_at = -1 };
	char *big = xcalloc(AGENT_CMD_MAX + 1, 1);
	memset(big, 'a', AGENT_CMD_MAX + 1);
	assert_int_equal(agent_request_encode(1, "", 0, collect, &c), -1);
	assert_int_equal(agent_request_encode(1, big, AGENT_CMD_MAX + 1, collect, &c), -1);
	assert_int_equal(c.n, 0);
	/* emit failing stops the encoding. */
	c.fail_at = 1;
	assert_int_equal(agent_request_encode(1, big, 2000, collect, &c), -1);
	assert_int_equal(c.n, 1);
	chunks_free(&c);
	free(big);
}

/* ---- agent messages ---- */

static int parse(const char *s, size_t len, struct agent_msg *m)
{
	/* Copy into an exact-size buffer so ASan catches a read past len. */
	char *p = xmalloc(len);
	memcpy(p, s, len);
	int r = agent_message_parse(p, len, m);
	if (r == 0 && m->data != NULL && m->len > 0) {
		assert_true(m->data >= p && m->data + m->len <= p + len);
		m->data = s + (m->data - p);
	}
	free(p);
	return r;
}

#define PARSE(lit, m) parse(lit, sizeof(lit) - 1, m)

static void test_agent_parse_kinds(void **state)
{
	(void)state;
	struct agent_msg m;

	assert_int_equal(PARSE("umllab:ready 1", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_READY);
	assert_int_equal(m.status, 1);
	assert_int_equal(PARSE("umllab:ready 12\n", &m), 0);
	assert_int_equal(m.status, 12);

	assert_int_equal(PARSE("umllab:fail ip: no such device eth1", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_FAIL);
	assert_int_equal(m.len, strlen("ip: no such device eth1"));
	assert_memory_equal(m.data, "ip: no such device eth1", m.len);

	static const char out[] = "umllab:o 42\nPING 10.0.0.2\0\x01\xff\n";
	assert_int_equal(parse(out, sizeof(out) - 1, &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OUTPUT);
	assert_int_equal(m.id, 42);
	assert_int_equal(m.len, sizeof(out) - 1 - 12);
	assert_memory_equal(m.data, "PING 10.0.0.2\0\x01\xff\n", m.len);
	/* Empty output, and output that holds newlines and our own tags. */
	assert_int_equal(PARSE("umllab:o 3\n", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OUTPUT);
	assert_int_equal(m.len, 0);
	assert_int_equal(PARSE("umllab:o 3\numllab:e 3 0\n", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OUTPUT);
	assert_int_equal(m.len, 13);

	assert_int_equal(PARSE("umllab:e 42 0", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_END);
	assert_int_equal(m.id, 42);
	assert_int_equal(m.status, 0);
	assert_int_equal(PARSE("umllab:e 4294967295 137\n", &m), 0);
	assert_int_equal(m.id, 4294967295U);
	assert_int_equal(m.status, 137);

	assert_int_equal(PARSE("hello from a guest", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OTHER);
	assert_int_equal(PARSE("", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OTHER);
	assert_int_equal(PARSE("umllab", &m), 0);
	assert_int_equal(m.kind, AGENT_MSG_OTHER);
}

static void test_agent_parse_malformed(void **state)
{
	(void)state;
	struct agent_msg m;
	static const char *bad[] = {
		"umllab:",
		"umllab:ready",
		"umllab:ready ",
		"umllab:ready x",
		"umllab:ready 1 2",
		"umllab:ready -1",
		"umllab:fail",
		"umllab:o",
		"umllab:o ",
		"umllab:o 42",		/* no newline after the header */
		"umllab:o 42 data\n",
		"umllab:o x\ndata",
		"umllab:o \ndata",
		"umllab:o 4294967296\n",	/* id overflows */
		"umllab:e",
		"umllab:e 42",
		"umllab:e 42 ",
		"umllab:e  0",
		"umllab:e x 0",
		"umllab:e 42 x",
		"umllab:e 42 -1",
		"umllab:e 42 0 1",
		"umllab:e 42 99999999999",
		"umllab:x 1 0 e eA==",	/* a request is not a message from the guest */
		"umllab:what 1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], strlen(bad[i]), &m) != -1)
			fail_msg("parsed malformed message '%s'", bad[i]);
	}
	/* A NUL inside a numeric field. */
	assert_int_equal(parse("umllab:e 4\0002 0", 14, &m), -1);
}

/* ---- sockets, with a fake kernel ---- */

struct fake_kernel {
	int fd;
	char path[108];
	char dir[64];
	char request[MCONSOLE_DATA_MAX + 1];
};

static void fake_kernel_open(struct fake_kernel *k)
{
	char *cause = NULL;
	strcpy(k->dir, "/tmp/test_mconsole.XXXXXX");
	assert_non_null(mkdtemp(k->dir));
	snprintf(k->path, sizeof(k->path), "%s/mconsole", k->dir);
	/* The notify helper binds a datagram socket at a path: a kernel's socket is the same. */
	k->fd = mconsole_notify_open(k->path, &cause);
	assert_null(cause);
	assert_true(k->fd >= 0);
}

static void fake_kernel_close(struct fake_kernel *k)
{
	close(k->fd);
	unlink(k->path);
	rmdir(k->dir);
}

/* Wait for one request; answer "first part|" "second part" as two replies. */
static void *fake_kernel_serve(void *arg)
{
	struct fake_kernel *k = arg;
	unsigned char buf[MCONSOLE_REQUEST_SIZE + 16];
	struct sockaddr_un from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;
	for (;;) {
		n = recvfrom(k->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n >= 0 || errno != EAGAIN)
			break;
		usleep(1000);
	}
	if (n < 12 || get32(buf) != MCONSOLE_MAGIC || get32(buf + 4) != MCONSOLE_VERSION ||
	    get32(buf + 8) != (uint32_t)n - 12)
		return NULL;
	memcpy(k->request, buf + 12, (size_t)n - 12);
	k->request[n - 12] = '\0';

	unsigned char r[MCONSOLE_REPLY_SIZE];
	/* Garbage first: a too-short datagram is ignored by the client. */
	sendto(k->fd, "junk", 4, 0, (struct sockaddr *)&from, fromlen);
	size_t m = make_reply(r, 0, 1, 12, "first part|\0", 12);
	sendto(k->fd, r, m, 0, (struct sockaddr *)&from, fromlen);
	m = make_reply(r, 0, 0, 12, "second part\0", 12);
	sendto(k->fd, r, m, 0, (struct sockaddr *)&from, fromlen);
	return NULL;
}

static void test_call_multipart(void **state)
{
	(void)state;
	struct fake_kernel k;
	pthread_t t;
	char *reply = NULL, *cause = NULL;
	uint32_t err = 99;

	fake_kernel_open(&k);
	assert_int_equal(pthread_create(&t, NULL, fake_kernel_serve, &k), 0);
	int r = mconsole_call(k.path, "help", 5000, &reply, &err, &cause);
	pthread_join(t, NULL);
	if (r != 0)
		fail_msg("mconsole_call: %s", cause);
	assert_string_equal(k.request, "help");
	assert_string_equal(reply, "first part|second part");
	assert_int_equal(err, 0);
	free(reply);
	fake_kernel_close(&k);
}

static void test_call_timeout(void **state)
{
	(void)state;
	struct fake_kernel k;
	char *reply = NULL, *cause = NULL;
	uint32_t err = 0;

	fake_kernel_open(&k);
	uint64_t t0 = clock_ms();
	assert_int_equal(mconsole_call(k.path, "version", 150, &reply, &err, &cause), -1);
	uint64_t took = clock_ms() - t0;
	assert_true(took >= 140 && took < 2000);
	assert_null(reply);
	assert_non_null(cause);
	assert_non_null(strstr(cause, k.path));
	assert_non_null(strstr(cause, "no answer"));
	free(cause);
	fake_kernel_close(&k);
}

static void test_call_missing_socket(void **state)
{
	(void)state;
	char *reply = NULL, *cause = NULL;
	uint32_t err = 0;
	const char *path = "/tmp/test_mconsole-does-not-exist/mconsole";
	assert_int_equal(mconsole_call(path, "version", 100, &reply, &err, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "missing or its kernel is not running"));
	free(cause);
	cause = NULL;

	int fd = mconsole_client_open(NULL, &cause);
	assert_true(fd >= 0);
	assert_int_equal(mconsole_send(fd, path, "version", &cause), -1);
	assert_non_null(strstr(cause, "missing or its kernel is not running"));
	free(cause);
	close(fd);
}

/* A client socket bound to a path: a stale socket there is replaced, the
 * kernel can answer it, and it has no abstract name anyone could send to. */
static void test_client_bind_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_mconsole-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64], kpath[64];
	snprintf(path, sizeof(path), "%s/client", dir);
	snprintf(kpath, sizeof(kpath), "%s/kernel", dir);
	char *cause = NULL;
	int stale = mconsole_client_open(path, &cause);
	assert_true(stale >= 0);
	close(stale);	/* its file stays behind */
	int fd = mconsole_client_open(path, &cause);
	assert_true(fd >= 0);
	struct sockaddr_un got;
	socklen_t len = sizeof(got);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&got, &len), 0);
	assert_string_equal(got.sun_path, path);

	/* A fake kernel answers the request to its sender's address. */
	int k = mconsole_notify_open(kpath, &cause);
	assert_true(k >= 0);
	assert_int_equal(mconsole_send(fd, kpath, "version", &cause), 0);
	char buf[MCONSOLE_REQUEST_SIZE];
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	assert_true(recvfrom(k, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) > 0);
	assert_string_equal(from.sun_path, path);
	assert_int_equal(sendto(k, "x", 1, 0, (struct sockaddr *)&from, flen), 1);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 1);

	snprintf(kpath, sizeof(kpath), "%s/not-a-socket", dir);
	FILE *f = fopen(kpath, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mconsole_client_open(kpath, &cause), -1);
	assert_non_null(strstr(cause, kpath));
	free(cause);
	unlink(kpath);
	close(fd);
	close(k);
	snprintf(kpath, sizeof(kpath), "%s/kernel", dir);
	unlink(kpath);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_socket_path_too_long(void **state)
{
	(void)state;
	char path[300];
	char *cause = NULL, *reply = NULL;
	uint32_t err = 0;
	memset(path, 'p', sizeof(path));
	memcpy(path, "/tmp/", 5);
	path[200] = '\0';

	assert_int_equal(mconsole_call(path, "version", 100, &reply, &err, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	free(cause);
	cause = NULL;

	int fd = mconsole_client_open(NULL, &cause);
	assert_true(fd >= 0);
	assert_int_equal(mconsole_send(fd, path, "version", &cause), -1);
	assert_non_null(strstr(cause, path));
	free(cause);
	cause = NULL;
	close(fd);

	assert_int_equal(mconsole_notify_open(path, &cause), -1);
	assert_non_null(strstr(cause, path));
	free(cause);
}

static void test_send_too_long_command(void **state)
{
	(void)state;
	char cmd[600];
	char *cause = NULL;
	memset(cmd, 'c', sizeof(cmd));
	cmd[512] = '\0';
	int fd = mconsole_client_open(NULL, &cause);
	assert_true(fd >= 0);
	assert_int_equal(mconsole_send(fd, "/tmp/x", cmd, &cause), -1);
	assert_non_null(cause);
	free(cause);
	close(fd);
}

static void test_notify_open(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_mconsole.XXXXXX";
	char path[128], *cause = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);

	int fd = mconsole_notify_open(path, &cause);
	assert_true(fd >= 0);
	/* A second open replaces the stale socket. */
	int fd2 = mconsole_notify_open(path, &cause);
	assert_true(fd2 >= 0);
	close(fd);

	/* What a kernel sends arrives and decodes. */
	unsigned char buf[MCONSOLE_NOTIFY_SIZE];
	size_t n = make_notify(buf, MCONSOLE_MAGIC, MCONSOLE_VERSION, MCONSOLE_NOTIFY_USER, 5, "hello", 5);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sun;
	assert_int_equal(unix_addr_set(&sun, path, NULL), 0);
	assert_int_equal(sendto(s, buf, n, 0, (struct sockaddr *)&sun, sizeof(sun)), (ssize_t)n);
	close(s);
	ssize_t got = recv(fd2, buf, sizeof(buf), 0);
	struct mconsole_notify m;
	assert_int_equal(mconsole_notify_decode(buf, (size_t)got, &m), 0);
	assert_string_equal(m.data, "hello");
	/* Nonblocking: nothing more to read. */
	assert_int_equal(recv(fd2, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd2);
	unlink(path);

	/* Never removes a file that is not a socket. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mconsole_notify_open(path, &cause), -1);
	assert_non_null(strstr(cause, "not a socket"));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	free(cause);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_encode),
		cmocka_unit_test(test_request_encode_limits),
		cmocka_unit_test(test_reply_decode_good),
		cmocka_unit_test(test_reply_decode_bad),
		cmocka_unit_test(test_reply_decode_multipart),
		cmocka_unit_test(test_notify_decode_types),
		cmocka_unit_test(test_notify_decode_bad),
		cmocka_unit_test(test_agent_encode_round_trip),
		cmocka_unit_test(test_agent_encode_refused),
		cmocka_unit_test(test_agent_parse_kinds),
		cmocka_unit_test(test_agent_parse_malformed),
		cmocka_unit_test(test_call_multipart),
		cmocka_unit_test(test_call_timeout),
		cmocka_unit_test(test_call_missing_socket),
		cmocka_unit_test(test_client_bind_path),
		cmocka_unit_test(test_socket_path_too_long),
		cmocka_unit_test(test_send_too_long_command),
		cmocka_unit_test(test_notify_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
