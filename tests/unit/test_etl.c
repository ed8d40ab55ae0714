/* Unit tests of the ETL's pieces that need no lake: the daily funnel, session and item rows. */
#include "etl/dim_date.h"
#include "etl/funnel.h"
#include "etl/item_stats.h"
#include "etl/sessions.h"
#include "core/err.h"
#include "unit/test.h"

#include <math.h>

TEST(funnel_counts_steps_and_sessions)
{
	struct funnel_day f = { .date = "2015-06-01" };

	/* visitor a: a session that buys, then one that only looks */
	funnel_count(&f, EV_VIEW, true, true);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_TRANSACTION, false, false);
	funnel_count(&f, EV_VIEW, false, true);
	/* visitor b: one session that carts and removes; a new visitor starts a session */
	funnel_count(&f, EV_VIEW, true, false);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_REMOVEFROMCART, false, false);
	/* visitor c: a purchase without a cart event in the session still counts */
	funnel_count(&f, EV_TRANSACTION, true, true);
	funnel_finish(&f);
	funnel_finish(&f); /* twice is harmless */

	CHECK_INT(f.views, 3);
	CHECK_INT(f.carts, 3);
	CHECK_INT(f.purchases, 2);
	CHECK_INT(f.visitors, 3);
	CHECK_INT(f.sessions, 4);
	CHECK_INT(f.cart_sessions, 2);
	CHECK_INT(f.purchase_sessions, 2);
}

TEST(funnel_of_an_empty_day)
{
	struct funnel_day f = { .date = "2015-06-02" };

	funnel_finish(&f);
	CHECK_INT(f.sessions, 0);
	CHECK_INT(f.cart_sessions, 0);
	CHECK_INT(f.purchase_sessions, 0);
}

/* Reads column `name` of the only row group. */
static void column_of(const struct pq_file *f, const char *name, struct pq_vector *v)
{
	int ix = pq_column_index(f, name);

	CHECK(ix >= 0);
	CHECK_INT(pq_read_column(f, 0, (size_t)ix, v), 0);
}

TEST(session_writer_summarises_sessions)
{
	struct session_writer sw;
	struct buf file = BUF_INIT;
	struct pq_file f;
	struct pq_vector items, carts, value, bought, dur, sid;

	CHECK_INT(session_writer_open(&sw), 0);
	/* a-1: two views of one item, a cart of another (priced), a purchase */
	CHECK_INT(session_writer_add(&sw, span_of("a-1"), true, "a", 1000, EV_VIEW, "i1", NAN), 0);
	CHECK_INT(session_writer_add(&sw, span_of("a-1"), false, "a", 2000, EV_VIEW, "i1", NAN), 0);
	CHECK_INT(session_writer_add(&sw, span_of("a-1"), false, "a", 3000, EV_ADDTOCART, "i2", 9.5), 0);
	CHECK_INT(session_writer_add(&sw, span_of("a-1"), false, "a", 4000, EV_ADDTOCART, "i3", NAN), 0);
	CHECK_INT(session_writer_add(&sw, span_of("a-1"), false, "a", 5000, EV_TRANSACTION, "i2", 9.5), 0);
	/* b-9: one view */
	CHECK_INT(session_writer_add(&sw, span_of("b-9"), true, "b", 7000, EV_VIEW, "i1", 3.0), 0);
	CHECK_INT(session_writer_finish(&sw, &file), 0);
	CHECK_INT(sw.rows, 2);
	session_writer_release(&sw);

	CHECK_INT(pq_file_open(&f, file.data, file.len), 0);
	CHECK_INT(f.rows, 2);
	column_of(&f, "session_id", &sid);
	column_of(&f, "items", &items);
	column_of(&f, "carts", &carts);
	column_of(&f, "cart_value", &value);
	column_of(&f, "purchased", &bought);
	column_of(&f, "duration_ms", &dur);
	CHECK(sid.s[0].len == 3 && !memcmp(sid.s[0].p, "a-1", 3));
	CHECK(sid.s[1].len == 3 && !memcmp(sid.s[1].p, "b-9", 3));
	CHECK_INT(items.i[0], 3);
	CHECK_INT(items.i[1], 1);
	CHECK_INT(carts.i[0], 2);
	CHECK_NEAR(value.d[0], 9.5, 1e-12);
	CHECK_NEAR(value.d[1], 0, 0);
	CHECK_INT(bought.i[0], 1);
	CHECK_INT(bought.i[1], 0);
	CHECK_INT(dur.i[0], 4000);
	CHECK_INT(dur.i[1], 0);
	pq_vector_release(&sid);
	pq_vector_release(&items);
	pq_vector_release(&carts);
	pq_vector_release(&value);
	pq_vector_release(&bought);
	pq_vector_release(&dur);
	pq_file_release(&f);
	buf_release(&file);
}

TEST(item_stats_count_per_item)
{
	struct item_stats s;
	struct buf file = BUF_INIT;
	struct pq_file f;
	struct pq_vector item, visitors, sessions, revenue, views;
	uint64_t rows = 0;
	/* distinct pointers with equal text: visitors are compared by value */
	char a1[] = "a", a2[] = "a", b[] = "b";

	item_stats_init(&s);
	CHECK_INT(item_stats_add(&s, span_of("i2"), a1, true, EV_VIEW, NAN), 0);
	CHECK_INT(item_stats_add(&s, span_of("i1"), a2, false, EV_VIEW, NAN), 0);
	CHECK_INT(item_stats_add(&s, span_of("i2"), a2, true, EV_TRANSACTION, 5.0), 0); /* a's 2nd session */
	CHECK_INT(item_stats_add(&s, span_of("i2"), b, true, EV_TRANSACTION, 2.5), 0);
	CHECK_INT(item_stats_add(&s, span_of("i2"), b, false, EV_TRANSACTION, NAN), 0);
	CHECK_INT(item_stats_encode(&s, &file, &rows), 0);
	CHECK_INT(rows, 2);
	item_stats_release(&s);

	CHECK_INT(pq_file_open(&f, file.data, file.len), 0);
	column_of(&f, "item_id", &item);
	column_of(&f, "visitors", &visitors);
	column_of(&f, "sessions", &sessions);
	column_of(&f, "revenue", &revenue);
	column_of(&f, "views", &views);
	/* sorted by item: i1 then i2 */
	CHECK(item.s[0].len == 2 && !memcmp(item.s[0].p, "i1", 2));
	CHECK_INT(views.i[0], 1);
	CHECK_INT(visitors.i[0], 1);
	CHECK_INT(sessions.i[0], 1);
	CHECK_INT(views.i[1], 1);
	CHECK_INT(visitors.i[1], 2);
	CHECK_INT(sessions.i[1], 3);
	CHECK_NEAR(revenue.d[1], 7.5, 1e-12);
	pq_vector_release(&item);
	pq_vector_release(&visitors);
	pq_vector_release(&sessions);
	pq_vector_release(&revenue);
	pq_vector_release(&views);
	pq_file_release(&f);
	buf_release(&file);
}

TEST(date_rows_have_iso_weeks)
{
	struct date_row r;

	CHECK_INT(date_row_of("2015-01-01", &r), 0); /* a Thursday: week 1 of 2015 */
	CHECK_INT(r.iso_weekday, 4);
	CHECK_INT(r.iso_week, 1);
	CHECK_INT(r.iso_year, 2015);
	CHECK_INT(r.days, 16436);
	CHECK(!r.weekend);
	CHECK_INT(date_row_of("2016-01-03", &r), 0); /* a Sunday in 2015's week 53 */
	CHECK_INT(r.iso_weekday, 7);
	CHECK_INT(r.iso_week, 53);
	CHECK_INT(r.iso_year, 2015);
	CHECK(r.weekend);
	CHECK_INT(date_row_of("2018-12-31", &r), 0); /* a Monday in 2019's week 1 */
	CHECK_INT(r.iso_week, 1);
	CHECK_INT(r.iso_year, 2019);
	CHECK_INT(r.day_of_year, 365);
	CHECK_INT(r.quarter, 4);
	CHECK_INT(date_row_of("2016-02-29", &r), 0);
	CHECK_INT(r.day_of_year, 60);
	CHECK(date_row_of("2015-02-29", &r) != 0);
	CHECK_CONTAINS(pp_errmsg(), "'2015-02-29' is not a date");
	CHECK(date_row_of("2015-13-01", &r) != 0);
	CHECK(date_row_of("2015-1-01", &r) != 0);
	CHECK(date_row_of("", &r) != 0);
	pp_error_clear();
}
