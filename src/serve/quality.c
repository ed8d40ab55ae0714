/* GET /v1/quality: the latest expectation-suite run and drift report (quality/). */
#include "serve/http.h"
#include "core/err.h"
#include "quality/report_store.h"

/* kind's latest report, or null when none was stored yet. */
static int latest(struct http_request *req, const char *kind, json_t *out)
{
	json_t *rep;
	int rc = report_latest(req->srv->fs, kind, &rep);

	if (rc == PP_ENOENT) {
		pp_error_clear();
		return json_object_set_new(out, kind, json_null()) ? PP_ENOMEM : 0;
	}
	if (rc)
		return rc;
	return json_object_set_new(out, kind, rep) ? PP_ENOMEM : 0;
}

int route_get_quality(struct http_request *req)
{
	const char *only = http_query(req, "kind");
	json_t *out = json_object();
	int rc = out ? 0 : PP_ENOMEM;

	if (only && strcmp(only, "checks") && strcmp(only, "drift")) {
		json_decref(out);
		return http_error(req, 400, "bad_query", "kind", "expected checks or drift");
	}
	if (!rc && (!only || !strcmp(only, "checks")))
		rc = latest(req, "checks", out);
	if (!rc && (!only || !strcmp(only, "drift")))
		rc = latest(req, "drift", out);
	if (rc) {
		json_decref(out);
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	}
	return http_json(req, out);
}
