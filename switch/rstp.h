/* switch/rstp.h: rapid spanning tree (IEEE 802.1w, as 802.1D-2004 clause 17 has it) for one
 * bridge, as a pure state machine: frames and a clock in, frames, port states and address
 * table flushes out (private to switch/; depends only on libc, so tests/unit/test_rstp.c runs
 * bridges on a fake clock).
 *
 * What it does, and how it differs from the standard's state machines: bridge and port
 * priorities and path costs elect a root bridge, each bridge a root port (its best way to the
 * root) and each segment a designated port; the others are alternate (another bridge's port
 * is better) or backup (another of this bridge's own) and discard. A designated port on a
 * point-to-point link proposes, the bridge beyond agrees once it has put its own designated
 * ports out of the way (sync), and both forward at once: no forward-delay waits, so a pulled
 * cable (a port disabled) converges in a few BPDU exchanges. A port towards a legacy bridge
 * (one that sent 802.1D config or TCN BPDUs, such as Linux's bridge) speaks STP there: config
 * BPDUs, TCNs acknowledged, and forward-delay steps (discarding, learning, forwarding). Edge
 * ports (to hosts) forward at once, until a BPDU arrives on one. A port that becomes
 * forwarding on a link, or a TC received, flushes the other ports' learnt addresses and is
 * passed on (topology change). Simplified against the standard: the port role transition's
 * recent-root and recent-backup timers are replaced by putting every designated port whose
 * priority changed back to discarding (it then proposes again), which is safe and costs a
 * few milliseconds; no transmit hold count; a port that met a legacy bridge stays legacy
 * until it goes down. BPDUs are real frames (01:80:c2:00:00:00, LLC 42 42 03) that
 * Wireshark decodes. */
#ifndef UMLLAB_RSTP_H
#define UMLLAB_RSTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSTP_PORT_MAX 4095		/* port numbers are 12 bits */
#define RSTP_PRIORITY_DEFAULT 32768
#define RSTP_PORT_PRIORITY_DEFAULT 128
#define RSTP_COST_DEFAULT 20000		/* 1 Gb/s */
#define RSTP_FRAME_MAX 64		/* the longest BPDU frame it sends (padded to 60) */

enum rstp_role {
	RSTP_ROLE_DISABLED,
	RSTP_ROLE_ROOT,
	RSTP_ROLE_DESIGNATED,
	RSTP_ROLE_ALTERNATE,
	RSTP_ROLE_BACKUP,
};

enum rstp_state {
	RSTP_DISCARDING,
	RSTP_LEARNING,
	RSTP_FORWARDING,
};

struct rstp_config {
	unsigned priority;		/* 0 to 61440, a multiple of 4096 */
	uint8_t mac[6];			/* the bridge's address: its id, and BPDUs' source */
	unsigned hello_s, max_age_s, forward_delay_s;	/* 0: 2, 20, 15 */
};

/* What the bridge asks of the switch it runs in; all are called from inside
 * the rstp_* calls below, never later. */
struct rstp_ops {
	/* Send this BPDU frame (complete, padded) out of port. */
	void (*send)(void *arg, unsigned port, const unsigned char *frame, size_t len);
	/* Port's state changed: discarding ports take in only BPDUs and send
	 * nothing else; learning ports learn addresses, forward nothing. */
	void (*state)(void *arg, unsigned port, enum rstp_state state);
	/* Forget the addresses learnt on port (a topology change). */
	void (*flush)(void *arg, unsigned port);
};

struct rstp;

/* A bridge with no ports. NULL only when memory runs out. */
struct rstp *rstp_new(const struct rstp_config *cfg, const struct rstp_ops *ops, void *arg);
void rstp_free(struct rstp *r);

/* Port number (1 to RSTP_PORT_MAX) joins, down: priority 0 to 240 (a multiple
 * of 16), cost 1 to 200000000; edge: it leads to hosts, so it forwards as soon
 * as it is up (until a BPDU arrives on it). -1 for a bad number or one taken. */
int rstp_port_add(struct rstp *r, unsigned port, unsigned priority, uint32_t cost, bool edge);
void rstp_port_remove(struct rstp *r, unsigned port, uint64_t now);
/* The port's link came up (a kernel or the other switch connected, a
 * cable put back) or went down. */
void rstp_port_enable(struct rstp *r, unsigned port, bool up, uint64_t now);

/* A frame for the bridge (rstp_is_bpdu) came in on port; anything that is not
 * a BPDU it understands is ignored. */
void rstp_receive(struct rstp *r, unsigned port, const unsigned char *frame, size_t len,
    uint64_t now);
/* Timers: call when rstp_next says (now in ms, any monotonic clock). */
void rstp_tick(struct rstp *r, uint64_t now);
/* When rstp_tick is due next. */
uint64_t rstp_next(const struct rstp *r);

/* Is this a frame for the bridge (to 01:80:c2:00:00:00)? */
static inline bool rstp_is_bpdu(const unsigned char *frame, size_t len)
{
	return len >= 14 && frame[0] == 0x01 && frame[1] == 0x80 && frame[2] == 0xc2 &&
	    frame[3] == 0 && frame[4] == 0 && frame[5] == 0;
}

/* A bridge id as its priority and address: priority << 48 | MAC. */
struct rstp_info {
	uint64_t bridge_id, root_id;
	uint32_t root_cost;
	unsigned root_port;		/* 0: this bridge is the root */
	unsigned hello_s, max_age_s, forward_delay_s;	/* the root's, which every bridge uses */
	uint64_t topology_changes;	/* in all */
	uint64_t last_change;		/* when the last one began (the clock's ms); 0: never */
};

struct rstp_port_info {
	unsigned port;
	uint16_t port_id;		/* priority << 8 | number */
	uint32_t cost;
	bool enabled, edge, legacy;	/* legacy: it speaks STP (802.1D) to an old bridge */
	enum rstp_role role;
	enum rstp_state state;
	uint64_t designated_root, designated_bridge;
	uint32_t designated_cost;
	uint16_t designated_port;
	uint64_t bpdus_in, bpdus_out;
};

void rstp_get_info(const struct rstp *r, struct rstp_info *info);
/* Port number port; false when it has none. */
bool rstp_get_port(const struct rstp *r, unsigned port, struct rstp_port_info *info);

const char *rstp_role_name(enum rstp_role role);
const char *rstp_state_name(enum rstp_state state);

#endif
