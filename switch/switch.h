/* switch/switch.h: a virtual Ethernet switch speaking the uml_switch daemon
 * protocol, running in a thread of its own.
 *
 * A stock linux.uml with `ethN=daemon,MAC,unix,CTL_PATH` plugs into it. In
 * learning mode frames go only to the port that owns the destination MAC
 * (unknown and broadcast destinations are flooded); in hub mode every frame
 * goes to every other port. */
#ifndef UMLLAB_SWITCH_H
#define UMLLAB_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

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

/* Pull the cable of the port that sends from mac out (up = false), or put
 * it back: while it is out, the switch drops that port's frames both ways.
 * Safe from any thread; it holds for a port that plugs in later with that
 * MAC (a restarted kernel). -1 with *cause when too many links are down. */
int switch_set_link(struct sw *sw, const uint8_t mac[6], bool up, char **cause);

/* Counters, safe to call from any thread while the switch runs. */
void switch_get_info(struct sw *sw, struct switch_info *info);

const char *switch_name(const struct sw *sw);
const char *switch_ctl_path(const struct sw *sw);
enum switch_mode switch_mode(const struct sw *sw);

/* Stop the thread, close every port, remove the control socket, free sw. */
void switch_stop(struct sw *sw);

#endif
