/* Unit tests of the star schema's pieces: catalogue records, the item catalogue, item
 * pairs and visitor rows. */
#include "etl/dim_visitor.h"
#include "etl/item_catalog.h"
#include "etl/item_item.h"
#include "core/err.h"
#include "event/catalog.h"
#include "lake/raw.h"
#include "unit/test.h"

#include <math.h>

TEST(catalog_records_parse_and_fail_by_field)
{
	struct buf scratch = BUF_INIT, line = BUF_INIT;
	struct catalog_category c;
	struct catalog_property p;
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "{\"parent_id\":\"1\"}", "category_id: missing" },
		{ "{\"category_id\":\"\"}", "category_id: empty" },
		{ "{\"category_id\":7}", "category_id: expected a string" },
		{ "{\"category_id\":\"1\",\"category_id\":\"2\"}", "category_id: given twice" },
		{ "{\"category_id\":\"1\"", "not JSON at byte 19: expected ',' or '}'" },
		{ "{\"category_id\":\"1\"} x", "text after the object" },
		{ "[]", "not JSON at byte 1: expected an object" },
	};

	CHECK_INT(catalog_write_category(&line, span_of("10"), span_of("2")), 0);
	CHECK_INT(catalog_parse_category(line.data, line.len, &c, &scratch), 0);
	CHECK(c.id.len == 2 && !memcmp(c.id.p, "10", 2) && c.parent.len == 1 && c.parent.p[0] == '2');
	CHECK_INT(catalog_parse_category("{\"category_id\":\"r\\u00e9\",\"parent_id\":null,\"x\":[1]}",
					 50, &c, &scratch), 0);
	CHECK(c.id.len == 3 && !memcmp(c.id.p, "r\xc3\xa9", 3) && c.parent.len == 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_INT(catalog_parse_category(bad[i].text, strlen(bad[i].text), &c, &scratch), PP_EINVAL);
		CHECK_CONTAINS(pp_errmsg(), bad[i].err);
	}
	buf_reset(&line);
	CHECK_INT(catalog_write_property(&line, 1431226800000, span_of("460429"), span_of("790"),
					 span_of("")), 0);
	CHECK_INT(catalog_parse_property(line.data, line.len, &p, &scratch), 0);
	CHECK_INT(p.ts, 1431226800000);
	CHECK(p.item_id.len == 6 && p.property.len == 3 && p.value.len == 0);
	CHECK_INT(catalog_parse_property("{\"ts\":1.5,\"item_id\":\"1\",\"property\":\"a\",\"value\":\"b\"}",
					 52, &p, &scratch), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "ts: expected an integer, got 1.5");
	CHECK_INT(catalog_parse_property("{\"ts\":\"1\",\"item_id\":\"1\"}", 24, &p, &scratch), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "ts: expected an integer");
	CHECK_INT(catalog_parse_property("{\"ts\":1,\"item_id\":\"1\",\"property\":\"a\"}", 38, &p, &scratch),
		  PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "value: missing");
	buf_release(&scratch);
	buf_release(&line);
}

static void write_zone(struct lake_fs *fs, const char *zone, const char *const *lines, size_t n)
{
	struct raw_writer_opts wo;
	struct raw_writer w;

	raw_writer_opts_default(&wo, zone, "test");
	wo.partitioning = RAW_UNPARTITIONED;
	CHECK_INT(raw_writer_open(&w, fs, &wo), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(raw_writer_add(&w, 0, lines[i], strlen(lines[i])), 0);
	CHECK_INT(raw_writer_close(&w), 0);
}

struct bad_lines {
	int n;
	char last[256];
};

static int note_bad(void *ctx, const char *segment, uint64_t line, const char *reason,
		    struct span raw)
{
	struct bad_lines *b = ctx;

	(void)raw;
	b->n++;
	snprintf(b->last, sizeof(b->last), "%s:%" PRIu64 ": %s", strrchr(segment, '/') + 1, line,
		 reason);
	return 0;
}

TEST(item_catalog_paths_latest_values_and_bad_lines)
{
	static const char *const cats[] = {
		"{\"category_id\":\"1\"}",
		"{\"category_id\":\"2\",\"parent_id\":\"1\"}",
		"{\"category_id\":\"3\",\"parent_id\":\"2\"}",
		"{\"category_id\":\"8\",\"parent_id\":\"9\"}", /* a cycle: 8 -> 9 -> 8 */
		"{\"category_id\":\"9\",\"parent_id\":\"8\"}",
		"{\"parent_id\":\"1\"}",                        /* bad: kept out, reported */
	};
	static const char *const props[] = {
		"{\"ts\":200,\"item_id\":\"a\",\"property\":\"categoryid\",\"value\":\"3\"}",
		"{\"ts\":100,\"item_id\":\"a\",\"property\":\"categoryid\",\"value\":\"2\"}", /* older */
		"{\"ts\":100,\"item_id\":\"a\",\"property\":\"z\",\"value\":\"q\\\"\"}",
		"{\"ts\":100,\"item_id\":\"a\",\"property\":\"790\",\"value\":\"n1.0\"}",
		"{\"ts\":300,\"item_id\":\"a\",\"property\":\"790\",\"value\":\"n2.0\"}",
		"{\"ts\":100,\"item_id\":\"a\",\"property\":\"available\",\"value\":\"1\"}",
		"{\"ts\":100,\"item_id\":\"b\",\"property\":\"available\",\"value\":\"0\"}",
	};
	struct lake_fs *fs;
	struct item_catalog c;
	struct bad_lines bad = { 0 };
	struct buf out = BUF_INIT;
	struct span root;
	int depth;
	const struct item_catalog_item *a;

	CHECK_INT(lake_fs_open(&fs, test_tmpdir()), 0);
	write_zone(fs, CATALOG_CATEGORIES, cats, ARRAY_SIZE(cats));
	write_zone(fs, CATALOG_ITEM_PROPERTIES, props, ARRAY_SIZE(props));
	item_catalog_init(&c);
	CHECK_INT(item_catalog_load(&c, fs, note_bad, &bad), 0);
	CHECK_INT(bad.n, 1);
	CHECK_CONTAINS(bad.last, ":6: category_id: missing");
	CHECK_INT(c.categories, 5);
	CHECK_INT(item_catalog_path(&c, "3", &out, &depth, &root), 0);
	CHECK_STR(out.data, "1/2/3");
	CHECK_INT(depth, 3);
	CHECK(root.len == 1 && root.p[0] == '1');
	CHECK_INT(item_catalog_path(&c, "8", &out, &depth, &root), 0);
	CHECK_STR(out.data, "9/8"); /* the cycle stops where it would repeat */
	CHECK_INT(item_catalog_path(&c, "77", &out, &depth, &root), 0);
	CHECK_STR(out.data, "77");
	CHECK_INT(depth, 1);
	CHECK((a = item_catalog_find(&c, "a")) != NULL);
	CHECK(item_catalog_find(&c, "c") == NULL);
	CHECK_STR(item_catalog_value(a, "categoryid"), "3");
	CHECK_STR(item_catalog_value(a, "790"), "n2.0");
	CHECK_STR(item_catalog_value(item_catalog_find(&c, "b"), "available"), "0");
	CHECK(item_catalog_value(a, "nope") == NULL);
	CHECK_INT(item_catalog_props_json(a, 4096, &out), 0);
	CHECK_STR(out.data, "{\"790\":\"n2.0\",\"z\":\"q\\\"\"}");
	CHECK_INT(item_catalog_props_json(a, 16, &out), 0); /* whole properties only */
	CHECK_STR(out.data, "{\"790\":\"n2.0\"}");
	item_catalog_release(&c);
	buf_release(&out);
	lake_fs_close(fs);
}

TEST(item_pairs_count_sessions_and_rank)
{
	static const char *const ids[] = { "i0", "i1", "i2", "i3" };
	static const size_t order[] = { 0, 1, 2, 3 };
	struct item_pairs p;
	struct buf file = BUF_INIT;
	struct pq_file pf;
	struct pq_vector item, other, rank, score, carted;
	int64_t rows;

	item_pairs_init(&p);
	/* session 1: i0 i1 i2 viewed, i0 and i1 carted */
	item_pairs_touch(&p, 0, EV_VIEW);
	item_pairs_touch(&p, 1, EV_VIEW);
	item_pairs_touch(&p, 0, EV_ADDTOCART);
	item_pairs_touch(&p, 1, EV_ADDTOCART);
	item_pairs_touch(&p, 2, EV_VIEW);
	CHECK_INT(item_pairs_end_session(&p), 0);
	/* session 2: i0 and i2; session 3: i3 alone makes no pair */
	item_pairs_touch(&p, 2, EV_VIEW);
	item_pairs_touch(&p, 0, EV_VIEW);
	item_pairs_touch(&p, 0, EV_VIEW);
	CHECK_INT(item_pairs_end_session(&p), 0);
	item_pairs_touch(&p, 3, EV_TRANSACTION);
	CHECK_INT(item_pairs_end_session(&p), 0);
	CHECK_INT(p.count, 3);
	/* a session with more items than the cap counts its first ones only */
	for (uint32_t i = 0; i < ITEM_ITEM_SESSION_ITEMS + 10; i++)
		item_pairs_touch(&p, 100 + i, EV_VIEW);
	CHECK_INT(p.nitems, ITEM_ITEM_SESSION_ITEMS);
	p.nitems = 0; /* dropped: its ids are not in ids[] */

	CHECK_INT(item_pairs_encode(&p, ids, order, 4, 1, &file, &rows), 0);
	CHECK_INT(rows, 3); /* i0, i1 and i2 have partners; k = 1 */
	CHECK_INT(pq_file_open(&pf, file.data, file.len), 0);
	memset(&item, 0, sizeof(item));
	memset(&other, 0, sizeof(other));
	memset(&rank, 0, sizeof(rank));
	memset(&score, 0, sizeof(score));
	memset(&carted, 0, sizeof(carted));
	CHECK_INT(pq_read_column(&pf, 0, 0, &item), 0);
	CHECK_INT(pq_read_column(&pf, 0, 1, &other), 0);
	CHECK_INT(pq_read_column(&pf, 0, 2, &rank), 0);
	CHECK_INT(pq_read_column(&pf, 0, 3, &score), 0);
	CHECK_INT(pq_read_column(&pf, 0, 5, &carted), 0);
	/* i0: i1 (1 session + 2 carted = 3) beats i2 (2 sessions = 2) */
	CHECK(item.s[0].len == 2 && !memcmp(item.s[0].p, "i0", 2));
	CHECK(other.s[0].len == 2 && !memcmp(other.s[0].p, "i1", 2));
	CHECK_INT(rank.i[0], 1);
	CHECK_NEAR(score.d[0], 3, 0);
	CHECK_INT(carted.i[0], 1);
	/* i2: i0 (2 sessions) beats i1 (1) */
	CHECK(!memcmp(item.s[2].p, "i2", 2) && !memcmp(other.s[2].p, "i0", 2));
	CHECK_NEAR(score.d[2], 2, 0);
	pq_vector_release(&item);
	pq_vector_release(&other);
	pq_vector_release(&rank);
	pq_vector_release(&score);
	pq_vector_release(&carted);
	pq_file_release(&pf);
	item_pairs_release(&p);
	buf_release(&file);
}

TEST(dim_visitor_rows_count_days_sessions_purchases)
{
	struct dim_visitor d;
	struct visitor_row *r;
	const int64_t day = 86400000;

	dim_visitor_init(&d);
	CHECK((r = dim_visitor_row(&d, "v", 1)) != NULL);
	dim_visitor_event(r, 10 * day + 5, EV_VIEW, NAN, true);
	dim_visitor_event(r, 10 * day + 9, EV_TRANSACTION, 4.5, false);
	dim_visitor_event(r, 12 * day, EV_VIEW, NAN, true);
	dim_visitor_event(r, 12 * day + 1, EV_TRANSACTION, NAN, false); /* no price */
	CHECK(dim_visitor_row(&d, "v", 1) == r);
	CHECK(dim_visitor_row(&d, "w", 1) != NULL);
	r = dim_visitor_row(&d, "v", 1);
	CHECK_INT(d.m.n, 2);
	CHECK_INT(r->first_seen, 10 * day + 5);
	CHECK_INT(r->last_seen, 12 * day + 1);
	CHECK_INT(r->active_days, 2);
	CHECK_INT(r->sessions, 2);
	CHECK_INT(r->events, 4);
	CHECK_INT(r->counts[EV_TRANSACTION], 2);
	CHECK_NEAR(r->revenue, 4.5, 1e-12);
	CHECK_INT(r->first_purchase, 10 * day + 9);
	CHECK_INT(r->last_purchase, 12 * day + 1);
	dim_visitor_release(&d);
}

TEST(item_pairs_top_k_of_many)
{
	enum { N = 300, K = 7 };
	static char names[N][8];
	const char *ids[N];
	size_t order[N];
	struct item_pairs p;
	struct buf file = BUF_INIT;
	struct pq_file pf;
	struct pq_vector item, other, score;
	int64_t rows;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "i%03d", i);
		ids[i] = names[i];
		order[i] = (size_t)i;
	}
	item_pairs_init(&p);
	/* item 0 meets item j in (j * 7919) % 13 + 1 sessions: many ties among 299 partners */
	for (int j = 1; j < N; j++)
		for (int s = 0; s < (j * 7919) % 13 + 1; s++) {
			item_pairs_touch(&p, 0, EV_VIEW);
			item_pairs_touch(&p, (uint32_t)j, EV_VIEW);
			CHECK_INT(item_pairs_end_session(&p), 0);
		}
	CHECK_INT(item_pairs_encode(&p, ids, order, N, K, &file, &rows), 0);
	CHECK_INT(pq_file_open(&pf, file.data, file.len), 0);
	memset(&item, 0, sizeof(item));
	memset(&other, 0, sizeof(other));
	memset(&score, 0, sizeof(score));
	CHECK_INT(pq_read_column(&pf, 0, 0, &item), 0);
	CHECK_INT(pq_read_column(&pf, 0, 1, &other), 0);
	CHECK_INT(pq_read_column(&pf, 0, 3, &score), 0);
	/* the first K rows are item 0's: the K highest scores, ties by the other's id */
	int want = 0, at = 0;
	for (int sc = 13; sc >= 1 && at < K; sc--)
		for (int j = 1; j < N && at < K; j++)
			if ((j * 7919) % 13 + 1 == sc) {
				CHECK(item.s[at].len == 4 && !memcmp(item.s[at].p, "i000", 4));
				CHECK(other.s[at].len == 4 && !memcmp(other.s[at].p, names[j], 4));
				CHECK_NEAR(score.d[at], sc, 0);
				at++;
				want++;
			}
	CHECK_INT(want, K);
	pq_vector_release(&item);
	pq_vector_release(&other);
	pq_vector_release(&score);
	pq_file_release(&pf);
	item_pairs_release(&p);
	buf_release(&file);
}
