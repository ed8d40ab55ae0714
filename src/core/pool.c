/* Reusable objects between threads (pool.h). */
#include "core/pool.h"

void pool_init(struct pool *p, size_t max)
{
	pthread_mutex_init(&p->mu, NULL);
	p->n = 0;
	p->max = max < POOL_MAX ? max : POOL_MAX;
}

void *pool_take(struct pool *p)
{
	void *item = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->n)
		item = p->items[--p->n];
	pthread_mutex_unlock(&p->mu);
	return item;
}

bool pool_give(struct pool *p, void *item)
{
	bool kept = false;

	pthread_mutex_lock(&p->mu);
	if (p->n < p->max) {
		p->items[p->n++] = item;
		kept = true;
	}
	pthread_mutex_unlock(&p->mu);
	return kept;
}

void *pool_drain(struct pool *p)
{
	return pool_take(p);
}

void pool_destroy(struct pool *p)
{
	pthread_mutex_destroy(&p->mu);
}
