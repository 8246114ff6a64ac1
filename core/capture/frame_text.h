/* core/capture/frame_text.h: one line that says what an Ethernet frame is, as tcpdump would, for a terminal. */
#ifndef UMLLAB_FRAME_TEXT_H
#define UMLLAB_FRAME_TEXT_H

#include <stddef.h>

#include "core/base/util.h"

/* Append "SRC > DST, WHAT" for the len bytes of frame f: ARP, IPv4 with
 * ICMP, TCP or UDP, IPv6, else the ethertype. Never reads past len. */
void frame_describe(struct strbuf *b, const unsigned char *f, size_t len);

#endif
