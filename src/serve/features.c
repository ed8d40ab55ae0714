/* GET /v1/features: the feature registry the server computes with; GET /v1/features/online:
 * a vector from the online store. */
#include "serve/http.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/materialize.h"
#include "features/registry.h"

#include <math.h>

int route_get_features(struct http_request *req)
{
	struct feature_registry r;
	json_t *j;
	int rc = registry_load(&r, req->srv->cfg);

	if (rc) {
		registry_release(&r);
		return http_error(req, 500, "features", NULL, "%s", pp_errmsg());
	}
	j = registry_json(&r);
	registry_release(&r);
	return http_json(req, j);
}

/* GET /v1/features/online?session_id=&visitor_id=&item_id=&category_id=&at= */
int route_get_features_online(struct http_request *req)
{
	struct server *s = req->srv;
	struct span key[ENT__COUNT];
	const char *at = http_query(req, "at");
	int64_t now = time_now_ms();
	double *vec;
	bool any = false;
	int rc;

	if (!s->online)
		return http_error(req, 503, "unavailable", NULL,
				  "the online store could not be opened when the server started (see its log)");
	for (int i = 0; i < ENT__COUNT; i++) {
		const char *v = http_query(req, entity_key(i));
		struct event_error err;
		key[i] = span_of(v ? v : "");
		if (v && event_check_id(entity_key(i), key[i], true, s->limits.max_id_len, &err))
			return http_error(req, 400, "invalid", entity_key(i), "%s", err.message);
		any |= key[i].len > 0;
	}
	if (!any)
		return http_error(req, 400, "invalid", "session_id",
				  "give session_id, visitor_id, item_id or category_id (or several)");
	if (at && time_parse_or_ms(at, strlen(at), &now))
		return http_error(req, 400, "invalid", "at",
				  "expected an RFC 3339 time or epoch milliseconds, got '%s'", at);
	if (!(vec = pp_calloc(registry_vector_size(s->registry), sizeof(*vec))))
		return http_error(req, 500, "internal", NULL, "out of memory");
	rc = online_vector(s->online, s->registry, key, now, vec);
	if (rc) {
		pp_free(vec);
		return http_error(req, 503, "online_store", NULL, "%s", pp_errmsg());
	}
	char when[32];
	time_format_rfc3339(now, when);
	buf_printf(&req->out, "{\"at\":\"%s\",\"store\":\"%s\",\"features\":{", when, s->online->ops->name);
	for (size_t f = 0; f < s->registry->nfeatures; f++) {
		if (f)
			buf_putc(&req->out, ',');
		buf_put_json_str(&req->out, s->registry->names[f], strlen(s->registry->names[f]));
		buf_putc(&req->out, ':');
		if (isnan(vec[f]))
			buf_puts(&req->out, "null");
		else
			buf_put_double(&req->out, vec[f]);
	}
	buf_puts(&req->out, "}}\n");
	pp_free(vec);
	return HTTP_DONE;
}
