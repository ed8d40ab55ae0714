/*
 * bench_live - event-to-feature freshness: events posted one at a time to a running
 * `ppredict serve` (a fresh lake, keep-alive HTTP); after each answer the session's row is
 * read from the online store until it counts the event. Printed: event sent -> visible
 * online (p50/p99; goal p99 <= 5 ms, the journal's fsync included), answer -> visible,
 * and the server's own time applying an event (from /metrics), on LMDB and on Redis.
 */
#include "bench.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "features/online_store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define EVENTS 3000
#define PER_SESSION 20

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	buf_append(b, p, size * n);
	return size * n;
}

/* The server's mean time applying an event, from its /metrics, in us. */
static double apply_mean_us(CURL *h, const char *url)
{
	struct buf b = BUF_INIT;
	char u[400];
	double sum = 0, count = 0;
	const char *p;

	snprintf(u, sizeof(u), "%s/metrics", url);
	curl_easy_setopt(h, CURLOPT_URL, u);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(h) == CURLE_OK && buf_putc(&b, 0) == 0) {
		if ((p = strstr(b.data, "ppredict_live_features_seconds_sum ")))
			sum = strtod(p + 35, NULL);
		if ((p = strstr(b.data, "ppredict_live_features_seconds_count ")))
			count = strtod(p + 37, NULL);
	}
	buf_release(&b);
	return count ? sum / count * 1e6 : 0;
}

static void run(const char *pp, const char *dir, const char *name, const char *set1, const char *set2,
		struct online_store *store)
{
	static double sent[EVENTS], answered[EVENTS];
	char url[300], u[400], body[400], sid[32];
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf resp = BUF_INIT;
	int64_t base = time_now_ms() - 3600000;
	struct online_row row;
	CURL *h = curl_easy_init();
	pid_t pid = bench_serve_start(pp, dir, (const char *[]){ set2, set1, NULL }, url, sizeof(url));

	if (!pid || !h) {
		printf("%-44s (the server did not start)\n", name);
		return;
	}
	snprintf(u, sizeof(u), "%s/v1/events", url);
	for (int i = 0; i < EVENTS; i++) {
		long code = 0;
		int n = snprintf(body, sizeof(body),
				 "{\"event_id\":\"%s-%d\",\"ts\":%" PRId64 ",\"visitor_id\":\"bv%d\","
				 "\"session_id\":\"bs%d\",\"event\":\"view\",\"item_id\":\"bi%d\",\"price\":9.5}",
				 name, i, base + i * 10, i / PER_SESSION, i / PER_SESSION, i % 100);
		snprintf(sid, sizeof(sid), "bs%d", i / PER_SESSION);
		struct online_key k = { "session_activity", span_of(sid) };
		buf_reset(&resp);
		curl_easy_setopt(h, CURLOPT_URL, u);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)n);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
		double t0 = bench_now();
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200) {
			printf("%-44s (event %d: HTTP %ld)\n", name, i, code);
			break;
		}
		double t1 = bench_now();
		for (;;) { /* until the row counts this event */
			if (store->ops->get(store, &k, base + i * 10, &row) == 0 &&
			    row.v[0] >= (double)(i % PER_SESSION + 1))
				break;
			if (bench_now() - t1 > 5) {
				printf("%-44s (event %d never became visible)\n", name, i);
				goto out;
			}
		}
		double t2 = bench_now();
		sent[i] = (t2 - t0) * 1e3;
		answered[i] = (t2 - t1) * 1e3;
	}
	double s50 = bench_quantile(sent, EVENTS, 0.5), s99 = bench_quantile(sent, EVENTS, 0.99);
	double a99 = bench_quantile(answered, EVENTS, 0.99);
	printf("%-44s p50 %5.2f ms, p99 %5.2f ms  goal p99 <= 5 ms: %s\n", name, s50, s99,
	       s99 <= 5 ? "met" : "NOT MET");
	printf("%-44s answer -> visible p99 %.3f ms; the server applies an event in %.0f us (mean)\n", "",
	       a99, apply_mean_us(h, url));
out:
	buf_release(&resp);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	bench_serve_stop(pid);
}

int main(void)
{
	const char *pp = getenv("PPREDICT_BIN");
	const char *dir = bench_tmpdir();
	struct online_store *store = NULL;
	char cmd[5000], path[600], url[64], set[128];
	int port;
	pid_t redis;

	static char abs_pp[4096];
	if (!pp)
		pp = "build/ppredict";
	if (realpath(pp, abs_pp)) /* the server runs in the lake's directory */
		pp = abs_pp;
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' init . >/dev/null", dir, pp);
	if (system(cmd)) {
		fprintf(stderr, "bench_live: %s init failed\n", pp);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	printf("%d events posted one by one, %d per session, each read back from the store\n", EVENTS,
	       PER_SESSION);
	/* the server creates the LMDB store; the bench opens it beside it */
	snprintf(path, sizeof(path), "%s/lake/_meta/online.lmdb", dir);
	if (online_store_lmdb_open(&store, path)) {
		fprintf(stderr, "bench_live: %s\n", pp_errmsg());
		return 1;
	}
	run(pp, dir, "event sent -> visible online, LMDB", NULL, "features.live=true", store);
	online_store_close(store);
	if ((redis = bench_redis_start(url, sizeof(url), &port))) {
		snprintf(set, sizeof(set), "online_store.redis_url=%s", url);
		if (!online_store_redis_open(&store, url)) {
			run(pp, dir, "event sent -> visible online, Redis", "online_store.backend=redis", set, store);
			online_store_close(store);
		}
		bench_redis_stop(redis);
	} else {
		printf("%-44s (redis-server did not start)\n", "Redis");
	}
	curl_global_cleanup();
	bench_cleanup();
	return 0;
}
