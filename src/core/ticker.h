/*
 * ticker.h - a background thread that calls a function every so often, sooner when poked,
 * and stops cleanly: what the server's watchers share (the champion, the recommender, the
 * prediction log's flushes).
 */
#ifndef PP_TICKER_H
#define PP_TICKER_H

#include "core/common.h"

#include <pthread.h>

struct ticker {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop, poked;
	int64_t every_ms;
	void (*fn)(void *ctx);
	void *ctx;
};

/* Starts calling fn(ctx) every every_ms; PP_EIO when the thread cannot start. */
int ticker_start(struct ticker *t, int64_t every_ms, void (*fn)(void *ctx), void *ctx);
/* The next call now rather than at the next tick. */
void ticker_poke(struct ticker *t);
/* Waits for a call under way to end; no call after. Safe on a ticker never started. */
void ticker_stop(struct ticker *t);

#endif
