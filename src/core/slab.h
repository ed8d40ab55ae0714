/*
 * slab.h - many small allocations of a few sizes, made and dropped fast, and all dropped
 * at once: sizes round up to a power of two (16 bytes to 64 KB), carved from 1 MB blocks,
 * and a freed piece waits on its size's list for the next. Frees are sized (the caller
 * knows what it asked for). Larger pieces go to malloc and back. slab_release frees the
 * blocks, so the small pieces need no freeing one by one; the large ones still do.
 *
 * For the feature engine's per-entity states: millions of them, freed in one go.
 * Not thread-safe: one owner.
 */
#ifndef PP_SLAB_H
#define PP_SLAB_H

#include "core/common.h"

#define SLAB_CLASSES (256 + 4) /* 16, 32, .. 4096; 8192 .. 65536 */

struct slab {
	void *free[SLAB_CLASSES];
	char **blocks;
	size_t nblocks, capblocks;
	char *cur;   /* the rest of the newest block */
	size_t left;
};

void slab_init(struct slab *s);
void *slab_alloc(struct slab *s, size_t size);  /* NULL: out of memory */
void *slab_calloc(struct slab *s, size_t size); /* zeroed */
void slab_free(struct slab *s, void *p, size_t size); /* size as allocated; NULL is fine */
/* Whether a piece of this size is the slab's (else malloc's, to be freed by slab_free). */
bool slab_owns_size(size_t size);
void slab_release(struct slab *s);

#endif
