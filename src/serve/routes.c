/*
 * routes.c - the route table (the only dispatch of the HTTP server) and the small
 * handlers: health, readiness, metrics and the OpenAPI document built from the table.
 */
#include "serve/http.h"
#include "core/timeutil.h"
#include "ingest/collector.h"

static int get_healthz(struct http_request *req);
static int get_readyz(struct http_request *req);
static int get_metrics(struct http_request *req);
static int get_openapi(struct http_request *req);

const struct route routes[] = {
	{ "GET", "/", route_get_index, 0, false, "The dashboard (Live, Predict, Model, Data, Pipeline).", NULL },
	{ "GET", "/assets/{name}", route_get_asset, 0, false, "The dashboard's files.", NULL },
	{ "GET", "/healthz", get_healthz, 0, false, "The process is alive.", NULL },
	{ "GET", "/readyz", get_readyz, 0, false,
	  "Ready to take events: the journal works and no shutdown is under way.", NULL },
	{ "GET", "/metrics", get_metrics, SCOPE_ADMIN, false,
	  "Prometheus metrics: requests, latencies, events, queue, fsyncs.", NULL },
	{ "GET", "/openapi.json", get_openapi, 0, false, "This API, as an OpenAPI 3 document.",
	  NULL },
	{ "POST", "/v1/events", route_post_events, SCOPE_INGEST, true,
	  "Store events: one JSON object, a JSON array, or NDJSON; gzip or zstd encoded if "
	  "wanted. A 200 means the accepted events are durable.",
	  "application/json application/x-ndjson" },
	{ "GET", "/v1/events", route_get_events, SCOPE_PREDICT, false,
	  "Search the events, newest first: ?visitor_id=&session_id=&item_id=&event=&from=&to="
	  "&limit=&cursor= (the next_cursor of the page before). The last events.recent are "
	  "held in memory; older ones come from the processed lake (events.search_days back).",
	  NULL },
	{ "GET", "/v1/features", route_get_features, SCOPE_PREDICT, false,
	  "The feature registry: views (entity, window, TTL, features, definition hash) and "
	  "on-demand features.",
	  NULL },
	{ "GET", "/v1/features/online", route_get_features_online, SCOPE_PREDICT, false,
	  "The feature vector serving reads from the online store: ?session_id=&visitor_id=&item_id="
	  "&category_id= (at least one) and at= (RFC 3339 or epoch ms; default now); null is missing.",
	  NULL },
	{ "POST", "/v1/predict", route_post_predict, SCOPE_PREDICT, true,
	  "The champion's purchase probability for a session (its live features from the online "
	  "store, with the visitor's, the item's and its category's), or for features given "
	  "outright, or both (given ones win): {session_id, visitor_id, item_id, category_id, "
	  "features, at, explain, top}. Answers probability, label at the threshold, the model "
	  "version, each view's freshness, and with explain the top reasons (TreeSHAP).",
	  "application/json" },
	{ "POST", "/v1/predict/batch", route_post_predict_batch, SCOPE_PREDICT, true,
	  "Many predictions with one model: a JSON array of prediction requests, or CSV whose "
	  "header names key columns (session_id, visitor_id, item_id, category_id, at) and "
	  "features (an empty cell is missing). Each row gets its prediction or its own error; "
	  "CSV out with ?format=csv or Accept: text/csv. At most predict.max_batch rows.",
	  "application/json text/csv" },
	{ "POST", "/v1/models/{version}/promote", route_post_model_promote, SCOPE_ADMIN, false,
	  "Makes a version the champion by the promotion rule (the quality gate, not shuffled, "
	  "a better test PR-AUC than the champion's on the same window by models.promote_margin); "
	  "?force=true skips the rule. 409 with the reason when refused. The server serves it at "
	  "once.",
	  NULL },
	{ "POST", "/v1/models/rollback", route_post_model_rollback, SCOPE_ADMIN, false,
	  "Archives the champion and makes the one before it champion again.", NULL },
	{ "GET", "/v1/sessions/live", route_get_sessions_live, SCOPE_PREDICT, false,
	  "The sessions with an event in the last session gap (by the newest event's time), each "
	  "with its latest probability from the champion, made right after its event: "
	  "?sort=probability|recent&limit=&offset=&min_probability=; with the active count, events "
	  "in the last minute, the mean probability and how many are above the threshold.",
	  NULL },
	{ "GET", "/v1/recommendations", route_get_recommendations, SCOPE_PREDICT, false,
	  "Items for a shopper: ?visitor_id=&session_id=&item_id=&k= (10). Ranked from the items "
	  "found in the same sessions as the session's items (viewed, carted, bought together: the "
	  "ETL's item_item), weighted by what the shopper did and how recently, nudged by each "
	  "item's conversion; what the visitor bought left out; popular items of the category, then "
	  "of the shop, for a cold start. Each with its reason.",
	  NULL },
	{ "GET", "/v1/models", route_get_models, SCOPE_PREDICT, false,
	  "The model registry: every version, newest first, with its stage and test metrics.", NULL },
	{ "GET", "/v1/pipeline", route_get_pipeline, SCOPE_PREDICT, false,
	  "The pipeline's DAG: its tasks in the order they run (command, dependencies, retries, "
	  "timeout, soft), schedule, time zone, catchup, the next firing, whether this server runs "
	  "the scheduler, and who runs now (lock_holder).",
	  NULL },
	{ "GET", "/v1/pipeline/runs", route_get_pipeline_runs, SCOPE_PREDICT, false,
	  "The pipeline's runs, newest first (?limit=, 20): data interval, trigger, state, why, and "
	  "each task's state, tries, start, end, exit code and what it produced.",
	  NULL },
	{ "POST", "/v1/pipeline/runs", route_post_pipeline_runs, SCOPE_ADMIN, true,
	  "Starts a run now: an optional JSON body {from, to (dates), only (a task), force}. 202 "
	  "with its run_id; 409 when a run is under way.",
	  "application/json" },
	{ "GET", "/v1/pipeline/runs/{id}", route_get_pipeline_run, SCOPE_PREDICT, false,
	  "One run with its tasks.", NULL },
	{ "GET", "/v1/pipeline/runs/{id}/log", route_get_pipeline_log, SCOPE_PREDICT, false,
	  "A task's log (?task=; every try; its last MiB), as text.", NULL },
	{ "GET", "/v1/lake", route_get_lake, SCOPE_PREDICT, false,
	  "The lake's tables: latest version, files, rows, bytes and the newest partition.", NULL },
	{ "GET", "/v1/warehouse/{view}", route_get_warehouse, SCOPE_PREDICT, false,
	  "From the warehouse: funnel (the daily funnel) or top_items (?limit=, by purchases).", NULL },
	{ "GET", "/v1/model", route_get_model, SCOPE_PREDICT, false,
	  "The model served (the registry's champion, swapped in without a restart): version, "
	  "features, threshold, calibration, test metrics; and the last champion refused, with why "
	  "(say, trained on other feature definitions). 404 when none is served.",
	  NULL },
	{ "GET", "/v1/quality", route_get_quality, SCOPE_PREDICT, false,
	  "The latest expectation-suite run (`ppredict check`, Great Expectations' validation "
	  "results) and drift report (`ppredict drift`); ?kind=checks or drift for one.",
	  NULL },
};

const size_t nroutes = ARRAY_SIZE(routes);

static int get_healthz(struct http_request *req)
{
	buf_puts(&req->out, "{\"status\":\"ok\"}\n");
	return HTTP_DONE;
}

static int get_readyz(struct http_request *req)
{
	struct server *s = req->srv;

	if (__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST))
		return http_error(req, 503, "not_ready", NULL, "shutting down");
	if (!collector_ready(s->collector))
		return http_error(req, 503, "not_ready", NULL, "the journal cannot be written (is the "
				  "disk full?)");
	buf_puts(&req->out, "{\"ready\":true}\n");
	return HTTP_DONE;
}

static const char *route_method(size_t i)
{
	return routes[i].method;
}

static const char *route_path(size_t i)
{
	return routes[i].path;
}

static int get_metrics(struct http_request *req)
{
	struct collector_stats cs;

	collector_get_stats(req->srv->collector, &cs);
	req->content_type = "text/plain; version=0.0.4";
	if (metrics_render(&req->srv->metrics, nroutes, route_method, route_path, &cs, &req->out))
		return http_error(req, 500, "internal", NULL, "out of memory");
	return HTTP_DONE;
}

static const char *scope_name(unsigned scope)
{
	return scope == SCOPE_INGEST ? "ingest" : scope == SCOPE_PREDICT ? "predict" : "admin";
}

/* The document is built from the route table, so it cannot drift from what is served. */
static int get_openapi(struct http_request *req)
{
	struct buf *o = &req->out;
	size_t i, j;

	buf_printf(o, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"ppredict\",\"version\":\"%s\","
		      "\"description\":\"Real-time e-commerce purchase prediction. Errors are "
		      "{\\\"error\\\":{\\\"code\\\",\\\"message\\\",\\\"field\\\"}}.\"},"
		      "\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\","
		      "\"scheme\":\"bearer\",\"description\":\"API key; scopes ingest, predict, "
		      "admin\"}},\"schemas\":{\"Error\":{\"type\":\"object\",\"properties\":{"
		      "\"error\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\"},"
		      "\"message\":{\"type\":\"string\"},\"field\":{\"type\":\"string\","
		      "\"nullable\":true}}}}}}},\"paths\":{", PP_VERSION);
	for (i = 0; i < nroutes; i++) {
		bool first_of_path = true;
		for (j = 0; j < i; j++)
			if (!strcmp(routes[j].path, routes[i].path))
				first_of_path = false;
		if (!first_of_path)
			continue;
		buf_printf(o, "%s\"%s\":{", i ? "," : "", routes[i].path);
		for (j = i; j < nroutes; j++) {
			const struct route *r = &routes[j];
			char method[8];
			size_t k;
			if (strcmp(r->path, routes[i].path))
				continue;
			for (k = 0; r->method[k] && k < sizeof(method) - 1; k++)
				method[k] = (char)(r->method[k] | 0x20);
			method[k] = '\0';
			buf_printf(o, "%s\"%s\":{\"summary\":", j > i ? "," : "", method);
			buf_put_json_str(o, r->summary, strlen(r->summary));
			if (r->scope)
				buf_printf(o, ",\"security\":[{\"bearer\":[\"%s\"]}]", scope_name(r->scope));
			if (r->body) {
				const char *p = r->body_types;
				buf_puts(o, ",\"requestBody\":{\"required\":true,\"content\":{");
				for (k = 0; *p; k++) {
					size_t n = strcspn(p, " ");
					buf_printf(o, "%s\"%.*s\":{}", k ? "," : "", (int)n, p);
					p += n;
					while (*p == ' ')
						p++;
				}
				buf_puts(o, "}}");
			}
			buf_puts(o, ",\"responses\":{\"200\":{\"description\":\"OK\"},\"default\":{"
				    "\"description\":\"An error\",\"content\":{\"application/json\":{"
				    "\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}}}");
		}
		buf_putc(o, '}');
	}
	buf_puts(o, "}}\n");
	return HTTP_DONE;
}
