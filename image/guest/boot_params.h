/* image/guest/boot_params.h: reading umllab's kernel parameters in the guest (pure: no system calls). */
#ifndef UMLLAB_GUEST_BOOT_PARAMS_H
#define UMLLAB_GUEST_BOOT_PARAMS_H

#include <netinet/in.h>
#include <stdbool.h>

/* The umllab.* parameters of the kernel command line; NULL when absent. */
struct boot_params {
	char *name;	/* umllab.name=NAME */
	char *ips;	/* umllab.ip=DEV:ADDR/PREFIX,... */
	char *routes;	/* umllab.route=DEST@GATEWAY,... (DEST may be "default") */
	char *forward;	/* umllab.forward=0|1 */
	char *share;	/* umllab.share=rw|ro */
	char *vlans;	/* umllab.vlan=DEV.VID,... (VLAN sub-interfaces) */
};

/* "eth0.10" -> its parent "eth0" (into parent, of size size) and 10; false
 * when name is not PARENT.VID with a VID from 1 to 4094. */
bool boot_vlan_name(const char *name, char *parent, size_t size, unsigned *vid);

/* Fills p with pointers into cmdline, which it cuts into words. A key given
 * twice counts with its last value, as the kernel's own parameters do. */
void boot_params_read(char *cmdline, struct boot_params *p);

/* "A.B.C.D/N", or "A.B.C.D" (a host, /32). */
bool boot_cidr_parse(const char *text, struct in_addr *addr, unsigned *prefix);

/* The next item of a comma list "LEFT<sep>RIGHT,...", cut in place: returns
 * false at the end of the list. An item without sep or with an empty side
 * sets *bad, with *left the whole item. Empty items are skipped. */
bool boot_pair_next(char **cursor, char sep, char **left, char **right, bool *bad);

#endif
