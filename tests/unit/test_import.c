/* Unit tests of the CSV reader and the importers (RetailRocket, REES46, NDJSON). */
#include "core/err.h"
#include "core/timeutil.h"
#include "event/csv.h"
#include "ingest/import.h"
#include "unit/test.h"

TEST(csv_reader_edge_cases)
{
	const char *text = "\xef\xbb\xbf" "a,b,c\r\n"
			   "\"x,1\",\"say \"\"hi\"\"\",\"multi\nline\"\r\n"
			   ",,\n"
			   "bad\"quote,2\n"
			   "\"open,3\n"
			   "after,4\n"
			   "last,no,newline";
	struct csv_reader r;
	struct csv_record rec;
	struct buf scratch = BUF_INIT;

	csv_init(&r, text, strlen(text));
	CHECK_INT(csv_next(&r, &rec, &scratch), 1);
	CHECK_INT(rec.n, 3);
	CHECK(span_eq(rec.field[0], "a")); /* BOM gone */
	CHECK(span_eq(rec.field[2], "c")); /* \r gone */
	CHECK_INT(csv_next(&r, &rec, &scratch), 1);
	CHECK_INT(rec.line, 2);
	CHECK(span_eq(rec.field[0], "x,1"));
	CHECK(span_eq(rec.field[1], "say \"hi\""));
	CHECK(span_eq(rec.field[2], "multi\nline"));
	CHECK_INT(csv_next(&r, &rec, &scratch), 1);
	CHECK_INT(rec.line, 4); /* the quoted newline counted */
	CHECK_INT(rec.n, 3);
	CHECK_INT(rec.field[1].len, 0);
	CHECK_INT(csv_next(&r, &rec, &scratch), PP_EPARSE);
	CHECK_INT(rec.line, 5);
	CHECK_STR(rec.error, "quote inside an unquoted field");
	CHECK(span_eq(rec.raw, "bad\"quote,2"));
	/* an unterminated quote costs one line, not the rest of the file */
	CHECK_INT(csv_next(&r, &rec, &scratch), PP_EPARSE);
	CHECK_INT(rec.line, 6);
	CHECK(span_eq(rec.raw, "\"open,3"));
	CHECK_INT(csv_next(&r, &rec, &scratch), 1);
	CHECK_INT(rec.line, 7);
	CHECK(span_eq(rec.field[0], "after"));
	CHECK_INT(csv_next(&r, &rec, &scratch), 1);
	CHECK(rec.at_eof_without_newline);
	CHECK(span_eq(rec.field[2], "newline"));
	CHECK_INT(csv_next(&r, &rec, &scratch), 0);
	buf_release(&scratch);
}

struct lake {
	struct lake_fs *fs;
	struct config cfg;
	struct importer im;
};

static void lake_open(struct lake *l)
{
	CHECK_INT(config_defaults(&l->cfg), 0);
	l->cfg.min_event_ts = 946684800000;
	CHECK_INT(lake_fs_open(&l->fs, test_tmpdir()), 0);
	CHECK_INT(importer_open(&l->im, l->fs, &l->cfg), 0);
}

static int import_text(struct lake *l, const char *fmt, const char *name, const char *text,
		       struct import_stats *st)
{
	memset(st, 0, sizeof(*st));
	return importer_run(&l->im, import_format_find(fmt), name, text, strlen(text), st);
}

/* Closes the importer and returns the zone's lines, concatenated in path order. */
static void lake_read(struct lake *l, const char *zone, struct buf *out)
{
	struct raw_segment_list segs;

	CHECK_INT(raw_list_segments(l->fs, zone, false, &segs), 0);
	for (size_t i = 0; i < segs.n; i++)
		CHECK_INT(raw_segment_read(l->fs, segs.seg[i].path, out), 0);
	raw_segment_list_release(&segs);
}

static void lake_close(struct lake *l)
{
	lake_fs_close(l->fs);
	config_release(&l->cfg);
}

TEST(import_retailrocket_events)
{
	struct lake l;
	struct import_stats st;
	struct buf ev = BUF_INIT, q = BUF_INIT;

	lake_open(&l);
	CHECK_INT(import_text(&l, "retailrocket", "events.csv",
			      "timestamp,visitorid,event,itemid,transactionid\r\n"
			      "1433221332117,257597,view,355908,\r\n"
			      "1433193500981.0,121688.0,transaction,15335.0,11117.0\r\n"
			      "1433221332117,257597,view,355908,\r\n" /* exact duplicate: kept */
			      "\r\n"
			      "1433221332117,,view,1,\r\n"
			      "1433221332117,5,transaction,1,\r\n"
			      "1433221332117,5,click,1,\r\n"
			      "143322133211x,5,view,1,\r\n"
			      "1433221332117,5,view\r\n"
			      "1433221332117,6,addtocart,7,",
			      &st),
		  0);
	CHECK_INT(st.rows, 9);
	CHECK_INT(st.accepted, 4);
	CHECK_INT(st.rejected, 5);
	CHECK_INT(st.blank, 1);
	CHECK_INT(importer_close(&l.im), 0);
	lake_read(&l, "raw/events", &ev);
	CHECK_CONTAINS(ev.data, "{\"ts\":1433193500981,\"visitor_id\":\"121688\",\"event\":\"transaction\","
				"\"item_id\":\"15335\",\"transaction_id\":\"11117\"}\n");
	CHECK_CONTAINS(ev.data, "{\"ts\":1433221332117,\"visitor_id\":\"6\",\"event\":\"addtocart\","
				"\"item_id\":\"7\"}\n");
	lake_read(&l, "raw/quarantine", &q);
	CHECK_CONTAINS(q.data, "\"source\":\"events.csv\",\"line\":6,\"format\":\"retailrocket\","
			       "\"field\":\"visitorid\",\"reason\":\"visitorid: must not be empty\","
			       "\"raw\":\"1433221332117,,view,1,\"");
	CHECK_CONTAINS(q.data, "\"line\":7,\"format\":\"retailrocket\",\"field\":\"transactionid\"");
	CHECK_CONTAINS(q.data, "\"line\":8,\"format\":\"retailrocket\",\"field\":\"event\",\"reason\":"
			       "\"event: unknown event type 'click'");
	CHECK_CONTAINS(q.data, "\"line\":9,\"format\":\"retailrocket\",\"field\":\"timestamp\"");
	CHECK_CONTAINS(q.data, "\"line\":10,\"format\":\"retailrocket\",\"field\":\"\",\"reason\":"
			       "\"expected 5 fields, got 3\"");
	buf_release(&ev);
	buf_release(&q);
	lake_close(&l);
}

TEST(import_retailrocket_catalogue)
{
	struct lake l;
	struct import_stats st;
	struct buf cat = BUF_INIT, prop = BUF_INIT;

	lake_open(&l);
	CHECK_INT(import_text(&l, "retailrocket", "category_tree.csv",
			      "categoryid,parentid\n1016,213\n809,169\n570,9\n1691,885\n536,1\n231,\n",
			      &st), 0);
	CHECK_INT(st.accepted, 6);
	CHECK_INT(import_text(&l, "retailrocket", "item_properties_part1.csv",
			      "timestamp,itemid,property,value\n"
			      "1435460400000,460429,categoryid,1338\n"
			      "1441508400000,206783,888,1116713 960601 n277.200\n"
			      "1439089200000,395014,400,n552.000 639502 n720.000 424566\n"
			      "bad,1,2,3\n",
			      &st), 0);
	CHECK_INT(st.accepted, 3);
	CHECK_INT(st.rejected, 1);
	/* A file that is none of RetailRocket's is refused whole, with its header quoted. */
	CHECK_INT(import_text(&l, "retailrocket", "other.csv", "a,b\n1,2\n", &st), PP_EINVAL);
	CHECK_CONTAINS(pp_errmsg(), "other.csv:1: not a RetailRocket header: 'a,b'");
	CHECK_INT(importer_close(&l.im), 0);
	lake_read(&l, "raw/catalog/categories", &cat);
	CHECK_CONTAINS(cat.data, "{\"category_id\":\"1016\",\"parent_id\":\"213\"}\n");
	CHECK_CONTAINS(cat.data, "{\"category_id\":\"231\"}\n");
	lake_read(&l, "raw/catalog/item_properties", &prop);
	CHECK_CONTAINS(prop.data, "{\"ts\":1441508400000,\"item_id\":\"206783\",\"property\":\"888\","
				  "\"value\":\"1116713 960601 n277.200\"}");
	buf_release(&cat);
	buf_release(&prop);
	lake_close(&l);
}

TEST(import_retailrocket_headerless)
{
	struct lake l;
	struct import_stats st;

	lake_open(&l);
	CHECK_INT(import_text(&l, "retailrocket", "e.csv",
			      "1433221332117,257597,view,355908,\n1433221332118,1,view,2,\n", &st), 0);
	CHECK_INT(st.accepted, 2);
	CHECK_INT(importer_close(&l.im), 0);
	lake_close(&l);
}

TEST(import_rees46)
{
	struct lake l;
	struct import_stats st;
	struct buf ev = BUF_INIT, q = BUF_INIT;

	lake_open(&l);
	CHECK_INT(import_text(&l, "rees46", "2019-Oct.csv",
			      "event_time,event_type,product_id,category_id,category_code,brand,price,"
			      "user_id,user_session\r\n"
			      "2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,"
			      "541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\r\n"
			      "2019-10-01 00:00:05 UTC,purchase,3900821,2053013552326770905,"
			      "appliances.environment.water_heater,aqua,33.20,554748717,"
			      "9333dfbd-b87a-4708-9857-6336556b0fcc\r\n"
			      "2019-10-01 00:00:06 UTC,cart,1,2,\"a,b\",,1.00,5,\r\n"
			      "2019-10-01 00:00:07 UTC,wishlist,1,2,,,1.00,5,s\r\n"
			      "2019-13-01 00:00:07 UTC,view,1,2,,,1.00,5,s\r\n"
			      "2019-10-01 00:00:07 UTC,view,1,2,,,-1.00,5,s\r\n"
			      "2019-10-01 00:00:07 UTC,view,1,2,,,abc,5,s\r\n"
			      "2019-10-01 00:00:08 UTC,view,4460",
			      &st), 0);
	CHECK_INT(st.rows, 8);
	CHECK_INT(st.accepted, 3);
	CHECK_INT(st.rejected, 5);
	CHECK_INT(importer_close(&l.im), 0);
	lake_read(&l, "raw/events", &ev);
	CHECK_CONTAINS(ev.data, "{\"ts\":1569888000000,\"visitor_id\":\"541312140\",\"session_id\":"
				"\"72d76fde-8bb3-4e00-8c23-a032dfed738c\",\"event\":\"view\",\"item_id\":"
				"\"44600062\",\"category_id\":\"2103807459595387724\",\"price\":35.79,"
				"\"props\":{\"brand\":\"shiseido\"}}");
	CHECK_CONTAINS(ev.data, "\"event\":\"transaction\",\"item_id\":\"3900821\",\"category_id\":"
				"\"2053013552326770905\",\"price\":33.2,\"transaction_id\":"
				"\"9333dfbd-b87a-4708-9857-6336556b0fcc-1569888005000\",\"props\":"
				"{\"category_code\":\"appliances.environment.water_heater\",\"brand\":\"aqua\"}}");
	/* no session given: the sessionizer will make one later */
	CHECK_CONTAINS(ev.data, "{\"ts\":1569888006000,\"visitor_id\":\"5\",\"event\":\"addtocart\","
				"\"item_id\":\"1\",\"category_id\":\"2\",\"price\":1,\"props\":"
				"{\"category_code\":\"a,b\"}}");
	lake_read(&l, "raw/quarantine", &q);
	CHECK_CONTAINS(q.data, "\"field\":\"event_type\",\"reason\":\"event_type: unknown event type 'wishlist'");
	CHECK_CONTAINS(q.data, "\"field\":\"event_time\"");
	CHECK_CONTAINS(q.data, "\"field\":\"price\",\"reason\":\"price: must be >= 0, got -1\"");
	CHECK_CONTAINS(q.data, "\"field\":\"price\",\"reason\":\"price: expected a number, got 'abc'\"");
	CHECK_CONTAINS(q.data, "\"line\":9,\"format\":\"rees46\",\"field\":\"\",\"reason\":"
			       "\"truncated last line: expected 9 fields, got 3\"");
	buf_release(&ev);
	buf_release(&q);
	lake_close(&l);
}

TEST(import_ndjson_keeps_good_lines)
{
	struct lake l;
	struct import_stats st;
	struct buf ev = BUF_INIT, q = BUF_INIT;

	lake_open(&l);
	CHECK_INT(import_text(&l, "ndjson", "events.ndjson",
			      "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"event\":\"view\",\"item_id\":\"2\"}\n"
			      "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"event\":\"purchase\",\"item_id\":\"2\"}\n"
			      "not json\n"
			      "\n"
			      "{\"ts\":\"2015-06-02T05:02:13Z\",\"visitor_id\":\"1\",\"event\":\"cart\",\"item_id\":\"2\"}\r\n"
			      "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"eve",
			      &st), 0);
	CHECK_INT(st.rows, 5);
	CHECK_INT(st.accepted, 2);
	CHECK_INT(st.rejected, 3);
	CHECK_INT(importer_close(&l.im), 0);
	lake_read(&l, "raw/events", &ev);
	CHECK_CONTAINS(ev.data, "{\"ts\":1433221333000,\"visitor_id\":\"1\",\"event\":\"addtocart\",\"item_id\":\"2\"}\n");
	lake_read(&l, "raw/quarantine", &q);
	CHECK_CONTAINS(q.data, "\"line\":2,\"format\":\"ndjson\",\"field\":\"transaction_id\"");
	CHECK_CONTAINS(q.data, "\"line\":3,\"format\":\"ndjson\",\"field\":\"\",\"reason\":\"expected a JSON object");
	CHECK_CONTAINS(q.data, "\"line\":6,\"format\":\"ndjson\",\"field\":\"\",\"reason\":\"truncated last line: ");
	buf_release(&ev);
	buf_release(&q);
	lake_close(&l);
}
