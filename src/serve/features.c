/* GET /v1/features: the feature registry the server computes with. */
#include "serve/http.h"
#include "core/err.h"
#include "features/registry.h"

int route_get_features(struct http_request *req)
{
	struct feature_registry r;
	json_t *j;
	char *text;
	int rc = registry_load(&r, req->srv->cfg);

	if (rc) {
		registry_release(&r);
		return http_error(req, 500, "features", NULL, "%s", pp_errmsg());
	}
	j = registry_json(&r);
	registry_release(&r);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return http_error(req, 500, "internal", NULL, "out of memory");
	buf_puts(&req->out, text);
	buf_putc(&req->out, '\n');
	free(text); /* jansson's */
	return HTTP_DONE;
}
