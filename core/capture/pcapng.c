/* core/capture/pcapng.c: a small pcapng encoder: section, interface, packet and statistics blocks. */
#include "core/capture/pcapng.h"

#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_ISB 0x00000005u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2
#define OPT_ISB_IFRECV 4
#define OPT_ISB_IFDROP 5

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put32(struct strbuf *b, uint32_t v)
{
	strbuf_append(b, &v, 4);
}

static void put16(struct strbuf *b, uint16_t v)
{
	strbuf_append(b, &v, 2);
}

static void put_padded(struct strbuf *b, const void *data, size_t len)
{
	static const unsigned char zeros[4];
	strbuf_append(b, data, len);
	strbuf_append(b, zeros, pad4(len) - len);
}

static void put_option(struct strbuf *b, uint16_t code, const void *data, size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	put_padded(b, data, len);
}

static size_t option_size(size_t len)
{
	return 4 + pad4(len);
}

/* A block is: type, total length, body, total length again. */
static void block_begin(struct strbuf *b, uint32_t type, size_t body)
{
	put32(b, type);
	put32(b, (uint32_t)(12 + body));
}

static void block_end(struct strbuf *b, size_t body)
{
	put32(b, (uint32_t)(12 + body));
}

void pcapng_section(struct strbuf *b, const char *app)
{
	size_t alen = strlen(app);
	size_t body = 16 + option_size(alen) + 4;
	block_begin(b, BT_SHB, body);
	put32(b, BYTE_ORDER_MAGIC);
	put16(b, 1);	/* version 1.0 */
	put16(b, 0);
	uint64_t unknown = UINT64_MAX;	/* section length: not known in a stream */
	strbuf_append(b, &unknown, 8);
	put_option(b, OPT_SHB_USERAPPL, app, alen);
	put32(b, OPT_END);
	block_end(b, body);
}

void pcapng_interface(struct strbuf *b, const char *name, const char *desc, uint32_t snaplen)
{
	size_t nlen = strlen(name), dlen = desc != NULL ? strlen(desc) : 0;
	uint8_t tsresol = 9;	/* 10^-9 s */
	size_t body = 8 + option_size(nlen) + (desc != NULL ? option_size(dlen) : 0) + option_size(1) + 4;
	block_begin(b, BT_IDB, body);
	put16(b, PCAPNG_LINKTYPE_ETHERNET);
	put16(b, 0);
	put32(b, snaplen);
	put_option(b, OPT_IF_NAME, name, nlen);
	if (desc != NULL)
		put_option(b, OPT_IF_DESCRIPTION, desc, dlen);
	put_option(b, OPT_IF_TSRESOL, &tsresol, 1);
	put32(b, OPT_END);
	block_end(b, body);
}

/* One block per frame, so built in place: three appends, not one per field. */
void pcapng_packet(struct strbuf *b, uint32_t interface, uint64_t ts_ns, const void *data,
    uint32_t caplen, uint32_t len, enum pcapng_dir dir)
{
	bool flags = dir != PCAPNG_DIR_UNKNOWN;
	size_t body = 20 + pad4(caplen) + (flags ? option_size(4) + 4 : 0);
	uint32_t head[7] = { BT_EPB, (uint32_t)(12 + body), interface, (uint32_t)(ts_ns >> 32),
	    (uint32_t)ts_ns, caplen, len };
	strbuf_append(b, head, sizeof(head));
	strbuf_append(b, data, caplen);
	/* Padding to 4 bytes, the flags option (bits 0-1: the direction), the
	 * end of options, the block's length again. */
	unsigned char tail[3 + 16] = { 0 };
	size_t n = pad4(caplen) - caplen;
	if (flags) {
		uint16_t opt[2] = { OPT_EPB_FLAGS, 4 };
		uint32_t v[2] = { (uint32_t)dir, OPT_END };
		memcpy(tail + n, opt, sizeof(opt));
		memcpy(tail + n + sizeof(opt), v, sizeof(v));
		n += sizeof(opt) + sizeof(v);
	}
	uint32_t total = (uint32_t)(12 + body);
	memcpy(tail + n, &total, 4);
	strbuf_append(b, tail, n + 4);
}

void pcapng_stats(struct strbuf *b, uint32_t interface, uint64_t ts_ns, uint64_t received,
    uint64_t dropped)
{
	size_t body = 12 + option_size(8) * 2 + 4;
	block_begin(b, BT_ISB, body);
	put32(b, interface);
	put32(b, (uint32_t)(ts_ns >> 32));
	put32(b, (uint32_t)ts_ns);
	put_option(b, OPT_ISB_IFRECV, &received, 8);
	put_option(b, OPT_ISB_IFDROP, &dropped, 8);
	put32(b, OPT_END);
	block_end(b, body);
}

/* ---- reading ---- */

#define BLOCK_MAX (1u << 20)

void pcapng_reader_feed(struct pcapng_reader *r, const void *data, size_t len)
{
	if (r->off > 0) {
		/* What was read goes: only a block still incomplete stays. */
		memmove(r->buf.s, r->buf.s + r->off, r->buf.len - r->off);
		r->buf.len -= r->off;
		r->off = 0;
	}
	strbuf_append(&r->buf, data, len);
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static void reader_forget_ifaces(struct pcapng_reader *r)
{
	for (size_t i = 0; i < r->nifs; i++)
		free(r->ifnames[i]);
	free(r->ifnames);
	r->ifnames = NULL;
	r->nifs = 0;
}

/* An IDB's if_name, or "ifN". */
static void reader_add_iface(struct pcapng_reader *r, const unsigned char *body, size_t len)
{
	char *name = NULL;
	for (size_t off = 8; off + 4 <= len;) {
		uint16_t code = rd16(body + off), olen = rd16(body + off + 2);
		if (code == OPT_END || off + 4 + olen > len)
			break;
		if (code == OPT_IF_NAME && name == NULL)
			name = xstrndup((const char *)body + off + 4, olen);
		off += 4 + pad4(olen);
	}
	if (name == NULL)
		name = xasprintf("if%zu", r->nifs);
	r->ifnames = xreallocarray(r->ifnames, r->nifs + 1, sizeof(*r->ifnames));
	r->ifnames[r->nifs++] = name;
}

int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_record *rec, char **cause)
{
	for (;;) {
		size_t avail = r->buf.len - r->off;
		if (avail < 12)
			return 0;
		const unsigned char *b = (const unsigned char *)r->buf.s + r->off;
		uint32_t type = rd32(b), len = rd32(b + 4);
		if (len < 12 || len % 4 != 0 || len > BLOCK_MAX)
			return set_cause(cause, "not a pcapng stream (a block of %u bytes)", len);
		if (avail < len)
			return 0;
		if (rd32(b + len - 4) != len)
			return set_cause(cause, "a broken pcapng block (its two lengths differ)");
		r->off += len;
		const unsigned char *body = b + 8;
		size_t blen = len - 12;
		if (type == BT_SHB) {
			if (blen < 16 || rd32(body) != BYTE_ORDER_MAGIC)
				return set_cause(cause, "a pcapng section in another byte order");
			reader_forget_ifaces(r);
		} else if (type == BT_IDB) {
			if (blen < 8)
				return set_cause(cause, "a broken pcapng interface block");
			reader_add_iface(r, body, blen);
		} else if (type == BT_EPB) {
			if (blen < 20)
				return set_cause(cause, "a broken pcapng packet block");
			uint32_t ifid = rd32(body), caplen = rd32(body + 12);
			if (ifid >= r->nifs || 20 + (size_t)pad4(caplen) > blen)
				return set_cause(cause, "a pcapng packet of an unknown interface, or too long");
			rec->ifname = r->ifnames[ifid];
			rec->ts_ns = ((uint64_t)rd32(body + 4) << 32) | rd32(body + 8);
			rec->caplen = caplen;
			rec->len = rd32(body + 16);
			rec->data = body + 20;
			rec->dir = PCAPNG_DIR_UNKNOWN;
			for (size_t off = 20 + pad4(caplen); off + 4 <= blen;) {
				uint16_t code = rd16(body + off), olen = rd16(body + off + 2);
				if (code == OPT_END || off + 4 + olen > blen)
					break;
				if (code == OPT_EPB_FLAGS && olen == 4)
					rec->dir = (enum pcapng_dir)(rd32(body + off + 4) & 3);
				off += 4 + pad4(olen);
			}
			return 1;
		}
		/* Other blocks (statistics, ...) say nothing a reader here needs. */
	}
}

void pcapng_reader_free(struct pcapng_reader *r)
{
	reader_forget_ifaces(r);
	free(r->buf.s);
	memset(r, 0, sizeof(*r));
}
