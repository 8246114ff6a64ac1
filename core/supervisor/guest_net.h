/* core/supervisor/guest_net.h: what a guest says of its own network (links, IPv4 and IPv6
 * addresses, routes), kept per instance from the agent's snapshots (image/guest/netwatch.c):
 * how `status`, `ping`, `check` and `graph` know addresses a startup script or a student set,
 * and the IPv6 addresses the kernel made itself (link-local, SLAAC).
 *
 * Pure (no system calls): the guest decides what it sends, so every part is bounded and
 * checked; a malformed part drops the snapshot it belongs to. */
#ifndef UMLLAB_GUEST_NET_H
#define UMLLAB_GUEST_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lab/lab.h"

#define GUEST_NET_LINKS_MAX 64
#define GUEST_NET_ADDRS_MAX 256
#define GUEST_NET_ROUTES_MAX 1024
#define GUEST_NET_NAME_MAX 16	/* IFNAMSIZ */

struct guest_net_link {
	char name[GUEST_NET_NAME_MAX];
	char state[12];			/* up, nocarrier, dormant (a cable pulled by umllab), down */
};

struct guest_net_addr {
	char iface[GUEST_NET_NAME_MAX];
	struct lab_addr addr;		/* either family, with its prefix */
	bool dynamic;			/* made by the kernel (SLAAC) or a daemon, not added by hand */
};

struct guest_net_route {
	struct lab_addr dst;		/* with its prefix; the route's family */
	bool has_via;
	struct lab_addr via;		/* a link-local IPv6 gateway is on iface */
	char iface[GUEST_NET_NAME_MAX];	/* "-" when none */
	char proto[12];			/* kernel, static, ospf, ... */
};

/* One whole snapshot. */
struct guest_net {
	struct guest_net_link *links;
	struct guest_net_addr *addrs;
	struct guest_net_route *routes;
	size_t n_links, n_addrs, n_routes;
	bool known;			/* a snapshot came in this boot */
	uint64_t at_ms;			/* when */
};

/* The last whole snapshot, and the one arriving. */
struct guest_net_rx {
	struct guest_net cur, next;
	unsigned seq, part;
	bool receiving;
};

/* Feed one part ("SEQ PART FLAG ITEMS", the tag taken off). Returns 1 when it completed a
 * snapshot (now rx->cur), 0 when more parts are awaited, -1 when it was malformed (the
 * snapshot it belonged to is dropped). */
int guest_net_feed(struct guest_net_rx *rx, const char *data, size_t len, uint64_t now_ms);

/* Forget everything (a new boot); free. */
void guest_net_reset(struct guest_net_rx *rx);

/* The first address of a family (AF_INET, AF_INET6; 0: either) of the guest on an ethN
 * interface (in interface order; else on any), link-local ones left out, or NULL. */
const struct guest_net_addr *guest_net_first(const struct guest_net *n, int family);

/* The guest's address a (its prefix aside) on interface iface (NULL: any), or NULL. */
const struct guest_net_addr *guest_net_find(const struct guest_net *n, const struct lab_addr *a,
    const char *iface);

/* The state of link name, or NULL when the guest did not tell. */
const char *guest_net_link_state(const struct guest_net *n, const char *name);

#endif
