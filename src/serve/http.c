/*
 * http.c - libmicrohttpd glue: the request life cycle (headers, checks, body, handler,
 * suspension while the journal syncs, response), keys and scopes, body decoding, and the
 * completion hook that feeds metrics and the access log.
 */
#include "serve/http.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "ingest/collector.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

int http_error(struct http_request *req, int status, const char *code, const char *field,
	       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_reset(&req->out);
	req->status = status;
	req->content_type = "application/json";
	if (buf_puts(&req->out, "{\"error\":{\"code\":\"") || buf_puts(&req->out, code) ||
	    buf_puts(&req->out, "\",\"message\":") || buf_put_json_str(&req->out, msg, strlen(msg)) ||
	    buf_puts(&req->out, ",\"field\":"))
		return HTTP_DONE;
	if (field)
		buf_put_json_str(&req->out, field, strlen(field));
	else
		buf_puts(&req->out, "null");
	buf_puts(&req->out, "}}\n");
	return HTTP_DONE;
}

const char *http_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Whether url fits a route's path: a {name} segment of the path takes any one non-empty
 * segment of the url (copied into param, which must hold it). */
static bool path_fits(const char *path, const char *url, char *param, size_t n)
{
	while (*path && *url) {
		if (*path == '{') {
			size_t len = strcspn(url, "/");
			const char *close = strchr(path, '}');
			if (!close || !len || len >= n)
				return false;
			memcpy(param, url, len);
			param[len] = 0;
			url += len;
			path = close + 1;
			continue;
		}
		if (*path++ != *url++)
			return false;
	}
	return !*path && !*url;
}

static void respond(struct http_request *req)
{
	struct MHD_Response *r;

	if (req->responded)
		return;
	req->responded = true;
	r = MHD_create_response_from_buffer(req->out.len, req->out.data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return;
	MHD_add_response_header(r, "Content-Type",
				req->content_type ? req->content_type : "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (req->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"ppredict\"");
	if (req->status == 405) {
		char allow[128] = "";
		size_t i;
		for (i = 0; i < nroutes; i++) {
			char param[sizeof(req->param)];
			if (!path_fits(routes[i].path, req->url, param, sizeof(param)))
				continue;
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
				 allow[0] ? ", " : "", routes[i].method);
		}
		MHD_add_response_header(r, "Allow", allow);
	}
	MHD_queue_response(req->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);
}

/* Finds the route; sets 404 or 405 when none fits. Returns true when one does. */
static bool match_route(struct http_request *req)
{
	bool path_known = false;
	size_t i;

	for (i = 0; i < nroutes; i++) {
		if (!path_fits(routes[i].path, req->url, req->param, sizeof(req->param)))
			continue;
		path_known = true;
		if (!strcmp(routes[i].method, req->method)) {
			req->route = i;
			return true;
		}
	}
	req->route = nroutes;
	if (path_known)
		http_error(req, 405, "method_not_allowed", NULL, "%s is not allowed on %s",
			   req->method, req->url);
	else
		http_error(req, 404, "not_found", NULL, "no route %s %s (see /openapi.json)",
			   req->method, req->url);
	return false;
}

int http_json(struct http_request *req, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (!text)
		return http_error(req, 500, "internal", NULL, "out of memory");
	buf_puts(&req->out, text);
	buf_putc(&req->out, '\n');
	free(text); /* jansson's */
	return HTTP_DONE;
}

static bool authorize(struct http_request *req)
{
	const struct config *cfg = req->srv->cfg;
	const struct route *r = &routes[req->route];
	const char *auth;
	uint8_t digest[32];
	size_t i;

	if (!cfg->nkeys) {
		req->scopes = SCOPE_INGEST | SCOPE_PREDICT | SCOPE_ADMIN; /* loopback only */
		return true;
	}
	auth = http_header(req, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7)) {
		sha256(auth + 7, strlen(auth + 7), digest);
		for (i = 0; i < cfg->nkeys; i++) {
			if (sha256_equal(digest, cfg->keys[i].sha256)) {
				req->scopes = cfg->keys[i].scopes;
				req->key_name = cfg->keys[i].name;
				break;
			}
		}
	}
	if (!r->scope)
		return true;
	if (!req->key_name) {
		http_error(req, 401, "unauthorized", NULL,
			   auth ? "the API key is not valid" : "an API key is required "
			   "(Authorization: Bearer KEY)");
		return false;
	}
	if (!(req->scopes & r->scope)) {
		http_error(req, 403, "forbidden", NULL, "key '%s' lacks the %s scope", req->key_name,
			   r->scope == SCOPE_INGEST ? "ingest" : r->scope == SCOPE_PREDICT ? "predict" : "admin");
		return false;
	}
	return true;
}

static bool type_allowed(const char *types, const char *ct)
{
	size_t n = strcspn(ct, "; ");
	const char *p = types;

	while (*p) {
		size_t k = strcspn(p, " ");
		if (k == n && !strncasecmp(p, ct, n))
			return true;
		p += k;
		while (*p == ' ')
			p++;
	}
	return false;
}

/* Header checks before any body byte is read. */
static bool check_body_headers(struct http_request *req)
{
	const struct config *cfg = req->srv->cfg;
	const char *len = http_header(req, "Content-Length");
	const char *te = http_header(req, "Transfer-Encoding");
	const char *ct = http_header(req, "Content-Type");
	const char *ce = http_header(req, "Content-Encoding");

	if (!len && !(te && strcasestr(te, "chunked"))) {
		http_error(req, 411, "length_required", NULL,
			   "a body needs Content-Length (or chunked transfer encoding)");
		return false;
	}
	if (len && strtoull(len, NULL, 10) > cfg->max_body) {
		http_error(req, 413, "body_too_large", NULL, "the body is %s bytes; the limit is %" PRIu64,
			   len, cfg->max_body);
		return false;
	}
	if (!ct) {
		http_error(req, 415, "unsupported_media_type", NULL, "Content-Type is required (%s)",
			   routes[req->route].body_types);
		return false;
	}
	if (!type_allowed(routes[req->route].body_types, ct)) {
		http_error(req, 415, "unsupported_media_type", NULL, "Content-Type %s is not one of: %s",
			   ct, routes[req->route].body_types);
		return false;
	}
	if (ce && strcasecmp(ce, "identity") && strcasecmp(ce, "gzip") && strcasecmp(ce, "zstd")) {
		http_error(req, 415, "unsupported_media_type", NULL,
			   "Content-Encoding %s is not supported (gzip, zstd, identity)", ce);
		return false;
	}
	return true;
}

static int inflate_gzip(struct http_request *req, struct buf *out, size_t max)
{
	z_stream z;
	int zr = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return PP_ENOMEM;
	z.next_in = (unsigned char *)req->body.data;
	z.avail_in = (unsigned)req->body.len;
	while (zr != Z_STREAM_END) {
		if (buf_grow(out, 65536)) {
			inflateEnd(&z);
			return PP_ELIMIT;
		}
		z.next_out = (unsigned char *)out->data + out->len;
		z.avail_out = (unsigned)(out->cap - out->len - 1);
		zr = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t)((char *)z.next_out - out->data);
		if (out->len > max) {
			inflateEnd(&z);
			return PP_ELIMIT;
		}
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			return PP_EPARSE;
		}
		if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			inflateEnd(&z);
			return PP_EPARSE; /* truncated */
		}
	}
	inflateEnd(&z);
	buf_terminate(out);
	return 0;
}

static int decompress_zstd(struct http_request *req, struct buf *out, size_t max)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { req->body.data, req->body.len, 0 };
	size_t r = 1;
	int rc = 0;

	if (!d)
		return PP_ENOMEM;
	while (in.pos < in.size || r != 0) {
		ZSTD_outBuffer o;
		size_t before = in.pos;
		if (buf_grow(out, 65536)) {
			rc = PP_ELIMIT;
			break;
		}
		o.dst = out->data + out->len;
		o.size = out->cap - out->len - 1;
		o.pos = 0;
		r = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(r)) {
			rc = PP_EPARSE;
			break;
		}
		out->len += o.pos;
		if (out->len > max) {
			rc = PP_ELIMIT;
			break;
		}
		if (in.pos == in.size && o.pos == 0 && in.pos == before) {
			if (r != 0)
				rc = PP_EPARSE; /* truncated frame */
			break;
		}
	}
	ZSTD_freeDCtx(d);
	buf_terminate(out);
	return rc;
}

/* Replaces req->body with its decoded form per Content-Encoding. */
static bool decode_body(struct http_request *req)
{
	const char *ce = http_header(req, "Content-Encoding");
	size_t max = req->srv->cfg->max_body;
	struct buf out = BUF_INIT;
	int rc;

	if (!ce || !strcasecmp(ce, "identity"))
		return true;
	rc = !strcasecmp(ce, "gzip") ? inflate_gzip(req, &out, max) : decompress_zstd(req, &out, max);
	if (rc) {
		buf_release(&out);
		if (rc == PP_ELIMIT)
			http_error(req, 413, "body_too_large", NULL, "the decoded body passes the limit of "
				   "%zu bytes", max);
		else
			http_error(req, 400, "bad_encoding", NULL, "the body is not valid %s", ce);
		return false;
	}
	buf_release(&req->body);
	req->body = out;
	return true;
}

static void on_durable(void *arg, int status)
{
	struct http_request *req = arg;

	req->wait_status = status;
	req->resumed = true;
	MHD_resume_connection(req->conn);
}

static void run_handler(struct http_request *req)
{
	int rc = routes[req->route].handler(req);

	if (rc == HTTP_SUSPEND) {
		req->suspended = true;
		MHD_suspend_connection(req->conn);
		if (collector_notify(req->srv->collector, req->wait_ticket, on_durable, req))
			on_durable(req, PP_ENOMEM);
		return;
	}
	respond(req);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct server *s = cls;
	struct http_request *req = *con_cls;

	(void)version;
	if (!req) {
		req = pp_calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->srv = s;
		req->conn = conn;
		req->method = method;
		req->start_ns = time_mono_ns();
		snprintf(req->url, sizeof(req->url), "%s", url);
		buf_init(&req->body, s->cfg->max_body);
		buf_init(&req->out, 0);
		req->status = 200;
		*con_cls = req;
		__atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
		if (!match_route(req) || !authorize(req)) {
			respond(req);
			return MHD_YES;
		}
		if (__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST) && routes[req->route].body) {
			http_error(req, 503, "shutting_down", NULL, "the server is shutting down");
			respond(req);
			return MHD_YES;
		}
		if (!routes[req->route].body)
			return MHD_YES; /* answered on the next call, once the request is whole: a
					 * response queued before that closes the connection */
		if (!check_body_headers(req))
			respond(req);
		return MHD_YES;
	}
	if (req->responded) { /* an early error: the rest of the body is read and dropped */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		req->body_bytes += n;
		/*
		 * A body that trickles in, or a chunked one past the limit, is cut off: the
		 * connection is closed at once (libmicrohttpd would only send an answer after
		 * the whole body, which is what such a client never delivers).
		 */
		if ((int64_t)((time_mono_ns() - req->start_ns) / 1000000) > s->cfg->body_timeout_ms) {
			req->status = 408;
			req->responded = true;
			return MHD_NO;
		}
		if (buf_append(&req->body, upload_data, n)) {
			req->status = 413;
			req->responded = true;
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (req->suspended) { /* resumed after the journal's fsync */
		run_handler(req);
		return MHD_YES;
	}
	if (!routes[req->route].body) {
		run_handler(req);
		return MHD_YES;
	}
	metrics_add(&s->metrics.bytes_in, req->body_bytes);
	if (decode_body(req))
		run_handler(req);
	else
		respond(req);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct http_request *req = *con_cls;
	uint64_t ns;

	(void)conn;
	if (!req)
		return;
	ns = time_mono_ns() - req->start_ns;
	if (!req->responded)
		req->status = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 499;
	metrics_request(&s->metrics, req->route < nroutes ? req->route : METRICS_MAX_ROUTES,
			req->status, ns);
	if (s->cfg->access_log)
		log_info("%s %s %d %zu %.3fms%s%s", req->method, req->url, req->status, req->out.len,
			 (double)ns / 1e6, req->key_name ? " key=" : "",
			 req->key_name ? req->key_name : "");
	if (req->state_free)
		req->state_free(req->state);
	buf_release(&req->body);
	buf_release(&req->out);
	pp_free(req);
	*con_cls = NULL;
	__atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
}

PP_PRINTF(2, 0) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

int http_server_start(struct server *s)
{
	const struct config *cfg = s->cfg;
	char host[256], port[16];
	const char *colon = cfg->listen[0] == '[' ? strstr(cfg->listen, "]:") : strrchr(cfg->listen, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
	unsigned threads = cfg->server_threads > 0 ? (unsigned)cfg->server_threads
						   : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	int gai;

	if (!colon)
		return pp_error(PP_ECONFIG, "server.listen: expected host:port, got '%s'", cfg->listen);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - cfg->listen - (cfg->listen[0] == '[' ? 1 : 0)),
		 cfg->listen + (cfg->listen[0] == '['));
	snprintf(port, sizeof(port), "%s", colon + (cfg->listen[0] == '[' ? 2 : 1));
	if ((gai = getaddrinfo(host, port, &hints, &ai)))
		return pp_error(PP_ECONFIG, "server.listen: cannot resolve %s: %s", host, gai_strerror(gai));
	if (!is_loopback(ai->ai_addr) && !cfg->nkeys) {
		freeaddrinfo(ai);
		return pp_error(PP_ECONFIG, "server.listen is %s, beyond loopback: configure "
				"server.keys first (requests would be open to anyone)", cfg->listen);
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (threads < 1)
		threads = 1;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s,
				  MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				  MHD_OPTION_THREAD_POOL_SIZE, threads,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)((cfg->idle_timeout_ms + 999) / 1000),
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
				  MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!s->mhd)
		return pp_error(PP_EIO, "cannot listen on %s (in use, or not an address of this "
				"machine?)", cfg->listen);
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	snprintf(s->url, sizeof(s->url), "http://%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", s->port);
	return 0;
}

void http_server_stop(struct server *s, int64_t grace_ms)
{
	uint64_t deadline = time_mono_ns() + (uint64_t)grace_ms * 1000000u;
	MHD_socket fd;

	if (!s->mhd)
		return;
	__atomic_store_n(&s->draining, 1, __ATOMIC_SEQ_CST);
	fd = MHD_quiesce_daemon(s->mhd); /* no new connections */
	while (__atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST) > 0 && time_mono_ns() < deadline)
		usleep(5000);
	MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
	/* the listening socket is ours again, but its worker threads may still be taking it out
	 * of their epoll sets until the daemon has stopped: closed only now */
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}
