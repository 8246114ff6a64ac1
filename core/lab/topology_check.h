/* core/lab/topology_check.h: what the files that check a topology's node tree share.
 * Private to core/lab/topology_check*.c (tree -> struct lab); they include the lab model
 * and the tree, never core/lab/topology.h (the loader, which calls them).
 *
 * Dependencies point one way: topology_check.c (topo_build, the top level) calls the
 * sections; _instance calls _switch, _image, _disk, _capture, _link, _addr, _vlan and
 * _order, and _switch calls _capture; every one calls the value checks (_values), which
 * call only the tree (core/lab/topology_tree.c) and util. */
#ifndef UMLLAB_TOPOLOGY_CHECK_H
#define UMLLAB_TOPOLOGY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/lab/lab.h"
#include "core/lab/topology_tree.h"

#define NAME_RULE "1-32 characters from A-Z a-z 0-9 _ -"

/* One use of an address or MAC in the lab, to find the ones given twice. */
struct use {
	uint64_t key;		/* a MAC */
	struct lab_addr addr;	/* an address (family 0 for a MAC) */
	long scope;		/* a link-local address: the index of its switch; else -1 */
	int line, column;
	bool given;		/* MAC: from `mac:` rather than the default */
	char who[64];		/* "eth0 of umlA" */
};

/* What the section checks share while one tree is checked (topo_build). */
struct checker {
	struct topo_report *r;
	struct lab *lab;
	const char *lab_name;		/* for default MACs, even when not a valid name */
	const struct ynode *switches;	/* the raw `switches:` mapping, or NULL */
	bool switches_bad;		/* `switches:` is not a mapping: undefined switches are noise */
	struct use *addrs, *macs;
	size_t n_addrs, n_macs;
	size_t cap_switches, cap_instances, cap_images;
	const char *base_dir;		/* relative paths start here */
	const struct ynode *images;	/* the raw `images:` mapping, or NULL */
	bool images_bad;		/* `images:` is not a mapping: undefined images are noise */
	size_t default_image;		/* top-level `image:` */
	bool default_image_bad;		/* ... was wrong: instances without `image:` say nothing */
	int ipv6_line;			/* of the lab's `ipv6: false`, 0 when not given */
	unsigned *switch_ports;		/* interfaces on each switch so far */
	struct after_note *afters;	/* `after:` of each instance, resolved once all are known */
	size_t n_afters, cap_afters;
};

/* An instance's `after:` as written, read by topo_check_order. */
struct after_note {
	size_t inst;			/* index into lab->instances */
	const struct ynode *key, *val;
};

/* ---- the value checks (topology_check_values.c); more in core/lab/topology_tree.h ---- */

/* Room for one more element in an array that doubles as it grows (files may hold thousands). */
void *topo_grow(void *v, size_t n, size_t *cap, size_t size);
/* Where to point for a value: the value itself, or its key when there is nothing to point at. */
const struct ynode *topo_at(const struct ynode *key, const struct ynode *val);
/* Every message about a bad value has one shape: "KEY `VALUE` of OWNER is wrong (expected ...)". */
void topo_value_error(struct topo_report *r, const struct ynode *s, const char *key, const char *owner,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

uint32_t topo_prefix_mask(unsigned prefix);
void topo_ip4_format(uint32_t a, char buf[16]);
enum cidr_result { CIDR_OK, CIDR_BAD_ADDR, CIDR_NO_PREFIX, CIDR_BAD_PREFIX };
enum cidr_result topo_cidr_read(const struct ynode *n, uint32_t *addr, unsigned *prefix);
/* Why a would not do as the address of a host, or NULL when it would. */
const char *topo_ip4_special(uint32_t a);
/* IPv6: "ADDRESS/PREFIX" (no zone, prefix 0 to 128), and the same for a lone address
 * (CIDR_NO_PREFIX means it had one). */
enum cidr_result topo_cidr6_read(const struct ynode *n, struct in6_addr *addr, unsigned *prefix);
bool topo_ip6_parse(const char *s, size_t len, struct in6_addr *out);
/* Why an IPv6 address would not do as the address of a host, or NULL when it would. */
const char *topo_ip6_special(const struct in6_addr *a);

int topo_hexval(char ch);
uint64_t topo_mac_key(const uint8_t mac[6]);
void topo_mac_format(uint64_t k, char buf[18]);

/* Bytes with an optional K, M or G suffix; -1 when not a size, -2 when it overflows. */
int topo_size_parse(const struct ynode *n, uint64_t *out);

/* An absolute path for a path in the file (relative ones start at base_dir), canonical when
 * it exists; *exists and *st say what is there. */
char *topo_path_resolve(const char *base_dir, const struct ynode *s, struct stat *st, bool *exists);
/* True when s holds no NUL, white space or control byte. */
bool topo_text_tame(const struct ynode *s);

/* ---- the sections; each reports into c->r and fills c->lab ---- */

/* topology_check_capture.c: `capture:` of a switch or an interface. */
void topo_check_capture(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct lab_capture *out);
/* topology_check_link.c: `link:` conditions of an interface's cable. */
void topo_check_link(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, struct linkcond_pair *out);
/* topology_check_vlan.c: VLANs of a switch port (an interface's or a link's): `vlan: N` (an
 * access port) or `vlans: [...]` with `native: N` (a trunk), from the fields of its mapping
 * (absent ones have a NULL key); hub: the port is on a hub, which has none. */
bool topo_vlan_number(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, unsigned *out);
void topo_check_port_vlans(struct checker *c, const struct field *vlan, const struct field *vlans,
    const struct field *native, const char *owner, bool hub, struct lab_vlans *out);
/* topology_check_switch.c: `switches:` and their trunks, links and spanning tree; the index
 * of a switch by name. */
void topo_check_switches(struct checker *c, const struct ynode *key, const struct ynode *map);
long topo_find_switch(struct checker *c, const struct ynode *s, const char *where);
/* Count each link as a port of both its switches in c->switch_ports. */
void topo_link_ports(struct checker *c);
/* topology_check_image.c: `images:`; the index of an image by name. */
void topo_check_images(struct checker *c, const struct ynode *key, const struct ynode *map);
long topo_find_image(struct checker *c, const struct ynode *s, const char *owner);
/* topology_check_disk.c: `share:` of the lab or an instance, `disks:` of an instance,
 * and disk files that two instances would write. */
bool topo_check_share(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *owner, bool none_ok, struct lab_share *out);
void topo_check_disks(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *owner);
void topo_check_disk_owners(struct checker *c);
/* topology_check_addr.c: addresses of either family, routes, and what is given twice. */
/* The addresses an instance's interfaces were given, in file order, whether or not the rest
 * of each interface is right, so the checks across interfaces and routes see them all and
 * one mistake does not cause others. */
struct subnet {
	struct lab_addr a;
	int line, column;	/* of the address in `ip:` */
	const char *ip, *iface;	/* as written, for messages */
};

struct subnets {
	struct subnet *v;
	size_t n;
	bool trouble;		/* some `ip:` was wrong: route checks would only guess */
	bool trouble6;		/* ... and perhaps an IPv6 one */
};

/* One use of an address or MAC (key; family 0), to find the ones given twice. */
struct use *topo_use_add(struct use **v, size_t *n, uint64_t key, int line, int column, bool given,
    const char *iface, const char *inst);
/* `ip:` of interface ifc (ifname) of instance iname: one address or a list, into ifc->addrs and
 * nets; false when one was wrong. switch_ok: ifc->sw is its switch (for link-local ones). */
bool topo_check_ips(struct checker *c, const struct ynode *key, const struct ynode *val,
    const char *what, const char *ifname, const char *iname, struct lab_iface *ifc, bool switch_ok,
    struct subnets *nets);
void topo_check_overlaps(struct checker *c, const struct subnets *nets, const char *iname);
/* `routes:` of an instance whose interfaces (and their nets) are checked already. */
void topo_check_routes(struct checker *c, const struct ynode *key, const struct ynode *seq,
    struct lab_instance *in, const char *iname, const struct subnets *nets);
/* IPv6 in an instance whose IPv6 is off (`ipv6: false` at ipv6_line). */
void topo_check_ipv6_off(struct checker *c, const struct lab_instance *in, const char *iname,
    const struct subnets *nets, int ipv6_line);
/* Addresses and MACs given twice anywhere in the lab. */
void topo_check_uniques(struct checker *c);
/* topology_check_order.c: `after:` of instance inst (noted while instances are read), then,
 * once all are known, the names resolved and circles refused; `info:` of the lab. */
void topo_note_after(struct checker *c, size_t inst, const struct ynode *key, const struct ynode *val);
void topo_check_order(struct checker *c);
void topo_check_info(struct checker *c, const struct ynode *key, const struct ynode *val);

/* topology_check_instance.c: `instances:` (interfaces, addresses, routes, startup, ...),
 * each interface's addresses and routes through topology_check_addr.c. */
void topo_check_instances(struct checker *c, const struct ynode *root, const struct ynode *key,
    const struct ynode *map);

#endif
