/* mconsole/codec.c: encode mconsole requests, decode replies and notifications (pure, no I/O). */
#include "mconsole/mconsole.h"

#include <string.h>

#define REQUEST_HEADER 12	/* magic, version, len */
#define REPLY_HEADER 12		/* err, more, len */
#define NOTIFY_HEADER 16	/* magic, version, type, len */

/* Fields are host-endian u32 at 4-byte offsets; memcpy keeps unaligned buffers safe. */
static uint32_t get_u32(const void *buf, size_t off)
{
	uint32_t v;
	memcpy(&v, (const char *)buf + off, sizeof(v));
	return v;
}

static void put_u32(void *buf, size_t off, uint32_t v)
{
	memcpy((char *)buf + off, &v, sizeof(v));
}

ssize_t mconsole_request_encode(void *buf, size_t size, const char *cmd, size_t len)
{
	/* The kernel rejects len >= 512 ("Request too large"): it stores a NUL at data[len]. */
	if (len > MCONSOLE_CMD_MAX || size < REQUEST_HEADER + len)
		return -1;
	put_u32(buf, 0, MCONSOLE_MAGIC);
	put_u32(buf, 4, MCONSOLE_VERSION);
	put_u32(buf, 8, (uint32_t)len);
	if (len > 0)
		memcpy((char *)buf + REQUEST_HEADER, cmd, len);
	return (ssize_t)(REQUEST_HEADER + len);
}

int mconsole_reply_decode(const void *buf, size_t n, struct mconsole_reply *out)
{
	if (n < REPLY_HEADER)
		return -1;
	uint32_t len = get_u32(buf, 8);
	/* Trailing bytes past len are tolerated (a peer may send the whole struct). */
	if (len > MCONSOLE_DATA_MAX || len > n - REPLY_HEADER)
		return -1;
	out->err = get_u32(buf, 0);
	out->more = get_u32(buf, 4);
	memcpy(out->data, (const char *)buf + REPLY_HEADER, len);
	out->data[len] = '\0';
	/* The kernel counts its string's NUL in len; leave it out so parts concatenate. */
	if (len > 0 && out->data[len - 1] == '\0')
		len--;
	out->len = len;
	return 0;
}

int mconsole_notify_decode(const void *buf, size_t n, struct mconsole_notify *out)
{
	if (n < NOTIFY_HEADER)
		return -1;
	if (get_u32(buf, 0) != MCONSOLE_MAGIC || get_u32(buf, 4) != MCONSOLE_VERSION)
		return -1;
	uint32_t len = get_u32(buf, 12);
	if (len > MCONSOLE_DATA_MAX || len > n - NOTIFY_HEADER)
		return -1;
	out->type = get_u32(buf, 8);
	out->len = len;
	memcpy(out->data, (const char *)buf + NOTIFY_HEADER, len);
	out->data[len] = '\0';
	return 0;
}
