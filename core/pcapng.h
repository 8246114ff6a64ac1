/* core/pcapng.h: a small pcapng encoder (the blocks a live Ethernet capture needs).
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

#include "core/util.h"

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

#endif
