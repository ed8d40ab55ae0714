/*
 * registry.h - feature definitions in Feast's vocabulary: entities, feature views of
 * aggregations over the event stream, and on-demand features computed from them. Both the
 * batch builder and the streaming updater compile the same registry, so training and
 * serving compute the same numbers. See docs/internals/features.md.
 *
 *   entities:
 *     - {name: session, join_key: session_id}
 *   feature_views:
 *     - name: session_activity
 *       entity: session
 *       source: processed/events
 *       window: session            # session | 1h | 24h | 7d | 30d | lifetime
 *       ttl: 30m
 *       features:
 *         - {name: s_carts, agg: count, where: "event == 'addtocart'"}
 *         - {name: s_cart_value, agg: sum, field: price, where: "event == 'addtocart'"}
 *   on_demand_features:
 *     - {name: s_cart_rate, expr: "s_carts / (s_views + 1)"}
 *
 * Feature names are unique across the registry (on-demand expressions use them bare).
 */
#ifndef PP_REGISTRY_H
#define PP_REGISTRY_H

#include "features/expr.h"

#include <jansson.h>

enum entity_kind { ENT_SESSION, ENT_VISITOR, ENT_ITEM, ENT_CATEGORY, ENT__COUNT };

enum feature_window { WIN_SESSION, WIN_1H, WIN_24H, WIN_7D, WIN_30D, WIN_LIFETIME, WIN__COUNT };

enum feature_agg {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_MEAN, AGG_COUNT_DISTINCT, AGG_FIRST, AGG_LAST,
	AGG_TIME_SINCE_FIRST, AGG_TIME_SINCE_LAST, AGG__COUNT
};

/*
 * What an aggregation or a filter reads of an event. Numbers first; the identifiers only
 * count distinct. gap_s: seconds since the previous event of the session (missing on its
 * first); visitor_gap_s: since the visitor's previous event, in any session; new_session:
 * 1 on a session's first event; hour and weekday (0 = Monday) in UTC.
 */
enum event_field {
	FLD_TS, FLD_PRICE, FLD_EVENT, FLD_HOUR, FLD_WEEKDAY, FLD_GAP_S, FLD_VISITOR_GAP_S,
	FLD_NEW_SESSION, FLD__NUMBERS,
	FLD_ITEM_ID = FLD__NUMBERS, FLD_CATEGORY_ID, FLD_SESSION_ID, FLD_VISITOR_ID, FLD__COUNT
};

/* Values the prediction point itself gives on-demand features. */
enum request_field { REQ_HOUR, REQ_WEEKDAY, REQ__COUNT };

struct feature_def {
	const char *name;
	enum feature_agg agg;
	int field;        /* enum event_field; -1 for count and the time_since ones */
	const char *where_text;
	struct expr where; /* over event fields (slot = enum event_field); n == 0: none */
	size_t slot;       /* in the registry's feature vector */
};

struct feature_view {
	const char *name, *source;
	enum entity_kind entity;
	enum feature_window window;
	int64_t ttl_ms; /* 0: none */
	struct feature_def *f;
	size_t n;
	char hash[17]; /* of the definition, canonical JSON, SHA-256's first 8 bytes in hex */
};

struct on_demand_def {
	const char *name, *text;
	struct expr e; /* over the feature vector (slots), then the request values */
	size_t slot;
};

struct feature_registry {
	json_t *root; /* the names point into it */
	char *file;
	struct feature_view *views;
	size_t nviews;
	struct on_demand_def *od;
	size_t nod;
	size_t nfeatures;       /* the vector: every view's features, then the on-demand ones */
	const char **names;     /* per slot */
	char hash[17];          /* of the whole registry */
};

const char *entity_name(enum entity_kind k);
const char *entity_key(enum entity_kind k);
const char *window_name(enum feature_window w);
int64_t window_ms(enum feature_window w); /* 0 for session and lifetime */
const char *agg_name(enum feature_agg a);
const char *event_field_name(int f);

/* Parses and checks a registry (YAML or JSON); errors name the file, view and feature. */
int registry_parse(struct feature_registry *r, const char *file, const char *text, size_t len);
/* The registry that ships with the project, and its text (a start for one's own). */
int registry_default(struct feature_registry *r);
const char *registry_default_text(void);
struct config;
/* The registry of cfg's features.repository (the shipped one when empty). */
int registry_load(struct feature_registry *r, const struct config *cfg);
void registry_release(struct feature_registry *r);

/* A feature vector has nfeatures slots and then the request values (REQ__COUNT). */
static inline size_t registry_vector_size(const struct feature_registry *r)
{
	return r->nfeatures + REQ__COUNT;
}

/* Fills the on-demand slots of vec, whose views' slots and request values are set. */
void registry_on_demand(const struct feature_registry *r, double *vec);
/* The same for n rows column by column: cols[slot] holds n values per slot of the vector
 * (the request values too); the on-demand slots' columns are filled. */
void registry_on_demand_columns(const struct feature_registry *r, double *const *cols, size_t n);

/* The registry as JSON for `features list --json` and GET /v1/features. */
json_t *registry_json(const struct feature_registry *r);

#endif
