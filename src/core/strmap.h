/*
 * strmap.h - open-addressing hash map from byte strings to a 64-bit value.
 *
 * Keys are copied into the map's own arena on insert; the caller's key memory is never
 * kept. Values are plain uint64_t (an index, a timestamp, or a pointer cast by the
 * caller). Linear probing, power-of-two table, grows at 70% load. Not thread-safe.
 */
#ifndef PP_STRMAP_H
#define PP_STRMAP_H

#include "core/arena.h"
#include "core/common.h"

struct strmap_slot {
	const char *key; /* NULL when empty; NUL-terminated copy in the arena */
	uint32_t len;
	uint32_t hash;
	uint64_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* power of two, or 0 before the first insert */
	size_t count;
	struct arena keys;
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);

/* Returns the slot for key, or NULL. */
struct strmap_slot *strmap_get(const struct strmap *m, const char *key, size_t len);

/*
 * Finds or inserts key. On insert the slot's value is 0 and *inserted is set.
 * Returns NULL on allocation failure (the map is unchanged).
 */
struct strmap_slot *strmap_put(struct strmap *m, const char *key, size_t len, bool *inserted);

uint32_t strmap_hash(const char *key, size_t len);

/*
 * For a caller with many keys at hand: strmap_put with the key's strmap_hash computed
 * already, and a hint to fetch a key's first slot (key false), then, some keys later, the
 * key text that slot points to (key true), so the lookups do not wait on memory one by one.
 */
struct strmap_slot *strmap_put_hashed(struct strmap *m, const char *key, size_t len, uint32_t h,
				      bool *inserted);
void strmap_prefetch(const struct strmap *m, uint32_t h, bool key);

#endif
