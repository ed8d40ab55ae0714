/* POST /v1/predict: one prediction (predict.h). */
#include "serve/predict.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/materialize.h"
#include "serve/http.h"
#include "serve/item_categories.h"
#include "serve/prediction_log.h"

#include <math.h>

#define MAX_TOP 50

PP_PRINTF(4, 5)
static bool fail(struct predict_error *err, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = status == 400 ? "invalid" : status == 404 ? "unknown_session" : status == 503 ? "unavailable"
												   : "internal";
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

int predict_http_error(struct http_request *req, const struct predict_error *err)
{
	return http_error(req, err->status, err->code, err->field[0] ? err->field : NULL, "%s", err->message);
}

int predict_input_init(struct predict_input *in, const struct feature_registry *r)
{
	memset(in, 0, sizeof(*in));
	in->value = pp_malloc(registry_vector_size(r) * sizeof(*in->value));
	in->given = pp_calloc(registry_vector_size(r), sizeof(*in->given));
	if (!in->value || !in->given) {
		predict_input_release(in);
		return PP_ENOMEM;
	}
	return 0;
}

void predict_input_release(struct predict_input *in)
{
	pp_free(in->value);
	pp_free(in->given);
	in->value = NULL;
	in->given = NULL;
}

void predict_input_reset(struct predict_input *in, int64_t now)
{
	double *value = in->value;
	bool *given = in->given;
	size_t n = in->ngiven;

	for (size_t i = 0; n && given; i++) /* only what was set: the rest stayed false */
		if (given[i]) {
			given[i] = false;
			n--;
		}
	memset(in, 0, sizeof(*in));
	in->value = value;
	in->given = given;
	in->at = now;
	in->top = 5;
}

static int slot_of(const struct feature_registry *r, const char *name)
{
	for (size_t i = 0; i < r->nfeatures; i++)
		if (!strcmp(r->names[i], name))
			return (int)i;
	return -1;
}

bool predict_set_feature(const struct feature_registry *r, struct predict_input *in, const char *name,
			 double v, struct predict_error *err)
{
	int slot = slot_of(r, name);

	if (slot < 0)
		return fail(err, 400, "features", "'%s' is not one of the model's features (GET /v1/features "
			    "lists them)", name);
	if (!in->given[slot])
		in->ngiven++;
	in->given[slot] = true;
	in->value[slot] = v;
	return true;
}

static bool parse_features(const struct feature_registry *r, const json_t *f, struct predict_input *in,
			   struct predict_error *err)
{
	const char *name;
	const json_t *v;
	struct buf unknown = BUF_INIT;
	size_t nunknown = 0;

	if (!json_is_object(f))
		return fail(err, 400, "features", "expected an object of feature names to numbers (null: missing)");
	json_object_foreach((json_t *)f, name, v) {
		int slot = slot_of(r, name);
		if (slot < 0) {
			if (nunknown++ < 10)
				buf_printf(&unknown, "%s'%s'", unknown.len ? ", " : "", name);
			continue;
		}
		if (!json_is_number(v) && !json_is_null(v)) {
			buf_release(&unknown);
			return fail(err, 400, "features", "features.%s: expected a number or null, got %s", name,
				    json_is_string(v) ? "a string" : json_is_boolean(v) ? "a boolean" : "an object or array");
		}
		if (!in->given[slot])
			in->ngiven++;
		in->given[slot] = true;
		in->value[slot] = json_is_null(v) ? NAN : json_number_value(v);
		if (isinf(in->value[slot])) {
			buf_release(&unknown);
			return fail(err, 400, "features", "features.%s: expected a finite number", name);
		}
	}
	if (nunknown) {
		fail(err, 400, "features", "%zu unknown feature%s: %s%s (GET /v1/features lists the model's)", nunknown,
		     nunknown > 1 ? "s" : "", unknown.data, nunknown > 10 ? ", ..." : "");
		buf_release(&unknown);
		return false;
	}
	buf_release(&unknown);
	return true;
}

bool predict_parse_json(const struct feature_registry *r, const json_t *o, struct predict_input *in,
			struct predict_error *err)
{
	static const char *const known[] = { "session_id", "visitor_id", "item_id", "category_id", "at",
					     "explain", "top", "features", NULL };
	const char *name;
	const json_t *v;

	if (!json_is_object(o))
		return fail(err, 400, NULL, "expected a JSON object (session_id, visitor_id, item_id, "
			    "category_id, features, at, explain, top)");
	json_object_foreach((json_t *)o, name, v) {
		int k = 0;
		while (known[k] && strcmp(known[k], name))
			k++;
		if (!known[k])
			return fail(err, 400, name, "'%s' is not a field of a prediction request (session_id, "
				    "visitor_id, item_id, category_id, features, at, explain, top)", name);
	}
	for (int k = 0; k < ENT__COUNT; k++) {
		v = json_object_get(o, entity_key(k));
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 256)
			return fail(err, 400, entity_key(k), "%s: expected a non-empty string of at most 256 bytes",
				    entity_key(k));
		in->key[k] = (struct span){ json_string_value(v), json_string_length(v) };
	}
	if ((v = json_object_get(o, "at")) && !json_is_null(v)) {
		if (json_is_integer(v))
			in->at = (int64_t)json_integer_value(v);
		else if (!json_is_string(v) || time_parse_or_ms(json_string_value(v), json_string_length(v), &in->at))
			return fail(err, 400, "at", "at: expected an RFC 3339 time or epoch milliseconds");
	}
	if ((v = json_object_get(o, "explain")) && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return fail(err, 400, "explain", "explain: expected true or false");
		in->explain = json_is_true(v);
	}
	if ((v = json_object_get(o, "top")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAX_TOP)
			return fail(err, 400, "top", "top: expected an integer from 1 to %d", MAX_TOP);
		in->top = (int)json_integer_value(v);
	}
	if ((v = json_object_get(o, "features")) && !json_is_null(v) && !parse_features(r, v, in, err))
		return false;
	for (int k = 0; k < ENT__COUNT; k++)
		if (in->key[k].len)
			return true;
	if (in->ngiven)
		return true;
	return fail(err, 400, NULL, "give session_id, visitor_id, item_id or category_id (read from the online "
		    "store), or features, or both");
}

/* keys into key, an item without its category given the category it was last seen in
 * (held in buf). */
static void with_category(const struct server *s, const struct span keys[ENT__COUNT], struct span key[ENT__COUNT],
			  char *buf, size_t n)
{
	memcpy(key, keys, ENT__COUNT * sizeof(*key));
	if (key[ENT_ITEM].len && !key[ENT_CATEGORY].len && s->items && item_categories_get(s->items, key[ENT_ITEM], buf, n))
		key[ENT_CATEGORY] = span_of(buf);
}

/* The champion's probability for a vector, counted. */
static double probability_of(struct server *s, const struct served_model *m, const double *vec)
{
	metrics_add(&s->metrics.predictions, 1);
	return champion_predict(m, vec);
}

static void put_number(struct buf *out, double v)
{
	if (isnan(v) || isinf(v))
		buf_puts(out, "null");
	else
		buf_printf(out, "%.9g", v);
}

bool predict_one(struct server *s, const struct served_model *m, const struct predict_input *in,
		 double *vec, struct buf *out, double *probability, struct predict_error *err)
{
	const struct feature_registry *r = s->registry;
	uint64_t t0 = time_mono_ns();
	struct online_found found = { 0 };
	bool by_key = false, cold = false;
	int64_t newest = 0;
	char when[32];

	struct span key[ENT__COUNT];
	char category[257];

	with_category(s, in->key, key, category, sizeof(category));
	for (int k = 0; k < ENT__COUNT; k++)
		by_key |= key[k].len > 0;
	for (size_t i = 0; i < registry_vector_size(r); i++)
		vec[i] = NAN;
	if (by_key) {
		if (!s->online)
			return fail(err, 503, NULL, "the online store is not open (see the server's log): predict "
				    "with features instead");
		if (online_vector_found(s->online, r, key, in->at, vec, &found))
			return fail(err, 503, NULL, "the online store: %s", pp_errmsg());
		for (size_t v = 0; v < r->nviews; v++)
			if (found.found[v] && found.ts[v] > newest)
				newest = found.ts[v];
		if (in->key[ENT_SESSION].len) {
			bool session_found = false;
			for (size_t v = 0; v < r->nviews; v++)
				session_found |= r->views[v].entity == ENT_SESSION && found.found[v];
			if (!session_found && !strcmp(s->cfg->predict_unknown_session, "404"))
				return fail(err, 404, "session_id", "session '%.*s' has no live features (unknown, or "
					    "quiet past its TTL); predict.unknown_session: cold_start predicts from the "
					    "visitor and item instead", (int)in->key[ENT_SESSION].len,
					    in->key[ENT_SESSION].p);
			cold = !session_found;
		}
	} else {
		struct civil c;
		civil_from_ms(in->at, &c);
		vec[r->nfeatures + REQ_HOUR] = c.hour;
		vec[r->nfeatures + REQ_WEEKDAY] = (c.wday + 6) % 7;
	}
	/* features given outright win; on-demand ones are computed again from them, except
	 * those given themselves */
	if (in->ngiven) {
		for (size_t i = 0; i < r->nfeatures; i++)
			if (in->given[i])
				vec[i] = in->value[i];
		registry_on_demand(r, vec);
		for (size_t i = 0; i < r->nod; i++)
			if (in->given[r->od[i].slot])
				vec[r->od[i].slot] = in->value[r->od[i].slot];
	}
	double p = *probability = probability_of(s, m, vec);
	if (prediction_log_sampled(s->predictions)) {
		struct buf keys = BUF_INIT;
		for (int k = 0; k < ENT__COUNT; k++)
			if (key[k].len) {
				buf_printf(&keys, "\"%s\":", entity_key(k));
				buf_put_json_str(&keys, key[k].p, key[k].len);
				buf_putc(&keys, ',');
			}
		prediction_log_add(s->predictions, in->at, m->m.version, keys.data ? keys.data : "", r, vec, p,
				   p >= m->threshold, time_mono_ns() - t0);
		buf_release(&keys);
	}
	buf_puts(out, "{\"probability\":");
	put_number(out, p);
	buf_printf(out, ",\"label\":%s,\"threshold\":", p >= m->threshold ? "true" : "false");
	put_number(out, m->threshold);
	buf_printf(out, ",\"model_version\":\"%s\"", m->m.version);
	time_format_rfc3339(in->at, when);
	buf_printf(out, ",\"at\":\"%s\"", when);
	if (by_key) {
		buf_printf(out, ",\"cold_start\":%s,\"views\":{", cold ? "true" : "false");
		for (size_t v = 0; v < r->nviews; v++) {
			buf_printf(out, "%s\"%s\":", v ? "," : "", r->views[v].name);
			if (found.found[v]) {
				time_format_rfc3339(found.ts[v], when);
				buf_printf(out, "\"%s\"", when);
			} else {
				buf_puts(out, "null");
			}
		}
		buf_puts(out, "},\"freshness_ms\":");
		if (newest)
			buf_printf(out, "%" PRId64, in->at - newest);
		else
			buf_puts(out, "null");
	}
	if (in->explain) {
		struct forest_reason why[MAX_TOP];
		double expected;
		size_t n;
		if (champion_explain(m, vec, (size_t)in->top, why, &n, &expected))
			return fail(err, 500, NULL, "explaining: %s", pp_errmsg());
		buf_puts(out, ",\"expected_margin\":");
		put_number(out, expected);
		buf_puts(out, ",\"reasons\":[");
		for (size_t i = 0; i < n; i++) {
			buf_printf(out, "%s{\"feature\":\"%s\",\"value\":", i ? "," : "", m->m.features[why[i].feature]);
			put_number(out, why[i].value);
			buf_puts(out, ",\"contribution\":");
			put_number(out, why[i].shap);
			buf_putc(out, '}');
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
	return true;
}

bool predict_keys(struct server *s, const struct served_model *m, const struct span keys[ENT__COUNT], int64_t at,
		  double *vec, double *probability)
{
	struct online_found found;
	struct span key[ENT__COUNT];
	char category[257];

	with_category(s, keys, key, category, sizeof(category));
	if (!s->online || online_vector_found(s->online, s->registry, key, at, vec, &found))
		return false;
	*probability = probability_of(s, m, vec);
	return true;
}

int route_post_predict(struct http_request *req)
{
	struct server *s = req->srv;
	struct predict_input in;
	struct predict_error err;
	struct served_model *m;
	json_error_t jerr;
	json_t *body;
	double *vec, p;
	int rc;

	if (!s->registry)
		return http_error(req, 503, "unavailable", NULL, "no feature registry is loaded");
	body = json_loadb(req->body.data ? req->body.data : "", req->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body)
		return http_error(req, 400, "invalid_json", NULL, "the body is not JSON: %s (line %d, column %d)",
				  jerr.text, jerr.line, jerr.column);
	if (predict_input_init(&in, s->registry) ||
	    !(vec = pp_malloc(registry_vector_size(s->registry) * sizeof(*vec)))) {
		predict_input_release(&in);
		json_decref(body);
		return http_error(req, 500, "internal", NULL, "out of memory");
	}
	predict_input_reset(&in, time_now_ms());
	if (!predict_parse_json(s->registry, body, &in, &err)) {
		rc = predict_http_error(req, &err);
	} else if (!(m = champion_acquire(s))) {
		rc = http_error(req, 503, "no_model", NULL, "no model is served (GET /v1/model says why)");
	} else {
		if (predict_one(s, m, &in, vec, &req->out, &p, &err)) {
			buf_putc(&req->out, '\n');
			rc = HTTP_DONE;
		} else {
			req->out.len = 0;
			rc = predict_http_error(req, &err);
		}
		champion_release(m);
	}
	pp_free(vec);
	predict_input_release(&in);
	json_decref(body);
	return rc;
}
