/* core/supervisor/switches.h: a running lab's switches beyond their cables: VLANs on their
 * ports, links between them, and the storm watch (core/supervisor/switches.c). */
#ifndef UMLLAB_SUPERVISOR_SWITCHES_H
#define UMLLAB_SUPERVISOR_SWITCHES_H

#include <stddef.h>
#include <stdint.h>

#include "core/lab/lab.h"

struct supervisor;
struct switch_vlans;
struct switch_info;

/* The file's VLANs as the switch takes them. */
void supervisor_vlans_convert(const struct lab_vlans *in, struct switch_vlans *out);

/* Give cable (on switch sw) the VLANs v, unless v is the default. -1 with
 * *cause naming the file's line. */
int supervisor_port_vlans(struct supervisor *sup, size_t sw, const char *cable,
    const struct lab_vlans *v, char **cause);

/* The bridge address of switch i's spanning tree: stable, from the lab's
 * and the switch's names (as interfaces' default MACs are). */
void supervisor_bridge_mac(const struct lab *lab, size_t i, uint8_t mac[6]);

/* "S1.S2": switch from's port towards switch to (malloc'd). */
char *supervisor_link_name(const struct lab *lab, size_t from, size_t to);

/* The name of the link an owner id names (supervisor_link_owner), as
 * declared ("S1.S2" when S1's `links:` has it); NULL for other owners. */
char *supervisor_link_owner_name(const struct lab *lab, uint32_t owner);

/* "S1: storm, 412 000 frames/s, 98 % broadcast, limited" (malloc'd). */
char *supervisor_storm_text(const char *name, const struct switch_info *info);

/* Once the switches run: their links (with VLANs), spanning tree, and the storm watch,
 * which logs each storm when it starts, every 10 s while it lasts, and when
 * it ends. -1 with *cause. */
int supervisor_switches_setup(struct supervisor *sup, char **cause);

/* Before the switches stop: the storm watch ends. */
void supervisor_switches_quiet(struct supervisor *sup);

#endif
