/* GET /v1/events: search the events (event_search.h). */
#include "core/err.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "serve/event_search.h"
#include "serve/http.h"

int route_get_events(struct http_request *req)
{
	static const char *const keys[] = { "visitor_id", "session_id", "item_id" };
	struct server *s = req->srv;
	struct event_query q = { .type = -1, .from = INT64_MIN, .to = INT64_MAX, .limit = 50 };
	struct span *key[] = { &q.visitor, &q.session, &q.item };
	const char *v;
	int64_t limit;

	if (!s->events)
		return http_error(req, 503, "unavailable", NULL, "event search is off");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if ((v = http_query(req, keys[k]))) {
			if (!*v || strlen(v) > 256)
				return http_error(req, 400, "invalid", keys[k], "%s: expected a non-empty id of at most "
						  "256 bytes", keys[k]);
			*key[k] = span_of(v);
		}
	if ((v = http_query(req, "event"))) {
		enum event_type t;
		if (event_type_parse(v, strlen(v), &t))
			return http_error(req, 400, "invalid", "event", "event: expected view, addtocart, "
					  "removefromcart or transaction, got '%s'", v);
		q.type = (int)t;
	}
	if ((v = http_query(req, "from")) && time_parse_or_ms(v, strlen(v), &q.from))
		return http_error(req, 400, "invalid", "from", "from: expected an RFC 3339 time or epoch milliseconds");
	if ((v = http_query(req, "to")) && time_parse_or_ms(v, strlen(v), &q.to))
		return http_error(req, 400, "invalid", "to", "to: expected an RFC 3339 time or epoch milliseconds");
	if (q.from > q.to)
		return http_error(req, 400, "invalid", "from", "from is after to");
	if ((v = http_query(req, "limit"))) {
		if (parse_int64(v, strlen(v), &limit) || limit < 1 || limit > 1000)
			return http_error(req, 400, "invalid", "limit", "limit: expected an integer from 1 to 1000");
		q.limit = (size_t)limit;
	}
	if ((v = http_query(req, "cursor")) && !event_search_cursor(v, &q))
		return http_error(req, 400, "invalid", "cursor", "cursor: expected the next_cursor of an earlier page");
	if (event_search_query(s->events, s->fs, (int)s->cfg->events_search_days, &q, &req->out))
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	return HTTP_DONE;
}
