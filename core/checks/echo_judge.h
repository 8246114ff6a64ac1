/* core/checks/echo_judge.h: judging a ping by the frames the lab's switches recorded (pure: no lab, no switch).
 *
 * The switches record two things of every frame that matters (see
 * check_evidence.c, which collects them): that a switch took it in from a
 * port (after that cable's `out` conditions), and that it handed it to a
 * port (after that cable's `in` conditions, once the port's socket took it),
 * with the port it came in on. A port is an instance's cable, known by the
 * instance's index (which the supervisor gave the cable as its owner, never
 * read from its name), a link between two switches (both ends one port,
 * known by the link's id, which the supervisor gave both), or another port
 * of a switch (a trunk, a daemon-protocol port), known by its label on its
 * switch. 802.1Q-tagged frames are the frames they carry.
 *
 * An echo request is followed by its identity (the IP addresses, ICMP
 * identifier and sequence, a hash of its data) through a chain of custody:
 * the source's cable hands it to a switch, the switch delivers it to a port,
 * the instance behind that port sends it on later (a router), and so on.
 * A ping reached its target when one of the source's requests was delivered
 * to the target's cable along such a chain, the target then sent the reply
 * with the same identity, and that reply was delivered to one of the
 * source's cables along a chain from the target: by any path, but only by
 * instances that had the frame delivered to them first. Frames a guest forges
 * without having them (another guest's copy, a replay from elsewhere) have
 * no such chain. tests/unit/test_echo_judge.c.
 *
 * IPv4 (ICMP) and IPv6 (ICMPv6) pings are judged alike: addresses are kept as
 * IPv6 ones, IPv4 mapped (::ffff:a.b.c.d); a neighbour solicitation stands
 * for an ARP request. */
#ifndef UMLLAB_ECHO_JUDGE_H
#define UMLLAB_ECHO_JUDGE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECHO_LABEL_MAX 80	/* a port's label: INSTANCE.IFACE, SWITCH.trunkN, SWITCH.portN */

enum echo_rec_kind {
	ECHO_REC_IN,		/* the switch took it in from port */
	ECHO_REC_DELIVERED,	/* the switch handed it to port, coming from `from` */
};

enum echo_type {
	ECHO_OTHER,		/* any other frame (kept only for no_reach strict) */
	ECHO_REQUEST,		/* ICMP echo request */
	ECHO_REPLY,		/* ICMP echo reply */
	ECHO_ARP,		/* ARP request: src asks who has dst */
	ECHO_NS,		/* ICMPv6 neighbour solicitation: src asks who has dst (not DAD's) */
};

/* A port of a switch: an instance's cable, a link between two switches, or
 * another port known by its label. */
struct echo_port {
	int inst;			/* the instance whose cable it is, or -1 */
	bool link;			/* an end of a link: label names the link, which is
					 * one port for both its switches (what one end is
					 * handed, the other takes in) */
	char label[ECHO_LABEL_MAX];	/* "umlA.eth0", "S1.trunk0", "S1.S2"; "" when not known */
};

struct echo_rec {
	enum echo_rec_kind kind;
	size_t sw;			/* the switch's index */
	struct echo_port port;		/* IN: where it came in; DELIVERED: where it went */
	struct echo_port from;		/* DELIVERED: where it came in; label "" when not known */
	enum echo_type type;
	bool tagged;			/* an echo with this ping's payload pattern */
	struct in6_addr src, dst;	/* IPv4 mapped (ARP, NS: sender and target) */
	uint16_t id, seq;		/* echo: ICMP or ICMPv6 identifier and sequence */
	uint64_t hash;			/* echo: of the ICMP data */
	uint64_t fhash;			/* of the whole frame, as carried */
	uint64_t ts_ns;
};

/* Fill r's frame fields (type, tagged, addresses, id, seq, hashes) from a
 * frame; tag is the ping's payload byte (0: none). The other fields stay. */
void echo_rec_parse(struct echo_rec *r, const unsigned char *frame, size_t len, unsigned tag);

/* An IPv4 address in the judge's form (::ffff:a.b.c.d). */
struct in6_addr echo_addr_v4(struct in_addr a);
/* An address as people write it: dotted quad for a mapped IPv4 one. */
#define ECHO_ADDR_TEXT_MAX 46		/* INET6_ADDRSTRLEN */
void echo_addr_format(const struct in6_addr *a, char buf[ECHO_ADDR_TEXT_MAX]);

/* What to judge: the records, the names behind the indices, and the ping. */
struct echo_case {
	struct echo_rec *recs;		/* echo_judge fills in what it can of
					 * deliveries whose origin was not kept */
	size_t n_recs;
	const char *const *instances;	/* names by index */
	size_t n_instances;
	const char *const *switches;
	size_t n_switches;
	int src;			/* the instance that pinged */
	struct in6_addr target;		/* IPv4 mapped */
	int owner;			/* the instance that has the target address, or -1 */
	const char *owner_switch;	/* where owner has that address (messages), or NULL */
	const int *via;			/* path: the instances in between, in order */
	size_t n_via;
	uint64_t lost;			/* frames the watch could not keep */
};

#define ECHO_NAMES_MAX 160

struct echo_verdict {
	/* the ping, for messages */
	char src[ECHO_LABEL_MAX], owner[ECHO_LABEL_MAX], target[ECHO_ADDR_TEXT_MAX];
	char owner_switch[ECHO_LABEL_MAX];
	bool has_owner;
	bool ipv6;			/* the target is an IPv6 address */
	/* what the switches saw */
	unsigned requests_from_src;	/* src's echo requests to target (distinct), taken in from its cables */
	unsigned requests_to_target;	/* of them, delivered to the target's cables along a chain
					 * (no owner: to any port but src's) */
	unsigned replies_from_owner;	/* echo replies from target to src's address taken in from owner's cables */
	unsigned replies_carried;	/* echo replies from target to src's address, taken in anywhere */
	unsigned replies_to_src;	/* echo replies of this ping from target delivered to src's cables */
	unsigned answered;		/* src's requests whose own reply came back from the target end to end */
	unsigned asks_from_src;		/* ARP requests (IPv4) or neighbour solicitations (IPv6) src sent */
	char repliers[ECHO_NAMES_MAX];	/* who sent replies to src's address ("r1, liar") */
	char went[ECHO_NAMES_MAX];	/* where src's requests were delivered, when not to the target */
	char came_from[ECHO_NAMES_MAX];	/* who handed src the replies it got, when none answered it */
	const char *src_switch;		/* where src's first request was taken in, or NULL */
	char *carried;			/* per switch: "S1: 3 echo requests (from umlA), 3 echo replies (from umlB)" */
	char *hops;			/* the senders of one request, in order: "umlA > r1 > r2" */
	bool hops_match;		/* an answered request went by exactly src, via..., then the owner */
	/* no_reach strict */
	unsigned frames_to_owner;	/* frames taken in from src's cables, delivered to owner's */
	unsigned requests_at_owner;	/* echo requests of this ping delivered to owner's cables */
	char frames_where[ECHO_NAMES_MAX];	/* the switches of frames_to_owner */
	uint64_t lost;
};

void echo_judge(struct echo_case *c, struct echo_verdict *v);

/* "ARP request" or "neighbour solicitation", for n of them ("s" when n != 1 is added). */
const char *echo_ask_word(const struct echo_verdict *v, unsigned n);
void echo_verdict_free(struct echo_verdict *v);

/* The switches show src reaching target: a request and its own reply, end to end. */
bool echo_verdict_reached(const struct echo_verdict *v);

/* Where the guest's claim (replies or none) and the switches disagree, why
 * (malloc'd); NULL when they agree. With claim, NULL means reached. */
char *echo_disagreement(const struct echo_verdict *v, bool claim);

/* For no_reach strict: why the target was reached after all (malloc'd), or
 * NULL when nothing of src's reached the owner's cables. */
char *echo_strict_breach(const struct echo_verdict *v);

#endif
