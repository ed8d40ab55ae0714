#include "ship/client.h"
#include "core/err.h"
#include "core/mem.h"

#include <curl/curl.h>

struct ship_client {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *reply = ctx;

	return buf_append(reply, p, size * n) ? 0 : size * n;
}

int ship_client_open(struct ship_client **out, const char *url, const char *key)
{
	struct ship_client *c = pp_calloc(1, sizeof(*c));
	struct buf u = BUF_INIT;

	if (!c)
		return PP_ENOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (!c->curl || buf_printf(&u, "%s/v1/events", url)) {
		buf_release(&u);
		ship_client_close(c);
		return PP_ENOMEM;
	}
	c->url = buf_detach(&u, NULL);
	c->headers = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
	c->headers = curl_slist_append(c->headers, "Expect:"); /* no 100-continue round trip */
	if (key) {
		struct buf h = BUF_INIT;
		if (!buf_printf(&h, "Authorization: Bearer %s", key))
			c->headers = curl_slist_append(c->headers, h.data);
		buf_release(&h);
	}
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 60000L);
	*out = c;
	return 0;
}

int ship_client_post(struct ship_client *c, const struct buf *body, struct buf *reply)
{
	long status = 0;

	buf_reset(reply);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, reply);
	if (curl_easy_perform(c->curl) != CURLE_OK)
		return 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	return (int)status;
}

void ship_client_close(struct ship_client *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->headers);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	pp_free(c->url);
	pp_free(c);
}
