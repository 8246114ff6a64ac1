/* core/lab/lab_split.h: one lab run as several parts, each a lab of its own on
 * its node (`umllab up --slurm`): which instances each part runs, and the
 * VXLAN trunks that join the parts' copies of every switch, a star around
 * part 0 (a switch floods between trunks, never back into the one a frame
 * came from, so a star has no loop). Pure: knows nothing of Slurm. */
#ifndef UMLLAB_LAB_SPLIT_H
#define UMLLAB_LAB_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/lab/topology.h"
#include "switch/vxlan.h"

struct lab_split {
	unsigned parts;			/* 2 or more */
	unsigned part;			/* the one this process runs, 0 .. parts-1 */
	const struct vxlan_addr *hosts;	/* [parts]: where each part's node is reached (port unused) */
	unsigned base_port;		/* trunk ports from here (lab_split_ports() of them) */
	uint32_t base_vni;		/* switch s uses base_vni + s */
};

/* The part instance `index` of lab goes to: its `host:`, else contiguous
 * blocks in file order of the instances without one, as even as they
 * divide (5 over 2 parts: 3 and 2). lab_split_apply() checks the hosts. */
unsigned lab_split_part_of(const struct lab *lab, size_t index, unsigned parts);

/* How many UDP ports from base_port the parts of a lab of n_switches use. */
unsigned lab_split_ports(size_t n_switches, unsigned parts);

/* Make lab into part s->part: drop the other parts' instances, name it
 * NAME-pK (default MACs keep the whole lab's name: they were derived at
 * load time), and add to every switch its trunks to the other parts. -1
 * with *cause (nothing changed) when the lab cannot be split so: fewer
 * instances than parts, too many trunks on a switch, ports past 65535, a
 * name too long. */
int lab_split_apply(struct lab *lab, const struct lab_split *s, char **cause);

#endif
