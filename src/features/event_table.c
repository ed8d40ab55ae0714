/* processed/events in memory, interned and ordered by time (event_table.h). */
#include "features/event_table.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parallel.h"
#include "lake/delta/delta_rows.h"

#include <math.h>

/* The identifiers of a batch's rows, hashed, waiting to be interned. */
enum { K_VISITOR, K_SESSION, K_ITEM, K_CATEGORY, K__COUNT };

struct pending {
	struct span key[K__COUNT];
	uint32_t hash[K__COUNT];
};

#define AHEAD 16 /* rows whose lookups are fetched ahead: the slots at AHEAD, the keys at half */

/* Key p (its strmap_hash h) in the table's map, a new one numbered in order: its slot, or
 * NULL when out of memory. */
static const struct strmap_slot *intern(struct strmap *m, const char *p, size_t len, uint32_t h)
{
	bool ins;
	struct strmap_slot *slot = strmap_put_hashed(m, p, len, h, &ins);

	if (slot && ins)
		slot->value = m->count - 1;
	return slot;
}

/* Rows [first, first + n) of ev get their identifiers interned (dense ids and the map's
 * copies of the strings). The map is far larger than the caches: each lookup's slot, then
 * the key it holds, is fetched some rows before it is needed. */
static int intern_rows(struct event_table *ev, size_t first, const struct pending *pend, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		size_t i = first + r;
		const char **out[K__COUNT] = { &ev->visitor[i], &ev->session[i], &ev->item[i], &ev->category[i] };
		const int kind[K__COUNT] = { EK_VISITOR, EK_SESSION, EK_ITEM, EK_CATEGORY };
		for (int k = 0; k < K__COUNT; k++) {
			if (r + AHEAD < n)
				strmap_prefetch(&ev->strings, pend[r + AHEAD].hash[k], false);
			if (r + AHEAD / 2 < n)
				strmap_prefetch(&ev->strings, pend[r + AHEAD / 2].hash[k], true);
		}
		for (int k = 0; k < K__COUNT; k++) {
			const struct strmap_slot *slot;
			ev->ids[i][kind[k]] = -1;
			*out[k] = "";
			if (!pend[r].key[k].len)
				continue;
			if (!(slot = intern(&ev->strings, pend[r].key[k].p, pend[r].key[k].len, pend[r].hash[k])))
				return PP_ENOMEM;
			ev->ids[i][kind[k]] = (int64_t)slot->value;
			*out[k] = slot->key;
		}
	}
	return 0;
}

/* One array of the table at a new capacity (unchanged when out of memory). */
static int resize(void *arrp, size_t cap, size_t size)
{
	void *old, *p;

	memcpy(&old, arrp, sizeof(old));
	if (!(p = pp_realloc(old, cap * size)))
		return PP_ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	return 0;
}

/* Room for `want` rows. */
static int reserve(struct event_table *ev, size_t want)
{
	size_t cap = ev->cap ? ev->cap : 1 << 16;

	if (want <= ev->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (resize(&ev->ts, cap, sizeof(*ev->ts)) || resize(&ev->visitor, cap, sizeof(*ev->visitor)) ||
	    resize(&ev->session, cap, sizeof(*ev->session)) || resize(&ev->item, cap, sizeof(*ev->item)) ||
	    resize(&ev->category, cap, sizeof(*ev->category)) || resize(&ev->type, cap, sizeof(*ev->type)) ||
	    resize(&ev->price, cap, sizeof(*ev->price)) || resize(&ev->ids, cap, sizeof(*ev->ids)) ||
	    resize(&ev->date, cap, sizeof(*ev->date)))
		return PP_ENOMEM;
	ev->cap = cap;
	return 0;
}

static int grow(struct event_table *ev)
{
	return reserve(ev, ev->n + 1);
}

enum { C_TS, C_VISITOR, C_SESSION, C_EVENT, C_ITEM, C_CATEGORY, C_PRICE, C_DATE, C__COUNT };

/* The events of processed/events up to `to` (the history every point may look back on). */
static const char *const columns[C__COUNT] = { "ts", "visitor_id", "session_id", "event",
					       "item_id", "category_id", "price", "event_date" };

/*
 * A share of the table's files, read by a thread of its own into a table of its own
 * (rows and strings); the shares are then joined in file order, so the result is what one
 * reader would have made.
 */
struct share {
	struct event_table t;
	struct delta_dates dates;
	size_t lo, hi; /* the share: files [lo, hi) of the snapshot */
	const struct delta_file *files;
};

struct shares {
	struct lake_fs *fs;
	int64_t version;
	struct share part[2];
	struct delta_reader *first; /* part 0's reader, opened already */
};

static bool in_share(void *ctx, const struct delta_file *f)
{
	struct share *sh = ctx;
	size_t i = (size_t)(f - sh->files);

	return i >= sh->lo && i < sh->hi && delta_file_in_dates(&sh->dates, f);
}

/* The rows of rd's files into t. */
static int read_rows(struct delta_reader *rd, struct event_table *t)
{
	struct cell row[C__COUNT];
	struct pending *pend = NULL;
	size_t cappend = 0;
	int rc;

	while (!(rc = delta_reader_next(rd)) && rd->scan.rows) {
		size_t first = t->n, n = 0;
		if (rd->scan.rows > cappend) {
			pp_free(pend);
			if (!(pend = pp_malloc(rd->scan.rows * sizeof(*pend)))) {
				rc = PP_ENOMEM;
				break;
			}
			cappend = rd->scan.rows;
		}
		/* the batch's numbers now, its identifiers hashed for the lookups below */
		for (size_t r = 0; r < rd->scan.rows && !rc; r++) {
			enum event_type type;
			size_t i = t->n;
			delta_reader_row(rd, r);
			for (int c = 0; c < C__COUNT; c++) /* in the order below */
				row[c] = rd->row[rd->ix[c]];
			if (row[C_TS].null || row[C_VISITOR].null || row[C_SESSION].null ||
			    row[C_ITEM].null || event_type_parse(row[C_EVENT].s.p, row[C_EVENT].s.len, &type))
				continue; /* processed rows are valid; a table from elsewhere may not be */
			if (t->n == t->cap && (rc = grow(t)))
				break;
			t->ts[i] = row[C_TS].i;
			t->type[i] = (uint8_t)type;
			t->price[i] = row[C_PRICE].null ? NAN : row[C_PRICE].d;
			snprintf(t->date[i], 11, "%.10s", row[C_DATE].null ? "" : row[C_DATE].s.p);
			struct pending *x = &pend[n++];
			x->key[K_VISITOR] = row[C_VISITOR].s;
			x->key[K_SESSION] = row[C_SESSION].s;
			x->key[K_ITEM] = row[C_ITEM].s;
			x->key[K_CATEGORY] = row[C_CATEGORY].null ? (struct span){ "", 0 } : row[C_CATEGORY].s;
			for (int k = 0; k < K__COUNT; k++)
				x->hash[k] = strmap_hash(x->key[k].p, x->key[k].len);
			t->n++;
		}
		if (!rc)
			rc = intern_rows(t, first, pend, n);
		if (rc)
			break;
	}
	pp_free(pend);
	return rc;
}

/* Task k: share k read (the first with the reader opened already, the second with its
 * own, at the same version). */
static int read_share(void *arg, size_t k, unsigned worker)
{
	struct shares *s = arg;
	struct share *sh = &s->part[k];
	struct delta_reader own, *rd = k ? &own : s->first;
	int rc = 0;

	(void)worker;
	if (k && (rc = delta_reader_open_at(&own, s->fs, "processed/events", s->version, columns, C__COUNT))) {
		delta_reader_close(&own);
		return rc;
	}
	sh->files = rd->snap.files;
	rd->scan.want = in_share;
	rd->scan.want_ctx = sh;
	rc = read_rows(rd, &sh->t);
	if (k)
		delta_reader_close(&own);
	return rc;
}

/* The second share's rows after the first's: its strings interned into the first's map
 * in the order it met them (so the ids are those one reader would have given), with the
 * hashes its own map kept, looked up a few ahead of their fetch. */
static int join(struct event_table *t, struct event_table *more)
{
	size_t nnames = more->strings.count, at = t->n;
	const struct strmap_slot **name = pp_calloc(nnames + 1, sizeof(*name)); /* by its id */
	int64_t *id = pp_malloc((nnames + 1) * sizeof(*id));
	const char **key = pp_malloc((nnames + 1) * sizeof(*key));
	int rc = 0;

	if (!name || !id || !key || reserve(t, t->n + more->n))
		rc = PP_ENOMEM;
	for (size_t i = 0; !rc && i < more->strings.cap; i++)
		if (more->strings.slots[i].key)
			name[more->strings.slots[i].value] = &more->strings.slots[i];
	for (size_t j = 0; !rc && j < nnames; j++) {
		const struct strmap_slot *slot;
		if (j + AHEAD < nnames)
			strmap_prefetch(&t->strings, name[j + AHEAD]->hash, false);
		if (j + AHEAD / 2 < nnames)
			strmap_prefetch(&t->strings, name[j + AHEAD / 2]->hash, true);
		if (!(slot = intern(&t->strings, name[j]->key, name[j]->len, name[j]->hash))) {
			rc = PP_ENOMEM;
			break;
		}
		id[j] = (int64_t)slot->value;
		key[j] = slot->key;
	}
	if (!rc) {
		memcpy(t->ts + at, more->ts, more->n * sizeof(*t->ts));
		memcpy(t->type + at, more->type, more->n * sizeof(*t->type));
		memcpy(t->price + at, more->price, more->n * sizeof(*t->price));
		memcpy(t->date + at, more->date, more->n * sizeof(*t->date));
	}
	for (size_t r = 0; !rc && r < more->n; r++) {
		size_t i = at + r;
		const char **out[EK__COUNT] = { [EK_SESSION] = &t->session[i], [EK_VISITOR] = &t->visitor[i],
						[EK_ITEM] = &t->item[i], [EK_CATEGORY] = &t->category[i] };
		for (int k = 0; k < EK__COUNT; k++) { /* (-1: an empty identifier) */
			int64_t j = more->ids[r][k];
			t->ids[i][k] = j >= 0 ? id[j] : -1;
			*out[k] = j >= 0 ? key[j] : "";
		}
	}
	if (!rc)
		t->n += more->n;
	pp_free(name);
	pp_free(id);
	pp_free(key);
	return rc;
}

/* The events of processed/events up to `to` (the history every point may look back on):
 * the files in two shares by size, read at once by two threads, joined. */
int event_table_read(struct lake_fs *fs, const char *to, struct event_table *ev, int64_t *version)
{
	struct delta_reader rd;
	struct shares s = { .fs = fs, .first = &rd };
	uint64_t total = 0, half = 0;
	size_t split = 0, nfiles;
	int rc;

	memset(ev, 0, sizeof(*ev));
	strmap_init(&ev->strings);
	for (int k = 0; k < 2; k++)
		strmap_init(&s.part[k].t.strings);
	if ((rc = delta_reader_open(&rd, fs, "processed/events", columns, C__COUNT))) {
		if (rc == PP_ENOENT)
			rc = pp_error_wrap(rc, "processed/events (run `ppredict etl` first)");
		delta_reader_close(&rd);
		return rc;
	}
	*version = s.version = rd.snap.version;
	nfiles = rd.snap.nfiles;
	for (int k = 0; k < 2; k++)
		snprintf(s.part[k].dates.to, sizeof(s.part[k].dates.to), "%.10s", to);
	for (size_t i = 0; i < nfiles; i++)
		if (delta_file_in_dates(&s.part[0].dates, &rd.snap.files[i]))
			total += (uint64_t)rd.snap.files[i].size;
	while (split < nfiles && half < total / 2) /* the first share: about half the bytes */
		if (delta_file_in_dates(&s.part[0].dates, &rd.snap.files[split++]))
			half += (uint64_t)rd.snap.files[split - 1].size;
	s.part[0].hi = split;
	s.part[1].lo = split;
	s.part[1].hi = nfiles;
	rc = parallel_run(split < nfiles ? 2 : 1, 2, read_share, &s);
	delta_reader_close(&rd);
	strmap_release(&ev->strings);
	*ev = s.part[0].t;
	if (!rc && split < nfiles)
		rc = join(ev, &s.part[1].t);
	event_table_release(&s.part[1].t);
	return rc;
}

const struct radix_rec *event_table_by_time(struct event_table *t)
{
	pp_free(t->order);
	pp_free(t->tmp);
	t->order = pp_malloc((t->n + 1) * sizeof(*t->order));
	t->tmp = pp_malloc((t->n + 1) * sizeof(*t->tmp));
	if (!t->order || !t->tmp)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		t->order[i] = (struct radix_rec){ (uint64_t)t->ts[i] ^ (1ULL << 63), i };
	return radix_sort_u64(t->order, t->tmp, t->n, sizeof(*t->order));
}

const char **event_table_names(const struct event_table *t)
{
	const char **names = pp_calloc(t->strings.count + 1, sizeof(*names));

	for (size_t i = 0; names && i < t->strings.cap; i++)
		if (t->strings.slots[i].key)
			names[t->strings.slots[i].value] = t->strings.slots[i].key;
	return names;
}

void event_table_release(struct event_table *t)
{
	pp_free(t->ts);
	pp_free(t->visitor);
	pp_free(t->session);
	pp_free(t->item);
	pp_free(t->category);
	pp_free(t->ids);
	pp_free(t->type);
	pp_free(t->price);
	pp_free(t->date);
	pp_free(t->order);
	pp_free(t->tmp);
	strmap_release(&t->strings);
	memset(t, 0, sizeof(*t));
}
