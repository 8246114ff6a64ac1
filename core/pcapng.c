/* core/pcapng.c: a small pcapng encoder: section, interface, packet and statistics blocks. */
#include "core/pcapng.h"

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

void pcapng_packet(struct strbuf *b, uint32_t interface, uint64_t ts_ns, const void *data,
    uint32_t caplen, uint32_t len, enum pcapng_dir dir)
{
	bool flags = dir != PCAPNG_DIR_UNKNOWN;
	size_t body = 20 + pad4(caplen) + (flags ? option_size(4) + 4 : 0);
	block_begin(b, BT_EPB, body);
	put32(b, interface);
	put32(b, (uint32_t)(ts_ns >> 32));
	put32(b, (uint32_t)ts_ns);
	put32(b, caplen);
	put32(b, len);
	put_padded(b, data, caplen);
	if (flags) {
		uint32_t v = (uint32_t)dir;	/* bits 0-1: the direction */
		put_option(b, OPT_EPB_FLAGS, &v, 4);
		put32(b, OPT_END);
	}
	block_end(b, body);
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
