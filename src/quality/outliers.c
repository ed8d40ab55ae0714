/* Visitors who browse like machines (outliers.h). */
#include "quality/outliers.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/numsort.h"
#include "core/rowmap.h"
#include "core/strsort.h"
#include "etl/curated.h"
#include "lake/delta/delta_rows.h"

#include <float.h>
#include <math.h>

const char *const outlier_metric_names[OUTLIER_METRICS] = { "peak_events_per_minute",
							    "views_per_session", "items_per_session" };

struct visitor {
	const char *id; /* the map's copy */
	uint64_t sessions, views, items;
	double peak_rate;
	double metric[OUTLIER_METRICS], z[OUTLIER_METRICS];
	bool flagged, bot; /* bot: the simulator's truth */
};

enum { C_VISITOR, C_EVENTS, C_VIEWS, C_ITEMS, C_DURATION, C__COUNT };

static const char *const needed[C__COUNT] = { "visitor_id", "events", "views", "items",
					      "duration_ms" };

static int read_sessions(struct lake_fs *fs, struct rowmap *m)
{
	struct delta_reader rd;
	int rc = delta_reader_open(&rd, fs, "curated/fact_sessions", needed, C__COUNT);

	if (rc == PP_ENOENT)
		rc = pp_error_wrap(rc, "curated/fact_sessions (run `ppredict etl` first)");
	while (!rc && !(rc = delta_reader_next(&rd)) && rd.scan.rows) {
		for (size_t r = 0; r < rd.scan.rows && !rc; r++) {
			const struct cell *row = rd.row, *id;
			struct visitor *v;
			const char *copy;
			bool ins;
			double minutes, rate;
			delta_reader_row(&rd, r);
			id = &row[rd.ix[C_VISITOR]];
			if (id->null)
				continue;
			if (!(v = rowmap_get(m, id->s.p, id->s.len, &copy, &ins))) {
				rc = PP_ENOMEM;
				break;
			}
			v->id = copy;
			v->sessions++;
			v->views += (uint64_t)row[rd.ix[C_VIEWS]].i;
			v->items += (uint64_t)row[rd.ix[C_ITEMS]].i;
			/* a session shorter than a minute counts as one minute */
			minutes = fmax(1.0, (double)row[rd.ix[C_DURATION]].i / 60000.0);
			rate = (double)row[rd.ix[C_EVENTS]].i / minutes;
			if (rate > v->peak_rate)
				v->peak_rate = rate;
		}
	}
	delta_reader_close(&rd);
	return rc;
}

static int median_of(double *v, size_t n, double *median)
{
	int rc = sort_doubles(v, n);

	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return rc;
}

/* The median of metric k and its robust spread; the scores of every visitor. */
static int score(struct visitor *vs, size_t n, int k, struct outlier_stats *st)
{
	double *v = pp_malloc((n ? n : 1) * sizeof(double)), med = 0, mad = 0, mean_ad = 0;
	int rc;

	if (!v || !n) {
		pp_free(v);
		return v ? 0 : PP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = log1p(vs[i].metric[k]);
	rc = median_of(v, n, &med);
	for (size_t i = 0; i < n && !rc; i++) {
		v[i] = fabs(log1p(vs[i].metric[k]) - med);
		mean_ad += v[i] / (double)n;
	}
	if (!rc)
		rc = median_of(v, n, &mad);
	pp_free(v);
	if (rc)
		return rc;
	/* modified z-score; with a MAD of 0 the mean absolute deviation stands in for it */
	st->median[k] = expm1(med);
	st->spread[k] = mad > 0 ? mad / 0.6745 : 1.253314 * mean_ad;
	for (size_t i = 0; i < n; i++) {
		double d = log1p(vs[i].metric[k]) - med;
		vs[i].z[k] = st->spread[k] > 0 ? d / st->spread[k] : d > 0 ? INFINITY : 0;
	}
	return 0;
}

static const struct pq_column_def outlier_cols[] = {
	{ "visitor_id", PQ_STRING, false, false },
	{ "sessions", PQ_INT64, false, false },
	{ "peak_events_per_minute", PQ_DOUBLE, false, false },
	{ "views_per_session", PQ_DOUBLE, false, false },
	{ "items_per_session", PQ_DOUBLE, false, false },
	{ "z_peak_events_per_minute", PQ_DOUBLE, false, false },
	{ "z_views_per_session", PQ_DOUBLE, false, false },
	{ "z_items_per_session", PQ_DOUBLE, false, false },
};

static int put_outlier(struct pq_writer *w, const void *row, void *ctx)
{
	const struct visitor *v = row;

	(void)ctx;
	pq_put_str(w, v->id, strlen(v->id));
	pq_put_i64(w, (int64_t)v->sessions);
	for (int k = 0; k < OUTLIER_METRICS; k++)
		pq_put_double(w, v->metric[k]);
	for (int k = 0; k < OUTLIER_METRICS; k++) /* JSON and Parquet readers choke on infinity */
		pq_put_double(w, isinf(v->z[k]) ? DBL_MAX : v->z[k]);
	return 0;
}

/* The simulator's truth, when the lake was simulated: which visitors were bots. */
struct truth_walk {
	struct lake_fs *fs;
	struct rowmap *m;
	int rc;
};

static int truth_file(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct truth_walk *t = ctx;
	struct buf text = BUF_INIT;
	const char *base = strrchr(path, '/');
	int rc;

	(void)size;
	(void)mtime_ms;
	base = base ? base + 1 : path;
	if (strncmp(base, "truth-", 6) || strcmp(base + strlen(base) - 4, ".csv"))
		return 0;
	if ((rc = t->fs->ops->get(t->fs, path, 0, UINT64_MAX, &text)))
		return t->rc = rc;
	/* session_id,visitor_id,start_ts,events,intent,propensity,purchased,bot */
	for (char *line = text.data, *nl, *end = text.data + text.len; line && line < end; line = nl) {
		char *f[8];
		int nf = 0;
		if ((nl = memchr(line, '\n', (size_t)(end - line))))
			*nl++ = 0;
		for (char *c = line; nf < 8; ) {
			f[nf++] = c;
			if (!(c = strchr(c, ',')))
				break;
			*c++ = 0;
		}
		if (nf == 8 && !strcmp(f[7], "1")) { /* a bot's session: its visitor, if in the lake */
			const struct strmap_slot *slot = strmap_get(&t->m->index, f[1], strlen(f[1]));
			if (slot)
				((struct visitor *)t->m->rows)[slot->value].bot = true;
		}
	}
	buf_release(&text);
	return t->rc = rc;
}

int outliers_find(struct lake_fs *fs, double threshold, struct outlier_stats *st)
{
	struct rowmap m;
	struct visitor *vs, *flagged = NULL;
	struct truth_walk tw = { fs, &m, 0 };
	struct buf file = BUF_INIT;
	int64_t rows;
	size_t nflag = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	rowmap_init(&m, sizeof(struct visitor));
	if ((rc = read_sessions(fs, &m)))
		goto out;
	rc = fs->ops->list(fs, "_meta/simulate/", truth_file, &tw);
	if (rc == PP_ENOENT) {
		pp_error_clear();
		rc = 0;
	}
	if (rc || (rc = tw.rc))
		goto out;
	vs = m.rows;
	for (size_t i = 0; i < m.n; i++) {
		struct visitor *v = &vs[i];
		double s = v->sessions ? (double)v->sessions : 1;
		v->metric[0] = v->peak_rate;
		v->metric[1] = (double)v->views / s;
		v->metric[2] = (double)v->items / s;
	}
	for (int k = 0; k < OUTLIER_METRICS && !rc; k++)
		rc = score(vs, m.n, k, st);
	if (rc || !(flagged = pp_calloc(m.n + 1, sizeof(*flagged)))) {
		rc = rc ? rc : PP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m.n; i++) {
		struct visitor *v = &vs[i];
		st->visitors++;
		v->flagged = true;
		for (int k = 0; k < OUTLIER_METRICS; k++)
			v->flagged &= v->z[k] > threshold;
		st->truth_bots += v->bot;
		st->true_positives += v->bot && v->flagged;
		if (v->flagged)
			flagged[nflag++] = *v;
	}
	st->flagged = nflag;
	if ((rc = curated_encode(flagged, nflag, sizeof(*flagged), offsetof(struct visitor, id), NULL,
				 outlier_cols, ARRAY_SIZE(outlier_cols), put_outlier, NULL, &file, &rows)))
		goto out;
	rc = curated_replace(fs, OUTLIERS_TABLE, outlier_cols, ARRAY_SIZE(outlier_cols), &file, rows);
out:
	buf_release(&file);
	pp_free(flagged);
	rowmap_release(&m);
	return rc;
}
