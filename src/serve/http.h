/*
 * http.h - the HTTP server: libmicrohttpd underneath (epoll, a thread pool), a route
 * table on top (src/serve/routes.c), one JSON error shape, keys and scopes, limits,
 * metrics and an access log (see docs/internals/collector.md).
 *
 * A handler gets a struct http_request with the whole body read (and decompressed), and
 * fills its response. A handler that must wait (for the journal's fsync) returns
 * HTTP_SUSPEND after setting req->wait_ticket: the connection is parked without holding
 * a thread and the handler is called again, with req->resumed set, once the wait is over.
 */
#ifndef PP_HTTP_H
#define PP_HTTP_H

#include "core/buf.h"
#include "core/config.h"
#include "event/event.h"
#include "serve/metrics.h"

struct server;
struct MHD_Connection;
struct MHD_Daemon;

enum { HTTP_DONE = 0, HTTP_SUSPEND = 1 };

struct http_request {
	struct server *srv;
	struct MHD_Connection *conn;
	size_t route; /* index in routes[], or nroutes when none matched */
	const char *method;
	char url[512];
	char param[128]; /* the {name} segment of the route's path, if it has one */
	uint64_t start_ns;
	unsigned scopes; /* granted by the key (all, when keys are off) */
	const char *key_name;

	struct buf body; /* raw bytes as received */
	bool body_error_sent;
	uint64_t body_bytes;

	/* response */
	int status;
	struct buf out;
	const char *content_type;
	bool responded;

	/* waiting for durability */
	uint64_t wait_ticket;
	bool suspended, resumed;
	int wait_status;
	void *state; /* the handler's, freed with state_free */
	void (*state_free)(void *);
};

struct route {
	const char *method;
	const char *path;
	int (*handler)(struct http_request *req);
	unsigned scope; /* enum key_scope bit needed; 0 = open */
	bool body;      /* accepts a body */
	const char *summary;
	const char *body_types; /* "application/json application/x-ndjson" */
};

extern const struct route routes[];
extern const size_t nroutes;

/* Handlers defined outside routes.c. */
int route_post_events(struct http_request *req);
int route_get_quality(struct http_request *req);
int route_get_features(struct http_request *req);
int route_get_features_online(struct http_request *req);
int route_get_model(struct http_request *req);
int route_post_predict(struct http_request *req);
int route_post_predict_batch(struct http_request *req);
int route_post_model_promote(struct http_request *req);
int route_post_model_rollback(struct http_request *req);
int route_get_sessions_live(struct http_request *req);
int route_get_events(struct http_request *req);
int route_get_recommendations(struct http_request *req);
int route_get_warehouse(struct http_request *req);
int route_get_lake(struct http_request *req);
int route_get_models(struct http_request *req);
int route_get_pipeline(struct http_request *req);
int route_get_pipeline_runs(struct http_request *req);
int route_get_pipeline_run(struct http_request *req);
int route_get_pipeline_log(struct http_request *req);
int route_post_pipeline_runs(struct http_request *req);
int route_get_index(struct http_request *req);
int route_get_asset(struct http_request *req);

struct feature_registry;
struct online_store;
struct live_features;
struct champion_holder;
struct item_categories;
struct live_sessions;
struct prediction_log;
struct event_search;
struct rec_holder;
struct pipeline_service;

struct server {
	const struct config *cfg;
	struct lake_fs *fs;
	struct collector *collector;
	/* live features (NULL when features.live is off): serve_live_start */
	struct feature_registry *registry;
	struct online_store *online;
	struct live_features *live;
	struct champion_holder *champion; /* the model served (serve/champion.h) */
	struct item_categories *items;    /* items' categories, for predictions by item */
	struct live_sessions *sessions;   /* the sessions active now (serve/live_sessions.h) */
	struct prediction_log *predictions; /* the sampled log (serve/prediction_log.h), or NULL */
	struct event_search *events;      /* recent events, searchable (serve/event_search.h) */
	struct rec_holder *recommendations; /* serve/recommendations.h */
	struct pipeline_service *pipeline; /* serve/pipeline_service.h */
	struct MHD_Daemon *mhd;
	struct metrics metrics;
	struct event_limits limits;
	unsigned port;
	char url[300];
	int in_flight;
	int draining;
};

/* Binds, starts the worker threads. cfg and fs must outlive the server. */
int http_server_start(struct server *s);

/* Stops accepting, waits (up to grace_ms) for requests in flight, then stops. */
void http_server_stop(struct server *s, int64_t grace_ms);

/* The feature registry and the online store opened (predictions read them), and with
 * features.live every event the collector accepts applied to them (features/live.h) before
 * its request is answered. stop: after the HTTP server, before the collector closes. */
int serve_live_start(struct server *s);
void serve_live_stop(struct server *s);

/* Sets an error response: {"error":{"code","message","field"}}. Returns HTTP_DONE. */
int http_error(struct http_request *req, int status, const char *code, const char *field,
	       const char *fmt, ...) PP_PRINTF(5, 6);

/* j (its reference taken; NULL: out of memory) as the response's JSON. Returns HTTP_DONE. */
struct json_t;
int http_json(struct http_request *req, struct json_t *j);

/* A header of the request, or NULL. */
const char *http_header(struct http_request *req, const char *name);

/* A query parameter, or NULL. */
const char *http_query(struct http_request *req, const char *name);

#endif
