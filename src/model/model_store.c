/* Stored models (model_store.h). */
#include "model/model_store.h"
#include "core/err.h"
#include "core/mem.h"
#include "model/calibrate.h"
#include "model/train.h"

struct newest {
	char best[64];
};

/* models/<version>/meta.json: a version, kept when newer (names sort by time). */
static int seen(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct newest *n = ctx;
	const char *v = path + strlen(MODELS_DIR) + 1, *slash = strchr(v, '/');
	char cand[64];

	(void)size;
	(void)mtime_ms;
	if (strncmp(path, MODELS_DIR "/", strlen(MODELS_DIR) + 1) || !slash || strcmp(slash, "/meta.json") ||
	    (size_t)(slash - v) >= sizeof(cand))
		return 0;
	snprintf(cand, sizeof(cand), "%.*s", (int)(slash - v), v);
	if (strcmp(cand, n->best) > 0)
		memcpy(n->best, cand, sizeof(cand));
	return 0;
}

int model_latest(struct lake_fs *fs, char *out, size_t n)
{
	struct newest nw = { "" };
	int rc = fs->ops->list(fs, MODELS_DIR "/", seen, &nw);

	if (rc && rc != PP_ENOENT)
		return rc;
	if (!nw.best[0])
		return pp_error(PP_ENOENT, "no model in the lake (run `ppredict train`)");
	snprintf(out, n, "%s", nw.best);
	return 0;
}

static int load(struct lake_fs *fs, const char *version, struct stored_model *m, struct buf *model_json)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	json_error_t jerr;
	json_t *feats;
	int rc;

	memset(m, 0, sizeof(*m));
	if (version && *version)
		snprintf(m->version, sizeof(m->version), "%s", version);
	else if ((rc = model_latest(fs, m->version, sizeof(m->version))))
		return rc;
	if (strchr(m->version, '/') || m->version[0] == '.')
		return pp_error(PP_EUSAGE, "model version '%s': not a version name", m->version);
	buf_printf(&path, "%s/%s/meta.json", MODELS_DIR, m->version);
	if ((rc = fs->ops->get(fs, path.data, 0, UINT64_MAX, &b))) {
		rc = rc == PP_ENOENT ? pp_error(rc, "model %s: no such version (%s)", m->version, path.data) : rc;
		goto out;
	}
	if (!(m->meta = json_loadb(b.data, b.len, 0, &jerr))) {
		rc = pp_error(PP_ECORRUPT, "%s:%d: %s", path.data, jerr.line, jerr.text);
		goto out;
	}
	feats = json_object_get(m->meta, "features");
	if (!json_array_size(feats) || !(m->features = pp_calloc(json_array_size(feats), sizeof(char *)))) {
		rc = json_array_size(feats) ? PP_ENOMEM : pp_error(PP_ECORRUPT, "%s: no features", path.data);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(feats); i++)
		if (!(m->features[m->nfeatures++] = json_string_value(json_array_get(feats, i)))) {
			rc = pp_error(PP_ECORRUPT, "%s: features[%zu] is not a name", path.data, i);
			goto out;
		}
	const json_t *cal = json_object_get(m->meta, "calibration");
	if (!strcmp(json_string_value(json_object_get(cal, "method")) ?: "none", "platt")) {
		m->calibrated = true;
		m->platt_a = json_number_value(json_object_get(cal, "a"));
		m->platt_b = json_number_value(json_object_get(cal, "b"));
	}
	buf_reset(&b);
	buf_reset(&path);
	buf_printf(&path, "%s/%s/model.json", MODELS_DIR, m->version);
	if ((rc = fs->ops->get(fs, path.data, 0, UINT64_MAX, model_json ? model_json : &b)))
		goto out;
	if (!model_json)
		rc = xgb_load_json(&m->xgb, b.data ? b.data : "", b.len, path.data);
out:
	if (rc)
		model_release(m);
	buf_release(&b);
	buf_release(&path);
	return rc;
}

int model_load(struct lake_fs *fs, const char *version, struct stored_model *m)
{
	return load(fs, version, m, NULL);
}

int model_load_meta(struct lake_fs *fs, const char *version, struct stored_model *m, struct buf *model_json)
{
	return load(fs, version, m, model_json);
}

int model_predict(const struct stored_model *m, const float *x, size_t n, double *out)
{
	struct xgb_data d = { x, NULL, n, m->nfeatures };
	struct platt c = { m->platt_a, m->platt_b };
	int rc = xgb_predict(&m->xgb, &d, out);

	for (size_t i = 0; !rc && m->calibrated && i < n; i++)
		out[i] = platt_apply(&c, out[i]);
	return rc;
}

void model_release(struct stored_model *m)
{
	xgb_free(&m->xgb);
	pp_free(m->features);
	json_decref(m->meta);
	m->features = NULL;
	m->meta = NULL;
}
