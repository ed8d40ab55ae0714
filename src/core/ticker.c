/* A background thread calling a function every so often (ticker.h). */
#include "core/ticker.h"
#include "core/err.h"

#include <time.h>

static void *run(void *arg)
{
	struct ticker *t = arg;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		int64_t ns = until.tv_nsec + (t->every_ms % 1000) * 1000000;
		until.tv_sec += t->every_ms / 1000 + ns / 1000000000;
		until.tv_nsec = ns % 1000000000;
		while (!t->stop && !t->poked && pthread_cond_timedwait(&t->wake, &t->mu, &until) == 0)
			;
		if (t->stop)
			break;
		t->poked = false;
		pthread_mutex_unlock(&t->mu);
		t->fn(t->ctx);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int ticker_start(struct ticker *t, int64_t every_ms, void (*fn)(void *ctx), void *ctx)
{
	pthread_condattr_t ca;

	memset(t, 0, sizeof(*t));
	t->every_ms = every_ms;
	t->fn = fn;
	t->ctx = ctx;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->thread, NULL, run, t))
		return pp_error_errno(PP_EIO, "a background thread");
	t->running = true;
	return 0;
}

void ticker_poke(struct ticker *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->mu);
	t->poked = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->mu);
}

void ticker_stop(struct ticker *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->mu);
	t->running = false;
}
