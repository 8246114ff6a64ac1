/* switch/fdb.h: the switch's MAC learning table, one per switch, keyed by VLAN and MAC (private to switch/; depends only on libc).
 *
 * Every entry is (VLAN, MAC) -> port: a MAC learnt in VLAN 10 is unknown in
 * VLAN 20, as on a real switch, so floods and unicast stay inside their
 * VLAN. VLAN 0 is the table of a switch that knows no VLANs (every port the
 * default, VLAN 1 untagged): fdb_learn and fdb_lookup use it, and cost what
 * they did before VLANs. */
#ifndef UMLLAB_FDB_H
#define UMLLAB_FDB_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_CAPACITY_DEFAULT 4096u
#define FDB_CAPACITY_MAX (1u << 20)
#define FDB_AGING_DEFAULT_MS 300000u
#define FDB_VLAN_MAX 4095u	/* VLAN ids are 12 bits; 0 is the VLAN-unaware table */

struct fdb;

/* A table of at most capacity entries (0 means FDB_CAPACITY_DEFAULT, more than
 * FDB_CAPACITY_MAX is clamped). NULL when memory runs out: this module uses
 * plain libc so its unit test links it alone. */
struct fdb *fdb_new(unsigned capacity);
void fdb_free(struct fdb *fdb);

/* Entries not seen for aging_ms or more count as absent (0 restores the default). */
void fdb_set_aging(struct fdb *fdb, uint64_t aging_ms);

/* Record that mac was seen on port at time now (ms, any monotonic clock).
 * Returns 0 when learned or refreshed, -1 when refused: a group (broadcast or
 * multicast) source, a negative port, or a full table. A full table first
 * drops its aged entries (at most one sweep per millisecond of `now`, so a
 * flood of new sources cannot make every frame scan the table); if none had
 * aged, the new MAC is not learned and frames to it are flooded, which is
 * slower but still correct. Known MACs always refresh. */
int fdb_learn(struct fdb *fdb, const uint8_t mac[6], int port, uint64_t now);

/* The port mac was last seen on, or -1 when unknown or aged. */
int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint64_t now);

/* The same in VLAN vid (0 to FDB_VLAN_MAX; a larger vid is refused, or
 * not found). */
int fdb_learn_vlan(struct fdb *fdb, const uint8_t mac[6], unsigned vid, int port, uint64_t now);
int fdb_lookup_vlan(struct fdb *fdb, const uint8_t mac[6], unsigned vid, uint64_t now);

/* Drop every entry pointing at port (the port was unplugged). */
void fdb_forget_port(struct fdb *fdb, int port);

/* Drop every entry (the switch changed between knowing VLANs and not). */
void fdb_flush(struct fdb *fdb);

/* One entry, as fdb_dump gives it. */
struct fdb_entry {
	uint8_t mac[6];
	uint16_t vid;
	int port;
	uint64_t age_ms;	/* since it was last seen */
};

/* Up to max entries not aged at now, sorted by VLAN then MAC; returns how
 * many were written (count them all with fdb_count first). */
unsigned fdb_dump(const struct fdb *fdb, struct fdb_entry *out, unsigned max, uint64_t now);

/* Entries held now, aged ones included until they are swept. */
unsigned fdb_count(const struct fdb *fdb);
unsigned fdb_capacity(const struct fdb *fdb);

/* Broadcast and multicast addresses have the group bit (bit 0 of byte 0). */
static inline bool fdb_mac_is_group(const uint8_t mac[6])
{
	return (mac[0] & 1) != 0;
}

#endif
