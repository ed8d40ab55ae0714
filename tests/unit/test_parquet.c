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
