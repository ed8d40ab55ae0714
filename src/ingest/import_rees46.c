/*
 * import_rees46.c - the REES46 multi-category store export (event_time, event_type,
 * product_id, category_id, category_code, brand, price, user_id, user_session).
 *
 * Sessions come with the data (user_session) and are kept; category_code and brand go
 * into props. The export has no transaction id: a purchase gets
 * "<user_session or user_id>-<ms>", so the items bought together share one.
 */
#include "ingest/import.h"
#include "core/err.h"
#include "core/parse.h"
#include "core/timeutil.h"

enum { C_TIME, C_TYPE, C_PRODUCT, C_CATEGORY, C_CODE, C_BRAND, C_PRICE, C_USER, C_SESSION,
       C__COUNT };

static const char *const col_names[C__COUNT] = {
	"event_time", "event_type", "product_id", "category_id", "category_code", "brand",
	"price", "user_id", "user_session",
};

static int rees_header(struct import_file *f, const struct csv_record *rec)
{
	size_t i;
	int c;

	for (c = 0; c < C__COUNT; c++)
		f->col[c] = -1;
	for (i = 0; i < rec->n; i++) {
		for (c = 0; c < C__COUNT && !span_eq(rec->field[i], col_names[c]); c++)
			;
		if (c == C__COUNT)
			return event_fail(&f->err, "", "unknown column '%.*s' in the header (expected "
					  "event_time,event_type,product_id,category_id,category_code,"
					  "brand,price,user_id,user_session)",
					  (int)(rec->field[i].len > 40 ? 40 : rec->field[i].len),
					  rec->field[i].p);
		f->col[c] = (int)i;
	}
	for (c = 0; c < C__COUNT; c++)
		if (f->col[c] < 0)
			return event_fail(&f->err, "", "the header has no '%s' column", col_names[c]);
	f->kind = KIND_EVENTS;
	f->ncols = rec->n;
	return 1;
}

static const struct import_column columns[] = {
	{ "ts", "event_time" },
	{ "visitor_id", "user_id" },
	{ "item_id", "product_id" },
	{ "session_id", "user_session" },
	{ "event", "event_type" },
};

static int rees_row(struct import_file *f, const struct csv_record *rec)
{
	struct buf *props = &f->im->norm;
	char vid[32], iid[32], cid[32];
	struct span v[C__COUNT];
	struct event ev;
	int c, rc;

	if (rec->n != f->ncols)
		return event_fail(&f->err, "", "expected %zu fields, got %zu", f->ncols, rec->n);
	for (c = 0; c < C__COUNT; c++)
		v[c] = rec->field[f->col[c]];
	event_clear(&ev);
	if (time_parse(v[C_TIME].p, v[C_TIME].len, &ev.ts))
		return event_fail(&f->err, "event_time", "expected a time like 2019-10-01 00:00:00 "
				  "UTC, got '%.*s'", (int)(v[C_TIME].len > 40 ? 40 : v[C_TIME].len),
				  v[C_TIME].p);
	if (event_type_parse(v[C_TYPE].p, v[C_TYPE].len, &ev.type))
		return event_fail(&f->err, "event_type", "unknown event type '%.*s' (expected view, "
				  "cart, remove_from_cart or purchase)",
				  (int)(v[C_TYPE].len > 40 ? 40 : v[C_TYPE].len), v[C_TYPE].p);
	ev.item_id = import_id(v[C_PRODUCT], iid);
	ev.visitor_id = import_id(v[C_USER], vid);
	ev.category_id = import_id(v[C_CATEGORY], cid);
	if (!ev.category_id.len)
		ev.category_id.p = NULL;
	ev.session_id = v[C_SESSION].len ? v[C_SESSION] : (struct span){ NULL, 0 };
	if (v[C_PRICE].len && parse_double(v[C_PRICE].p, v[C_PRICE].len, &ev.price))
		return event_fail(&f->err, "price", "expected a number, got '%.*s'",
				  (int)(v[C_PRICE].len > 40 ? 40 : v[C_PRICE].len), v[C_PRICE].p);
	buf_reset(props);
	/* Reserve first: spans below point into props, which must not move. */
	if ((rc = buf_grow(props, v[C_CODE].len * 6 + v[C_BRAND].len * 6 + 256 + ev.visitor_id.len +
					  v[C_SESSION].len)))
		return rc;
	if (v[C_CODE].len || v[C_BRAND].len) {
		size_t start = props->len;
		buf_putc(props, '{');
		if (v[C_CODE].len) {
			buf_puts(props, "\"category_code\":");
			buf_put_json_str(props, v[C_CODE].p, v[C_CODE].len);
		}
		if (v[C_BRAND].len) {
			buf_puts(props, v[C_CODE].len ? ",\"brand\":" : "\"brand\":");
			buf_put_json_str(props, v[C_BRAND].p, v[C_BRAND].len);
		}
		buf_putc(props, '}');
		ev.props.p = props->data + start;
		ev.props.len = props->len - start;
	}
	if (ev.type == EV_TRANSACTION) {
		size_t start = props->len;
		struct span who = ev.session_id.len ? ev.session_id : ev.visitor_id;
		buf_append(props, who.p, who.len);
		buf_putc(props, '-');
		buf_put_i64(props, ev.ts);
		ev.transaction_id.p = props->data + start;
		ev.transaction_id.len = props->len - start;
	}
	rc = event_validate(&ev, &f->im->limits, &f->err);
	if (rc) {
		import_name_column(f, columns, ARRAY_SIZE(columns));
		return rc;
	}
	return import_emit_event(f, &ev);
}

const struct import_format import_rees46 = {
	.name = "rees46",
	.csv = true,
	.header = rees_header,
	.row = rees_row,
};
