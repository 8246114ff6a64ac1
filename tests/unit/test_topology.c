/* tests/unit/test_topology.c: the topology loader: one bad topology per mistake, good labs, diag format, default MACs. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/base/util.h"
#include "core/lab/topology.h"

#define SW "switches: {S1: {}}\n"
/* the value of `ip:` of eth0 of instance a starts at line 4, column 41 */
#define IP_AT SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, ip: "
/* the value of `mac:` of eth0 of instance a starts at line 4, column 42 */
#define MAC_AT SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, mac: "
/* the value of `via:` of the first route of instance a (10.0.0.1/24 on eth0) starts at line 5, column 33 */
#define VIA_AT SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}\n    routes: [{to: default, via: "
/* the list of routes starts at line 5, column 13, its first item at column 14 */
#define ROUTES_AT SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}\n    routes: "

/* the first trunk of S1 starts at line 3, column 14 */
#define TRUNK_AT "switches:\n  S1:\n    trunks: ["
#define TRUNK_END "instances: {a: {interfaces: {eth0: {switch: S1}}}}\n"

struct bad_case {
	const char *name;	/* what mistake it is */
	const char *yaml;
	int line, column;	/* where the (first) message must point */
	const char *substr;	/* part of that message */
	int count;		/* messages expected; 0 means 1 */
	const char *file;	/* display name; NULL means t.yaml */
};

static const struct bad_case bad_cases[] = {
	/* YAML itself */
	{ "syntax: unclosed flow mapping", "instances: {a: {}\n", 2, 1, "YAML syntax error", 0, NULL },
	{ "syntax: tab indentation", "instances:\n\ta: {}\n", 2, 1, "tabs", 0, NULL },
	{ "syntax: bad indentation", "instances:\n  a: {}\n b: {}\n", 3, 2, "YAML syntax error", 0, NULL },
	{ "not UTF-8", "instances:\n  a\xff: {}\n", 2, 4, "not valid text", 0, NULL },
	{ "empty file", "", 1, 1, "the file is empty", 0, NULL },
	{ "comments only", "# nothing yet\n", 1, 1, "the file is empty", 0, NULL },
	{ "multi-document", "instances: {a: }\n---\ninstances: {b: }\n", 2, 1, "second YAML document", 0, NULL },
	{ "anchor", SW "instances:\n  a: &x {}\n", 3, 6, "anchors (&x) are not supported", 0, NULL },
	{ "alias (after its anchor)", SW "instances:\n  a: &x {}\n  b: *x\n", 3, 6, "anchors (&x)", 2, NULL },
	{ "tag", SW "instances:\n  a: {mem: !!str 64M}\n", 3, 12, "YAML tags (!!str) are not supported", 0, NULL },
	{ "nesting too deep", "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n", 1, 35, "nesting is deeper", 0, NULL },
	/* shape of the file */
	{ "root is a list", "- a\n- b\n", 1, 1, "the file holds a list", 0, NULL },
	{ "root is a scalar", "hello\n", 1, 1, "the file holds a single value", 0, NULL },
	{ "missing instances", "switches: {S1: {}}\n", 1, 1, "no `instances`", 0, NULL },
	{ "empty instances {}", "instances: {}\n", 1, 12, "`instances` is empty", 0, NULL },
	{ "empty instances (null)", "instances:\n", 1, 1, "`instances` is empty", 0, NULL },
	/* unknown keys */
	{ "unknown top-level key", SW "instances: {a: }\nswitchs: {}\n", 3, 1,
	    "unknown key `switchs` at the top level (expected one of: name, switches, instances, images, image, share, checks, info, ipv6; did you mean `switches`?)", 0, NULL },
	{ "unknown instance key", SW "instances:\n  a:\n    interface: {}\n", 4, 5,
	    "unknown key `interface` in instance a (expected one of: mem, interfaces, routes, forward, startup, restart, image, share, unsafe_shared_root, disks, host, after, shutdown, ipv6; did you mean `interfaces`?)", 0, NULL },
	/* `disks:` */
	{ "disks: not a list", SW "instances:\n  a:\n    disks: data.img\n", 4, 12,
	    "`disks` of instance a is a single value", 0, NULL },
	{ "disk: file and size", SW "instances:\n  a:\n    disks: [{file: x.img, size: 1G}]\n", 4, 13,
	    "a disk of instance a has both `file` and `size` (expected either", 0, NULL },
	{ "disk: neither file nor size", SW "instances:\n  a:\n    disks: [{readonly: true}]\n", 4, 13,
	    "has neither `file` nor `size`", 0, NULL },
	{ "disk: not a size", SW "instances:\n  a:\n    disks: [{size: big}]\n", 4, 20,
	    "size `big` of instance a is not a size", 0, NULL },
	{ "disk: size too small", SW "instances:\n  a:\n    disks: [{size: 1K}]\n", 4, 20,
	    "size `1K` of instance a is out of range (expected 1M to 1024G", 0, NULL },
	{ "disk: missing file", SW "instances:\n  a:\n    disks: [nothere.img]\n", 4, 13,
	    "file `nothere.img` of instance a does not exist (expected an existing file", 0, NULL },
	{ "disk: comma in the path", SW "instances:\n  a:\n    disks: [\"a,b.img\"]\n", 4, 13,
	    "cannot be given to UML (expected a path without white space, `,` or `:`)", 0, NULL },
	{ "disk: readonly fresh disk", SW "instances:\n  a:\n    disks: [{size: 1G, readonly: true}]\n", 4, 34,
	    "readonly `true` of instance a is true on a fresh disk", 0, NULL },
	{ "disk: a list in the list", SW "instances:\n  a:\n    disks: [[x]]\n", 4, 13,
	    "a disk of instance a is a list", 0, NULL },
	{ "unknown interface key", SW "instances:\n  a:\n    interfaces:\n      eth0: {switch: S1, addr: 10.0.0.1/24}\n", 5, 26,
	    "unknown key `addr` in interface eth0 of a (expected one of: switch, ip, mac, capture, link, vlan, vlans, native, ra)", 0, NULL },
	{ "link: bad delay", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, link: {delay: 50}}}\n",
	    4, 51, "delay `50` of interface eth0 of a is not valid (time 50: expected a number and a unit", 0, NULL },
	{ "link: unknown condition", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, link: {latency: 5ms}}}\n",
	    4, 44, "unknown key `latency` in the link of interface eth0 of a", 0, NULL },
	{ "link: out loss", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, link: {out: {loss: 5}}}}\n",
	    4, 56, "loss `5` of interface eth0 of a, out is not valid (5: expected a percentage", 0, NULL },
	{ "link: reorder without delay", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, link: {reorder: 5%}}}\n",
	    4, 37, "the link of interface eth0 of a: both: reorder needs a delay", 0, NULL },
	{ "capture: not a boolean", "switches: {S1: {capture: maybe}}\ninstances: {a: }\n", 1, 26,
	    "capture `maybe` of switch S1 is not a boolean", 0, NULL },
	{ "capture: max_size too small", "switches: {S1: {capture: {max_size: 1K}}}\ninstances: {a: }\n",
	    1, 37, "max_size `1K` of switch S1 is not a size from 64K to 4G", 0, NULL },
	{ "capture: files", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1, capture: {files: 0}}}\n",
	    4, 54, "files `0` of interface eth0 of a is not a number of files from 1 to 100", 0, NULL },
	{ "capture: unknown key", "switches: {S1: {capture: {filtre: icmp}}}\ninstances: {a: }\n", 1, 27,
	    "unknown key `filtre` in the capture of switch S1 (expected one of: filter, max_size, files; "
	    "did you mean `filter`?)", 0, NULL },
	{ "unknown switch key", "switches: {S1: {type: hub}}\ninstances: {a: }\n", 1, 17,
	    "unknown key `type` in switch S1 (expected one of: mode, capture, trunks, links, stp)", 0, NULL },
	/* VLANs of an interface's switch port, VLAN sub-interfaces */
	{ "vlan: out of range", SW "instances: {a: {interfaces: {eth0: {switch: S1, vlan: 4095}}}}\n", 2, 55,
	    "vlan `4095` of interface eth0 of a is not a VLAN (expected a number from 1 to 4094", 0, NULL },
	{ "vlan and vlans", SW "instances: {a: {interfaces: {eth0: {switch: S1, vlan: 5, vlans: [6]}}}}\n",
	    2, 58, "has both `vlan` (an access port) and `vlans` (a trunk)", 0, NULL },
	{ "native without vlans", SW "instances: {a: {interfaces: {eth0: {switch: S1, native: 5}}}}\n",
	    2, 49, "has `native` but no `vlans`", 0, NULL },
	{ "vlans: not a list", SW "instances: {a: {interfaces: {eth0: {switch: S1, vlans: 10}}}}\n",
	    2, 56, "`vlans` of interface eth0 of a is a single value (expected a list of VLANs", 0, NULL },
	{ "vlans: twice", SW "instances: {a: {interfaces: {eth0: {switch: S1, vlans: [10, 10]}}}}\n",
	    2, 61, "VLAN 10 is in the `vlans` of interface eth0 of a twice", 0, NULL },
	{ "vlans: native among them", SW "instances: {a: {interfaces: {eth0: {switch: S1, vlans: [10], native: 10}}}}\n",
	    2, 70, "native `10` of interface eth0 of a is also in `vlans`", 0, NULL },
	{ "vlan on a hub", "switches: {H: {mode: hub}}\ninstances: {a: {interfaces: {eth0: {switch: H, vlan: 5}}}}\n",
	    2, 48, "interface eth0 of a is on a hub, which has no VLANs", 0, NULL },
	{ "sub-interface: bad VLAN", SW "instances: {a: {interfaces: {eth0: {switch: S1}, eth0.0: {ip: 10.0.0.1/24}}}}\n",
	    2, 50, "interface name `eth0.0` of a is not valid (expected eth0 to eth15, or a VLAN sub-interface", 0, NULL },
	{ "sub-interface: no parent", SW "instances: {a: {interfaces: {eth0: {switch: S1}, eth1.10: {}}}}\n",
	    2, 50, "VLAN sub-interface eth1.10 of a is on eth1, which a does not have", 0, NULL },
	{ "sub-interface: unknown key", SW "instances: {a: {interfaces: {eth0: {switch: S1}, eth0.10: {switch: S1}}}}\n",
	    2, 60, "unknown key `switch` in VLAN sub-interface eth0.10 of a (expected one of: ip)", 0, NULL },
	{ "sub-interface: address twice", SW "instances:\n  a: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}\n"
	    "  b: {interfaces: {eth0: {switch: S1}, eth0.7: {ip: 10.0.0.1/24}}}\n", 4, 53,
	    "address 10.0.0.1 of eth0.7 of b is already used by eth0 of a", 0, NULL },
	/* `links:` between switches and `stp:` */
	{ "link: to itself", "switches: {S1: {links: [{to: S1}]}}\ninstances: {a: }\n", 1, 30,
	    "to `S1` of link 1 of switch S1 is the switch itself", 0, NULL },
	{ "link: unknown switch", "switches: {S1: {links: [{to: S9}]}}\ninstances: {a: }\n", 1, 30,
	    "link 1 of switch S1 is on switch `S9`, which is not defined", 0, NULL },
	{ "link: no to", "switches: {S1: {links: [{cost: 5}]}}\ninstances: {a: }\n", 1, 25,
	    "link 1 of switch S1 has no `to`", 0, NULL },
	{ "link: twice", "switches: {S1: {links: [{to: S2}]}, S2: {links: [{to: S1}]}}\ninstances: {a: }\n",
	    1, 55, "to `S1` of link 1 of switch S2 is already cabled to S1 at line 1", 0, NULL },
	{ "link: bad port priority", "switches: {S1: {links: [{to: S2, priority: 17}]}, S2: }\ninstances: {a: }\n",
	    1, 44, "priority `17` of link 1 of switch S1 is not a multiple of 16", 0, NULL },
	{ "link: bad cost", "switches: {S1: {links: [{to: S2, cost: 0}]}, S2: }\ninstances: {a: }\n",
	    1, 40, "cost `0` of link 1 of switch S1 is not a path cost", 0, NULL },
	{ "link: two hubs", "switches: {H1: {mode: hub, links: [{to: H2}]}, H2: {mode: hub}}\ninstances: {a: }\n",
	    1, 41, "to `H2` of link 1 of switch H1 is a hub, like H1", 0, NULL },
	{ "stp: bad priority", "switches: {S1: {stp: {priority: 1000}}}\ninstances: {a: }\n", 1, 33,
	    "priority `1000` of switch S1 is not a multiple of 4096", 0, NULL },
	{ "stp: on a hub", "switches: {H: {mode: hub, stp: true}}\ninstances: {a: }\n", 1, 27,
	    "switch H is a hub, which has no spanning tree", 0, NULL },
	{ "stp: not a bool", "switches: {S1: {stp: maybe}}\ninstances: {a: }\n", 1, 22,
	    "stp `maybe` of switch S1", 0, NULL },
	/* `trunks:` on a switch (TRUNK_AT: the trunk's mapping is at line 3, column 5) */
	{ "trunks not a list", "switches:\n  S1:\n    trunks: {vxlan: 10.0.0.1:1}\ninstances: {a: }\n", 3, 13,
	    "`trunks` of switch S1 is a mapping (expected a list such as trunks: [{vxlan:", 0, NULL },
	{ "trunk not a mapping", TRUNK_AT "10.0.0.1:4789]\n" TRUNK_END, 3, 14,
	    "trunk 0 of switch S1 is a single value `10.0.0.1:4789` (expected a mapping", 0, NULL },
	{ "trunk without vni", TRUNK_AT "{vxlan: 127.0.0.1:4790, listen: 127.0.0.1:4789}]\n" TRUNK_END, 3, 14,
	    "trunk 0 of switch S1 has no `vni` (expected all of vxlan, vni and listen", 0, NULL },
	{ "trunk without anything", TRUNK_AT "{}]\n" TRUNK_END, 3, 14, "has no `vxlan`", 3, NULL },
	{ "trunk with an unknown key", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: 1, listen: 127.0.0.1:4789, "
	    "ttl: 3}]\n" TRUNK_END, 3, 70, "unknown key `ttl` in trunk 0 of switch S1 (expected one of: "
	    "vxlan, vni, listen)", 0, NULL },
	{ "trunk: address without port", TRUNK_AT "{vxlan: 127.0.0.1, vni: 1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 22, "vxlan `127.0.0.1` of trunk 0 of switch S1 has no port", 0, NULL },
	{ "trunk: not an address", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: 1, listen: \"my.host:4789\"}]\n"
	    TRUNK_END, 3, 54, "listen `my.host:4789` of trunk 0 of switch S1 is not a valid IPv4 address", 0, NULL },
	{ "trunk: port 0", TRUNK_AT "{vxlan: 127.0.0.1:0, vni: 1, listen: 127.0.0.1:4789}]\n" TRUNK_END, 3, 22,
	    "not a number from 1 to 65535", 0, NULL },
	{ "trunk: port too big", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: 1, listen: 127.0.0.1:70000}]\n"
	    TRUNK_END, 3, 54, "listen `127.0.0.1:70000` of trunk 0 of switch S1 has a port that is not a number "
	    "from 1 to 65535", 0, NULL },
	{ "trunk: vni too big", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: 16777216, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 43, "vni `16777216` of trunk 0 of switch S1 is not a VXLAN network identifier "
	    "(expected a number from 0 to 16777215", 0, NULL },
	{ "trunk: vni negative", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: -1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 43, "vni `-1`", 0, NULL },
	{ "trunk: vni a word", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: blue, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 43, "vni `blue`", 0, NULL },
	{ "trunk: wildcard listen", TRUNK_AT "{vxlan: 127.0.0.1:4790, vni: 1, listen: 0.0.0.0:4789}]\n"
	    TRUNK_END, 3, 54, "is the wildcard address 0.0.0.0", 0, NULL },
	{ "trunk: multicast remote", TRUNK_AT "{vxlan: 239.1.1.1:4789, vni: 1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 22, "is a multicast address", 0, NULL },
	{ "trunk: families differ", TRUNK_AT "{vxlan: \"[::1]:4790\", vni: 1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 52, "is not of the same family as vxlan `[::1]:4790`", 0, NULL },
	{ "trunk: listen is vxlan", TRUNK_AT "{vxlan: 127.0.0.1:4789, vni: 1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 3, 54, "is also its vxlan address", 0, NULL },
	{ "trunks: one listen twice", "switches:\n  S1:\n    trunks: [{vxlan: 127.0.0.1:1, vni: 1, listen: "
	    "127.0.0.1:4789}]\n  S2:\n    trunks: [{vxlan: 127.0.0.1:2, vni: 1, listen: 127.0.0.1:4789}]\n"
	    TRUNK_END, 5, 51, "listen `127.0.0.1:4789` of trunk 0 of switch S2 is already the listen address of "
	    "trunk 0 of switch S1 at line 3", 0, NULL },
	{ "unknown route key", VIA_AT "10.0.0.254, metric: 5}]\n", 5, 45,
	    "unknown key `metric` in route 1 of a (expected one of: to, via, dev)", 0, NULL },
	/* wrong types */
	{ "instances is a list", "instances: [a, b]\n", 1, 12, "`instances` is a list (expected a mapping", 0, NULL },
	{ "switches is a list", "switches: [S1]\ninstances: {a: }\n", 1, 11, "`switches` is a list", 0, NULL },
	{ "instance is a list", SW "instances:\n  a: [x]\n", 3, 6, "instance a is a list", 0, NULL },
	{ "instance name is a list", SW "instances:\n  ? [x]\n  : {}\n", 3, 5, "an instance name is a list", 0, NULL },
	{ "interfaces is a scalar", SW "instances:\n  a:\n    interfaces: eth0\n", 4, 17,
	    "`interfaces` of instance a is a single value `eth0`", 0, NULL },
	{ "interface is a scalar", SW "instances:\n  a:\n    interfaces: {eth0: S1}\n", 4, 24,
	    "interface eth0 of a is a single value `S1` (expected a mapping such as {switch: S1", 0, NULL },
	{ "routes is a mapping", SW "instances:\n  a:\n    routes: {to: default}\n", 4, 13,
	    "`routes` of instance a is a mapping (expected a list", 0, NULL },
	{ "startup is a scalar", SW "instances:\n  a:\n    startup: ping\n", 4, 14,
	    "`startup` of instance a is a single value (expected a list of shell commands", 0, NULL },
	{ "forward is not a bool", SW "instances:\n  a:\n    forward: 1\n", 4, 14,
	    "forward `1` of instance a is not a boolean (expected true or false", 0, NULL },
	{ "mem is a list", SW "instances:\n  a:\n    mem: [64M]\n", 4, 10, "`mem` of instance a is a list", 0, NULL },
	{ "ip is a mapping", IP_AT "{a: 1}}}\n", 4, 41, "`ip` of interface eth0 of a is a mapping", 0, NULL },
	/* missing required keys */
	{ "interface without switch", SW "instances:\n  a:\n    interfaces:\n      eth0: {ip: 10.0.0.1/24}\n", 5, 7,
	    "interface eth0 of a has no `switch`", 0, NULL },
	{ "interface that is empty", SW "instances:\n  a:\n    interfaces:\n      eth0:\n", 5, 7,
	    "interface eth0 of a has no `switch`", 0, NULL },
	{ "route without via", ROUTES_AT "[{to: default}]\n", 5, 14, "route 1 of a has no `via`", 0, NULL },
	{ "route without to", ROUTES_AT "[{via: 10.0.0.254}]\n", 5, 14, "route 1 of a has no `to`", 0, NULL },
	/* duplicate keys */
	{ "duplicate top-level key", SW "instances: {a: }\ninstances: {b: }\n", 3, 1,
	    "duplicate key `instances`, first given at line 2, column 1", 0, NULL },
	{ "duplicate instance", SW "instances:\n  a: {}\n  a: {}\n", 4, 3, "duplicate key `a`, first given at line 3", 0, NULL },
	{ "duplicate switch", "switches:\n  S1: {}\n  S1: {mode: hub}\ninstances: {a: }\n", 3, 3,
	    "duplicate key `S1`, first given at line 2", 0, NULL },
	{ "duplicate key in an interface", SW "instances:\n  a:\n    interfaces:\n      eth0: {switch: S1, switch: S1}\n", 5, 26,
	    "duplicate key `switch`, first given at line 5, column 14", 0, NULL },
	/* names */
	{ "bad lab name", "name: my lab\n" SW "instances: {a: }\n", 1, 7, "lab name `my lab` is not valid (expected 1-32 characters", 0, NULL },
	{ "lab name too long", "name: abcdefghijabcdefghijabcdefghijabc\n" SW "instances: {a: }\n", 1, 7, "is not valid", 0, NULL },
	{ "bad lab name from the file name", SW "instances: {a: }\n", 1, 1,
	    "the lab name `my lab` taken from the file name is not valid (expected 1-32 characters from A-Z a-z 0-9 _ -; add a line such as `name: mylab`", 0,
	    "labs/my lab.yml" },
	{ "bad switch name", "switches: {S.1: {}}\ninstances: {a: }\n", 1, 12, "switch name `S.1` is not valid", 0, NULL },
	{ "bad instance name (33 chars)", SW "instances:\n  abcdefghijabcdefghijabcdefghijabc: {}\n", 3, 3,
	    "instance name `abcdefghijabcdefghijabcdefghijabc` is not valid", 0, NULL },
	{ "interface eth16", SW "instances:\n  a:\n    interfaces: {eth16: {switch: S1}}\n", 4, 18,
	    "interface name `eth16` of a is not valid (expected eth0 to eth15)", 0, NULL },
	{ "interface net0", SW "instances:\n  a:\n    interfaces: {net0: {switch: S1}}\n", 4, 18,
	    "interface name `net0` of a is not valid", 0, NULL },
	/* addresses */
	{ "bad IPv4 octet", IP_AT "10.0.0.256/24}}\n", 4, 41, "ip `10.0.0.256/24` of interface eth0 of a is not a valid IPv4 address", 0, NULL },
	{ "IPv4 with leading zero", IP_AT "10.0.0.01/24}}\n", 4, 41, "is not a valid IPv4 address", 0, NULL },
	{ "address without prefix", IP_AT "10.0.0.1}}\n", 4, 41, "has no prefix length", 0, NULL },
	{ "prefix 33", IP_AT "10.0.0.1/33}}\n", 4, 41, "has a bad prefix length (expected /0 to /32", 0, NULL },
	{ "network address as host", IP_AT "10.0.0.0/24}}\n", 4, 41, "is the network address of 10.0.0.0/24", 0, NULL },
	{ "broadcast address as host", IP_AT "10.0.1.255/23}}\n", 4, 41, "is the broadcast address of 10.0.0.0/23", 0, NULL },
	{ "loopback address", IP_AT "127.0.0.2/8}}\n", 4, 41, "is a loopback address", 0, NULL },
	{ "address given twice", SW "instances:\n  a: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}\n"
	    "  b: {interfaces: {eth0: {switch: S1, ip: 10.0.0.1/24}}}\n", 4, 43,
	    "address 10.0.0.1 of eth0 of b is already used by eth0 of a at line 3, column 43", 0, NULL },
	{ "overlapping subnets on one instance", SW "instances:\n  a:\n    interfaces:\n"
	    "      eth0: {switch: S1, ip: 10.0.0.1/24}\n      eth1: {switch: S1, ip: 10.0.0.2/16}\n", 6, 30,
	    "overlaps the subnet of eth0", 0, NULL },
	/* switches */
	{ "interface on an undefined switch", SW "instances:\n  a: {interfaces: {eth0: {switch: S2}}}\n", 3, 35,
	    "interface eth0 of a is on switch `S2`, which is not defined (expected one of: S1", 0, NULL },
	{ "interface on a switch when none is defined", "instances:\n  a: {interfaces: {eth0: {switch: S1}}}\n", 2, 35,
	    "which is not defined (expected it under `switches:`", 0, NULL },
	{ "bad switch mode", "switches: {S1: {mode: bridge}}\ninstances: {a: }\n", 1, 23,
	    "mode `bridge` of switch S1 is not a switch mode (expected switch or hub)", 0, NULL },
	/* routes */
	{ "gateway on no subnet", VIA_AT "10.0.1.1}]\n", 5, 33, "via `10.0.1.1` of route 1 of a is on none of a's subnets", 0, NULL },
	{ "gateway is own address", VIA_AT "10.0.0.1}]\n", 5, 33, "is a's own address on eth0", 0, NULL },
	{ "gateway with a prefix", VIA_AT "10.0.0.254/24}]\n", 5, 33, "is not an IPv4 address", 0, NULL },
	{ "gateway without any address", SW "instances:\n  a:\n    interfaces: {eth0: {switch: S1}}\n"
	    "    routes: [{to: default, via: 10.0.0.254}]\n", 5, 33, "a has no IPv4 address on any interface", 0, NULL },
	{ "route to with host bits", ROUTES_AT "[{to: 10.0.2.1/24, via: 10.0.0.254}]\n", 5, 19,
	    "to `10.0.2.1/24` of route 1 of a has host bits set (expected the network address, 10.0.2.0/24)", 0, NULL },
	{ "route to without prefix", ROUTES_AT "[{to: 10.0.2.0, via: 10.0.0.254}]\n", 5, 19, "is not a network", 0, NULL },
	{ "route to the same place twice", ROUTES_AT "[{to: default, via: 10.0.0.254}, {to: 0.0.0.0/0, via: 10.0.0.253}]\n",
	    5, 51, "route 2 of a goes to `0.0.0.0/0`, like the route at line 5", 0, NULL },
	/* IPv6 (issue 24) */
	{ "bad IPv6 address", IP_AT "2001:db8::g/64}}\n", 4, 41,
	    "ip `2001:db8::g/64` of interface eth0 of a is not a valid IPv6 address (expected ADDRESS/PREFIX such as 2001:db8::1/64)", 0, NULL },
	{ "IPv6 without prefix", IP_AT "2001:db8::1}}\n", 4, 41, "has no prefix length (expected ADDRESS/PREFIX such as 2001:db8::1/64)", 0, NULL },
	{ "IPv6 prefix 129", IP_AT "2001:db8::1/129}}\n", 4, 41, "has a bad prefix length (expected /0 to /128", 0, NULL },
	{ "IPv6 with a zone", IP_AT "\"fe80::1%eth0/64\"}}\n", 4, 41, "is not a valid IPv6 address", 0, NULL },
	{ "IPv6 multicast", IP_AT "ff02::1/64}}\n", 4, 41, "is a multicast address (expected a unicast host address such as 2001:db8::1/64)", 0, NULL },
	{ "IPv6 loopback", IP_AT "\"::1/128\"}}\n", 4, 41, "is the loopback address ::1", 0, NULL },
	{ "IPv6 unspecified", IP_AT "\"::/0\"}}\n", 4, 41, "is the unspecified address ::", 0, NULL },
	{ "IPv4-mapped IPv6", IP_AT "\"::ffff:10.0.0.1/120\"}}\n", 4, 41, "is an IPv4-mapped address", 0, NULL },
	{ "IPv6 subnet-router anycast", IP_AT "2001:db8:1::/64}}\n", 4, 41,
	    "is the subnet-router anycast address of 2001:db8:1::/64 (expected a host address inside it)", 0, NULL },
	{ "link-local with a /10", IP_AT "fe80::1/10}}\n", 4, 41, "is a link-local address with a /10 prefix (expected fe80::X/64", 0, NULL },
	{ "a mapping in the ip list", IP_AT "[10.0.0.1/24, {a: 1}]}}\n", 4, 55,
	    "an address in `ip` of interface eth0 of a is a mapping", 0, NULL },
	{ "a bad address in the ip list", IP_AT "[10.0.0.1/24, 2001:db8::1]}}\n", 4, 55,
	    "ip `2001:db8::1` of interface eth0 of a has no prefix length", 0, NULL },
	{ "nine addresses", IP_AT "[2001:db8::1/64, 2001:db8::2/64, 2001:db8::3/64, 2001:db8::4/64, "
	    "2001:db8::5/64, 2001:db8::6/64, 2001:db8::7/64, 2001:db8::8/64, 2001:db8::9/64]}}\n", 4, 170,
	    "ip `2001:db8::9/64` of interface eth0 of a is one address too many (expected at most 8", 0, NULL },
	{ "IPv6 given twice", SW "instances:\n  a: {interfaces: {eth0: {switch: S1, ip: [10.0.0.1/24, 2001:db8::1/64]}}}\n"
	    "  b: {interfaces: {eth0: {switch: S1, ip: \"2001:DB8:0::1/64\"}}}\n", 4, 43,
	    "address 2001:db8::1 of eth0 of b is already used by eth0 of a at line 3, column 57 (expected each address once in the lab)", 0, NULL },
	{ "link-local twice on a switch", SW "instances:\n  a: {interfaces: {eth0: {switch: S1, ip: fe80::1/64}}}\n"
	    "  b: {interfaces: {eth0: {switch: S1, ip: fe80::1/64}}}\n", 4, 43,
	    "address fe80::1 of eth0 of b is already used by eth0 of a at line 3, column 43 (expected each link-local address once on a switch)", 0, NULL },
	{ "IPv6 subnets overlapping", SW "instances:\n  a:\n    interfaces:\n"
	    "      eth0: {switch: S1, ip: 2001:db8:1::1/64}\n      eth1: {switch: S1, ip: 2001:db8::2/32}\n", 6, 30,
	    "ip `2001:db8::2/32` of interface eth1 of a overlaps the subnet of eth0", 0, NULL },
	{ "ra without a /64", IP_AT "10.0.0.1/24, ra: true}}\n", 4, 58,
	    "ra `true` of interface eth0 of a but the interface has no IPv6 /64 prefix to advertise", 0, NULL },
	{ "ra with a /48 only", IP_AT "2001:db8::1/48, ra: yes}}\n", 4, 61, "no IPv6 /64 prefix", 0, NULL },
	{ "ra not a boolean", IP_AT "2001:db8::1/64, ra: 2}}\n", 4, 61, "ra `2` of interface eth0 of a is not a boolean", 0, NULL },
	{ "IPv6 gateway for an IPv4 network", ROUTES_AT "[{to: 10.0.2.0/24, via: 2001:db8::1}]\n", 5, 37,
	    "via `2001:db8::1` of route 1 of a is an IPv6 address, but `to` `10.0.2.0/24` is an IPv4 network (expected a gateway of the destination's family)", 0, NULL },
	{ "IPv4 gateway for an IPv6 network", ROUTES_AT "[{to: 2001:db8:2::/64, via: 10.0.0.254}]\n", 5, 41,
	    "is an IPv4 address, but `to` `2001:db8:2::/64` is an IPv6 network", 0, NULL },
	{ "link-local gateway without dev", ROUTES_AT "[{to: 2001:db8:2::/64, via: fe80::1}]\n", 5, 41,
	    "via `fe80::1` of route 1 of a is a link-local address, which is on every link: say which (expected a key such as dev: eth0", 0, NULL },
	{ "route dev that is not an interface", ROUTES_AT "[{to: 10.0.2.0/24, via: 10.0.0.254, dev: eth1}]\n", 5, 54,
	    "dev `eth1` of route 1 of a is not an interface of a (expected one of: eth0)", 0, NULL },
	{ "IPv6 gateway without an IPv6 address", VIA_AT "2001:db8::1}]\n", 5, 33,
	    "cannot be reached: a has no IPv6 address on any interface", 0, NULL },
	{ "IPv6 gateway that is a multicast address", VIA_AT "ff02::2}]\n", 5, 33,
	    "via `ff02::2` of route 1 of a is a multicast address (expected the address of a router)", 0, NULL },
	{ "IPv6 gateway not an address", VIA_AT "2001:db8::1/64}]\n", 5, 33, "is not an IPv6 address (expected a gateway", 0, NULL },
	{ "IPv6 route with host bits", ROUTES_AT "[{to: 2001:db8:2::1/64, via: fe80::1, dev: eth0}]\n", 5, 19,
	    "to `2001:db8:2::1/64` of route 1 of a has host bits set (expected the network address, 2001:db8:2::/64)", 0, NULL },
	{ "IPv6 default twice", ROUTES_AT "[{to: default, via: fe80::1, dev: eth0}, {to: \"::/0\", via: fe80::2, dev: eth0}]\n",
	    5, 59, "route 2 of a goes to `::/0`, like the route at line 5", 0, NULL },
	{ "an IPv6 address with ipv6: false", SW "instances:\n  a:\n    ipv6: false\n"
	    "    interfaces: {eth0: {switch: S1, ip: 2001:db8::1/64}}\n", 5, 41,
	    "ip `2001:db8::1/64` of interface eth0 of a is an IPv6 address, but IPv6 is off for a (`ipv6: false` at line 4)", 0, NULL },
	{ "an IPv6 route with the lab's ipv6: false", "ipv6: no\n" SW "instances:\n  a:\n"
	    "    interfaces: {eth0: {switch: S1}}\n    routes: [{to: default, via: fe80::1, dev: eth0}]\n", 6, 14,
	    "route 1 of a is an IPv6 route, but IPv6 is off for a (`ipv6: false` at line 1)", 0, NULL },
	{ "ra with ipv6: false", SW "instances:\n  a:\n    ipv6: false\n"
	    "    interfaces: {eth0: {switch: S1, ip: 2001:db8::1/64, ra: true}}\n", 5, 18,
	    "interface eth0 of a has `ra: true`, but IPv6 is off for a", 2, NULL },
	{ "ipv6 not a boolean", SW "instances:\n  a: {ipv6: maybe}\n", 3, 13,
	    "ipv6 `maybe` of instance a is not a boolean", 0, NULL },
	/* mem */
	{ "mem with a bad suffix", SW "instances:\n  a:\n    mem: 64MB\n", 4, 10, "mem `64MB` of instance a is not a size", 0, NULL },
	{ "mem too small", SW "instances:\n  a:\n    mem: 8M\n", 4, 10, "is too small (expected at least 16M)", 0, NULL },
	{ "mem too large", SW "instances:\n  a:\n    mem: 5g\n", 4, 10, "is too large (expected at most 4G)", 0, NULL },
	{ "mem overflowing", SW "instances:\n  a:\n    mem: 99999999999999999999G\n", 4, 10, "is too large", 0, NULL },
	/* MACs */
	{ "bad MAC", MAC_AT "02:00:00:00:00:1}}\n", 4, 42, "mac `02:00:00:00:00:1` of interface eth0 of a is not a MAC address", 0, NULL },
	{ "multicast MAC", MAC_AT "01:00:5e:00:00:01}}\n", 4, 42, "is a multicast address", 0, NULL },
	{ "broadcast MAC", MAC_AT "ff:ff:ff:ff:ff:ff}}\n", 4, 42, "is the broadcast address", 0, NULL },
	{ "all-zero MAC", MAC_AT "00:00:00:00:00:00}}\n", 4, 42, "is all zeros", 0, NULL },
	{ "MAC given twice", SW "instances:\n  a: {interfaces: {eth0: {switch: S1, mac: 02:00:00:00:00:01}}}\n"
	    "  b: {interfaces: {eth0: {switch: S1, mac: \"02:00:00:00:00:01\"}}}\n", 4, 44,
	    "mac 02:00:00:00:00:01 of eth0 of b is already used by eth0 of a at line 3, column 44", 0, NULL },
	/* startup */
	{ "empty startup command", SW "instances:\n  a:\n    startup: [\"ok\", \"\"]\n", 4, 21, "startup command 2 of a is empty", 0, NULL },
	{ "startup command with a NUL", SW "instances:\n  a:\n    startup: [\"a\\0b\"]\n", 4, 15, "contains a NUL byte", 0, NULL },
	{ "startup command that is a list", SW "instances:\n  a:\n    startup: [[x]]\n", 4, 15, "startup command 1 of a is a list", 0, NULL },
	/* images and shares */
	{ "image not defined", "instances:\n  a: {image: deb}\n", 2, 14,
	    "image `deb` of instance a is not defined (expected one of: busybox; or define it under `images:`)", 0, NULL },
	{ "image not defined, others are", "images:\n  deb: {debian: bookworm}\ninstances:\n  a: {image: dbe}\n", 4, 14,
	    "(expected one of: busybox, deb; or define it", 0, NULL },
	{ "lab's default image not defined", "image: deb\ninstances: {a: }\n", 1, 8,
	    "image `deb` of the lab is not defined", 0, NULL },
	{ "image named busybox", "images: {busybox: {debian: bookworm}}\ninstances: {a: }\n", 1, 10,
	    "image name `busybox` is the built-in image's", 0, NULL },
	{ "bad image name", "images: {my.img: {debian: bookworm}}\ninstances: {a: }\n", 1, 10,
	    "image name `my.img` is not valid", 0, NULL },
	{ "image that is empty", "images:\n  deb:\ninstances: {a: }\n", 2, 3,
	    "image deb is empty (expected a mapping such as {debian: bookworm", 0, NULL },
	{ "image that is a scalar", "images:\n  deb: bookworm\ninstances: {a: }\n", 2, 8,
	    "image deb is a single value `bookworm` (expected a mapping", 0, NULL },
	{ "image without a kind", "images:\n  deb: {packages: [tcpdump]}\ninstances: {a: }\n", 2, 3,
	    "image deb has no kind (expected one of the keys debian, url, file or busybox)", 0, NULL },
	{ "image with two kinds", "images:\n  deb: {debian: bookworm, url: http://h/x.img}\ninstances: {a: }\n", 2, 27,
	    "image deb has both `debian` and `url` (expected one kind", 0, NULL },
	{ "unknown image key", "images:\n  deb: {debian: bookworm, packages: [tcpdump], pakages: []}\ninstances: {a: }\n", 2, 48,
	    "unknown key `pakages` in image deb (expected one of: busybox, debian, packages, mirror, url, sha256, file; did you mean `packages`?)", 0, NULL },
	{ "bad Debian release", "images:\n  deb: {debian: Bookworm}\ninstances: {a: }\n", 2, 17,
	    "debian `Bookworm` of image deb is not a Debian release", 0, NULL },
	{ "bad package name", "images:\n  deb: {debian: bookworm, packages: [iproute2, TcpDump]}\ninstances: {a: }\n", 2, 48,
	    "package `TcpDump` of image deb is not a Debian package name", 0, NULL },
	{ "packages is a scalar", "images:\n  deb: {debian: bookworm, packages: tcpdump}\ninstances: {a: }\n", 2, 37,
	    "`packages` of image deb is a single value (expected a list of Debian packages", 0, NULL },
	{ "bad mirror", "images:\n  deb: {debian: bookworm, mirror: deb.debian.org}\ninstances: {a: }\n", 2, 35,
	    "mirror `deb.debian.org` of image deb is not a mirror URL", 0, NULL },
	{ "packages on a url image", "images:\n  img: {url: http://h/x.img, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, packages: [x1]}\ninstances: {a: }\n", 2, 104,
	    "`packages` of image img belongs to `debian` images", 0, NULL },
	{ "url without sha256", "images:\n  img: {url: http://h/x.img}\ninstances: {a: }\n", 2, 9,
	    "image img has no `sha256` (expected the SHA-256 of the file, 64 hex digits", 0, NULL },
	{ "url with another scheme", "images:\n  img: {url: ftp://h/x.img, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\ninstances: {a: }\n", 2, 14,
	    "url `ftp://h/x.img` of image img is not a URL umllab can download", 0, NULL },
	{ "sha256 too short", "images:\n  img: {url: http://h/x.img, sha256: abc123}\ninstances: {a: }\n", 2, 38,
	    "sha256 `abc123` of image img is not a SHA-256 (expected 64 hex digits", 0, NULL },
	{ "sha256 not hex", "images:\n  img: {url: http://h/x.img, sha256: gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg}\ninstances: {a: }\n", 2, 38,
	    "is not a SHA-256", 0, NULL },
	{ "file that does not exist", "images:\n  f: {file: /nonexistent/x.img}\ninstances: {a: }\n", 2, 13,
	    "file `/nonexistent/x.img` of image f does not exist (expected an ext2/3/4 image or a tarball", 0, NULL },
	{ "file that is a directory", "images:\n  f: {file: /tmp}\ninstances: {a: }\n", 2, 13,
	    "file `/tmp` of image f is not a regular file", 0, NULL },
	{ "share that does not exist", "share: /nonexistent/dir\ninstances: {a: }\n", 1, 8,
	    "share `/nonexistent/dir` of the lab does not exist (expected an existing directory", 0, NULL },
	{ "share that is a file", "instances:\n  a: {share: /etc/passwd}\n", 2, 14,
	    "share `/etc/passwd` of instance a is not a directory", 0, NULL },
	{ "share without dir", "instances:\n  a: {share: {readonly: true}}\n", 2, 14,
	    "the share of instance a has no `dir` (expected a directory such as ./shared", 0, NULL },
	{ "share with a bad readonly", "share: {dir: /tmp, readonly: maybe}\ninstances: {a: }\n", 1, 30,
	    "readonly `maybe` of the lab is not a boolean", 0, NULL },
	{ "unknown share key", "share: {dir: /tmp, ro: true}\ninstances: {a: }\n", 1, 20,
	    "unknown key `ro` in the share of the lab (expected one of: dir, readonly, symlinks)", 0, NULL },
	{ "unsafe_shared_root not a bool", "instances:\n  a: {unsafe_shared_root: 2}\n", 2, 27,
	    "unsafe_shared_root `2` of instance a is not a boolean", 0, NULL },
	{ "images is a list", "images: [deb]\ninstances: {a: }\n", 1, 9,
	    "`images` is a list (expected a mapping of image names", 0, NULL },
};

static void dump(const struct lab_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_error("    %s\n", d->msgs[i]);
}

static void test_bad_table(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		const char *file = bc->file ? bc->file : "t.yaml";
		struct lab_diag d = { 0 };
		struct lab *lab = lab_load_string(bc->yaml, strlen(bc->yaml), file, &d);
		char *prefix;
		if (asprintf(&prefix, "%s:%d:%d: ", file, bc->line, bc->column) < 0)
			fail();
		bool found = false;
		for (size_t j = 0; j < d.n && !found; j++)
			found = strncmp(d.msgs[j], prefix, strlen(prefix)) == 0 &&
			    strstr(d.msgs[j], bc->substr) != NULL;
		size_t want = bc->count ? (size_t)bc->count : 1;
		if (lab != NULL || !found || d.n != want) {
			print_error("case \"%s\": want %zu message(s), one at %s containing \"%s\"; got %zu%s:\n",
			    bc->name, want, prefix, bc->substr, d.n, lab ? " and a lab" : "");
			dump(&d);
			failures++;
		}
		free(prefix);
		lab_free(lab);
		lab_diag_free(&d);
	}
	assert_int_equal(failures, 0);
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 25);
}

static void test_startup_too_long(void **state)
{
	(void)state;
	size_t n = 4097;
	char *cmd = malloc(n + 1);
	memset(cmd, 'x', n);
	cmd[n] = '\0';
	char *yaml;
	assert_true(asprintf(&yaml, "instances:\n  a:\n    startup: [\"%s\", \"%.4096s\"]\n", cmd, cmd) > 0);
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load_string(yaml, strlen(yaml), "t.yaml", &d);
	assert_null(lab);
	assert_int_equal(d.n, 1);	/* 4096 bytes is still fine */
	assert_non_null(strstr(d.msgs[0], "t.yaml:3:15: startup command 1 of a is 4097 bytes long (expected at most 4096)"));
	lab_diag_free(&d);
	free(yaml);
	free(cmd);
}

static struct lab *load_ok_len(const char *yaml, size_t len, const char *file)
{
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load_string(yaml, len, file, &d);
	if (lab == NULL || d.n != 0) {
		print_error("expected %s to load cleanly:\n", file);
		dump(&d);
	}
	assert_non_null(lab);
	assert_int_equal(d.n, 0);
	lab_diag_free(&d);
	return lab;
}

static struct lab *load_ok(const char *yaml, const char *file)
{
	return load_ok_len(yaml, strlen(yaml), file);
}

/* An address as text, with its prefix when text has one ("10.0.0.1/24", "fe80::1"). */
static void assert_addr(struct lab_addr a, const char *text)
{
	char buf[LAB_ADDR_TEXT_MAX];
	lab_addr_format(&a, strchr(text, '/') != NULL, buf);
	assert_string_equal(buf, text);
}

static const char fig1[] =
    "# Figure 1: two hosts on one switch\n"
    "switches:\n"
    "  S1: {mode: switch}\n"
    "instances:\n"
    "  umlA:\n"
    "    interfaces:\n"
    "      eth0: {switch: S1, ip: 10.0.0.1/24}\n"
    "  umlB:\n"
    "    interfaces:\n"
    "      eth0: {switch: S1, ip: 10.0.0.2/24}\n";

/* What one lab may ask for is capped, with the place and the limit named;
 * exactly the limit still loads. */
static char *gen_lab(unsigned switches, unsigned instances, bool one_switch)
{
	size_t cap = 64 + switches * 16 + instances * 64, len = 0;
	char *y = malloc(cap);
	assert_non_null(y);
	len += (size_t)sprintf(y + len, "switches:\n");
	for (unsigned i = 0; i < switches; i++)
		len += (size_t)sprintf(y + len, "  S%u: {}\n", i);
	len += (size_t)sprintf(y + len, "instances:\n");
	for (unsigned i = 0; i < instances; i++)
		len += (size_t)sprintf(y + len, "  h%u: {interfaces: {eth0: {switch: S%u}}}\n", i,
		    one_switch ? 0 : i % switches);
	assert_true(len < cap);
	return y;
}

static void expect_one_error(const char *yaml, const char *where, const char *substr)
{
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load_string(yaml, strlen(yaml), "t.yaml", &d);
	assert_null(lab);
	if (d.n != 1 || strstr(d.msgs[0], where) != d.msgs[0] || strstr(d.msgs[0], substr) == NULL) {
		print_error("want one message at %s containing \"%s\"; got:\n", where, substr);
		dump(&d);
		fail();
	}
	lab_diag_free(&d);
}

static void test_capture(void **state)
{
	(void)state;
	struct lab *lab = load_ok("switches:\n  S1: {capture: true}\n  S2: {capture: false}\n"
	    "  S3: {capture: {filter: \"icmp or arp\", max_size: 1M, files: 2}}\n"
	    "instances:\n  a:\n    interfaces:\n      eth0: {switch: S1, capture: {filter: arp}}\n"
	    "      eth1: {switch: S2}\n", "t.yaml");
	assert_true(lab->switches[0].capture.on);
	assert_string_equal(lab->switches[0].capture.filter, "");
	assert_int_equal(lab->switches[0].capture.max_bytes, 16 << 20);
	assert_int_equal(lab->switches[0].capture.files, 4);
	assert_int_equal(lab->switches[0].capture.line, 2);
	assert_false(lab->switches[1].capture.on);
	assert_string_equal(lab->switches[2].capture.filter, "icmp or arp");
	assert_int_equal(lab->switches[2].capture.max_bytes, 1 << 20);
	assert_int_equal(lab->switches[2].capture.files, 2);
	assert_true(lab->instances[0].ifaces[0].capture.on);
	assert_string_equal(lab->instances[0].ifaces[0].capture.filter, "arp");
	assert_false(lab->instances[0].ifaces[1].capture.on);
	lab_free(lab);
}

/* VLANs on ports, sub-interfaces, links between switches, spanning tree. */
static void test_vlans_links(void **state)
{
	(void)state;
	struct lab *lab = load_ok("switches:\n"
	    "  S1: {stp: true, links: [{to: S2, vlans: [10, 20-20], native: 1, cost: 4}]}\n"
	    "  S2: {stp: {priority: 4096}, links: [{to: S3}]}\n"
	    "  S3:\n"
	    "instances:\n"
	    "  h1: {interfaces: {eth0: {switch: S1, vlan: 10, ip: 10.0.10.1/24}}}\n"
	    "  r1:\n"
	    "    interfaces:\n"
	    "      eth0.20: {ip: 10.0.20.254/24}\n"
	    "      eth0: {switch: S2, vlans: [10, 20, 4094], native: 5}\n"
	    "      eth0.10: {ip: 10.0.10.254/24}\n"
	    "      eth0.30:\n"
	    "    routes: [{to: 10.9.0.0/16, via: 10.0.20.1}]\n", "t.yaml");
	assert_true(lab->switches[0].stp.on);
	assert_int_equal(lab->switches[0].stp.priority, 32768);
	assert_int_equal(lab->switches[1].stp.priority, 4096);
	assert_false(lab->switches[2].stp.on);
	assert_int_equal(lab->switches[0].n_links, 1);
	const struct lab_link *l = &lab->switches[0].links[0];
	assert_int_equal(l->to, 1);
	assert_int_equal(l->cost, 4);
	assert_int_equal(l->priority, 128);
	assert_true(l->vlans.trunk);
	assert_int_equal(l->vlans.native, 1);
	char *v = lab_vlans_format(&l->vlans);
	assert_string_equal(v, "trunk 10,20 native 1");
	free(v);
	assert_int_equal(lab->switches[1].links[0].cost, LAB_STP_COST_DEFAULT);
	bool from_a;
	assert_ptr_equal(lab_link_find(lab, 2, 1, &from_a), &lab->switches[1].links[0]);
	assert_false(from_a);
	assert_null(lab_link_find(lab, 0, 2, NULL));
	const struct lab_instance *h1 = &lab->instances[0], *r1 = &lab->instances[1];
	assert_int_equal(h1->ifaces[0].vlans.access, 10);
	assert_int_equal(r1->n_ifaces, 1);
	v = lab_vlans_format(&r1->ifaces[0].vlans);
	assert_string_equal(v, "trunk 10,20,4094 native 5");
	free(v);
	assert_int_equal(r1->n_subifs, 3);
	assert_string_equal(r1->subifs[0].name, "eth0.10");	/* sorted */
	assert_int_equal(r1->subifs[0].vid, 10);
	assert_int_equal(r1->subifs[0].parent, 0);
	assert_int_equal(r1->subifs[0].n_addrs, 1);
	assert_string_equal(r1->subifs[2].name, "eth0.30");
	assert_int_equal(r1->subifs[2].n_addrs, 0);
	struct lab_vlans back;
	assert_true(lab_vlans_parse("trunk 10,20,4094 native 5", &back));
	assert_memory_equal(back.tagged, r1->ifaces[0].vlans.tagged, sizeof(back.tagged));
	assert_true(lab_vlans_parse("", &back));
	assert_false(back.trunk);
	assert_false(lab_vlans_parse("trunk", &back));
	assert_false(lab_vlans_parse("access 4095", &back));
	lab_free(lab);
}

static void test_trunks(void **state)
{
	(void)state;
	struct lab *lab = load_ok("switches:\n  S1:\n    mode: hub\n    trunks:\n"
	    "      - {vxlan: 192.0.2.2:4789, vni: 42, listen: 192.0.2.1:4789}\n"
	    "      - vxlan: \"[fd00::2]:8472\"\n        vni: 0\n        listen: \"[fd00::1]:8472\"\n"
	    "  S2: {trunks: [{vxlan: 127.0.0.1:1, vni: 16777215, listen: 127.0.0.1:2}]}\n"
	    "  S3: {trunks: []}\n"
	    "instances: {a: {interfaces: {eth0: {switch: S1}}}}\n", "t.yaml");
	const struct lab_switch *s1 = &lab->switches[0];
	assert_int_equal(s1->mode, LAB_SWITCH_HUB);
	assert_int_equal(s1->n_trunks, 2);
	char buf[VXLAN_ADDR_TEXT_MAX];
	vxlan_addr_format(&s1->trunks[0].remote, buf);
	assert_string_equal(buf, "192.0.2.2:4789");
	vxlan_addr_format(&s1->trunks[0].listen, buf);
	assert_string_equal(buf, "192.0.2.1:4789");
	assert_int_equal(s1->trunks[0].vni, 42);
	assert_int_equal(s1->trunks[0].line, 5);
	assert_int_equal(s1->trunks[0].column, 9);
	assert_int_equal(s1->trunks[0].listen_line, 5);
	assert_int_equal(s1->trunks[0].listen_column, 50);
	vxlan_addr_format(&s1->trunks[1].remote, buf);
	assert_string_equal(buf, "[fd00::2]:8472");
	assert_int_equal(s1->trunks[1].vni, 0);
	assert_int_equal(s1->trunks[1].listen_line, 8);
	assert_int_equal(lab->switches[1].n_trunks, 1);
	assert_int_equal(lab->switches[1].trunks[0].vni, VXLAN_VNI_MAX);
	assert_int_equal(lab->switches[2].n_trunks, 0);
	lab_free(lab);

	/* At most LAB_TRUNKS_MAX on one switch. */
	char y[4096];
	size_t n = (size_t)sprintf(y, "switches:\n  S1:\n    trunks:\n");
	for (int i = 0; i <= LAB_TRUNKS_MAX; i++)
		n += (size_t)sprintf(y + n, "      - {vxlan: 127.0.0.1:9, vni: 1, listen: 127.0.0.1:%d}\n",
		    1000 + i);
	sprintf(y + n, "instances: {a: }\n");
	expect_one_error(y, "t.yaml:20:9: ", "trunk 16 of switch S1 is one too many (expected at most 16");

	/* A trunk is a port: 255 interfaces and a trunk fill a switch. */
	char *g = gen_lab(1, LAB_SWITCH_PORTS_MAX, true);
	const char *from = strstr(g, "  S0: {}");
	assert_non_null(from);
	char *t;
	assert_true(asprintf(&t, "switches:\n  S0: {trunks: [{vxlan: 127.0.0.1:9, vni: 1, listen: "
	    "127.0.0.1:8}]}\n%s", from + strlen("  S0: {}\n")) > 0);
	expect_one_error(t, "t.yaml:259:", "switch S0 is full");
	free(t);
	free(g);
}

static void test_limits(void **state)
{
	(void)state;
	char *y = gen_lab(1, LAB_SWITCH_PORTS_MAX, true);
	lab_free(load_ok(y, "t.yaml"));
	free(y);
	/* Interface 257 on S0: instance h256, on line 3 + 256 + 1. */
	y = gen_lab(1, LAB_SWITCH_PORTS_MAX + 1, true);
	expect_one_error(y, "t.yaml:260:", "switch S0 is full");
	free(y);

	y = gen_lab(LAB_SWITCHES_MAX, LAB_INSTANCES_MAX, false);
	lab_free(load_ok(y, "t.yaml"));
	free(y);
	y = gen_lab(LAB_SWITCHES_MAX + 1, 1, false);
	char where[32];
	snprintf(where, sizeof(where), "t.yaml:%d:3: ", LAB_SWITCHES_MAX + 2);
	expect_one_error(y, where, "one too many (expected at most 64 switches");
	free(y);
	y = gen_lab(LAB_SWITCHES_MAX, LAB_INSTANCES_MAX + 1, false);
	snprintf(where, sizeof(where), "t.yaml:%d:3: ", LAB_SWITCHES_MAX + 3 + LAB_INSTANCES_MAX);
	char msg[96];
	snprintf(msg, sizeof(msg), "instance h%d is one too many (expected at most %d instances",
	    LAB_INSTANCES_MAX, LAB_INSTANCES_MAX);
	expect_one_error(y, where, msg);
	free(y);
}

/* Issue 27: at least 1000 instances, and the descriptors their supervisor
 * raises its limit to are enough for them. */
static void test_large_lab(void **state)
{
	(void)state;
	assert_true(LAB_INSTANCES_MAX >= 1000);
	char *y = gen_lab(10, 1000, false);
	struct lab *lab = load_ok(y, "t.yaml");
	assert_int_equal(lab->n_instances, 1000);
	/* 7.5 descriptors per instance were seen held; room for more. */
	unsigned long fds = lab_fds_needed(lab);
	assert_true(fds >= 1000 * 8 && fds < 1000 * 16);
	lab_free(lab);
	free(y);
	/* A small lab stays within the usual soft limit of 1024. */
	y = gen_lab(1, 20, false);
	lab = load_ok(y, "t.yaml");
	assert_true(lab_fds_needed(lab) <= 1024);
	lab_free(lab);
	free(y);

	/* The supervisor raises its soft limit within the hard one, and says
	 * what to do when the hard one is too low. */
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = 100;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	char *cause = NULL;
	assert_int_equal(fd_limit_raise(50, &cause), 0);	/* enough already */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 100);
	if (old.rlim_max == RLIM_INFINITY || old.rlim_max >= 1000) {
		assert_int_equal(fd_limit_raise(1000, &cause), 0);
		assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
		assert_int_equal(rl.rlim_cur, 1000);
	}
	if (old.rlim_max != RLIM_INFINITY) {
		assert_int_equal(fd_limit_raise((unsigned long)old.rlim_max + 1, &cause), -1);
		assert_non_null(strstr(cause, "hard limit on open files"));
		free(cause);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

static void test_fig1(void **state)
{
	(void)state;
	struct lab *lab = load_ok(fig1, "labs/fig1.yaml");
	assert_string_equal(lab->name, "fig1");
	assert_string_equal(lab->path, "labs/fig1.yaml");
	assert_int_equal(lab->n_switches, 1);
	assert_string_equal(lab->switches[0].name, "S1");
	assert_int_equal(lab->switches[0].mode, LAB_SWITCH_LEARNING);
	assert_int_equal(lab->switches[0].line, 3);
	assert_int_equal(lab->switches[0].column, 3);
	assert_int_equal(lab->n_instances, 2);
	const char *names[] = { "umlA", "umlB" }, *addrs[] = { "10.0.0.1", "10.0.0.2" };
	for (int i = 0; i < 2; i++) {
		const struct lab_instance *in = &lab->instances[i];
		assert_string_equal(in->name, names[i]);
		assert_ptr_equal(lab_instance_find(lab, names[i]), in);
		assert_int_equal(in->mem_bytes, 64ULL << 20);
		assert_false(in->forward);
		assert_int_equal(in->n_routes, 0);
		assert_int_equal(in->n_startup, 0);
		assert_int_equal(in->n_ifaces, 1);
		const struct lab_iface *ifc = &in->ifaces[0];
		assert_string_equal(ifc->name, "eth0");
		assert_int_equal(ifc->index, 0);
		assert_int_equal(ifc->sw, 0);
		assert_int_equal(ifc->n_addrs, 1);
		assert_addr(ifc->addrs[0], addrs[i]);
		assert_int_equal(ifc->addrs[0].prefix, 24);
		assert_false(ifc->ra);
		assert_false(ifc->mac_given);
		uint8_t mac[6];
		lab_default_mac("fig1", names[i], "eth0", mac);
		assert_memory_equal(ifc->mac, mac, 6);
	}
	assert_int_equal(lab->instances[1].line, 8);
	assert_int_equal(lab->instances[1].ifaces[0].line, 10);
	assert_int_equal(lab->instances[1].ifaces[0].column, 7);
	assert_ptr_equal(lab_switch_find(lab, "S1"), &lab->switches[0]);
	assert_null(lab_switch_find(lab, "S2"));
	assert_null(lab_instance_find(lab, "umlC"));
	lab_free(lab);
}

static void test_routed(void **state)
{
	(void)state;
	static const char yaml[] =
	    "name: routed-lab\n"
	    "switches:\n"
	    "  S1:\n"
	    "  S2: {mode: hub}\n"
	    "instances:\n"
	    "  h1:\n"
	    "    interfaces:\n"
	    "      eth0: {switch: S1, ip: 10.0.1.1/24}\n"
	    "    routes:\n"
	    "      - {to: 10.0.2.0/24, via: 10.0.1.254}\n"
	    "  h2:\n"
	    "    interfaces: {eth0: {switch: S2, ip: 10.0.2.1/24}}\n"
	    "    routes: [{to: default, via: 10.0.2.254}]\n"
	    "  r1:\n"
	    "    forward: TRUE\n"
	    "    interfaces:\n"
	    "      eth1: {switch: S2, ip: 10.0.2.254/24}\n"
	    "      eth0: {switch: S1, ip: 10.0.1.254/24}\n"
	    "    startup: [\"sysctl -w net.ipv4.ip_forward=1\", 'echo \"up\"']\n";
	struct lab *lab = load_ok(yaml, "whatever.yaml");
	assert_string_equal(lab->name, "routed-lab");
	assert_int_equal(lab->n_switches, 2);
	assert_int_equal(lab->switches[0].mode, LAB_SWITCH_LEARNING);
	assert_int_equal(lab->switches[1].mode, LAB_SWITCH_HUB);

	const struct lab_instance *h1 = lab_instance_find(lab, "h1");
	assert_non_null(h1);
	assert_int_equal(h1->n_routes, 1);
	assert_false(h1->routes[0].is_default);
	assert_addr(h1->routes[0].to, "10.0.2.0/24");
	assert_addr(h1->routes[0].via, "10.0.1.254");
	assert_string_equal(h1->routes[0].dev, "");
	assert_int_equal(h1->routes[0].line, 10);
	assert_int_equal(h1->routes[0].column, 9);

	const struct lab_instance *h2 = lab_instance_find(lab, "h2");
	assert_non_null(h2);
	assert_int_equal(h2->ifaces[0].sw, 1);
	assert_int_equal(h2->n_routes, 1);
	assert_true(h2->routes[0].is_default);
	assert_addr(h2->routes[0].to, "0.0.0.0/0");
	assert_addr(h2->routes[0].via, "10.0.2.254");

	const struct lab_instance *r1 = lab_instance_find(lab, "r1");
	assert_non_null(r1);
	assert_true(r1->forward);
	assert_false(h1->forward);
	assert_int_equal(r1->n_ifaces, 2);
	/* sorted by index, whatever the file order */
	assert_string_equal(r1->ifaces[0].name, "eth0");
	assert_int_equal(r1->ifaces[0].sw, 0);
	assert_addr(r1->ifaces[0].addrs[0], "10.0.1.254");
	assert_int_equal(r1->ifaces[0].line, 18);
	assert_string_equal(r1->ifaces[1].name, "eth1");
	assert_int_equal(r1->ifaces[1].index, 1);
	assert_int_equal(r1->ifaces[1].sw, 1);
	assert_int_equal(r1->n_startup, 2);
	assert_string_equal(r1->startup[0], "sysctl -w net.ipv4.ip_forward=1");
	assert_string_equal(r1->startup[1], "echo \"up\"");
	uint8_t mac[6];
	lab_default_mac("routed-lab", "r1", "eth1", mac);
	assert_memory_equal(r1->ifaces[1].mac, mac, 6);
	lab_free(lab);
}

static void test_values(void **state)
{
	(void)state;
	static const char yaml[] =
	    "switches: {S1: {}, hub-1: {mode: hub}}\n"
	    "instances:\n"
	    "  m1: {mem: 16M, forward: yes}\n"
	    "  m2: {mem: 4G, forward: No}\n"
	    "  m3: {mem: 16777216, forward: \"false\"}\n"
	    "  m4: {mem: 65536k}\n"
	    "  m5: {mem: 1g}\n"
	    "  m6:\n"
	    "  S1:\n"
	    "    interfaces:\n"
	    "      eth15: {switch: hub-1, mac: 02:AB:cd:00:00:01}\n"
	    "      eth3: {switch: S1, mac: \"52:54:00:12:34:56\", ip: 192.168.7.0/31}\n"
	    "      eth4: {switch: S1, ip: 172.16.0.9/32}\n"
	    "    routes:\n"
	    "      - to: 192.168.8.0/22\n"
	    "        via: 192.168.7.1\n"
	    "      - {to: 0.0.0.0/0, via: 192.168.7.1}\n";
	struct lab *lab = load_ok(yaml, "/some/dir/values.YML");
	assert_string_equal(lab->name, "values");
	static const uint64_t mem[] = { 16ULL << 20, 4ULL << 30, 16777216, 64ULL << 20, 1ULL << 30,
	    LAB_MEM_DEFAULT, LAB_MEM_DEFAULT };
	assert_int_equal(lab->n_instances, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(lab->instances[i].mem_bytes, mem[i]);
	assert_true(lab->instances[0].forward);
	assert_false(lab->instances[1].forward);
	assert_false(lab->instances[2].forward);
	assert_int_equal(lab->instances[5].n_ifaces, 0);

	/* an instance may share a switch's name */
	const struct lab_instance *in = lab_instance_find(lab, "S1");
	assert_non_null(in);
	assert_int_equal(in->n_ifaces, 3);
	assert_string_equal(in->ifaces[0].name, "eth3");
	assert_string_equal(in->ifaces[1].name, "eth4");
	assert_string_equal(in->ifaces[2].name, "eth15");
	assert_int_equal(in->ifaces[2].index, 15);
	assert_int_equal(in->ifaces[2].sw, 1);
	assert_int_equal(in->ifaces[2].n_addrs, 0);
	assert_true(in->ifaces[2].mac_given);
	static const uint8_t m15[6] = { 0x02, 0xab, 0xcd, 0x00, 0x00, 0x01 };
	static const uint8_t m3[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	assert_memory_equal(in->ifaces[2].mac, m15, 6);
	assert_memory_equal(in->ifaces[0].mac, m3, 6);
	assert_addr(in->ifaces[0].addrs[0], "192.168.7.0/31");	/* /31: both addresses are hosts */
	assert_int_equal(in->ifaces[1].addrs[0].prefix, 32);
	assert_false(in->ifaces[1].mac_given);
	assert_int_equal(in->n_routes, 2);
	assert_addr(in->routes[0].to, "192.168.8.0/22");
	assert_true(in->routes[1].is_default);
	assert_int_equal(lab->switches[1].mode, LAB_SWITCH_HUB);
	assert_string_equal(lab->switches[1].name, "hub-1");
	lab_free(lab);
}

/* Issue 24: addresses of both families, link-local gateways, ra, ipv6: false, SLAAC. */
static void test_ipv6(void **state)
{
	(void)state;
	static const char yaml[] =
	    "name: v6\n"
	    "switches: {S1: {}, S2: {}}\n"
	    "instances:\n"
	    "  h1:\n"
	    "    interfaces:\n"
	    "      eth0: {switch: S1, ip: [10.0.1.1/24, 2001:db8:1::1/64], mac: 02:00:00:00:00:01}\n"
	    "    routes:\n"
	    "      - {to: default, via: 10.0.1.254}\n"
	    "      - {to: default, via: fe80::1, dev: eth0}\n"
	    "  r1:\n"
	    "    forward: true\n"
	    "    interfaces:\n"
	    "      eth0: {switch: S1, ip: [10.0.1.254/24, 2001:db8:1::fe/64, fe80::1/64], ra: true}\n"
	    "      eth1: {switch: S2, ip: [2001:db8:2::fe/64, fe80::1/64], ra: true}\n"
	    "  h2:\n"
	    "    interfaces: {eth0: {switch: S2, mac: 02:00:00:00:02:01}}\n"
	    "  h3:\n"
	    "    ipv6: false\n"
	    "    interfaces: {eth0: {switch: S2, ip: 10.0.3.1/24}}\n"
	    "  h4:\n"
	    "    interfaces: {eth0: {switch: S1, ip: 2001:db8:1::4/64}}\n"
	    "    routes: [{to: 2001:db8:2::/64, via: 2001:db8:1::fe, dev: eth0}, {to: 10.0.0.0/8, via: 10.0.1.254}]\n";
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load_string(yaml, strlen(yaml), "v6.yaml", &d);
	/* h4's IPv4 route has no IPv4 address to go by: the one mistake */
	assert_null(lab);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "v6.yaml:22:"));
	assert_non_null(strstr(d.msgs[0], "h4 has no IPv4 address on any interface"));
	lab_diag_free(&d);
	lab_free(lab);

	/* the same without h4's IPv4 route */
	char *good = strdup(yaml);
	*strstr(good, ", {to: 10.0.0.0/8") = '\0';
	strcat(good, "]\n");
	lab = load_ok(good, "v6.yaml");
	free(good);
	assert_true(lab_uses_ipv6(lab));
	const struct lab_instance *h1 = lab_instance_find(lab, "h1"), *r1 = lab_instance_find(lab, "r1"),
	    *h2 = lab_instance_find(lab, "h2"), *h3 = lab_instance_find(lab, "h3"),
	    *h4 = lab_instance_find(lab, "h4");
	assert_int_equal(h1->ifaces[0].n_addrs, 2);
	assert_int_equal(h1->ifaces[0].addrs[0].family, AF_INET);
	assert_addr(h1->ifaces[0].addrs[1], "2001:db8:1::1/64");
	assert_int_equal(h1->n_routes, 2);
	assert_true(h1->routes[0].is_default);
	assert_int_equal(h1->routes[0].to.family, AF_INET);
	assert_true(h1->routes[1].is_default);
	assert_addr(h1->routes[1].to, "::/0");
	assert_addr(h1->routes[1].via, "fe80::1");
	assert_string_equal(h1->routes[1].dev, "eth0");
	assert_true(r1->ifaces[0].ra);
	assert_int_equal(r1->ifaces[1].n_addrs, 2);
	assert_addr(h4->routes[0].via, "2001:db8:1::fe");
	assert_string_equal(h4->routes[0].dev, "eth0");
	assert_int_equal(h3->ipv6, LAB_IPV6_OFF);
	assert_false(lab_instance_ipv6(lab, h3));
	assert_true(lab_instance_ipv6(lab, h2));

	struct lab_addr ll, sl[4];
	lab_iface_link_local(&h1->ifaces[0], &ll);
	assert_addr(ll, "fe80::ff:fe00:1/64");
	assert_int_equal(lab_iface_slaac(lab, h2, &h2->ifaces[0], sl, 4), 1);
	assert_addr(sl[0], "2001:db8:2::ff:fe00:201/64");
	assert_int_equal(lab_iface_slaac(lab, h1, &h1->ifaces[0], sl, 4), 1);
	assert_addr(sl[0], "2001:db8:1::ff:fe00:1/64");
	assert_int_equal(lab_iface_slaac(lab, r1, &r1->ifaces[0], sl, 4), 0);	/* a router */
	assert_int_equal(lab_iface_slaac(lab, h3, &h3->ifaces[0], sl, 4), 0);	/* IPv6 off */
	lab_free(lab);

	/* IPv4 only: IPv6 stays as the kernel has it, unless asked for */
	lab = load_ok(fig1, "labs/fig1.yaml");
	assert_false(lab_uses_ipv6(lab));
	assert_false(lab_instance_ipv6(lab, &lab->instances[0]));
	lab_free(lab);
	static const char on[] = "ipv6: true\ninstances:\n  a: {}\n  b: {ipv6: false}\n";
	lab = load_ok(on, "on.yaml");
	assert_true(lab_uses_ipv6(lab));
	assert_true(lab_instance_ipv6(lab, &lab->instances[0]));
	assert_false(lab_instance_ipv6(lab, &lab->instances[1]));
	lab_free(lab);

	struct lab_addr a;
	assert_true(lab_addr_parse("2001:db8::1/64", true, &a));
	assert_int_equal(a.family, AF_INET6);
	assert_true(lab_addr_parse("10.0.0.1", false, &a));
	assert_int_equal(a.prefix, 32);
	assert_false(lab_addr_parse("10.0.0.1", true, &a));
	assert_false(lab_addr_parse("10.0.0.1/33", true, &a));
	assert_false(lab_addr_parse("2001:db8::1/129", true, &a));
	assert_false(lab_addr_parse("2001:db8::1/064", true, &a));
	assert_false(lab_addr_parse("fe80::1%eth0", false, &a));

	/* A VLAN sub-interface's ip: a list of either family too; IPv6 on one makes the lab use
	 * IPv6, and is refused where IPv6 is off. */
	static const char sub[] =
	    "switches: {S1: {}}\n"
	    "instances:\n"
	    "  r1:\n"
	    "    interfaces:\n"
	    "      eth0: {switch: S1, vlans: [10]}\n"
	    "      eth0.10: {ip: [10.0.10.254/24, 2001:db8:10::fe/64]}\n";
	lab = load_ok(sub, "sub.yaml");
	assert_int_equal(lab->instances[0].subifs[0].n_addrs, 2);
	assert_addr(lab->instances[0].subifs[0].addrs[1], "2001:db8:10::fe/64");
	assert_true(lab_uses_ipv6(lab));
	char *joined = lab_addrs_join(lab->instances[0].subifs[0].addrs, 2, ",");
	assert_string_equal(joined, "10.0.10.254/24,2001:db8:10::fe/64");
	free(joined);
	lab_free(lab);
	char off[sizeof(sub) + 32];
	snprintf(off, sizeof(off), "%s    ipv6: false\n", sub);
	lab = lab_load_string(off, strlen(off), "sub.yaml", &d);
	assert_null(lab);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "sub.yaml:6:38: ip `2001:db8:10::fe/64` of interface eth0.10 of r1 "
	    "is an IPv6 address, but IPv6 is off for r1"));
	lab_diag_free(&d);
}

static void test_not_nul_terminated(void **state)
{
	(void)state;
	/* only len bytes count: the junk after them must not be read */
	static const char text[] = "instances: {a: }\nJUNK: [";
	struct lab *lab = load_ok_len(text, strlen("instances: {a: }\n"), "t.yaml");
	lab_free(lab);
}

static void test_many_mistakes(void **state)
{
	(void)state;
	static const char yaml[] =
	    "switches:\n"
	    "  S1: {mode: hub}\n"
	    "  S1: {}\n"						/* 3:3 duplicate */
	    "instances:\n"
	    "  umlA:\n"
	    "    mem: 2M\n"						/* 6:10 small */
	    "    interfaces:\n"
	    "      eth0: {switch: S9, ip: 10.0.0.1/24}\n"		/* 8:22 undefined */
	    "      eth1: {switch: S1, ip: 10.1.0.1/40}\n"		/* 9:30 prefix */
	    "    color: blue\n"					/* 10:5 unknown */
	    "  umlB:\n"
	    "    interfaces:\n"
	    "      eth0: {switch: S1, ip: 10.2.0.1/24, mac: 01:02:03:04:05:06}\n"	/* 13:48 multicast */
	    "    routes: [{to: 10.3.0.1/16, via: 10.2.0.254}]\n"	/* 14:19 host bits */
	    "    forward: sometimes\n";				/* 15:14 bool */
	static const char *want[] = {
		"m.yaml:3:3: duplicate key `S1`",
		"m.yaml:6:10: mem `2M`",
		"m.yaml:8:22: interface eth0 of umlA is on switch `S9`",
		"m.yaml:9:30: ip `10.1.0.1/40`",
		"m.yaml:10:5: unknown key `color`",
		"m.yaml:13:48: mac `01:02:03:04:05:06`",
		"m.yaml:14:19: to `10.3.0.1/16`",
		"m.yaml:15:14: forward `sometimes`",
	};
	struct lab_diag d = { 0 };
	assert_null(lab_load_string(yaml, strlen(yaml), "m.yaml", &d));
	size_t n = sizeof(want) / sizeof(want[0]);
	if (d.n != n)
		dump(&d);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++)	/* all of them, in file order */
		assert_memory_equal(d.msgs[i], want[i], strlen(want[i]));
	lab_diag_free(&d);
}

static void test_error_cap(void **state)
{
	(void)state;
	char *yaml = strdup("instances:\n");
	for (int i = 0; i < 60; i++) {
		char *more;
		assert_true(asprintf(&more, "%s  h%d: {mem: 1K}\n", yaml, i) > 0);
		free(yaml);
		yaml = more;
	}
	struct lab_diag d = { 0 };
	assert_null(lab_load_string(yaml, strlen(yaml), "cap.yaml", &d));
	assert_int_equal(d.n, 51);
	assert_non_null(strstr(d.msgs[0], "cap.yaml:2:13: mem `1K` of instance h0"));
	assert_non_null(strstr(d.msgs[49], "cap.yaml:51:14: mem `1K` of instance h49"));
	assert_string_equal(d.msgs[50], "cap.yaml: ... and 10 more mistakes (fix the ones above first)");
	lab_diag_free(&d);
	free(yaml);
}

static void test_images_and_shares(void **state)
{
	(void)state;
	/* Relative paths start at the file's directory: make one with an image and a share. */
	char dir[] = "/tmp/test_topology.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path, *img, *share, *other;
	assert_true(asprintf(&path, "%s/lab.yaml", dir) > 0);
	assert_true(asprintf(&img, "%s/root.tar", dir) > 0);
	assert_true(asprintf(&share, "%s/shared", dir) > 0);
	assert_true(asprintf(&other, "%s/other", dir) > 0);
	FILE *f = fopen(img, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mkdir(share, 0755), 0);
	assert_int_equal(mkdir(other, 0755), 0);
	static const char yaml[] =
	    "images:\n"
	    "  deb:\n"
	    "    debian: bookworm\n"
	    "    packages: [iproute2, tcpdump, iptables]\n"
	    "  net: {url: \"https://example.org/r.img\", sha256: ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789}\n"
	    "  tar: {file: ./root.tar}\n"
	    "  tiny: {busybox: }\n"
	    "  mir: {debian: trixie, mirror: \"http://127.0.0.1:9/debian\"}\n"
	    "image: deb\n"
	    "share: shared\n"
	    "instances:\n"
	    "  a:\n"
	    "  b: {image: busybox, share: none}\n"
	    "  c: {image: net, share: {dir: ./other/../other, readonly: yes}, unsafe_shared_root: true}\n"
	    "  d: {image: tar}\n";
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load(path, &d);
	dump(&d);
	assert_non_null(lab);
	assert_int_equal(lab->n_images, 6);
	assert_string_equal(lab->images[0].name, "busybox");
	assert_int_equal(lab->images[0].kind, LAB_IMAGE_BUSYBOX);
	const struct lab_image *deb = lab_image_find(lab, "deb");
	assert_ptr_equal(deb, &lab->images[1]);
	assert_int_equal(deb->kind, LAB_IMAGE_DEBIAN);
	assert_string_equal(deb->release, "bookworm");
	assert_int_equal(deb->n_packages, 3);
	assert_string_equal(deb->packages[2], "iptables");
	assert_null(deb->mirror);
	assert_null(deb->backing);
	const struct lab_image *net = lab_image_find(lab, "net");
	assert_int_equal(net->kind, LAB_IMAGE_URL);
	assert_string_equal(net->url, "https://example.org/r.img");
	assert_string_equal(net->sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	const struct lab_image *tar = lab_image_find(lab, "tar");
	assert_int_equal(tar->kind, LAB_IMAGE_FILE);
	assert_string_equal(tar->file, img);
	assert_int_equal(lab_image_find(lab, "tiny")->kind, LAB_IMAGE_BUSYBOX);
	assert_false(lab_image_find(lab, "tiny")->used);
	assert_string_equal(lab_image_find(lab, "mir")->mirror, "http://127.0.0.1:9/debian");
	assert_true(deb->used && net->used && tar->used && lab->images[0].used);
	assert_null(lab_image_find(lab, "nope"));

	assert_string_equal(lab->share.dir, share);
	assert_false(lab->share.readonly);
	const struct lab_instance *a = lab_instance_find(lab, "a"), *b = lab_instance_find(lab, "b"),
	    *c = lab_instance_find(lab, "c"), *dd = lab_instance_find(lab, "d");
	assert_int_equal(a->image, 1);		/* the lab's `image:` */
	assert_string_equal(a->share.dir, share);	/* the lab's `share:` */
	assert_int_equal(b->image, 0);
	assert_null(b->share.dir);		/* share: none */
	assert_ptr_equal(&lab->images[c->image], net);
	assert_string_equal(c->share.dir, other);	/* canonical */
	assert_true(c->share.readonly);
	assert_true(c->unsafe_shared_root);
	assert_false(a->unsafe_shared_root);
	assert_ptr_equal(&lab->images[dd->image], tar);
	lab_free(lab);
	lab_diag_free(&d);

	/* A lab without `images:` still has the built-in image. */
	lab = load_ok("instances: {a: }\n", "t.yaml");
	assert_int_equal(lab->n_images, 1);
	assert_int_equal(lab->instances[0].image, 0);
	assert_null(lab->instances[0].share.dir);
	assert_true(lab->images[0].used);
	lab_free(lab);

	unlink(path);
	unlink(img);
	rmdir(share);
	rmdir(other);
	rmdir(dir);
	free(path);
	free(img);
	free(share);
	free(other);
}

static void test_load_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_topology.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path, *rel;
	assert_true(asprintf(&path, "%s/fig-1.yml", dir) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(fig1, f);
	fclose(f);

	/* through a path with ./ and .. in it: lab->path is the real one */
	assert_true(asprintf(&rel, "%s/./../%s/fig-1.yml", dir, strrchr(dir, '/') + 1) > 0);
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load(rel, &d);
	assert_non_null(lab);
	assert_int_equal(d.n, 0);
	assert_string_equal(lab->path, path);
	assert_string_equal(lab->name, "fig-1");
	lab_free(lab);

	/* a missing file: one message with the name and strerror */
	unlink(path);
	assert_null(lab_load(path, &d));
	assert_int_equal(d.n, 1);
	char *want;
	assert_true(asprintf(&want, "%s: cannot open: No such file or directory", path) > 0);
	assert_string_equal(d.msgs[0], want);
	free(want);
	lab_diag_free(&d);

	/* a directory is a Kathara lab directory: this one has no lab.conf */
	assert_null(lab_load(dir, &d));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "there is no lab.conf"));
	lab_diag_free(&d);

	/* diag may be NULL */
	assert_null(lab_load(path, NULL));
	rmdir(dir);
	free(path);
	free(rel);
}

/* The example labs shipped in labs/ (run from the top of the tree, as `make unit` does). */
static void test_shipped_labs(void **state)
{
	(void)state;
	static const char *files[] = { "labs/fig1.yaml", "labs/routed.yaml", "labs/hub.yaml",
	    "labs/debian.yaml", "labs/shared-root.yaml", "labs/shared-root-unsafe.yaml",
	    "labs/hostfs.yaml", "labs/ipv6.yaml" };
	if (access(files[0], R_OK) != 0)
		skip();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct lab_diag d = { 0 };
		struct lab *lab = lab_load(files[i], &d);
		if (lab == NULL)
			dump(&d);
		assert_non_null(lab);
		assert_int_equal(d.n, 0);
		if (i == 0) {
			assert_string_equal(lab->name, "fig1");
			assert_int_equal(lab->n_instances, 2);
		} else if (i == 1) {
			assert_int_equal(lab->n_switches, 2);
			assert_true(lab_instance_find(lab, "r1")->forward);
		} else if (i == 2) {
			assert_int_equal(lab->switches[0].mode, LAB_SWITCH_HUB);
			assert_int_equal(lab->n_instances, 3);
		} else if (i == 3) {
			assert_int_equal(lab->images[lab_instance_find(lab, "r1")->image].kind, LAB_IMAGE_DEBIAN);
		} else if (i == 5) {
			assert_true(lab_instance_find(lab, "b")->unsafe_shared_root);
		} else if (i == 6) {
			assert_true(lab_instance_find(lab, "viewer")->share.readonly);
			assert_null(lab_instance_find(lab, "isolated")->share.dir);
			assert_non_null(strstr(lab_instance_find(lab, "worker")->share.dir, "/labs/hostfs-share"));
		}
		lab_free(lab);
	}
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static void test_default_mac(void **state)
{
	(void)state;
	uint8_t a[6], b[6];
	lab_default_mac("fig1", "umlA", "eth0", a);
	lab_default_mac("fig1", "umlA", "eth0", b);
	assert_memory_equal(a, b, 6);
	/* pinned: a MAC must not change between versions (guests and handouts remember it) */
	static const uint8_t pinned[6] = { 0x02, 0x73, 0x65, 0xb0, 0x3b, 0x16 };
	assert_memory_equal(a, pinned, 6);
	/* it is FNV-1a 64 of "lab/instance/iface", top five bytes */
	uint64_t h = fnv1a("fig1/umlA/eth0");
	for (int i = 1; i < 6; i++)
		assert_int_equal(a[i], (uint8_t)(h >> (64 - 8 * i)));

	static const char *triples[][3] = {
		{ "fig1", "umlA", "eth0" }, { "fig1", "umlA", "eth1" }, { "fig1", "umlB", "eth0" },
		{ "fig2", "umlA", "eth0" }, { "fig1u", "mlA", "eth0" }, { "a", "b", "c" },
	};
	uint8_t macs[6][6];
	for (int i = 0; i < 6; i++) {
		lab_default_mac(triples[i][0], triples[i][1], triples[i][2], macs[i]);
		assert_int_equal(macs[i][0], 0x02);	/* locally administered, unicast */
		assert_int_equal(macs[i][0] & 1, 0);
		assert_int_equal(macs[i][0] & 2, 2);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(macs[i], macs[j], 6);
	}
}

static void test_name_valid(void **state)
{
	(void)state;
	assert_true(lab_name_valid("a"));
	assert_true(lab_name_valid("Lab_1-x"));
	assert_true(lab_name_valid("abcdefghijabcdefghijabcdefghijab"));	/* 32 */
	assert_false(lab_name_valid("abcdefghijabcdefghijabcdefghijabc"));	/* 33 */
	assert_false(lab_name_valid(""));
	assert_false(lab_name_valid(NULL));
	assert_false(lab_name_valid("a b"));
	assert_false(lab_name_valid("a.b"));
	assert_false(lab_name_valid("a/b"));
	assert_false(lab_name_valid("\xc3\xa9"));
}

static void test_disks(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_topology.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path, *data, *other;
	assert_true(asprintf(&path, "%s/lab.yaml", dir) > 0);
	assert_true(asprintf(&data, "%s/data.xfs", dir) > 0);
	assert_true(asprintf(&other, "%s/other.img", dir) > 0);
	FILE *f = fopen(data, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	static const char yaml[] =
	    "instances:\n"
	    "  a:\n"
	    "    disks:\n"
	    "      - data.xfs\n"
	    "      - {file: ./other.img, readonly: true}\n"
	    "      - {size: 512M}\n"
	    "  b:\n";
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	struct lab_diag d = { 0 };
	struct lab *lab = lab_load(path, &d);
	dump(&d);
	assert_non_null(lab);
	const struct lab_instance *a = &lab->instances[0];
	assert_int_equal(a->n_disks, 3);
	assert_string_equal(a->disks[0].file, data);
	assert_false(a->disks[0].readonly);
	assert_int_equal(a->disks[0].line, 4);
	assert_string_equal(a->disks[1].file, other);
	assert_true(a->disks[1].readonly);
	assert_null(a->disks[2].file);
	assert_int_equal(a->disks[2].size_bytes, 512ULL << 20);
	assert_int_equal(lab->instances[1].n_disks, 0);
	lab_free(lab);
	lab_diag_free(&d);

	/* One writable file on two instances: UML's lock would stop the second. */
	static const char twice[] =
	    "instances:\n"
	    "  a: {disks: [data.xfs]}\n"
	    "  b: {disks: [{file: data.xfs, readonly: true}]}\n"
	    "  c: {disks: [{file: data.xfs, readonly: true}]}\n";
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(twice, f);
	fclose(f);
	memset(&d, 0, sizeof(d));
	lab = lab_load(path, &d);
	assert_null(lab);
	assert_int_equal(d.n, 2);	/* b and c: a writes it, so nobody else may even read it */
	assert_non_null(strstr(d.msgs[1], "lab.yaml:4:15: disk "));
	assert_non_null(strstr(d.msgs[1], "of c is already a disk of a at line 2"));
	assert_non_null(strstr(d.msgs[0], "lab.yaml:3:15: disk "));
	assert_non_null(strstr(d.msgs[0], "of b is already a disk of a at line 2, column 15 (expected each "
	    "writable disk file on one instance"));
	lab_diag_free(&d);
	unlink(data);
	unlink(other);
	unlink(path);
	rmdir(dir);
	free(data);
	free(other);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_startup_too_long),
		cmocka_unit_test(test_fig1),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_large_lab),
		cmocka_unit_test(test_trunks),
		cmocka_unit_test(test_vlans_links),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_routed),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_many_mistakes),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_images_and_shares),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_shipped_labs),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_disks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
