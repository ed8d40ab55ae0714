/* Training/serving consistency: the lake replayed through the live path, each prediction
 * point's online vector against its training row (verify.h). */
#include "features/verify.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "features/builder.h"
#include "features/event_table.h"
#include "features/live.h"
#include "features/materialize.h"
#include "lake/delta/delta_rows.h"

#include <math.h>

#define FIXED 2 /* session_id, ts: then the features */

/* The training rows: by (session, ts), a chain of rows in table order. */
struct points {
	struct strmap by_key; /* "session\0ts" -> its key number */
	size_t *head, *tail;  /* per key number: its first unconsumed and its last row + 1 */
	size_t nkeys, capkeys;
	size_t *next;         /* per row: the next row of its key + 1 (0: the last) */
	double *values;       /* n x nfeatures */
	size_t n, cap;
	struct buf key;
};

static int point_key(struct buf *b, struct span session, int64_t ts)
{
	buf_reset(b);
	if (buf_append(b, session.p, session.len) || buf_putc(b, 0) || buf_append(b, &ts, sizeof(ts)))
		return PP_ENOMEM;
	return 0;
}

/* Room for one more row and one more key. */
static int points_room(struct points *p, size_t nfeatures)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		double *v = pp_realloc(p->values, cap * nfeatures * sizeof(double) + 1);
		size_t *nx;
		if (!v)
			return PP_ENOMEM;
		p->values = v;
		if (!(nx = pp_realloc(p->next, cap * sizeof(size_t))))
			return PP_ENOMEM;
		p->next = nx;
		p->cap = cap;
	}
	if (p->nkeys == p->capkeys) {
		size_t cap = p->capkeys ? p->capkeys * 2 : 4096, *h, *t;
		if (!(h = pp_realloc(p->head, cap * sizeof(size_t))))
			return PP_ENOMEM;
		p->head = h;
		if (!(t = pp_realloc(p->tail, cap * sizeof(size_t))))
			return PP_ENOMEM;
		p->tail = t;
		p->capkeys = cap;
	}
	return 0;
}

static int read_points(struct lake_fs *fs, const struct feature_registry *r, struct points *p)
{
	const char **names = pp_calloc(r->nfeatures + FIXED, sizeof(*names));
	struct delta_reader rd;
	int rc;

	memset(&rd, 0, sizeof(rd));
	if (!names)
		return PP_ENOMEM;
	names[0] = "session_id";
	names[1] = "ts";
	for (size_t f = 0; f < r->nfeatures; f++)
		names[FIXED + f] = r->names[f];
	if ((rc = delta_reader_open(&rd, fs, TRAINING_SET_TABLE, names, r->nfeatures + FIXED))) {
		if (rc == PP_ENOENT)
			rc = pp_error_wrap(rc, "%s (run `ppredict features build` first)", TRAINING_SET_TABLE);
		goto out;
	}
	while (!(rc = delta_reader_next(&rd)) && rd.scan.rows) {
		for (size_t i = 0; i < rd.scan.rows && !rc; i++) {
			struct strmap_slot *slot;
			const struct cell *c = rd.row;
			size_t k;
			bool ins;
			delta_reader_row(&rd, i);
			if ((rc = points_room(p, r->nfeatures)) ||
			    (rc = point_key(&p->key, c[rd.ix[0]].s, c[rd.ix[1]].i)))
				break;
			if (!(slot = strmap_put(&p->by_key, p->key.data, p->key.len, &ins))) {
				rc = PP_ENOMEM;
				break;
			}
			if (ins) {
				slot->value = p->nkeys;
				p->head[p->nkeys] = p->tail[p->nkeys] = 0;
				p->nkeys++;
			}
			k = slot->value;
			if (p->tail[k])
				p->next[p->tail[k] - 1] = p->n + 1;
			else
				p->head[k] = p->n + 1;
			p->tail[k] = p->n + 1;
			p->next[p->n] = 0;
			for (size_t f = 0; f < r->nfeatures; f++) {
				const struct cell *x = &c[rd.ix[FIXED + f]];
				p->values[p->n * r->nfeatures + f] = x->null ? NAN : x->d;
			}
			p->n++;
		}
	}
out:
	delta_reader_close(&rd);
	pp_free(names);
	return rc;
}

static void points_release(struct points *p)
{
	strmap_release(&p->by_key);
	pp_free(p->head);
	pp_free(p->tail);
	pp_free(p->next);
	pp_free(p->values);
	buf_release(&p->key);
}

/* The training row for the point after this event, or -1 (not a point, or none left). */
static int64_t take_point(struct points *p, struct span session, int64_t ts)
{
	struct strmap_slot *slot;
	size_t k, row;

	if (point_key(&p->key, session, ts) || !(slot = strmap_get(&p->by_key, p->key.data, p->key.len)))
		return -1;
	k = slot->value;
	if (!p->head[k])
		return -1;
	row = p->head[k] - 1;
	p->head[k] = p->next[row];
	return (int64_t)row;
}

/* Whether a session id is the one sessionizing gives (visitor-digits): then the replay
 * leaves it out, and the live path must find it again. */
static bool generated_id(const char *session, const char *visitor)
{
	size_t vl = strlen(visitor);

	if (strncmp(session, visitor, vl) || session[vl] != '-' || !session[vl + 1])
		return false;
	for (const char *c = session + vl + 1; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* Slot f of a point: online value a, training value b. */
static bool same_value(double a, double b, double *rel)
{
	double d;

	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return true;
	d = fabs(a - b) / fmax(1.0, fabs(b));
	if (d > *rel)
		*rel = d;
	return d <= VERIFY_REL_TOL;
}

int features_verify_online(struct lake_fs *fs, const struct feature_registry *r, struct online_store *store,
			   int64_t session_gap_ms, struct verify_stats *st)
{
	struct points pts;
	struct event_table ev;
	struct live_features *live = NULL;
	const struct radix_rec *sorted;
	double *vec = NULL;
	int64_t version;
	uint64_t t0 = time_mono_ns();
	uint64_t *by_feature = st->bad_by_feature;
	int rc;

	memset(st, 0, sizeof(*st));
	st->bad_by_feature = by_feature;
	memset(&pts, 0, sizeof(pts));
	memset(&ev, 0, sizeof(ev));
	strmap_init(&pts.by_key);
	buf_init(&pts.key, 0);
	if ((rc = read_points(fs, r, &pts)) || (rc = event_table_read(fs, "", &ev, &version)))
		goto out;
	st->points = pts.n;
	if (!(sorted = event_table_by_time(&ev)) ||
	    !(vec = pp_calloc(registry_vector_size(r), sizeof(*vec)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = live_open(&live, r, store, session_gap_ms)))
		goto out;
	for (size_t k = 0; k < ev.n && !rc; k++) {
		size_t i = sorted[k].value;
		struct event e;
		int64_t row;
		event_clear(&e);
		e.ts = ev.ts[i];
		e.type = (enum event_type)ev.type[i];
		e.price = ev.price[i];
		e.visitor_id = span_of(ev.visitor[i]);
		e.item_id = span_of(ev.item[i]);
		e.category_id = span_of(ev.category[i]);
		if (!generated_id(ev.session[i], ev.visitor[i]))
			e.session_id = span_of(ev.session[i]);
		if ((rc = live_apply(live, &e)))
			break;
		st->events++;
		if ((row = take_point(&pts, span_of(ev.session[i]), ev.ts[i])) < 0)
			continue;
		const struct span keys[ENT__COUNT] = { span_of(ev.session[i]), e.visitor_id, e.item_id,
						       e.category_id };
		if ((rc = online_vector(store, r, keys, e.ts, vec)))
			break;
		st->compared++;
		const double *want = pts.values + (size_t)row * r->nfeatures;
		bool bad = false;
		for (size_t f = 0; f < r->nfeatures; f++) {
			if (same_value(vec[f], want[f], &st->max_diff))
				continue;
			bad = true;
			st->bad_values++;
			if (st->bad_by_feature)
				st->bad_by_feature[f]++;
			if (!st->first_bad[0])
				snprintf(st->first_bad, sizeof(st->first_bad),
					 "session %s at %" PRId64 ": %s is %.17g online, %.17g in training", ev.session[i],
					 ev.ts[i], r->names[f], vec[f], want[f]);
		}
		st->bad_points += bad;
	}
	if (!rc)
		for (size_t k = 0; k < pts.nkeys; k++)
			for (size_t row = pts.head[k]; row; row = pts.next[row - 1])
				st->unmatched++;
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	live_close(live);
	pp_free(vec);
	event_table_release(&ev);
	points_release(&pts);
	return rc;
}
