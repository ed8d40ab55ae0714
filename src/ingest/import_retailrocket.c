/*
 * import_retailrocket.c - RetailRocket's Kaggle export: events.csv, category_tree.csv and
 * item_properties_part*.csv, told apart by their header lines.
 */
#include "ingest/import.h"
#include "core/err.h"
#include "core/parse.h"

enum { C_TS, C_VISITOR, C_EVENT, C_ITEM, C_TXN, C_CATEGORY, C_PARENT, C_PROPERTY, C_VALUE,
       C__COUNT };

static const char *const col_names[C__COUNT] = {
	"timestamp", "visitorid", "event", "itemid", "transactionid", "categoryid", "parentid",
	"property", "value",
};

static const struct {
	enum import_kind kind;
	int cols[5];
	size_t n;
} layouts[] = {
	{ KIND_EVENTS, { C_TS, C_VISITOR, C_EVENT, C_ITEM, C_TXN }, 5 },
	{ KIND_CATEGORIES, { C_CATEGORY, C_PARENT }, 2 },
	{ KIND_ITEM_PROPERTIES, { C_TS, C_ITEM, C_PROPERTY, C_VALUE }, 4 },
};

static int col_of(struct span name)
{
	int c;

	for (c = 0; c < C__COUNT; c++)
		if (span_eq(name, col_names[c]))
			return c;
	return -1;
}

static int rr_header(struct import_file *f, const struct csv_record *rec)
{
	int64_t ignored;
	size_t i, l, k;

	/* A file without a header: events in the standard column order. */
	if (rec->n == 5 && parse_int64_lenient(rec->field[0].p, rec->field[0].len, &ignored) == 0) {
		f->kind = KIND_EVENTS;
		f->ncols = 5;
		for (i = 0; i < 5; i++)
			f->col[layouts[0].cols[i]] = (int)i;
		return 0;
	}
	for (l = 0; l < ARRAY_SIZE(layouts); l++) {
		if (rec->n != layouts[l].n)
			continue;
		for (k = 0; k < C__COUNT; k++)
			f->col[k] = -1;
		for (i = 0; i < rec->n; i++) {
			int c = col_of(rec->field[i]);
			if (c < 0)
				break;
			f->col[c] = (int)i;
		}
		for (k = 0; i == rec->n && k < layouts[l].n; k++)
			if (f->col[layouts[l].cols[k]] < 0)
				break;
		if (i == rec->n && k == layouts[l].n) {
			f->kind = layouts[l].kind;
			f->ncols = rec->n;
			return 1;
		}
	}
	return event_fail(&f->err, "", "not a RetailRocket header: '%.*s' (expected "
			  "timestamp,visitorid,event,itemid,transactionid or categoryid,parentid or "
			  "timestamp,itemid,property,value)", (int)(rec->raw.len > 120 ? 120 : rec->raw.len),
			  rec->raw.p);
}

static const struct import_column columns[] = {
	{ "ts", "timestamp" },
	{ "visitor_id", "visitorid" },
	{ "item_id", "itemid" },
	{ "transaction_id", "transactionid" },
};

static struct span field(const struct import_file *f, const struct csv_record *rec, int c)
{
	return rec->field[f->col[c]];
}

static int rr_event(struct import_file *f, const struct csv_record *rec)
{
	char vid[32], iid[32], tid[32];
	struct span ts = field(f, rec, C_TS), type = field(f, rec, C_EVENT);
	struct event ev;
	int rc;

	event_clear(&ev);
	if (parse_int64_lenient(ts.p, ts.len, &ev.ts))
		return event_fail(&f->err, "timestamp", "expected milliseconds since the epoch, got "
				  "'%.*s'", (int)(ts.len > 40 ? 40 : ts.len), ts.p);
	if (event_type_parse(type.p, type.len, &ev.type))
		return event_fail(&f->err, "event", "unknown event type '%.*s' (expected view, "
				  "addtocart or transaction)", (int)(type.len > 40 ? 40 : type.len),
				  type.p);
	ev.visitor_id = import_id(field(f, rec, C_VISITOR), vid);
	ev.item_id = import_id(field(f, rec, C_ITEM), iid);
	ev.transaction_id = import_id(field(f, rec, C_TXN), tid);
	if (!ev.transaction_id.len)
		ev.transaction_id.p = NULL; /* an empty column is an absent id */
	rc = event_validate(&ev, &f->im->limits, &f->err);
	if (rc) {
		import_name_column(f, columns, ARRAY_SIZE(columns));
		return rc;
	}
	return import_emit_event(f, &ev);
}

static int rr_row(struct import_file *f, const struct csv_record *rec)
{
	char a[32], b[32];
	struct span id, parent, item, prop, value;
	int64_t ts;
	int rc;

	if (rec->n != f->ncols)
		return event_fail(&f->err, "", "expected %zu fields, got %zu", f->ncols, rec->n);
	switch (f->kind) {
	case KIND_EVENTS:
		return rr_event(f, rec);
	case KIND_CATEGORIES:
		id = import_id(field(f, rec, C_CATEGORY), a);
		parent = import_id(field(f, rec, C_PARENT), b);
		if (!parent.len)
			parent.p = NULL; /* a root */
		if ((rc = event_check_id("categoryid", id, true, f->im->limits.max_id_len, &f->err)) ||
		    (rc = event_check_id("parentid", parent, false, f->im->limits.max_id_len, &f->err)))
			return rc;
		return import_emit_category(f, id, parent);
	case KIND_ITEM_PROPERTIES: {
		struct span t = field(f, rec, C_TS);
		item = import_id(field(f, rec, C_ITEM), a);
		prop = field(f, rec, C_PROPERTY);
		value = field(f, rec, C_VALUE);
		if (parse_int64_lenient(t.p, t.len, &ts) || ts < f->im->limits.min_ts ||
		    ts > f->im->limits.max_ts)
			return event_fail(&f->err, "timestamp", "expected milliseconds since the epoch "
					  "in the accepted range, got '%.*s'", (int)(t.len > 40 ? 40 : t.len),
					  t.p);
		if ((rc = event_check_id("itemid", item, true, f->im->limits.max_id_len, &f->err)) ||
		    (rc = event_check_id("property", prop, true, f->im->limits.max_id_len, &f->err)) ||
		    (value.len && (rc = event_check_id("value", value, false,
						       f->im->limits.max_event_bytes, &f->err))))
			return rc;
		return import_emit_property(f, ts, item, prop, value);
	}
	default:
		return PP_EINVAL;
	}
}

const struct import_format import_retailrocket = {
	.name = "retailrocket",
	.csv = true,
	.header = rr_header,
	.row = rr_row,
};
