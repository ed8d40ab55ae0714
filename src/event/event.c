#include "event/event.h"
#include "core/err.h"
#include "core/json_scan.h"
#include "core/timeutil.h"

#include <math.h>

static const char *const type_names[EV__COUNT] = {
	[EV_VIEW] = "view",
	[EV_ADDTOCART] = "addtocart",
	[EV_REMOVEFROMCART] = "removefromcart",
	[EV_TRANSACTION] = "transaction",
};

static const struct {
	const char *name;
	enum event_type type;
} type_aliases[] = {
	{ "view", EV_VIEW },
	{ "addtocart", EV_ADDTOCART },
	{ "removefromcart", EV_REMOVEFROMCART },
	{ "transaction", EV_TRANSACTION },
	{ "cart", EV_ADDTOCART },
	{ "remove_from_cart", EV_REMOVEFROMCART },
	{ "purchase", EV_TRANSACTION },
};

const char *event_type_name(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? type_names[t] : "?";
}

int event_type_parse(const char *s, size_t n, enum event_type *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(type_aliases); i++) {
		if (strlen(type_aliases[i].name) == n && memcmp(type_aliases[i].name, s, n) == 0) {
			*out = type_aliases[i].type;
			return 0;
		}
	}
	return PP_EINVAL;
}

void event_limits_from_config(struct event_limits *lim, const struct config *cfg)
{
	lim->min_ts = cfg->min_event_ts;
	lim->max_ts = time_now_ms() + cfg->max_clock_skew_ms;
	lim->max_id_len = (size_t)cfg->max_id_length;
	lim->max_event_bytes = (size_t)cfg->max_event_bytes;
	lim->max_props_depth = 32;
}

void event_clear(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->price = NAN;
}

int event_fail(struct event_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return PP_EINVAL;
}

int event_check_id(const char *field, struct span v, bool required, size_t max_len,
		   struct event_error *err)
{
	size_t i;

	if (v.len == 0) {
		if (required)
			return event_fail(err, field, v.p ? "must not be empty" : "is required");
		if (v.p)
			return event_fail(err, field, "must not be empty (omit the field instead)");
		return 0;
	}
	if (v.len > max_len)
		return event_fail(err, field, "is %zu bytes long, the limit is %zu", v.len, max_len);
	for (i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c < 0x20 || c == 0x7f)
			return event_fail(err, field, "contains a control character at byte %zu",
					  i + 1);
	}
	if (!utf8_valid(v.p, v.len))
		return event_fail(err, field, "is not valid UTF-8");
	return 0;
}

int event_validate(const struct event *ev, const struct event_limits *lim,
		   struct event_error *err)
{
	char lo[32], hi[32];
	int rc;

	if ((unsigned)ev->type >= EV__COUNT)
		return event_fail(err, "event", "is not a known event type");
	if (ev->ts < lim->min_ts || ev->ts > lim->max_ts) {
		time_format_rfc3339(lim->min_ts, lo);
		time_format_rfc3339(lim->max_ts, hi);
		return event_fail(err, "ts", "%" PRId64 " is outside the accepted range %s to %s",
				  ev->ts, lo, hi);
	}
	if ((rc = event_check_id("visitor_id", ev->visitor_id, true, lim->max_id_len, err)) ||
	    (rc = event_check_id("item_id", ev->item_id, true, lim->max_id_len, err)) ||
	    (rc = event_check_id("session_id", ev->session_id, false, lim->max_id_len, err)) ||
	    (rc = event_check_id("transaction_id", ev->transaction_id, false, lim->max_id_len,
				 err)) ||
	    (rc = event_check_id("category_id", ev->category_id, false, lim->max_id_len, err)) ||
	    (rc = event_check_id("event_id", ev->event_id, false, lim->max_id_len, err)))
		return rc;
	if (!isnan(ev->price)) {
		if (!isfinite(ev->price))
			return event_fail(err, "price", "must be a finite number");
		if (ev->price < 0)
			return event_fail(err, "price", "must be >= 0, got %g", ev->price);
	}
	if (ev->type == EV_TRANSACTION && ev->transaction_id.len == 0)
		return event_fail(err, "transaction_id", "is required for a transaction event");
	return 0;
}
