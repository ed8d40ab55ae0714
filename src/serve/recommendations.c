/*
 * GET /v1/recommendations?visitor_id=&session_id=&item_id=&k=: items for a shopper
 * (recommend/recommender.h). The recommender is built from the lake's curated tables when
 * the server starts and again when curated/item_item has a new version (looked at every
 * RELOAD_MS); requests hold the one they started with. The session's items come from the
 * events the server holds (event_search.h), the item given as the current one.
 */
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "etl/item_item.h"
#include "lake/delta/delta.h"
#include "recommend/recommender_build.h"
#include "serve/event_search.h"
#include "serve/http.h"
#include "serve/recommendations.h"

#include <pthread.h>

#define RELOAD_MS 30000
#define MAX_K 100

struct rec_ref {
	int refs;
	struct recommender *r;
	int64_t version; /* of curated/item_item */
};

struct rec_holder {
	pthread_mutex_t mu;
	struct ticker watcher; /* looks at item_item's version every RELOAD_MS */
	struct rec_ref *cur;
	char why[400]; /* why there is none */
};

static void release(struct rec_ref *x)
{
	if (x && __atomic_sub_fetch(&x->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		recommender_free(x->r);
		pp_free(x);
	}
}

static int64_t table_version(struct lake_fs *fs)
{
	struct delta_snapshot snap;
	int64_t v;

	if (delta_snapshot_load(fs, ITEM_ITEM_TABLE, -1, &snap)) {
		pp_error_clear();
		return -1;
	}
	v = snap.version;
	delta_snapshot_release(&snap);
	return v;
}

/* Builds a new one when the table moved on. */
static void reload(struct server *s)
{
	struct rec_holder *h = s->recommendations;
	int64_t v = table_version(s->fs);
	struct rec_ref *x, *old;
	uint64_t t0 = time_mono_ns();

	pthread_mutex_lock(&h->mu);
	bool same = h->cur ? h->cur->version == v : v < 0;
	pthread_mutex_unlock(&h->mu);
	if (same)
		return;
	if (!(x = pp_calloc(1, sizeof(*x))) || recommender_from_lake(&x->r, s->fs)) {
		pthread_mutex_lock(&h->mu);
		snprintf(h->why, sizeof(h->why), "%s", x ? pp_errmsg() : "out of memory");
		pthread_mutex_unlock(&h->mu);
		pp_error_clear();
		pp_free(x);
		return;
	}
	x->refs = 1;
	x->version = v;
	pthread_mutex_lock(&h->mu);
	old = h->cur;
	h->cur = x;
	h->why[0] = 0;
	pthread_mutex_unlock(&h->mu);
	release(old);
	log_info("recommendations: %zu items, %zu item pairs (item_item v%" PRId64 ", %.1f s)", recommender_items(x->r),
		 recommender_pairs(x->r), v, (double)(time_mono_ns() - t0) / 1e9);
}

static void look(void *arg)
{
	reload(arg);
}

int recommendations_start(struct server *s)
{
	struct rec_holder *h = pp_calloc(1, sizeof(*h));

	if (!h)
		return PP_ENOMEM;
	pthread_mutex_init(&h->mu, NULL);
	snprintf(h->why, sizeof(h->why), "the lake has no curated/item_item yet (run `ppredict etl`)");
	s->recommendations = h;
	reload(s);
	return ticker_start(&h->watcher, RELOAD_MS, look, s);
}

void recommendations_stop(struct server *s)
{
	struct rec_holder *h = s->recommendations;

	if (!h)
		return;
	ticker_stop(&h->watcher);
	release(h->cur);
	pthread_mutex_destroy(&h->mu);
	pp_free(h);
	s->recommendations = NULL;
}

int route_get_recommendations(struct http_request *req)
{
	struct server *s = req->srv;
	struct rec_holder *h = s->recommendations;
	const char *visitor = http_query(req, "visitor_id"), *session = http_query(req, "session_id");
	const char *item = http_query(req, "item_id"), *kq = http_query(req, "k");
	struct held_items held = { .text = BUF_INIT };
	struct rec_seed seeds[65];
	struct rec_item out[MAX_K];
	struct rec_ref *x;
	size_t nseeds = 0, n = 0;
	int64_t k = 10;
	int rc;

	if (kq && (parse_int64(kq, strlen(kq), &k) || k < 1 || k > MAX_K))
		return http_error(req, 400, "invalid", "k", "k: expected an integer from 1 to %d", MAX_K);
	if ((visitor && !*visitor) || (session && !*session) || (item && !*item))
		return http_error(req, 400, "invalid", visitor && !*visitor ? "visitor_id" : session && !*session ? "session_id"
												 : "item_id",
				  "an empty id");
	pthread_mutex_lock(&h->mu);
	if ((x = h->cur))
		__atomic_add_fetch(&x->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&h->mu);
	if (!x)
		return http_error(req, 503, "unavailable", NULL, "no recommendations: %s", h->why);
	if (item) /* the current item: the most recent of all */
		seeds[nseeds++] = (struct rec_seed){ span_of(item), EV_VIEW };
	if ((session || visitor) &&
	    (rc = event_search_session_items(s->events, span_of(session ? session : ""), span_of(visitor ? visitor : ""),
					     &held))) {
		release(x);
		buf_release(&held.text);
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	}
	for (size_t i = 0; i < held.n && nseeds < ARRAY_SIZE(seeds); i++)
		if (!item || strcmp(held.item[i].p, item))
			seeds[nseeds++] = (struct rec_seed){ held.item[i], held.type[i] };
	if ((rc = recommend(x->r, seeds, nseeds, held.bought, held.nbought, (size_t)k, out, &n))) {
		release(x);
		buf_release(&held.text);
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	}
	buf_puts(&req->out, "{\"seeds\":[");
	for (size_t i = 0; i < nseeds; i++) {
		buf_puts(&req->out, i ? "," : "");
		buf_put_json_str(&req->out, seeds[i].item.p, seeds[i].item.len);
	}
	buf_printf(&req->out, "],\"bought_before\":%zu,\"recommendations\":", held.nbought);
	recommend_json(x->r, out, n, &req->out);
	buf_puts(&req->out, "}\n");
	release(x);
	buf_release(&held.text);
	return HTTP_DONE;
}
