/* image/guest/boot.h: the guest's boot setup, run by init before the agent (`umllab-agent --boot`). */
#ifndef UMLLAB_GUEST_BOOT_H
#define UMLLAB_GUEST_BOOT_H

/* Mounts, hostname, links, addresses, routes, forwarding and the share, from
 * the umllab.* kernel parameters. Reports each failure to the host and goes
 * on; returns 0. */
int guest_boot(void);

#endif
