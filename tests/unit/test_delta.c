/* Unit tests of the Delta log: commits, snapshots, time travel, conflicts. */
#include "core/err.h"
#include "lake/delta/delta.h"
#include "unit/test.h"

static struct buf parquet_of(int rows)
{
	const struct pq_column_def cols[] = { { "id", PQ_INT64, false, false } };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct buf out = BUF_INIT;

	pq_writer_opts_default(&o);
	CHECK_INT(pq_writer_open(&w, cols, 1, &o), 0);
	for (int i = 0; i < rows; i++) {
		CHECK_INT(pq_put_i64(w, i), 0);
		CHECK_INT(pq_end_row(w), 0);
	}
	CHECK_INT(pq_writer_finish(w, &out), 0);
	return out;
}

static int64_t records_of(const struct delta_snapshot *s)
{
	int64_t n = 0;

	for (size_t i = 0; i < s->nfiles; i++)
		n += s->files[i].records;
	return n;
}

TEST(delta_commits_snapshots_and_conflicts)
{
	static const struct delta_field fields[] = { { "event_date", PQ_STRING, true },
						     { "id", PQ_INT64, false } };
	static const char *const part[] = { "event_date" };
	const char *d1[] = { "2015-06-01" }, *d2[] = { "2015-06-02" }, *odd[] = { "a b/c" };
	struct lake_fs *fs;
	struct delta_txn t, t2;
	struct delta_snapshot s0, s, s1;
	struct buf p3 = parquet_of(3), p2 = parquet_of(2);
	int64_t v;

	CHECK_INT(lake_fs_open(&fs, test_tmpdir()), 0);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", -1, &s), PP_ENOENT);
	/* v0: create, two partitions */
	delta_txn_begin(&t, fs, "tables/events", NULL);
	delta_txn_metadata(&t, fields, 2, part, 1);
	delta_txn_add_parquet(&t, d1, &p3, 3, NULL);
	delta_txn_add_parquet(&t, d2, &p2, 2, NULL);
	CHECK_INT(delta_txn_commit(&t, "WRITE", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", -1, &s0), 0);
	CHECK_INT(s0.version, 0);
	CHECK_INT(s0.nfiles, 2);
	CHECK_INT(s0.npart, 1);
	CHECK_STR(s0.partition_cols[0], "event_date");
	CHECK_CONTAINS(s0.schema_string, "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false");
	CHECK_INT(records_of(&s0), 5);
	CHECK(!strncmp(s0.files[0].path, "event_date=2015-06-0", 20));
	/* v1: append, with a partition value that needs escaping in the path */
	delta_txn_begin(&t, fs, "tables/events", &s0);
	delta_txn_add_parquet(&t, odd, &p3, 3, NULL);
	CHECK_INT(delta_txn_commit(&t, "WRITE", &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", -1, &s1), 0);
	CHECK_INT(s1.nfiles, 3);
	/* the directory is Hive-encoded; the log holds it as a URI, so encoded once more */
	CHECK_CONTAINS(s1.files[2].file, "event_date=a%20b%2Fc/part-");
	CHECK_CONTAINS(s1.files[2].path, "event_date=a%2520b%252Fc/part-");
	CHECK_STR(s1.files[2].pvalues[0], "a b/c");
	{
		struct buf where = BUF_INIT, bytes = BUF_INIT;
		CHECK_INT(buf_printf(&where, "tables/events/%s", s1.files[2].file), 0);
		CHECK_INT(fs->ops->get(fs, where.data, 0, UINT64_MAX, &bytes), 0);
		CHECK_INT(bytes.len, p3.len);
		buf_release(&where);
		buf_release(&bytes);
	}
	/* v2: remove the first file (an overwrite of its partition, say) */
	delta_txn_begin(&t, fs, "tables/events", &s1);
	delta_txn_remove(&t, &s1.files[0]);
	CHECK_INT(delta_txn_commit(&t, "DELETE", &v), 0);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", -1, &s), 0);
	CHECK_INT(s.version, 2);
	CHECK_INT(s.nfiles, 2);
	CHECK_INT(records_of(&s), records_of(&s1) - s1.files[0].records);
	/* two writers on version 2: one commits 3, the other is refused */
	delta_txn_begin(&t, fs, "tables/events", &s);
	delta_txn_begin(&t2, fs, "tables/events", &s);
	delta_txn_add_parquet(&t, d1, &p2, 2, NULL);
	delta_txn_add_parquet(&t2, d2, &p2, 2, NULL);
	CHECK_INT(delta_txn_commit(&t, "WRITE", &v), 0);
	CHECK_INT(delta_txn_commit(&t2, "WRITE", &v), PP_EEXIST);
	CHECK_CONTAINS(pp_errmsg(), "version 3 was committed by another writer");
	delta_snapshot_release(&s);
	/* time travel */
	CHECK_INT(delta_snapshot_load(fs, "tables/events", 1, &s), 0);
	CHECK_INT(s.nfiles, 3);
	delta_snapshot_release(&s);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", 3, &s), 0);
	CHECK_INT(s.nfiles, 3);
	delta_snapshot_release(&s);
	CHECK_INT(delta_snapshot_load(fs, "tables/events", 9, &s), PP_ENOENT);
	delta_snapshot_release(&s0);
	delta_snapshot_release(&s1);
	buf_release(&p3);
	buf_release(&p2);
	lake_fs_close(fs);
}
