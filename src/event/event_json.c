/*
 * event_json.c - the canonical event as one JSON object: parse (with validation) and write.
 *
 * The parser is specialised for the flat event schema rather than built on a DOM: it
 * matches each key to a field, reads the value straight into struct event and keeps
 * strings as spans into the input (escaped ones are decoded into scratch). `props` is
 * validated and kept as its original text. This is the collector's and importer's hot
 * path; see bench/bench_event.c.
 */
#include "event/event.h"
#include "core/err.h"
#include "core/json_scan.h"
#include "core/timeutil.h"

#include <math.h>

enum field {
	F_TS, F_VISITOR_ID, F_EVENT, F_ITEM_ID, F_SESSION_ID, F_TRANSACTION_ID, F_PRICE,
	F_CATEGORY_ID, F_EVENT_ID, F_PROPS, F_RECEIVED_AT, F__COUNT
};

static const char *const field_names[F__COUNT] = {
	"ts", "visitor_id", "event", "item_id", "session_id", "transaction_id", "price",
	"category_id", "event_id", "props", "received_at",
};

static int field_lookup(struct span k)
{
	int f;

	for (f = 0; f < F__COUNT; f++)
		if (span_eq(k, field_names[f]))
			return f;
	return -1;
}

struct parse {
	struct json_scan sc;
	struct event *ev;
	struct event_error *err;
	const struct event_limits *lim;
	char *scratch;
};

static int syntax(struct parse *ps, const char *field)
{
	ps->err->column = ps->sc.pos + 1;
	return event_fail(ps->err, field, "%s at column %zu", ps->sc.err, ps->sc.pos + 1);
}

static const char *json_kind(char c)
{
	switch (c) {
	case '"': return "a string";
	case '{': return "an object";
	case '[': return "an array";
	case 't':
	case 'f': return "a boolean";
	case 'n': return "null";
	default: return "a number";
	}
}

static int wrong_type(struct parse *ps, const char *field, const char *expected)
{
	ps->err->column = ps->sc.pos + 1;
	return event_fail(ps->err, field, "expected %s, got %s", expected,
			  json_kind(json_peek(&ps->sc)));
}

/* ts and received_at: integer ms since the epoch, or an RFC 3339 string. */
static int read_time(struct parse *ps, const char *field, int64_t *out)
{
	struct span raw;
	bool is_int;
	double d;
	char c = json_peek(&ps->sc);

	if (c == '"') {
		if (json_read_string(&ps->sc, &raw, &ps->scratch))
			return syntax(ps, field);
		if (time_parse(raw.p, raw.len, out))
			return event_fail(ps->err, field, "'%.*s' is not an RFC 3339 time "
					  "(like 2015-06-02T05:02:12.117Z)", (int)(raw.len > 40 ? 40 : raw.len),
					  raw.p);
		return 0;
	}
	if (c != '-' && (c < '0' || c > '9'))
		return wrong_type(ps, field, "milliseconds since the epoch or an RFC 3339 string");
	if (json_read_number(&ps->sc, &raw, &is_int, out, &d))
		return syntax(ps, field);
	if (!is_int) {
		if (isfinite(d) && d == floor(d) && fabs(d) < 9e15) {
			*out = (int64_t)d; /* 1433221332117.0 */
			return 0;
		}
		return event_fail(ps->err, field, "expected whole milliseconds since the epoch, got %.*s",
				  (int)(raw.len > 40 ? 40 : raw.len), raw.p);
	}
	return 0;
}

/* Ids are strings; integers are accepted too (many trackers send numeric ids). */
static int read_id(struct parse *ps, const char *field, struct span *out)
{
	struct span raw;
	bool is_int;
	int64_t iv;
	double d;
	char c = json_peek(&ps->sc);

	if (c == '"') {
		if (json_read_string(&ps->sc, out, &ps->scratch))
			return syntax(ps, field);
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		size_t at = ps->sc.pos;
		if (json_read_number(&ps->sc, &raw, &is_int, &iv, &d))
			return syntax(ps, field);
		if (!is_int || iv < 0 || raw.p[0] == '-') {
			ps->sc.pos = at;
			return wrong_type(ps, field, "a string or a non-negative integer");
		}
		*out = raw;
		return 0;
	}
	return wrong_type(ps, field, "a string");
}

static int read_field(struct parse *ps, int f)
{
	struct event *ev = ps->ev;
	struct span s, raw;
	bool is_int;
	int64_t iv;
	size_t start;
	int rc;

	/* null means "absent" for the optional fields. */
	if (json_peek(&ps->sc) == 'n' && f != F_TS && f != F_VISITOR_ID && f != F_EVENT &&
	    f != F_ITEM_ID) {
		if (json_skip_value(&ps->sc, 1))
			return syntax(ps, field_names[f]);
		return 0;
	}
	switch (f) {
	case F_TS:
		return read_time(ps, "ts", &ev->ts);
	case F_RECEIVED_AT:
		return read_time(ps, "received_at", &ev->received_at);
	case F_VISITOR_ID:
		return read_id(ps, "visitor_id", &ev->visitor_id);
	case F_ITEM_ID:
		return read_id(ps, "item_id", &ev->item_id);
	case F_SESSION_ID:
		return read_id(ps, "session_id", &ev->session_id);
	case F_TRANSACTION_ID:
		return read_id(ps, "transaction_id", &ev->transaction_id);
	case F_CATEGORY_ID:
		return read_id(ps, "category_id", &ev->category_id);
	case F_EVENT_ID:
		return read_id(ps, "event_id", &ev->event_id);
	case F_EVENT:
		if (json_peek(&ps->sc) != '"')
			return wrong_type(ps, "event", "a string");
		if (json_read_string(&ps->sc, &s, &ps->scratch))
			return syntax(ps, "event");
		if (event_type_parse(s.p, s.len, &ev->type))
			return event_fail(ps->err, "event", "unknown event type '%.*s' (expected view, "
					  "addtocart, removefromcart or transaction)",
					  (int)(s.len > 40 ? 40 : s.len), s.p);
		return 0;
	case F_PRICE: {
		char c = json_peek(&ps->sc);
		if (c != '-' && (c < '0' || c > '9'))
			return wrong_type(ps, "price", "a number");
		if (json_read_number(&ps->sc, &raw, &is_int, &iv, &ev->price))
			return syntax(ps, "price");
		if (!isfinite(ev->price))
			return event_fail(ps->err, "price", "must be a finite number");
		return 0;
	}
	case F_PROPS:
		if (json_peek(&ps->sc) != '{')
			return wrong_type(ps, "props", "an object");
		start = ps->sc.pos;
		rc = json_skip_value(&ps->sc, ps->lim->max_props_depth);
		if (rc)
			return syntax(ps, "props");
		ev->props.p = ps->sc.p + start;
		ev->props.len = ps->sc.pos - start;
		return 0;
	}
	return PP_EINVAL;
}

int event_parse_json(const char *text, size_t len, unsigned flags,
		     const struct event_limits *lim, struct event *ev, struct buf *scratch,
		     struct event_error *err)
{
	struct parse ps = { .ev = ev, .err = err, .lim = lim };
	unsigned seen = 0;
	struct span key;
	int f, rc;

	event_clear(ev);
	err->field[0] = '\0';
	err->message[0] = '\0';
	err->column = 0;
	if (len > lim->max_event_bytes)
		return event_fail(err, "", "event is %zu bytes, the limit is %zu", len,
				  lim->max_event_bytes);
	buf_reset(scratch);
	if ((rc = buf_grow(scratch, len)))
		return rc;
	ps.scratch = scratch->data;
	json_scan_init(&ps.sc, text, len);
	if (json_peek(&ps.sc) == 0)
		return event_fail(err, "", "empty line (expected a JSON object)");
	if (json_peek(&ps.sc) != '{')
		return event_fail(err, "", "expected a JSON object, got %s",
				  json_kind(json_peek(&ps.sc)));
	ps.sc.pos++;
	if (json_peek(&ps.sc) != '}') {
		for (;;) {
			if (json_peek(&ps.sc) != '"') {
				ps.sc.err = "expected a field name in double quotes";
				return syntax(&ps, "");
			}
			/* Decoded strings never outgrow their raw text, so scratch (len bytes) holds all. */
			if (json_read_string(&ps.sc, &key, &ps.scratch))
				return syntax(&ps, "");
			f = field_lookup(key);
			if (f < 0 || (f == F_RECEIVED_AT && !(flags & EVENT_PARSE_RAW))) {
				char name[48];
				snprintf(name, sizeof(name), "%.*s", (int)(key.len > 40 ? 40 : key.len),
					 key.p);
				if (f == F_RECEIVED_AT)
					return event_fail(err, name, "is set by the collector, not by "
							  "clients");
				return event_fail(err, name, "unknown field (expected ts, visitor_id, "
						  "event, item_id, session_id, transaction_id, price, "
						  "category_id, event_id, props)");
			}
			if (seen & (1u << f))
				return event_fail(err, field_names[f], "appears twice");
			seen |= 1u << f;
			if (json_expect(&ps.sc, ':', "expected ':' after the field name"))
				return syntax(&ps, field_names[f]);
			if ((rc = read_field(&ps, f)))
				return rc;
			if (json_peek(&ps.sc) == ',') {
				ps.sc.pos++;
				continue;
			}
			if (json_expect(&ps.sc, '}', "expected ',' or '}' after a value"))
				return syntax(&ps, field_names[f]);
			break;
		}
	} else {
		ps.sc.pos++;
	}
	if (json_peek(&ps.sc) != 0) {
		ps.sc.err = "unexpected text after the JSON object";
		return syntax(&ps, "");
	}
	for (f = 0; f < F_SESSION_ID; f++)
		if (!(seen & (1u << f)))
			return event_fail(err, field_names[f], "is required");
	return event_validate(ev, lim, err);
}

static int put_key_str(struct buf *out, const char *key, struct span v)
{
	int rc = buf_puts(out, key);

	return rc ? rc : buf_put_json_str(out, v.p, v.len);
}

struct span event_line_event_id(const char *line, size_t len)
{
	static const char key[] = ",\"event_id\":\"";
	const char *props = memmem(line, len, ",\"props\":", 9);
	size_t head = props ? (size_t)(props - line) : len;
	const char *p = memmem(line, head, key, sizeof(key) - 1);
	struct span id = { NULL, 0 };
	size_t i;

	/* quotes inside strings are always escaped, so these keys cannot match inside values */
	if (!p)
		return id;
	p += sizeof(key) - 1;
	for (i = 0; p + i < line + head; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '"') {
			id.p = p;
			id.len = i;
			break;
		}
	}
	return id;
}

/* Props keep their content but lose layout whitespace, so one event stays one line. */
static int put_compact_json(struct buf *out, struct span v)
{
	bool in_str = false, esc = false;
	size_t i;
	int rc = buf_grow(out, v.len);

	if (rc)
		return rc;
	for (i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			continue;
		}
		buf_putc_unsafe(out, c);
	}
	buf_terminate(out);
	return 0;
}

int event_write_json(const struct event *ev, struct buf *out)
{
	int rc;

	if ((rc = buf_puts(out, "{\"ts\":")) || (rc = buf_put_i64(out, ev->ts)) ||
	    (rc = put_key_str(out, ",\"visitor_id\":", ev->visitor_id)))
		return rc;
	if (ev->session_id.len && (rc = put_key_str(out, ",\"session_id\":", ev->session_id)))
		return rc;
	if ((rc = buf_puts(out, ",\"event\":\"")) ||
	    (rc = buf_puts(out, event_type_name(ev->type))) || (rc = buf_putc(out, '"')) ||
	    (rc = put_key_str(out, ",\"item_id\":", ev->item_id)))
		return rc;
	if (ev->category_id.len && (rc = put_key_str(out, ",\"category_id\":", ev->category_id)))
		return rc;
	if (!isnan(ev->price) &&
	    ((rc = buf_puts(out, ",\"price\":")) || (rc = buf_put_double(out, ev->price))))
		return rc;
	if (ev->transaction_id.len &&
	    (rc = put_key_str(out, ",\"transaction_id\":", ev->transaction_id)))
		return rc;
	if (ev->event_id.len && (rc = put_key_str(out, ",\"event_id\":", ev->event_id)))
		return rc;
	if (ev->props.len &&
	    ((rc = buf_puts(out, ",\"props\":")) || (rc = put_compact_json(out, ev->props))))
		return rc;
	if (ev->received_at &&
	    ((rc = buf_puts(out, ",\"received_at\":")) || (rc = buf_put_i64(out, ev->received_at))))
		return rc;
	return buf_putc(out, '}');
}
