/*
 * delta_sample - writes a small partitioned Delta table in three commits (create with two
 * dates, append a third, remove the first file), for the DuckDB check in
 * tests/integration/t0016-delta-duckdb.sh.
 *
 *   delta_sample LAKE_DIR TABLE
 */
#include "core/err.h"
#include "lake/delta/delta.h"

static struct buf rows(int64_t from, int n)
{
	const struct pq_column_def cols[] = { { "id", PQ_INT64, false, false },
					      { "name", PQ_STRING, true, true } };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct buf out = BUF_INIT;
	char s[32];

	pq_writer_opts_default(&o);
	if (pq_writer_open(&w, cols, 2, &o))
		exit(1);
	for (int i = 0; i < n; i++) {
		int len = snprintf(s, sizeof(s), "v%lld", (long long)(from + i));
		pq_put_i64(w, from + i);
		pq_put_str(w, s, (size_t)len);
		pq_end_row(w);
	}
	if (pq_writer_finish(w, &out))
		exit(1);
	return out;
}

int main(int argc, char **argv)
{
	static const struct delta_field fields[] = { { "id", PQ_INT64, false },
						     { "name", PQ_STRING, true },
						     { "event_date", PQ_STRING, true } };
	static const char *const part[] = { "event_date" };
	const char *d1[] = { "2015-06-01" }, *d2[] = { "2015-06-02" }, *d3[] = { "2015-06-03" };
	struct lake_fs *fs;
	struct delta_txn t;
	struct delta_snapshot s;
	struct buf a = rows(0, 100), b = rows(100, 50), c = rows(150, 25);

	if (argc != 3 || lake_fs_open(&fs, argv[1]))
		return 2;
	delta_txn_begin(&t, fs, argv[2], NULL);
	delta_txn_metadata(&t, fields, 3, part, 1);
	delta_txn_add_parquet(&t, d1, &a, 100, NULL);
	delta_txn_add_parquet(&t, d2, &b, 50, NULL);
	if (delta_txn_commit(&t, "WRITE", NULL) || delta_snapshot_load(fs, argv[2], -1, &s))
		goto fail;
	delta_txn_begin(&t, fs, argv[2], &s);
	delta_txn_add_parquet(&t, d3, &c, 25, NULL);
	delta_snapshot_release(&s);
	if (delta_txn_commit(&t, "WRITE", NULL) || delta_snapshot_load(fs, argv[2], -1, &s))
		goto fail;
	delta_txn_begin(&t, fs, argv[2], &s);
	for (size_t i = 0; i < s.nfiles; i++)
		if (!strcmp(s.files[i].pvalues[0], "2015-06-01"))
			delta_txn_remove(&t, &s.files[i]);
	delta_snapshot_release(&s);
	if (delta_txn_commit(&t, "DELETE", NULL))
		goto fail;
	lake_fs_close(fs);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
	return 0;
fail:
	fprintf(stderr, "delta_sample: %s\n", pp_errmsg());
	return 1;
}
