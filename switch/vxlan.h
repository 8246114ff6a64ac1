/* switch/vxlan.h: the VXLAN header (RFC 7348) and the `IP:PORT` addresses of
 * trunks. Pure: libc only, so the topology loader and tests/unit/test_vxlan
 * link it alone.
 *
 * On the wire a VXLAN packet is a UDP datagram holding an 8-byte header and
 * then one Ethernet frame (no FCS):
 *   byte 0     flags: 0x08 (the I bit: the VNI is valid); others reserved
 *   bytes 1-3  reserved (zero)
 *   bytes 4-6  the VNI, 24 bits, network byte order
 *   byte 7     reserved (zero) */
#ifndef UMLLAB_VXLAN_H
#define UMLLAB_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define VXLAN_HDR_LEN 8
#define VXLAN_FLAG_VNI 0x08
#define VXLAN_VNI_MAX 16777215u	/* 24 bits */
#define VXLAN_PORT_IANA 4789
/* "[" + an IPv6 address + "]:65535" and the NUL, with room to spare */
#define VXLAN_ADDR_TEXT_MAX 64

/* Write the header for vni (at most VXLAN_VNI_MAX) into hdr. */
void vxlan_encode(unsigned char hdr[VXLAN_HDR_LEN], uint32_t vni);

/* Read the header at the start of a datagram of len bytes: true with *vni set
 * when it is at least a header long and has the I flag. Reserved bits are
 * ignored on receipt, as RFC 7348 asks. */
bool vxlan_decode(const unsigned char *dgram, size_t len, uint32_t *vni);

/* A UDP endpoint: IPv4 or IPv6 address and port. */
struct vxlan_addr {
	struct sockaddr_storage ss;	/* sockaddr_in or sockaddr_in6, port set */
	socklen_t len;			/* 0: not set */
};

/* Parse "A.B.C.D:PORT" or "[IPV6]:PORT" (PORT 1 to 65535, decimal, no sign).
 * NULL on success, else why it is not valid (a static string, for a message
 * that names the value; it says what was expected). */
const char *vxlan_addr_parse(const char *text, struct vxlan_addr *out);

/* The address as it is written in a topology ("10.0.0.1:4789", "[::1]:4789"). */
void vxlan_addr_format(const struct vxlan_addr *a, char buf[VXLAN_ADDR_TEXT_MAX]);

/* The address alone, without the port ("10.0.0.1", "::1"). */
void vxlan_addr_host(const struct vxlan_addr *a, char buf[VXLAN_ADDR_TEXT_MAX]);

/* Same family, address and port: sa (salen bytes, as recvfrom filled it) is a. */
bool vxlan_addr_equal(const struct vxlan_addr *a, const struct sockaddr *sa, socklen_t salen);

/* Same family and address, whatever the ports. */
bool vxlan_addr_same_host(const struct vxlan_addr *a, const struct vxlan_addr *b);

/* The wildcard address (0.0.0.0 or ::), multicast or broadcast: no use for a
 * trunk's end. NULL when fine, else what it is. */
const char *vxlan_addr_special(const struct vxlan_addr *a);

#endif
