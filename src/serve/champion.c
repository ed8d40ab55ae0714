/* The model the server predicts with, swapped without a restart (champion.h). */
#include "serve/champion.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/ticker.h"
#include "core/timeutil.h"
#include "features/registry.h"
#include "model/calibrate.h"
#include "model/model_index.h"
#include "serve/http.h"

#include <pthread.h>

struct champion_holder {
	pthread_mutex_t mu;
	struct ticker watcher; /* looks at the registry every models.reload */
	struct served_model *current;
	const struct feature_registry *registry; /* the server's: models are checked against it */
	char refused[64];           /* the version refused last, and why */
	char refused_why[512];
	uint64_t swaps, refusals;
};

static void served_free(struct served_model *m)
{
	json_decref(m->report);
	forest_release(&m->forest);
	model_release(&m->m);
	pp_free(m);
}

void champion_release(struct served_model *m)
{
	if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
		served_free(m);
}

struct served_model *champion_acquire(struct server *s)
{
	struct champion_holder *h = s->champion;
	struct served_model *m;

	if (!h)
		return NULL;
	pthread_mutex_lock(&h->mu);
	if ((m = h->current))
		__atomic_add_fetch(&m->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&h->mu);
	return m;
}

/* The vector as the engine reads a row: floats. */
static void row_of(const struct served_model *m, const double *vec, float *x)
{
	for (size_t i = 0; i < m->m.nfeatures; i++)
		x[i] = (float)vec[i];
}

int champion_explain(const struct served_model *m, const double *vec, size_t k, struct forest_reason *why,
		     size_t *n, double *expected)
{
	float x[CHAMPION_MAX_FEATURES];
	double phi[CHAMPION_MAX_FEATURES + 1];
	int rc;

	row_of(m, vec, x);
	if ((rc = forest_shap(&m->forest, x, phi)))
		return rc;
	*n = forest_reasons(&m->forest, x, phi, k, why);
	*expected = phi[m->forest.nfeatures];
	return 0;
}

double champion_predict(const struct served_model *m, const double *vec)
{
	float x[CHAMPION_MAX_FEATURES];
	double p;

	row_of(m, vec, x);
	p = forest_predict(&m->forest, x);

	if (m->m.calibrated) {
		struct platt c = { m->m.platt_a, m->m.platt_b };
		p = platt_apply(&c, p);
	}
	return p;
}

/* A version loaded for serving, or an error saying why it cannot be served. */
static int load_version(struct server *s, const struct feature_registry *r, const char *version,
			struct served_model **out)
{
	struct served_model *m = pp_calloc(1, sizeof(*m));
	struct buf json = BUF_INIT;
	const char *trained_on;
	int rc;

	*out = NULL;
	if (!m)
		return PP_ENOMEM;
	m->refs = 1;
	if ((rc = model_load_meta(s->fs, version, &m->m, &json)))
		goto fail;
	trained_on = json_string_value(json_object_get(m->m.meta, "feature_registry"));
	if (!trained_on || !*trained_on) {
		rc = pp_error(PP_EINVAL, "model %s was trained on a table's own columns (train --label), not on the "
			      "feature store's features: the server cannot compute its inputs", version);
		goto fail;
	}
	if (m->m.nfeatures > CHAMPION_MAX_FEATURES) {
		rc = pp_error(PP_ELIMIT, "model %s has %zu features; at most %d are served", version, m->m.nfeatures,
			      CHAMPION_MAX_FEATURES);
		goto fail;
	}
	if (strcmp(trained_on, r->hash) || m->m.nfeatures != r->nfeatures) {
		rc = pp_error(PP_EINVAL, "model %s was trained on feature registry %s (%zu features); this server "
			      "runs registry %s (%zu features): refused. Train on the features served now "
			      "(`ppredict features build`, `ppredict train`) or serve the repository it was "
			      "trained on (features.repository)", version, trained_on, m->m.nfeatures, r->hash,
			      r->nfeatures);
		goto fail;
	}
	if ((rc = forest_load_json(&m->forest, json.data ? json.data : "", json.len, version)))
		goto fail;
	if (m->forest.nfeatures != m->m.nfeatures) {
		rc = pp_error(PP_ECORRUPT, "model %s: model.json has %zu features, meta.json %zu", version,
			      m->forest.nfeatures, m->m.nfeatures);
		forest_release(&m->forest);
		goto fail;
	}
	m->threshold = json_number_value(json_object_get(json_object_get(m->m.meta, "threshold"), "value"));
	m->loaded_ms = time_now_ms();
	{ /* its report, for the dashboard: a model without one is served all the same */
		struct buf path = BUF_INIT, text = BUF_INIT;
		buf_printf(&path, "models/%s/report.json", version);
		if (s->fs->ops->get(s->fs, path.data, 0, UINT64_MAX, &text) == 0)
			m->report = json_loadb(text.data ? text.data : "", text.len, 0, NULL);
		pp_error_clear();
		buf_release(&path);
		buf_release(&text);
	}
	buf_release(&json);
	*out = m;
	return 0;
fail:
	buf_release(&json);
	model_release(&m->m);
	pp_free(m);
	return rc;
}

/* One look at the registry: a new champion loaded and swapped in, or refused. */
static void check(struct server *s)
{
	struct champion_holder *h = s->champion;
	struct model_index *x = NULL;
	struct indexed_model im;
	struct served_model *m = NULL, *old;
	char have[64] = "";
	int rc;

	if ((rc = model_index_open(&x, s->cfg)) || (rc = model_index_champion(x, &im))) {
		model_index_close(x);
		pp_error_clear(); /* no registry or no champion yet: nothing to serve */
		return;
	}
	model_index_close(x);
	pthread_mutex_lock(&h->mu);
	if (h->current)
		snprintf(have, sizeof(have), "%s", h->current->m.version);
	bool same = !strcmp(have, im.version) || !strcmp(h->refused, im.version);
	pthread_mutex_unlock(&h->mu);
	if (same)
		return;
	rc = load_version(s, h->registry, im.version, &m);
	pthread_mutex_lock(&h->mu);
	if (rc) {
		snprintf(h->refused, sizeof(h->refused), "%s", im.version);
		snprintf(h->refused_why, sizeof(h->refused_why), "%s", pp_errmsg());
		h->refusals++;
		metrics_add(&s->metrics.model_refused, 1);
		pthread_mutex_unlock(&h->mu);
		log_error("champion %s not served: %s%s%s", im.version, pp_errmsg(), have[0] ? "; still serving " : "",
			  have);
		pp_error_clear();
		return;
	}
	old = h->current;
	h->current = m;
	h->refused[0] = 0;
	h->refused_why[0] = 0;
	h->swaps++;
	metrics_add(&s->metrics.model_swaps, 1);
	pthread_mutex_unlock(&h->mu);
	champion_release(old); /* freed when its last request ends */
	if (have[0])
		log_info("serving model %s (was %s: it is freed once its requests in flight end)", im.version, have);
	else
		log_info("serving model %s", im.version);
}

static void look(void *arg)
{
	check(arg);
}

int champion_start(struct server *s)
{
	struct champion_holder *h = pp_calloc(1, sizeof(*h));

	if (!h)
		return PP_ENOMEM;
	pthread_mutex_init(&h->mu, NULL);
	s->champion = h;
	h->registry = s->registry;
	check(s);
	return ticker_start(&h->watcher, s->cfg->models_reload_ms, look, s);
}

void champion_stop(struct server *s)
{
	struct champion_holder *h = s->champion;

	if (!h)
		return;
	ticker_stop(&h->watcher);
	champion_release(h->current);
	pthread_mutex_destroy(&h->mu);
	pp_free(h);
	s->champion = NULL;
}

void champion_poke(struct server *s)
{
	if (s->champion)
		ticker_poke(&s->champion->watcher);
}

json_t *champion_status(struct server *s)
{
	struct champion_holder *h = s->champion;
	struct served_model *m = champion_acquire(s);
	json_t *out = json_object(), *model = json_null();
	char when[32];

	if (m) {
		const json_t *meta = m->m.meta;
		time_format_rfc3339(m->loaded_ms, when);
		/* copies, never references: jansson's reference counts are not shared between
		 * threads safely, and the model's JSON may be freed on the watcher's thread */
		model = json_pack("{s:s,s:s,s:I,s:s,s:f}", "version", m->m.version, "loaded_at", when, "features",
				  (json_int_t)m->m.nfeatures, "feature_registry",
				  json_string_value(json_object_get(meta, "feature_registry")) ?: "", "threshold", m->threshold);
		static const char *const from_meta[] = { "model", "created", "calibration", "windows", "rows",
							 "positives", "metrics_test", "oracle" };
		for (size_t i = 0; model && i < ARRAY_SIZE(from_meta); i++) {
			const json_t *v = json_object_get(meta, from_meta[i]);
			if (v)
				json_object_set_new(model, from_meta[i], json_deep_copy(v));
		}
		if (model && m->report) {
			static const char *const parts[] = { "roc_curve", "pr_curve", "calibration", "importance" };
			json_t *rep = json_object();
			for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
				const json_t *v = json_object_get(m->report, parts[i]);
				if (v)
					json_object_set_new(rep, parts[i], json_deep_copy(v));
			}
			json_object_set_new(model, "report", rep);
		}
		champion_release(m);
	}
	json_object_set_new(out, "model", model ? model : json_null());
	pthread_mutex_lock(&h->mu);
	json_object_set_new(out, "refused", h->refused[0] ? json_pack("{s:s,s:s}", "version", h->refused, "reason",
								      h->refused_why)
							  : json_null());
	json_object_set_new(out, "swaps", json_integer((json_int_t)h->swaps));
	json_object_set_new(out, "refusals", json_integer((json_int_t)h->refusals));
	json_object_set_new(out, "feature_registry", json_string(h->registry->hash));
	pthread_mutex_unlock(&h->mu);
	return out;
}
