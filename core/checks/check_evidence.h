/* core/checks/check_evidence.h: what the lab's switches carried while a guest pinged:
 * the evidence `check` (reach, no_reach, path) and `ping` judge by.
 *
 * A watch opens one tap on every switch of the lab, filtered to ICMP echo
 * requests and replies of one payload pattern (chosen per ping, so other
 * traffic does not count). Each frame is attributed to the cable it came
 * in from, which a guest cannot choose: the frames a guest sends enter the
 * switch on its own cable, whatever MAC or IP address it writes in them. */
#ifndef UMLLAB_CHECK_EVIDENCE_H
#define UMLLAB_CHECK_EVIDENCE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct supervisor;
struct echo_watch;
struct sw;
struct switch_tap;

/* A switch-wide tap (every frame the switch receives, once, with the cable
 * it came in on) keeping what the tcpdump expression accepts ("": all). */
struct switch_tap *check_tap_open(struct sw *sw, const char *expr, unsigned ring, char **cause);

/* A random payload byte for one ping (ping -p), 0x11 to 0xfe. */
unsigned echo_watch_tag(void);

/* Start watching every switch for echo frames whose 56 data bytes are
 * filled with tag (and for ARP requests). NULL with *cause when a tap
 * cannot be opened. */
struct echo_watch *echo_watch_start(struct supervisor *sup, unsigned tag, char **cause);

/* Read what the taps hold and close them; the frames stay for echo_judge. */
void echo_watch_stop(struct echo_watch *w);
void echo_watch_free(struct echo_watch *w);

/* What the switches saw of src's ping to target (owner: the instance that
 * has target, or NULL). */
struct echo_verdict {
	unsigned requests_from_src;	/* echo requests to target that came in on src's cables */
	unsigned replies_to_src;	/* echo replies from target to src, on src's switches, towards src's MAC */
	unsigned replies_from_owner;	/* echo replies from target that came in on owner's cables */
	char repliers[128];		/* who sent the replies to src ("r1, liar"), "" for none */
	unsigned arp_from_src;		/* ARP requests src sent (it tried, but nobody answered) */
	const char *src_switch;		/* where src's requests were seen, or NULL */
	char *carried;			/* per switch crossed: "S1: 3 echo requests (from umlA), 3 echo replies (from umlB)" */
	char *hops;			/* the senders of the first request, in order: "umlA > r1 > r2" */
	bool hops_match;		/* some request was sent on by exactly the instances in via */
};
void echo_judge(const struct echo_watch *w, const char *src, struct in_addr target,
    const char *owner, const char *const *via, size_t n_via, struct echo_verdict *v);
void echo_verdict_free(struct echo_verdict *v);

/* True when the switches show src reaching target: its requests left, the
 * replies came back to it (from owner's own cable when owner is known). */
bool echo_verdict_reached(const struct echo_verdict *v, const char *owner);

/* Where the guest's claim (replies or none) and the switches disagree, why
 * (malloc'd); NULL when they agree. */
char *echo_disagreement(const struct supervisor *sup, const struct echo_verdict *v,
    const char *src, const char *owner, struct in_addr target, bool claim);

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
