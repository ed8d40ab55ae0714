/*
 * arena.h - bump allocator for objects that die together.
 *
 * Allocations are carved from chunks of `chunk_size` bytes (larger requests get a chunk
 * of their own) and are never freed one by one: arena_reset keeps the first chunk for
 * reuse and frees the rest; arena_release frees everything. Pointers are 16-byte aligned.
 */
#ifndef PP_ARENA_H
#define PP_ARENA_H

#include "core/common.h"

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t chunk_size;
	size_t used_total;
};

void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_reset(struct arena *a);
void arena_release(struct arena *a);

#endif
