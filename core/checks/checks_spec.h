/* core/checks/checks_spec.h: a lab's checks as data: the `checks:` list of a
 * topology file, or of a spec file given with `umllab check --spec FILE`.
 *
 * Leaf module: libyaml (through the topology loader's tree) and core/util
 * only, so tests/unit/test_checks_spec links it alone. Mistakes are reported
 * as FILE:LINE:COLUMN like the topology's (docs/checks.md has the syntax).
 * Instance and switch names are not resolved here: a check naming something
 * a lab lacks fails when it runs (a student's lab may lack it). */
#ifndef UMLLAB_CHECKS_SPEC_H
#define UMLLAB_CHECKS_SPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lab/topology.h"

#define CHECK_VIA_MAX 16
#define CHECK_COUNT_MAX 20	/* pings per reach check */
#define CHECK_WITHIN_MAX 60	/* seconds a frames check may watch */
#define CHECKS_MAX 200
#define CHECK_TARGET_MAX 64	/* an instance, an address, or fe80::1%eth0 */

enum check_kind {
	CHECK_REACH,
	CHECK_NO_REACH,
	CHECK_PATH,
	CHECK_IFACE,
	CHECK_ROUTE,
	CHECK_FORWARDING,
	CHECK_COMMAND,
	CHECK_FRAMES,
	CHECK_VLAN,
	CHECK_STP,
};

enum check_proto { CHECK_PROTO_ANY, CHECK_PROTO_ARP, CHECK_PROTO_ICMP, CHECK_PROTO_TCP,
	CHECK_PROTO_UDP, CHECK_PROTO_ICMP6 };

struct check_spec {
	char *name;
	unsigned points;		/* default 1 */
	enum check_kind kind;
	int line, column;		/* of the item */
	char on[LAB_NAME_MAX + 1];	/* from: (reach, no_reach, path, frames) or on: */
	/* reach, no_reach, path */
	char to[CHECK_TARGET_MAX];	/* an instance name or an address (IPv4, IPv6, fe80::1%eth0) */
	char via[CHECK_VIA_MAX][LAB_NAME_MAX + 1];
	size_t n_via;
	unsigned count;			/* pings, default 3 */
	bool ipv6;			/* `ipv6: true`: ping to's IPv6 address; forwarding: IPv6's;
					 * route: `to: default` is ::/0 */
	bool strict;			/* no_reach: nothing of from's reached to's cables */
	/* iface, route */
	char dev[16];			/* "" when not given (route) */
	bool has_addr;
	struct lab_addr addr;		/* iface address / route destination, either family */
	int state;			/* iface: -1 not checked, 0 down, 1 up */
	bool has_mac;
	uint8_t mac[6];
	unsigned mtu;			/* 0: not checked */
	bool route_default;
	bool has_via;
	struct lab_addr route_via;	/* of the destination's family */
	/* forwarding */
	bool enabled;
	/* command */
	char *run;
	int expect_exit;		/* -1: any */
	char *expect_stdout;		/* POSIX extended regex, or NULL */
	/* frames */
	char sw[LAB_NAME_MAX + 1];
	enum check_proto proto;
	unsigned port;			/* 0: any */
	unsigned min;			/* default 1 */
	unsigned within_s;		/* default 5 */
	/* vlan, stp: a switch port, INSTANCE.IFACE (a cable) or SWITCH.OTHER (a link's end) */
	char sw_port[2 * LAB_NAME_MAX + 2];
	/* vlan */
	unsigned untagged;		/* the VLAN it sends and takes untagged; 0: not checked */
	bool has_tagged;
	uint64_t tagged[64];		/* exactly these VLANs tagged (bit v % 64 of word v / 64) */
	/* stp (also sw): */
	int root;			/* sw is the root (1), is not (0); -1: not checked */
	char root_sw[LAB_NAME_MAX + 1];	/* sw's root bridge is this switch; "": not checked */
	char stp_role[16], stp_state[16];	/* sw_port's; "": not checked */
};

struct check_list {
	struct check_spec *v;
	size_t n;
	unsigned max_points;
};

/* The `checks:` list of a file. With topology, the file is a lab's topology
 * (its other keys are the topology loader's business, and a file without
 * `checks:` gives an empty list); otherwise a spec file, whose only key is
 * `checks:`. NULL when there was any mistake (every one is in diag). */
struct check_list *checks_load(const char *path, bool topology, struct lab_diag *diag);
struct check_list *checks_load_string(const char *text, size_t len, const char *display_name,
    bool topology, struct lab_diag *diag);
void checks_free(struct check_list *list);

/* The text of a spec file (NUL-terminated), bounded like a topology's; NULL with a message in diag. */
char *checks_file_read(const char *path, size_t *len, struct lab_diag *diag);

const char *check_kind_name(enum check_kind kind);
const char *check_proto_name(enum check_proto proto);

#endif
