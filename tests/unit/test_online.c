/* The online stores: the same checks on LMDB and on a real Redis server started here. */
#include "core/err.h"
#include "core/timeutil.h"
#include "features/live.h"
#include "features/materialize.h"
#include "features/online_store.h"
#include "unit/test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct online_key key(const char *view, const char *entity)
{
	return (struct online_key){ view, span_of(entity) };
}

static struct online_row row3(double a, double b, double c, int64_t ts, int64_t expires)
{
	struct online_row r = { .n = 3, .ts = ts, .expires = expires };

	r.v[0] = a;
	r.v[1] = b;
	r.v[2] = c;
	return r;
}

/* Runs child(p, ctx) in two processes at once (its exit status is theirs) and checks
 * both exited 0. */
static void in_two_processes(int (*child)(int p, void *ctx), void *ctx)
{
	pid_t kids[2];

	for (int p = 0; p < 2; p++) {
		if ((kids[p] = fork()) == 0)
			_exit(child(p, ctx));
		CHECK(kids[p] > 0);
	}
	for (int p = 0; p < 2; p++) {
		int status;
		CHECK(waitpid(kids[p], &status, 0) == kids[p]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

struct adds_ctx {
	struct online_store *(*reopen)(void);
	const struct online_key *k;
};

static int add_200(int p, void *vctx)
{
	struct adds_ctx *c = vctx;
	struct online_store *s = c->reopen();
	struct online_change add = { 0, ONLINE_ADD, 1 };

	(void)p;
	for (int i = 0; s && i < 200; i++)
		if (s->ops->update(s, c->k, 1, &add, 1, 1000 + i, 0))
			return 1;
	online_store_close(s);
	return s ? 0 : 1;
}

/* Two processes add into one row at once: no increment is lost. */
static void concurrent_adds(struct online_store *(*reopen)(void), const struct online_key *k)
{
	struct adds_ctx c = { reopen, k };

	in_two_processes(add_200, &c);
}

/* ---- transactions ---- */

struct txn_case {
	const struct online_key *k;
	int64_t now;
	int runs;
	struct online_store *other; /* writes the key between the first run's read and commit */
	char seen[32];
	bool found;
};

/* Reads blob k, writes it back with "run N" and a row beside it. */
static int txn_write(struct online_txn *t, void *vctx)
{
	struct txn_case *c = vctx;
	const struct online_store_ops *ops = t->store->ops;
	struct span blob = { "", 0 };
	struct online_row row = row3(c->runs, 0, 0, c->now, 0);
	struct online_key rk = key("blob_side", "row");
	char text[32];
	int rc, n;

	if ((rc = ops->txn_get(t, c->k, 1, c->now, &blob, &c->found)))
		return rc;
	snprintf(c->seen, sizeof(c->seen), "%.*s", c->found ? (int)blob.len : 0, blob.p);
	if (c->runs++ == 0 && c->other) {
		struct online_txn *o;
		CHECK_INT(c->other->ops->txn_begin(c->other, &o), 0);
		CHECK_INT(o->store->ops->txn_put_blob(o, c->k, span_of("from the other"), c->now, 0), 0);
		CHECK_INT(o->store->ops->txn_commit(o), 0);
	}
	n = snprintf(text, sizeof(text), "run %d", c->runs);
	if ((rc = ops->txn_put_blob(t, c->k, (struct span){ text, (size_t)n }, c->now, c->now + 60000)))
		return rc;
	return ops->txn_put_row(t, &rk, &row);
}

static void transactions(struct online_store *s, struct online_store *(*reopen)(void))
{
	int64_t now = time_now_ms();
	struct online_key k = key("@blob", "b1"), rk = key("blob_side", "row");
	struct txn_case c = { .k = &k, .now = now };
	struct online_row got;

	CHECK_INT(online_store_transact(s, txn_write, &c), 0);
	CHECK(!c.found && c.runs == 1);
	c.runs = 0;
	CHECK_INT(online_store_transact(s, txn_write, &c), 0);
	CHECK(c.found && !strcmp(c.seen, "run 1"));
	CHECK_INT(s->ops->get(s, &rk, now, &got), 0); /* the row written beside it */
	CHECK(got.n == 3 && got.v[0] == 0);
	CHECK_INT(s->ops->get(s, &k, now, &got), PP_ENOENT); /* a blob is no row ... */
	struct txn_case r = { .k = &rk, .now = now };
	CHECK_INT(online_store_transact(s, txn_write, &r), 0);
	CHECK(!r.found); /* ... and a row no blob */
	/* expired: absent */
	c.runs = 0;
	c.now = now + 60001;
	CHECK_INT(online_store_transact(s, txn_write, &c), 0);
	CHECK(!c.found);
	/* another writer between read and commit: Redis runs it again on what that wrote
	 * (LMDB's writers take turns: the other would wait for this one) */
	if (!strcmp(s->ops->name, "redis")) {
		c.runs = 0;
		c.now = now;
		CHECK((c.other = reopen()) != NULL);
		CHECK_INT(online_store_transact(s, txn_write, &c), 0);
		CHECK_INT(c.runs, 2);
		CHECK(c.found && !strcmp(c.seen, "from the other"));
		online_store_close(c.other);
	}
}

struct live_ctx {
	struct online_store *(*reopen)(void);
	const struct feature_registry *r;
	int64_t base;
};

/* 150 views of one session, half on each of two items, through the live path: process 0
 * one by one, process 1 in batches of 7. */
static int apply_150(int p, void *vctx)
{
	struct live_ctx *c = vctx;
	struct online_store *ps = c->reopen();
	struct live_features *l;
	struct event ev[150];

	if (!ps || live_open(&l, c->r, ps, 30 * MS_PER_MIN))
		return 1;
	for (int i = 0; i < 150; i++) {
		event_clear(&ev[i]);
		ev[i].ts = c->base + i * 1000 + p;
		ev[i].visitor_id = span_of("vshared");
		ev[i].session_id = span_of("sshared");
		ev[i].item_id = span_of(i % 2 ? "i1" : "i2");
		ev[i].type = EV_VIEW;
		ev[i].price = 10;
	}
	for (int i = 0, m; i < 150; i += m) {
		m = p == 0 ? 1 : 150 - i < 7 ? 150 - i : 7;
		if (live_apply_batch(l, &ev[i], (size_t)m, NULL, NULL)) {
			fprintf(stderr, "process %d, event %d: %s\n", p, i, pp_errmsg());
			return 2;
		}
	}
	live_close(l);
	online_store_close(ps);
	return 0;
}

/* Two processes apply events of one session at once through the live path: every event
 * counts. */
static void concurrent_live(struct online_store *s, struct online_store *(*reopen)(void))
{
	struct feature_registry r;
	double *vec;
	int64_t base = 1433160000000LL; /* noon UTC */

	CHECK_INT(registry_default(&r), 0);
	struct live_ctx c = { reopen, &r, base };
	in_two_processes(apply_150, &c);
	CHECK((vec = calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	CHECK_INT(online_vector(s, &r, (struct span[]){ span_of("sshared"), span_of("vshared"), span_of("i1"), span_of("") },
				base + 150000, vec), 0);
	int checked = 0;
	for (size_t f = 0; f < r.nfeatures; f++) {
		double want = !strcmp(r.names[f], "s_events") || !strcmp(r.names[f], "v_events") ? 300
			      : !strcmp(r.names[f], "s_items") ? 2 : !strcmp(r.names[f], "i_views") ? 150 : -1;
		if (want < 0)
			continue;
		if (vec[f] != want)
			test_fail(__FILE__, __LINE__, "%s is %g after two writers, not %g", r.names[f], vec[f], want);
		checked++;
	}
	CHECK_INT(checked, 4);
	free(vec);
	registry_release(&r);
}

static void exercise(struct online_store *s, struct online_store *(*reopen)(void))
{
	int64_t now = time_now_ms();
	struct online_key k[4] = { key("session_activity", "s1"), key("session_activity", "s2"),
				   key("visitor_history", "s1"), key("visitor_history", "nobody") };
	struct online_row rows[3] = { row3(1, NAN, 2.5, now, 0), row3(-0.125, 1e300, 3, now, now + 3600000),
				      row3(7, 8, 9, now - 5, 0) }, got[4];
	struct online_change ch[4] = { { 0, ONLINE_ADD, 1 }, { 1, ONLINE_MAX, 5 }, { 2, ONLINE_MIN, 3 },
				       { 3, ONLINE_SET, 7 } };
	bool found[4];
	uint64_t deleted;

	CHECK_INT(s->ops->get(s, &k[0], now, &got[0]), PP_ENOENT);
	CHECK_INT(s->ops->put(s, k, rows, 3), 0);
	CHECK_INT(s->ops->get(s, &k[1], now, &got[0]), 0);
	CHECK_INT(got[0].n, 3);
	CHECK(got[0].v[0] == -0.125 && got[0].v[1] == 1e300 && got[0].v[2] == 3);
	CHECK_INT(got[0].ts, now);
	CHECK_INT(got[0].expires, now + 3600000);
	/* several rows at once; a missing value stays missing */
	CHECK_INT(s->ops->multi_get(s, k, 4, now, got, found), 0);
	CHECK(found[0] && found[1] && found[2] && !found[3]);
	CHECK(got[0].v[0] == 1 && isnan(got[0].v[1]) && got[0].v[2] == 2.5);
	CHECK(got[2].v[2] == 9 && got[2].ts == now - 5);
	/* a row past its expiry is absent */
	rows[0].expires = now - 1;
	CHECK_INT(s->ops->put(s, &k[0], &rows[0], 1), 0);
	CHECK_INT(s->ops->get(s, &k[0], now, &got[0]), PP_ENOENT);
	CHECK_INT(s->ops->get(s, &k[1], now + 3600000, &got[0]), PP_ENOENT); /* by the reader's clock too */
	/* updates create, add, keep extremes, set, and unset with NaN */
	CHECK_INT(s->ops->update(s, &k[3], 4, ch, 4, now, 0), 0);
	CHECK_INT(s->ops->get(s, &k[3], now, &got[0]), 0);
	CHECK(got[0].n == 4 && got[0].v[0] == 1 && got[0].v[1] == 5 && got[0].v[2] == 3 && got[0].v[3] == 7);
	ch[0].v = 2;
	ch[1].v = 4;
	ch[2].v = 1;
	ch[3].v = NAN;
	CHECK_INT(s->ops->update(s, &k[3], 4, ch, 4, now + 1, 0), 0);
	CHECK_INT(s->ops->get(s, &k[3], now, &got[0]), 0);
	CHECK(got[0].v[0] == 3 && got[0].v[1] == 5 && got[0].v[2] == 1 && isnan(got[0].v[3]));
	CHECK_INT(got[0].ts, now + 1);
	/* a row of another length starts again */
	CHECK_INT(s->ops->update(s, &k[3], 2, ch, 1, now + 2, 0), 0);
	CHECK_INT(s->ops->get(s, &k[3], now, &got[0]), 0);
	CHECK(got[0].n == 2 && got[0].v[0] == 2 && isnan(got[0].v[1]));
	CHECK_INT(s->ops->update(s, &k[3], 2, &(struct online_change){ 5, ONLINE_ADD, 1 }, 1, now, 0),
		  PP_EINVAL);
	/* bad keys */
	struct online_key empty = { "v", { "", 0 } };
	CHECK_INT(s->ops->get(s, &empty, now, &got[0]), PP_EINVAL);
	/* several processes, one row */
	struct online_key shared = key("session_activity", "shared");
	concurrent_adds(reopen, &shared);
	CHECK_INT(s->ops->get(s, &shared, now, &got[0]), 0);
	CHECK(got[0].v[0] == 400);
	/* expire deletes what has expired (Redis has done it already) */
	CHECK_INT(s->ops->expire(s, now + 7200000, &deleted), 0);
	CHECK_INT(s->ops->multi_get(s, k, 3, now, got, found), 0);
	CHECK(found[2]);
	if (!strcmp(s->ops->name, "lmdb"))
		CHECK_INT(deleted, 2); /* k[0] (expired) and k[1] (by then) */
	transactions(s, reopen);
	concurrent_live(s, reopen);
}

static char lmdb_path[512];

static struct online_store *reopen_lmdb(void)
{
	struct online_store *s;

	return online_store_lmdb_open(&s, lmdb_path) ? NULL : s;
}

TEST(online_store_lmdb)
{
	struct online_store *s;

	snprintf(lmdb_path, sizeof(lmdb_path), "%s/online.lmdb", test_tmpdir());
	CHECK_INT(online_store_lmdb_open(&s, lmdb_path), 0);
	exercise(s, reopen_lmdb);
	online_store_close(s);
	/* the rows outlive the process that wrote them */
	CHECK_INT(online_store_lmdb_open(&s, lmdb_path), 0);
	struct online_row r;
	struct online_key k = key("visitor_history", "s1");
	CHECK_INT(s->ops->get(s, &k, time_now_ms(), &r), 0);
	online_store_close(s);
}

/* A shop's events for the live path: 12 visitors over two days, a third of them with
 * their session ids (the rest get theirs from the gap rule), items and categories drawn;
 * events `bad` and the one after get a visitor id too long for any store's key. */
static void live_stream(struct event *ev, size_t n, size_t bad, char (*text)[4][40], char *longid)
{
	uint64_t x = 12345;
	int64_t ts = 1433160000000LL;

	memset(longid, 'v', 700);
	longid[700] = '\0';
	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned v = (unsigned)(x >> 33) % 12, item = (unsigned)(x >> 40) % 30;
		ts += (int64_t)((x >> 20) % 7 == 0 ? 40 * MS_PER_MIN : (x >> 24) % 90000); /* now and then a gap */
		snprintf(text[i][0], 40, "v%u", v);
		snprintf(text[i][1], 40, "v%u-s%" PRId64, v, (int64_t)(ts / (6 * MS_PER_HOUR)));
		snprintf(text[i][2], 40, "i%u", item);
		snprintf(text[i][3], 40, "c%u", item % 4);
		event_clear(&ev[i]);
		ev[i].ts = ts;
		ev[i].visitor_id = span_of(i == bad || i == bad + 1 ? longid : text[i][0]);
		if (v % 3 == 0)
			ev[i].session_id = span_of(text[i][1]);
		ev[i].item_id = span_of(text[i][2]);
		ev[i].category_id = span_of(text[i][3]);
		ev[i].type = (x >> 50) % 5 == 0 ? EV_ADDTOCART : (x >> 50) % 17 == 0 ? EV_TRANSACTION : EV_VIEW;
		ev[i].price = (double)((x >> 8) % 10000) / 100;
	}
}

/* The same events through the live path one by one into one store and in batches of
 * 1 to 17 into another: the same sessions, the same two failures (a bad event costs only
 * itself; the batch says what the first said) and, for every event's entities, the same
 * vector bit for bit. */
TEST(live_batches_match_one_by_one)
{
	enum { N = 400, BAD = 123 };
	static struct event ev[N];
	static char text[N][4][40], one[N][LIVE_SESSION_MAX], many[N][LIVE_SESSION_MAX], longid[701], why[512];
	int status[N], rc_one[N], failed = 0;
	struct online_store *a, *b;
	struct live_features *la, *lb;
	struct feature_registry r;
	struct live_stats st;
	char path[600];
	double *va, *vb;

	live_stream(ev, N, BAD, text, longid);
	CHECK_INT(registry_default(&r), 0);
	snprintf(path, sizeof(path), "%s/one.lmdb", test_tmpdir());
	CHECK_INT(online_store_lmdb_open(&a, path), 0);
	snprintf(path, sizeof(path), "%s/batches.lmdb", test_tmpdir());
	CHECK_INT(online_store_lmdb_open(&b, path), 0);
	CHECK_INT(live_open(&la, &r, a, 30 * MS_PER_MIN), 0);
	CHECK_INT(live_open(&lb, &r, b, 30 * MS_PER_MIN), 0);
	for (size_t i = 0; i < N; i++) {
		rc_one[i] = live_apply_session(la, &ev[i], one[i], LIVE_SESSION_MAX);
		if (rc_one[i] && !why[0])
			snprintf(why, sizeof(why), "%s", pp_errmsg());
		pp_error_clear();
	}
	CHECK(why[0]);
	for (size_t i = 0, size = 1; i < N; i += size, size = size % 17 + 1) {
		size_t m = N - i < size ? N - i : size;
		if (live_apply_batch(lb, &ev[i], m, &many[i], &status[i])) {
			CHECK(i <= BAD && BAD + 1 < i + m); /* only the batch with the bad events fails, */
			CHECK_STR(pp_errmsg(), why);    /* and says what the event's own failure says */
		}
		pp_error_clear();
	}
	live_get_stats(lb, &st);
	CHECK_INT(st.events, N);
	CHECK_INT(st.failed, 2);
	CHECK((va = calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	CHECK((vb = calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	for (size_t i = 0; i < N; i++) {
		CHECK_INT(status[i] != 0, rc_one[i] != 0);
		CHECK_STR(many[i], one[i]);
		if (rc_one[i]) {
			failed++;
			continue;
		}
		const struct span keys[ENT__COUNT] = { span_of(one[i]), ev[i].visitor_id, ev[i].item_id,
						       ev[i].category_id };
		CHECK_INT(online_vector(a, &r, keys, ev[N - 1].ts, va), 0);
		CHECK_INT(online_vector(b, &r, keys, ev[N - 1].ts, vb), 0);
		if (memcmp(va, vb, registry_vector_size(&r) * sizeof(double)))
			test_fail(__FILE__, __LINE__, "event %zu: the vectors differ", i);
	}
	CHECK_INT(failed, 2);
	CHECK(rc_one[BAD] != 0 && rc_one[BAD + 1] != 0);
	free(va);
	free(vb);
	live_close(la);
	live_close(lb);
	online_store_close(a);
	online_store_close(b);
	registry_release(&r);
}

/* ---- a Redis server of our own ---- */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t start_redis(int port)
{
	char p[16];
	pid_t pid;

	snprintf(p, sizeof(p), "%d", port);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY); /* its log is not ours to print */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "",
		       "--appendonly", "no", "--dir", test_tmpdir(), "--loglevel", "warning", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	return pid;
}

static void stop_redis(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static char redis_url[64];

static struct online_store *open_redis_waiting(void)
{
	struct online_store *s = NULL;

	for (int i = 0; i < 200 && online_store_redis_open(&s, redis_url); i++)
		usleep(20000); /* the server is starting */
	return s;
}

TEST(online_store_redis)
{
	int port = free_port();
	pid_t pid = start_redis(port);
	struct online_store *s;
	struct online_row r = row3(1, 2, 3, 10, 0);
	struct online_key k = key("session_activity", "after");

	snprintf(redis_url, sizeof(redis_url), "redis://127.0.0.1:%d/2", port);
	CHECK((s = open_redis_waiting()) != NULL);
	exercise(s, open_redis_waiting);
	/* the server goes away: calls fail at once with a clear error, then recover */
	stop_redis(pid);
	CHECK_INT(s->ops->get(s, &k, time_now_ms(), &r), PP_EIO);
	CHECK_CONTAINS(pp_errmsg(), "redis 127.0.0.1:");
	CHECK_INT(s->ops->put(s, &k, &r, 1), PP_EIO);
	pid = start_redis(port);
	int rc = PP_EIO;
	for (int i = 0; i < 200 && rc; i++) {
		rc = s->ops->put(s, &k, &r, 1);
		if (rc)
			usleep(20000);
	}
	CHECK_INT(rc, 0);
	CHECK_INT(s->ops->get(s, &k, time_now_ms(), &r), 0);
	CHECK(r.v[2] == 3);
	online_store_close(s);
	stop_redis(pid);
	/* a wrong address is reported when opening */
	CHECK_INT(online_store_redis_open(&s, "redis://127.0.0.1:1/0"), PP_EIO);
	CHECK_CONTAINS(pp_errmsg(), "redis 127.0.0.1:1/0: cannot connect");
	CHECK_INT(online_store_redis_open(&s, "http://x"), PP_ECONFIG);
	CHECK_INT(online_store_redis_open(&s, "redis://host:99999/0"), PP_ECONFIG);
}
