/* switch/fdb.h: the switch's MAC learning table (private to switch/; depends only on libc). */
#ifndef UMLLAB_FDB_H
#define UMLLAB_FDB_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_CAPACITY_DEFAULT 4096u
#define FDB_CAPACITY_MAX (1u << 20)
#define FDB_AGING_DEFAULT_MS 300000u

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

/* Drop every entry pointing at port (the port was unplugged). */
void fdb_forget_port(struct fdb *fdb, int port);

/* Entries held now, aged ones included until they are swept. */
unsigned fdb_count(const struct fdb *fdb);
unsigned fdb_capacity(const struct fdb *fdb);

/* Broadcast and multicast addresses have the group bit (bit 0 of byte 0). */
static inline bool fdb_mac_is_group(const uint8_t mac[6])
{
	return (mac[0] & 1) != 0;
}

#endif
