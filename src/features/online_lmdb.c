/* The LMDB online store: one file (a directory under the lake) that several processes
 * share; a row is a key `view\0entity` and a fixed header plus the values. */
#include "features/online_store.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/pool.h"

#include <lmdb.h>
#include <math.h>

#define READERS_KEPT 64 /* reset read transactions kept for reuse */

struct lmdb_store {
	struct online_store base;
	MDB_env *env;
	MDB_dbi dbi;
	/* a read transaction costs a few microseconds to begin and a fraction to renew: the
	 * reset ones wait here (MDB_NOTLS lets any thread take one) */
	struct pool readers;
};

/* The stored form of a row (n values follow) or of a blob (n is BLOB_N, bytes follow). */
struct stored {
	int64_t ts, expires;
	uint32_t n, pad;
};

#define BLOB_N UINT32_MAX

#define MAP_SIZE (64ULL << 30) /* address space reserved; the file grows as needed */

static int fail(struct lmdb_store *s, const char *what, int rc)
{
	return pp_error(rc == MDB_MAP_FULL ? PP_ELIMIT : PP_EIO, "%s: %s: %s", s->base.where, what,
			mdb_strerror(rc));
}

static int key_of(const struct online_key *k, struct buf *b, MDB_val *key)
{
	size_t vl = strlen(k->view);

	buf_reset(b);
	if (!k->entity.len || k->entity.len + vl + 1 > 511) /* LMDB's longest key */
		return pp_error(PP_EINVAL, "online store: an entity key of %zu bytes for %s", k->entity.len,
				k->view);
	if (buf_append(b, k->view, vl + 1) || buf_append(b, k->entity.p, k->entity.len))
		return PP_ENOMEM;
	key->mv_data = b->data;
	key->mv_size = b->len;
	return 0;
}

static bool decode(const MDB_val *v, int64_t now_ms, struct online_row *out)
{
	struct stored h;

	if (v->mv_size < sizeof(h))
		return false;
	memcpy(&h, v->mv_data, sizeof(h));
	if (h.n > ONLINE_MAX_VALUES || v->mv_size != sizeof(h) + h.n * sizeof(double))
		return false;
	if (h.expires && h.expires <= now_ms)
		return false;
	out->ts = h.ts;
	out->expires = h.expires;
	out->n = h.n;
	memcpy(out->v, (const char *)v->mv_data + sizeof(h), h.n * sizeof(double));
	return true;
}

static int encode(const struct online_row *r, struct buf *b, MDB_val *v)
{
	struct stored h = { r->ts, r->expires, (uint32_t)r->n, 0 };

	buf_reset(b);
	if (r->n > ONLINE_MAX_VALUES)
		return pp_error(PP_ELIMIT, "online store: %zu values in a row (at most %d)", r->n,
				ONLINE_MAX_VALUES);
	if (buf_append(b, &h, sizeof(h)) || buf_append(b, r->v, r->n * sizeof(double)))
		return PP_ENOMEM;
	v->mv_data = b->data;
	v->mv_size = b->len;
	return 0;
}

static int begin_read(struct lmdb_store *s, MDB_txn **txn)
{
	int rc;

	if ((*txn = pool_take(&s->readers)) && !(rc = mdb_txn_renew(*txn)))
		return 0;
	if (*txn)
		mdb_txn_abort(*txn);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn)))
		return fail(s, "starting a read", rc);
	return 0;
}

static void end_read(struct lmdb_store *s, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	if (!pool_give(&s->readers, txn))
		mdb_txn_abort(txn);
}

static int lm_multi_get(struct online_store *base, const struct online_key *k, size_t n,
			int64_t now_ms, struct online_row *out, bool *found)
{
	struct lmdb_store *s = (struct lmdb_store *)base;
	char kb[512];
	MDB_txn *txn;
	int rc, err = begin_read(s, &txn);

	for (size_t i = 0; i < n && !err; i++) {
		size_t vl = strlen(k[i].view);
		MDB_val key = { vl + 1 + k[i].entity.len, kb }, val;
		found[i] = false;
		if (!k[i].entity.len || key.mv_size > 511) { /* LMDB's longest key */
			err = pp_error(PP_EINVAL, "online store: an entity key of %zu bytes for %s",
				       k[i].entity.len, k[i].view);
			break;
		}
		memcpy(kb, k[i].view, vl + 1);
		memcpy(kb + vl + 1, k[i].entity.p, k[i].entity.len);
		rc = mdb_get(txn, s->dbi, &key, &val);
		if (rc == 0)
			found[i] = decode(&val, now_ms, &out[i]);
		else if (rc != MDB_NOTFOUND)
			err = fail(s, "reading", rc);
	}
	if (txn)
		end_read(s, txn);
	return err;
}

static int lm_put(struct online_store *base, const struct online_key *k, const struct online_row *rows,
		  size_t n)
{
	struct lmdb_store *s = (struct lmdb_store *)base;
	struct buf kb = BUF_INIT, vb = BUF_INIT;
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn), err = 0;

	if (rc)
		return fail(s, "starting a write", rc);
	for (size_t i = 0; i < n && !err; i++) {
		MDB_val key, val;
		if ((err = key_of(&k[i], &kb, &key)) || (err = encode(&rows[i], &vb, &val)))
			break;
		if ((rc = mdb_put(txn, s->dbi, &key, &val, 0)))
			err = fail(s, "writing", rc);
	}
	if (err)
		mdb_txn_abort(txn);
	else if ((rc = mdb_txn_commit(txn)))
		err = fail(s, "committing", rc);
	buf_release(&kb);
	buf_release(&vb);
	return err;
}

/* A change applied to a value (missing counts as nothing there yet). */
static double apply(double cur, const struct online_change *c)
{
	switch (c->op) {
	case ONLINE_ADD:
		return isnan(cur) ? c->v : cur + c->v;
	case ONLINE_MAX:
		return isnan(cur) || c->v > cur ? c->v : cur;
	case ONLINE_MIN:
		return isnan(cur) || c->v < cur ? c->v : cur;
	default:
		return c->v;
	}
}

static int lm_update(struct online_store *base, const struct online_key *k, size_t nvalues,
		     const struct online_change *c, size_t nc, int64_t ts, int64_t expires)
{
	struct lmdb_store *s = (struct lmdb_store *)base;
	struct buf kb = BUF_INIT, vb = BUF_INIT;
	struct online_row *row = pp_malloc(sizeof(*row));
	MDB_txn *txn = NULL;
	MDB_val key, val;
	int rc, err = 0;

	if (!row)
		return PP_ENOMEM;
	if (nvalues > ONLINE_MAX_VALUES) {
		err = pp_error(PP_ELIMIT, "online store: %zu values in a row", nvalues);
		goto out;
	}
	if ((err = key_of(k, &kb, &key)))
		goto out;
	/* LMDB has one writer at a time, across processes: read, change, write is atomic */
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
		err = fail(s, "starting a write", rc);
		goto out;
	}
	rc = mdb_get(txn, s->dbi, &key, &val);
	if (rc && rc != MDB_NOTFOUND) {
		err = fail(s, "reading", rc);
		goto out;
	}
	if (rc || !decode(&val, ts, row) || row->n != nvalues) { /* a new row (or a stale one) */
		row->n = nvalues;
		for (size_t i = 0; i < nvalues; i++)
			row->v[i] = NAN;
	}
	for (size_t i = 0; i < nc; i++) {
		if (c[i].slot >= nvalues) {
			err = pp_error(PP_EINVAL, "online store: slot %u of a row of %zu", c[i].slot, nvalues);
			goto out;
		}
		row->v[c[i].slot] = apply(row->v[c[i].slot], &c[i]);
	}
	row->ts = ts;
	row->expires = expires;
	if ((err = encode(row, &vb, &val)))
		goto out;
	if ((rc = mdb_put(txn, s->dbi, &key, &val, 0))) {
		err = fail(s, "writing", rc);
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		err = fail(s, "committing", rc);
out:
	if (txn)
		mdb_txn_abort(txn);
	pp_free(row);
	buf_release(&kb);
	buf_release(&vb);
	return err;
}

/* ---- transactions: LMDB's one write transaction ---- */

struct lmdb_txn {
	struct online_txn base;
	MDB_txn *txn;
	struct buf kb, vb;
};

static int lm_txn_begin(struct online_store *base, struct online_txn **out)
{
	struct lmdb_store *s = (struct lmdb_store *)base;
	struct lmdb_txn *t = pp_calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return PP_ENOMEM;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &t->txn))) {
		pp_free(t);
		return fail(s, "starting a write", rc);
	}
	t->base.store = base;
	*out = &t->base;
	return 0;
}

static void lm_txn_free(struct lmdb_txn *t)
{
	buf_release(&t->kb);
	buf_release(&t->vb);
	pp_free(t);
}

static void lm_txn_abort(struct online_txn *base)
{
	struct lmdb_txn *t = (struct lmdb_txn *)base;

	mdb_txn_abort(t->txn);
	lm_txn_free(t);
}

static int lm_txn_get(struct online_txn *base, const struct online_key *k, size_t n, int64_t now_ms,
		      struct span *blob, bool *found)
{
	struct lmdb_txn *t = (struct lmdb_txn *)base;
	struct lmdb_store *s = (struct lmdb_store *)base->store;
	int rc;

	for (size_t i = 0; i < n; i++) {
		MDB_val key, val;
		struct stored h;
		found[i] = false;
		if ((rc = key_of(&k[i], &t->kb, &key)))
			return rc;
		if ((rc = mdb_get(t->txn, s->dbi, &key, &val)) == MDB_NOTFOUND)
			continue;
		if (rc)
			return fail(s, "reading", rc);
		if (val.mv_size < sizeof(h))
			continue;
		memcpy(&h, val.mv_data, sizeof(h));
		if (h.n != BLOB_N || (h.expires && h.expires <= now_ms))
			continue;
		blob[i] = (struct span){ (const char *)val.mv_data + sizeof(h), val.mv_size - sizeof(h) };
		found[i] = true;
	}
	return 0;
}

static int lm_txn_put_blob(struct online_txn *base, const struct online_key *k, struct span blob,
			   int64_t ts, int64_t expires)
{
	struct lmdb_txn *t = (struct lmdb_txn *)base;
	struct lmdb_store *s = (struct lmdb_store *)base->store;
	struct stored h = { ts, expires, BLOB_N, 0 };
	MDB_val key, val = { sizeof(h) + blob.len, NULL };
	int rc;

	if ((rc = key_of(k, &t->kb, &key)))
		return rc;
	if ((rc = mdb_put(t->txn, s->dbi, &key, &val, MDB_RESERVE)))
		return fail(s, "writing", rc);
	memcpy(val.mv_data, &h, sizeof(h));
	memcpy((char *)val.mv_data + sizeof(h), blob.p, blob.len);
	return 0;
}

static int lm_txn_put_row(struct online_txn *base, const struct online_key *k, const struct online_row *row)
{
	struct lmdb_txn *t = (struct lmdb_txn *)base;
	struct lmdb_store *s = (struct lmdb_store *)base->store;
	MDB_val key, val;
	int rc;

	if ((rc = key_of(k, &t->kb, &key)) || (rc = encode(row, &t->vb, &val)))
		return rc;
	if ((rc = mdb_put(t->txn, s->dbi, &key, &val, 0)))
		return fail(s, "writing", rc);
	return 0;
}

static int lm_txn_commit(struct online_txn *base)
{
	struct lmdb_txn *t = (struct lmdb_txn *)base;
	struct lmdb_store *s = (struct lmdb_store *)base->store;
	int rc = mdb_txn_commit(t->txn); /* frees the transaction either way */

	lm_txn_free(t);
	return rc ? fail(s, "committing", rc) : 0;
}

static int lm_expire(struct online_store *base, int64_t now_ms, uint64_t *deleted)
{
	struct lmdb_store *s = (struct lmdb_store *)base;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc, err = 0;

	*deleted = 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)))
		return fail(s, "starting a write", rc);
	if ((rc = mdb_cursor_open(txn, s->dbi, &cur))) {
		mdb_txn_abort(txn);
		return fail(s, "opening a cursor", rc);
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc && !err;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		struct stored h;
		if (val.mv_size < sizeof(h))
			continue;
		memcpy(&h, val.mv_data, sizeof(h));
		if (h.expires && h.expires <= now_ms) {
			if ((rc = mdb_cursor_del(cur, 0)))
				err = fail(s, "deleting", rc);
			else
				(*deleted)++;
		}
	}
	mdb_cursor_close(cur);
	if (err)
		mdb_txn_abort(txn);
	else if ((rc = mdb_txn_commit(txn)))
		err = fail(s, "committing", rc);
	return err;
}

static void lm_close(struct online_store *base)
{
	struct lmdb_store *s = (struct lmdb_store *)base;

	for (MDB_txn *t; (t = pool_drain(&s->readers));)
		mdb_txn_abort(t);
	if (s->env)
		mdb_env_close(s->env);
	pool_destroy(&s->readers);
	pp_free(s->base.where);
	pp_free(s);
}

static const struct online_store_ops lmdb_ops = {
	.name = "lmdb",
	.txn_reads_own_writes = true,
	.get = online_store_get_one,
	.multi_get = lm_multi_get,
	.put = lm_put,
	.update = lm_update,
	.txn_begin = lm_txn_begin,
	.txn_get = lm_txn_get,
	.txn_put_blob = lm_txn_put_blob,
	.txn_put_row = lm_txn_put_row,
	.txn_commit = lm_txn_commit,
	.txn_abort = lm_txn_abort,
	.expire = lm_expire,
	.close = lm_close,
};

/* The store at path, with LMDB's flags beyond the ones every store has. */
static int open_with(struct online_store **out, const char *path, unsigned flags)
{
	struct lmdb_store *s = pp_calloc(1, sizeof(*s));
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (!s || !(s->base.where = pp_strdup(path))) {
		pp_free(s);
		return PP_ENOMEM;
	}
	s->base.ops = &lmdb_ops;
	pool_init(&s->readers, READERS_KEPT);
	if ((rc = fs_mkdir_p(path))) {
		lm_close(&s->base);
		return pp_error_wrap(rc, "online store %s", path);
	}
	/* MDB_NOTLS: a read transaction is not tied to the thread (the server's workers);
	 * MDB_NOMETASYNC: a commit syncs the data, the meta page with the next one (a machine
	 * crash may undo the last commit, never corrupt the file) */
	if ((rc = mdb_env_create(&s->env)) || (rc = mdb_env_set_mapsize(s->env, MAP_SIZE)) ||
	    (rc = mdb_env_set_maxreaders(s->env, 1024)) ||
	    (rc = mdb_env_open(s->env, path, MDB_NOTLS | MDB_NOMETASYNC | flags, 0644))) {
		rc = fail(s, "opening", rc);
		lm_close(&s->base);
		return rc;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
		rc = fail(s, "opening its database", rc);
		lm_close(&s->base);
		return rc;
	}
	if ((rc = mdb_dbi_open(txn, NULL, 0, &s->dbi)))
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn); /* frees the transaction either way */
	if (rc) {
		rc = fail(s, "opening its database", rc);
		lm_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}

int online_store_lmdb_open(struct online_store **out, const char *path)
{
	return open_with(out, path, 0);
}

int online_store_lmdb_open_scratch(struct online_store **out, const char *path)
{
	return open_with(out, path, MDB_NOSYNC);
}
