/* core/lab/lab.h: the lab model: a lab as its YAML file describes it (struct lab and its
 * parts, the LAB_* limits) and the small functions on it. The loader (core/lab/topology.h)
 * builds it; everything else reads it.
 *
 * Leaf module: depends on core/util, switch/linkcond and switch/vxlan (pure) only.
 * Nothing here reads a file: core/lab/topology_check*.c fill it from the checked tree. */
#ifndef UMLLAB_LAB_H
#define UMLLAB_LAB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "switch/linkcond.h"
#include "switch/vxlan.h"

#define LAB_NAME_MAX 32		/* names match [A-Za-z0-9_-]{1,32} */
#define LAB_IFACE_MAX 16	/* eth0 .. eth15 */
/* What one lab may ask for: a typo (or a hostile file) must not ask a shared
 * server for thousands of kernels. LAB_SWITCH_PORTS_MAX is switch/switch.h's
 * SWITCH_MAX_PORTS (core/supervisor/supervisor.c checks that they agree).
 * 1024 instances: 1000 idle busybox guests fit a 2-core, 24 GiB machine
 * (docs/performance.md); more than 256 need several switches. */
#define LAB_INSTANCES_MAX 1024
#define LAB_SWITCHES_MAX 64
#define LAB_SWITCH_PORTS_MAX 256
#define LAB_MEM_DEFAULT (64ULL << 20)

enum lab_switch_mode {
	LAB_SWITCH_LEARNING,	/* `mode: switch`, the default */
	LAB_SWITCH_HUB,		/* `mode: hub` */
};

/* `capture:` on a switch or an interface: recorded from the first frame of
 * `up` into STATE/LAB/captures/NAME.pcapng, rotated by size. */
#define LAB_CAPTURE_FILTER_MAX 256
#define LAB_CAPTURE_MAX_BYTES_DEFAULT (16ULL << 20)
#define LAB_CAPTURE_FILES_DEFAULT 4
struct lab_capture {
	bool on;
	char filter[LAB_CAPTURE_FILTER_MAX];	/* a tcpdump expression; "" for every frame */
	uint64_t max_bytes;	/* a file this big is rotated */
	unsigned files;		/* files kept, the current one included */
	int line, column;	/* of the `capture` key */
};

/* `trunks:` on a switch: a port to a switch of another lab, on this host or
 * another, carrying its frames over VXLAN (UDP). Named SWITCH.trunkN. */
#define LAB_TRUNKS_MAX 16	/* switch/switch.h's SWITCH_TRUNKS_MAX */
struct lab_trunk {
	struct vxlan_addr remote;	/* `vxlan: IP:PORT`: where frames go, whom they come from */
	struct vxlan_addr listen;	/* `listen: IP:PORT`: this host's end */
	uint32_t vni;			/* `vni:` 0 .. 16777215 */
	int line, column;		/* of the trunk's mapping */
	int listen_line, listen_column;	/* of its `listen` value */
};

/* A switch port's VLANs: an interface's `vlan:` (an access port) or
 * `vlans:` and `native:` (an 802.1Q trunk), or a link's `vlans:`. The
 * default, none of them, is VLAN 1 untagged (an access port of VLAN 1). */
#define LAB_VLAN_MAX 4094
struct lab_vlans {
	uint16_t access;	/* `vlan: N`; 0 for the default or a trunk */
	bool trunk;		/* `vlans: [...]` given */
	uint16_t native;	/* `native: N` of a trunk; 0: untagged frames are refused */
	uint64_t tagged[64];	/* `vlans:`: bit v % 64 of word v / 64 */
	int line, column;	/* of the first of those keys; 0 when none is given */
};

/* A cable between two switches (`links:` of a switch): a port on each,
 * named SWITCH.OTHER from each side (S1.S2 is S1's port towards S2). */
#define LAB_STP_COST_DEFAULT 20000	/* 802.1D-2004's path cost for 1 Gb/s */
#define LAB_STP_PORT_PRIORITY_DEFAULT 128
struct lab_link {
	size_t to;			/* index into lab->switches */
	struct lab_vlans vlans;		/* both ends carry these; default VLAN 1 untagged */
	uint32_t cost;			/* `cost:` spanning tree path cost, both ends */
	unsigned priority;		/* `priority:` spanning tree port priority, both ends */
	int line, column;		/* of the link's mapping */
};

/* `stp:` on a switch: rapid spanning tree (IEEE 802.1w). */
#define LAB_STP_PRIORITY_DEFAULT 32768
struct lab_stp {
	bool on;
	unsigned priority;	/* `priority:` 0 to 61440, a multiple of 4096 */
};

struct lab_switch {
	char name[LAB_NAME_MAX + 1];
	enum lab_switch_mode mode;
	struct lab_capture capture;
	struct lab_trunk *trunks;	/* in file order */
	size_t n_trunks;
	struct lab_link *links;		/* `links:`, in file order: declared on this switch */
	size_t n_links;
	struct lab_stp stp;
	int line, column;	/* where it is defined, 1-based */
};

/* An address of either family with its prefix length, in network byte order:
 * an interface's `ip:`, a route's destination or gateway. */
#define LAB_ADDR_TEXT_MAX 52		/* "ffff:...:ffff/128" and its NUL */
struct lab_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr in4;
		struct in6_addr in6;
	};
	unsigned prefix;		/* 0..32, 0..128 */
};

#define LAB_IFACE_ADDRS_MAX 8	/* `ip:` addresses of one interface */

struct lab_iface {
	char name[8];		/* "eth0" */
	unsigned index;		/* N of ethN */
	size_t sw;		/* index into lab->switches */
	struct lab_addr addrs[LAB_IFACE_ADDRS_MAX];	/* `ip:`, in file order, either family */
	unsigned n_addrs;
	bool ra;		/* `ra: true`: the guest advertises its IPv6 /64 prefixes (SLAAC) */
	uint8_t mac[6];		/* from `mac:`, else lab_default_mac() */
	bool mac_given;
	struct lab_capture capture;
	struct linkcond_pair link;	/* `link:` conditions on its cable; empty: none */
	int link_line, link_column;	/* of the `link` key, 0 when absent */
	struct lab_vlans vlans;		/* `vlan:`, `vlans:`, `native:` of its switch port */
	int line, column;
};

/* A guest's VLAN sub-interface (`eth0.10:` under `interfaces:`), made at
 * boot on its parent interface: frames tagged with its VLAN. */
#define LAB_SUBIF_NAME_MAX 16	/* "eth15.4094" */
struct lab_subif {
	char name[LAB_SUBIF_NAME_MAX];	/* "eth0.10" */
	unsigned parent;		/* N of its parent ethN */
	unsigned vid;			/* 1 .. 4094 */
	struct lab_addr addrs[LAB_IFACE_ADDRS_MAX];	/* `ip:`, in file order, either family */
	unsigned n_addrs;
	int line, column;
};

struct lab_route {
	bool is_default;	/* `to: default` (or a /0): 0.0.0.0/0 or ::/0 */
	struct lab_addr to;	/* the network (host bits zero); its family is the route's */
	struct lab_addr via;	/* the gateway, of the same family (its prefix: the full length) */
	char dev[8];		/* `dev: ethN`, required with a link-local gateway; "" when not given */
	int line, column;
};

/* `ipv6:` of the lab or an instance. */
enum lab_ipv6 {
	LAB_IPV6_AUTO,		/* not given: on in the guest when the lab uses IPv6 anywhere */
	LAB_IPV6_ON,		/* `ipv6: true`: on, with link-local addresses, even in an IPv4 lab */
	LAB_IPV6_OFF,		/* `ipv6: false`: the guest has no IPv6 at all (ipv6.disable=1) */
};

enum lab_restart {
	LAB_RESTART_ON_FAILURE,	/* `restart: on-failure`, the default */
	LAB_RESTART_ALWAYS,	/* also after the guest halts by itself */
	LAB_RESTART_NEVER,
};

enum lab_image_kind {
	LAB_IMAGE_BUSYBOX,	/* the built-in default: the host's busybox-static */
	LAB_IMAGE_DEBIAN,	/* `debian: RELEASE` and `packages:`, built with mmdebstrap */
	LAB_IMAGE_URL,		/* `url:` and `sha256:`: downloaded */
	LAB_IMAGE_FILE,		/* `file:`: an ext2/3/4 image or a root-filesystem tarball */
};

/* The built-in image: lab->images[0], usable as `image: busybox` without a definition. */
#define LAB_IMAGE_BUILTIN "busybox"

struct lab_image {
	char name[LAB_NAME_MAX + 1];
	enum lab_image_kind kind;
	char *release;			/* debian: the release, such as bookworm */
	char **packages;		/* debian: extra packages, in file order */
	size_t n_packages;
	char *mirror;			/* debian: the archive; NULL for Debian's default */
	char *url;			/* url: http://, https:// or file:// */
	char sha256[65];		/* url: its SHA-256, lower-case hex */
	char *file;			/* file: its absolute path */
	bool used;			/* some instance runs on it */
	char *backing;			/* the prepared image file; NULL until it is prepared */
	char *inputs_file;		/* the file its inputs name in the cache, built or not, once
					 * lab_kernel_lines_check hashed them; NULL until then */
	int line, column;
};

/* A host directory that guests see at /hostlab (hostfs, confined to it). */
struct lab_share {
	char *dir;			/* absolute path; NULL: nothing shared */
	bool readonly;
	bool symlinks;			/* `symlinks: true`: guests may make symbolic links in it */
	int line, column;
};

/* An extra disk of an instance (`disks:`), ubd1 and up in the guest. */
struct lab_disk {
	char *file;			/* absolute path of an existing file; NULL: a fresh one */
	uint64_t size_bytes;		/* `size:` of a fresh sparse file */
	bool readonly;			/* `readonly: true` (a file only) */
	int line, column;
};
#define LAB_DISKS_MAX 15		/* UML has ubd0..ubd15; ubd0 is the root */

#define LAB_HOST_MAX 1023	/* `host:` of an instance, at most */

struct lab_instance {
	char name[LAB_NAME_MAX + 1];
	uint64_t mem_bytes;		/* `mem:`, default LAB_MEM_DEFAULT */
	struct lab_iface *ifaces;	/* sorted by index */
	size_t n_ifaces;
	struct lab_subif *subifs;	/* VLAN sub-interfaces, sorted by name */
	size_t n_subifs;
	struct lab_route *routes;
	size_t n_routes;
	bool forward;			/* `forward: true` */
	enum lab_ipv6 ipv6;		/* `ipv6:`, else the lab's */
	char **startup;			/* `startup:` shell commands, in order */
	size_t n_startup;
	enum lab_restart restart;	/* `restart:` */
	size_t image;			/* `image:`, index into lab->images (0: busybox) */
	struct lab_share share;		/* `share:`, else the lab's */
	bool unsafe_shared_root;	/* `unsafe_shared_root: true`: one writable disk per image */
	struct lab_disk *disks;		/* `disks:`, in order: ubd1, ubd2, ... */
	size_t n_disks;
	int host;			/* `host: N`: the part of `up --slurm` it runs in; -1: any */
	size_t *after;			/* `after:`: indexes of the instances it boots after */
	size_t n_after;
	char **shutdown;		/* `shutdown:` shell commands run at `down`, in order */
	size_t n_shutdown;
	int line, column;
};

/* `info:` of a lab: what it is about (a Kathara lab's LAB_DESCRIPTION, ...),
 * shown by `status`. Keys in file order. */
struct lab_info {
	char *key;			/* description, version, author, email, web, ... */
	char *value;
};

struct lab {
	char name[LAB_NAME_MAX + 1];	/* `name:`, default the file's base name */
	char *path;			/* absolute path of the file it came from */
	struct lab_switch *switches;	/* in file order */
	size_t n_switches;
	struct lab_instance *instances;	/* in file order */
	size_t n_instances;
	struct lab_image *images;	/* [0] is the built-in busybox, then `images:` in file order */
	size_t n_images;
	struct lab_share share;		/* the lab's `share:` */
	struct lab_info *info;		/* `info:`, in file order */
	size_t n_info;
	bool from_dir;			/* read from a Kathara/Netkit lab directory (path is it) */
	enum lab_ipv6 ipv6;		/* the lab's `ipv6:` */
};

void lab_free(struct lab *lab);

/* Every message the loader produced, in file order. Here rather than in
 * core/lab/topology.h so that the tree and check files below the loader can
 * fill it without including the loader's header. */
struct lab_diag {
	char **msgs;
	size_t n;
};

/* Append msg (taken over) to diag; with diag NULL, msg is freed. */
void lab_diag_add(struct lab_diag *diag, char *msg);
void lab_diag_free(struct lab_diag *diag);

const struct lab_instance *lab_instance_find(const struct lab *lab, const char *name);

/* File descriptors the lab's supervisor may hold at once (an upper bound
 * with room for clients): per instance its console, log, notify and two
 * mconsole sockets and an exec or two, per interface a cable's listening
 * and connected sockets, per switch its thread's epoll, events and taps. */
unsigned long lab_fds_needed(const struct lab *lab);
const struct lab_switch *lab_switch_find(const struct lab *lab, const char *name);
const struct lab_image *lab_image_find(const struct lab *lab, const char *name);

/* "access 10", "trunk 10,20-22 native 1"; "" for the default (malloc'd). */
char *lab_vlans_format(const struct lab_vlans *v);
/* The same text back ("" or "access 1": the default); false when it is not such a text. */
bool lab_vlans_parse(const char *text, struct lab_vlans *v);

/* The link between switches a and b (indexes), declared on either, or NULL;
 * *from_a says whether it was declared on a. */
const struct lab_link *lab_link_find(const struct lab *lab, size_t a, size_t b, bool *from_a);

/* True when s is a valid lab, switch or instance name. */
bool lab_name_valid(const char *s);

/* The stable default MAC of an interface: locally administered, unicast, derived
 * from the lab, instance and interface names. */
void lab_default_mac(const char *lab, const char *instance, const char *iface, uint8_t mac[6]);

/* ---- addresses of either family ---- */

/* "10.0.0.1/24", "2001:db8::1/64"; without the prefix when with_prefix is false. Returns buf. */
char *lab_addr_format(const struct lab_addr *a, bool with_prefix, char buf[LAB_ADDR_TEXT_MAX]);
/* Addresses with their prefixes, joined by sep; "" for none (malloc'd). */
char *lab_addrs_join(const struct lab_addr *a, unsigned n, const char *sep);
/* "ADDRESS/PREFIX" (need_prefix) or "ADDRESS" (a host: the full length) of either family, as
 * inet_pton reads it; false when it is not one. The topology loader is stricter. */
bool lab_addr_parse(const char *s, bool need_prefix, struct lab_addr *out);
/* The same family and address (prefixes aside). */
bool lab_addr_equal(const struct lab_addr *a, const struct lab_addr *b);
/* Whether b lies in the network a/a->prefix (of a's family). */
bool lab_addr_in_net(const struct lab_addr *a, const struct lab_addr *b);
/* fe80::/10. */
bool lab_addr_link_local(const struct lab_addr *a);

/* The first address of f of a family (AF_INET, AF_INET6; 0: either), or NULL. Link-local
 * addresses given in `ip:` count only when link_local is true. */
const struct lab_addr *lab_iface_addr(const struct lab_iface *f, int family, bool link_local);
/* The link-local address fe80::/64 the guest gives an interface: the EUI-64 of its MAC. */
void lab_iface_link_local(const struct lab_iface *f, struct lab_addr *out);
/* Whether the lab uses IPv6 anywhere (an address, a route, `ra:` or `ipv6: true`). */
bool lab_uses_ipv6(const struct lab *lab);
/* Whether an instance's guest runs IPv6 (its `ipv6:`, else the lab's, else lab_uses_ipv6). */
bool lab_instance_ipv6(const struct lab *lab, const struct lab_instance *in);
/* The addresses SLAAC gives interface f of instance in: each /64 prefix that an interface
 * with `ra: true` of another instance on f's switch advertises, with the EUI-64 of f's MAC
 * (none for a router, which takes no advertisements). Returns how many, at most max. */
size_t lab_iface_slaac(const struct lab *lab, const struct lab_instance *in,
    const struct lab_iface *f, struct lab_addr *out, size_t max);

#endif
