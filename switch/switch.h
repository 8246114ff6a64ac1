/* switch/switch.h: a virtual Ethernet switch speaking the uml_switch daemon
 * protocol, running in a thread of its own.
 *
 * A stock linux.uml with `ethN=daemon,MAC,unix,CTL_PATH` plugs into it; the
 * lab's own kernels plug into cables instead (switch_cable_open). In
 * learning mode frames go only to the port that owns the destination MAC
 * (unknown and broadcast destinations are flooded); in hub mode every frame
 * goes to every other port. */
#ifndef UMLLAB_SWITCH_H
#define UMLLAB_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "switch/linkcond.h"

#define SWITCH_MAX_PORTS 256	/* kernels on one switch, cables and daemon-protocol ports */

enum switch_mode {
	SWITCH_MODE_LEARNING,
	SWITCH_MODE_HUB,
};

struct switch_info {
	unsigned ports;		/* ports plugged in now */
	uint64_t frames_in;	/* frames received from ports */
	uint64_t frames_out;	/* frames delivered to ports */
	uint64_t frames_dropped;	/* deliveries that failed (queue full, port gone) */
	uint64_t vlan_dropped;	/* frames refused for their VLAN: a tag the port does not
				 * carry, or no tag on a trunk without a native VLAN */
	uint64_t flood_limited;	/* floods past the storm budget, in all (their ports were held) */
	bool storm;		/* the storm budget was passed in the last second: */
	uint64_t storm_fps;	/* then, the frames per second the switch took in, */
	unsigned storm_group_pct;	/* and the share of them that were broadcast or multicast */
};

/* The storm budget: a switch floods (broadcast, multicast, unknown unicast;
 * in hub mode broadcast and multicast) at most about this many frames a
 * second, counted per fiftieth of a second. A port whose frames go past it
 * is not read for the rest of that fiftieth: its frames wait in its socket,
 * nothing is dropped. A loop of cables between switches without spanning
 * tree makes a storm, as on real switches, but a bounded one. */
#define SWITCH_FLOOD_BUDGET 10000

struct sw;

/* Listen on ctl_path (a stale socket there is replaced) and start the
 * forwarding thread. NULL with *cause set on failure (path too long, bind
 * failed, ...); nothing is left behind then. */
struct sw *switch_start(const char *name, const char *ctl_path, enum switch_mode mode,
    char **cause);

/* Open a cable named name (e.g. "umlA.eth0"): a SOCK_SEQPACKET socket at
 * path (a stale file there is replaced; put it in a private directory) that
 * one kernel's vector device connects to with `vecN:transport=bess,dst=path`.
 * Each packet is one Ethernet frame. A new connection replaces the cable's
 * current one; only the switch owner's uid may connect. -1 with *cause when
 * the name is taken, the switch is full (SWITCH_MAX_PORTS) or the socket
 * cannot be made. These three calls are made from another thread than the
 * switch's, never from two at once. */
int switch_cable_open(struct sw *sw, const char *name, const char *path, char **cause);

/* The same, with an owner: a number the caller chooses (not 0) that taps
 * report with every frame from or to this cable (switch_tap_frame.owner), so
 * that frames are attributed by it and never by splitting a port's name.
 * switch_cable_open's cables, trunks and daemon-protocol ports have owner 0. */
int switch_cable_open_owned(struct sw *sw, const char *name, uint32_t owner, const char *path,
    char **cause);

/* Cable switches a and b (two threads of this process) together: a port on
 * each, a cable named name_a on a and name_b on b (S1.S2 and S2.S1), with
 * link state, conditions, VLANs and taps like a kernel's cable, but no
 * socket file; both ends have owner (0 for none), which taps report.
 * Neither switch thread ever waits for the other. Close each end with
 * switch_cable_close (or by stopping its switch). -1 with *cause when a
 * name is taken or a switch is full. */
int switch_link_open(struct sw *a, const char *name_a, struct sw *b, const char *name_b,
    uint32_t owner, char **cause);

/* Return once the switch thread has finished what it was doing: every
 * frame it sent before, and the tap records of those frames, are done (a
 * reader of taps judging what was delivered drains after this). */
void switch_sync(struct sw *sw);

/* Unplug the cable's kernel, close the socket and remove its file. */
void switch_cable_close(struct sw *sw, const char *name);

/* Pull the cable out (up = false) or put it back: while it is out, the
 * switch drops its frames both ways. It holds across reconnects (a restarted
 * kernel) and before the first frame. -1 with *cause for an unknown cable. */
int switch_cable_set_link(struct sw *sw, const char *name, bool up, char **cause);

/* ---- VLANs (IEEE 802.1Q) ----
 *
 * Every port starts as an access port of VLAN 1, and while every port of a
 * switch is so, the switch knows no VLANs at all: tagged frames pass as
 * they are, and forwarding costs what it did before VLANs. Once a port has
 * other VLANs, the switch is VLAN-aware: its address table is per VLAN,
 * floods stay inside their VLAN, an access port sends and takes untagged
 * frames of its VLAN only, and a trunk sends and takes its VLANs' frames
 * with their tag (its native VLAN's without). A frame with a tag its port
 * does not carry, or without a tag on a trunk that has no native VLAN, is
 * dropped and counted (vlan_dropped). Tags are added and removed without
 * copying the frame (the send gathers its pieces). */

#define SWITCH_VLAN_MAX 4094

struct switch_vlans {
	uint16_t access;	/* an access port's VLAN (1 to 4094); 0: a trunk */
	uint16_t native;	/* a trunk's VLAN sent and taken untagged; 0: none */
	uint64_t tagged[64];	/* a trunk's tagged VLANs: bit v % 64 of word v / 64 */
};

/* The default: VLAN 1, untagged. */
void switch_vlans_default(struct switch_vlans *v);
/* True when the port v describes carries VLAN vid (tagged or not). */
bool switch_vlans_carries(const struct switch_vlans *v, unsigned vid);
/* "access 10", "trunk 10,20-22 native 1" (malloc'd). */
char *switch_vlans_format(const struct switch_vlans *v);
/* The same text back (or a bare number, an access port). -1 with *cause. */
int switch_vlans_parse(const char *text, struct switch_vlans *v, char **cause);

/* Give cable name (a kernel's, or a link's end) these VLANs; they hold
 * across reconnects, like its link state. Its learnt addresses are
 * forgotten. -1 with *cause for an unknown cable, a hub (a hub has no
 * VLANs), or VLANs out of range. */
int switch_cable_set_vlans(struct sw *sw, const char *name, const struct switch_vlans *v,
    char **cause);

/* ---- what a switch shows: its ports and its address table ---- */

struct switch_port_info {
	const char *name;	/* the cable's, link's or trunk's name, or SWITCH.portN for a
				 * daemon-protocol port; valid until the switch stops */
	uint32_t owner;		/* its cable's owner (switch_cable_open_owned), or 0 */
	bool cable;		/* a cable or a link's end: it stays when nothing is connected */
	bool link;		/* a link's end: the other switch is plugged in there */
	bool connected;		/* a kernel (or the other switch) is connected now */
	bool link_down;		/* pulled out (switch_cable_set_link) */
	struct switch_vlans vlans;
	uint64_t vlan_dropped;	/* frames it sent that were refused for their VLAN */
	/* A cable's counters, as switch_cable_get_conditions counts them (0 on
	 * other ports): frames the switch passed into it and took from it, and
	 * what its conditions dropped (lost, over a limit, the MTU, flushed). */
	uint64_t frames_to, frames_from, frames_dropped;
};

/* Every port: cables and links (connected or not), trunks and
 * daemon-protocol ports, by name. *ports is malloc'd (free it); any thread
 * but the switch's. */
int switch_ports_get(struct sw *sw, struct switch_port_info **ports, unsigned *n, char **cause);

struct switch_fdb_entry {
	uint8_t mac[6];
	uint16_t vid;		/* 0 while the switch knows no VLANs */
	const char *port;	/* the port's name, as in switch_port_info */
	uint64_t age_ms;	/* since a frame from it was last seen */
};

/* The address table now, sorted by VLAN then MAC (aged entries left out);
 * *entries malloc'd. A hub has none. */
int switch_fdb_get(struct sw *sw, struct switch_fdb_entry **entries, unsigned *n, char **cause);

/* ---- spanning tree (rapid, IEEE 802.1w: switch/rstp.h) ----
 *
 * Every cable (a kernel's, a link's end) is a port of the switch's bridge;
 * trunks and daemon-protocol ports are not (they always forward). A port
 * that spanning tree keeps discarding takes in only BPDUs; one learning
 * learns and forwards nothing. BPDUs go out and come in as real frames
 * (cable taps see them). Kernels' cables are edge ports by default: they
 * forward at once, until a BPDU arrives there (a bridge inside the guest). */

struct switch_stp_config {
	unsigned priority;	/* 0 to 61440, a multiple of 4096 */
	uint8_t mac[6];		/* the bridge's address (with the priority, its id) */
};

/* Start spanning tree on the switch (once). -1 with *cause on a hub, or
 * when it runs already. */
int switch_stp_start(struct sw *sw, const struct switch_stp_config *cfg, char **cause);

/* Cable name's spanning tree port: path cost (1 to 200000000), port
 * priority (0 to 240, a multiple of 16), edge (it leads to hosts). Before
 * or after switch_stp_start; the default is cost 20000, priority 128, edge
 * for a kernel's cable and not for a link's end. */
int switch_cable_set_stp(struct sw *sw, const char *name, uint32_t cost, unsigned priority,
    bool edge, char **cause);

/* A bridge id: priority << 48 | MAC. */
struct switch_stp_info {
	bool on;
	uint64_t bridge_id, root_id;
	uint32_t root_cost;
	const char *root_port;		/* its name; NULL: this switch is the root */
	unsigned hello_s, max_age_s, forward_delay_s;	/* the root's times, which it runs on */
	uint64_t topology_changes;
	uint64_t since_change_ms;	/* since the last began; UINT64_MAX: none yet */
};

struct switch_stp_port {
	const char *name;		/* the cable's (valid until the switch stops) */
	unsigned number;
	uint16_t port_id;		/* priority << 8 | number */
	uint32_t cost;
	bool enabled, edge, legacy;	/* legacy: it speaks 802.1D STP to an old bridge */
	const char *role;		/* root, designated, alternate, backup, disabled */
	const char *state;		/* forwarding, learning, discarding */
	uint64_t designated_bridge;
	uint32_t designated_cost;
	uint16_t designated_port;
	uint64_t bpdus_in, bpdus_out;
};

/* The bridge, and its ports by name (*ports malloc'd; NULL and 0 when spanning
 * tree is off). Any thread but the switch's. */
int switch_stp_get(struct sw *sw, struct switch_stp_info *info, struct switch_stp_port **ports,
    unsigned *n, char **cause);

/* ---- link conditions on a cable (switch/linkcond.h) ----
 *
 * Frames a cable's kernel sends go through its `out` conditions before the
 * switch forwards them; frames for it go through its `in` conditions. Held
 * frames wait in the switch thread, which a timer wakes when the next one is
 * due: a cable's conditions never hold up another cable's frames, and with
 * none set forwarding only tests one pointer per port. Conditions belong to
 * the cable, like its link state: they hold across reconnects. */

struct bpf_program;

/* Replace the cable's conditions (both directions) with c. in_match and
 * out_match are c->in.match and c->out.match compiled by libpcap for
 * Ethernet (NULL when that direction has no match or drop expression).
 * -1 with *cause for an unknown cable or a program that is not valid. */
int switch_cable_set_conditions(struct sw *sw, const char *name, const struct linkcond_pair *c,
    const struct bpf_program *in_match, const struct bpf_program *out_match, char **cause);

/* The cable's conditions as set, and what it did to each direction's frames
 * so far (stats[0]: in, stats[1]: out), with conditions or without: frames
 * that crossed with none set count as passed. */
int switch_cable_get_conditions(struct sw *sw, const char *name, struct linkcond_pair *c,
    struct linkcond_stats stats[2], char **cause);

/* The cable's counters from 0 again (frames held stay held). */
int switch_cable_reset_counters(struct sw *sw, const char *name, char **cause);

/* Memory: one direction of a cable holds LINKCOND_QUEUE_BYTES of frames at
 * most, and the queues of every switch in this process (a supervisor runs
 * one lab) hold bytes together (0: LINKCOND_LAB_BYTES, the default); frames
 * past either are dropped and counted (overmemory). Clearing conditions
 * sends what was held at once; a link going down, or its kernel leaving,
 * drops it. Any thread (tests lower it). */
void switch_conditions_cap(uint64_t bytes);

/* ---- taps: copies of the frames a switch carries, for capture ----
 *
 * A tap copies frames into a ring that another thread reads. The switch never
 * waits for that reader: a frame the ring has no room for is counted as
 * dropped and not copied. With no tap open, forwarding does nothing more
 * than test one counter per batch. */

struct bpf_insn;

#define SWITCH_TAP_SNAPLEN 1536	/* the longest frame a switch carries */

enum switch_tap_dir {
	SWITCH_TAP_IN = 1,	/* the switch received it from that port (the kernel sent it) */
	SWITCH_TAP_OUT = 2,	/* the switch sent it to that port */
};

struct switch_tap_opts {
	const char *cable;	/* a cable's frames both ways, by name (it need not exist
				 * yet: it applies whenever a cable of that name is open),
				 * or a trunk's (its name, such as S1.trunk0; frames
				 * without their VXLAN header);
				 * NULL: every frame the switch receives, once */
	bool deliveries;		/* with cable NULL: instead, every frame the switch
					 * handed to a port, once per port, after that
					 * port's `in` conditions and once its socket took
					 * it (a frame dropped before is not there) */
	const struct bpf_insn *filter;	/* keep only frames it accepts (libpcap's bpf_filter) */
	unsigned filter_len;		/* instructions; 0: every frame */
	unsigned ring_frames;		/* room for this many frames (a power of two) */
};

/* One frame read from a tap; data and port stay valid until the next
 * switch_tap_next on that tap (port until the switch is stopped). */
struct switch_tap_frame {
	uint64_t ts_ns;			/* CLOCK_REALTIME */
	const char *port;		/* the cable's name, or "S1.portN" for a daemon-protocol port */
	uint32_t owner;			/* port's owner (switch_cable_open_owned), 0 for none */
	const char *from;		/* a delivery: the port the frame came in on (like
					 * port); NULL when not known (it was held by port's
					 * cable's conditions, which keep no origin) */
	uint32_t from_owner;
	enum switch_tap_dir dir;		/* a delivery is SWITCH_TAP_OUT */
	uint32_t len;
	const unsigned char *data;
};

struct switch_tap;

/* Open a tap (safe from the thread that owns the lab, like cables). Its fd
 * (switch_tap_fd) becomes readable when frames wait after
 * switch_tap_next returned false. NULL with *cause when the switch has too
 * many taps or the filter is not valid. */
struct switch_tap *switch_tap_open(struct sw *sw, const struct switch_tap_opts *o, char **cause);
int switch_tap_fd(const struct switch_tap *tap);

/* The next frame, or false when none waits now (the fd then wakes the reader
 * for the next one; read the fd to clear it). */
bool switch_tap_next(struct switch_tap *tap, struct switch_tap_frame *f);

/* Frames copied into the ring so far, and frames not copied because it was full. */
void switch_tap_counts(const struct switch_tap *tap, uint64_t *captured, uint64_t *dropped);

/* The tap of a cable that was unplugged from switch from and plugged into
 * switch to (by the same name) follows it; the frames it holds stay. -1 with
 * *cause (the tap still on from) when to has too many taps. */
int switch_tap_move(struct sw *from, struct sw *to, struct switch_tap *tap, char **cause);

void switch_tap_close(struct sw *sw, struct switch_tap *tap);

/* ---- trunks: ports to switches of other labs, over VXLAN (switch/vxlan.h) ----
 *
 * A trunk is one port of the switch: a UDP socket bound to `listen`. Frames
 * the switch sends it go to `remote` in VXLAN packets of its VNI; datagrams
 * that come from `remote` with that VNI are switched like frames from any
 * port (learned on the trunk, never sent back out of it). Anything else that
 * arrives is counted and dropped. Sends never block: a frame the socket does
 * not take is counted and dropped. Whole-switch taps see frames from a trunk
 * as coming in on port NAME. */

struct vxlan_addr;

#define SWITCH_TRUNKS_MAX 16	/* trunks on one switch */

struct switch_trunk_info {
	const char *name;		/* as opened; valid until the switch stops */
	char listen[64], remote[64];	/* "IP:PORT", "[IPV6]:PORT" */
	uint32_t vni;
	uint64_t frames_in;		/* frames from the remote, switched */
	uint64_t frames_out;		/* frames sent to the remote */
	uint64_t dropped_in;		/* datagrams refused (other sender or VNI, bad header or size) */
	uint64_t dropped_out;		/* frames the socket did not take */
};

/* Open trunk name (e.g. "S1.trunk0"): bind listen and plug it in as a port.
 * Called like switch_cable_open, from the thread that owns the lab. -1 with
 * *cause when listen is not an address of this host (getifaddrs; checked
 * before binding), cannot be bound (in use), the switch has
 * SWITCH_TRUNKS_MAX trunks or is full. */
int switch_trunk_open(struct sw *sw, const char *name, const struct vxlan_addr *listen,
    const struct vxlan_addr *remote, uint32_t vni, char **cause);

/* Trunks opened so far, and one's counters (0 <= i < count); any thread. */
unsigned switch_trunk_count(struct sw *sw);
void switch_trunk_get_info(struct sw *sw, unsigned i, struct switch_trunk_info *info);

/* Counters, safe to call from any thread while the switch runs. */
void switch_get_info(struct sw *sw, struct switch_info *info);

const char *switch_name(const struct sw *sw);
const char *switch_ctl_path(const struct sw *sw);
enum switch_mode switch_mode(const struct sw *sw);

/* Stop the thread, close every port, remove the control socket, free sw. */
void switch_stop(struct sw *sw);

#endif
