/* switch/fdb.c: MAC learning table, an open-addressing (linear probing) hash keyed by the 48-bit MAC. */
#include "switch/fdb.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* key 0 marks an empty slot; a used key carries this bit above the 48 MAC bits,
 * so 00:00:00:00:00:00 is still a storable address. The VLAN sits above it. */
#define FDB_USED (1ull << 48)
#define FDB_VID_SHIFT 49

struct fdb_slot {
	uint64_t key;
	uint64_t seen;
	int port;
};

struct fdb {
	struct fdb_slot *slots;
	size_t mask;		/* slot count - 1, slot count a power of two */
	unsigned shift;		/* 64 - log2(slot count) */
	unsigned count;
	unsigned capacity;	/* at most half the slots: probes stay short */
	uint64_t aging_ms;
	uint64_t last_sweep;
	int swept;		/* last_sweep is meaningful */
};

static inline uint64_t fdb_key(const uint8_t mac[6], unsigned vid)
{
	return FDB_USED | (uint64_t)vid << FDB_VID_SHIFT | (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 |
	    (uint64_t)mac[2] << 24 | (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5];
}

static size_t fdb_home(const struct fdb *fdb, uint64_t key)
{
	/* Fibonacci hashing: the top bits of the product mix all 48 MAC bits. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> fdb->shift);
}

static int fdb_aged(const struct fdb *fdb, const struct fdb_slot *s, uint64_t now)
{
	return now >= s->seen && now - s->seen >= fdb->aging_ms;
}

struct fdb *fdb_new(unsigned capacity)
{
	if (capacity == 0)
		capacity = FDB_CAPACITY_DEFAULT;
	if (capacity > FDB_CAPACITY_MAX)
		capacity = FDB_CAPACITY_MAX;
	size_t nslots = 16;
	unsigned bits = 4;
	while (nslots < (size_t)capacity * 2) {
		nslots *= 2;
		bits++;
	}

	struct fdb *fdb = calloc(1, sizeof(*fdb));
	if (fdb == NULL)
		return NULL;
	fdb->slots = calloc(nslots, sizeof(*fdb->slots));
	if (fdb->slots == NULL) {
		free(fdb);
		return NULL;
	}
	fdb->mask = nslots - 1;
	fdb->shift = 64 - bits;
	fdb->capacity = capacity;
	fdb->aging_ms = FDB_AGING_DEFAULT_MS;
	return fdb;
}

void fdb_free(struct fdb *fdb)
{
	if (fdb == NULL)
		return;
	free(fdb->slots);
	free(fdb);
}

void fdb_set_aging(struct fdb *fdb, uint64_t aging_ms)
{
	fdb->aging_ms = aging_ms ? aging_ms : FDB_AGING_DEFAULT_MS;
}

unsigned fdb_count(const struct fdb *fdb)
{
	return fdb->count;
}

unsigned fdb_capacity(const struct fdb *fdb)
{
	return fdb->capacity;
}

/* Backward-shift deletion: later entries of the probe run move up into the
 * hole, so there are no tombstones and lookups never lengthen. Entries only
 * ever move into position i or into positions after it in probe order. */
static void fdb_delete_at(struct fdb *fdb, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & fdb->mask;
		if (fdb->slots[j].key == 0)
			break;
		size_t home = fdb_home(fdb, fdb->slots[j].key);
		/* An entry whose home lies cyclically in (i, j] must stay put. */
		int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		fdb->slots[i] = fdb->slots[j];
		i = j;
	}
	fdb->slots[i].key = 0;
	fdb->count--;
}

/* Delete every entry matching the predicate. After a deletion slot i may hold
 * a shifted entry, so it is examined again; entries not yet visited only move
 * to i or later, entries that wrapped around were already checked. */
static void fdb_delete_if(struct fdb *fdb, int (*match)(const struct fdb *, const struct fdb_slot *, uint64_t),
    uint64_t arg)
{
	size_t i = 0;
	while (i <= fdb->mask) {
		struct fdb_slot *s = &fdb->slots[i];
		if (s->key != 0 && match(fdb, s, arg))
			fdb_delete_at(fdb, i);
		else
			i++;
	}
}

static int fdb_match_aged(const struct fdb *fdb, const struct fdb_slot *s, uint64_t now)
{
	return fdb_aged(fdb, s, now);
}

static int fdb_match_port(const struct fdb *fdb, const struct fdb_slot *s, uint64_t port)
{
	(void)fdb;
	return s->port == (int)port;
}

/* Index of key's slot, or of the empty slot that ends its probe run. */
static size_t fdb_find(const struct fdb *fdb, uint64_t key)
{
	size_t i = fdb_home(fdb, key);
	while (fdb->slots[i].key != 0 && fdb->slots[i].key != key)
		i = (i + 1) & fdb->mask;
	return i;
}

/* fdb_learn and fdb_learn_vlan; inlined into both, so VLAN 0 costs nothing more. */
static inline int fdb_learn_key(struct fdb *fdb, const uint8_t mac[6], unsigned vid, int port,
    uint64_t now)
{
	if (fdb_mac_is_group(mac) || port < 0)
		return -1;
	uint64_t key = fdb_key(mac, vid);
	size_t i = fdb_find(fdb, key);
	struct fdb_slot *s = &fdb->slots[i];
	if (s->key == key) {
		s->port = port;
		s->seen = now;
		return 0;
	}
	if (fdb->count >= fdb->capacity) {
		if (fdb->swept && fdb->last_sweep == now)
			return -1;
		fdb->swept = 1;
		fdb->last_sweep = now;
		fdb_delete_if(fdb, fdb_match_aged, now);
		if (fdb->count >= fdb->capacity)
			return -1;
		i = fdb_find(fdb, key);
		s = &fdb->slots[i];
	}
	s->key = key;
	s->port = port;
	s->seen = now;
	fdb->count++;
	return 0;
}

static inline int fdb_lookup_key(struct fdb *fdb, const uint8_t mac[6], unsigned vid,
    uint64_t now)
{
	if (fdb_mac_is_group(mac))
		return -1;
	uint64_t key = fdb_key(mac, vid);
	size_t i = fdb_find(fdb, key);
	if (fdb->slots[i].key != key)
		return -1;
	if (fdb_aged(fdb, &fdb->slots[i], now)) {
		fdb_delete_at(fdb, i);
		return -1;
	}
	return fdb->slots[i].port;
}

int fdb_learn(struct fdb *fdb, const uint8_t mac[6], int port, uint64_t now)
{
	return fdb_learn_key(fdb, mac, 0, port, now);
}

int fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint64_t now)
{
	return fdb_lookup_key(fdb, mac, 0, now);
}

int fdb_learn_vlan(struct fdb *fdb, const uint8_t mac[6], unsigned vid, int port, uint64_t now)
{
	if (vid > FDB_VLAN_MAX)
		return -1;
	return fdb_learn_key(fdb, mac, vid, port, now);
}

int fdb_lookup_vlan(struct fdb *fdb, const uint8_t mac[6], unsigned vid, uint64_t now)
{
	if (vid > FDB_VLAN_MAX)
		return -1;
	return fdb_lookup_key(fdb, mac, vid, now);
}

void fdb_flush(struct fdb *fdb)
{
	for (size_t i = 0; i <= fdb->mask; i++)
		fdb->slots[i].key = 0;
	fdb->count = 0;
}

static int fdb_entry_cmp(const void *a, const void *b)
{
	const struct fdb_entry *x = a, *y = b;
	if (x->vid != y->vid)
		return x->vid < y->vid ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

unsigned fdb_dump(const struct fdb *fdb, struct fdb_entry *out, unsigned max, uint64_t now)
{
	unsigned n = 0;
	for (size_t i = 0; i <= fdb->mask && n < max; i++) {
		const struct fdb_slot *s = &fdb->slots[i];
		if (s->key == 0 || fdb_aged(fdb, s, now))
			continue;
		struct fdb_entry *e = &out[n++];
		for (int k = 0; k < 6; k++)
			e->mac[k] = (uint8_t)(s->key >> (40 - 8 * k));
		e->vid = (uint16_t)(s->key >> FDB_VID_SHIFT);
		e->port = s->port;
		e->age_ms = now >= s->seen ? now - s->seen : 0;
	}
	qsort(out, n, sizeof(*out), fdb_entry_cmp);
	return n;
}

void fdb_forget_port(struct fdb *fdb, int port)
{
	if (port < 0)
		return;
	fdb_delete_if(fdb, fdb_match_port, (uint64_t)port);
}
