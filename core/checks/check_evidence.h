/* core/checks/check_evidence.h: what the lab's switches carried while a guest pinged:
 * the evidence `check` (reach, no_reach, path) and `ping` judge by.
 *
 * A watch opens two taps on every switch of the lab: one records the frames
 * each switch takes in, with the cable they came in on (after that cable's
 * `out` conditions); the other the frames it hands to each port, after that
 * cable's `in` conditions and once the port's socket took them, with the
 * port they came in on. Both keep ICMP echo requests and replies carrying
 * the ping's payload pattern (chosen per ping, so other traffic does not
 * count), the first also ARP requests; for no_reach strict, every frame.
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
void echo_watch_judge(struct echo_watch *w, struct in_addr target, const char *const *via,
    size_t n_via, struct echo_verdict *v);

/* The ping command to run in src for the watch: `ping -q -c N -i 0.2 -W 1 -p TAG TARGET`. */
char *echo_ping_command(unsigned count, unsigned tag, struct in_addr target);

/* Whether the guest's ping printed replies (its summary, else its exit status). */
bool echo_guest_claims_replies(const char *output, int status);

/* The instance of the lab with address a on one of its interfaces, or NULL. */
const char *echo_address_owner(const struct supervisor *sup, struct in_addr a);

/* Where to ping for a target: an instance (its first address) or an IPv4
 * literal. -1 with *cause. */
int echo_target_address(const struct supervisor *sup, const char *target, struct in_addr *a,
    char **cause);

#endif
