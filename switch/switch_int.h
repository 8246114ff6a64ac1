/* switch/switch_int.h: what the switch's own files share (never included from outside switch/).
 *
 * One switch is one thread (switch.c: its loop, the calls other threads make
 * into it, start and stop). Its other files each take one concern: port.c
 * the daemon-protocol ports (control sockets, handshake, plugging), forward.c
 * forwarding (a batch from receive to flush, backlogs, backpressure), tap.c
 * taps (both sides of the ring), cond.c link conditions on cables (held
 * frames, the timer), cable.c cables and trunks as ports, vlan.c VLANs (a
 * port's, the switch's mode of forwarding) and what a switch shows of its
 * ports and address table. All of them work on
 * the structs below, owned by the switch thread unless a field says
 * otherwise. The small helpers that the per-frame path shares with other
 * files are static inline here, so the split adds no call to forwarding. */
#ifndef UMLLAB_SWITCH_INT_H
#define UMLLAB_SWITCH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include "switch/daemon_proto.h"
#include "switch/linkcond.h"
#include "switch/switch.h"

struct fdb;
struct trunk;
struct cond_filter;
struct rstp;

#define SWITCH_BATCH 64			/* frames per batch (recvmmsg, sendmmsg) */
#define SWITCH_BATCH_ROOM 16		/* a port is read into a batch with this much room left */
#define SWITCH_FRAME_MIN 14		/* an Ethernet header */
#define SWITCH_FRAME_MAX 1536		/* 1514 plus VLAN/MPLS room (UML allows MTU + 26) */
#define SWITCH_BUF_SIZE 2048		/* bigger datagrams come back MSG_TRUNC */
#define SWITCH_HANDSHAKE_MS 5000
#define SWITCH_EVENTS 64
#define SWITCH_ACCEPT_BURST 16
#define SWITCH_ACCEPT_PAUSE_MS 100	/* out of fds: stop accepting for a while, do not spin */
#define SWITCH_BACKLOG 128		/* frames held for a full receiver */
#define SWITCH_BACKLOG_PAUSE 32		/* its senders are paused once it holds this many */
#define SWITCH_STALL_MS 50		/* a backlog that moves for this long: its receiver is congested */
#define SWITCH_WORDS (SWITCH_MAX_PORTS / 64)
#define LABEL_MAX 96
#define SWITCH_TAPS_MAX 32		/* captures open on one switch at once */
#define SWITCH_TAP_RING_MAX (1u << 16)
#define SWITCH_TAP_LINGER_MS 10		/* a waiting reader is woken this long after the first
					 * frame it has not seen, */
#define SWITCH_TAP_WAKE_SHARE 8		/* or at once when its ring is this share full (1/8) */
#define SWITCH_STORM_WINDOW_MS 20	/* the storm budget is counted per window (shorter than
					 * SWITCH_STALL_MS: a held port's senders never stall) */
#define SWITCH_STORM_WINDOWS 50		/* windows a second: its rates are published per second */
#define ETH_P_8021Q_HI 0x81		/* 0x8100, an 802.1Q tag */
#define ETH_P_8021Q_LO 0x00

enum switch_ev_kind {
	SWITCH_EV_LISTEN,
	SWITCH_EV_WAKE,
	SWITCH_EV_CTL,
	SWITCH_EV_DATA,
	SWITCH_EV_CALL,
	SWITCH_EV_CABLE,
	SWITCH_EV_TIMER,
};

/* What an epoll event points at. */
struct switch_ev {
	enum switch_ev_kind kind;
	struct switch_port *port;
	struct switch_cable *cable;
};

/* A cable: a listening SOCK_SEQPACKET socket, and the port connected to it now. */
struct switch_cable {
	struct switch_ev ev;
	char *name;
	char *path;
	int listen_fd;
	dev_t dev;		/* the socket file we made, to remove only that one */
	ino_t ino;
	bool link_down;		/* its frames are dropped both ways */
	uint32_t owner;		/* the caller's id for it (switch_cable_open_owned), or 0 */
	/* Link conditions, [COND_IN] on frames to the kernel, [COND_OUT] on
	 * frames from it; a queue stays while it holds frames, even after its
	 * conditions are cleared (cond_on false). */
	struct linkcond_queue *cond[2];
	bool cond_on[2];
	struct linkcond_pair conds;	/* what was set, as it was set */
	/* What its earlier ports and freed queues counted (held unused): the
	 * counters outlive both, until `link ... reset` (switch_cond_reset). */
	struct linkcond_stats counted[2];
	const char *label;	/* its name, interned: what taps record */
	struct switch_tap *taps;	/* taps on this cable (next_on_cable) */
	struct switch_port *port;	/* NULL while nothing is connected */
	struct switch_cable *next;
	bool link;		/* an end of a link to another switch: no socket file */
	unsigned stp_no;	/* its spanning tree port number (1..): switch/stp.c */
	uint32_t stp_cost;
	unsigned stp_priority;
	bool stp_edge;
	int link_fd;		/* a link's end until the switch thread plugs it in, else -1 */
	struct switch_vlans vlans;	/* its port's VLANs (switch_vlans_default) */
	bool vlans_set;		/* not the default: the switch is VLAN-aware */
	uint64_t vlan_drops;	/* frames refused for their VLAN by its ports gone before */
};

/* A request from another thread, answered by the switch thread. */
enum switch_call_op {
	SWITCH_CALL_CABLE_ADD,
	SWITCH_CALL_CABLE_CLOSE,
	SWITCH_CALL_CABLE_LINK,
	SWITCH_CALL_TAP_ADD,
	SWITCH_CALL_TAP_REMOVE,
	SWITCH_CALL_SYNC,
	SWITCH_CALL_CABLE_COND_SET,
	SWITCH_CALL_CABLE_COND_GET,
	SWITCH_CALL_TRUNK_ADD,
	SWITCH_CALL_CABLE_VLANS,
	SWITCH_CALL_PORTS,
	SWITCH_CALL_FDB,
	SWITCH_CALL_STP_START,
	SWITCH_CALL_CABLE_STP,
	SWITCH_CALL_STP_GET,
};

enum { COND_IN, COND_OUT };

/* A port as tap records name it: its interned label and its owner, which
 * outlive the port (a backlog keeps where its frames came from). */
struct tap_port {
	const char *label;	/* NULL: not known */
	uint32_t owner;
};

/* One frame in a tap's ring. */
struct tap_slot {
	uint64_t ts_ns;
	const char *port;	/* an interned label: lives as long as the switch */
	uint32_t owner;
	uint32_t from_owner;
	const char *from;	/* deliveries: where it came in, or NULL */
	uint32_t len;
	uint32_t dir;
	unsigned char data[SWITCH_TAP_SNAPLEN];
};

/* A single-producer (the switch thread), single-consumer ring of frames. */
struct switch_tap {
	char *cable;			/* the target cable, or NULL for the whole switch */
	bool deliveries;		/* whole switch: what it handed to ports */
	struct bpf_insn *filter;
	unsigned filter_len;
	struct tap_slot *ring;
	uint32_t mask;
	_Atomic uint32_t head;		/* next slot the switch fills */
	_Atomic uint32_t tail;		/* next slot the reader reads */
	_Atomic bool armed;		/* the reader found the ring empty and waits on fd */
	int fd;				/* eventfd */
	bool holding;			/* reader: the slot at tail is lent out */
	_Atomic uint64_t captured;	/* single writer: the switch thread */
	_Atomic uint64_t dropped;
	bool touched;			/* switch thread: filled, its reader not woken yet */
	struct switch_tap *next;	/* sw->taps */
	struct switch_tap *next_on_cable;
	struct switch_tap **on;		/* the list it is linked into now (a cable's or a
					 * trunk port's taps), or NULL */
};

struct switch_call {
	enum switch_call_op op;
	struct switch_cable *cable;	/* CABLE_ADD */
	struct switch_tap *tap;		/* TAP_ADD, TAP_REMOVE */
	struct trunk *trunk;		/* TRUNK_ADD */
	const char *name;		/* CABLE_CLOSE, CABLE_LINK, CABLE_COND_* */
	bool up;			/* CABLE_LINK */
	struct linkcond_pair *cond;	/* CABLE_COND_SET (in), CABLE_COND_GET (out) */
	struct cond_filter *filters[2];	/* CABLE_COND_SET: taken over by the switch */
	struct linkcond_stats *stats;	/* CABLE_COND_GET: [COND_IN], [COND_OUT] */
	bool reset;			/* CABLE_COND_GET: then its counters start again from 0 */
	const struct switch_vlans *vlans;	/* CABLE_VLANS */
	struct switch_port_info *ports;	/* PORTS (out, malloc'd) */
	struct switch_fdb_entry *fdb;	/* FDB (out, malloc'd) */
	unsigned n;			/* PORTS, FDB, STP_GET: how many */
	const struct switch_stp_config *stp_cfg;	/* STP_START */
	uint32_t stp_cost;		/* CABLE_STP */
	unsigned stp_priority;
	bool stp_edge;
	struct switch_stp_info *stp_info;	/* STP_GET (out) */
	struct switch_stp_port *stp_ports;	/* STP_GET (out, malloc'd) */
	int rc;
	char *cause;
	bool done;
};

struct switch_port {
	struct switch_ev ev_ctl;
	struct switch_ev ev_data;
	int slot;		/* index in sw->slots; the port id in the fdb */
	int ctl_fd;
	int data_fd;		/* -1 until plugged */
	bool plugged;		/* handshake done */
	bool dead;		/* unplugged; freed at the end of the loop turn */
	unsigned active_idx;	/* index in sw->active while plugged */
	uint64_t deadline;	/* handshake must be complete by then (ms) */
	size_t req_len;
	unsigned char req[DAEMON_REQ_SIZE];
	struct switch_port *next_dead;
	struct switch_cable *cable;	/* a cable's port: no ctl_fd, data_fd is the connection */
	unsigned txn;		/* frames queued for this port in this batch */
	struct mmsghdr tx[SWITCH_BATCH];
	uint8_t txi[SWITCH_BATCH];	/* each queued frame's index in the batch (sw->rx_src) */
	uint32_t ev_mask;	/* the data socket's epoll events now */

	/* Backpressure (see the top of switch/forward.c). */
	unsigned waiting;	/* backlogs of other ports this one waits on; reading paused while > 0 */
	bool congested;		/* the receiver stalled: its senders are not paused, and frames
				 * for it are dropped while its backlog is full */
	unsigned bl_head;	/* the oldest frame in bl */
	unsigned bl_count;
	uint64_t bl_moved;	/* when the backlog last filled from empty or sent a frame (ms) */
	unsigned char (*bl)[SWITCH_FRAME_MAX];	/* allocated at first need */
	uint16_t bl_len[SWITCH_BACKLOG];
	uint64_t waiters[SWITCH_WORDS];	/* slots of the ports paused on this backlog */
	uint64_t feeders[SWITCH_WORDS];	/* slots of the ports that fed it since it was empty */

	bool link_down;		/* its cable is out: its frames are dropped both ways */
	/* Its cable's queues while they have conditions, else NULL: the only
	 * thing forwarding looks at when no condition is set. */
	struct linkcond_queue *cond_to;		/* frames the switch sends it */
	struct linkcond_queue *cond_from;	/* frames it sends */
	/* Frames that crossed while no conditions were set (a queue counts the
	 * others): a plain increment on forwarding's path, read and folded into
	 * its cable's counters by the switch thread only (switch_cond_get). */
	uint64_t passed_to, passed_from;
	const char *label;	/* what taps record: the cable's name, or SWITCH.portN */
	uint32_t owner;		/* its cable's owner, else 0 */
	struct trunk *trunk;	/* a trunk's port: data_fd is its UDP socket (the trunk's) */
	struct switch_tap **taps;	/* the taps on it by name: its cable's, or trunk_taps */
	struct switch_tap *trunk_taps;
	struct iovec (*tiov)[4];	/* a trunk's: per queued frame, its header and the frame
					 * (in up to 3 pieces when a VLAN tag is added or removed) */
	/* Where each backlog frame came in (taps of deliveries), apart from
	 * what forwarding reads per frame. */
	struct tap_port bl_from[SWITCH_BACKLOG];

	/* VLANs, read only on the full path (sw->fwd == SWITCH_FWD_FULL). */
	uint16_t pvid;			/* untagged frames' VLAN: the access VLAN or the
					 * trunk's native one; 0: untagged frames are refused */
	const uint64_t *tagged;		/* a trunk's tagged VLANs (its cable's bitmap);
					 * NULL: an access port */
	uint64_t vlan_drops;		/* frames it sent that were refused for their VLAN */
	uint8_t stp_state;		/* enum switch_stp_state: may it forward, learn */
	bool storm_held;		/* not read until the storm window ends (one `waiting`) */
};

/* How a port's frames fare under spanning tree (forwarding unless it says otherwise). */
enum switch_stp_state {
	SWITCH_STP_FORWARDING = 0,
	SWITCH_STP_LEARNING,	/* learns from what it takes in, forwards nothing */
	SWITCH_STP_DISCARDING,	/* takes in only BPDUs, sends nothing but them */
};

/* How forwarding decides, chosen per switch whenever its ports change
 * (switch_fwd_update): the plain learning path pays nothing for VLANs or
 * spanning tree, which take the full path. */
enum switch_fwd {
	SWITCH_FWD_LEARNING,	/* one table, every port in it: as before VLANs */
	SWITCH_FWD_HUB,		/* every frame to every other port */
	SWITCH_FWD_FULL,	/* VLANs, spanning tree states, BPDUs */
};

/* Frame i of a batch with its 802.1Q tag added or removed: the pieces a
 * send gathers (built once per frame, when a destination wants it). */
struct switch_vx {
	struct iovec iov[3];
	unsigned char tag[4];
	unsigned n;		/* pieces */
	unsigned gen;		/* built for frame i of batch sw->vx_gen */
};

struct sw {
	char *name;
	char *ctl_path;
	enum switch_mode mode;
	int listen_fd;
	int epoll_fd;
	int wake_fd;
	dev_t ctl_dev;
	ino_t ctl_ino;
	pthread_t thread;
	struct fdb *fdb;	/* learning mode only */
	enum switch_fwd fwd;	/* how dispatch forwards: switch_fwd_update */
	bool vlan_aware;	/* some cable has VLANs that are not the default */
	struct rstp *stp;	/* spanning tree, or NULL: switch/stp.c */
	unsigned stp_next_no;	/* the next cable's spanning tree port number */
	struct switch_ev ev_listen;
	struct switch_ev ev_wake;
	struct switch_ev ev_call;
	int call_fd;		/* eventfd: a switch_call is waiting */
	pthread_mutex_t call_lock;
	pthread_cond_t call_cond;
	struct switch_call *call;	/* the pending call, under call_lock */
	struct switch_cable *cables;	/* switch thread only */
	unsigned ncables;
	struct switch_tap *taps;	/* switch thread only */
	unsigned ntaps;
	unsigned ndeliver;		/* taps of them that record deliveries */
	uint64_t tap_ts;		/* this batch's time, while taps are open */
	struct switch_tap *touched[SWITCH_TAPS_MAX];
	unsigned ntouched;
	uint64_t tap_due;		/* when the readers of touched taps are woken (ms); 0: none wait */
	struct label *labels;		/* interned port names, freed with the switch */
	int timer_fd;			/* timerfd: the next held frame is due */
	struct switch_ev ev_timer;
	uint64_t timer_at;		/* what timer_fd is set to (ns); UINT64_MAX: disarmed */
	bool cond_dirty;		/* a queue changed: set timer_fd again */
	uint64_t cond_peak;		/* the most its queues held since memory was last
					 * given back (bytes; switch_cond_trim) */
	uint64_t now_ns;		/* this turn's time for conditions; 0: not read yet */

	/* Owned by the switch thread once it runs. */
	struct switch_port *slots[SWITCH_MAX_PORTS];
	unsigned nslots;	/* slots in use: pending and plugged */
	unsigned npending;
	struct switch_port *active[SWITCH_MAX_PORTS];	/* plugged ports, dense, for flooding */
	unsigned nactive;
	struct switch_port *dirty[SWITCH_MAX_PORTS];	/* ports with queued frames */
	unsigned ndirty;
	struct switch_port *graveyard;
	/* Set by the owner's thread once the switch thread has plugged it in;
	 * never removed before switch_stop, so any thread may read them. */
	struct trunk *trunks[SWITCH_TRUNKS_MAX];
	_Atomic unsigned ntrunks;
	struct sockaddr_storage rx_from[SWITCH_BATCH];	/* a trunk's senders */
	uint64_t accept_resume;	/* nonzero: listening paused until then (ms) */
	unsigned nbacklog;	/* ports with frames in their backlog */
	struct mmsghdr rx[SWITCH_BATCH];
	struct iovec rx_iov[SWITCH_BATCH];
	/* The batch: frames read this loop turn, from every port that was
	 * ready, sent together (switch_flush) before anything else runs. */
	unsigned nrx;		/* frames of the batch so far (sw->buf[0..nrx)) */
	struct switch_port *rx_src[SWITCH_BATCH];	/* where each came in */
	uint64_t rx_now;	/* the batch's time (ms) */
	struct iovec tx_iov[SWITCH_BATCH];	/* the received frames, at their lengths */
	unsigned char (*buf)[SWITCH_BUF_SIZE];
	struct switch_vx vx[SWITCH_BATCH];	/* the full path: frames re-tagged */
	unsigned vx_gen;	/* the batch vx[] was built for (switch_flush moves it on) */
	unsigned last_vid;	/* the full path: the VLAN last_src was learnt in */
	unsigned char flat[SWITCH_BUF_SIZE];	/* a re-tagged frame in one piece, for copies */

	/* The storm budget (forward.c). */
	uint64_t storm_win;	/* this window's start (ms) */
	unsigned storm_floods;	/* frames flooded in this window */
	unsigned storm_nwin;	/* windows so far in this second */
	uint64_t storm_sec_in;	/* st_in when this second began */
	uint64_t storm_sec_group;	/* group frames flooded this second */
	uint64_t storm_sec_limited;	/* floods past the budget this second */
	bool storm_over;	/* this batch went past the budget: hold its port */
	unsigned storm_held;	/* ports held until the window ends */

	/* Written only by the switch thread, read by anyone: relaxed atomics. */
	_Atomic unsigned st_ports;
	_Atomic uint64_t st_in;
	_Atomic uint64_t st_out;
	_Atomic uint64_t st_dropped;
	_Atomic uint64_t st_vlan_dropped;
	_Atomic uint64_t st_flood_limited;
	_Atomic uint64_t st_storm_at;	/* when the last second with refused floods ended (ms) */
	_Atomic uint64_t st_storm_fps;	/* its frames in per second */
	_Atomic unsigned st_storm_pct;	/* its share of group frames among them */
};

/* Port names that tap records point at: they must outlive the ports and
 * cables, since a reader may still hold a record; one per distinct name. */
struct label {
	struct label *next;
	char name[];
};

/* Single writer: a relaxed load and store, no locked read-modify-write. */
static inline void switch_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline void switch_stat_dropped(struct sw *sw, uint64_t n)
{
	if (n)
		switch_stat_add(&sw->st_dropped, n);
}

static inline void switch_ports_set(struct sw *sw, unsigned n)
{
	atomic_store_explicit(&sw->st_ports, n, memory_order_relaxed);
}

/* ---- port.c: ports ---- */

const char *switch_label(struct sw *sw, const char *name);
void switch_fd_close(struct sw *sw, int fd);
void switch_port_unplug(struct sw *sw, struct switch_port *port);
void switch_ctl_event(struct sw *sw, struct switch_port *port);
struct switch_port *switch_port_new(struct sw *sw, int fd, enum switch_ev_kind kind,
    uint32_t events);
void switch_accept_resume(struct sw *sw);
int switch_accept_next(struct sw *sw, int listen_fd);
unsigned switch_cable_ports(const struct sw *sw);
void switch_accept(struct sw *sw);

/* ---- forward.c: forwarding ---- */

void switch_port_watch(struct sw *sw, struct switch_port *port);
void switch_unwait(struct sw *sw, struct switch_port *port);
void switch_backlog_release(struct sw *sw, struct switch_port *port);
bool switch_backlog_push(struct sw *sw, struct switch_port *dst, const struct iovec *frame,
    uint64_t now);
bool switch_backlog_push_from(struct sw *sw, struct switch_port *dst, const struct tap_port *from,
    const struct iovec *frame, unsigned pieces, uint64_t now);
void switch_writable(struct sw *sw, struct switch_port *port);
void switch_flush(struct sw *sw);
void switch_dispatch(struct sw *sw, struct switch_port *src, unsigned i, uint64_t now,
    const unsigned char **last_src);
void switch_forward(struct sw *sw, struct switch_port *src);
void switch_stalls(struct sw *sw, uint64_t now);
void switch_storm_release(struct sw *sw);

/* ---- tap.c: taps ---- */

/* What taps record as a frame's time (read once per batch). */
static inline uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void switch_tap_push(struct sw *sw, struct switch_tap *t, const struct switch_port *port,
    const struct tap_port *from, enum switch_tap_dir dir, const unsigned char *frame,
    size_t len);

/* A frame src's kernel sent, as it sent it (before its cable's conditions);
 * or a trunk's frame as it came, past its header. */
static inline void switch_tap_cable_in(struct sw *sw, const struct switch_port *src,
    const unsigned char *frame, size_t len)
{
	for (struct switch_tap *t = *src->taps; t != NULL; t = t->next_on_cable)
		switch_tap_push(sw, t, src, NULL, SWITCH_TAP_IN, frame, len);
}

/* A frame the switch forwards from src (whole-switch taps see each once). */
static inline void switch_tap_switch_in(struct sw *sw, const struct switch_port *src,
    const unsigned char *frame, size_t len)
{
	for (struct switch_tap *t = sw->taps; t != NULL; t = t->next)
		if (t->cable == NULL && !t->deliveries)
			switch_tap_push(sw, t, src, NULL, SWITCH_TAP_IN, frame, len);
}

/* A frame dst's socket took (from: where it came in, or NULL when not
 * known), for the taps that record deliveries; call only when
 * sw->ndeliver != 0, with sw->tap_ts set. */
static inline void switch_tap_delivered(struct sw *sw, const struct switch_port *dst,
    const struct tap_port *from, const unsigned char *frame, size_t len)
{
	for (struct switch_tap *t = sw->taps; t != NULL; t = t->next)
		if (t->deliveries)
			switch_tap_push(sw, t, dst, from, SWITCH_TAP_OUT, frame, len);
}

void switch_tap_wake(struct sw *sw, uint64_t now);
void switch_tap_link(struct switch_tap *t, struct switch_tap **list);
void switch_taps_detach(struct switch_tap **list);
int switch_tap_add(struct sw *sw, struct switch_tap *t, char **cause);
void switch_tap_unlink(struct sw *sw, struct switch_tap *t);

/* ---- cond.c: link conditions ---- */

void switch_cond_timer(struct sw *sw);
void switch_cond_flush(struct sw *sw, struct switch_cable *cable);
void switch_cond_arm(struct sw *sw);
void switch_cond_attach(struct switch_cable *cable);
void switch_cond_set(struct sw *sw, struct switch_cable *cable,
    const struct linkcond_pair *p, struct cond_filter *filters[2]);
void switch_cond_fold_port(struct switch_cable *cable, struct switch_port *port);
void switch_cond_reset(struct switch_cable *cable);
void switch_cond_counts(const struct switch_cable *cable, uint64_t *to, uint64_t *from,
    uint64_t *dropped);
void switch_cond_get(const struct switch_cable *cable, struct linkcond_pair *c,
    struct linkcond_stats stats[2]);

/* ---- cable.c: cables and trunks ---- */

void switch_cable_accept(struct sw *sw, struct switch_cable *cable);
struct switch_cable *switch_cable_find(struct sw *sw, const char *name);
void switch_cable_free(struct sw *sw, struct switch_cable *cable);
int switch_cable_add(struct sw *sw, struct switch_cable *cable, char **cause);
void switch_cable_remove(struct sw *sw, const char *name);
int switch_cable_link(struct sw *sw, const char *name, bool up, char **cause);
struct switch_port *switch_trunk_port(struct sw *sw, const char *name);
int switch_trunk_plug(struct sw *sw, struct trunk *t, char **cause);

/* ---- vlan.c: VLANs, the way of forwarding, what a switch shows ---- */

void switch_port_vlans(struct switch_port *port, const struct switch_cable *cable);
void switch_fwd_update(struct sw *sw);
int switch_cable_vlans(struct sw *sw, const char *name, const struct switch_vlans *v,
    char **cause);
void switch_ports_collect(struct sw *sw, struct switch_call *call);
void switch_fdb_collect(struct sw *sw, struct switch_call *call);

/* ---- stp.c: spanning tree ---- */

void switch_stp_cable_added(struct sw *sw, struct switch_cable *cable);
void switch_stp_cable_removed(struct sw *sw, struct switch_cable *cable);
/* The cable's port came or went, or its link: the bridge hears whether it is up. */
void switch_stp_cable_changed(struct sw *sw, struct switch_cable *cable);
void switch_stp_rx(struct sw *sw, struct switch_port *src, const unsigned char *frame,
    size_t len, uint64_t now);
uint64_t switch_stp_next(const struct sw *sw);
void switch_stp_tick(struct sw *sw, uint64_t now);
int switch_stp_begin(struct sw *sw, const struct switch_stp_config *cfg, char **cause);
int switch_cable_stp(struct sw *sw, const char *name, uint32_t cost, unsigned priority,
    bool edge, char **cause);
void switch_stp_collect(struct sw *sw, struct switch_call *call);

/* ---- switch.c: calls from the owner's thread ---- */

int switch_call(struct sw *sw, struct switch_call *call, char **cause);

#endif
