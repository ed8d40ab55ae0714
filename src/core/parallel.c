/* Tasks shared out among threads (parallel.h). */
#include "core/parallel.h"
#include "core/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_THREADS 64

struct batch {
	parallel_fn fn;
	void *ctx;
	size_t n;
	atomic_size_t next;
	atomic_bool failed;
	pthread_mutex_t mu; /* the first failure */
	int rc;
	char msg[1024];
};

struct worker {
	struct batch *b;
	unsigned id;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	size_t t;

	while (!atomic_load(&b->failed) && (t = atomic_fetch_add(&b->next, 1)) < b->n) {
		int rc = b->fn(b->ctx, t, w->id);
		if (!rc)
			continue;
		pthread_mutex_lock(&b->mu);
		if (!b->rc) {
			b->rc = rc;
			snprintf(b->msg, sizeof(b->msg), "%s", pp_errmsg());
		}
		pthread_mutex_unlock(&b->mu);
		atomic_store(&b->failed, true);
	}
	return NULL;
}

unsigned parallel_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

int parallel_run(size_t n, unsigned threads, parallel_fn fn, void *ctx)
{
	struct batch b = { .fn = fn, .ctx = ctx, .n = n };
	struct worker w[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;

	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > n)
		threads = n ? (unsigned)n : 1;
	atomic_init(&b.next, 0);
	atomic_init(&b.failed, false);
	pthread_mutex_init(&b.mu, NULL);
	for (unsigned k = 0; k < threads; k++)
		w[k] = (struct worker){ &b, k };
	/* a thread that cannot start leaves its share to the others */
	for (unsigned k = 1; k < threads; k++)
		if (!pthread_create(&tid[started], NULL, work, &w[started + 1]))
			started++;
	work(&w[0]);
	for (unsigned k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&b.mu);
	return b.rc ? pp_error(b.rc, "%s", b.msg) : 0;
}
