/*
 * parquet_dump - prints a Parquet file with ppredict's reader, one row per line, values
 * separated by tabs (NULL for nulls; timestamps as stored, in their unit), to compare
 * with what DuckDB reads from the same file (tests/integration/t0015-parquet-duckdb.sh).
 *
 *   parquet_dump FILE
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "lake/parquet/parquet.h"

int main(int argc, char **argv)
{
	struct buf data = BUF_INIT, line = BUF_INIT;
	struct pq_file f;
	size_t rg, c, r;

	if (argc != 2) {
		fprintf(stderr, "usage: parquet_dump FILE\n");
		return 2;
	}
	if (fs_read_file(argv[1], &data) || pq_file_open(&f, data.data, data.len)) {
		fprintf(stderr, "parquet_dump: %s\n", pp_errmsg());
		return 1;
	}
	for (rg = 0; rg < f.nrgs; rg++) {
		struct pq_vector *v = calloc(f.ncols, sizeof(*v));
		for (c = 0; c < f.ncols; c++) {
			if (pq_read_column(&f, rg, c, &v[c])) {
				fprintf(stderr, "parquet_dump: row group %zu, column %s: %s\n", rg,
					f.cols[c].name, pp_errmsg());
				return 1;
			}
		}
		for (r = 0; r < (size_t)f.rgs[rg].rows; r++) {
			buf_reset(&line);
			for (c = 0; c < f.ncols; c++) {
				if (c)
					buf_putc(&line, '\t');
				if (!v[c].valid[r])
					buf_puts(&line, "NULL");
				else if (f.cols[c].type == PQ_STRING)
					buf_append(&line, v[c].s[r].p, v[c].s[r].len);
				else if (f.cols[c].type == PQ_DOUBLE) {
					/* as DuckDB prints doubles: whole numbers keep a ".0" */
					double x = v[c].d[r];
					buf_put_double(&line, x);
					if (x == (double)(long long)x && x > -1e15 && x < 1e15)
						buf_puts(&line, ".0");
				}
				else if (f.cols[c].type == PQ_BOOLEAN)
					buf_puts(&line, v[c].i[r] ? "true" : "false");
				else
					buf_put_i64(&line, v[c].i[r]);
			}
			puts(line.data);
		}
		for (c = 0; c < f.ncols; c++)
			pq_vector_release(&v[c]);
		free(v);
	}
	pq_file_release(&f);
	buf_release(&data);
	buf_release(&line);
	return 0;
}
