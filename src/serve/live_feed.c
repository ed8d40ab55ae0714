/* Live features in the server: the collector's subscriber applying each accepted event to
 * the online store (http.h: serve_live_start). */
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/live.h"
#include "features/online_store.h"
#include "features/registry.h"
#include "ingest/collector.h"
#include "serve/http.h"

/* Called on the request's thread once the event is durable, before the answer. A failure
 * loses nothing (the event is stored; a materialize run catches up) and is counted; the
 * log gets the first and then every 2^k-th. */
static void on_event(void *ctx, const struct event *ev)
{
	struct server *s = ctx;
	uint64_t t0 = time_mono_ns();
	int rc = live_apply(s->live, ev);

	metrics_live(&s->metrics, rc == 0, time_mono_ns() - t0);
	if (rc) {
		uint64_t n = __atomic_load_n(&s->metrics.live_failed, __ATOMIC_RELAXED);
		if (!(n & (n - 1)))
			log_warn("live features: %s (%" PRIu64 " events not applied so far)", pp_errmsg(), n);
	}
}

int serve_live_start(struct server *s)
{
	int rc;

	if (!(s->registry = pp_calloc(1, sizeof(*s->registry))))
		return PP_ENOMEM;
	if ((rc = registry_load(s->registry, s->cfg)) || (rc = online_store_open(&s->online, s->cfg)) ||
	    (rc = live_open(&s->live, s->registry, s->online, s->cfg->session_gap_ms)))
		return pp_error_wrap(rc, "live features (features.live: false turns them off)");
	return collector_subscribe(s->collector, on_event, s);
}

void serve_live_stop(struct server *s)
{
	live_close(s->live);
	online_store_close(s->online);
	if (s->registry) {
		registry_release(s->registry);
		pp_free(s->registry);
	}
	s->live = NULL;
	s->online = NULL;
	s->registry = NULL;
}
