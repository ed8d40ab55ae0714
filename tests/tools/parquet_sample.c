/*
 * parquet_sample - writes a Parquet file with every type, encoding and codec the writer
 * supports, for the DuckDB cross-check (tests/integration/t0015-parquet-duckdb.sh).
 *
 *   parquet_sample FILE [zstd|none] [ROWS] [ROW_GROUP_ROWS]
 *
 * Row i: id=i (INT64, required), small=i%100-50 (INT32), price=i*0.25 or null when
 * i%7==0, flag=i%3==0, name="n<i%50>" dictionary-encoded (empty when i%11==0, null when
 * i%13==0), note="row <i>" PLAIN, day=16000+i%30 (DATE), ts=1433221332117+i*1000.
 */
#include "core/err.h"
#include "core/fsutil.h"
#include "lake/parquet/parquet.h"

int main(int argc, char **argv)
{
	const struct pq_column_def cols[] = {
		{ "id", PQ_INT64, false, false },
		{ "small", PQ_INT32, false, false },
		{ "price", PQ_DOUBLE, true, false },
		{ "flag", PQ_BOOLEAN, false, false },
		{ "name", PQ_STRING, true, true },
		{ "note", PQ_STRING, false, false },
		{ "day", PQ_DATE, false, false },
		{ "ts", PQ_TIMESTAMP_MS, true, false },
	};
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct buf out = BUF_INIT;
	struct iovec iov;
	long rows = argc > 3 ? strtol(argv[3], NULL, 10) : 10000;
	char s[32];

	if (argc < 2) {
		fprintf(stderr, "usage: parquet_sample FILE [zstd|none] [ROWS] [ROW_GROUP_ROWS]\n");
		return 2;
	}
	pq_writer_opts_default(&o);
	if (argc > 2 && !strcmp(argv[2], "none"))
		o.codec = PQ_UNCOMPRESSED;
	if (argc > 4)
		o.row_group_rows = (size_t)strtol(argv[4], NULL, 10);
	if (pq_writer_open(&w, cols, ARRAY_SIZE(cols), &o))
		return 1;
	for (long i = 0; i < rows; i++) {
		pq_put_i64(w, i);
		pq_put_i32(w, (int32_t)(i % 100 - 50));
		if (i % 7 == 0)
			pq_put_null(w);
		else
			pq_put_double(w, (double)i * 0.25);
		pq_put_bool(w, i % 3 == 0);
		if (i % 13 == 0) {
			pq_put_null(w);
		} else if (i % 11 == 0) {
			pq_put_str(w, "", 0);
		} else {
			int n = snprintf(s, sizeof(s), "n%ld", i % 50);
			pq_put_str(w, s, (size_t)n);
		}
		int n = snprintf(s, sizeof(s), "row %ld", i);
		pq_put_str(w, s, (size_t)n);
		pq_put_i32(w, (int32_t)(16000 + i % 30));
		pq_put_i64(w, 1433221332117LL + i * 1000);
		if (pq_end_row(w)) {
			fprintf(stderr, "parquet_sample: row %ld: %s\n", i, pp_errmsg());
			pq_writer_abort(w);
			return 1;
		}
	}
	if (pq_writer_finish(w, &out)) {
		fprintf(stderr, "parquet_sample: %s\n", pp_errmsg());
		return 1;
	}
	iov.iov_base = out.data;
	iov.iov_len = out.len;
	if (fs_write_atomic(argv[1], &iov, 1, FS_REPLACE)) {
		fprintf(stderr, "parquet_sample: %s\n", pp_errmsg());
		return 1;
	}
	buf_release(&out);
	return 0;
}
