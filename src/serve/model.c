/* GET /v1/model: the model served, the last refusal, swaps (serve/champion.h). */
#include "serve/champion.h"
#include "serve/http.h"

int route_get_model(struct http_request *req)
{
	json_t *st = champion_status(req->srv), *refused;
	char *text;

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
	text = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(st);
	if (!text)
		return http_error(req, 500, "internal", NULL, "out of memory");
	buf_puts(&req->out, text);
	buf_putc(&req->out, '\n');
	free(text); /* jansson's */
	return HTTP_DONE;
}
