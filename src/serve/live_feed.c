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

#define LIVE_BATCH 256 /* events applied in one transaction */

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

/* Whether the failures counted went from `before` to a later power of two: the log gets
 * the first failure and then about every 2^k-th. */
static bool worth_logging(uint64_t before, uint64_t after)
{
	return after > before && (before == 0 || 64 - __builtin_clzll(before) != 64 - __builtin_clzll(after));
}

/* Called on the request's thread once its events are durable, before the answer, with a
 * batch of them: applied to the live features in one go (live_apply_batch), then made
 * searchable and scored one by one. A failure loses nothing (the event is stored; a
 * materialize run catches up) and is counted. */
static void on_events(void *ctx, const struct event *evs, size_t n)
{
	struct server *s = ctx;
	char session[LIVE_BATCH][LIVE_SESSION_MAX];
	int status[LIVE_BATCH];

	for (size_t i = 0; i < n; i++)
		if (item_categories_note(s->items, evs[i].item_id, evs[i].category_id))
			pp_error_clear(); /* out of memory: the item keeps its old category */
	if (!s->live) {
		for (size_t i = 0; i < n; i++)
			if (event_search_add(s->events, &evs[i], NULL))
				pp_error_clear(); /* out of memory: not searchable, stored all the same */
		return;
	}
	for (size_t at = 0; at < n; at += LIVE_BATCH) {
		size_t m = n - at < LIVE_BATCH ? n - at : LIVE_BATCH;
		uint64_t t0 = time_mono_ns(), each, before = __atomic_load_n(&s->metrics.live_failed, __ATOMIC_RELAXED);
		char why[256] = "";
		if (live_apply_batch(s->live, evs + at, m, session, status)) {
			snprintf(why, sizeof(why), "%s", pp_errmsg());
			pp_error_clear();
		}
		each = (time_mono_ns() - t0) / m;
		for (size_t i = 0; i < m; i++) {
			const struct event *ev = &evs[at + i];
			if (event_search_add(s->events, ev, session[i][0] ? session[i] : NULL))
				pp_error_clear();
			if (!status[i])
				score_session(s, ev, session[i]);
			metrics_live(&s->metrics, status[i] == 0, each);
		}
		uint64_t after = __atomic_load_n(&s->metrics.live_failed, __ATOMIC_RELAXED);
		if (why[0] && worth_logging(before, after))
			log_warn("live features: %s (%" PRIu64 " events not applied so far)", why, after);
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
	return collector_subscribe(s->collector, on_events, s);
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
