/* Live features in the server: the feature registry and the online store, and the
 * collector's subscriber applying each accepted event to the store (http.h:
 * serve_live_start). */
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/live.h"
#include "features/online_store.h"
#include "features/registry.h"
#include "ingest/collector.h"
#include "serve/http.h"
#include "serve/event_search.h"
#include "serve/item_categories.h"
#include "serve/live_sessions.h"
#include "serve/predict.h"

#include <math.h>

/* The session's probability now, for the live sessions' table (NaN without a model). */
static void score_session(struct server *s, const struct event *ev, const char *session)
{
	struct served_model *m = champion_acquire(s);
	double p = NAN, vec[ONLINE_MAX_VALUES + REQ__COUNT];
	const struct span key[ENT__COUNT] = { span_of(session), ev->visitor_id, ev->item_id, ev->category_id };

	if (m && registry_vector_size(s->registry) <= ARRAY_SIZE(vec)) {
		if (!predict_keys(s, m, key, ev->ts, vec, &p)) {
			p = NAN;
			pp_error_clear();
		}
	}
	if (live_sessions_event(s->sessions, ev, session, p, m ? m->m.version : NULL))
		pp_error_clear(); /* out of memory: the table misses this event, nothing else does */
	champion_release(m);
}

/* Called on the request's thread once the event is durable, before the answer. A failure
 * loses nothing (the event is stored; a materialize run catches up) and is counted; the
 * log gets the first and then every 2^k-th. */
static void on_event(void *ctx, const struct event *ev)
{
	struct server *s = ctx;
	uint64_t t0 = time_mono_ns();
	int rc;

	char session[128] = "";

	if (item_categories_note(s->items, ev->item_id, ev->category_id))
		pp_error_clear(); /* out of memory: the item keeps its old category */
	if (!s->live) {
		if (event_search_add(s->events, ev, NULL))
			pp_error_clear(); /* out of memory: not searchable, stored all the same */
		return;
	}
	rc = live_apply_session(s->live, ev, session, sizeof(session));
	if (event_search_add(s->events, ev, session[0] ? session : NULL))
		pp_error_clear();
	if (!rc)
		score_session(s, ev, session);

	metrics_live(&s->metrics, rc == 0, time_mono_ns() - t0);
	if (rc) {
		uint64_t n = __atomic_load_n(&s->metrics.live_failed, __ATOMIC_RELAXED);
		if (!(n & (n - 1)))
			log_warn("live features: %s (%" PRIu64 " events not applied so far)", pp_errmsg(), n);
	}
}

int serve_live_start(struct server *s)
{
	size_t items;
	int rc;

	if (!(s->registry = pp_calloc(1, sizeof(*s->registry))))
		return PP_ENOMEM;
	if ((rc = registry_load(s->registry, s->cfg)))
		return pp_error_wrap(rc, "the feature registry");
	if ((rc = item_categories_open(&s->items, s->fs, &items)) ||
	    (rc = live_sessions_open(&s->sessions, s->cfg->session_gap_ms)) ||
	    (rc = event_search_open(&s->events, s->cfg->events_recent_ms, (size_t)s->cfg->events_recent_max)))
		return rc;
	if ((rc = online_store_open(&s->online, s->cfg))) {
		if (s->cfg->features_live)
			return pp_error_wrap(rc, "live features (features.live: false turns them off)");
		/* without live features the store only serves predictions by id: warn, go on */
		log_warn("the online store: %s: predictions by session, visitor or item are off", pp_errmsg());
		pp_error_clear();
	} else if (s->cfg->features_live &&
		   (rc = live_open(&s->live, s->registry, s->online, s->cfg->session_gap_ms))) {
		return pp_error_wrap(rc, "live features (features.live: false turns them off)");
	}
	return collector_subscribe(s->collector, on_event, s);
}

void serve_live_stop(struct server *s)
{
	live_close(s->live);
	online_store_close(s->online);
	item_categories_close(s->items);
	live_sessions_close(s->sessions);
	event_search_close(s->events);
	s->events = NULL;
	s->items = NULL;
	s->sessions = NULL;
	if (s->registry) {
		registry_release(s->registry);
		pp_free(s->registry);
	}
	s->live = NULL;
	s->online = NULL;
	s->registry = NULL;
}
