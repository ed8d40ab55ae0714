/*
 * pool.h - a few reusable objects kept between uses by several threads (curl handles,
 * LMDB read transactions): take one if there is one, give it back when done; when the
 * pool is full the giver destroys it.
 */
#ifndef PP_POOL_H
#define PP_POOL_H

#include "core/common.h"

#include <pthread.h>

#define POOL_MAX 64

struct pool {
	pthread_mutex_t mu;
	void *items[POOL_MAX];
	size_t n, max;
};

/* max: how many are kept (at most POOL_MAX). */
void pool_init(struct pool *p, size_t max);
/* An object put back earlier, or NULL. */
void *pool_take(struct pool *p);
/* Keeps it: true; the pool is full: false, and the caller destroys it. */
bool pool_give(struct pool *p, void *item);
/* The objects kept, to destroy, and the pool emptied; then pool_destroy. */
void *pool_drain(struct pool *p);
void pool_destroy(struct pool *p);

#endif
