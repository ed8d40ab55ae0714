/*
 * rowmap.h - rows of a fixed size found by a string key: an array the rows live in, in
 * insertion order, and a strmap from key to position. For accumulators keyed by an id
 * (an item's stats, a visitor's row). Rows move when the array grows: a pointer to one is
 * valid until the next rowmap_get; positions are stable.
 */
#ifndef PP_ROWMAP_H
#define PP_ROWMAP_H

#include "core/strmap.h"

struct rowmap {
	struct strmap index; /* key -> position in rows; the map owns the key copies */
	void *rows;
	size_t n, cap, size;
};

void rowmap_init(struct rowmap *m, size_t row_size);
/*
 * The key's row; a new one is zeroed, *key_copy (when not NULL) points to the map's copy
 * of the key and *inserted is set. NULL when out of memory.
 */
void *rowmap_get(struct rowmap *m, const char *key, size_t len, const char **key_copy,
		 bool *inserted);
void rowmap_release(struct rowmap *m);

#endif
