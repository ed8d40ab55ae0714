/* The online store a configuration names (online_store.h). */
#include "features/online_store.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/rng.h"
#include "core/timeutil.h"

#include <time.h>
#include <unistd.h>

int online_store_open(struct online_store **out, const struct config *cfg)
{
	struct buf path = BUF_INIT;
	int rc;

	*out = NULL;
	if (!strcmp(cfg->online_backend, "redis"))
		return online_store_redis_open(out, cfg->redis_url);
	if (cfg->online_path[0] == '/')
		rc = buf_puts(&path, cfg->online_path);
	else if (strstr(cfg->lake_root, "://"))
		return pp_error(PP_ECONFIG, "online_store.path: %s is relative to lake.root, which is not "
				"a local directory (%s): give an absolute path, or use redis",
				cfg->online_path, cfg->lake_root);
	else
		rc = buf_printf(&path, "%s/%s", cfg->lake_root, cfg->online_path);
	if (!rc)
		rc = online_store_lmdb_open(out, path.data);
	buf_release(&path);
	return rc;
}

int online_store_get_one(struct online_store *s, const struct online_key *k, int64_t now_ms,
			 struct online_row *out)
{
	bool found = false;
	int rc = s->ops->multi_get(s, k, 1, now_ms, out, &found);

	return !rc && !found ? PP_ENOENT : rc;
}

#define TXN_TRIES 64

/*
 * After a conflict, wait a random while that doubles with each try (50 us up to 50 ms):
 * two writers retrying at once would otherwise keep invalidating each other, the faster
 * one starving the other.
 */
static void backoff(int attempt, struct rng *g)
{
	uint64_t cap_us = 50ull << (attempt < 10 ? attempt : 10);
	uint64_t us = rng_below(g, cap_us) + 1;

	nanosleep(&(struct timespec){ (time_t)(us / 1000000), (long)(us % 1000000) * 1000 }, NULL);
}

int online_store_transact(struct online_store *s, online_txn_fn fn, void *ctx)
{
	int rc = 0, lost = 0;
	struct rng g;

	rng_seed(&g, time_mono_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)ctx);
	for (int attempt = 0; attempt < TXN_TRIES; attempt++) {
		if (attempt > lost)
			backoff(attempt - lost, &g);
		struct online_txn *t = NULL;
		if ((rc = s->ops->txn_begin(s, &t)) || (rc = fn(t, ctx))) {
			if (t)
				s->ops->txn_abort(t);
			if (rc == PP_EIO && !lost++) /* nothing was written: once more */
				continue;
			return rc;
		}
		if ((rc = s->ops->txn_commit(t)) != PP_ECONFLICT)
			return rc;
	}
	return pp_error(PP_ECONFLICT, "%s: a transaction kept meeting other writers (%d tries)", s->where,
			TXN_TRIES);
}

void online_store_close(struct online_store *s)
{
	if (s)
		s->ops->close(s);
}
