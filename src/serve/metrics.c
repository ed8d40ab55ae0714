#include "serve/metrics.h"
#include "ingest/collector.h"

const double metrics_latency_le[METRICS_LATENCY_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 1e300,
};

static const int statuses[METRICS_STATUSES - 1] = {
	200, 204, 400, 401, 403, 404, 405, 408, 411, 413, 415, 429, 500, 503, 301, 304, 202,
};

static size_t status_slot(int status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statuses); i++)
		if (statuses[i] == status)
			return i;
	return METRICS_STATUSES - 1;
}

/* The latency bucket of ns. */
static size_t bucket_of(uint64_t ns)
{
	double secs = (double)ns / 1e9;
	size_t b = 0;

	while (b + 1 < METRICS_LATENCY_BUCKETS && secs > metrics_latency_le[b])
		b++;
	return b;
}

void metrics_request(struct metrics *m, size_t route, int status, uint64_t ns)
{
	struct metrics_route *r = &m->route[route > METRICS_MAX_ROUTES ? METRICS_MAX_ROUTES : route];

	metrics_add(&r->requests[status_slot(status)], 1);
	metrics_add(&r->latency[bucket_of(ns)], 1);
	metrics_add(&r->latency_ns_sum, ns);
}

void metrics_live(struct metrics *m, bool ok, uint64_t ns)
{
	metrics_add(ok ? &m->live_applied : &m->live_failed, 1);
	metrics_add(&m->live_latency[bucket_of(ns)], 1);
	metrics_add(&m->live_ns_sum, ns);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static int render_le(struct buf *out, double le)
{
	return le > 1e299 ? buf_puts(out, "+Inf") : buf_printf(out, "%g", le);
}

/* name_bucket{labels,le=".."} (cumulative), name_sum{labels}, name_count{labels}. */
static int render_histogram(struct buf *out, const char *name, const char *labels,
			    const double *le, const uint64_t *counts, size_t n, double sum)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		cum += counts[i];
		rc = buf_printf(out, "%s_bucket{%s%sle=\"", name, labels, sep);
		if (!rc)
			rc = render_le(out, le[i]);
		if (!rc)
			rc = buf_printf(out, "\"} %" PRIu64 "\n", cum);
	}
	if (!rc)
		rc = buf_printf(out, "%s_sum%s%s%s %.9f\n%s_count%s%s%s %" PRIu64 "\n", name,
				sep[0] ? "{" : "", labels, sep[0] ? "}" : "", sum, name,
				sep[0] ? "{" : "", labels, sep[0] ? "}" : "", cum);
	return rc;
}

int metrics_render(const struct metrics *m, size_t nroutes, const char *(*route_method)(size_t),
		   const char *(*route_path)(size_t), const struct collector_stats *cs,
		   struct buf *out)
{
	size_t r, i;
	int rc;

	rc = buf_puts(out, "# HELP ppredict_http_requests_total HTTP requests by route and status.\n"
			   "# TYPE ppredict_http_requests_total counter\n");
	for (r = 0; r <= nroutes && !rc; r++) {
		const struct metrics_route *mr = &m->route[r < nroutes ? r : METRICS_MAX_ROUTES];
		const char *meth = r < nroutes ? route_method(r) : "", *path = r < nroutes ? route_path(r) : "unmatched";
		for (i = 0; i < METRICS_STATUSES && !rc; i++) {
			uint64_t n = load(&mr->requests[i]);
			if (!n)
				continue;
			if (i < ARRAY_SIZE(statuses))
				rc = buf_printf(out, "ppredict_http_requests_total{method=\"%s\",route=\"%s\","
						"status=\"%d\"} %" PRIu64 "\n", meth, path, statuses[i], n);
			else
				rc = buf_printf(out, "ppredict_http_requests_total{method=\"%s\",route=\"%s\","
						"status=\"other\"} %" PRIu64 "\n", meth, path, n);
		}
	}
	if (!rc)
		rc = buf_puts(out, "# HELP ppredict_http_request_duration_seconds Time from the first "
				   "byte of a request to its response.\n"
				   "# TYPE ppredict_http_request_duration_seconds histogram\n");
	for (r = 0; r <= nroutes && !rc; r++) {
		const struct metrics_route *mr = &m->route[r < nroutes ? r : METRICS_MAX_ROUTES];
		const char *meth = r < nroutes ? route_method(r) : "", *path = r < nroutes ? route_path(r) : "unmatched";
		uint64_t counts[METRICS_LATENCY_BUCKETS], total = 0;
		char labels[160];
		for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
			total += counts[i] = load(&mr->latency[i]);
		if (!total)
			continue;
		snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\"", meth, path);
		rc = render_histogram(out, "ppredict_http_request_duration_seconds", labels,
				      metrics_latency_le, counts, METRICS_LATENCY_BUCKETS,
				      (double)load(&mr->latency_ns_sum) / 1e9);
	}
	if (!rc)
		rc = buf_printf(out,
				"# HELP ppredict_events_accepted_total Events stored (durable).\n"
				"# TYPE ppredict_events_accepted_total counter\n"
				"ppredict_events_accepted_total %" PRIu64 "\n"
				"# HELP ppredict_events_rejected_total Events refused by validation.\n"
				"# TYPE ppredict_events_rejected_total counter\n"
				"ppredict_events_rejected_total %" PRIu64 "\n"
				"# HELP ppredict_events_duplicate_total Events dropped as repeated event_ids.\n"
				"# TYPE ppredict_events_duplicate_total counter\n"
				"ppredict_events_duplicate_total %" PRIu64 "\n"
				"# HELP ppredict_http_request_bytes_total Request body bytes received.\n"
				"# TYPE ppredict_http_request_bytes_total counter\n"
				"ppredict_http_request_bytes_total %" PRIu64 "\n",
				load(&m->events_accepted), load(&m->events_rejected),
				load(&m->events_duplicate), load(&m->bytes_in));
	if (!rc && (load(&m->live_applied) || load(&m->live_failed))) {
		uint64_t counts[METRICS_LATENCY_BUCKETS];
		for (size_t b = 0; b < METRICS_LATENCY_BUCKETS; b++)
			counts[b] = load(&m->live_latency[b]);
		rc = buf_printf(out,
				"# HELP ppredict_live_features_applied_total Events applied to the online store's live features.\n"
				"# TYPE ppredict_live_features_applied_total counter\n"
				"ppredict_live_features_applied_total %" PRIu64 "\n"
				"# HELP ppredict_live_features_failed_total Events the online store could not take (stored all the same).\n"
				"# TYPE ppredict_live_features_failed_total counter\n"
				"ppredict_live_features_failed_total %" PRIu64 "\n"
				"# HELP ppredict_live_features_seconds Applying one event to live features.\n"
				"# TYPE ppredict_live_features_seconds histogram\n",
				load(&m->live_applied), load(&m->live_failed));
		if (!rc)
			rc = render_histogram(out, "ppredict_live_features_seconds", "", metrics_latency_le, counts,
					      METRICS_LATENCY_BUCKETS, (double)load(&m->live_ns_sum) / 1e9);
	}
	if (!rc)
		rc = buf_printf(out,
				"# HELP ppredict_model_swaps_total Models the server swapped in (a new champion).\n"
				"# TYPE ppredict_model_swaps_total counter\n"
				"ppredict_model_swaps_total %" PRIu64 "\n"
				"# HELP ppredict_model_refused_total Champions refused (other feature definitions, or\n"
				"# a table's own columns).\n"
				"# TYPE ppredict_model_refused_total counter\n"
				"ppredict_model_refused_total %" PRIu64 "\n"
				"# HELP ppredict_predictions_total Predictions made (asked for, and after live events).\n"
				"# TYPE ppredict_predictions_total counter\n"
				"ppredict_predictions_total %" PRIu64 "\n",
				load(&m->model_swaps), load(&m->model_refused), load(&m->predictions));
	if (!rc && cs) {
		rc = buf_printf(out,
				"# HELP ppredict_ingest_queue_bytes Event bytes waiting for their fsync.\n"
				"# TYPE ppredict_ingest_queue_bytes gauge\n"
				"ppredict_ingest_queue_bytes %" PRIu64 "\n"
				"# HELP ppredict_journal_sealed_total Journals turned into raw segments.\n"
				"# TYPE ppredict_journal_sealed_total counter\n"
				"ppredict_journal_sealed_total %" PRIu64 "\n"
				"# HELP ppredict_journal_fsync_seconds Journal group commits (write + fdatasync).\n"
				"# TYPE ppredict_journal_fsync_seconds histogram\n",
				cs->queue_bytes, cs->sealed_journals);
		if (!rc)
			rc = render_histogram(out, "ppredict_journal_fsync_seconds", "",
					      collector_fsync_bucket_le, cs->fsync_buckets, 16,
					      (double)cs->fsync_ns_total / 1e9);
	}
	return rc;
}
