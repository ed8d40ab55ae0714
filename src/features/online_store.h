/*
 * online_store.h - where serving reads feature values: one row per feature view and
 * entity (the view's values in slot order, the time they hold for, and an expiry from the
 * view's TTL). A vtable with two backends: LMDB (default; a file under the lake, shared
 * by several processes) and Redis (a server, for several machines).
 *
 * A value is a double; NaN is missing. Rows past their expiry (by the reader's clock, the
 * data's time) read as absent on both backends; LMDB's `expire` deletes them, Redis drops a
 * key once its TTL (expiry minus the row's time) has passed on its own clock.
 * `update` changes a row in place, atomically even against other processes: counters add,
 * extremes keep the larger or smaller, the rest are set; that is how the streaming path
 * applies one event to a session without losing another process's increments.
 */
#ifndef PP_ONLINE_STORE_H
#define PP_ONLINE_STORE_H

#include "core/common.h"

struct config;

#define ONLINE_MAX_VALUES 256 /* per row */

/* One row: n values, the time they hold for (ms), when they expire (ms; 0: never). */
struct online_row {
	double v[ONLINE_MAX_VALUES];
	size_t n;
	int64_t ts, expires;
};

/* Which row: a view's name and an entity's key. */
struct online_key {
	const char *view;
	struct span entity;
};

enum online_op { ONLINE_SET, ONLINE_ADD, ONLINE_MAX, ONLINE_MIN };

/* One slot's change in an update. */
struct online_change {
	uint32_t slot;
	enum online_op op;
	double v;
};

struct online_store;

struct online_store_ops {
	const char *name; /* "lmdb", "redis" */
	/* The row, or PP_ENOENT when there is none (or it expired by now_ms). */
	int (*get)(struct online_store *s, const struct online_key *k, int64_t now_ms,
		   struct online_row *out);
	/* Several rows in one transaction or round trip; found[i] says which exist. */
	int (*multi_get)(struct online_store *s, const struct online_key *k, size_t n, int64_t now_ms,
			 struct online_row *out, bool *found);
	/* Replaces rows (a batch in one transaction or pipeline). */
	int (*put)(struct online_store *s, const struct online_key *k, const struct online_row *rows,
		   size_t n);
	/* Changes one row atomically (creating it with missing values where it is absent),
	 * sets its time and expiry; nvalues is the row's length. */
	int (*update)(struct online_store *s, const struct online_key *k, size_t nvalues,
		      const struct online_change *c, size_t nc, int64_t ts, int64_t expires);
	/* Deletes the rows expired by now_ms (Redis does this itself); *deleted counts them. */
	int (*expire)(struct online_store *s, int64_t now_ms, uint64_t *deleted);
	void (*close)(struct online_store *s);
};

struct online_store {
	const struct online_store_ops *ops;
	char *where; /* the file or the server, for messages */
};

/* get by way of multi_get, for backends whose single read is no cheaper. */
int online_store_get_one(struct online_store *s, const struct online_key *k, int64_t now_ms,
			 struct online_row *out);

/* online_store.backend of cfg: LMDB at online_store.path (relative to lake.root) or Redis
 * at online_store.redis_url. */
int online_store_open(struct online_store **out, const struct config *cfg);
int online_store_lmdb_open(struct online_store **out, const char *path);
int online_store_redis_open(struct online_store **out, const char *url);
void online_store_close(struct online_store *s);

#endif
