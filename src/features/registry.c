/* Feature definitions parsed and checked (registry.h). */
#include "features/registry.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/sha256.h"
#include "core/yaml_json.h"
#include "event/event.h"

#include <ctype.h>

static const char *const entity_names[ENT__COUNT] = { "session", "visitor", "item", "category" };
static const char *const entity_keys[ENT__COUNT] = { "session_id", "visitor_id", "item_id",
						     "category_id" };
static const char *const window_names[WIN__COUNT] = { "session", "1h", "24h", "7d", "30d",
						      "lifetime" };
static const int64_t window_lengths[WIN__COUNT] = { 0, 3600000LL, 86400000LL, 7 * 86400000LL,
						    30 * 86400000LL, 0 };
static const char *const agg_names[AGG__COUNT] = { "count", "sum", "min", "max", "mean",
						   "count_distinct", "first", "last",
						   "time_since_first", "time_since_last" };
static const char *const field_names[FLD__COUNT] = { "ts", "price", "event", "hour", "weekday",
						     "gap_s", "visitor_gap_s", "new_session",
						     "item_id", "category_id", "session_id",
						     "visitor_id" };
static const char *const request_names[REQ__COUNT] = { "hour", "weekday" };

const char *entity_name(enum entity_kind k) { return entity_names[k]; }
const char *entity_key(enum entity_kind k) { return entity_keys[k]; }
const char *window_name(enum feature_window w) { return window_names[w]; }
int64_t window_ms(enum feature_window w) { return window_lengths[w]; }
const char *agg_name(enum feature_agg a) { return agg_names[a]; }
const char *event_field_name(int f) { return f >= 0 && f < FLD__COUNT ? field_names[f] : "-"; }

static int index_of(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static bool identifier(const char *s)
{
	if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

#define BAD(...) pp_error(PP_EINVAL, __VA_ARGS__)

/* ---- names for the expressions ---- */

static int event_slot(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	for (int f = 0; f < FLD__NUMBERS; f++)
		if (strlen(field_names[f]) == len && !strncmp(field_names[f], name, len))
			return f;
	return -1;
}

static int event_code(void *ctx, int slot, const char *s, size_t len, double *out)
{
	enum event_type t;

	(void)ctx;
	if (slot != FLD_EVENT || event_type_parse(s, len, &t))
		return -1;
	*out = (double)t;
	return 0;
}

/* On-demand names: the features defined so far, then the request values. */
struct od_scope {
	const struct feature_registry *r;
	size_t known; /* slots 0..known-1 may be read */
};

static int feature_slot(void *ctx, const char *name, size_t len)
{
	const struct od_scope *sc = ctx;

	for (size_t i = 0; i < sc->known; i++)
		if (strlen(sc->r->names[i]) == len && !strncmp(sc->r->names[i], name, len))
			return (int)i;
	for (int q = 0; q < REQ__COUNT; q++)
		if (strlen(request_names[q]) == len && !strncmp(request_names[q], name, len))
			return (int)(sc->r->nfeatures + (size_t)q);
	return -1;
}

/* ---- parsing ---- */

static void hash_of(const json_t *j, char out[17])
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	struct sha256 h;
	uint8_t d[32];

	sha256_init(&h);
	if (text)
		sha256_update(&h, text, strlen(text));
	sha256_final(&h, d);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	free(text); /* jansson's */
}

static int check_keys(const json_t *o, const char *const *allowed, const char *where)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, key);
		if (!ok) {
			char list[200] = "";
			for (const char *const *a = allowed; *a; a++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 a == allowed ? "" : ", ", *a);
			return BAD("%s: unknown field '%s' (expected %s)", where, key, list);
		}
	}
	return 0;
}

/* The name of slot `slot` is taken already? */
static const char *taken(const struct feature_registry *r, size_t upto, const char *name)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(r->names[i], name))
			return r->names[i];
	return NULL;
}

static int parse_feature(struct feature_registry *r, struct feature_view *v, const json_t *j,
			 struct feature_def *f, const char *vwhere)
{
	static const char *const keys[] = { "name", "agg", "field", "where", "description", NULL };
	static const struct expr_resolver ev = { event_slot, event_code, NULL };
	const char *agg, *field;
	char where[300];
	int a, fld, rc;

	f->name = json_string_value(json_object_get(j, "name"));
	snprintf(where, sizeof(where), "%s: feature %s", vwhere, f->name ? f->name : "(no name)");
	if (!json_is_object(j))
		return BAD("%s: expected a mapping with name, agg, field, where", vwhere);
	if ((rc = check_keys(j, keys, where)))
		return rc;
	if (!identifier(f->name))
		return BAD("%s: name: expected letters, digits and _ (a name expressions can use)", where);
	if (taken(r, r->nfeatures, f->name))
		return BAD("%s: the name is taken by another feature (names are unique across views)",
			   where);
	agg = json_string_value(json_object_get(j, "agg"));
	if ((a = index_of(agg_names, AGG__COUNT, agg)) < 0)
		return BAD("%s: agg: expected count, sum, min, max, mean, count_distinct, first, last, "
			   "time_since_first or time_since_last, got '%s'", where, agg ? agg : "(none)");
	f->agg = (enum feature_agg)a;
	field = json_string_value(json_object_get(j, "field"));
	fld = index_of(field_names, FLD__COUNT, field);
	f->field = -1;
	if (f->agg == AGG_COUNT || f->agg == AGG_TIME_SINCE_FIRST || f->agg == AGG_TIME_SINCE_LAST) {
		if (field)
			return BAD("%s: field: %s takes none", where, agg);
	} else if (fld < 0) {
		return BAD("%s: field: expected one of ts, price, event, hour, weekday, gap_s, "
			   "visitor_gap_s, new_session%s, got '%s'", where,
			   f->agg == AGG_COUNT_DISTINCT ? ", item_id, category_id, session_id, visitor_id" : "",
			   field ? field : "(none)");
	} else if (fld >= FLD__NUMBERS && f->agg != AGG_COUNT_DISTINCT) {
		return BAD("%s: field: %s is an identifier: only count_distinct takes it", where, field);
	} else {
		f->field = fld;
	}
	if ((f->where_text = json_string_value(json_object_get(j, "where"))) &&
	    (rc = expr_compile(&f->where, f->where_text, &ev)))
		return pp_error_wrap(rc, "%s: where '%s'", where, f->where_text);
	if (json_object_get(j, "where") && !f->where_text)
		return BAD("%s: where: expected an expression such as \"event == 'view'\"", where);
	f->slot = r->nfeatures;
	r->names[r->nfeatures++] = f->name;
	(void)v;
	return 0;
}

static int parse_view(struct feature_registry *r, const json_t *j, struct feature_view *v)
{
	static const char *const keys[] = { "name", "entity", "source", "window", "ttl", "features",
					    "description", "tags", NULL };
	const char *ent, *win, *ttl;
	json_t *fs;
	char where[200];
	int k, rc;

	v->name = json_string_value(json_object_get(j, "name"));
	snprintf(where, sizeof(where), "%s: feature view %s", r->file, v->name ? v->name : "(no name)");
	if (!json_is_object(j))
		return BAD("%s: feature_views: expected mappings", r->file);
	if ((rc = check_keys(j, keys, where)))
		return rc;
	if (!identifier(v->name))
		return BAD("%s: name: expected letters, digits and _", where);
	for (size_t i = 0; i < r->nviews; i++)
		if (!strcmp(r->views[i].name, v->name))
			return BAD("%s: a view of that name is defined before", where);
	ent = json_string_value(json_object_get(j, "entity"));
	if ((k = index_of(entity_names, ENT__COUNT, ent)) < 0)
		return BAD("%s: entity: expected session, visitor, item or category, got '%s'", where,
			   ent ? ent : "(none)");
	v->entity = (enum entity_kind)k;
	v->source = json_string_value(json_object_get(j, "source"));
	if (!v->source)
		v->source = "processed/events";
	if (strcmp(v->source, "processed/events"))
		return BAD("%s: source: only processed/events (the event stream) is a source, got '%s'",
			   where, v->source);
	win = json_string_value(json_object_get(j, "window"));
	if ((k = index_of(window_names, WIN__COUNT, win)) < 0)
		return BAD("%s: window: expected session, 1h, 24h, 7d, 30d or lifetime, got '%s'", where,
			   win ? win : "(none)");
	v->window = (enum feature_window)k;
	if (v->window == WIN_SESSION && v->entity != ENT_SESSION)
		return BAD("%s: window: session is a window of the session entity only", where);
	if ((ttl = json_string_value(json_object_get(j, "ttl"))) &&
	    (parse_duration_ms(ttl, strlen(ttl), &v->ttl_ms) || v->ttl_ms <= 0))
		return BAD("%s: ttl: expected a duration such as 30m, 2h or 7d, got '%s'", where, ttl);
	if (json_object_get(j, "ttl") && !ttl)
		return BAD("%s: ttl: expected a duration such as 30m, 2h or 7d", where);
	fs = json_object_get(j, "features");
	if (!json_is_array(fs) || !json_array_size(fs))
		return BAD("%s: features: expected a list of features", where);
	if (!(v->f = pp_calloc(json_array_size(fs), sizeof(*v->f))))
		return PP_ENOMEM;
	for (size_t i = 0; i < json_array_size(fs); i++, v->n++)
		if ((rc = parse_feature(r, v, json_array_get(fs, i), &v->f[i], where)))
			return rc;
	hash_of(j, v->hash);
	return 0;
}

static int parse_entities(const struct feature_registry *r, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *key = json_string_value(json_object_get(e, "join_key"));
		int k = index_of(entity_names, ENT__COUNT, name);
		if (k < 0)
			return BAD("%s: entities[%zu]: expected session, visitor, item or category, got '%s'", r->file,
				   i, name ? name : "(none)");
		if (key && strcmp(key, entity_keys[k]))
			return BAD("%s: entity %s: join_key is %s (the event's field), not '%s'", r->file,
				   name, entity_keys[k], key);
	}
	return 0;
}

int registry_parse(struct feature_registry *r, const char *file, const char *text, size_t len)
{
	static const char *const keys[] = { "entities", "feature_views", "on_demand_features",
					    "project", "description", NULL };
	json_t *views, *od, *ents;
	size_t total = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!(r->file = pp_strdup(file)))
		return PP_ENOMEM;
	if ((rc = yaml_to_json(file, text, len, &r->root)))
		return rc;
	if (!json_is_object(r->root))
		return BAD("%s: expected a mapping with entities, feature_views, on_demand_features", file);
	if ((rc = check_keys(r->root, keys, file)))
		return rc;
	ents = json_object_get(r->root, "entities");
	if (ents && !json_is_array(ents))
		return BAD("%s: entities: expected a list", file);
	if ((rc = parse_entities(r, ents)))
		return rc;
	views = json_object_get(r->root, "feature_views");
	od = json_object_get(r->root, "on_demand_features");
	if (!json_is_array(views) || !json_array_size(views))
		return BAD("%s: feature_views: expected a list of views", file);
	if (od && !json_is_array(od))
		return BAD("%s: on_demand_features: expected a list", file);
	for (size_t i = 0; i < json_array_size(views); i++)
		total += json_array_size(json_object_get(json_array_get(views, i), "features"));
	total += json_array_size(od);
	r->views = pp_calloc(json_array_size(views) + 1, sizeof(*r->views));
	r->od = pp_calloc(json_array_size(od) + 1, sizeof(*r->od));
	r->names = pp_calloc(total + 1, sizeof(*r->names));
	if (!r->views || !r->od || !r->names)
		return PP_ENOMEM;
	for (size_t i = 0; i < json_array_size(views); i++, r->nviews++)
		if ((rc = parse_view(r, json_array_get(views, i), &r->views[i])))
			return rc;
	/* the vector's size is known now: on-demand slots follow, then the request values */
	size_t viewed = r->nfeatures;
	r->nfeatures = viewed + json_array_size(od);
	for (size_t i = 0; i < json_array_size(od); i++, r->nod++) {
		const json_t *j = json_array_get(od, i);
		static const char *const odkeys[] = { "name", "expr", "description", NULL };
		struct on_demand_def *d = &r->od[i];
		struct od_scope scope = { r, viewed + i };
		struct expr_resolver res = { feature_slot, NULL, &scope };
		char where[200];
		d->name = json_string_value(json_object_get(j, "name"));
		d->text = json_string_value(json_object_get(j, "expr"));
		snprintf(where, sizeof(where), "%s: on-demand feature %s", file, d->name ? d->name : "(no name)");
		if (!json_is_object(j))
			return BAD("%s: on_demand_features: expected mappings with name and expr", file);
		if ((rc = check_keys(j, odkeys, where)))
			return rc;
		if (!identifier(d->name))
			return BAD("%s: name: expected letters, digits and _", where);
		if (taken(r, viewed + i, d->name) || index_of(request_names, REQ__COUNT, d->name) >= 0)
			return BAD("%s: the name is taken", where);
		if (!d->text)
			return BAD("%s: expr: expected an expression over features, hour and weekday", where);
		r->names[viewed + i] = d->name; /* before compiling: it may not read itself */
		d->slot = viewed + i;
		if ((rc = expr_compile(&d->e, d->text, &res)))
			return pp_error_wrap(rc, "%s: expr '%s'", where, d->text);
	}
	hash_of(r->root, r->hash);
	return 0;
}

void registry_on_demand(const struct feature_registry *r, double *vec)
{
	for (size_t i = 0; i < r->nod; i++)
		vec[r->od[i].slot] = expr_eval(&r->od[i].e, vec);
}

void registry_on_demand_columns(const struct feature_registry *r, double *const *cols, size_t n)
{
	for (size_t i = 0; i < r->nod; i++)
		expr_eval_columns(&r->od[i].e, (const double *const *)cols, n, cols[r->od[i].slot]);
}

void registry_release(struct feature_registry *r)
{
	/* views has a spare entry: the one a failed parse stopped in is released too */
	for (size_t i = 0; r->views && i <= r->nviews; i++) {
		struct feature_view *v = &r->views[i];
		for (size_t k = 0; k < v->n && v->f; k++)
			expr_release(&v->f[k].where);
		pp_free(v->f);
	}
	for (size_t i = 0; r->od && i <= r->nod; i++)
		expr_release(&r->od[i].e);
	pp_free(r->views);
	pp_free(r->od);
	pp_free(r->names);
	pp_free(r->file);
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

json_t *registry_json(const struct feature_registry *r)
{
	json_t *views = json_array(), *od = json_array();

	for (size_t i = 0; i < r->nviews; i++) {
		const struct feature_view *v = &r->views[i];
		json_t *fs = json_array();
		for (size_t k = 0; k < v->n; k++) {
			const struct feature_def *f = &v->f[k];
			json_t *one = json_pack("{s:s,s:s,s:I}", "name", f->name, "agg", agg_names[f->agg],
						"slot", (json_int_t)f->slot);
			if (f->field >= 0)
				json_object_set_new(one, "field", json_string(field_names[f->field]));
			if (f->where_text)
				json_object_set_new(one, "where", json_string(f->where_text));
			json_array_append_new(fs, one);
		}
		json_array_append_new(views, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:o}", "name", v->name,
						       "entity", entity_names[v->entity], "join_key",
						       entity_keys[v->entity], "source", v->source, "window",
						       window_names[v->window], "ttl_ms", (json_int_t)v->ttl_ms,
						       "hash", v->hash, "features", fs));
	}
	for (size_t i = 0; i < r->nod; i++)
		json_array_append_new(od, json_pack("{s:s,s:s,s:I}", "name", r->od[i].name, "expr",
						    r->od[i].text, "slot", (json_int_t)r->od[i].slot));
	return json_pack("{s:s,s:s,s:I,s:o,s:o}", "file", r->file, "hash", r->hash, "features",
			 (json_int_t)r->nfeatures, "feature_views", views, "on_demand_features", od);
}
