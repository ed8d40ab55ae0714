/*
 * lake_fs_s3.c - the lake in an S3 bucket (AWS S3, MinIO, any S3-compatible server).
 *
 * lake.root is s3://bucket/prefix; an object's key is prefix/path. Requests go through
 * libcurl, signed with AWS Signature Version 4 (s3_sign.h), path-style
 * (endpoint/bucket/key) or virtual-host style (bucket.endpoint/key). A PUT is atomic on
 * S3, which is what `put` promises; objects larger than lake.s3_part_size go up as a
 * multipart upload, which S3 also shows only once completed (an upload that fails is
 * aborted). `noreplace` checks with HEAD and sends If-None-Match: *, which S3 (since
 * 2024) and MinIO enforce against a racing writer; servers that ignore the header still
 * refuse a path taken before the HEAD.
 *
 * Connections are kept in a small pool of curl handles, so the ETL's threads can read
 * at once. Transient failures (connection errors, 500, 503) are retried three times.
 */
#include "lake/lake_fs.h"
#include "lake/s3_sign.h"
#include "lake/s3_xml.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/pool.h"
#include "core/sha256.h"
#include "core/timeutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define POOL 8
#define RETRIES 3

struct s3 {
	char *base;   /* scheme://host[:port] of the endpoint */
	char *host;   /* the Host the requests name: endpoint, or bucket.endpoint */
	char *bucket, *prefix; /* prefix: "" or "a/b" */
	bool path_style;
	char *access_key, *secret_key, *token, *region;
	uint64_t part_size;
	struct pool handles; /* idle curl handles */
};

struct request {
	const char *method;
	const char *key;   /* NULL: the bucket */
	const char *query; /* canonical: sorted and encoded; "" for none */
	const void *body;
	size_t body_len;
	const char *range; /* "bytes=a-b" or NULL */
	bool if_none_match;
	/* results */
	long status;
	struct buf *out;  /* the response body (appended), or NULL to drop it */
	char etag[128];
};

static struct s3 *s3_of(struct lake_fs *fs)
{
	return fs->impl;
}

static CURL *take_handle(struct s3 *s)
{
	CURL *c = pool_take(&s->handles);

	return c ? c : curl_easy_init();
}

static void give_handle(struct s3 *s, CURL *c)
{
	if (!pool_give(&s->handles, c))
		curl_easy_cleanup(c);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *out = ctx;

	return out && buf_append(out, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct request *r = ctx;
	size_t len = size * n;

	if (len > 5 && !strncasecmp(p, "etag:", 5)) {
		const char *v = p + 5;
		size_t vl = len - 5;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		snprintf(r->etag, sizeof(r->etag), "%.*s", (int)vl, v);
	}
	return len;
}

/* The request's path: /bucket/key (path style) or /key, encoded. */
static int request_path(const struct s3 *s, const char *key, struct buf *out)
{
	int rc = 0;

	if (s->path_style && !(rc = buf_putc(out, '/')))
		rc = s3_uri_encode(out, s->bucket, strlen(s->bucket), false);
	if (!rc && (key || !s->path_style))
		rc = buf_putc(out, '/');
	if (!rc && key)
		rc = s3_uri_encode(out, key, strlen(key), true);
	return rc;
}

static void amz_now(char out[17])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* One attempt. Returns 0 with r->status set, or PP_EIO for a transport failure. */
static int attempt(struct s3 *s, struct request *r)
{
	struct buf path = BUF_INIT, url = BUF_INIT, auth = BUF_INIT, line = BUF_INIT;
	struct curl_slist *hdrs = NULL;
	struct s3_header h[5];
	char date[17], payload[65], errbuf[CURL_ERROR_SIZE] = "";
	uint8_t digest[32];
	size_t nh = 0, out_len = r->out ? r->out->len : 0;
	CURL *c = NULL;
	CURLcode cc;
	int rc;

	amz_now(date);
	sha256(r->body ? r->body : "", r->body_len, digest);
	sha256_hex(digest, payload);
	h[nh++] = (struct s3_header){ "host", s->host };
	if (r->range)
		h[nh++] = (struct s3_header){ "range", r->range };
	h[nh++] = (struct s3_header){ "x-amz-content-sha256", payload };
	h[nh++] = (struct s3_header){ "x-amz-date", date };
	if (s->token)
		h[nh++] = (struct s3_header){ "x-amz-security-token", s->token };
	if ((rc = request_path(s, r->key, &path)) ||
	    (rc = buf_printf(&url, "%s%s%s%s", s->base, path.data, *r->query ? "?" : "", r->query)) ||
	    (rc = buf_puts(&auth, "Authorization: ")) ||
	    (rc = s3_authorization(&auth, &(struct s3_credentials){ s->access_key, s->secret_key,
								     s->token, s->region },
				   r->method, path.data, r->query, h, nh, payload, date)))
		goto out;
	hdrs = curl_slist_append(hdrs, auth.data);
	for (size_t i = 0; i < nh; i++) {
		buf_reset(&line);
		if (!strcmp(h[i].name, "host"))
			continue; /* curl sends Host from the URL */
		buf_printf(&line, "%s: %s", h[i].name, h[i].value);
		hdrs = curl_slist_append(hdrs, line.data);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (r->if_none_match)
		hdrs = curl_slist_append(hdrs, "If-None-Match: *");
	if (r->body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
	if (!hdrs || !(c = take_handle(s))) {
		rc = PP_ENOMEM;
		goto out;
	}
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r->out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (r->body) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	}
	r->etag[0] = 0;
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rc = pp_error(PP_EIO, "s3://%s/%s: %s", s->bucket, r->key ? r->key : "",
			      errbuf[0] ? errbuf : curl_easy_strerror(cc));
		if (r->out) { /* a retry starts the body again */
			r->out->len = out_len;
			buf_terminate(r->out);
		}
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	}
	give_handle(s, c);
out:
	curl_slist_free_all(hdrs);
	buf_release(&path);
	buf_release(&url);
	memset(auth.data, 0, auth.len);
	buf_release(&auth);
	buf_release(&line);
	return rc;
}

/* A request with retries; statuses other than 2xx become errors naming the object. */
static int perform(struct s3 *s, struct request *r)
{
	struct buf err_body = BUF_INIT, code = BUF_INIT, msg = BUF_INIT;
	struct buf *caller_out = r->out;
	int rc = 0;

	for (int i = 0; i <= RETRIES; i++) {
		if (i)
			usleep(100000u << (2 * (i - 1))); /* 0.1, 0.4, 1.6 s */
		r->out = caller_out ? caller_out : &err_body;
		rc = attempt(s, r);
		if (!rc && r->status != 500 && r->status != 503)
			break;
		if (!rc)
			buf_reset(&err_body);
	}
	r->out = caller_out;
	if (rc)
		goto out;
	if (r->status >= 200 && r->status < 300)
		goto out;
	{
		struct buf *b = caller_out ? caller_out : &err_body;
		size_t at = 0, at2 = 0;
		s3_xml_value(b->data, b->len, "Code", &at, &code);
		s3_xml_value(b->data, b->len, "Message", &at2, &msg);
	}
	rc = r->status == 404 ? PP_ENOENT : r->status == 412 ? PP_EEXIST : PP_EIO;
	rc = pp_error(rc, "s3://%s/%s: %s %s: HTTP %ld%s%s%s%s", s->bucket, r->key ? r->key : "",
		      r->method, r->query[0] ? r->query : "object", r->status, code.len ? " " : "",
		      code.data, msg.len ? ": " : "", msg.data);
out:
	buf_release(&err_body);
	buf_release(&code);
	buf_release(&msg);
	return rc;
}

static int key_of(const struct s3 *s, const char *path, struct buf *out)
{
	if (!path[0] || path[0] == '/' || strstr(path, "//"))
		return pp_error(PP_EINVAL, "bad lake path '%s'", path);
	return s->prefix[0] ? buf_printf(out, "%s/%s", s->prefix, path) : buf_puts(out, path);
}

/* ---- put ---------------------------------------------------------------------------- */

static int multipart(struct s3 *s, const char *key, const char *data, size_t len)
{
	struct buf resp = BUF_INIT, id = BUF_INIT, q = BUF_INIT, done = BUF_INIT;
	struct request r = { .method = "POST", .key = key, .query = "uploads=", .out = &resp };
	size_t at = 0;
	int part = 0, rc = perform(s, &r);

	if (!rc && !s3_xml_value(resp.data, resp.len, "UploadId", &at, &id))
		rc = pp_error(PP_EIO, "s3://%s/%s: no UploadId in the answer to a multipart upload",
			      s->bucket, key);
	if (!rc)
		rc = buf_puts(&done, "<CompleteMultipartUpload>");
	for (size_t off = 0; !rc && off < len; off += s->part_size) {
		size_t n = len - off < s->part_size ? len - off : s->part_size;
		buf_reset(&q);
		if ((rc = buf_printf(&q, "partNumber=%d&uploadId=", ++part)) ||
		    (rc = s3_uri_encode(&q, id.data, id.len, false)))
			break;
		r = (struct request){ .method = "PUT", .key = key, .query = q.data, .body = data + off,
				      .body_len = n };
		if (!(rc = perform(s, &r)))
			rc = buf_printf(&done, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
					part, r.etag);
	}
	if (!rc && !(rc = buf_puts(&done, "</CompleteMultipartUpload>"))) {
		buf_reset(&q);
		buf_reset(&resp);
		if (!(rc = buf_puts(&q, "uploadId=")) && !(rc = s3_uri_encode(&q, id.data, id.len, false))) {
			r = (struct request){ .method = "POST", .key = key, .query = q.data,
					      .body = done.data, .body_len = done.len, .out = &resp };
			rc = perform(s, &r);
			/* S3 can answer 200 and put the failure in the body */
			at = 0;
			if (!rc && strstr(resp.data, "<Error>"))
				rc = pp_error(PP_EIO, "s3://%s/%s: completing the upload failed: %.200s",
					      s->bucket, key, resp.data);
		}
	}
	if (rc && id.len) { /* abort, so the parts do not linger (and cost) */
		char saved[512];
		snprintf(saved, sizeof(saved), "%s", pp_errmsg());
		buf_reset(&q);
		if (!buf_puts(&q, "uploadId=") && !s3_uri_encode(&q, id.data, id.len, false)) {
			r = (struct request){ .method = "DELETE", .key = key, .query = q.data };
			perform(s, &r);
		}
		pp_error(rc, "%s", saved);
	}
	buf_release(&resp);
	buf_release(&id);
	buf_release(&q);
	buf_release(&done);
	return rc;
}

static int s3_put(struct lake_fs *fs, const char *path, const struct iovec *iov, int n,
		  bool noreplace)
{
	struct s3 *s = s3_of(fs);
	struct buf key = BUF_INIT, body = BUF_INIT;
	struct request r;
	int rc = key_of(s, path, &key);

	for (int i = 0; i < n && !rc; i++)
		rc = buf_append(&body, iov[i].iov_base, iov[i].iov_len);
	if (rc)
		goto out;
	if (noreplace) {
		r = (struct request){ .method = "HEAD", .key = key.data, .query = "" };
		rc = perform(s, &r);
		if (!rc) {
			rc = pp_error(PP_EEXIST, "s3://%s/%s exists", s->bucket, key.data);
			goto out;
		}
		if (rc != PP_ENOENT)
			goto out;
		pp_error_clear();
	}
	if (body.len > s->part_size) {
		rc = multipart(s, key.data, body.data, body.len);
	} else {
		r = (struct request){ .method = "PUT", .key = key.data, .query = "", .body = body.data,
				      .body_len = body.len, .if_none_match = noreplace };
		rc = perform(s, &r);
		if (rc == PP_EEXIST)
			rc = pp_error(PP_EEXIST, "s3://%s/%s exists", s->bucket, key.data);
	}
out:
	buf_release(&key);
	buf_release(&body);
	return rc;
}

/* ---- get, list, remove ---------------------------------------------------------------- */

static int s3_get(struct lake_fs *fs, const char *path, uint64_t off, uint64_t len,
		  struct buf *out)
{
	struct s3 *s = s3_of(fs);
	struct buf key = BUF_INIT;
	char range[64];
	struct request r = { .method = "GET", .query = "", .out = out };
	int rc = key_of(s, path, &key);

	if (rc)
		return rc;
	if (len == 0) {
		buf_release(&key);
		return 0;
	}
	if (off || len != UINT64_MAX) {
		if (len == UINT64_MAX)
			snprintf(range, sizeof(range), "bytes=%" PRIu64 "-", off);
		else
			snprintf(range, sizeof(range), "bytes=%" PRIu64 "-%" PRIu64, off, off + len - 1);
		r.range = range;
	}
	r.key = key.data;
	rc = perform(s, &r);
	if (rc == PP_ENOENT)
		rc = pp_error(PP_ENOENT, "s3://%s/%s: no such object", s->bucket, key.data);
	buf_release(&key);
	return rc;
}

static int s3_list(struct lake_fs *fs, const char *prefix, lake_list_cb cb, void *ctx)
{
	struct s3 *s = s3_of(fs);
	struct buf want = BUF_INIT, q = BUF_INIT, resp = BUF_INIT, token = BUF_INIT, k = BUF_INIT,
		   size = BUF_INIT, item = BUF_INIT, when = BUF_INIT;
	size_t strip = s->prefix[0] ? strlen(s->prefix) + 1 : 0;
	int rc = 0;

	if (s->prefix[0])
		rc = buf_printf(&want, "%s/", s->prefix);
	if (!rc && prefix[0])
		rc = buf_printf(&want, "%s%s", prefix, prefix[strlen(prefix) - 1] == '/' ? "" : "/");
	for (bool more = true; more && !rc;) {
		struct request r = { .method = "GET", .out = &resp };
		size_t at = 0;
		buf_reset(&q);
		buf_reset(&resp);
		if (token.len && ((rc = buf_puts(&q, "continuation-token=")) ||
				  (rc = s3_uri_encode(&q, token.data, token.len, false)) ||
				  (rc = buf_putc(&q, '&'))))
			break;
		if ((rc = buf_puts(&q, "list-type=2&prefix=")) ||
		    (rc = s3_uri_encode(&q, want.data, want.len, false)))
			break;
		r.query = q.data;
		if ((rc = perform(s, &r)))
			break;
		/* each <Contents> holds a <Key>, a <Size> and a <LastModified> */
		while (!rc && s3_xml_value(resp.data, resp.len, "Contents", &at, &item)) {
			size_t a = 0, b = 0, c = 0;
			int64_t mtime = 0;
			if (!s3_xml_value(item.data, item.len, "Key", &a, &k) ||
			    !s3_xml_value(item.data, item.len, "Size", &b, &size) || k.len <= strip)
				continue;
			if (!s3_xml_value(item.data, item.len, "LastModified", &c, &when) ||
			    time_parse(when.data, when.len, &mtime))
				mtime = 0; /* (not said: taken as unknown) */
			rc = cb(ctx, k.data + strip, strtoull(size.data, NULL, 10), mtime);
		}
		at = 0;
		more = s3_xml_value(resp.data, resp.len, "IsTruncated", &at, &item) &&
		       !strcmp(item.data, "true");
		at = 0;
		if (more && !s3_xml_value(resp.data, resp.len, "NextContinuationToken", &at, &token))
			rc = pp_error(PP_EIO, "s3://%s: a truncated listing without a continuation token",
				      s->bucket);
	}
	buf_release(&want);
	buf_release(&q);
	buf_release(&resp);
	buf_release(&token);
	buf_release(&k);
	buf_release(&size);
	buf_release(&item);
	buf_release(&when);
	return rc;
}

static int s3_remove(struct lake_fs *fs, const char *path)
{
	struct s3 *s = s3_of(fs);
	struct buf key = BUF_INIT;
	struct request r = { .method = "DELETE", .query = "" };
	int rc = key_of(s, path, &key);

	if (!rc) {
		r.key = key.data;
		rc = perform(s, &r);
		if (rc == PP_ENOENT) { /* gone already: what remove wants */
			pp_error_clear();
			rc = 0;
		}
	}
	buf_release(&key);
	return rc;
}

static void s3_close(struct lake_fs *fs)
{
	struct s3 *s = s3_of(fs);

	if (!s)
		return;
	for (CURL *c; (c = pool_drain(&s->handles));)
		curl_easy_cleanup(c);
	pool_destroy(&s->handles);
	pp_free(s->base);
	pp_free(s->host);
	pp_free(s->bucket);
	pp_free(s->prefix);
	pp_free(s->access_key);
	if (s->secret_key)
		memset(s->secret_key, 0, strlen(s->secret_key));
	pp_free(s->secret_key);
	pp_free(s->token);
	pp_free(s->region);
	pp_free(s);
	fs->impl = NULL;
}

const struct lake_fs_ops lake_fs_s3_ops = {
	.name = "s3",
	.put = s3_put,
	.get = s3_get,
	.list = s3_list,
	.remove = s3_remove,
	.leftovers = NULL,
	.close = s3_close,
};

/* ---- opening -------------------------------------------------------------------------- */

static const char *first_set(const char *a, const char *env1, const char *env2, const char *def)
{
	const char *v;

	if (a && *a)
		return a;
	if (env1 && (v = getenv(env1)) && *v)
		return v;
	if (env2 && (v = getenv(env2)) && *v)
		return v;
	return def;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_or_null(const char *v)
{
	return v ? pp_strdup(v) : NULL;
}

int lake_fs_s3_open(struct lake_fs *fs, const struct config *cfg)
{
	const char *root = fs->root + 5, *slash = strchr(root, '/');
	const char *endpoint, *region, *ak, *sk;
	struct s3 *s;
	struct buf b = BUF_INIT;
	const char *hostpart;
	size_t blen = slash ? (size_t)(slash - root) : strlen(root);

	if (!blen)
		return pp_error(PP_ECONFIG, "lake.root %s: expected s3://bucket[/prefix]", fs->root);
	region = first_set(cfg ? cfg->s3_region : NULL, "AWS_REGION", "AWS_DEFAULT_REGION", "us-east-1");
	endpoint = first_set(cfg ? cfg->s3_endpoint : NULL, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", NULL);
	ak = first_set(cfg ? cfg->s3_access_key : NULL, "AWS_ACCESS_KEY_ID", NULL, NULL);
	sk = first_set(cfg ? cfg->s3_secret_key : NULL, "AWS_SECRET_ACCESS_KEY", NULL, NULL);
	if (!ak || !sk)
		return pp_error(PP_ECONFIG, "lake.root %s: no S3 credentials: set lake.s3_access_key_id "
				"and lake.s3_secret_access_key, or AWS_ACCESS_KEY_ID and "
				"AWS_SECRET_ACCESS_KEY", fs->root);
	if (endpoint && strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8))
		return pp_error(PP_ECONFIG, "lake.s3_endpoint: expected an http:// or https:// URL, got '%s'",
				endpoint);
	if (!(s = pp_calloc(1, sizeof(*s))))
		return PP_ENOMEM;
	pthread_once(&curl_once, init_curl);
	pool_init(&s->handles, POOL);
	fs->impl = s;
	s->path_style = cfg ? cfg->s3_path_style : false;
	s->part_size = cfg && cfg->s3_part_size ? cfg->s3_part_size : 16u << 20;
	s->bucket = pp_strndup(root, blen);
	s->prefix = pp_strdup(slash ? slash + 1 : "");
	s->region = pp_strdup(region);
	s->access_key = pp_strdup(ak);
	s->secret_key = pp_strdup(sk);
	s->token = dup_or_null(first_set(NULL, "AWS_SESSION_TOKEN", NULL, NULL));
	if (!endpoint)
		buf_printf(&b, "https://s3.%s.amazonaws.com", region);
	else
		buf_puts(&b, endpoint);
	while (b.len && b.data[b.len - 1] == '/')
		b.data[--b.len] = 0;
	hostpart = strstr(b.data, "://") + 3;
	if (s->path_style) {
		s->host = pp_strdup(hostpart);
		s->base = buf_detach(&b, NULL);
	} else { /* bucket.host */
		struct buf base = BUF_INIT;
		buf_printf(&base, "%.*s%s.%s", (int)(hostpart - b.data), b.data, s->bucket, hostpart);
		s->host = pp_strdup(strstr(base.data, "://") + 3);
		s->base = buf_detach(&base, NULL);
	}
	buf_release(&b);
	while (s->prefix && *s->prefix && s->prefix[strlen(s->prefix) - 1] == '/')
		s->prefix[strlen(s->prefix) - 1] = 0;
	if (!s->bucket || !s->prefix || !s->region || !s->access_key || !s->secret_key || !s->host ||
	    !s->base || (getenv("AWS_SESSION_TOKEN") && !s->token)) {
		s3_close(fs);
		return PP_ENOMEM;
	}
	return 0;
}
