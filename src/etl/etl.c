#include "etl/etl.h"
#include "etl/curated.h"
#include "etl/dim_date.h"
#include "etl/fact_events.h"
#include "etl/history.h"
#include "etl/funnel.h"
#include "etl/item_stats.h"
#include "etl/sessions.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json_scan.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/parallel.h"
#include "core/strmap.h"
#include "core/strsort.h"
#include "core/timeutil.h"
#include "event/catalog.h"
#include "event/event.h"
#include "event/sessionize.h"
#include "lake/delta/delta_scan.h"
#include "lake/raw.h"

#include <math.h>

/* An event as the ETL holds it: strings in the arena, NULL when absent. */
struct row {
	int64_t ts, received_at;
	double price; /* NAN: absent */
	enum event_type type;
	const char *visitor_id, *item_id, *category_id, *transaction_id, *event_id, *props;
	const char *source_session; /* a session_id the source gave */
	const char *key;            /* duplicates share it */
	const char *session_id;     /* assigned */
	uint32_t visitor_len, item_len, category_len, key_len; /* the hot strings' lengths */
	/* set by write_day, read by the history pass */
	bool dup, new_visitor, new_session;
};

/* The curated tables written per date, beside processed/events (commit_curated). */
enum { CUR_FACTS, CUR_SESSIONS, CUR_ITEMS, CUR_FUNNEL, CUR__COUNT };

static const struct {
	const char *table;
	const struct pq_column_def *cols;
	size_t ncols;
} curated_tables[CUR__COUNT] = {
	[CUR_FACTS] = { FACT_EVENTS_TABLE, fact_events_cols, FACT_EVENTS_NCOLS },
	[CUR_SESSIONS] = { SESSIONS_TABLE, session_cols, SESSIONS_NCOLS },
	[CUR_ITEMS] = { ITEM_STATS_TABLE, item_stats_cols, ITEM_STATS_NCOLS },
	[CUR_FUNNEL] = { FUNNEL_TABLE, funnel_cols, FUNNEL_NCOLS },
};

struct day {
	char date[11];
	size_t *rows;
	size_t n, cap;
	bool touched; /* new events arrived for it */
	/* written by a writer thread */
	struct buf file;
	uint64_t kept, dups;
	struct funnel_day funnel;
	struct buf curated[CUR__COUNT]; /* the date's file of each per-date curated table */
	int64_t curated_rows[CUR__COUNT];
	int rc;
	char err[256];
};

struct etl {
	uint64_t t0; /* for the phase timings at debug level (-v) */
	struct lake_fs *fs;
	const struct config *cfg;
	struct arena a;
	struct row *rows;
	size_t nrows, caprows;
	struct day *days;
	size_t ndays, capdays;
	struct strmap day_index;
	bool last_day_valid;
	int64_t last_day_number;
	size_t last_day;
	struct buf tmp;
	const struct strmap *done; /* the segments earlier runs did */
	/* quarantine */
	struct pq_writer *q;
	uint64_t nq;
	struct etl_stats *st;
	struct shard *shards; /* the two readers of new segments; their arenas hold rows' strings */
};

static const struct pq_column_def event_cols[] = {
	{ "ts", PQ_TIMESTAMP_MS, false, false },
	/* dictionaries only where values repeat a lot: ids are nearly unique per day */
	{ "visitor_id", PQ_STRING, false, false },
	{ "session_id", PQ_STRING, false, false },
	{ "event", PQ_STRING, false, true },
	{ "item_id", PQ_STRING, false, false },
	{ "category_id", PQ_STRING, true, true },
	{ "price", PQ_DOUBLE, true, false },
	{ "transaction_id", PQ_STRING, true, false },
	{ "event_id", PQ_STRING, true, false },
	{ "props", PQ_STRING, true, false },
	{ "received_at", PQ_TIMESTAMP_MS, true, false },
	{ "source_session_id", PQ_STRING, true, false },
};

static const struct pq_column_def quarantine_cols[] = {
	{ "source", PQ_STRING, false, true },
	{ "line", PQ_INT64, false, false },
	{ "reason", PQ_STRING, false, false },
	{ "raw", PQ_STRING, false, false },
	{ "quarantined_at", PQ_TIMESTAMP_MS, false, false },
};

static const char *dup_span(struct arena *a, struct span s)
{
	return s.len || s.p ? arena_strndup(a, s.p ? s.p : "", s.len) : NULL;
}

static struct span span_opt(const char *s)
{
	return s ? span_of(s) : (struct span){ NULL, 0 };
}

/* The key two copies of one event share: its event_id, else its whole canonical line.
 * tmp is scratch; the key goes in the arena. */
static int row_key(struct arena *a, struct buf *tmp, struct row *r)
{
	struct event ev;
	int rc;

	if (r->event_id) {
		buf_reset(tmp);
		if ((rc = buf_putc(tmp, 'i')) || (rc = buf_puts(tmp, r->event_id)))
			return rc;
	} else {
		event_clear(&ev);
		ev.ts = r->ts;
		ev.received_at = r->received_at;
		ev.type = r->type;
		ev.price = r->price;
		ev.visitor_id = span_of(r->visitor_id);
		ev.item_id = span_of(r->item_id);
		ev.category_id = span_opt(r->category_id);
		ev.transaction_id = span_opt(r->transaction_id);
		ev.session_id = span_opt(r->source_session);
		ev.props = span_opt(r->props);
		buf_reset(tmp);
		if ((rc = buf_putc(tmp, 'l')) || (rc = event_write_json(&ev, tmp)))
			return rc;
	}
	r->key = arena_strndup(a, tmp->data, tmp->len);
	r->key_len = (uint32_t)tmp->len;
	return r->key ? 0 : PP_ENOMEM;
}

static struct day *day_of(struct etl *e, int64_t ts)
{
	struct civil c;
	char date[11];
	struct strmap_slot *s;
	bool inserted;
	int64_t dn = floor_div(ts, MS_PER_DAY);

	/* consecutive events mostly share a day: skip the formatting and the lookup */
	if (e->last_day_valid && dn == e->last_day_number)
		return &e->days[e->last_day];
	civil_from_ms(ts, &c);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", c.year, c.month, c.day);
	s = strmap_put(&e->day_index, date, 10, &inserted);
	if (!s)
		return NULL;
	if (inserted) {
		if (pp_array_grow(&e->days, e->ndays, &e->capdays, sizeof(*e->days), 64))
			return NULL;
		memset(&e->days[e->ndays], 0, sizeof(*e->days));
		buf_init(&e->days[e->ndays].file, 0);
		for (int k = 0; k < CUR__COUNT; k++)
			buf_init(&e->days[e->ndays].curated[k], 0);
		memcpy(e->days[e->ndays].date, date, 11);
		s->value = e->ndays++;
	}
	e->last_day_valid = true;
	e->last_day_number = dn;
	e->last_day = s->value;
	return &e->days[s->value];
}

static int append_row(struct etl *e, struct day *d, const struct row *r)
{
	if (pp_array_grow(&e->rows, e->nrows, &e->caprows, sizeof(*e->rows), 4096) ||
	    pp_array_grow(&d->rows, d->n, &d->cap, sizeof(size_t), 256))
		return PP_ENOMEM;
	e->rows[e->nrows] = *r;
	d->rows[d->n++] = e->nrows++;
	return 0;
}

static int add_row(struct etl *e, const struct row *r, bool is_new)
{
	struct day *d = day_of(e, r->ts);

	if (!d)
		return PP_ENOMEM;
	d->touched |= is_new;
	return append_row(e, d, r);
}

static void phase(const struct etl *e, const char *what)
{
	log_debug("%6.2f s  %s", (double)(time_mono_ns() - e->t0) / 1e9, what);
}

/* ---- the quarantine --------------------------------------------------------------- */

static int quarantine(struct etl *e, const char *source, uint64_t line, const char *reason,
		      struct span raw)
{
	struct pq_writer_opts o;
	int rc;

	if (!e->q) {
		pq_writer_opts_default(&o);
		if ((rc = pq_writer_open(&e->q, quarantine_cols, ARRAY_SIZE(quarantine_cols), &o)))
			return rc;
	}
	if (raw.len > 4096)
		raw.len = 4096;
	pq_put_str(e->q, source, strlen(source));
	pq_put_i64(e->q, (int64_t)line);
	pq_put_str(e->q, reason, strlen(reason));
	if (utf8_valid(raw.p, raw.len)) {
		pq_put_str(e->q, raw.p, raw.len);
	} else { /* UTF8 columns must hold UTF-8: broken bytes become '?' */
		buf_reset(&e->tmp);
		for (size_t i = 0; i < raw.len; i++)
			buf_putc(&e->tmp, (unsigned char)raw.p[i] < 0x80 ? raw.p[i] : '?');
		pq_put_str(e->q, e->tmp.data, e->tmp.len);
	}
	pq_put_i64(e->q, time_now_ms());
	e->nq++;
	return pq_end_row(e->q);
}

/* ---- reading ------------------------------------------------------------------------ */

/* A line of a new segment that failed validation, kept until the quarantine takes it. */
struct bad_line {
	const char *segment;
	uint64_t line;
	const char *reason, *raw; /* in the shard's arena */
	size_t raw_len;
};

/*
 * A reader thread's share of the new segments: their rows parsed into its own arena and
 * array, bad lines kept aside. The shards are merged in segment order, so the rows and
 * the quarantine come out as if one thread had read everything.
 */
struct shard {
	struct etl *e;
	const struct event_limits *lim;
	const char *const *paths;
	size_t npaths;
	struct arena a;
	struct buf tmp;
	struct row *rows;
	size_t n, cap;
	struct bad_line *bad;
	size_t nbad, capbad;
	uint64_t lines;
	int rc;
	char err[512];
};

static int keep_bad(struct shard *sh, const char *path, uint64_t line, const struct event_error *err,
		    struct span raw)
{
	char reason[300];
	struct bad_line *b;

	snprintf(reason, sizeof(reason), "%s%s%s", err->field, err->field[0] ? ": " : "", err->message);
	if (raw.len > 4096)
		raw.len = 4096;
	if (pp_array_grow(&sh->bad, sh->nbad, &sh->capbad, sizeof(*sh->bad), 16))
		return PP_ENOMEM;
	b = &sh->bad[sh->nbad];
	*b = (struct bad_line){ path, line, arena_strndup(&sh->a, reason, strlen(reason)),
				arena_strndup(&sh->a, raw.p, raw.len), raw.len };
	if (!b->reason || !b->raw)
		return PP_ENOMEM;
	sh->nbad++;
	return 0;
}

static int read_segment(struct shard *sh, const char *path)
{
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct event_error err;
	struct event ev;
	const char *p, *end;
	uint64_t line = 0;
	int rc = raw_segment_read(sh->e->fs, path, &text);

	for (p = text.data, end = text.data + text.len; !rc && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		sh->lines++;
		rc = event_parse_json(p, len, EVENT_PARSE_RAW, sh->lim, &ev, &scratch, &err);
		if (rc == PP_EINVAL) {
			rc = keep_bad(sh, path, line, &err, (struct span){ p, len });
		} else if (!rc) {
			struct row r = { .ts = ev.ts, .received_at = ev.received_at, .price = ev.price,
					 .type = ev.type };
			r.visitor_id = dup_span(&sh->a, ev.visitor_id);
			r.item_id = dup_span(&sh->a, ev.item_id);
			r.category_id = dup_span(&sh->a, ev.category_id);
			r.visitor_len = (uint32_t)ev.visitor_id.len;
			r.item_len = (uint32_t)ev.item_id.len;
			r.category_len = (uint32_t)ev.category_id.len;
			r.transaction_id = dup_span(&sh->a, ev.transaction_id);
			r.event_id = dup_span(&sh->a, ev.event_id);
			r.props = dup_span(&sh->a, ev.props);
			r.source_session = dup_span(&sh->a, ev.session_id);
			if (!r.visitor_id || !r.item_id)
				rc = PP_ENOMEM;
			if (!rc && !(rc = row_key(&sh->a, &sh->tmp, &r))) {
				if (pp_array_grow(&sh->rows, sh->n, &sh->cap, sizeof(*sh->rows), 4096))
					rc = PP_ENOMEM;
				else
					sh->rows[sh->n++] = r;
			}
		}
		p += len + 1;
	}
	buf_release(&text);
	buf_release(&scratch);
	return rc;
}

/* Task k: shard k's segments (its failure kept with it, reported in shard order). */
static int read_shard(void *arg, size_t k, unsigned worker)
{
	struct shard *sh = &((struct etl *)arg)->shards[k];

	(void)worker;
	for (size_t i = 0; i < sh->npaths && !sh->rc; i++)
		sh->rc = read_segment(sh, sh->paths[i]);
	if (sh->rc)
		snprintf(sh->err, sizeof(sh->err), "%s", pp_errmsg());
	return 0;
}

/* The new segments read on two threads, then their rows and bad lines taken in order. */
static int read_segments(struct etl *e, const char *const *paths, size_t n,
			 const struct event_limits *lim)
{
	size_t half = (n + 1) / 2;
	int rc = 0;

	for (int k = 0; k < 2; k++) {
		struct shard *sh = &e->shards[k];
		sh->e = e;
		sh->lim = lim;
		sh->paths = paths + (k ? half : 0);
		sh->npaths = k ? n - half : half;
	}
	parallel_run(2, 2, read_shard, e);
	for (int k = 0; k < 2 && !rc; k++) {
		struct shard *sh = &e->shards[k];
		if (sh->rc)
			return pp_error(sh->rc, "%s", sh->err);
		e->st->lines += sh->lines;
		for (size_t i = 0; i < sh->n && !rc; i++)
			rc = add_row(e, &sh->rows[i], true);
		pp_free(sh->rows); /* copied; the strings stay in the shard's arena */
		sh->rows = NULL;
		sh->n = sh->cap = 0;
		for (size_t i = 0; i < sh->nbad && !rc; i++)
			rc = quarantine(e, sh->bad[i].segment, sh->bad[i].line, sh->bad[i].reason,
					(struct span){ sh->bad[i].raw, sh->bad[i].raw_len });
	}
	return rc;
}

static const char *col_str(struct etl *e, const struct pq_vector *v, size_t i)
{
	return v->valid[i] ? arena_strndup(&e->a, v->s[i].p, v->s[i].len) : NULL;
}

/* The current rows of a date, from the table's files. */
static int read_existing(struct etl *e, const struct delta_snapshot *snap, struct day *d)
{
	const char *names[ARRAY_SIZE(event_cols)];
	struct delta_dates one;
	struct delta_scan s;
	int rc;

	snprintf(one.from, sizeof(one.from), "%s", d->date);
	memcpy(one.to, one.from, sizeof(one.to));
	for (size_t c = 0; c < ARRAY_SIZE(event_cols); c++)
		names[c] = event_cols[c].name;
	if ((rc = delta_scan_begin(&s, e->fs, ETL_EVENTS_TABLE, snap, names, ARRAY_SIZE(names))))
		return rc;
	s.want = delta_file_in_dates;
	s.want_ctx = &one;
	while (!rc && !(rc = delta_scan_next(&s)) && s.rows) {
		const struct pq_vector *v = s.v;
		for (size_t c = 0; c < ARRAY_SIZE(event_cols) && !rc; c++)
			if (!s.col[c])
				rc = pp_error(PP_ECORRUPT, "%s: no column %s", s.path.data, names[c]);
		for (size_t i = 0; !rc && i < s.rows; i++) {
			struct row r = { .ts = v[0].i[i], .price = v[6].valid[i] ? v[6].d[i] : NAN,
					 .received_at = v[10].valid[i] ? v[10].i[i] : 0 };
			const char *type = col_str(e, &v[3], i);
			r.visitor_id = col_str(e, &v[1], i);
			r.item_id = col_str(e, &v[4], i);
			r.category_id = col_str(e, &v[5], i);
			r.visitor_len = r.visitor_id ? (uint32_t)v[1].s[i].len : 0;
			r.item_len = r.item_id ? (uint32_t)v[4].s[i].len : 0;
			r.category_len = r.category_id ? (uint32_t)v[5].s[i].len : 0;
			r.transaction_id = col_str(e, &v[7], i);
			r.event_id = col_str(e, &v[8], i);
			r.props = col_str(e, &v[9], i);
			r.source_session = col_str(e, &v[11], i);
			if (!type || event_type_parse(type, strlen(type), &r.type))
				rc = pp_error(PP_ECORRUPT, "%s: bad event type", s.path.data);
			if (!rc && !(rc = row_key(&e->a, &e->tmp, &r)))
				rc = append_row(e, d, &r);
		}
	}
	delta_scan_close(&s);
	return rc;
}

/* ---- writing ------------------------------------------------------------------------ */

/*
 * A date's rows sort by visitor, time and key. The sort works on small records holding
 * the visitor's first eight bytes as a big-endian number (the same order as strcmp on
 * them) and the time, so most comparisons touch neither the rows nor their strings.
 */
struct sort_rec {
	uint64_t prefix;
	int64_t ts;
	const struct row *row;
	size_t index;
};

static int by_visitor_time(const void *a, const void *b)
{
	const struct sort_rec *x = a, *y = b;
	int c;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	/* equal prefixes of ids up to 8 bytes are equal ids (ids hold no NUL) */
	if ((x->row->visitor_len > 8 || y->row->visitor_len > 8) &&
	    (c = strcmp(x->row->visitor_id, y->row->visitor_id)))
		return c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return strcmp(x->row->key, y->row->key);
}

static int sort_day(const struct etl *e, struct day *d)
{
	struct sort_rec *v = pp_malloc((d->n ? d->n : 1) * sizeof(*v));

	if (!v)
		return PP_ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const struct row *r = &e->rows[d->rows[i]];
		v[i] = (struct sort_rec){ str_prefix(r->visitor_id, r->visitor_len), r->ts, r, d->rows[i] };
	}
	qsort(v, d->n, sizeof(*v), by_visitor_time);
	for (size_t i = 0; i < d->n; i++)
		d->rows[i] = v[i].index;
	pp_free(v);
	return 0;
}

/*
 * The keys of a date seen so far, to drop duplicates: a table of their hashes and rows,
 * compared by the rows' keys on a hash match, so no key is copied.
 */
struct seen {
	uint64_t *hash; /* 0: empty */
	const struct row **row;
	size_t cap, n;
};

static int seen_grow(struct seen *s, size_t want)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;

	while (cap < want)
		cap *= 2;
	uint64_t *hash = pp_calloc(cap, sizeof(*hash));
	const struct row **row = pp_calloc(cap, sizeof(*row));

	if (!hash || !row) {
		pp_free(hash);
		pp_free(row);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;
		if (!s->hash[i])
			continue;
		for (j = s->hash[i] & (cap - 1); hash[j]; j = (j + 1) & (cap - 1))
			;
		hash[j] = s->hash[i];
		row[j] = s->row[i];
	}
	pp_free(s->hash);
	pp_free(s->row);
	s->hash = hash;
	s->row = row;
	s->cap = cap;
	return 0;
}

/* Adds r's key; *dup tells that an earlier row had it. */
static int seen_add(struct seen *s, const struct row *r, bool *dup)
{
	uint64_t h = pp_hash64(r->key, r->key_len, 0) | 1;
	size_t j;

	if (s->n * 10 >= s->cap * 7 && seen_grow(s, 0))
		return PP_ENOMEM;
	for (j = h & (s->cap - 1); s->hash[j]; j = (j + 1) & (s->cap - 1)) {
		const struct row *o = s->row[j];
		if (s->hash[j] == h && o->key_len == r->key_len && !memcmp(o->key, r->key, r->key_len)) {
			*dup = true;
			return 0;
		}
	}
	s->hash[j] = h;
	s->row[j] = r;
	s->n++;
	*dup = false;
	return 0;
}

/*
 * Sorts, drops duplicates, sessionizes and encodes one date as a Parquet file into
 * d->file. Runs on writer threads: it reads the shared rows and touches only its day.
 */
static int write_day(const struct etl *e, struct day *d)
{
	struct sessionizer sz;
	struct session_writer sw;
	struct item_stats is;
	struct pq_writer_opts o;
	struct pq_writer *w, *fw = NULL;
	struct seen seen = { 0 };
	uint64_t kept = 0;
	int32_t seq = 0;
	size_t i;
	int rc;

	if ((rc = sort_day(e, d)) || (rc = seen_grow(&seen, d->n * 2))) /* sized once */
		return rc;
	memset(&d->funnel, 0, sizeof(d->funnel));
	memcpy(d->funnel.date, d->date, sizeof(d->date));
	sessionizer_init(&sz, e->cfg->session_gap_ms);
	item_stats_init(&is);
	pq_writer_opts_default(&o);
	if ((rc = session_writer_open(&sw)))
		goto out;
	if ((rc = pq_writer_open(&fw, fact_events_cols, FACT_EVENTS_NCOLS, &o)))
		goto out;
	if ((rc = pq_writer_open(&w, event_cols, ARRAY_SIZE(event_cols), &o)))
		goto out;
	for (i = 0; i < d->n && !rc; i++) {
		struct row *r = &e->rows[d->rows[i]];
		struct event ev;
		struct span sid;
		bool dup, started;
		if ((rc = seen_add(&seen, r, &dup)))
			break;
		if (dup) {
			d->dups++;
			r->dup = true;
			continue;
		}
		r->dup = false;
		event_clear(&ev);
		ev.ts = r->ts;
		ev.visitor_id = span_of(r->visitor_id);
		ev.session_id = span_opt(r->source_session);
		if ((rc = sessionizer_assign(&sz, &ev, &sid, &started)))
			break;
		/* the session writer holds the previous row's visitor and session */
		bool new_visitor = !sw.open || strcmp(sw.visitor, r->visitor_id);
		bool new_session = new_visitor || !session_writer_continues(&sw, sid);
		r->new_visitor = new_visitor;
		r->new_session = new_session;
		funnel_count(&d->funnel, r->type, new_visitor, new_session);
		if ((rc = session_writer_add(&sw, sid, new_session, r->visitor_id, r->ts, r->type,
					     r->item_id, r->price)) ||
		    (rc = item_stats_add(&is, (struct span){ r->item_id, r->item_len }, r->visitor_id, new_session, r->type, r->price)))
			break;
		pq_put_i64(w, r->ts);
		pq_put_str(w, r->visitor_id, r->visitor_len);
		pq_put_str(w, sid.p, sid.len);
		pq_put_str(w, event_type_name(r->type), strlen(event_type_name(r->type)));
		pq_put_str(w, r->item_id, r->item_len);
		pq_put_opt_str(w, r->category_id);
		isnan(r->price) ? pq_put_null(w) : pq_put_double(w, r->price);
		pq_put_opt_str(w, r->transaction_id);
		pq_put_opt_str(w, r->event_id);
		pq_put_opt_str(w, r->props);
		r->received_at ? pq_put_i64(w, r->received_at) : pq_put_null(w);
		pq_put_opt_str(w, r->source_session);
		if ((rc = pq_end_row(w)))
			break;
		seq = new_session ? 1 : seq + 1;
		rc = fact_events_put(fw, &(struct fact_event){ .ts = r->ts, .session_id = sid,
							       .visitor = { r->visitor_id, r->visitor_len },
							       .item = { r->item_id, r->item_len },
							       .category_id = r->category_id,
							       .transaction_id = r->transaction_id,
							       .type = r->type, .price = r->price,
							       .seq = seq });
		kept++;
	}
	if (!rc)
		rc = pq_writer_finish(w, &d->file);
	else
		pq_writer_abort(w);
	if (!rc) {
		rc = pq_writer_finish(fw, &d->curated[CUR_FACTS]);
		fw = NULL;
	}
	d->kept = kept;
	funnel_finish(&d->funnel);
	if (!rc)
		rc = funnel_encode(&d->funnel, &d->curated[CUR_FUNNEL]);
	if (!rc && !(rc = session_writer_finish(&sw, &d->curated[CUR_SESSIONS])))
		d->curated_rows[CUR_SESSIONS] = (int64_t)sw.rows;
	if (!rc) {
		uint64_t items = 0;
		rc = item_stats_encode(&is, &d->curated[CUR_ITEMS], &items);
		d->curated_rows[CUR_ITEMS] = (int64_t)items;
	}
	d->curated_rows[CUR_FACTS] = (int64_t)kept;
	d->curated_rows[CUR_FUNNEL] = 1;
out:
	if (fw)
		pq_writer_abort(fw);
	item_stats_release(&is);
	session_writer_release(&sw);
	pp_free(seen.hash);
	pp_free(seen.row);
	sessionizer_release(&sz);
	return rc;
}

/* Task i: date i encoded, if touched (its failure kept with it, reported in date order). */
static int write_date(void *arg, size_t i, unsigned worker)
{
	struct etl *e = arg;
	struct day *d = &e->days[i];

	(void)worker;
	if (!d->touched)
		return 0;
	if ((d->rc = write_day(e, d)))
		snprintf(d->err, sizeof(d->err), "%s", pp_errmsg());
	return 0;
}

/* Encodes the touched dates on two threads (the machine's cores), then adds them in date
 * order so that the commit does not depend on which thread finished first. */
static int write_days(struct etl *e, struct delta_txn *t)
{
	size_t i;
	int rc = 0;

	parallel_run(e->ndays, 2, write_date, e);
	for (i = 0; i < e->ndays && !rc; i++) {
		struct day *d = &e->days[i];
		const char *pv[1] = { d->date };
		if (!d->touched)
			continue;
		if (d->rc) {
			rc = pp_error(d->rc, "%s: %s", d->date, d->err);
			break;
		}
		delta_txn_add_parquet(t, pv, &d->file, (int64_t)d->kept, NULL);
		rc = t->rc;
		e->st->duplicates += d->dups;
		e->st->rows_written += d->kept;
	}
	return rc;
}

/* ---- the run ------------------------------------------------------------------------ */

static int load_done(struct lake_fs *fs, struct buf *text, struct strmap *done)
{
	const char *p, *end;
	bool ins;
	int rc = fs->ops->get(fs, ETL_DONE, 0, UINT64_MAX, text);

	if (rc == PP_ENOENT) {
		pp_error_clear();
		return 0;
	}
	for (p = text->data, end = text->data + text->len; !rc && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len && !strmap_put(done, p, len, &ins))
			rc = PP_ENOMEM;
		p += len + 1;
	}
	return rc;
}

static int by_date(const void *a, const void *b)
{
	return strcmp(((const struct day *)a)->date, ((const struct day *)b)->date);
}

static int commit_quarantine(struct etl *e)
{
	struct delta_field fields[ARRAY_SIZE(quarantine_cols) + 1];
	static const char *const part[] = { "quarantined_on" };
	struct delta_snapshot snap;
	struct delta_txn t;
	struct buf file = BUF_INIT;
	struct civil c;
	char today[11];
	const char *pv[1] = { today };
	int rc = pq_writer_finish(e->q, &file);

	e->q = NULL;
	if (rc)
		goto out;
	civil_from_ms(time_now_ms(), &c);
	snprintf(today, sizeof(today), "%04d-%02d-%02d", c.year, c.month, c.day);
	rc = delta_snapshot_load(e->fs, ETL_QUARANTINE_TABLE, -1, &snap);
	if (rc && rc != PP_ENOENT)
		goto out;
	delta_txn_begin(&t, e->fs, ETL_QUARANTINE_TABLE, rc ? NULL : &snap);
	if (rc) {
		delta_fields_of(quarantine_cols, ARRAY_SIZE(quarantine_cols), part[0], fields);
		delta_txn_metadata(&t, fields, ARRAY_SIZE(fields), part, 1);
	}
	delta_txn_add_parquet(&t, pv, &file, (int64_t)e->nq, NULL);
	if (!rc)
		delta_snapshot_release(&snap);
	rc = delta_txn_commit(&t, "WRITE", NULL);
out:
	buf_release(&file);
	return rc;
}

/* The touched dates' curated rows, after processed/events committed: a crash in between
 * leaves the segments unrecorded, so the next run rebuilds those dates and these tables. */
static int commit_curated(struct etl *e)
{
	struct curated_part *parts = pp_calloc(e->ndays ? e->ndays : 1, sizeof(*parts));
	int rc = parts ? 0 : PP_ENOMEM;

	for (int k = 0; k < CUR__COUNT && !rc; k++) {
		size_t n = 0;
		for (size_t i = 0; i < e->ndays; i++) {
			const struct day *d = &e->days[i];
			if (d->touched)
				parts[n++] = (struct curated_part){ .date = d->date, .file = &d->curated[k],
								    .records = d->curated_rows[k] };
		}
		rc = curated_commit(e->fs, curated_tables[k].table, curated_tables[k].cols,
				    curated_tables[k].ncols, parts, n);
	}
	pp_free(parts);
	return rc;
}

/* Catalogue lines that do not parse go to the quarantine when their segment is new. */
static int catalog_bad(void *ctx, const char *segment, uint64_t line, const char *reason,
		       struct span raw)
{
	struct etl *e = ctx;

	if (strmap_get(e->done, segment, strlen(segment)))
		return 0;
	e->st->quarantined++;
	return quarantine(e, segment, line, reason, raw);
}

/* The new event segments into processed/events, then the rewritten dates' curated rows. */
static int process_events(struct etl *e, const struct raw_segment_list *segs)
{
	struct delta_field fields[ARRAY_SIZE(event_cols) + 1];
	static const char *const part[] = { "event_date" };
	struct delta_snapshot snap;
	struct event_limits lim;
	struct delta_txn t;
	struct etl_stats *st = e->st;
	const char **paths = NULL;
	bool have_snap;
	size_t i;
	int rc;

	event_limits_from_config(&lim, e->cfg);
	rc = delta_snapshot_load(e->fs, ETL_EVENTS_TABLE, -1, &snap);
	if (rc && rc != PP_ENOENT)
		return rc;
	have_snap = rc == 0;
	pp_error_clear();
	rc = 0;
	if (have_snap)
		st->version = snap.version;
	if (!(paths = pp_calloc(segs->n ? segs->n : 1, sizeof(*paths)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (i = 0; i < segs->n; i++)
		if (!strmap_get(e->done, segs->seg[i].path, strlen(segs->seg[i].path)))
			paths[st->segments++] = segs->seg[i].path;
	if (!st->segments)
		goto out;
	if ((rc = read_segments(e, paths, st->segments, &lim)))
		goto out;
	phase(e, "raw segments read");
	st->events = e->nrows;
	st->quarantined = e->nq;
	qsort(e->days, e->ndays, sizeof(*e->days), by_date);
	e->last_day_valid = false; /* indexes into days moved */
	delta_txn_begin(&t, e->fs, ETL_EVENTS_TABLE, have_snap ? &snap : NULL);
	if (!have_snap) {
		delta_fields_of(event_cols, ARRAY_SIZE(event_cols), part[0], fields);
		delta_txn_metadata(&t, fields, ARRAY_SIZE(fields), part, 1);
	}
	for (i = 0; i < e->ndays && !rc; i++) {
		struct day *d = &e->days[i];
		if (!d->touched)
			continue;
		st->partitions++;
		if (have_snap) {
			if ((rc = read_existing(e, &snap, d)))
				break;
			delta_txn_remove_partition(&t, &snap, d->date);
		}
	}
	if (!rc)
		rc = write_days(e, &t);
	phase(e, "dates sorted, deduplicated, sessionized, encoded");
	if (!rc)
		rc = delta_txn_commit(&t, "MERGE", &st->version);
	else
		delta_txn_abort(&t);
	if (!rc) {
		fs_crash_point("etl-curated");
		rc = commit_curated(e);
	}
	if (!rc)
		rc = dim_date_commit(e->fs, ETL_EVENTS_TABLE);
	phase(e, "processed/events and the per-date curated tables committed");
out:
	pp_free(paths);
	if (have_snap)
		delta_snapshot_release(&snap);
	return rc;
}

/* The rewritten dates' rows, as the history pass reads them (history.h). */
struct touched {
	const struct etl *e;
	size_t *day; /* the touched dates' positions in e->days */
	size_t n;
};

static const char *touched_date(void *ctx, size_t k)
{
	const struct touched *t = ctx;

	return t->e->days[t->day[k]].date;
}

static size_t touched_count(void *ctx, size_t k)
{
	const struct touched *t = ctx;

	return t->e->days[t->day[k]].n;
}

static bool touched_row(void *ctx, size_t k, size_t i, struct history_row *out)
{
	const struct touched *t = ctx;
	const struct row *r = &t->e->rows[t->e->days[t->day[k]].rows[i]];

	if (r->dup)
		return false;
	*out = (struct history_row){ .ts = r->ts, .visitor = { r->visitor_id, r->visitor_len },
				     .item = { r->item_id, r->item_len },
				     .category = { r->category_id, r->category_len },
				     .type = r->type, .price = r->price,
				     .new_visitor = r->new_visitor, .new_session = r->new_session };
	return true;
}

/* The raw zones a run reads; a segment is done once everything made from it committed. */
static const char *const zones[] = { "raw/events", CATALOG_CATEGORIES, CATALOG_ITEM_PROPERTIES };

int etl_raw_to_processed(struct lake_fs *fs, const struct config *cfg,
			 const struct etl_hooks *hooks, struct etl_stats *st)
{
	struct shard shards[2];
	struct etl e = { .t0 = time_mono_ns(), .fs = fs, .cfg = cfg, .st = st, .shards = shards };
	struct raw_segment_list segs[ARRAY_SIZE(zones)];
	struct history_stats hs;
	struct touched touched = { .e = &e };
	struct history_memory mem = { 0, touched_date, touched_count, touched_row, &touched };
	size_t cap_touched = 0;
	struct buf done_text = BUF_INIT;
	struct strmap done;
	size_t i, z, nsegs = 0, fresh = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(segs, 0, sizeof(segs));
	memset(shards, 0, sizeof(shards));
	for (int k = 0; k < 2; k++) {
		arena_init(&shards[k].a, 1 << 20);
		buf_init(&shards[k].tmp, 0);
	}
	st->version = -1;
	arena_init(&e.a, 1 << 20);
	strmap_init(&e.day_index);
	strmap_init(&done);
	e.done = &done;
	buf_init(&e.tmp, 0);
	if ((rc = load_done(fs, &done_text, &done)))
		goto out;
	for (z = 0; z < ARRAY_SIZE(zones) && !rc; z++, nsegs++)
		rc = raw_list_segments(fs, zones[z], false, &segs[z]);
	for (z = 0; z < nsegs && !rc; z++)
		for (i = 0; i < segs[z].n; i++)
			fresh += !strmap_get(&done, segs[z].seg[i].path, strlen(segs[z].seg[i].path));
	if (!rc && !fresh) { /* nothing to do: report the table's version */
		struct delta_snapshot snap;
		if (!delta_snapshot_load(fs, ETL_EVENTS_TABLE, -1, &snap)) {
			st->version = snap.version;
			delta_snapshot_release(&snap);
		}
		pp_error_clear();
	}
	if (rc || !fresh)
		goto out;
	st->catalog_segments = fresh;
	if ((rc = process_events(&e, &segs[0])))
		goto out;
	st->catalog_segments -= st->segments;
	if (st->segments && hooks && hooks->dated_committed)
		hooks->dated_committed(hooks->ctx);
	fs_crash_point("etl-history");
	for (i = 0; i < e.ndays && !rc; i++) {
		if (!e.days[i].touched)
			continue;
		if (pp_array_grow(&touched.day, touched.n, &cap_touched, sizeof(size_t), 64))
			rc = PP_ENOMEM;
		else
			touched.day[touched.n++] = i;
	}
	if (rc)
		goto out;
	mem.ndays = touched.n;
	if ((rc = history_commit(fs, cfg, ETL_EVENTS_TABLE, &mem, catalog_bad, &e, &hs)))
		goto out;
	phase(&e, "dim_visitor, dim_item, item_item committed");
	st->visitors = hs.visitors;
	st->items = hs.items;
	st->item_pairs = hs.item_pairs;
	if (e.q && (rc = commit_quarantine(&e)))
		goto out;
	/* the segments are done only now that all made from them is committed */
	for (z = 0; z < nsegs && !rc; z++)
		for (i = 0; !rc && i < segs[z].n; i++)
			if (!strmap_get(&done, segs[z].seg[i].path, strlen(segs[z].seg[i].path)))
				rc = buf_printf(&done_text, "%s\n", segs[z].seg[i].path);
	if (!rc) {
		struct iovec iov = { done_text.data, done_text.len };
		rc = fs->ops->put(fs, ETL_DONE, &iov, 1, false);
	}
out:
	if (e.q)
		pq_writer_abort(e.q);
	for (i = 0; i < e.ndays; i++) {
		pp_free(e.days[i].rows);
		buf_release(&e.days[i].file);
		for (int k = 0; k < CUR__COUNT; k++)
			buf_release(&e.days[i].curated[k]);
	}
	pp_free(touched.day);
	for (int k = 0; k < 2; k++) {
		arena_release(&shards[k].a);
		buf_release(&shards[k].tmp);
		pp_free(shards[k].rows);
		pp_free(shards[k].bad);
	}
	pp_free(e.days);
	pp_free(e.rows);
	strmap_release(&e.day_index);
	strmap_release(&done);
	arena_release(&e.a);
	buf_release(&e.tmp);
	buf_release(&done_text);
	for (z = 0; z < nsegs; z++)
		raw_segment_list_release(&segs[z]);
	return rc;
}
