/*
 * bench_online - the online store: materializing 1M entity rows (17 values each, batches
 * of 1,000) and looking up one prediction's feature rows (session, visitor and item: three
 * rows in one multi_get), in LMDB (in-process) and in a Redis server started here
 * (loopback). Goals: 1M entities into Redis in under 10 s; lookups p99 <= 10 us (LMDB),
 * <= 250 us (Redis).
 */
#include "bench.h"
#include "core/err.h"
#include "core/numsort.h"
#include "core/rng.h"
#include "core/timeutil.h"
#include "features/online_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENTITIES 1000000
#define BATCH 1000
#define VALUES 17
#define LOOKUPS_LMDB 200000
#define LOOKUPS_REDIS 20000

static const char *const views[3] = { "session_activity", "visitor_history", "item_popularity" };

static void entity_name(char *out, size_t n, size_t i)
{
	snprintf(out, n, "%zu-1430611306117", 100000 + i);
}

/* Rows per second of materializing ENTITIES rows of one view. */
static double materialize(struct online_store *s, int view)
{
	static struct online_row rows[BATCH];
	static char names[BATCH][32];
	struct online_key keys[BATCH];
	int64_t now = time_now_ms();
	double t0 = bench_now();

	for (size_t at = 0; at < ENTITIES; at += BATCH) {
		for (size_t i = 0; i < BATCH; i++) {
			entity_name(names[i], sizeof(names[i]), at + i);
			keys[i] = (struct online_key){ views[view], span_of(names[i]) };
			rows[i].n = VALUES;
			rows[i].ts = now;
			rows[i].expires = now + 86400000;
			for (int v = 0; v < VALUES; v++)
				rows[i].v[v] = (double)(at + i) * 0.5 + v;
		}
		if (s->ops->put(s, keys, rows, BATCH)) {
			fprintf(stderr, "bench_online: %s\n", pp_errmsg());
			exit(1);
		}
	}
	return ENTITIES / (bench_now() - t0);
}

/* p50 and p99 of looking up three rows (one per view) for random entities, in us. */
static void lookups(struct online_store *s, int n, double *p50, double *p99)
{
	static struct online_row got[3];
	double *lat = malloc((size_t)n * sizeof(double));
	int64_t now = time_now_ms();
	struct rng r;
	bool found[3];

	rng_seed(&r, 5);
	for (int i = 0; i < n; i++) {
		char names[3][32];
		struct online_key k[3];
		for (int v = 0; v < 3; v++) {
			entity_name(names[v], sizeof(names[v]), (size_t)rng_below(&r, ENTITIES));
			k[v] = (struct online_key){ views[v], span_of(names[v]) };
		}
		double t0 = bench_now();
		if (s->ops->multi_get(s, k, 3, now, got, found) || !found[0] || !found[2]) {
			fprintf(stderr, "bench_online: lookup: %s\n", pp_errmsg());
			exit(1);
		}
		lat[i] = (bench_now() - t0) * 1e6;
	}
	sort_doubles(lat, (size_t)n);
	*p50 = lat[n / 2];
	*p99 = lat[(size_t)n * 99 / 100];
	free(lat);
}

/* The same lookup from Python (redis-py, as Feast's SDK reads Redis), when Debian's
 * python3-redis is there: its figures and the ratio. */
static void peer(int port, double p50, double p99)
{
	char cmd[256], line[128];
	double q50, q99;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 bench/online_python.py %d %d %d 2>/dev/null", port,
		 LOOKUPS_REDIS, ENTITIES);
	if (access("/usr/bin/python3", X_OK) || !(p = popen(cmd, "r"))) {
		printf("%-44s (no /usr/bin/python3)\n", "the same from Python");
		return;
	}
	if (fgets(line, sizeof(line), p) && sscanf(line, "%lf %lf", &q50, &q99) == 2)
		printf("%-44s p50 %6.1f us, p99 %6.1f us  Python / ppredict at p99: %.1fx\n",
		       "the same from Python (redis-py, Feast's way)", q50, q99, q99 / p99);
	else
		printf("%-44s (python3-redis not installed; `make bench` installs it)\n",
		       "the same from Python");
	(void)p50;
	pclose(p);
}

int main(void)
{
	struct online_store *s = NULL;
	char path[600], url[64];
	double rate, p50, p99;
	int port;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/online.lmdb", bench_tmpdir());
	if (online_store_lmdb_open(&s, path))
		return 1;
	for (int v = 0; v < 3; v++)
		rate = materialize(s, v);
	printf("%-44s %10.0f rows/s  (1M rows of %d values, batches of %d)\n", "materialize into LMDB",
	       rate, VALUES, BATCH);
	lookups(s, LOOKUPS_LMDB, &p50, &p99);
	printf("%-44s p50 %6.1f us, p99 %6.1f us  goal p99 <= 10 us: %s\n",
	       "lookup: 3 rows (session, visitor, item), LMDB", p50, p99, p99 <= 10 ? "met" : "NOT MET");
	online_store_close(s);

	if (!(pid = bench_redis_start(url, sizeof(url), &port))) {
		printf("%-44s (redis-server did not start)\n", "Redis");
		return 0;
	}
	s = NULL;
	if (online_store_redis_open(&s, url)) {
		printf("%-44s (%s)\n", "Redis", pp_errmsg());
		bench_redis_stop(pid);
		return 0;
	}
	double t0 = bench_now();
	for (int v = 0; v < 3; v++)
		materialize(s, v);
	double secs = (bench_now() - t0) / 3;
	printf("%-44s %10.0f rows/s  (1M entities in %.2f s; goal < 10 s: %s)\n",
	       "materialize into Redis (pipelined)", ENTITIES / secs, secs, secs < 10 ? "met" : "NOT MET");
	lookups(s, LOOKUPS_REDIS, &p50, &p99);
	printf("%-44s p50 %6.1f us, p99 %6.1f us  goal p99 <= 250 us: %s\n",
	       "lookup: 3 rows in one round trip, Redis", p50, p99, p99 <= 250 ? "met" : "NOT MET");
	peer(port, p50, p99);
	online_store_close(s);
	bench_redis_stop(pid);
	bench_cleanup();
	return 0;
}
