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

void metrics_request(struct metrics *m, size_t route, int status, uint64_t ns)
{
	struct metrics_route *r = &m->route[route > METRICS_MAX_ROUTES ? METRICS_MAX_ROUTES : route];
	double secs = (double)ns / 1e9;
	size_t b = 0;

	while (b + 1 < METRICS_LATENCY_BUCKETS && secs > metrics_latency_le[b])
		b++;
	metrics_add(&r->requests[status_slot(status)], 1);
	metrics_add(&r->latency[b], 1);
	metrics_add(&r->latency_ns_sum, ns);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static int render_le(struct buf *out, double le)
{
	return le > 1e299 ? buf_puts(out, "+Inf") : buf_printf(out, "%g", le);
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
		uint64_t cum = 0;
		for (i = 0; i < METRICS_LATENCY_BUCKETS; i++)
			cum += load(&mr->latency[i]);
		if (!cum)
			continue;
		cum = 0;
		for (i = 0; i < METRICS_LATENCY_BUCKETS && !rc; i++) {
			cum += load(&mr->latency[i]);
			rc = buf_printf(out, "ppredict_http_request_duration_seconds_bucket{method=\"%s\","
					"route=\"%s\",le=\"", meth, path);
			if (!rc)
				rc = render_le(out, metrics_latency_le[i]);
			if (!rc)
				rc = buf_printf(out, "\"} %" PRIu64 "\n", cum);
		}
		if (!rc)
			rc = buf_printf(out, "ppredict_http_request_duration_seconds_sum{method=\"%s\","
					"route=\"%s\"} %.9f\nppredict_http_request_duration_seconds_count{"
					"method=\"%s\",route=\"%s\"} %" PRIu64 "\n", meth, path,
					(double)load(&mr->latency_ns_sum) / 1e9, meth, path, cum);
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
	if (!rc && cs) {
		uint64_t cum = 0;
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
		for (i = 0; i < 16 && !rc; i++) {
			cum += cs->fsync_buckets[i];
			rc = buf_puts(out, "ppredict_journal_fsync_seconds_bucket{le=\"");
			if (!rc)
				rc = render_le(out, collector_fsync_bucket_le[i]);
			if (!rc)
				rc = buf_printf(out, "\"} %" PRIu64 "\n", cum);
		}
		if (!rc)
			rc = buf_printf(out, "ppredict_journal_fsync_seconds_sum %.9f\n"
					"ppredict_journal_fsync_seconds_count %" PRIu64 "\n",
					(double)cs->fsync_ns_total / 1e9, cs->commits);
	}
	return rc;
}
