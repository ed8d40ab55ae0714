#include "etl/curated.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strsort.h"
#include "lake/delta/delta.h"

/* The parts into the table: their dates' partitions replaced, or with `whole` every file
 * and the schema (the columns may have changed). */
static int commit_parts(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
			size_t ncols, const struct curated_part *parts, size_t n, bool whole)
{
	static const char *const part[] = { "event_date" };
	struct delta_field *fields;
	struct delta_snapshot snap;
	struct delta_txn t;
	bool have_snap;
	size_t i;
	int rc = delta_snapshot_load(fs, table, -1, &snap);

	if (rc && rc != PP_ENOENT)
		return rc;
	have_snap = rc == 0;
	pp_error_clear();
	if (!(fields = pp_calloc(ncols + 1, sizeof(*fields)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	rc = 0;
	delta_txn_begin(&t, fs, table, have_snap ? &snap : NULL);
	if (!have_snap || whole) {
		delta_fields_of(cols, ncols, part[0], fields);
		delta_txn_metadata(&t, fields, ncols + 1, part, 1);
	}
	for (i = 0; whole && have_snap && i < snap.nfiles; i++)
		delta_txn_remove(&t, &snap.files[i]);
	for (i = 0; i < n && !rc; i++) {
		const char *pv[1] = { parts[i].date };
		if (have_snap && !whole)
			delta_txn_remove_partition(&t, &snap, parts[i].date);
		if (parts[i].stored)
			delta_txn_add_stored(&t, pv, parts[i].stored, parts[i].records, NULL);
		else
			delta_txn_add_parquet(&t, pv, parts[i].file, parts[i].records, NULL);
		rc = t.rc;
	}
	if (!rc)
		rc = delta_txn_commit(&t, !have_snap ? "WRITE" : whole ? "OVERWRITE" : "MERGE", NULL);
	else
		delta_txn_abort(&t);
out:
	pp_free(fields);
	if (have_snap)
		delta_snapshot_release(&snap);
	return rc;
}

int curated_commit(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		   size_t ncols, const struct curated_part *parts, size_t n)
{
	return commit_parts(fs, table, cols, ncols, parts, n, false);
}

int curated_rewrite(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		    size_t ncols, const struct curated_part *parts, size_t n)
{
	return commit_parts(fs, table, cols, ncols, parts, n, true);
}

int curated_replace(struct lake_fs *fs, const char *table, const struct pq_column_def *cols,
		    size_t ncols, const struct buf *file, int64_t records)
{
	struct delta_field *fields;
	struct delta_snapshot snap;
	struct delta_txn t;
	bool have_snap;
	int rc = delta_snapshot_load(fs, table, -1, &snap);

	if (rc && rc != PP_ENOENT)
		return rc;
	have_snap = rc == 0;
	pp_error_clear();
	if (!(fields = pp_calloc(ncols, sizeof(*fields)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	delta_txn_begin(&t, fs, table, have_snap ? &snap : NULL);
	if (!have_snap) {
		delta_fields_of(cols, ncols, NULL, fields);
		delta_txn_metadata(&t, fields, ncols, NULL, 0);
	}
	for (size_t i = 0; have_snap && i < snap.nfiles; i++)
		delta_txn_remove(&t, &snap.files[i]);
	delta_txn_add_parquet(&t, NULL, file, records, NULL);
	rc = delta_txn_commit(&t, have_snap ? "WRITE" : "CREATE TABLE", NULL);
out:
	pp_free(fields);
	if (have_snap)
		delta_snapshot_release(&snap);
	return rc;
}

int curated_encode(const void *rows, size_t n, size_t stride, size_t key_field, const size_t *order,
		   const struct pq_column_def *cols, size_t ncols, curated_put_fn put, void *ctx,
		   struct buf *out, int64_t *nrows)
{
	size_t *own = order ? NULL : str_order(rows, n, stride, key_field);
	struct pq_writer_opts o;
	struct pq_writer *w;
	int rc;

	if (!order && !(order = own))
		return PP_ENOMEM;
	pq_writer_opts_default(&o);
	if (!(rc = pq_writer_open(&w, cols, ncols, &o))) {
		for (size_t i = 0; i < n && !rc; i++)
			if (!(rc = put(w, (const char *)rows + order[i] * stride, ctx)))
				rc = pq_end_row(w);
		if (rc) {
			pq_writer_abort(w);
		} else {
			*nrows = (int64_t)n;
			rc = pq_writer_finish(w, out);
		}
	}
	pp_free(own);
	return rc;
}
