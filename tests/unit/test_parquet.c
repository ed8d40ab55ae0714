/* Unit tests of the Thrift compact protocol and the Parquet writer's guards. */
#include "core/err.h"
#include "lake/parquet/parquet.h"
#include "lake/parquet/thrift.h"
#include "unit/test.h"

TEST(thrift_compact_roundtrip)
{
	struct buf b = BUF_INIT;
	struct tc_writer w;
	struct tc_reader r;
	int16_t id;
	enum tc_type t, elem;
	size_t n;

	tc_writer_init(&w, &b);
	tc_struct_begin(&w);
	tc_field_i32(&w, 1, -7);
	tc_field_i64(&w, 2, 1433221332117LL);
	tc_field_string(&w, 4, "schema");
	tc_field_bool(&w, 20, true); /* a delta past 15: the long header form */
	tc_field_list(&w, 21, TC_I32, 20);
	for (int i = 0; i < 20; i++)
		tc_elem_i32(&w, i * 1000);
	tc_field_struct(&w, 22);
	tc_field_i32(&w, 1, 3);
	tc_struct_end(&w);
	tc_struct_end(&w);
	CHECK_INT(w.rc, 0);

	tc_reader_init(&r, b.data, b.len);
	tc_read_struct_begin(&r);
	CHECK(tc_next_field(&r, &id, &t) && id == 1 && t == TC_I32);
	CHECK_INT(tc_read_int(&r), -7);
	CHECK(tc_next_field(&r, &id, &t) && id == 2 && t == TC_I64);
	CHECK_INT(tc_read_int(&r), 1433221332117LL);
	CHECK(tc_next_field(&r, &id, &t) && id == 4 && t == TC_BINARY);
	const unsigned char *s = tc_read_binary(&r, &n);
	CHECK(n == 6 && !memcmp(s, "schema", 6));
	CHECK(tc_next_field(&r, &id, &t) && id == 20 && tc_read_bool(&r, t));
	CHECK(tc_next_field(&r, &id, &t) && id == 21 && t == TC_LIST);
	CHECK_INT(tc_read_list(&r, &elem), 20);
	for (int i = 0; i < 20; i++)
		CHECK_INT(tc_read_int(&r), i * 1000);
	CHECK(tc_next_field(&r, &id, &t) && id == 22 && t == TC_STRUCT);
	tc_skip(&r, TC_STRUCT);
	CHECK(!tc_next_field(&r, &id, &t)); /* STOP */
	CHECK(!r.failed);
	/* truncated input fails instead of reading past the end */
	tc_reader_init(&r, b.data, 5);
	tc_read_struct_begin(&r);
	while (tc_next_field(&r, &id, &t))
		tc_skip(&r, t);
	CHECK(r.failed);
	buf_release(&b);
}

TEST(parquet_writer_guards)
{
	const struct pq_column_def cols[] = { { "id", PQ_INT64, false, false },
					      { "s", PQ_STRING, true, true } };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct buf out = BUF_INIT;

	pq_writer_opts_default(&o);
	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_null(w), PP_EINVAL); /* id is required */
	CHECK_CONTAINS(pp_errmsg(), "column id is required");
	pq_writer_abort(w);

	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_str(w, "x", 1), PP_EINVAL); /* wrong type for id */
	pq_writer_abort(w);

	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_i64(w, 1), 0);
	CHECK_INT(pq_end_row(w), PP_EINVAL); /* a value missing */
	pq_writer_abort(w);

	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	for (int i = 0; i < 1000; i++) {
		CHECK_INT(pq_put_i64(w, i), 0);
		CHECK_INT(i % 2 ? pq_put_null(w) : pq_put_str(w, "ab", 2), 0);
		CHECK_INT(pq_end_row(w), 0);
	}
	CHECK_INT(pq_writer_rows(w), 1000);
	CHECK_INT(pq_writer_finish(w, &out), 0);
	CHECK(out.len > 12 && !memcmp(out.data, "PAR1", 4) && !memcmp(out.data + out.len - 4, "PAR1", 4));
	buf_release(&out);
}

/* A dictionary-encoded column of nulls only: written with an empty dictionary, read back as
 * nulls (a page of nulls has no index to look up). */
TEST(parquet_all_null_dictionary_column)
{
	const struct pq_column_def cols[] = { { "id", PQ_INT64, false, false },
					      { "category", PQ_STRING, true, true } };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct pq_file f;
	struct pq_vector v;
	struct buf out = BUF_INIT;

	pq_writer_opts_default(&o);
	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	for (int i = 0; i < 100; i++) {
		CHECK_INT(pq_put_i64(w, i), 0);
		CHECK_INT(pq_put_null(w), 0);
		CHECK_INT(pq_end_row(w), 0);
	}
	CHECK_INT(pq_writer_finish(w, &out), 0);
	CHECK_INT(pq_file_open(&f, out.data, out.len), 0);
	memset(&v, 0, sizeof(v));
	CHECK_INT(pq_read_column(&f, 0, 1, &v), 0);
	CHECK_INT(v.n, 100);
	for (size_t i = 0; i < v.n; i++)
		CHECK(!v.valid[i]);
	pq_vector_release(&v);
	pq_file_release(&f);
	buf_release(&out);
}

/* A value of the batch test's columns by row. */
static double batch_cnt(size_t i)
{
	return i % 7 == 3 ? NAN : (double)(i % 3);
}

/*
 * Rows column by column (pq_put_columns), across row groups and mixed with a row put:
 * read back value for value; fixed-width columns with few values dictionary-encoded (small
 * chunks), one whose values are all different falls back to PLAIN; strings by the
 * caller's ids; NaN as null where asked; statistics of the dictionary path.
 */
TEST(parquet_columns_batch)
{
	enum { N = 9000, FIRST = 5000 };
	const struct pq_column_def cols[] = { { "id", PQ_INT64, false, true },
					      { "cnt", PQ_DOUBLE, true, true },
					      { "meas", PQ_DOUBLE, true, true },
					      { "code", PQ_INT32, false, true },
					      { "name", PQ_STRING, false, true } };
	static int64_t id[N];
	static double cnt[N], meas[N];
	static int32_t code[N];
	static struct span name[N];
	static uint32_t nid[N];
	static char text[11][8];
	struct pq_values v[5];
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct pq_file f;
	struct buf out = BUF_INIT;
	size_t row = 0;

	for (int k = 0; k < 11; k++)
		snprintf(text[k], sizeof(text[k]), "n%02d", k);
	for (size_t i = 0; i < N; i++) {
		id[i] = (int64_t)i * 1000;
		cnt[i] = batch_cnt(i);
		meas[i] = (double)i * 0.37 + 0.001;
		code[i] = (int32_t)(i % 5) - 2;
		name[i] = (struct span){ text[i % 11], 3 };
		nid[i] = (uint32_t)(i % 11);
	}
	pq_writer_opts_default(&o);
	o.codec = PQ_UNCOMPRESSED; /* chunk sizes tell the encodings apart */
	o.row_group_rows = 6000;
	CHECK_INT(pq_writer_open(&w, cols, 5, &o), 0);
	/* a batch, one row put, the rest: rows 0..FIRST-1, FIRST, FIRST+1..N-1 */
	for (size_t from = 0; from < N; from = from == 0 ? FIRST + 1 : N) {
		size_t n = from == 0 ? FIRST : N - from;
		v[0] = (struct pq_values){ .v = id + from };
		v[1] = (struct pq_values){ .v = cnt + from, .nan_is_null = true };
		v[2] = (struct pq_values){ .v = meas + from };
		v[3] = (struct pq_values){ .v = code + from };
		v[4] = (struct pq_values){ .v = name + from, .ids = nid + from };
		CHECK_INT(pq_put_columns(w, v, n), 0);
		if (from == 0) {
			CHECK_INT(pq_put_i64(w, id[FIRST]), 0);
			CHECK_INT(isnan(cnt[FIRST]) ? pq_put_null(w) : pq_put_double(w, cnt[FIRST]), 0);
			CHECK_INT(pq_put_double(w, meas[FIRST]), 0);
			CHECK_INT(pq_put_i32(w, code[FIRST]), 0);
			CHECK_INT(pq_put_str(w, name[FIRST].p, name[FIRST].len), 0);
			CHECK_INT(pq_end_row(w), 0);
		}
	}
	CHECK_INT(pq_writer_rows(w), N);
	CHECK_INT(pq_writer_finish(w, &out), 0);
	CHECK_INT(pq_file_open(&f, out.data, out.len), 0);
	CHECK_INT(f.nrgs, 2);
	for (size_t rg = 0; rg < f.nrgs; rg++) {
		struct pq_vector c[5];
		for (size_t k = 0; k < 5; k++) {
			memset(&c[k], 0, sizeof(c[k]));
			CHECK_INT(pq_read_column(&f, rg, k, &c[k]), 0);
		}
		for (size_t i = 0; i < c[0].n; i++, row++) {
			CHECK_INT(c[0].i[i], id[row]);
			CHECK_INT(c[1].valid[i], !isnan(cnt[row]));
			if (c[1].valid[i] && c[1].d[i] != cnt[row])
				test_fail(__FILE__, __LINE__, "row %zu: cnt %g, expected %g", row, c[1].d[i], cnt[row]);
			if (!c[2].valid[i] || c[2].d[i] != meas[row])
				test_fail(__FILE__, __LINE__, "row %zu: meas %g, expected %g", row, c[2].d[i], meas[row]);
			CHECK_INT(c[3].i[i], code[row]);
			CHECK(c[4].s[i].len == 3 && !memcmp(c[4].s[i].p, name[row].p, 3));
		}
		for (size_t k = 0; k < 5; k++)
			pq_vector_release(&c[k]);
	}
	CHECK_INT(row, N);
	/* the first group: cnt by dictionary (under 2 bits a value), meas PLAIN (8 bytes each) */
	CHECK(f.rgs[0].chunks[1].size < 6000);
	CHECK(f.rgs[0].chunks[2].size >= 6000 * 8);
	CHECK(f.rgs[0].chunks[3].size < 6000);
	CHECK(f.rgs[0].chunks[4].size < 6000);
	{
		double lo, hi;
		memcpy(&lo, f.rgs[0].chunks[1].stat.min, 8);
		memcpy(&hi, f.rgs[0].chunks[1].stat.max, 8);
		CHECK(lo == 0 && hi == 2);
		CHECK(f.rgs[0].chunks[4].stat.smin_len == 3 && !memcmp(f.rgs[0].chunks[4].stat.smin, "n00", 3));
		CHECK(f.rgs[0].chunks[4].stat.smax_len == 3 && !memcmp(f.rgs[0].chunks[4].stat.smax, "n10", 3));
		CHECK_INT(f.rgs[0].chunks[1].stat.nulls, 857); /* i % 7 == 3 below 6000 */
	}
	pq_file_release(&f);
	buf_release(&out);
}

/* A batch refuses a null in a required column, and a batch in the middle of a row. */
TEST(parquet_columns_batch_guards)
{
	const struct pq_column_def cols[] = { { "x", PQ_DOUBLE, false, false }, { "y", PQ_INT64, true, false } };
	const double x[2] = { 1, NAN };
	const int64_t y[2] = { 1, 2 };
	const uint8_t valid[2] = { 1, 0 };
	struct pq_values v[2] = { { .v = x, .nan_is_null = true }, { .v = y, .valid = valid } };
	struct pq_writer_opts o;
	struct pq_writer *w;
	struct buf out = BUF_INIT;

	pq_writer_opts_default(&o);
	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_columns(w, v, 2), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "column x is required");
	pq_writer_abort(w);
	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_double(w, 1), 0);
	CHECK_INT(pq_put_columns(w, v, 1), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "middle of a row");
	pq_writer_abort(w);
	v[0].nan_is_null = false; /* NaN then is a value: the batch goes in */
	CHECK_INT(pq_writer_open(&w, cols, 2, &o), 0);
	CHECK_INT(pq_put_columns(w, v, 2), 0);
	CHECK_INT(pq_writer_finish(w, &out), 0);
	buf_release(&out);
}
