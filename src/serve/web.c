/* GET / and GET /assets/{name}: the embedded dashboard (web.h). */
#include "serve/http.h"
#include "serve/web.h"

static int send_asset(struct http_request *req, const char *name)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (!strcmp(web_assets[i].name, name)) {
			req->content_type = web_assets[i].content_type;
			buf_append(&req->out, web_assets[i].data, web_assets[i].len);
			return HTTP_DONE;
		}
	return http_error(req, 404, "not_found", NULL, "no asset %s", name);
}

int route_get_index(struct http_request *req)
{
	return send_asset(req, "index.html");
}

int route_get_asset(struct http_request *req)
{
	return send_asset(req, req->param);
}
