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
};

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

/* Unplug the cable's kernel, close the socket and remove its file. */
void switch_cable_close(struct sw *sw, const char *name);

/* Pull the cable out (up = false) or put it back: while it is out, the
 * switch drops its frames both ways. It holds across reconnects (a restarted
 * kernel) and before the first frame. -1 with *cause for an unknown cable. */
int switch_cable_set_link(struct sw *sw, const char *name, bool up, char **cause);

/* Counters, safe to call from any thread while the switch runs. */
void switch_get_info(struct sw *sw, struct switch_info *info);

const char *switch_name(const struct sw *sw);
const char *switch_ctl_path(const struct sw *sw);
enum switch_mode switch_mode(const struct sw *sw);

/* Stop the thread, close every port, remove the control socket, free sw. */
void switch_stop(struct sw *sw);

#endif
