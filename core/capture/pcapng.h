/* core/capture/pcapng.h: a small pcapng encoder (the blocks a live Ethernet capture needs).
 *
 * Each function appends one block to a strbuf, in host byte order (the
 * section header's byte-order magic tells readers which). A stream is one
 * section header, then interface descriptions and packets in any order, as
 * long as a packet's interface was described before it. Timestamps are
 * nanoseconds since the epoch (each interface says so with if_tsresol 9).
 * See https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html. */
#ifndef UMLLAB_PCAPNG_H
#define UMLLAB_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/util.h"

#define PCAPNG_LINKTYPE_ETHERNET 1

enum pcapng_dir {
	PCAPNG_DIR_UNKNOWN = 0,
	PCAPNG_DIR_INBOUND = 1,		/* received on the interface */
	PCAPNG_DIR_OUTBOUND = 2,	/* sent on the interface */
};

/* Section Header Block; app names the writer (shb_userappl). */
void pcapng_section(struct strbuf *b, const char *app);

/* Interface Description Block for an Ethernet interface called name
 * (if_name), with description desc (if_description, may be NULL). */
void pcapng_interface(struct strbuf *b, const char *name, const char *desc, uint32_t snaplen);

/* Enhanced Packet Block: caplen bytes of a frame that was len bytes long. */
void pcapng_packet(struct strbuf *b, uint32_t interface, uint64_t ts_ns, const void *data,
    uint32_t caplen, uint32_t len, enum pcapng_dir dir);

/* Interface Statistics Block: isb_ifrecv and isb_ifdrop for an interface. */
void pcapng_stats(struct strbuf *b, uint32_t interface, uint64_t ts_ns, uint64_t received,
    uint64_t dropped);

/* A reader for what pcapng_* write (one host's byte order, nanosecond
 * timestamps): feed it bytes as they come, take records out. */
struct pcapng_reader {
	struct strbuf buf;
	size_t off;		/* start of the next block in buf */
	char **ifnames;
	size_t nifs;
};

/* A record's pointers are valid until the next pcapng_reader_* call. */
struct pcapng_record {
	const char *ifname;
	uint64_t ts_ns;
	enum pcapng_dir dir;
	const unsigned char *data;
	uint32_t caplen, len;
};

void pcapng_reader_feed(struct pcapng_reader *r, const void *data, size_t len);
/* 1 with *rec filled (a packet), 0 when more bytes are needed, -1 with
 * *cause when the stream is not one this encoder writes. */
int pcapng_reader_next(struct pcapng_reader *r, struct pcapng_record *rec, char **cause);
void pcapng_reader_free(struct pcapng_reader *r);

#endif
