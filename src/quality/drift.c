/* Drift between two windows of lake tables (drift.h). */
#include "quality/drift.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/numsort.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "lake/delta/delta_rows.h"
#include "quality/stat_tests.h"

#include <math.h>

#define SMALL_REFERENCE 1000  /* rows: p-value tests at most, distances above */
#define FEW_VALUES 5          /* distinct values of a numerical column that make it categorical */
#define CAT_NULL UINT32_MAX
#define PSI_BINS 10
/* a text column with more distinct values than this, and than this share of its values,
 * is an identifier (visitor, session, item): its histogram says nothing about drift */
#define IDENTIFIER_MIN 50
#define IDENTIFIER_SHARE 0.05
#define IDENTIFIER_EARLY 20000 /* values after which a column half new values is one */

int drift_window_parse(const char *text, struct drift_window *w)
{
	const char *range = strstr(text, ".."), *colon, *at, *end;
	size_t tlen;

	memset(w, 0, sizeof(*w));
	w->version = -1;
	if (range) { /* the dates: after the last ':' before "..", or all of it */
		const char *start = text;
		for (const char *p = text; p < range; p++)
			if (*p == ':')
				start = p + 1;
		colon = start == text ? NULL : start - 1;
		if ((size_t)(range - start) > 10 || strlen(range + 2) > 10)
			return pp_error(PP_EUSAGE, "'%s': expected FROM..TO as dates (YYYY-MM-DD)", text);
		memcpy(w->dates.from, start, (size_t)(range - start));
		snprintf(w->dates.to, sizeof(w->dates.to), "%s", range + 2);
		for (const char *d = w->dates.from; d; d = d == w->dates.from ? w->dates.to : NULL)
			if (*d && (strlen(d) != 10 || d[4] != '-' || d[7] != '-'))
				return pp_error(PP_EUSAGE, "'%s': '%s' is not a date (YYYY-MM-DD)", text, d);
		end = colon ? colon : text;
	} else {
		end = text + strlen(text);
	}
	at = memchr(text, '@', (size_t)(end - text));
	tlen = (size_t)((at ? at : end) - text);
	if (tlen >= sizeof(w->table))
		return pp_error(PP_EUSAGE, "'%s': the table name is too long", text);
	memcpy(w->table, text, tlen);
	if (at) {
		char *stop;
		w->version = strtoll(at + 1, &stop, 10);
		if (stop != end || w->version < 0 || at + 1 == end)
			return pp_error(PP_EUSAGE, "'%s': expected TABLE@VERSION with a version number", text);
	}
	if (!range && !at && !tlen)
		return pp_error(PP_EUSAGE, "expected TABLE, TABLE@VERSION or [TABLE:]FROM..TO, got '%s'",
				text);
	return 0;
}

/* A column both sides are read for. */
struct chosen {
	const char *name;
	enum cell_type type;
	int ix[2];             /* in each side's schema */
	int sub;               /* among the columns the side's scan reads */
	uint64_t kept;         /* values interned so far (the identifier check on the way) */
	bool asked;            /* named by the user: never skipped as an identifier */
	struct strmap cats;    /* text and boolean values, by first appearance */
	uint32_t ncats;
	const char *skip;      /* why it is not compared */
};

struct side {
	const struct drift_window *w;
	struct delta_snapshot snap;
	struct delta_schema sc;
	bool loaded;
	uint64_t seen;      /* rows in the window */
	size_t rows, cap;   /* rows kept */
	double **num;       /* per chosen numerical column: values (NAN: null) */
	uint32_t **cat;     /* per chosen categorical column: category (CAT_NULL: null) */
};

static bool categorical_type(enum cell_type t)
{
	return t == CELL_TEXT || t == CELL_BOOL;
}

static int grow(struct side *s, size_t nch, size_t want)
{
	size_t cap = s->cap ? s->cap : 4096;

	while (cap < want)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	for (size_t c = 0; c < nch; c++) {
		if (s->num[c] && !(s->num[c] = pp_realloc(s->num[c], cap * sizeof(double))))
			return PP_ENOMEM;
		if (s->cat[c] && !(s->cat[c] = pp_realloc(s->cat[c], cap * sizeof(uint32_t))))
			return PP_ENOMEM;
	}
	s->cap = cap;
	return 0;
}

/* Row `row` of the batch into kept row k. */
static int keep(struct side *s, struct chosen *ch, size_t nch, const struct cell *row,
		size_t k)
{
	for (size_t c = 0; c < nch; c++) {
		const struct cell *v;
		if (ch[c].skip)
			continue;
		v = &row[ch[c].sub];
		if (s->num[c]) {
			s->num[c][k] = v->null ? NAN : ch[c].type == CELL_DOUBLE ? v->d : (double)v->i;
		} else if (v->null) {
			s->cat[c][k] = CAT_NULL;
		} else {
			struct span t = ch[c].type == CELL_BOOL ? span_of(v->i ? "true" : "false") : v->s;
			bool ins;
			struct strmap_slot *slot = strmap_put(&ch[c].cats, t.p, t.len, &ins);
			if (!slot)
				return PP_ENOMEM;
			if (ins)
				slot->value = ch[c].ncats++;
			s->cat[c][k] = (uint32_t)slot->value;
			/* most values new after many: an identifier, not worth interning them all
			 * (the final rule, applied to what is kept, is stricter) */
			if (++ch[c].kept >= IDENTIFIER_EARLY && !ch[c].asked && ch[c].type == CELL_TEXT &&
			    ch[c].ncats > ch[c].kept / 2) {
				ch[c].skip = "identifier-like (too many distinct values to compare as categories)";
				strmap_release(&ch[c].cats);
				strmap_init(&ch[c].cats);
			}
		}
	}
	return 0;
}

static int read_side(struct lake_fs *fs, struct side *s, struct chosen *ch, size_t nch, int which,
		     const struct drift_opts *o, struct rng *r)
{
	const struct drift_window *w = s->w;
	struct delta_scan scan;
	struct delta_schema sub;
	struct cell *row = NULL;
	const char **names = NULL;
	size_t nnames = 0;
	int rc;

	memset(&scan, 0, sizeof(scan));
	memset(&sub, 0, sizeof(sub));
	for (size_t c = 0; c < nch; c++) {
		if (ch[c].skip)
			continue;
		if (categorical_type(ch[c].type))
			s->cat[c] = pp_malloc(sizeof(uint32_t));
		else
			s->num[c] = pp_malloc(sizeof(double));
		if (!s->cat[c] && !s->num[c])
			return PP_ENOMEM;
	}
	if ((rc = grow(s, nch, o->sample ? o->sample : 4096)))
		return rc;
	/* only the compared columns are read */
	if (!(names = pp_calloc(nch + 1, sizeof(*names))) || !(row = pp_calloc(nch + 1, sizeof(*row)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < nch; c++)
		if (!ch[c].skip)
			names[nnames++] = s->sc.cols[ch[c].ix[which]].name;
	if (!nnames)
		names[nnames++] = s->sc.cols[0].name; /* for the row count */
	if ((rc = delta_schema_select(&s->sc, names, nnames, &sub)))
		goto out;
	for (size_t c = 0; c < nch; c++)
		if (!ch[c].skip)
			ch[c].sub = delta_schema_index(&sub, s->sc.cols[ch[c].ix[which]].name);
	if ((rc = delta_scan_begin(&scan, fs, w->table, &s->snap, sub.names, sub.n)))
		goto out;
	if (w->dates.from[0] || w->dates.to[0]) {
		scan.want = delta_file_in_dates;
		scan.want_ctx = (void *)&w->dates;
	}
	while (!(rc = delta_scan_next(&scan)) && scan.rows) {
		if ((rc = delta_row_partitions(&sub, w->table, &scan, row)))
			break;
		for (size_t i = 0; i < scan.rows && !rc; i++) {
			size_t k;
			s->seen++;
			if (!o->sample || s->rows < o->sample) {
				if (s->rows == s->cap && (rc = grow(s, nch, s->rows + 1)))
					break;
				k = s->rows++;
			} else if ((k = (size_t)rng_below(r, s->seen)) >= o->sample) {
				continue; /* reservoir sampling: row `seen` is kept with chance sample/seen */
			}
			delta_row_values(&sub, &scan, i, row);
			rc = keep(s, ch, nch, row, k);
		}
		if (rc)
			break;
	}
out:
	delta_scan_close(&scan);
	delta_schema_release(&sub);
	pp_free(names);
	pp_free(row);
	return rc;
}

/* The non-null values of a numerical column, sorted; *n their count. */
static double *sorted_values(const double *v, size_t rows, size_t *n)
{
	double *out = pp_malloc((rows ? rows : 1) * sizeof(double));

	*n = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < rows; i++)
		if (!isnan(v[i]))
			out[(*n)++] = v[i];
	if (sort_doubles(out, *n)) {
		pp_free(out);
		return NULL;
	}
	return out;
}

static size_t distinct(const double *v, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++)
		d += !i || v[i] != v[i - 1];
	return d;
}

/* Counts per category over both sides (k categories). */
struct counts {
	double *ref, *cur;
	size_t k;
	double nref, ncur;
};

static int counts_of_numbers(const double *a, size_t na, const double *b, size_t nb, struct counts *ct)
{
	size_t i = 0, j = 0;

	ct->ref = pp_calloc(na + nb + 1, sizeof(double));
	ct->cur = pp_calloc(na + nb + 1, sizeof(double));
	if (!ct->ref || !ct->cur)
		return PP_ENOMEM;
	ct->k = 0;
	while (i < na || j < nb) { /* merge the sorted values: one category per distinct value */
		double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
		while (i < na && a[i] == v)
			ct->ref[ct->k]++, i++;
		while (j < nb && b[j] == v)
			ct->cur[ct->k]++, j++;
		ct->k++;
	}
	ct->nref = (double)na;
	ct->ncur = (double)nb;
	return 0;
}

static int counts_of_categories(const struct side *s, size_t c, uint32_t ncats, struct counts *ct, int which)
{
	double *dst;

	if (!which) {
		ct->k = ncats;
		ct->ref = pp_calloc(ncats + 1, sizeof(double));
		ct->cur = pp_calloc(ncats + 1, sizeof(double));
		if (!ct->ref || !ct->cur)
			return PP_ENOMEM;
	}
	dst = which ? ct->cur : ct->ref;
	for (size_t i = 0; i < s->rows; i++)
		if (s->cat[c][i] != CAT_NULL) {
			dst[s->cat[c][i]]++;
			*(which ? &ct->ncur : &ct->nref) += 1;
		}
	return 0;
}

static double psi_of_counts(const struct counts *ct)
{
	double psi = 0;

	for (size_t i = 0; i < ct->k; i++) {
		double r = ct->ref[i] / ct->nref, c = ct->cur[i] / ct->ncur;
		if (r == 0)
			r = PSI_EMPTY;
		if (c == 0)
			c = PSI_EMPTY;
		psi += (c - r) * log(c / r);
	}
	return psi;
}

static const char *psi_band(double psi)
{
	return psi < 0.1 ? "none" : psi < 0.25 ? "moderate" : "significant";
}

static bool is_p_value_test(const char *t)
{
	return !strcmp(t, "ks") || !strcmp(t, "chisquare") || !strcmp(t, "z");
}

/*
 * Chi-square test of homogeneity of the two samples (a 2 x k table): both are samples, so
 * goodness of fit against the reference's shares, as if they were exact, would reject
 * far too often (30% instead of 5% at 500 rows a side; tests/unit/test_quality.c).
 * Categories expected fewer than 5 times in either row are pooled into one, as the test's
 * approximation needs.
 */
static int pooled_chi2(const struct counts *ct, struct stat_result *r)
{
	double *t = pp_calloc(2 * (ct->k + 1), sizeof(double)), pool[2] = { 0, 0 };
	double total = ct->nref + ct->ncur;
	size_t n = 0, k = ct->k + 1;
	int rc = 0;

	if (!t)
		return PP_ENOMEM;
	for (size_t i = 0; i < ct->k; i++) {
		double col = ct->ref[i] + ct->cur[i];
		if (col == 0)
			continue;
		if (col * fmin(ct->nref, ct->ncur) / total < 5) {
			pool[0] += ct->ref[i];
			pool[1] += ct->cur[i];
		} else {
			t[n] = ct->ref[i];
			t[k + n++] = ct->cur[i];
		}
	}
	if (pool[0] + pool[1] > 0) {
		t[n] = pool[0];
		t[k + n++] = pool[1];
	}
	if (n < 2) { /* one category (or pool): nothing can differ */
		*r = (struct stat_result){ 0, 1, 0 };
	} else {
		memmove(t + n, t + k, n * sizeof(double)); /* rows of n cells */
		rc = chi2_independence(t, 2, n, false, r);
	}
	pp_free(t);
	return rc;
}

/* The categorical tests on counts. */
static int categorical_test(const char *test, const struct counts *ct, struct stat_result *r)
{
	if (!strcmp(test, "jensenshannon")) {
		r->p_value = NAN;
		return js_distance(ct->ref, ct->cur, ct->k, &r->statistic);
	}
	if (!strcmp(test, "z")) /* the share of the first category */
		return z_test_2prop(ct->ref[0], ct->nref, ct->cur[0], ct->ncur, r);
	return pooled_chi2(ct, r);
}

/* One column compared: its entry of the report, or NULL with *why to skip it. */
#define DIST_BINS 10 /* the distributions shown beside a column's test */

/* A numerical column's two distributions over DIST_BINS equal bins of both sides' range. */
static json_t *bins_json(const double *a, size_t na, const double *b, size_t nb)
{
	double lo = fmin(a[0], b[0]), hi = fmax(a[na - 1], b[nb - 1]), w = (hi - lo) / DIST_BINS;
	double ra[DIST_BINS] = { 0 }, rb[DIST_BINS] = { 0 };
	json_t *edges = json_array(), *ja = json_array(), *jb = json_array();

	for (size_t i = 0; i < na; i++)
		ra[w > 0 ? (size_t)fmin(DIST_BINS - 1, (a[i] - lo) / w) : 0] += 1.0 / (double)na;
	for (size_t i = 0; i < nb; i++)
		rb[w > 0 ? (size_t)fmin(DIST_BINS - 1, (b[i] - lo) / w) : 0] += 1.0 / (double)nb;
	for (int k = 0; k <= DIST_BINS; k++)
		json_array_append_new(edges, json_real(lo + k * w));
	for (int k = 0; k < DIST_BINS; k++) {
		json_array_append_new(ja, json_real(ra[k]));
		json_array_append_new(jb, json_real(rb[k]));
	}
	return json_pack("{s:o,s:o,s:o}", "edges", edges, "reference", ja, "current", jb);
}

/* A categorical column's two distributions: its DIST_BINS most common values (by both
 * sides together) and the rest as one. labels[i] names category i (NULL: a number). */
static json_t *categories_json(const struct counts *ct, const char *const *labels, const double *values)
{
	size_t order[DIST_BINS], n = 0;
	double other_r = 1, other_c = 1;
	json_t *names = json_array(), *ja = json_array(), *jb = json_array();

	for (size_t i = 0; i < ct->k; i++) { /* the top ones, by insertion */
		double s = ct->ref[i] / ct->nref + ct->cur[i] / ct->ncur;
		size_t at = n;
		while (at > 0 && ct->ref[order[at - 1]] / ct->nref + ct->cur[order[at - 1]] / ct->ncur < s)
			at--;
		if (at >= DIST_BINS)
			continue;
		if (n < DIST_BINS)
			n++;
		memmove(order + at + 1, order + at, (n - 1 - at) * sizeof(*order));
		order[at] = i;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		char text[32];
		if (labels)
			json_array_append_new(names, json_string(labels[i] ? labels[i] : ""));
		else {
			snprintf(text, sizeof(text), "%.6g", values[i]);
			json_array_append_new(names, json_string(text));
		}
		json_array_append_new(ja, json_real(ct->ref[i] / ct->nref));
		json_array_append_new(jb, json_real(ct->cur[i] / ct->ncur));
		other_r -= ct->ref[i] / ct->nref;
		other_c -= ct->cur[i] / ct->ncur;
	}
	if (ct->k > n) {
		json_array_append_new(names, json_string("(the rest)"));
		json_array_append_new(ja, json_real(fmax(0, other_r)));
		json_array_append_new(jb, json_real(fmax(0, other_c)));
	}
	return json_pack("{s:o,s:o,s:o}", "categories", names, "reference", ja, "current", jb);
}

/* The distinct values of two sorted arrays, merged (counts_of_numbers' categories). */
static double *merged_values(const double *a, size_t na, const double *b, size_t nb)
{
	double *v = pp_malloc((na + nb + 1) * sizeof(double));
	size_t i = 0, j = 0, k = 0;

	while (v && (i < na || j < nb)) {
		double x = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		v[k++] = x;
	}
	return v;
}

static int compare_column(struct chosen *ch, size_t c, struct side *ref, struct side *cur,
			  const struct drift_opts *o, json_t **entry, bool *drifted)
{
	struct counts ct = { 0 };
	struct stat_result r = { 0, NAN, 0 };
	double *a = NULL, *b = NULL, psi = 0, threshold;
	size_t na = 0, nb = 0;
	bool categorical = categorical_type(ch->type);
	const char *test;
	int rc = 0;

	*entry = NULL;
	if (!categorical) {
		if (!(a = sorted_values(ref->num[c], ref->rows, &na)) ||
		    !(b = sorted_values(cur->num[c], cur->rows, &nb))) {
			rc = PP_ENOMEM;
			goto out;
		}
		if (na && distinct(a, na) <= FEW_VALUES) {
			categorical = true;
			if ((rc = counts_of_numbers(a, na, b, nb, &ct)))
				goto out;
		}
	} else if ((rc = counts_of_categories(ref, c, ch->ncats, &ct, 0)) ||
		   (rc = counts_of_categories(cur, c, ch->ncats, &ct, 1))) {
		goto out;
	} else {
		na = (size_t)ct.nref;
		nb = (size_t)ct.ncur;
	}
	if (!na || !nb) {
		ch->skip = !na ? "no values in the reference" : "no values in the current data";
		goto out;
	}
	if (categorical && ch->type == CELL_TEXT && !ch->asked) {
		size_t seen = 0;
		for (size_t i = 0; i < ct.k; i++)
			seen += ct.ref[i] > 0;
		if (seen > IDENTIFIER_MIN && (double)seen > IDENTIFIER_SHARE * (double)na) {
			ch->skip = "identifier-like (too many distinct values to compare as categories)";
			goto out;
		}
	}
	/* the test: the one asked for if it fits the column, else the default rule */
	test = o->stattest;
	if (test && !strcmp(test, "psi"))
		;
	else if (test && categorical != (!strcmp(test, "chisquare") || !strcmp(test, "z") ||
					  !strcmp(test, "jensenshannon")))
		test = NULL;
	if (!test)
		test = categorical ? (na <= SMALL_REFERENCE ? (ct.k > 2 ? "chisquare" : "z") : "jensenshannon")
				   : (na <= SMALL_REFERENCE ? "ks" : "wasserstein");
	if (!strcmp(test, "z") && ct.k != 2)
		test = "chisquare";
	psi = categorical ? psi_of_counts(&ct) : 0;
	if (!categorical && (rc = psi_quantile(a, na, b, nb, PSI_BINS, &psi)))
		goto out;
	if (!strcmp(test, "psi")) {
		r.statistic = psi;
	} else if (categorical) {
		rc = categorical_test(test, &ct, &r);
	} else if (!strcmp(test, "ks")) {
		rc = ks2_test(a, na, b, nb, &r);
	} else { /* wasserstein, normed by the reference's spread as Evidently does */
		double mean = 0, var = 0;
		for (size_t i = 0; i < na; i++)
			mean += a[i] / (double)na;
		for (size_t i = 0; i < na; i++)
			var += (a[i] - mean) * (a[i] - mean) / (double)na;
		if (!(rc = wasserstein1(a, na, b, nb, &r.statistic)))
			r.statistic /= fmax(sqrt(var), 0.001);
	}
	if (rc)
		goto out;
	threshold = o->threshold > 0 ? o->threshold : is_p_value_test(test) ? 0.05 : 0.1;
	*drifted = is_p_value_test(test) ? r.p_value < threshold : r.statistic >= threshold;
	*entry = json_pack("{s:s,s:s,s:s,s:f,s:f,s:b,s:f,s:s,s:I,s:I}", "column", ch->name, "type",
			   categorical ? "categorical" : "numerical", "stattest", test, "statistic",
			   isinf(r.statistic) ? 1e308 : r.statistic, "threshold", threshold,
			   "drift_detected", *drifted, "psi", psi, "psi_band", psi_band(psi), "reference_values",
			   (json_int_t)na, "current_values", (json_int_t)nb);
	if (*entry && is_p_value_test(test))
		json_object_set_new(*entry, "p_value", json_real(r.p_value));
	if (*entry) { /* the two distributions, for a reader to see what moved */
		json_t *dist = NULL;
		if (!categorical) {
			dist = bins_json(a, na, b, nb);
		} else if (a) { /* few distinct numbers */
			double *v = merged_values(a, na, b, nb);
			dist = v ? categories_json(&ct, NULL, v) : NULL;
			pp_free(v);
		} else {
			const char **labels = pp_calloc(ch->ncats + 1, sizeof(*labels));
			for (size_t s = 0; labels && s < ch->cats.cap; s++)
				if (ch->cats.slots[s].key && ch->cats.slots[s].value < ch->ncats)
					labels[ch->cats.slots[s].value] = ch->cats.slots[s].key;
			dist = labels ? categories_json(&ct, labels, NULL) : NULL;
			pp_free(labels);
		}
		if (dist)
			json_object_set_new(*entry, "distribution", dist);
	}
	if (!*entry)
		rc = PP_ENOMEM;
out:
	pp_free(a);
	pp_free(b);
	pp_free(ct.ref);
	pp_free(ct.cur);
	return rc;
}

static bool identifier_name(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "id") || (n > 3 && !strcmp(name + n - 3, "_id"));
}

/* The columns to compare, from the reference's schema. */
static int choose(const struct side *ref, const struct side *cur, const struct drift_opts *o,
		  struct chosen **out, size_t *nout)
{
	const struct delta_schema *rs = &ref->sc, *cs = &cur->sc;
	struct chosen *ch = pp_calloc(rs->n + 1, sizeof(*ch));
	size_t n = 0;

	if (!ch)
		return PP_ENOMEM;
	*out = ch;
	for (size_t i = 0; i < o->ncolumns; i++)
		if (delta_schema_index(rs, o->columns[i]) < 0)
			return pp_error(PP_EUSAGE, "--columns: %s has no column '%s'", ref->w->table,
					o->columns[i]);
	for (size_t c = 0; c < rs->n; c++) {
		const struct table_column *col = &rs->cols[c];
		bool asked = false, window = (ref->w->dates.from[0] || ref->w->dates.to[0]) && rs->part[c] == 0;
		for (size_t i = 0; i < o->ncolumns; i++)
			asked |= !strcmp(col->name, o->columns[i]);
		if (o->ncolumns && !asked)
			continue;
		ch[n].name = col->name;
		ch[n].type = col->type;
		ch[n].asked = asked;
		ch[n].ix[0] = (int)c;
		ch[n].ix[1] = delta_schema_index(cs, col->name);
		strmap_init(&ch[n].cats);
		if (!asked && window)
			ch[n].skip = "the window's column";
		else if (!asked && (col->type == CELL_DATE || col->type == CELL_TIMESTAMP))
			ch[n].skip = "a time (it moves with the window)";
		else if (!asked && col->type != CELL_TEXT && identifier_name(col->name))
			ch[n].skip = "an identifier"; /* numbers that name things; text ones by cardinality */
		else if (ch[n].ix[1] < 0)
			ch[n].skip = "missing from the current data";
		else if (cs->cols[ch[n].ix[1]].type != col->type)
			ch[n].skip = "its type differs in the current data";
		n++;
	}
	*nout = n;
	return 0;
}

static int load_side(struct lake_fs *fs, struct side *s)
{
	int rc;

	if ((rc = delta_snapshot_load(fs, s->w->table, s->w->version, &s->snap)))
		return pp_error_wrap(rc, "%s", s->w->table);
	s->loaded = true;
	if ((rc = delta_schema_load(s->w->table, &s->snap, &s->sc)))
		return rc;
	if ((s->w->dates.from[0] || s->w->dates.to[0]) && !s->snap.npart)
		return pp_error(PP_EUSAGE, "%s is not partitioned by date: compare versions "
				"(TABLE@VERSION) instead of a window", s->w->table);
	return 0;
}

static json_t *side_json(const struct side *s)
{
	json_t *j = json_pack("{s:s,s:I,s:I,s:I}", "table", s->w->table, "version",
			      (json_int_t)s->snap.version, "rows", (json_int_t)s->seen, "rows_compared",
			      (json_int_t)s->rows);

	if (s->w->dates.from[0])
		json_object_set_new(j, "from", json_string(s->w->dates.from));
	if (s->w->dates.to[0])
		json_object_set_new(j, "to", json_string(s->w->dates.to));
	return j;
}

/* The model's predictions on each side as the column after the chosen ones (the arrays
 * have room for it). */
static int add_predictions(struct chosen *ch, size_t *nch, struct side *sides, const struct drift_opts *o)
{
	size_t nf = o->nmodel_features, c = *nch;
	int rc = 0;

	ch[c] = (struct chosen){ .name = "prediction", .type = CELL_DOUBLE, .asked = true, .ix = { -1, -1 } };
	strmap_init(&ch[c].cats);
	*nch = c + 1;
	for (int s = 0; s < 2 && !rc; s++) {
		struct side *sd = &sides[s];
		float *x = pp_malloc((sd->rows * nf + 1) * sizeof(float));
		if (!x || !(sd->num[c] = pp_malloc((sd->rows + 1) * sizeof(double)))) {
			pp_free(x);
			return PP_ENOMEM;
		}
		for (size_t f = 0; f < nf; f++) {
			const double *col = NULL;
			for (size_t k = 0; k < c && !col; k++)
				if (!ch[k].skip && sd->num[k] && !strcmp(ch[k].name, o->model_features[f]))
					col = sd->num[k];
			for (size_t r = 0; r < sd->rows; r++)
				x[r * nf + f] = col ? (float)col[r] : NAN;
		}
		rc = o->predict(o->predict_ctx, x, sd->rows, sd->num[c]);
		pp_free(x);
	}
	return rc;
}

int drift_compare(struct lake_fs *fs, const struct drift_window *refw, const struct drift_window *curw,
		  const struct drift_opts *o, json_t **report, struct drift_summary *sum)
{
	struct drift_window cw = *curw;
	struct side sides[2];
	struct chosen *ch = NULL;
	size_t nch = 0;
	struct rng r;
	json_t *cols = NULL, *skipped = NULL;
	double share = o->drift_share > 0 ? o->drift_share : 0.5;
	int rc;

	memset(sides, 0, sizeof(sides));
	memset(sum, 0, sizeof(*sum));
	*report = NULL;
	if (!cw.table[0])
		snprintf(cw.table, sizeof(cw.table), "%s", refw->table);
	sides[0].w = refw;
	sides[1].w = &cw;
	rng_seed(&r, o->seed);
	if ((rc = load_side(fs, &sides[0])) || (rc = load_side(fs, &sides[1])) ||
	    (rc = choose(&sides[0], &sides[1], o, &ch, &nch)))
		goto out;
	for (int s = 0; s < 2; s++)
		if (!(sides[s].num = pp_calloc(nch + 1, sizeof(double *))) ||
		    !(sides[s].cat = pp_calloc(nch + 1, sizeof(uint32_t *)))) {
			rc = PP_ENOMEM;
			goto out;
		}
	if ((rc = read_side(fs, &sides[0], ch, nch, 0, o, &r)) ||
	    (rc = read_side(fs, &sides[1], ch, nch, 1, o, &r)))
		goto out;
	if (!sides[0].seen || !sides[1].seen) {
		rc = pp_error(PP_EINVAL, "the %s window of %s has no rows", !sides[0].seen ? "reference" : "current",
			      sides[!sides[0].seen ? 0 : 1].w->table);
		goto out;
	}
	if (o->predict && (rc = add_predictions(ch, &nch, sides, o)))
		goto out;
	cols = json_array();
	skipped = json_array();
	for (size_t c = 0; c < nch && !rc; c++) {
		json_t *entry = NULL;
		bool drifted = false;
		if (!ch[c].skip)
			rc = compare_column(&ch[c], c, &sides[0], &sides[1], o, &entry, &drifted);
		if (rc)
			break;
		if (entry) {
			json_array_append_new(cols, entry);
			sum->columns++;
			sum->drifted += drifted;
		} else {
			json_array_append_new(skipped, json_pack("{s:s,s:s}", "column", ch[c].name, "reason",
								 ch[c].skip));
		}
	}
	if (rc)
		goto out;
	sum->dataset_drift = sum->columns && (double)sum->drifted >= share * (double)sum->columns;
	*report = json_pack("{s:o,s:o,s:O,s:O,s:f,s:I,s:I,s:f,s:b}", "reference", side_json(&sides[0]),
			    "current", side_json(&sides[1]), "columns", cols, "skipped", skipped,
			    "drift_share", share, "number_of_columns", (json_int_t)sum->columns,
			    "number_of_drifted_columns", (json_int_t)sum->drifted,
			    "share_of_drifted_columns",
			    sum->columns ? (double)sum->drifted / (double)sum->columns : 0.0,
			    "dataset_drift", sum->dataset_drift);
	if (!*report)
		rc = PP_ENOMEM;
out:
	json_decref(cols);
	json_decref(skipped);
	for (size_t c = 0; c < nch; c++) {
		strmap_release(&ch[c].cats);
		for (int s = 0; s < 2; s++) {
			if (sides[s].num)
				pp_free(sides[s].num[c]);
			if (sides[s].cat)
				pp_free(sides[s].cat[c]);
		}
	}
	pp_free(ch);
	for (int s = 0; s < 2; s++) {
		pp_free(sides[s].num);
		pp_free(sides[s].cat);
		delta_schema_release(&sides[s].sc);
		if (sides[s].loaded)
			delta_snapshot_release(&sides[s].snap);
	}
	return rc;
}
