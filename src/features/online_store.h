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

/*
 * A transaction (online_store_transact): reads, then writes of rows and of blobs (opaque
 * bytes with a time and an expiry: the live path's per-entity states and clocks), applied
 * together and only if nothing read was changed meanwhile by another writer. LMDB runs it
 * inside its one write transaction (writers take turns, across processes); Redis WATCHes
 * the keys read and writes in MULTI/EXEC, and the caller's function runs again when EXEC
 * finds a key changed. A blob's key must not be a row's (callers name blobs apart).
 */
struct online_txn {
	struct online_store *store;
};

typedef int (*online_txn_fn)(struct online_txn *t, void *ctx);

struct online_store_ops {
	const char *name; /* "lmdb", "redis" */
	/* Whether a transaction's reads see its own writes (LMDB's do; Redis's writes wait in
	 * MULTI until EXEC): only then can one transaction apply several events that touch the
	 * same keys (live_apply_batch). */
	bool txn_reads_own_writes;
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
	/* A transaction's steps (see online_store_transact). get: the blobs of keys (found[i]
	 * false when absent, expired by now_ms or not a blob); their bytes stay valid until the
	 * transaction's first put. commit ends the transaction: PP_ECONFLICT when a key read
	 * was changed by another writer (nothing was written). */
	int (*txn_begin)(struct online_store *s, struct online_txn **t);
	int (*txn_get)(struct online_txn *t, const struct online_key *k, size_t n, int64_t now_ms,
		       struct span *blob, bool *found);
	int (*txn_put_blob)(struct online_txn *t, const struct online_key *k, struct span blob,
			    int64_t ts, int64_t expires);
	int (*txn_put_row)(struct online_txn *t, const struct online_key *k, const struct online_row *row);
	int (*txn_commit)(struct online_txn *t);
	void (*txn_abort)(struct online_txn *t);
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

/*
 * Runs fn in a transaction and commits it; when another writer changed what fn read, runs
 * it again (up to 64 times; then PP_ECONFLICT). A connection lost before the commit was
 * sent is retried once; one lost during the commit is reported, never applied twice.
 */
int online_store_transact(struct online_store *s, online_txn_fn fn, void *ctx);

/* online_store.backend of cfg: LMDB at online_store.path (relative to lake.root) or Redis
 * at online_store.redis_url. */
int online_store_open(struct online_store **out, const struct config *cfg);
int online_store_lmdb_open(struct online_store **out, const char *path);
/* The same for a store thrown away after use (a check's): commits do not sync, so a crash
 * may lose or corrupt it. */
int online_store_lmdb_open_scratch(struct online_store **out, const char *path);
int online_store_redis_open(struct online_store **out, const char *url);
void online_store_close(struct online_store *s);

#endif
