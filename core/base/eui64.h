/* core/base/eui64.h: an IPv6 interface identifier from a MAC (modified EUI-64) and the link-local address made of it (pure, header only).
 *
 * One definition for both sides of a lab: the host (core/lab: the
 * link-local and SLAAC addresses it expects a guest to have) and the guest
 * agent (image/guest/boot.c: the link-local address it adds itself). The
 * agent is built apart and links nothing of core/base, hence header only.
 */
#ifndef UMLLAB_EUI64_H
#define UMLLAB_EUI64_H

#include <string.h>

/* The interface identifier of mac (RFC 4291 appendix A): the universal/local
 * bit flipped, ff:fe in the middle. The last 8 bytes of a SLAAC address. */
static inline void eui64_id(const unsigned char mac[6], unsigned char id[8])
{
	id[0] = mac[0] ^ 0x02;
	id[1] = mac[1];
	id[2] = mac[2];
	id[3] = 0xff;
	id[4] = 0xfe;
	id[5] = mac[3];
	id[6] = mac[4];
	id[7] = mac[5];
}

/* fe80::/64 with eui64_id(mac): the link-local address the kernel gives an
 * interface with that MAC. */
static inline void eui64_link_local(const unsigned char mac[6], unsigned char addr[16])
{
	memset(addr, 0, 16);
	addr[0] = 0xfe;
	addr[1] = 0x80;
	eui64_id(mac, addr + 8);
}

#endif
