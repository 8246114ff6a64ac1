/* image/guest/boot_params.h: reading umllab's kernel parameters in the guest (pure: no system calls). */
#ifndef UMLLAB_GUEST_BOOT_PARAMS_H
#define UMLLAB_GUEST_BOOT_PARAMS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* The umllab.* parameters of the kernel command line; NULL when absent. */
struct boot_params {
	char *name;	/* umllab.name=NAME */
	char *ips;	/* umllab.ip=DEV:ADDR/PREFIX,... */
	char *routes;	/* umllab.route=DEST@GATEWAY,... (DEST may be "default") */
	char *forward;	/* umllab.forward=0|1 */
	char *share;	/* umllab.share=rw|ro */
	char *vlans;	/* umllab.vlan=DEV.VID,... (VLAN sub-interfaces) */
	char *ipv6;	/* umllab.ipv6=1: load IPv6, link-local addresses; 0: IPv6 off */
	char *ra;	/* umllab.ra=eth0,...: send router advertisements there */
};

/* "eth0.10" -> its parent "eth0" (into parent, of size size) and 10; false
 * when name is not PARENT.VID with a VID from 1 to 4094. */
bool boot_vlan_name(const char *name, char *parent, size_t size, unsigned *vid);

/* Fills p with pointers into cmdline, which it cuts into words. A key given
 * twice counts with its last value, as the kernel's own parameters do. */
void boot_params_read(char *cmdline, struct boot_params *p);

/* "A.B.C.D/N", or "A.B.C.D" (a host, /32). */
bool boot_cidr_parse(const char *text, struct in_addr *addr, unsigned *prefix);

/* "ADDR/N", or "ADDR" (a host: /32, /128), of either family: *family is AF_INET (addr
 * holds 4 bytes) or AF_INET6 (16). */
bool boot_addr_parse(const char *text, int *family, unsigned char addr[16], unsigned *prefix);

/* A route's gateway, "ADDR" or "ADDR%DEV" (the interface it is on, as for a
 * link-local gateway): *dev points into text (cut there) or is NULL. */
bool boot_gateway_parse(char *text, int *family, unsigned char addr[16], char **dev);

/* A prefix a router advertises (prefix information option). */
struct boot_prefix {
	unsigned char addr[16];	/* host bits are cleared in the message */
	unsigned len;
};

#define BOOT_RA_VALID_S 86400u		/* prefix valid lifetime: a day */
#define BOOT_RA_PREFERRED_S 14400u	/* ... preferred: 4 hours */
#define BOOT_RA_ROUTER_S 1800u		/* router lifetime of a router that forwards */

/* An ICMPv6 router advertisement (RFC 4861 4.2; the kernel fills the checksum)
 * with mac as its source link-layer address and one prefix information option
 * (on-link, autonomous) per prefix; router_lifetime 0 says "not a default
 * router". Returns its length, 0 when cap is too small. */
size_t boot_ra_message(unsigned char *buf, size_t cap, const unsigned char mac[6],
    const struct boot_prefix *prefixes, size_t n, unsigned router_lifetime);

/* The next item of a comma list "LEFT<sep>RIGHT,...", cut in place: returns
 * false at the end of the list. An item without sep or with an empty side
 * sets *bad, with *left the whole item. Empty items are skipped. */
bool boot_pair_next(char **cursor, char sep, char **left, char **right, bool *bad);

#endif
