/* image/guest/ra.h: IPv6 router advertisements sent by the guest itself (`ra: true` in the topology). */
#ifndef UMLLAB_GUEST_RA_H
#define UMLLAB_GUEST_RA_H

#include <stdbool.h>

#define RA_INTERVAL_S 10	/* between unsolicited advertisements */

/* Forks a small daemon that advertises, on each interface of devs ("eth1,eth2"),
 * the IPv6 /64 prefixes its addresses in ips (umllab.ip's "DEV:ADDR/N,...") have:
 * at once, 2 s later, then every RA_INTERVAL_S, and in answer to each router
 * solicitation (at most one a second). router: the instance forwards, so it is
 * also a default router (else the router lifetime is 0). Failures go to the
 * console only: a report to the host would count as a failed boot. */
void guest_ra_start(const char *devs, const char *ips, bool router);

#endif
