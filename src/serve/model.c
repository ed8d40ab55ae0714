/* GET /v1/model: the model served, the last refusal, swaps (serve/champion.h); and the
 * registry's moves: POST /v1/models/{version}/promote, POST /v1/models/rollback. */
#include "core/err.h"
#include "model/model_index.h"
#include "model/promote.h"
#include "serve/champion.h"
#include "serve/http.h"

int route_get_model(struct http_request *req)
{
	json_t *st = champion_status(req->srv), *refused;

	if (!st)
		return http_error(req, 500, "internal", NULL, "out of memory");
	refused = json_object_get(st, "refused");
	if (json_is_null(json_object_get(st, "model"))) {
		int rc = !json_is_null(refused) ? http_error(req, 404, "no_model", NULL, "no model is served: the champion %s was "
					      "refused: %s", json_string_value(json_object_get(refused, "version")),
					      json_string_value(json_object_get(refused, "reason")))
				 : http_error(req, 404, "no_model", NULL, "no model is served: the registry has no "
					      "champion (`ppredict train`, then `ppredict models promote`)");
		json_decref(st);
		return rc;
	}
	return http_json(req, st);
}

/* Who moves a model: the key's name, or "api" with keys off. */
static const char *mover(struct http_request *req)
{
	return req->key_name && *req->key_name ? req->key_name : "api";
}

static int moved(struct http_request *req, int rc, const struct promotion *p)
{
	if (rc == PP_ENOENT)
		return http_error(req, 404, "not_found", NULL, "%s", pp_errmsg());
	if (rc == PP_EINVAL)
		return http_error(req, 409, "refused", NULL, "%s", pp_errmsg());
	if (rc)
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	champion_poke(req->srv); /* served without waiting for the next look */
	buf_puts(&req->out, "{\"champion\":");
	buf_put_json_str(&req->out, p->version, strlen(p->version));
	buf_puts(&req->out, ",\"replaced\":");
	buf_put_json_str(&req->out, p->replaced, strlen(p->replaced));
	buf_puts(&req->out, ",\"why\":");
	buf_put_json_str(&req->out, p->why, strlen(p->why));
	buf_puts(&req->out, "}\n");
	return HTTP_DONE;
}

/* POST /v1/models/{version}/promote[?force=true] */
int route_post_model_promote(struct http_request *req)
{
	const char *force = http_query(req, "force");
	struct promotion p;

	if (force && strcmp(force, "true") && strcmp(force, "false"))
		return http_error(req, 400, "invalid", "force", "force: expected true or false");
	if (!strcmp(req->param, ".") || !strcmp(req->param, "..") || strchr(req->param, '\\'))
		return http_error(req, 400, "invalid", "version", "not a model version: '%s'", req->param);
	return moved(req, model_promote(req->srv->fs, req->srv->cfg, req->param, force && !strcmp(force, "true"),
					mover(req), &p), &p);
}

/* POST /v1/models/rollback */
int route_post_model_rollback(struct http_request *req)
{
	struct promotion p;

	return moved(req, model_rollback(req->srv->cfg, mover(req), &p), &p);
}
