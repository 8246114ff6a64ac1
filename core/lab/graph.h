/* core/lab/graph.h: a lab's topology as a Graphviz DOT picture, optionally with its live link state.
 *
 * Leaf module: depends on core/topology and core/util only, so
 * tests/unit/test_graph links it alone. The renderer is a pure function of
 * the lab and of what the running lab reports about it; the command
 * (cmd/graph.c) does the I/O. A running lab's supervisor describes itself
 * in a small line format (the `graph-live` request, core/requests/graph.c),
 * which graph_snapshot_parse() turns back into a lab and its live state. */
#ifndef UMLLAB_GRAPH_H
#define UMLLAB_GRAPH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/lab/topology.h"

enum graph_link_state {
	GRAPH_LINK_UP,		/* the instance runs and its interface is plugged in */
	GRAPH_LINK_DOWN,	/* the instance does not run, or its cable is out (`umllab link`) */
	GRAPH_LINK_UNPLUGGED,	/* the card was taken out (`umllab unplug`) */
};

/* The live state of one interface (instance, iface). An entry naming an
 * interface the lab has gives that interface's state; any other entry is an
 * interface plugged in live, drawn from its own sw and address. For a
 * configured interface, a non-empty sw different from the lab's means it
 * was plugged live into another switch. */
#define GRAPH_COND_MAX 200

struct graph_link {
	char instance[LAB_NAME_MAX + 1];
	char iface[8];			/* "eth1" */
	enum graph_link_state state;
	bool live_plugged;		/* plugged in while the lab ran (`umllab plug`) */
	char sw[LAB_NAME_MAX + 1];	/* its switch; "" means as in the lab */
	struct lab_addr addrs[LAB_IFACE_ADDRS_MAX];	/* either family */
	unsigned n_addrs;
	char cond[GRAPH_COND_MAX];	/* its link conditions as text ("delay 50ms"); "" none */
	bool stp_blocked;		/* spanning tree blocks its switch port (a bridge in the guest) */
};

/* The state of one instance as the supervisor names it ("running", "stopped", ...). */
struct graph_instance {
	char name[LAB_NAME_MAX + 1];
	char state[16];
};

/* The live state of a cable between two switches (`links:`): each end's
 * spanning tree state, as the switch at that end reports it. */
enum graph_stp_end {
	GRAPH_STP_NONE,		/* no spanning tree on that switch */
	GRAPH_STP_FORWARDING,
	GRAPH_STP_BLOCKED,	/* discarding: the port that cuts a loop */
};

struct graph_swlink {
	char a[LAB_NAME_MAX + 1], b[LAB_NAME_MAX + 1];	/* as declared: a's `links:` has b */
	bool down;			/* pulled out (`umllab link A B down`) */
	enum graph_stp_end end[2];	/* [0] a's end, [1] b's */
};

/* What a running lab reports; every array may be empty. */
struct graph_live {
	struct graph_link *links;
	size_t n_links;
	struct graph_instance *instances;
	size_t n_instances;
	struct graph_swlink *swlinks;
	size_t n_swlinks;
};

/* The DOT text of lab (malloc'd). live is NULL for a lab as its file
 * describes it; otherwise links are drawn up, down or plugged live, and
 * instances that do not run are greyed with their state. The output
 * depends only on the arguments (no paths, no time), so it can be
 * compared with a golden file. */
char *graph_render(const struct lab *lab, const struct graph_live *live);

/* The version line that starts a `graph-live` answer. */
#define GRAPH_SNAPSHOT_MAGIC "umllab-graph 1"

/* Parse a `graph-live` answer:
 *   umllab-graph 1
 *   lab NAME
 *   switch NAME switch|hub
 *   trunk SWITCH VNI LISTEN REMOTE (after its switch; addresses as IP:PORT or [IPV6]:PORT)
 *   instance NAME STATE host|router
 *   link INSTANCE IFACE SWITCH ADDR/PREFIX[,ADDR/PREFIX...]|- up|down|unplugged configured|live
 *     (addresses of either family, at most LAB_IFACE_ADDRS_MAX)
 * Configured links (as in the lab file) become the lab's interfaces; live
 * ones (plugged while the lab ran) only live links.
 *   cond INSTANCE IFACE TEXT (after its link: the conditions on its cable)
 *   vlan INSTANCE IFACE VLANS (after its link: its switch port's VLANs, as
 *     lab_vlans_format writes them)
 *   subif INSTANCE NAME ADDR/PREFIX[,ADDR/PREFIX...]|- (a VLAN sub-interface, eth0.10)
 *   stp INSTANCE IFACE blocked (after its link: spanning tree blocks its
 *     switch port, towards a bridge inside the guest)
 *   swlink A B up|down STP_A STP_B [VLANS] (a cable between switches listed
 *     before it; STP_X: -, forwarding or blocked; VLANS as above, the rest of
 *     the line)
 *   ra INSTANCE IFACE (after its configured link: it sends router advertisements)
 *   mac INSTANCE IFACE MAC (after its configured link)
 * Every line is checked (names, references, addresses); a bad one fails the
 * whole answer with *cause naming its line. On success *lab is malloc'd
 * (lab_free) and *live filled (graph_live_free). */
int graph_snapshot_parse(const char *text, size_t len, struct lab **lab, struct graph_live *live,
    char **cause);

void graph_live_free(struct graph_live *live);

#endif
