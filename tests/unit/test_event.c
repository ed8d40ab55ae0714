/* Unit tests of the canonical event: parsing, every validation rule, writing, sessions. */
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "event/event.h"
#include "event/sessionize.h"
#include "unit/test.h"

static struct event_limits limits(void)
{
	struct event_limits l = {
		.min_ts = 946684800000,      /* 2000-01-01 */
		.max_ts = 4102444800000,     /* 2100-01-01 */
		.max_id_len = 64,
		.max_event_bytes = 4096,
		.max_props_depth = 4,
	};
	return l;
}

#define BASE "\"ts\":1433221332117,\"visitor_id\":\"257597\",\"item_id\":\"355908\""

static const struct {
	const char *json;
	const char *field;
	const char *message;
} bad_events[] = {
	{ "", "", "empty line" },
	{ "   ", "", "empty line" },
	{ "[1,2]", "", "expected a JSON object, got an array" },
	{ "\"view\"", "", "expected a JSON object, got a string" },
	{ "{" BASE ",\"event\":\"view\"", "event", "expected ',' or '}'" },
	{ "{" BASE ",\"event\":\"view\"} x", "", "unexpected text after the JSON object" },
	{ "{" BASE ",\"event\":\"view\",}", "", "expected a field name" },
	{ "{'ts':1}", "", "expected a field name in double quotes" },
	{ "{\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "is required" },
	{ "{\"ts\":1433221332117,\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "is required" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"item_id\":\"2\"}", "event", "is required" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"event\":\"view\"}", "item_id", "is required" },
	{ "{\"ts\":true,\"visitor_id\":\"257597\",\"item_id\":\"355908\",\"event\":\"view\"}", "ts", "expected milliseconds since the epoch or an RFC 3339 string, got a boolean" },
	{ "{\"ts\":null,\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "got null" },
	{ "{\"ts\":-5,\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "outside the accepted range" },
	{ "{\"ts\":5000000000000,\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "outside the accepted range" },
	{ "{\"ts\":1433221332117.5,\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "expected whole milliseconds" },
	{ "{\"ts\":\"2015-02-30T00:00:00Z\",\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "is not an RFC 3339 time" },
	{ "{\"ts\":\"yesterday\",\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"}", "ts", "'yesterday' is not an RFC 3339 time" },
	{ "{" BASE ",\"event\":\"click\"}", "event", "unknown event type 'click'" },
	{ "{" BASE ",\"event\":\"View\"}", "event", "unknown event type 'View'" },
	{ "{" BASE ",\"event\":3}", "event", "expected a string, got a number" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"\",\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "must not be empty" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"1234567890123456789012345678901234567890123456789012345678901234567890\",\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "is 70 bytes long, the limit is 64" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"a\\u0001b\",\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "contains a control character at byte 2" },
	{ "{\"ts\":1433221332117,\"visitor_id\":1.5,\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "expected a string or a non-negative integer" },
	{ "{\"ts\":1433221332117,\"visitor_id\":{},\"item_id\":\"2\",\"event\":\"view\"}", "visitor_id", "expected a string, got an object" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"item_id\":\"\",\"event\":\"view\"}", "item_id", "must not be empty" },
	{ "{" BASE ",\"event\":\"view\",\"price\":-1}", "price", "must be >= 0, got -1" },
	{ "{" BASE ",\"event\":\"view\",\"price\":1e999}", "price", "must be a finite number" },
	{ "{" BASE ",\"event\":\"view\",\"price\":\"12.5\"}", "price", "expected a number, got a string" },
	{ "{" BASE ",\"event\":\"transaction\"}", "transaction_id", "is required for a transaction event" },
	{ "{" BASE ",\"event\":\"purchase\",\"transaction_id\":\"\"}", "transaction_id", "must not be empty" },
	{ "{" BASE ",\"event\":\"view\",\"session_id\":[1]}", "session_id", "expected a string, got an array" },
	{ "{" BASE ",\"event\":\"view\",\"category_id\":\"\"}", "category_id", "must not be empty (omit the field instead)" },
	{ "{" BASE ",\"event\":\"view\",\"event_id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", "event_id", "the limit is 64" },
	{ "{" BASE ",\"event\":\"view\",\"props\":[1]}", "props", "expected an object, got an array" },
	{ "{" BASE ",\"event\":\"view\",\"props\":{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}}", "props", "nested too deeply" },
	{ "{" BASE ",\"event\":\"view\",\"props\":{\"a\":tru}}", "props", "invalid literal" },
	{ "{" BASE ",\"event\":\"view\",\"colour\":\"red\"}", "colour", "unknown field" },
	{ "{" BASE ",\"event\":\"view\",\"received_at\":1}", "received_at", "is set by the collector" },
	{ "{" BASE ",\"event\":\"view\",\"ts\":1}", "ts", "appears twice" },
	{ "{" BASE ",\"event\":\"view\\x\"}", "event", "invalid escape in string" },
	{ "{" BASE ",\"event\":\"\xff\"}", "event", "invalid UTF-8" },
	{ "{" BASE ",\"event\":\"view\",\"session_id\":\"\\ud800\"}", "session_id", "unpaired UTF-16 surrogate" },
	{ "{" BASE ",\"event\":\"view\",\"price\":01}", "price", "leading zeros" },
	{ "{\"ts\":1433221332117,\"visitor_id\":\"1\",\"item_id\":\"2\",\"event\":\"view\"\n,\"x\"", "x", "unknown field" },
};

TEST(event_rejects_bad_input)
{
	struct event_limits lim = limits();
	struct buf scratch = BUF_INIT;
	struct event_error err;
	struct event ev;

	CHECK(ARRAY_SIZE(bad_events) >= 30);
	for (size_t i = 0; i < ARRAY_SIZE(bad_events); i++) {
		const char *j = bad_events[i].json;
		int rc = event_parse_json(j, strlen(j), 0, &lim, &ev, &scratch, &err);
		if (rc != PP_EINVAL)
			test_fail(__FILE__, __LINE__, "case %zu (%s): rc %d, expected a rejection", i, j,
				  rc);
		if (strcmp(err.field, bad_events[i].field) || !strstr(err.message, bad_events[i].message))
			test_fail(__FILE__, __LINE__, "case %zu (%s): got [%s] %s; expected [%s] ...%s...",
				  i, j, err.field, err.message, bad_events[i].field,
				  bad_events[i].message);
	}
	/* An event longer than the limit is refused before parsing. */
	char big[5000];
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 1] = '}';
	CHECK_INT(event_parse_json(big, sizeof(big), 0, &lim, &ev, &scratch, &err), PP_EINVAL);
	CHECK_CONTAINS(err.message, "the limit is 4096");
	buf_release(&scratch);
}

TEST(event_parses_canonical_and_aliases)
{
	struct event_limits lim = limits();
	struct buf scratch = BUF_INIT, out = BUF_INIT;
	struct event_error err;
	struct event ev;
	const char *j = " { \"ts\" : \"2015-06-02T07:02:12.117+02:00\", \"visitor_id\": 257597,"
			"\"event\":\"cart\",\"item_id\":\"it\\\"em\",\"price\":35.79,"
			"\"category_id\":null,\"props\":{ \"a\" : [1, \"x y\"] },\"session_id\":\"s1\"}\r";

	CHECK_INT(event_parse_json(j, strlen(j), 0, &lim, &ev, &scratch, &err), 0);
	CHECK_INT(ev.ts, 1433221332117);
	CHECK_INT(ev.type, EV_ADDTOCART);
	CHECK(span_eq(ev.visitor_id, "257597"));
	CHECK(span_eq(ev.item_id, "it\"em"));
	CHECK(span_eq(ev.session_id, "s1"));
	CHECK_INT(ev.category_id.len, 0);
	CHECK_NEAR(ev.price, 35.79, 1e-12);
	CHECK_INT(event_write_json(&ev, &out), 0);
	/* canonical order and names; props keep content, lose layout */
	CHECK_STR(out.data, "{\"ts\":1433221332117,\"visitor_id\":\"257597\",\"session_id\":\"s1\","
			    "\"event\":\"addtocart\",\"item_id\":\"it\\\"em\",\"price\":35.79,"
			    "\"props\":{\"a\":[1,\"x y\"]}}");
	static const struct {
		const char *name;
		enum event_type t;
	} aliases[] = { { "view", EV_VIEW }, { "addtocart", EV_ADDTOCART },
			{ "cart", EV_ADDTOCART }, { "removefromcart", EV_REMOVEFROMCART },
			{ "remove_from_cart", EV_REMOVEFROMCART }, { "purchase", EV_TRANSACTION } };
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++) {
		enum event_type t;
		CHECK_INT(event_type_parse(aliases[i].name, strlen(aliases[i].name), &t), 0);
		CHECK_INT(t, aliases[i].t);
	}
	/* received_at is only accepted when reading back the lake */
	const char *raw = "{" BASE ",\"event\":\"view\",\"received_at\":1433221332200}";
	CHECK_INT(event_parse_json(raw, strlen(raw), EVENT_PARSE_RAW, &lim, &ev, &scratch, &err), 0);
	CHECK_INT(ev.received_at, 1433221332200);
	buf_release(&scratch);
	buf_release(&out);
}

TEST(event_write_parse_roundtrip)
{
	struct event_limits lim = limits();
	struct buf scratch = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct event_error err;
	struct event ev;
	const char *j = "{\"ts\":1433221332117,\"visitor_id\":\"v\\\"\\u00e9\",\"event\":\"transaction\","
			"\"item_id\":\"1\",\"category_id\":\"c\",\"price\":0.1,\"transaction_id\":\"t\","
			"\"event_id\":\"e\",\"props\":{\"k\":\"\\\\\"}}";

	CHECK_INT(event_parse_json(j, strlen(j), 0, &lim, &ev, &scratch, &err), 0);
	CHECK_INT(event_write_json(&ev, &a), 0);
	CHECK_INT(event_parse_json(a.data, a.len, 0, &lim, &ev, &scratch, &err), 0);
	CHECK_INT(event_write_json(&ev, &b), 0);
	CHECK_STR(a.data, b.data);
	buf_release(&scratch);
	buf_release(&a);
	buf_release(&b);
}

TEST(event_parse_survives_allocation_failure)
{
	struct event_limits lim = limits();
	struct buf scratch = BUF_INIT;
	struct event_error err;
	struct event ev;
	const char *j = "{" BASE ",\"event\":\"view\"}";

	pp_mem_fail_after(0);
	CHECK_INT(event_parse_json(j, strlen(j), 0, &lim, &ev, &scratch, &err), PP_ENOMEM);
	pp_mem_fail_after(-1);
	CHECK_INT(event_parse_json(j, strlen(j), 0, &lim, &ev, &scratch, &err), 0);
	buf_release(&scratch);
}

static struct event ev_at(const char *visitor, int64_t ts, const char *session)
{
	struct event e;

	event_clear(&e);
	e.visitor_id = span_of(visitor);
	e.item_id = span_of("i");
	e.ts = ts;
	if (session)
		e.session_id = span_of(session);
	return e;
}

TEST(sessionizer_splits_by_gap)
{
	struct sessionizer s;
	struct span id;
	bool started;
	const int64_t t0 = 1433221332117, gap = 30 * MS_PER_MIN;
	struct event e;
	char first[64];

	sessionizer_init(&s, gap);
	e = ev_at("a", t0, NULL);
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), 0);
	CHECK(started);
	CHECK(span_eq(id, "a-1433221332117"));
	snprintf(first, sizeof(first), "%.*s", (int)id.len, id.p);
	e = ev_at("b", t0 + 10, NULL); /* another visitor in between */
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), 0);
	CHECK(started);
	e = ev_at("a", t0 + gap, NULL); /* exactly the gap: same session */
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), 0);
	CHECK(!started);
	CHECK(span_eq(id, first));
	e = ev_at("a", t0 + 2 * gap + 1, NULL); /* one ms more: a new one */
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), 0);
	CHECK(started);
	CHECK(span_eq(id, "a-1433224932118"));
	e = ev_at("a", t0 + 2 * gap + 5, "given-7"); /* a given id wins */
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), 0);
	CHECK(span_eq(id, "given-7"));
	e = ev_at("a", t0, NULL); /* out of order for this visitor */
	CHECK_INT(sessionizer_assign(&s, &e, &id, &started), PP_EORDER);
	CHECK_CONTAINS(pp_errmsg(), "visitor a: event at 1433221332117 is older");
	sessionizer_release(&s);
}

TEST(event_line_event_id_top_level_only)
{
	struct span id;
	const char *a = "{\"ts\":1,\"visitor_id\":\"v\",\"event\":\"view\",\"item_id\":\"i\","
			"\"event_id\":\"a\\\"1\",\"props\":{\"event_id\":\"x\"}}";
	const char *b = "{\"ts\":1,\"visitor_id\":\"v\",\"event\":\"view\",\"item_id\":\"i\","
			"\"props\":{\"k\":1,\"event_id\":\"x\"}}";

	id = event_line_event_id(a, strlen(a));
	CHECK(id.len == 4 && !memcmp(id.p, "a\\\"1", 4)); /* escapes kept: a\"1 */
	id = event_line_event_id(b, strlen(b));
	CHECK_INT(id.len, 0); /* a key inside props is not the event's id */
}
