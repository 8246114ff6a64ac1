/* core/checks/check_evidence.h: what the lab's switches carried while a guest pinged:
 * the evidence `check` (reach, no_reach, path) and `ping` judge by.
 *
 * A watch opens two taps on every switch of the lab: one records the frames
 * each switch takes in, with the cable they came in on (after that cable's
 * `out` conditions); the other the frames it hands to each port, after that
 * cable's `in` conditions and once the port's socket took them, with the
 * port they came in on. Both keep ICMP echo requests and replies carrying
 * the ping's payload pattern (chosen per ping, so other traffic does not
 * count), ICMP and ICMPv6 alike, the first also ARP requests and neighbour
 * solicitations; for no_reach strict, every frame.
 * A cable is attributed by the owner id the supervisor gave it
 * (supervisor_cable_owner), which a guest cannot choose: the frames a guest
 * sends enter the switch on its own cables, whatever MAC or IP address it
 * writes in them. core/checks/echo_judge.h judges the records. */
#ifndef UMLLAB_CHECK_EVIDENCE_H
#define UMLLAB_CHECK_EVIDENCE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/checks/echo_judge.h"

struct supervisor;
struct echo_watch;

/* What a ping aims at. */
struct echo_target {
	struct in6_addr addr;		/* IPv4 mapped, as echo_judge keeps addresses */
	bool ipv6;
	char dev[16];			/* a link-local target: the source's interface it is on */
	char text[ECHO_ADDR_TEXT_MAX + 20];	/* as ping takes it: "10.0.0.2", "fe80::1%eth0" */
};
struct sw;
struct switch_tap;

/* A switch-wide tap (every frame the switch receives, once, with the cable
 * it came in on) keeping what the tcpdump expression accepts ("": all). */
struct switch_tap *check_tap_open(struct sw *sw, const char *expr, unsigned ring, char **cause);

/* A random payload byte for one ping (ping -p), 0x11 to 0xfe. */
unsigned echo_watch_tag(void);

/* Start watching every switch for src's ping to target (owner: the
 * instance that has the target address, or NULL), whose echo frames carry
 * tag. strict: also every frame src's cables send (no_reach strict). NULL
 * with *cause when a tap cannot be opened. */
struct echo_watch *echo_watch_start(struct supervisor *sup, unsigned tag, const char *src,
    const char *owner, bool strict, char **cause);

/* Read what the taps hold and close them; the records stay for echo_watch_judge. */
void echo_watch_stop(struct echo_watch *w);
void echo_watch_free(struct echo_watch *w);

/* Judge src's ping to target by the records (via: a path's instances, each
 * of the lab). echo_verdict_free the result. */
void echo_watch_judge(struct echo_watch *w, const struct echo_target *target,
    const char *const *via, size_t n_via, struct echo_verdict *v);

/* The ping command to run in src for the watch: `ping [-6] -q -c N -i 0.2 -W 1 -p TAG TARGET`. */
char *echo_ping_command(unsigned count, unsigned tag, const struct echo_target *target);

/* Whether the guest's ping printed replies (its summary, else its exit status). */
bool echo_guest_claims_replies(const char *output, int status);

/* The instance of the lab that has t's address, by the topology: an address in its
 * `ip:`, one SLAAC gives it, or (on the switch of t's interface of src) its link-local
 * one. NULL when none has it. */
const char *echo_address_owner(const struct supervisor *sup, const char *src,
    const struct echo_target *t);

/* Where src pings for target: an instance (its first address of family, or of
 * either, IPv4 first; for IPv6 one SLAAC gives it when it has none in `ip:`) or
 * an address (IPv6 link-local ones as fe80::1%eth0, eth0 being src's). family:
 * AF_INET, AF_INET6, or 0 for either. -1 with *cause. */
int echo_target_resolve(const struct supervisor *sup, const char *src, const char *target,
    int family, struct echo_target *t, char **cause);

#endif
