/* Finding events: recent ones in memory, older ones in the lake (event_search.h). */
#include "serve/event_search.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/timeutil.h"
#include "lake/delta/delta_rows.h"

#include <math.h>
#include <pthread.h>

enum { F_VISITOR, F_SESSION, F_ITEM, F_CATEGORY, F_TRANSACTION, F_ID, F__COUNT };

/* One event, its texts in one allocation. */
struct held {
	int64_t ts;
	double price;
	uint8_t type;
	char *text;            /* F__COUNT strings, each NUL-terminated, in order */
	uint16_t off[F__COUNT];
};

struct event_search {
	pthread_mutex_t mu;
	struct held *ring;
	size_t cap, head, n; /* the oldest at head */
	int64_t keep_ms, newest;
};

int event_search_open(struct event_search **out, int64_t keep_ms, size_t max)
{
	struct event_search *es = pp_calloc(1, sizeof(*es));

	*out = es;
	if (!es || !(es->ring = pp_calloc(max ? max : 1, sizeof(*es->ring))))
		return PP_ENOMEM;
	pthread_mutex_init(&es->mu, NULL);
	es->cap = max ? max : 1;
	es->keep_ms = keep_ms;
	return 0;
}

void event_search_close(struct event_search *es)
{
	if (!es)
		return;
	for (size_t i = 0; es->ring && i < es->n; i++)
		pp_free(es->ring[(es->head + i) % es->cap].text);
	pp_free(es->ring);
	pthread_mutex_destroy(&es->mu);
	pp_free(es);
}

static const char *field(const struct held *h, int f)
{
	return h->text + h->off[f];
}

int event_search_add(struct event_search *es, const struct event *ev, const char *session)
{
	struct span f[F__COUNT] = { ev->visitor_id, session ? span_of(session) : ev->session_id, ev->item_id,
				    ev->category_id, ev->transaction_id, ev->event_id };
	size_t size = 0;
	struct held h = { ev->ts, ev->price, (uint8_t)ev->type, NULL, { 0 } };

	for (int i = 0; i < F__COUNT; i++)
		size += (f[i].len < 1024 ? f[i].len : 1023) + 1;
	if (!(h.text = pp_malloc(size)))
		return PP_ENOMEM;
	size = 0;
	for (int i = 0; i < F__COUNT; i++) {
		size_t len = f[i].len < 1024 ? f[i].len : 1023;
		h.off[i] = (uint16_t)size;
		if (len)
			memcpy(h.text + size, f[i].p, len);
		h.text[size + len] = 0;
		size += len + 1;
	}
	pthread_mutex_lock(&es->mu);
	if (ev->ts > es->newest)
		es->newest = ev->ts;
	/* the oldest go: past the memory's reach, or to make room */
	while (es->n && (es->n == es->cap || es->ring[es->head].ts < es->newest - es->keep_ms)) {
		pp_free(es->ring[es->head].text);
		es->head = (es->head + 1) % es->cap;
		es->n--;
	}
	es->ring[(es->head + es->n++) % es->cap] = h;
	pthread_mutex_unlock(&es->mu);
	return 0;
}

static bool same(const char *s, struct span want)
{
	return !want.len || (strlen(s) == want.len && !memcmp(s, want.p, want.len));
}

static int rank_of(enum event_type t)
{
	return t == EV_TRANSACTION ? 3 : t == EV_ADDTOCART ? 2 : t == EV_VIEW ? 1 : 0;
}

int event_search_session_items(struct event_search *es, struct span session, struct span visitor,
			       struct held_items *out)
{
	struct { size_t at; int64_t ts; } found[64]; /* positions in the ring, newest first */
	size_t nfound = 0, bought_at[64], nbought = 0;
	char latest[1024] = "";
	int64_t latest_ts = INT64_MIN;
	int rc = 0;

	out->n = out->nbought = 0;
	buf_reset(&out->text);
	pthread_mutex_lock(&es->mu);
	if (!session.len && visitor.len) /* the visitor's latest session */
		for (size_t i = 0; i < es->n; i++) {
			const struct held *h = &es->ring[(es->head + i) % es->cap];
			if (same(field(h, F_VISITOR), visitor) && h->ts >= latest_ts && *field(h, F_SESSION)) {
				latest_ts = h->ts;
				snprintf(latest, sizeof(latest), "%s", field(h, F_SESSION));
			}
		}
	if (!session.len)
		session = span_of(latest);
	for (size_t i = es->n; i-- > 0;) { /* newest arrivals first */
		const struct held *h = &es->ring[(es->head + i) % es->cap];
		size_t pos = (es->head + i) % es->cap;
		if (visitor.len && h->type == EV_TRANSACTION && same(field(h, F_VISITOR), visitor) && nbought < 64)
			bought_at[nbought++] = pos;
		if (!session.len || !same(field(h, F_SESSION), session))
			continue;
		size_t j = 0;
		while (j < nfound && strcmp(field(&es->ring[found[j].at], F_ITEM), field(h, F_ITEM)))
			j++;
		if (j == nfound) {
			if (nfound == 64)
				continue;
			found[nfound++] = (typeof(found[0])){ pos, h->ts };
		} else if (rank_of((enum event_type)h->type) > rank_of((enum event_type)es->ring[found[j].at].type)) {
			found[j].at = pos; /* the strongest thing done with it, at its place */
		}
	}
	/* copied out while the lock holds them: offsets first, spans once the buffer is still */
	size_t off[128];
	for (size_t j = 0; j < nfound && !rc; j++) {
		off[j] = out->text.len;
		rc = buf_append(&out->text, field(&es->ring[found[j].at], F_ITEM),
				strlen(field(&es->ring[found[j].at], F_ITEM)) + 1);
		out->type[j] = (enum event_type)es->ring[found[j].at].type;
	}
	for (size_t j = 0; j < nbought && !rc; j++) {
		off[64 + j] = out->text.len;
		rc = buf_append(&out->text, field(&es->ring[bought_at[j]], F_ITEM),
				strlen(field(&es->ring[bought_at[j]], F_ITEM)) + 1);
	}
	pthread_mutex_unlock(&es->mu);
	if (rc)
		return rc;
	for (size_t j = 0; j < nfound; j++)
		out->item[out->n++] = span_of(out->text.data + off[j]);
	for (size_t j = 0; j < nbought; j++)
		out->bought[out->nbought++] = span_of(out->text.data + off[64 + j]);
	return 0;
}

bool event_search_cursor(const char *text, struct event_query *q)
{
	const char *us = strchr(text, '_');

	if (!us || (size_t)(us - text) > 20 || parse_int64(text, (size_t)(us - text), &q->cursor_ts) ||
	    strlen(us + 1) >= sizeof(q->cursor_id))
		return false;
	snprintf(q->cursor_id, sizeof(q->cursor_id), "%s", us + 1);
	q->after = true;
	return true;
}

/* ---- a result: copied out of the memory or the lake ---- */

struct found {
	int64_t ts;
	double price;
	int type;
	char *f[F__COUNT];
	bool lake;
};

struct results {
	struct found *v;
	size_t n, cap;
};

/* Newest first, then by id (descending): the order of pages. */
static int newer_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	return -strcmp(x->f[F_ID], y->f[F_ID]);
}

/* Whether an event with this ts and id comes after the cursor in that order. */
static bool past_cursor(const struct event_query *q, int64_t ts, const char *id)
{
	return !q->after || ts < q->cursor_ts || (ts == q->cursor_ts && strcmp(id, q->cursor_id) < 0);
}

static bool wanted(const struct event_query *q, int64_t ts, int type, const char *visitor, const char *session,
		   const char *item, const char *id)
{
	return ts >= q->from && ts <= q->to && (q->type < 0 || q->type == type) && same(visitor, q->visitor) &&
	       same(session, q->session) && same(item, q->item) && past_cursor(q, ts, id);
}

static int keep(struct results *r, int64_t ts, int type, double price, const char *const *f, bool lake)
{
	struct found *x;

	if (pp_array_grow(&r->v, r->n, &r->cap, sizeof(*r->v), 64))
		return PP_ENOMEM;
	x = &r->v[r->n];
	*x = (struct found){ ts, price, type, { 0 }, lake };
	for (int i = 0; i < F__COUNT; i++)
		if (!(x->f[i] = pp_strdup(f[i] ? f[i] : ""))) {
			while (i--)
				pp_free(x->f[i]);
			return PP_ENOMEM;
		}
	r->n++;
	return 0;
}

/* One day partition of processed/events: its matches older than `before`. */
static int lake_day(struct lake_fs *fs, const char *day, int64_t before, const struct event_query *q,
		    struct results *r)
{
	static const char *const names[] = { "ts", "visitor_id", "session_id", "event", "item_id", "category_id",
					     "price", "transaction_id", "event_id" };
	struct delta_dates dates;
	struct delta_reader rd;
	int rc;

	snprintf(dates.from, sizeof(dates.from), "%s", day);
	snprintf(dates.to, sizeof(dates.to), "%s", day);
	if ((rc = delta_reader_open(&rd, fs, "processed/events", names, ARRAY_SIZE(names))))
		goto out;
	rd.scan.want = delta_file_in_dates;
	rd.scan.want_ctx = &dates;
	while (!(rc = delta_reader_next(&rd)) && rd.scan.rows)
		for (size_t i = 0; i < rd.scan.rows && !rc; i++) {
			char text[9][1024];
			const char *f[F__COUNT];
			enum event_type type;
			delta_reader_row(&rd, i);
			for (int c = 1; c < 9; c++) {
				const struct cell *x = &rd.row[rd.ix[c]];
				if (c == 6)
					continue;
				snprintf(text[c], sizeof(text[c]), "%.*s", x->null ? 0 : (int)(x->s.len < 1023 ? x->s.len : 1023),
					 x->null ? "" : x->s.p);
			}
			const struct cell *ts = &rd.row[rd.ix[0]], *price = &rd.row[rd.ix[6]];
			if (ts->null || ts->i >= before || event_type_parse(text[3], strlen(text[3]), &type))
				continue;
			if (!wanted(q, ts->i, (int)type, text[1], text[2], text[4], text[8]))
				continue;
			f[F_VISITOR] = text[1];
			f[F_SESSION] = text[2];
			f[F_ITEM] = text[4];
			f[F_CATEGORY] = text[5];
			f[F_TRANSACTION] = text[7];
			f[F_ID] = text[8];
			rc = keep(r, ts->i, (int)type, price->null ? NAN : price->d, f, true);
		}
out:
	delta_reader_close(&rd);
	if (rc == PP_ENOENT) { /* no ETL run yet */
		pp_error_clear();
		rc = 0;
	}
	return rc;
}

/* The newest day processed/events holds (its first partition value), as ms at its start;
 * 0 when there is no table or no file. */
static int64_t lake_newest_day(struct lake_fs *fs)
{
	struct delta_snapshot snap;
	char newest[11] = "";
	int64_t ms = 0;

	if (delta_snapshot_load(fs, "processed/events", -1, &snap)) {
		pp_error_clear();
		return 0;
	}
	for (size_t i = 0; i < snap.nfiles; i++) {
		const char *v = snap.npart ? snap.files[i].pvalues[0] : NULL;
		if (v && strlen(v) == 10 && strcmp(v, newest) > 0)
			memcpy(newest, v, 11);
	}
	delta_snapshot_release(&snap);
	if (newest[0] && time_parse_or_ms(newest, 10, &ms))
		ms = 0;
	return ms;
}

static void put_str(struct buf *out, const char *key, const char *s)
{
	buf_printf(out, ",\"%s\":", key);
	if (*s)
		buf_put_json_str(out, s, strlen(s));
	else
		buf_puts(out, "null");
}

int event_search_query(struct event_search *es, struct lake_fs *fs, int lake_days, const struct event_query *q,
		       struct buf *out)
{
	struct results r = { 0 };
	int64_t oldest = INT64_MAX;
	size_t shown;
	int rc = 0;

	pthread_mutex_lock(&es->mu);
	for (size_t i = 0; i < es->n && !rc; i++) {
		const struct held *h = &es->ring[(es->head + i) % es->cap];
		if (h->ts < oldest)
			oldest = h->ts;
		if (wanted(q, h->ts, h->type, field(h, F_VISITOR), field(h, F_SESSION), field(h, F_ITEM), field(h, F_ID))) {
			const char *f[F__COUNT];
			for (int k = 0; k < F__COUNT; k++)
				f[k] = field(h, k);
			rc = keep(&r, h->ts, h->type, h->price, f, false);
		}
	}
	pthread_mutex_unlock(&es->mu);
	/* older than the memory holds: the lake, a day at a time from the newest that can match;
	 * once a page is full no older day can come before it */
	if (fs && !rc) {
		int64_t before = oldest, top = q->to < before ? q->to : before - 1, newest_day = lake_newest_day(fs);
		if (q->after && q->cursor_ts < top)
			top = q->cursor_ts;
		if (newest_day && top > newest_day + MS_PER_DAY - 1)
			top = newest_day + MS_PER_DAY - 1; /* nothing newer is there */
		if (newest_day && top >= q->from) {
			int64_t day = floor_div(top, MS_PER_DAY);
			for (int d = 0; d < lake_days && !rc && day * MS_PER_DAY + MS_PER_DAY > q->from; d++, day--) {
				char text[32];
				size_t newer = 0;
				for (size_t i = 0; i < r.n; i++)
					newer += r.v[i].ts >= day * MS_PER_DAY;
				if (newer > q->limit)
					break;
				time_format_rfc3339(day * MS_PER_DAY, text);
				text[10] = 0;
				rc = lake_day(fs, text, before, q, &r);
			}
		}
	}
	if (!rc) {
		if (r.n > 1)
			qsort(r.v, r.n, sizeof(*r.v), newer_first);
		buf_puts(out, "{\"events\":[");
		for (shown = 0; shown < r.n && shown < q->limit; shown++) {
			const struct found *x = &r.v[shown];
			char when[32];
			time_format_rfc3339(x->ts, when);
			buf_puts(out, shown ? ",{\"event_id\":" : "{\"event_id\":");
			buf_put_json_str(out, x->f[F_ID], strlen(x->f[F_ID]));
			buf_printf(out, ",\"ts\":\"%s\",\"event\":\"%s\"", when, event_type_name((enum event_type)x->type));
			put_str(out, "visitor_id", x->f[F_VISITOR]);
			put_str(out, "session_id", x->f[F_SESSION]);
			put_str(out, "item_id", x->f[F_ITEM]);
			put_str(out, "category_id", x->f[F_CATEGORY]);
			put_str(out, "transaction_id", x->f[F_TRANSACTION]);
			buf_puts(out, ",\"price\":");
			if (isnan(x->price))
				buf_puts(out, "null");
			else
				buf_printf(out, "%.10g", x->price);
			buf_printf(out, ",\"from\":\"%s\"}", x->lake ? "lake" : "recent");
		}
		buf_puts(out, "],\"next_cursor\":");
		if (shown < r.n) {
			const struct found *last = &r.v[shown - 1];
			char cursor[200];
			int n = snprintf(cursor, sizeof(cursor), "%" PRId64 "_%s", last->ts, last->f[F_ID]);
			buf_put_json_str(out, cursor, n < (int)sizeof(cursor) ? (size_t)n : sizeof(cursor) - 1);
		} else {
			buf_puts(out, "null");
		}
		buf_puts(out, "}\n");
	}
	for (size_t i = 0; i < r.n; i++)
		for (int k = 0; k < F__COUNT; k++)
			pp_free(r.v[i].f[k]);
	pp_free(r.v);
	return rc;
}
