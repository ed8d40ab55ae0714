/* GET /v1/sessions/live: the sessions active now, sorted, paged (live_sessions.h). */
#include "core/parse.h"
#include "serve/champion.h"
#include "serve/http.h"
#include "serve/live_sessions.h"

/* An integer query parameter in [lo, hi], or def when absent; false when malformed. */
static bool query_int(struct http_request *req, const char *name, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
	const char *v = http_query(req, name);

	*out = def;
	return !v || (!parse_int64(v, strlen(v), out) && *out >= lo && *out <= hi);
}

int route_get_sessions_live(struct http_request *req)
{
	struct server *s = req->srv;
	const char *sort = http_query(req, "sort"), *minp = http_query(req, "min_probability");
	struct served_model *m;
	int64_t limit, offset;
	double min_p = 0, threshold = 0.5;

	if (!s->sessions)
		return http_error(req, 503, "unavailable", NULL, "no live sessions are kept (see the server's log)");
	if (!query_int(req, "limit", 1, 1000, 50, &limit))
		return http_error(req, 400, "invalid", "limit", "limit: expected an integer from 1 to 1000");
	if (!query_int(req, "offset", 0, INT64_MAX, 0, &offset))
		return http_error(req, 400, "invalid", "offset", "offset: expected a non-negative integer");
	if (sort && strcmp(sort, "probability") && strcmp(sort, "recent"))
		return http_error(req, 400, "invalid", "sort", "sort: expected probability or recent");
	if (minp && (parse_double(minp, strlen(minp), &min_p) || !(min_p >= 0 && min_p <= 1)))
		return http_error(req, 400, "invalid", "min_probability", "min_probability: expected a number from 0 to 1");
	if ((m = champion_acquire(s))) {
		threshold = m->threshold;
		champion_release(m);
	}
	if (live_sessions_page(s->sessions, sort && !strcmp(sort, "recent") ? LIVE_BY_RECENT : LIVE_BY_PROBABILITY,
			       (size_t)offset, (size_t)limit, min_p, threshold,
			       __atomic_load_n(&s->metrics.predictions, __ATOMIC_RELAXED), &req->out))
		return http_error(req, 500, "internal", NULL, "out of memory");
	return HTTP_DONE;
}
