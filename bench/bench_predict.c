/*
 * bench_predict - POST /v1/predict by session id under load, on the same 2-core machine as
 * the load generator: requests/s and p50/p99 with the LMDB online store (goals >= 40,000
 * req/s, p99 <= 1 ms) and with Redis (goals >= 20,000 req/s, p99 <= 2 ms); and in the same
 * run the old stack's way, a FastAPI + XGBoost + Redis service (bench/peers), given the
 * same requests, as a ratio (goal: ours >= 50x its throughput).
 *
 * The lake: a simulated shop, its features, a model trained and promoted. The sessions
 * asked about are made live: their events posted to the server first, so the online store
 * holds their session, visitor, item and category rows. Each client is a keep-alive
 * connection sending the next request as soon as the last is answered.
 */
#include "bench.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SESSIONS 2000
#define CLIENTS 16
#define WARMUP_S 1.0
#define RUN_S 5.0
#define MAX_SAMPLES (1 << 21)

static char bodies[SESSIONS][256];
static size_t body_len[SESSIONS];

/* ---- a small HTTP/1.1 client: one keep-alive connection ---- */

static int connect_url(const char *url)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	const char *port = strrchr(url, ':');
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || !port)
		return -1;
	a.sin_port = htons((uint16_t)strtol(port + 1, NULL, 10));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request and its whole answer (into resp); the status, or -1. */
static int exchange(int fd, const char *method, const char *path, const char *ctype, const char *body, size_t len,
		    struct buf *resp)
{
	char head[512];
	int n = len ? snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
			       "Content-Length: %zu\r\n\r\n", method, path, ctype, len)
		    : snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	size_t have = 0, need = 0, head_end = 0;
	int status;

	if (write(fd, head, (size_t)n) != n || (len && write(fd, body, len) != (ssize_t)len))
		return -1;
	buf_reset(resp);
	for (;;) {
		if (resp->cap - resp->len < 65536 && buf_grow(resp, 65536))
			return -1;
		ssize_t r = read(fd, resp->data + resp->len, resp->cap - resp->len - 1);
		if (r <= 0)
			return -1;
		resp->len += (size_t)r;
		resp->data[resp->len] = 0;
		if (!head_end) {
			char *e = strstr(resp->data, "\r\n\r\n"), *cl;
			if (!e)
				continue;
			head_end = (size_t)(e - resp->data) + 4;
			cl = strcasestr(resp->data, "\r\ncontent-length:");
			need = cl && cl < e ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
		}
		have = resp->len - head_end;
		if (have >= need)
			break;
	}
	status = (int)strtol(resp->data + 9, NULL, 10);
	memmove(resp->data, resp->data + head_end, have);
	resp->len = have;
	resp->data[have] = 0;
	return status;
}

/* ---- the load ---- */

struct client {
	const char *url, *path;
	double *lat; /* ms */
	size_t n, errors;
	double start, warm_until, stop;
	unsigned seed;
};

static void *client_run(void *arg)
{
	struct client *c = arg;
	struct buf resp = BUF_INIT;
	int fd = connect_url(c->url);

	while (fd >= 0) {
		size_t i = (size_t)rand_r(&c->seed) % SESSIONS;
		double t0 = bench_now();
		if (t0 >= c->stop)
			break;
		int st = exchange(fd, "POST", c->path, "application/json", bodies[i], body_len[i], &resp);
		double t1 = bench_now();
		if (st < 0) { /* the connection broke: count it, reconnect */
			close(fd);
			fd = connect_url(c->url);
			c->errors++;
			continue;
		}
		if (t0 < c->warm_until)
			continue;
		if (st != 200)
			c->errors++;
		else if (c->n < MAX_SAMPLES / CLIENTS)
			c->lat[c->n++] = (t1 - t0) * 1e3;
	}
	if (fd >= 0)
		close(fd);
	buf_release(&resp);
	return NULL;
}

struct result {
	double rps, p50, p99;
	size_t errors;
};

static struct result load(const char *url, const char *path)
{
	static double lat[MAX_SAMPLES];
	struct client c[CLIENTS];
	pthread_t t[CLIENTS];
	struct result r = { 0 };
	double now = bench_now();
	size_t total = 0;

	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){ url, path, lat + (size_t)i * (MAX_SAMPLES / CLIENTS), 0, 0, now,
					now + WARMUP_S, now + WARMUP_S + RUN_S, (unsigned)i * 7919u + 1 };
		pthread_create(&t[i], NULL, client_run, &c[i]);
	}
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(t[i], NULL);
		r.errors += c[i].errors;
	}
	for (int i = 0; i < CLIENTS; i++) { /* side by side for the quantiles */
		memmove(lat + total, c[i].lat, c[i].n * sizeof(double));
		total += c[i].n;
	}
	r.rps = (double)total / RUN_S;
	r.p50 = total ? bench_quantile(lat, total, 0.5) : 0;
	r.p99 = total ? bench_quantile(lat, total, 0.99) : 0;
	return r;
}

static void print(const char *name, struct result r, double goal_rps, double goal_p99)
{
	printf("%-46s %8.0f req/s, p50 %6.3f ms, p99 %6.3f ms", name, r.rps, r.p50, r.p99);
	if (goal_rps > 0)
		printf("  goals >= %.0f req/s, p99 <= %g ms: %s", goal_rps, goal_p99,
		       r.rps >= goal_rps && r.p99 <= goal_p99 ? "met" : "NOT MET");
	if (r.errors)
		printf("  (%zu failed)", r.errors);
	putchar('\n');
}

/* ---- the setup ---- */

/* The sessions' events, posted (ids prefixed so that each server takes them anew). */
static int post_events(const char *url, const char *prefix)
{
	struct buf b = BUF_INIT, resp = BUF_INIT;
	int64_t base = time_now_ms() - 600000;
	int fd = connect_url(url), rc = 0;

	for (int s = 0; s < SESSIONS && fd >= 0 && !rc; s++) {
		for (int k = 0; k < 3; k++)
			buf_printf(&b, "{\"event_id\":\"%s-%d-%d\",\"ts\":%" PRId64 ",\"visitor_id\":\"bv%d\","
				   "\"session_id\":\"bs%d\",\"event\":\"%s\",\"item_id\":\"bi%d\",\"category_id\":\"bc%d\","
				   "\"price\":%d.5}\n", prefix, s, k, base + s * 100 + k * 20, s, s, k == 2 ? "addtocart" : "view",
				   (s * 7 + k) % 500, (s * 7 + k) % 40, 5 + s % 50);
		if ((s + 1) % 200 == 0 || s + 1 == SESSIONS) {
			rc = exchange(fd, "POST", "/v1/events", "application/x-ndjson", b.data, b.len, &resp) == 200 ? 0 : -1;
			buf_reset(&b);
		}
	}
	if (fd < 0)
		rc = -1;
	else
		close(fd);
	buf_release(&b);
	buf_release(&resp);
	return rc;
}

/* Each session's feature vector, as our server reads it, into the peer's Redis as a JSON
 * list in the model's order (the old stack's online store). */
static int load_peer(const char *url, const char *redis_host, int redis_port)
{
	redisContext *r = redisConnect(redis_host, redis_port);
	struct buf resp = BUF_INIT;
	int fd = connect_url(url), rc = 0;

	if (!r || r->err || fd < 0) {
		fprintf(stderr, "bench_predict: the peer's store: %s\n", r && r->err ? r->errstr : "no connection");
		rc = -1;
	}
	for (int s = 0; s < SESSIONS && !rc; s++) {
		char path[200];
		snprintf(path, sizeof(path), "/v1/features/online?session_id=bs%d&visitor_id=bv%d&item_id=bi%d&category_id=bc%d",
			 s, s, (s * 7 + 2) % 500, (s * 7 + 2) % 40);
		int st = exchange(fd, "GET", path, "application/json", "", 0, &resp);
		if (st != 200) {
			fprintf(stderr, "bench_predict: GET %s: %d %.*s\n", path, st, (int)resp.len, resp.data ? resp.data : "");
			rc = -1;
			break;
		}
		/* {"at":..,"store":..,"features":{"a":1,"b":null,...}}: the values in order */
		struct buf list = BUF_INIT;
		const char *p = strstr(resp.data, "\"features\":{");
		buf_putc(&list, '[');
		for (p = p ? p + 12 : NULL; p && *p && *p != '}';) {
			const char *colon = strchr(p, ':'), *end;
			if (!colon)
				break;
			end = colon + 1 + strcspn(colon + 1, ",}");
			if (list.len > 1)
				buf_putc(&list, ',');
			buf_append(&list, colon + 1, (size_t)(end - colon - 1));
			p = *end == ',' ? end + 1 : end;
		}
		buf_putc(&list, ']');
		redisReply *rep = redisCommand(r, "SET peer:bs%d %b", s, list.data, list.len);
		rc = rep && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
		if (rc)
			fprintf(stderr, "bench_predict: SET peer:bs%d: %s\n", s, rep ? rep->str : r->errstr);
		freeReplyObject(rep);
		buf_release(&list);
	}
	if (r)
		redisFree(r);
	if (fd >= 0)
		close(fd);
	buf_release(&resp);
	return rc;
}

static pid_t start_peer(const char *peers, const char *model, const char *redis_url, char *url, size_t n)
{
	static char port[16], env_model[1200], env_redis[200]; /* putenv keeps them */
	int p = bench_free_port();
	struct buf resp = BUF_INIT;
	pid_t pid;

	snprintf(port, sizeof(port), "%d", p);
	snprintf(env_model, sizeof(env_model), "PEER_MODEL=%s", model);
	snprintf(env_redis, sizeof(env_redis), "PEER_REDIS=%s", redis_url);
	putenv(env_model);
	putenv(env_redis);
	const char *argv[] = { "/usr/bin/python3", "-m", "uvicorn", "--app-dir", peers, "fastapi_predict:app", "--host", "127.0.0.1",
			       "--port", port, "--workers", "2", "--log-level", "warning", NULL };
	if (!(pid = bench_spawn(NULL, argv)))
		return 0;
	snprintf(url, n, "http://127.0.0.1:%d", p);
	for (int i = 0; i < 200; i++) { /* until it answers */
		int fd = connect_url(url);
		if (fd >= 0) {
			int st = exchange(fd, "GET", "/health", "application/json", "", 0, &resp);
			close(fd);
			if (st == 200) {
				buf_release(&resp);
				return pid;
			}
		}
		usleep(100000);
	}
	buf_release(&resp);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

static int setup_lake(const char *pp, const char *dir, char *model, size_t n)
{
	const char *steps[][8] = {
		{ pp, "init", ".", NULL },
		{ pp, "simulate", "--visitors", "30000", "--days", "14", "--seed", NULL },
		{ pp, "etl", "--no-warehouse", NULL },
		{ pp, "features", "build", NULL },
		{ pp, "train", "--set", "train.search_trials=0", NULL },
		{ pp, "models", "promote", "--force", NULL },
	};
	FILE *f;
	char cmd[800];

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		const char *argv[10];
		size_t k = 0;
		for (; steps[i][k]; k++)
			argv[k] = steps[i][k];
		if (i == 1)
			argv[k++] = "3";
		argv[k] = NULL;
		if (bench_run(dir, argv)) {
			fprintf(stderr, "bench_predict: %s %s failed\n", argv[1], argv[2] ? argv[2] : "");
			return -1;
		}
	}
	snprintf(cmd, sizeof(cmd), "ls -d '%s'/lake/models/*/model.json | tail -1", dir);
	if (!(f = popen(cmd, "r")) || !fgets(model, (int)n, f)) {
		if (f)
			pclose(f);
		return -1;
	}
	pclose(f);
	model[strcspn(model, "\n")] = 0;
	return 0;
}

int main(void)
{
	const char *pp = getenv("PPREDICT_BIN"), *dir = bench_tmpdir();
	static char abs_pp[4096], peers[4096], model[1024];
	char url[300], redis_url[100], set_backend[] = "online_store.backend=redis", set_url[160], peer_url[100];
	struct result lmdb = { 0 }, red = { 0 }, peer = { 0 };
	int port;
	pid_t srv, redis, py;

	signal(SIGPIPE, SIG_IGN);
	if (!pp)
		pp = "build/ppredict";
	if (!realpath(pp, abs_pp) || !realpath("bench/peers", peers)) {
		fprintf(stderr, "bench_predict: run from the repository (PPREDICT_BIN, bench/peers)\n");
		return 1;
	}
	if (setup_lake(abs_pp, dir, model, sizeof(model)))
		return 1;
	for (int s = 0; s < SESSIONS; s++)
		body_len[s] = (size_t)snprintf(bodies[s], sizeof(bodies[s]),
					       "{\"session_id\":\"bs%d\",\"visitor_id\":\"bv%d\",\"item_id\":\"bi%d\"}", s, s,
					       (s * 7 + 2) % 500);
	printf("%d sessions made live, %d keep-alive clients, %.0f s each after %.0f s of warm-up, "
	       "client and server on the same %ld cores\n", SESSIONS, CLIENTS, RUN_S, WARMUP_S, sysconf(_SC_NPROCESSORS_ONLN));

	/* LMDB */
	if ((srv = bench_serve_start(abs_pp, dir, (const char *[]){ "features.live=true", NULL }, url, sizeof(url))) &&
	    !post_events(url, "l")) {
		lmdb = load(url, "/v1/predict");
		print("POST /v1/predict by session id, LMDB", lmdb, 40000, 1);
	} else {
		printf("%-46s (the server did not start or take the events)\n", "LMDB");
	}
	bench_serve_stop(srv);

	/* Redis, then the peer on the same redis-server (another database) */
	if (!(redis = bench_redis_start(redis_url, sizeof(redis_url), &port))) {
		printf("%-46s (redis-server did not start)\n", "Redis");
		bench_cleanup();
		return 0;
	}
	snprintf(set_url, sizeof(set_url), "online_store.redis_url=%s", redis_url);
	if ((srv = bench_serve_start(abs_pp, dir, (const char *[]){ set_backend, set_url, NULL }, url, sizeof(url))) &&
	    !post_events(url, "r")) {
		red = load(url, "/v1/predict");
		print("POST /v1/predict by session id, Redis", red, 20000, 2);
		if (load_peer(url, "127.0.0.1", port))
			printf("%-46s (its store could not be filled)\n", "FastAPI + XGBoost + Redis");
	} else {
		printf("%-46s (the server did not start or take the events)\n", "Redis");
	}
	bench_serve_stop(srv);
	redis_url[strlen(redis_url) - 1] = '1'; /* database 1 */
	{
		redisContext *r = redisConnect("127.0.0.1", port); /* the peer's rows: database 0 -> 1 */
		if (r && !r->err) {
			for (int s = 0; s < SESSIONS; s++)
				freeReplyObject(redisCommand(r, "MOVE peer:bs%d 1", s));
			redisFree(r);
		}
	}
	if ((py = start_peer(peers, model, redis_url, peer_url, sizeof(peer_url)))) {
		peer = load(peer_url, "/predict");
		print("the old stack: FastAPI + XGBoost + Redis", peer, 0, 0);
		bench_serve_stop(py);
		if (peer.rps > 0)
			printf("%-46s %8.0fx its throughput (LMDB), %.0fx (Redis)  goal >= 50x: %s\n", "ours against it",
			       lmdb.rps / peer.rps, red.rps / peer.rps, lmdb.rps / peer.rps >= 50 ? "met" : "NOT MET");
	} else {
		printf("%-46s (did not start: python3-fastapi, python3-uvicorn, python3-xgboost, python3-redis?)\n",
		       "FastAPI + XGBoost + Redis");
	}
	bench_redis_stop(redis);
	bench_cleanup();
	return 0;
}
