/*
 * metrics.h - the server's counters, rendered in Prometheus' text format at /metrics.
 * Updated with relaxed atomics from any thread; read without locks (a scrape may see
 * counters a request apart, which Prometheus tolerates).
 */
#ifndef PP_METRICS_H
#define PP_METRICS_H

#include "core/buf.h"
#include "core/common.h"

#define METRICS_MAX_ROUTES 32
#define METRICS_STATUSES 18   /* the statuses we answer with, plus "other" */
#define METRICS_LATENCY_BUCKETS 16

struct metrics_route {
	uint64_t requests[METRICS_STATUSES];
	uint64_t latency[METRICS_LATENCY_BUCKETS]; /* per metrics_latency_le, last +Inf */
	uint64_t latency_ns_sum;
};

struct metrics {
	struct metrics_route route[METRICS_MAX_ROUTES + 1]; /* last: no route matched */
	uint64_t events_accepted, events_rejected, events_duplicate;
	uint64_t bytes_in;
	uint64_t live_applied, live_failed; /* live features: events applied, failures */
	uint64_t live_latency[METRICS_LATENCY_BUCKETS];
	uint64_t live_ns_sum;
	uint64_t model_swaps, model_refused; /* champions swapped in; refused */
	uint64_t predictions; /* made: asked for, and after live events */
};

extern const double metrics_latency_le[METRICS_LATENCY_BUCKETS];

void metrics_request(struct metrics *m, size_t route, int status, uint64_t ns);
/* One event applied to live features (ok or not), taking ns. */
void metrics_live(struct metrics *m, bool ok, uint64_t ns);

static inline void metrics_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

struct collector_stats;

/* Renders everything; route_name(i) names route i ("POST /v1/events"). */
int metrics_render(const struct metrics *m, size_t nroutes, const char *(*route_method)(size_t),
		   const char *(*route_path)(size_t), const struct collector_stats *cs,
		   struct buf *out);

#endif
