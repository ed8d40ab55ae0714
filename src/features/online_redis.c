/* The Redis online store: a row is the string `ppredict:<view>:<entity>` holding its bytes
 * (times, length, the doubles; one SET or GET each, pipelined). A read checks the row's
 * expiry against the reader's time (the data's clock); Redis drops the key itself once
 * its TTL (expiry minus the row's time) has passed on its own clock, as cleanup. Updates run as one Lua script, atomic on the server, so several collectors can
 * count into one session. A lost connection is retried once per call and reported; it
 * never takes the caller down. */
#include "features/online_store.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>

#define KEY_PREFIX "ppredict:"
#define TIMEOUT_MS 500 /* connect and per command: a dead server fails fast */
#define MAX_ARGS (2 * ONLINE_MAX_VALUES + 16)

/* A row's bytes: ts and expiry (int64), n (uint32), n doubles, little-endian. The update
 * script reads and writes the same form with Lua's struct library. */
#define ROW_HEADER 20
#define BLOB_N UINT32_MAX /* n of a blob: its bytes follow the header */

static const char update_script[] =
	"local key, n, ts, exp = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	"local v, blob = {}, redis.call('GET', key)\n"
	"local ok = false\n"
	"if blob and #blob == 20 + 8 * n then\n"
	"  local _, _, bn = struct.unpack('<i8i8I4', blob)\n"
	"  if bn == n then\n"
	"    ok = true\n"
	"    for i = 1, n do v[i] = struct.unpack('<d', blob, 21 + (i - 1) * 8) end\n"
	"  end\n"
	"end\n"
	"if not ok then for i = 1, n do v[i] = 0/0 end end\n"
	"for i = 4, #ARGV, 3 do\n"
	"  local slot, op, x = tonumber(ARGV[i]) + 1, ARGV[i + 1], tonumber(ARGV[i + 2])\n"
	"  if x == nil then x = 0/0 end\n"
	"  local cur = v[slot]\n"
	"  if op == 's' or cur ~= cur then v[slot] = x\n"
	"  elseif op == 'a' then v[slot] = cur + x\n"
	"  elseif op == 'x' then if x > cur then v[slot] = x end\n"
	"  elseif op == 'm' then if x < cur then v[slot] = x end end\n"
	"end\n"
	"local parts = { struct.pack('<i8i8I4', ts, exp, n) }\n"
	"for i = 1, n do parts[i + 1] = struct.pack('<d', v[i]) end\n"
	"if exp > 0 then redis.call('SET', key, table.concat(parts), 'PX', math.max(1, exp - ts))\n"
	"else redis.call('SET', key, table.concat(parts)) end\n"
	"return 1\n";

struct redis_store {
	struct online_store base;
	pthread_mutex_t mu; /* one connection, one caller at a time */
	redisContext *c;
	char host[256], password[256];
	int port, db;
	char sha[41]; /* of the update script, once loaded */
};

/* A command's arguments, built in one buffer. */
struct args {
	struct buf text;
	size_t off[MAX_ARGS], len[MAX_ARGS];
	const char *argv[MAX_ARGS];
	int argc;
};

static void args_reset(struct args *a)
{
	buf_reset(&a->text);
	a->argc = 0;
}

static int arg(struct args *a, const char *p, size_t n)
{
	if (a->argc >= MAX_ARGS)
		return PP_ELIMIT;
	a->off[a->argc] = a->text.len;
	a->len[a->argc++] = n;
	return buf_append(&a->text, p, n);
}

static int argf(struct args *a, const char *fmt, ...) PP_PRINTF(2, 3);

static int argf(struct args *a, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return arg(a, tmp, (size_t)n);
}

static const char **argv_of(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		a->argv[i] = a->text.data + a->off[i];
	return a->argv;
}

static int key_arg(struct args *a, const struct online_key *k)
{
	size_t at = a->text.len;
	int rc;

	if (!k->entity.len)
		return pp_error(PP_EINVAL, "online store: an empty entity key for %s", k->view);
	if (a->argc >= MAX_ARGS)
		return PP_ELIMIT;
	if ((rc = buf_puts(&a->text, KEY_PREFIX)) || (rc = buf_puts(&a->text, k->view)) ||
	    (rc = buf_putc(&a->text, ':')) || (rc = buf_append(&a->text, k->entity.p, k->entity.len)))
		return rc;
	a->off[a->argc] = at;
	a->len[a->argc++] = a->text.len - at;
	return 0;
}

static int lost(struct redis_store *s, const char *what)
{
	int rc = pp_error(PP_EIO, "%s: %s: %s", s->base.where, what,
			  s->c && s->c->errstr[0] ? s->c->errstr : "no connection");
	if (s->c) {
		redisFree(s->c);
		s->c = NULL;
	}
	return rc;
}

/* One command and its reply (the caller frees it); NULL with the error recorded. */
static redisReply *command(struct redis_store *s, struct args *a)
{
	redisReply *r = redisCommandArgv(s->c, a->argc, argv_of(a), a->len);

	if (!r)
		lost(s, "the connection failed");
	return r;
}

static int connect_now(struct redis_store *s)
{
	struct timeval tv = { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
	struct args a = { .text = BUF_INIT };
	redisReply *r;
	int rc = 0;

	if (s->c)
		return 0;
	s->c = redisConnectWithTimeout(s->host, s->port, tv);
	if (!s->c || s->c->err)
		return lost(s, "cannot connect");
	redisSetTimeout(s->c, tv);
	if (s->password[0]) {
		arg(&a, "AUTH", 4);
		arg(&a, s->password, strlen(s->password));
		if (!(r = command(s, &a)))
			rc = PP_EIO;
		else if (r->type == REDIS_REPLY_ERROR)
			rc = pp_error(PP_ECONFIG, "%s: AUTH: %s", s->base.where, r->str);
		if (r)
			freeReplyObject(r);
	}
	if (!rc && s->db) {
		args_reset(&a);
		arg(&a, "SELECT", 6);
		argf(&a, "%d", s->db);
		if (!(r = command(s, &a)))
			rc = PP_EIO;
		else if (r->type == REDIS_REPLY_ERROR)
			rc = pp_error(PP_ECONFIG, "%s: SELECT %d: %s", s->base.where, s->db, r->str);
		if (r)
			freeReplyObject(r);
	}
	if (!rc) {
		args_reset(&a);
		arg(&a, "SCRIPT", 6);
		arg(&a, "LOAD", 4);
		arg(&a, update_script, sizeof(update_script) - 1);
		if (!(r = command(s, &a)))
			rc = PP_EIO;
		else if (r->type != REDIS_REPLY_STRING || r->len != 40)
			rc = pp_error(PP_EIO, "%s: SCRIPT LOAD: %s", s->base.where,
				      r->type == REDIS_REPLY_ERROR ? r->str : "an unexpected reply");
		else
			memcpy(s->sha, r->str, 41);
		if (r)
			freeReplyObject(r);
	}
	buf_release(&a.text);
	if (rc && s->c) {
		redisFree(s->c);
		s->c = NULL;
	}
	return rc;
}

static void put_le64(char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char)(v >> (8 * i));
}

static uint64_t get_le64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)(unsigned char)p[i] << (8 * i);
	return v;
}

/* A stored header: the time, the expiry and n (BLOB_N for a blob), little-endian. */
static void put_head(char *head, int64_t ts, int64_t expires, uint32_t n)
{
	put_le64(head, (uint64_t)ts);
	put_le64(head + 8, (uint64_t)expires);
	for (int b = 0; b < 4; b++)
		head[16 + b] = (char)(n >> (8 * b));
}

static uint32_t head_n(const char *head)
{
	uint32_t n = 0;

	for (int b = 0; b < 4; b++)
		n |= (uint32_t)(unsigned char)head[16 + b] << (8 * b);
	return n;
}

/* PX for a value expiring at `expires` (0: never): Redis's clock is not the data's, so
 * the TTL counts from now. */
static int ttl_args(struct args *a, int64_t ts, int64_t expires)
{
	if (!expires)
		return 0;
	arg(a, "PX", 2);
	return argf(a, "%" PRId64, expires > ts ? expires - ts : 1);
}

/* A GET reply as a row. */
static bool row_of(const redisReply *r, int64_t now_ms, struct online_row *out)
{
	uint32_t n;

	if (!r || r->type != REDIS_REPLY_STRING || r->len < ROW_HEADER)
		return false;
	n = head_n(r->str);
	if (n > ONLINE_MAX_VALUES || r->len != ROW_HEADER + 8 * (size_t)n)
		return false;
	out->ts = (int64_t)get_le64(r->str);
	out->expires = (int64_t)get_le64(r->str + 8);
	out->n = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t bits = get_le64(r->str + ROW_HEADER + 8 * i);
		memcpy(&out->v[i], &bits, sizeof(double));
	}
	return !(out->expires && out->expires <= now_ms);
}

/*
 * The commands build(i) for i < n in one round trip, each reply to on_reply(i) (an error
 * reply is an error). A lost connection is retried once when the commands are idempotent,
 * or when nothing was sent yet: an update whose reply was lost may have run, and is
 * reported rather than run twice.
 */
typedef int (*build_fn)(struct args *a, size_t i, const void *ctx);
typedef void (*reply_fn)(const redisReply *r, size_t i, void *ctx);

static int pipeline(struct redis_store *s, size_t n, build_fn build, const void *ctx,
		    reply_fn on_reply, void *rctx, bool idempotent)
{
	struct args a = { .text = BUF_INIT };
	int rc = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		size_t sent = 0;
		if ((rc = connect_now(s)))
			continue;
		for (size_t i = 0; i < n && !rc; i++, sent++) {
			args_reset(&a);
			if (!(rc = build(&a, i, ctx)) &&
			    redisAppendCommandArgv(s->c, a.argc, argv_of(&a), a.len) != REDIS_OK)
				rc = lost(s, "sending");
		}
		for (size_t i = 0; i < sent && !rc; i++) {
			redisReply *r = NULL;
			if (redisGetReply(s->c, (void **)&r) != REDIS_OK) {
				rc = lost(s, "reading a reply");
				break;
			}
			if (r->type == REDIS_REPLY_ERROR)
				rc = pp_error(PP_EIO, "%s: %s", s->base.where, r->str);
			else if (on_reply)
				on_reply(r, i, rctx);
			freeReplyObject(r);
		}
		if (rc != PP_EIO || s->c || (!idempotent && sent))
			break;
	}
	buf_release(&a.text);
	return rc;
}

struct get_ctx {
	const struct online_key *k;
	int64_t now_ms;
	struct online_row *out;
	bool *found;
};

static int build_get(struct args *a, size_t i, const void *vctx)
{
	const struct get_ctx *g = vctx;

	arg(a, "GET", 3);
	return key_arg(a, &g->k[i]);
}

static void got_row(const redisReply *r, size_t i, void *vctx)
{
	struct get_ctx *g = vctx;

	g->found[i] = row_of(r, g->now_ms, &g->out[i]);
}

static int rd_multi_get(struct online_store *base, const struct online_key *k, size_t n,
			int64_t now_ms, struct online_row *out, bool *found)
{
	struct redis_store *s = (struct redis_store *)base;
	struct get_ctx g = { k, now_ms, out, found };
	int rc;

	for (size_t i = 0; i < n; i++)
		found[i] = false;
	pthread_mutex_lock(&s->mu);
	rc = pipeline(s, n, build_get, &g, got_row, &g, true);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

struct put_ctx {
	const struct online_key *k;
	const struct online_row *rows;
};

/* Row i as one SET of its bytes, with its expiry. */
static int build_put(struct args *a, size_t i, const void *vctx)
{
	const struct put_ctx *ctx = vctx;
	const struct online_row *r = &ctx->rows[i];
	char head[ROW_HEADER];
	int rc;

	if (r->n > ONLINE_MAX_VALUES)
		return pp_error(PP_ELIMIT, "online store: %zu values in a row", r->n);
	arg(a, "SET", 3);
	if ((rc = key_arg(a, &ctx->k[i])))
		return rc;
	put_head(head, r->ts, r->expires, (uint32_t)r->n);
	if (a->argc >= MAX_ARGS)
		return PP_ELIMIT;
	a->off[a->argc] = a->text.len;
	if ((rc = buf_append(&a->text, head, ROW_HEADER)))
		return rc;
	for (size_t j = 0; j < r->n && !rc; j++) {
		char d[8];
		uint64_t bits;
		memcpy(&bits, &r->v[j], sizeof(bits));
		put_le64(d, bits);
		rc = buf_append(&a->text, d, 8);
	}
	a->len[a->argc] = a->text.len - a->off[a->argc];
	a->argc++;
	return rc ? rc : ttl_args(a, r->ts, r->expires);
}

static int rd_put(struct online_store *base, const struct online_key *k, const struct online_row *rows,
		  size_t n)
{
	struct redis_store *s = (struct redis_store *)base;
	struct put_ctx ctx = { k, rows };
	int rc;

	pthread_mutex_lock(&s->mu);
	rc = pipeline(s, n, build_put, &ctx, NULL, NULL, true);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

struct update_ctx {
	const struct online_key *k;
	size_t nvalues;
	const struct online_change *c;
	size_t nc;
	int64_t ts, expires;
	const char *sha;
};

static int build_update(struct args *a, size_t i, const void *vctx)
{
	const struct update_ctx *u = vctx;
	static const char ops[] = { 's', 'a', 'x', 'm' };
	int rc;

	(void)i;
	if (u->nc > (MAX_ARGS - 10) / 3)
		return pp_error(PP_ELIMIT, "online store: %zu changes in one update", u->nc);
	arg(a, "EVALSHA", 7);
	arg(a, u->sha, 40);
	arg(a, "1", 1);
	if ((rc = key_arg(a, u->k)))
		return rc;
	argf(a, "%zu", u->nvalues);
	argf(a, "%" PRId64, u->ts);
	argf(a, "%" PRId64, u->expires);
	for (size_t j = 0; j < u->nc && !rc; j++) {
		if (u->c[j].slot >= u->nvalues)
			return pp_error(PP_EINVAL, "online store: slot %u of a row of %zu", u->c[j].slot,
					u->nvalues);
		argf(a, "%u", u->c[j].slot);
		arg(a, &ops[u->c[j].op], 1);
		rc = isnan(u->c[j].v) ? arg(a, "nan", 3) : argf(a, "%.17g", u->c[j].v);
	}
	return rc;
}

static int rd_update(struct online_store *base, const struct online_key *k, size_t nvalues,
		     const struct online_change *c, size_t nc, int64_t ts, int64_t expires)
{
	struct redis_store *s = (struct redis_store *)base;
	struct update_ctx u = { k, nvalues, c, nc, ts, expires, s->sha };
	int rc;

	if (nvalues > ONLINE_MAX_VALUES)
		return pp_error(PP_ELIMIT, "online store: %zu values in a row", nvalues);
	pthread_mutex_lock(&s->mu);
	/* an update adds: not retried once sent (see pipeline) */
	rc = pipeline(s, 1, build_update, &u, NULL, NULL, false);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* ---- transactions: WATCH, then MULTI/EXEC ---- */

struct redis_txn {
	struct online_txn base;
	struct args a;
	redisReply **replies; /* GETs: the blobs point into them */
	size_t nreplies, capreplies;
	struct buf writes; /* the commands of the commit, formatted */
	size_t nwrites;
	bool watched;
};

static int rd_txn_begin(struct online_store *base, struct online_txn **out)
{
	struct redis_store *s = (struct redis_store *)base;
	struct redis_txn *t;
	int rc;

	*out = NULL;
	if (!(t = pp_calloc(1, sizeof(*t))))
		return PP_ENOMEM;
	pthread_mutex_lock(&s->mu); /* held until the transaction ends */
	if ((rc = connect_now(s))) {
		pthread_mutex_unlock(&s->mu);
		pp_free(t);
		return rc;
	}
	t->base.store = base;
	t->a.text = (struct buf)BUF_INIT;
	*out = &t->base;
	return 0;
}

static void rd_txn_end(struct redis_txn *t)
{
	struct redis_store *s = (struct redis_store *)t->base.store;

	for (size_t i = 0; i < t->nreplies; i++)
		freeReplyObject(t->replies[i]);
	pp_free(t->replies);
	buf_release(&t->writes);
	buf_release(&t->a.text);
	pthread_mutex_unlock(&s->mu);
	pp_free(t);
}

static void rd_txn_abort(struct online_txn *base)
{
	struct redis_txn *t = (struct redis_txn *)base;
	struct redis_store *s = (struct redis_store *)base->store;

	if (t->watched && s->c) { /* the connection is reused: no WATCH may linger */
		redisReply *r = redisCommand(s->c, "UNWATCH");
		if (r)
			freeReplyObject(r);
		else
			lost(s, "UNWATCH");
	}
	rd_txn_end(t);
}

static int rd_txn_get(struct online_txn *base, const struct online_key *k, size_t n, int64_t now_ms,
		      struct span *blob, bool *found)
{
	struct redis_txn *t = (struct redis_txn *)base;
	struct redis_store *s = (struct redis_store *)base->store;
	int rc;

	if (!n)
		return 0;
	if (!s->c)
		return lost(s, "the connection was lost");
	while (t->capreplies < t->nreplies + n + 1) /* WATCH's and a GET's per key */
		if (pp_array_grow(&t->replies, t->capreplies, &t->capreplies, sizeof(*t->replies), 16))
			return PP_ENOMEM;
	args_reset(&t->a);
	arg(&t->a, "WATCH", 5);
	for (size_t i = 0; i < n; i++)
		if ((rc = key_arg(&t->a, &k[i])))
			return rc;
	if (redisAppendCommandArgv(s->c, t->a.argc, argv_of(&t->a), t->a.len) != REDIS_OK)
		return lost(s, "sending");
	for (size_t i = 0; i < n; i++) {
		args_reset(&t->a);
		arg(&t->a, "GET", 3);
		key_arg(&t->a, &k[i]);
		if (redisAppendCommandArgv(s->c, t->a.argc, argv_of(&t->a), t->a.len) != REDIS_OK)
			return lost(s, "sending");
	}
	t->watched = true;
	for (size_t i = 0; i <= n; i++) {
		redisReply *r = NULL;
		if (redisGetReply(s->c, (void **)&r) != REDIS_OK)
			return lost(s, "reading a reply");
		t->replies[t->nreplies++] = r;
		if (r->type == REDIS_REPLY_ERROR)
			return pp_error(PP_EIO, "%s: %s", s->base.where, r->str);
		if (!i)
			continue; /* WATCH's OK */
		found[i - 1] = false;
		if (r->type != REDIS_REPLY_STRING || r->len < ROW_HEADER || head_n(r->str) != BLOB_N)
			continue;
		int64_t expires = (int64_t)get_le64(r->str + 8);
		if (expires && expires <= now_ms)
			continue;
		blob[i - 1] = (struct span){ r->str + ROW_HEADER, r->len - ROW_HEADER };
		found[i - 1] = true;
	}
	return 0;
}

/* Formats the command in t->a onto the commit's list. */
static int queue_write(struct redis_txn *t)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, t->a.argc, argv_of(&t->a), t->a.len);
	int rc;

	if (len < 0)
		return PP_ENOMEM;
	rc = buf_append(&t->writes, cmd, (size_t)len);
	redisFreeCommand(cmd);
	t->nwrites++;
	return rc;
}

static int rd_txn_put_blob(struct online_txn *base, const struct online_key *k, struct span blob,
			   int64_t ts, int64_t expires)
{
	struct redis_txn *t = (struct redis_txn *)base;
	char head[ROW_HEADER];
	int rc;

	args_reset(&t->a);
	arg(&t->a, "SET", 3);
	if ((rc = key_arg(&t->a, k)))
		return rc;
	put_head(head, ts, expires, BLOB_N);
	if (t->a.argc >= MAX_ARGS)
		return PP_ELIMIT;
	t->a.off[t->a.argc] = t->a.text.len;
	t->a.len[t->a.argc++] = ROW_HEADER + blob.len;
	if ((rc = buf_append(&t->a.text, head, ROW_HEADER)) ||
	    (rc = buf_append(&t->a.text, blob.p, blob.len)) || (rc = ttl_args(&t->a, ts, expires)))
		return rc;
	return queue_write(t);
}

static int rd_txn_put_row(struct online_txn *base, const struct online_key *k, const struct online_row *row)
{
	struct redis_txn *t = (struct redis_txn *)base;
	struct put_ctx ctx = { k, row };
	int rc;

	args_reset(&t->a);
	if ((rc = build_put(&t->a, 0, &ctx)))
		return rc;
	return queue_write(t);
}

static int rd_txn_commit(struct online_txn *base)
{
	struct redis_txn *t = (struct redis_txn *)base;
	struct redis_store *s = (struct redis_store *)base->store;
	redisReply *r = NULL;
	int rc = 0;

	if (!t->nwrites) {
		rd_txn_abort(base);
		return 0;
	}
	if (!s->c) {
		rc = lost(s, "the connection was lost");
		goto out;
	}
	if (redisAppendCommand(s->c, "MULTI") != REDIS_OK ||
	    redisAppendFormattedCommand(s->c, t->writes.data, t->writes.len) != REDIS_OK ||
	    redisAppendCommand(s->c, "EXEC") != REDIS_OK) {
		rc = lost(s, "sending a transaction (it may or may not have been applied)");
		goto out;
	}
	for (size_t i = 0; i < t->nwrites + 2; i++) { /* OK, QUEUED per write, EXEC's */
		if (redisGetReply(s->c, (void **)&r) != REDIS_OK) {
			rc = lost(s, "reading a transaction's reply (it may or may not have been applied)");
			goto out;
		}
		if (r->type == REDIS_REPLY_ERROR && !rc)
			rc = pp_error(PP_EIO, "%s: %s", s->base.where, r->str);
		else if (i == t->nwrites + 1 && !rc && r->type == REDIS_REPLY_NIL)
			rc = PP_ECONFLICT; /* a key WATCHed changed: nothing was written */
		freeReplyObject(r);
	}
out:
	rd_txn_end(t);
	return rc;
}

static int rd_expire(struct online_store *base, int64_t now_ms, uint64_t *deleted)
{
	(void)base, (void)now_ms;
	*deleted = 0; /* Redis expires rows itself */
	return 0;
}

static void rd_close(struct online_store *base)
{
	struct redis_store *s = (struct redis_store *)base;

	if (s->c)
		redisFree(s->c);
	pthread_mutex_destroy(&s->mu);
	pp_free(s->base.where);
	pp_free(s);
}

static const struct online_store_ops redis_ops = {
	.name = "redis",
	.txn_reads_own_writes = false,
	.get = online_store_get_one,
	.multi_get = rd_multi_get,
	.put = rd_put,
	.update = rd_update,
	.txn_begin = rd_txn_begin,
	.txn_get = rd_txn_get,
	.txn_put_blob = rd_txn_put_blob,
	.txn_put_row = rd_txn_put_row,
	.txn_commit = rd_txn_commit,
	.txn_abort = rd_txn_abort,
	.expire = rd_expire,
	.close = rd_close,
};

/* redis://[:password@]host[:port][/db] */
static int parse_url(struct redis_store *s, const char *url)
{
	const char *p = url + 8, *at, *slash, *colon, *host;
	size_t hlen;

	if (strncmp(url, "redis://", 8))
		return pp_error(PP_ECONFIG, "online_store.redis_url: expected redis://host:port/db, got '%s'",
				url);
	s->port = 6379;
	if ((at = strchr(p, '@'))) {
		const char *pw = memchr(p, ':', (size_t)(at - p));
		pw = pw ? pw + 1 : p;
		snprintf(s->password, sizeof(s->password), "%.*s", (int)(at - pw), pw);
		p = at + 1;
	}
	host = p;
	slash = strchr(p, '/');
	colon = memchr(p, ':', slash ? (size_t)(slash - p) : strlen(p));
	hlen = (size_t)((colon ? colon : slash ? slash : p + strlen(p)) - host);
	if (!hlen || hlen >= sizeof(s->host))
		return pp_error(PP_ECONFIG, "online_store.redis_url: no host in '%s'", url);
	memcpy(s->host, host, hlen);
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (port <= 0 || port > 65535 || (end != (slash ? slash : colon + 1 + strlen(colon + 1))))
			return pp_error(PP_ECONFIG, "online_store.redis_url: bad port in '%s'", url);
		s->port = (int)port;
	}
	if (slash && slash[1]) {
		char *end;
		long db = strtol(slash + 1, &end, 10);
		if (*end || db < 0 || db > 1000000)
			return pp_error(PP_ECONFIG, "online_store.redis_url: bad database number in '%s'", url);
		s->db = (int)db;
	}
	return 0;
}

int online_store_redis_open(struct online_store **out, const char *url)
{
	struct redis_store *s = pp_calloc(1, sizeof(*s));
	char where[300];
	int rc;

	*out = NULL;
	if (!s)
		return PP_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	s->base.ops = &redis_ops;
	if ((rc = parse_url(s, url))) {
		rd_close(&s->base);
		return rc;
	}
	snprintf(where, sizeof(where), "redis %s:%d/%d", s->host, s->port, s->db);
	if (!(s->base.where = pp_strdup(where))) {
		rd_close(&s->base);
		return PP_ENOMEM;
	}
	/* connected now to report a wrong address at once; later losses reconnect */
	if ((rc = connect_now(s))) {
		rd_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
