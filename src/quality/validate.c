/* One pass of a suite's expectations over its table (validate.h). */
#include "quality/validate.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/strmap.h"
#include "core/strsort.h"
#include "core/timeutil.h"
#include "lake/delta/delta_rows.h"

#include <math.h>

/* What one expectation gathers over the rows. */
struct tally {
	const struct expectation *e;
	int col; /* among the columns read; -1: the table has no such column */
	uint64_t rows, nulls, unexpected;
	double sum;
	int64_t newest;
	bool have_newest;
	double lo, hi; /* bounds in the column's units (days, ms, numbers) */
	bool have_lo, have_hi;
	int sub; /* among the columns read */
	struct strmap seen; /* the text sets */
	/* unique and proportion of unique: every value (NUL-terminated, at offs), sorted at
	 * the end; sorting beats a hash table of millions of keys here */
	bool counting;
	uint64_t distinct;
	struct buf vals;
	size_t *offs, nvals, capvals;
	/* sets and patterns: the verdict on the last value, which often repeats (partition
	 * values, event types) */
	struct buf last;
	bool have_last, last_ok;
	double *numbers; /* value_set of a numeric column */
	size_t nnumbers;
	json_t *sample;
	char problem[256]; /* why it cannot be evaluated */
};

static bool numeric(enum cell_type t)
{
	return t != CELL_TEXT;
}

static double cell_number(enum cell_type t, const struct cell *c)
{
	return t == CELL_DOUBLE ? c->d : (double)c->i;
}

/* The value as text (sets, patterns, samples); text cells point into the batch. */
static struct span cell_text(enum cell_type t, const struct cell *c, struct buf *tmp)
{
	char when[32];

	if (t == CELL_TEXT)
		return c->s;
	buf_reset(tmp);
	switch (t) {
	case CELL_DOUBLE:
		buf_put_double(tmp, c->d);
		break;
	case CELL_BOOL:
		buf_puts(tmp, c->i ? "true" : "false");
		break;
	case CELL_DATE:
		time_format_rfc3339(c->i * MS_PER_DAY, when);
		buf_append(tmp, when, 10);
		break;
	case CELL_TIMESTAMP:
		time_format_rfc3339(c->i, when);
		buf_puts(tmp, when);
		break;
	default:
		buf_put_i64(tmp, c->i);
	}
	return (struct span){ tmp->data ? tmp->data : "", tmp->len };
}

/* A bound as the column's units: numbers as they are, dates and times from text. */
static int bound(const struct tally *t, enum cell_type type, const json_t *v, double *out)
{
	const char *s = json_string_value(v);
	int64_t ms;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (s && (type == CELL_DATE || type == CELL_TIMESTAMP) && !time_parse(s, strlen(s), &ms)) {
		*out = type == CELL_DATE ? (double)floor_div(ms, MS_PER_DAY) : (double)ms;
		return 0;
	}
	if (s && !parse_double(s, strlen(s), out))
		return 0;
	return pp_error(PP_EINVAL, "%s: bound '%s' is not a %s", expect_kind_name(t->e->kind),
			s ? s : "?", type == CELL_DATE || type == CELL_TIMESTAMP ? "date or time" : "number");
}

static bool within(const struct tally *t, double v)
{
	if (t->have_lo && (t->e->strict_min ? !(v > t->lo) : !(v >= t->lo)))
		return false;
	if (t->have_hi && (t->e->strict_max ? !(v < t->hi) : !(v <= t->hi)))
		return false;
	return true;
}

static int prepare(struct tally *t, const struct delta_schema *sc, enum cell_type type)
{
	const struct expectation *e = t->e;
	int rc = 0;

	if (e->min && (rc = bound(t, type, e->min, &t->lo)))
		return rc;
	if (e->max && (rc = bound(t, type, e->max, &t->hi)))
		return rc;
	t->have_lo = e->min != NULL;
	t->have_hi = e->max != NULL;
	(void)sc;
	if (e->kind == EXP_BETWEEN && type == CELL_TEXT)
		snprintf(t->problem, sizeof(t->problem), "column %s holds text, not numbers or times",
			 e->column);
	t->counting = e->kind == EXP_UNIQUE || e->kind == EXP_UNIQUE_PROPORTION;
	if (e->kind == EXP_IN_SET) {
		size_t n = json_array_size(e->set);
		if (numeric(type) && type != CELL_BOOL) {
			if (!(t->numbers = pp_calloc(n + 1, sizeof(double))))
				return PP_ENOMEM;
			for (size_t i = 0; i < n && !rc; i++) {
				double v;
				if (!(rc = bound(t, type, json_array_get(e->set, i), &v)))
					t->numbers[t->nnumbers++] = v;
			}
			return rc;
		}
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_array_get(e->set, i);
			const char *s = json_is_boolean(v) ? (json_is_true(v) ? "true" : "false")
							    : json_string_value(v);
			bool ins;
			if (!s)
				return pp_error(PP_EINVAL, "%s: value_set of text column %s: item %zu is not "
						"text", expect_kind_name(e->kind), e->column, i + 1);
			if (!strmap_put(&t->seen, s, strlen(s), &ins))
				return PP_ENOMEM;
		}
	}
	return 0;
}

static int note_unexpected(struct tally *t, struct span text)
{
	t->unexpected++;
	if (json_array_size(t->sample) < UNEXPECTED_SAMPLE &&
	    json_array_append_new(t->sample, json_stringn(text.p, text.len)))
		return PP_ENOMEM;
	return 0;
}

static bool same_as_last(const struct tally *t, struct span text)
{
	return t->have_last && t->last.len == text.len && !memcmp(t->last.data, text.p, text.len);
}

static int remember(struct tally *t, struct span text, bool ok)
{
	buf_reset(&t->last);
	t->have_last = !buf_append(&t->last, text.p, text.len);
	t->last_ok = ok;
	return 0;
}

static int keep_value(struct tally *t, struct span text)
{
	if (t->nvals == t->capvals && pp_array_grow(&t->offs, t->nvals, &t->capvals, sizeof(size_t), 1024))
		return PP_ENOMEM;
	t->offs[t->nvals++] = t->vals.len;
	if (buf_append(&t->vals, text.p, text.len) || buf_putc(&t->vals, 0))
		return PP_ENOMEM;
	return 0;
}

static bool in_numbers(const struct tally *t, double v)
{
	for (size_t i = 0; i < t->nnumbers; i++)
		if (t->numbers[i] == v)
			return true;
	return false;
}

/* One row's cell for one expectation. */
static int observe(struct tally *t, enum cell_type type, const struct cell *c, struct buf *tmp)
{
	const struct expectation *e = t->e;
	struct span text;

	t->rows++;
	if (c->null) {
		t->nulls++;
		return 0;
	}
	switch (e->kind) {
	case EXP_BETWEEN:
		if (type != CELL_TEXT && !within(t, cell_number(type, c)))
			return note_unexpected(t, cell_text(type, c, tmp));
		return 0;
	case EXP_IN_SET: {
		bool ok;
		text = cell_text(type, c, tmp);
		if (same_as_last(t, text))
			ok = t->last_ok;
		else if (t->numbers)
			ok = in_numbers(t, cell_number(type, c));
		else
			ok = strmap_get(&t->seen, text.p, text.len) != NULL;
		remember(t, text, ok);
		return ok ? 0 : note_unexpected(t, text);
	}
	case EXP_MATCH_REGEX: {
		bool ok;
		text = cell_text(type, c, tmp);
		if (same_as_last(t, text)) {
			ok = t->last_ok;
		} else { /* regexec wants a terminated string: the copy in `last` */
			remember(t, text, false);
			if (!t->have_last || buf_putc(&t->last, 0))
				return PP_ENOMEM;
			ok = !regexec(&e->re, t->last.data, 0, NULL, 0);
			t->last.len--;
			t->last_ok = ok;
		}
		return ok ? 0 : note_unexpected(t, text);
	}
	case EXP_MEAN_BETWEEN:
		if (numeric(type))
			t->sum += cell_number(type, c);
		return 0;
	case EXP_MAX_AGE:
		if ((type == CELL_TIMESTAMP || type == CELL_DATE) && (!t->have_newest || c->i > t->newest)) {
			t->newest = c->i;
			t->have_newest = true;
		}
		return 0;
	default:
		break;
	}
	if (t->counting)
		return keep_value(t, cell_text(type, c, tmp));
	return 0;
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static json_t *map_result(const struct tally *t, uint64_t domain)
{
	return json_pack("{s:I,s:I,s:f,s:I,s:f,s:f,s:O}", "element_count", (json_int_t)t->rows,
			 "missing_count", (json_int_t)t->nulls, "missing_percent",
			 percent(t->nulls, t->rows), "unexpected_count", (json_int_t)t->unexpected,
			 "unexpected_percent", percent(t->unexpected, domain),
			 "unexpected_percent_nonmissing", percent(t->unexpected, t->rows - t->nulls),
			 "partial_unexpected_list", t->sample);
}

static bool bounded(const struct tally *t, double v)
{
	return !isnan(v) && within(t, v);
}

/* The kept values sorted: the distinct ones counted and, for
 * uniqueness, every row of a repeated value counted as unexpected (GE's count). */
static int distinct(struct tally *t)
{
	const char **v = pp_malloc((t->nvals ? t->nvals : 1) * sizeof(*v));
	size_t *order;

	if (!v)
		return PP_ENOMEM;
	for (size_t i = 0; i < t->nvals; i++)
		v[i] = t->vals.data + t->offs[i];
	if (!(order = str_order(v, t->nvals, sizeof(*v), 0))) {
		pp_free(v);
		return PP_ENOMEM;
	}
	t->distinct = 0;
	for (size_t i = 0, j; i < t->nvals; i = j) {
		const char *run = v[order[i]];
		for (j = i + 1; j < t->nvals && !strcmp(v[order[j]], run); j++)
			;
		t->distinct++;
		if (t->e->kind == EXP_UNIQUE && j - i > 1) {
			t->unexpected += j - i;
			if (json_array_size(t->sample) < UNEXPECTED_SAMPLE)
				json_array_append_new(t->sample, json_string(run));
		}
	}
	pp_free(order);
	pp_free(v);
	return 0;
}

/* The expectation's verdict and GE's result object, after the pass. */
static json_t *conclude(struct tally *t, const struct delta_schema *sc, uint64_t rows,
			int64_t now_ms, bool *success)
{
	const struct expectation *e = t->e;
	enum cell_type type = t->col >= 0 ? sc->cols[t->col].type : CELL_TEXT;
	uint64_t nonnull = t->rows - t->nulls;
	json_t *res = NULL, *list;
	double v;

	*success = false;
	switch (e->kind) {
	case EXP_COLUMN_EXISTS:
		*success = t->col >= 0;
		return json_pack("{s:b}", "observed_value", *success);
	case EXP_ROW_COUNT:
		*success = bounded(t, (double)rows);
		return json_pack("{s:I}", "observed_value", (json_int_t)rows);
	case EXP_COLUMNS_ORDERED:
		list = json_array();
		for (size_t c = 0; c < sc->n; c++)
			json_array_append_new(list, json_string(sc->cols[c].name));
		*success = json_equal(list, e->set);
		return json_pack("{s:o}", "observed_value", list);
	case EXP_OF_TYPE: {
		const char *have = cell_type_name(sc->cols[t->col].type), *spark = sc->spark[t->col];
		*success = !strcasecmp(e->type, have) || !strcasecmp(e->type, spark);
		return json_pack("{s:s}", "observed_value", spark);
	}
	case EXP_NOT_NULL:
		t->unexpected = t->nulls;
		*success = !t->rows || 1.0 - (double)t->nulls / (double)t->rows >= e->mostly - 1e-12;
		res = json_pack("{s:I,s:I,s:f,s:O}", "element_count", (json_int_t)t->rows,
				"unexpected_count", (json_int_t)t->nulls, "unexpected_percent",
				percent(t->nulls, t->rows), "partial_unexpected_list", t->sample);
		return res;
	case EXP_MEAN_BETWEEN:
		v = nonnull ? t->sum / (double)nonnull : NAN;
		*success = bounded(t, v);
		return nonnull ? json_pack("{s:f}", "observed_value", v) : json_pack("{s:n}", "observed_value");
	case EXP_UNIQUE_PROPORTION:
		v = nonnull ? (double)t->distinct / (double)nonnull : NAN;
		*success = bounded(t, v);
		return nonnull ? json_pack("{s:f}", "observed_value", v) : json_pack("{s:n}", "observed_value");
	case EXP_MAX_AGE: {
		char newest[32];
		if (!t->have_newest)
			return json_pack("{s:n}", "observed_value");
		time_format_rfc3339(type == CELL_DATE ? (t->newest + 1) * MS_PER_DAY - 1 : t->newest, newest);
		v = (double)(now_ms - (type == CELL_DATE ? (t->newest + 1) * MS_PER_DAY : t->newest)) / 1000.0;
		*success = v * 1000.0 <= (double)e->max_age_ms;
		return json_pack("{s:s,s:f}", "observed_value", newest, "age_seconds", v);
	}
	case EXP_UNIQUE: /* every row of a repeated value is unexpected; runs counted in distinct() */
		break;
	default:
		break;
	}
	/* the column-map expectations */
	*success = !nonnull || 1.0 - (double)t->unexpected / (double)nonnull >= e->mostly - 1e-12;
	return map_result(t, nonnull);
}

static json_t *failed_result(const struct expectation *e, const char *why)
{
	return json_pack("{s:b,s:O,s:{},s:{s:b,s:s}}", "success", 0, "expectation_config", e->config,
			 "result", "exception_info", "raised_exception", 1, "exception_message", why);
}

/* The columns the expectations read (at least one, for the row count), as a schema of
 * their own; each tally learns its column's place in it. */
static int narrow(const struct delta_schema *sc, struct tally *t, size_t n, struct delta_schema *sub)
{
	const char **names = pp_calloc(n + 1, sizeof(*names));
	size_t k = 0;
	int rc;

	if (!names)
		return PP_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (t[i].col >= 0 && !t[i].problem[0])
			names[k++] = sc->cols[t[i].col].name;
	if (!k)
		names[k++] = sc->cols[0].name;
	rc = delta_schema_select(sc, names, k, sub);
	pp_free(names);
	for (size_t i = 0; i < n && !rc; i++)
		if (t[i].col >= 0)
			t[i].sub = delta_schema_index(sub, sc->cols[t[i].col].name);
	return rc;
}

int suite_validate(const struct suite *s, struct lake_fs *fs, int64_t version, int64_t now_ms,
		   json_t **result, struct suite_outcome *out)
{
	struct delta_snapshot snap;
	struct delta_schema sc, sub;
	struct delta_scan scan;
	struct tally *t = NULL;
	struct cell *row = NULL;
	struct buf tmp = BUF_INIT;
	json_t *results = NULL;
	char when[32];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&scan, 0, sizeof(scan));
	memset(&sc, 0, sizeof(sc));
	memset(&sub, 0, sizeof(sub));
	*result = NULL;
	if ((rc = delta_snapshot_load(fs, s->table, version, &snap)))
		return pp_error_wrap(rc, "%s: table %s", s->file, s->table);
	out->version = snap.version;
	if ((rc = delta_schema_load(s->table, &snap, &sc)))
		goto out;
	if (!(t = pp_calloc(s->n + 1, sizeof(*t))) || !(row = pp_calloc(sc.n + 1, sizeof(*row))) ||
	    !(results = json_array())) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n && !rc; i++) {
		t[i].e = &s->e[i];
		t[i].col = s->e[i].column ? delta_schema_index(&sc, s->e[i].column) : -1;
		strmap_init(&t[i].seen);
		t[i].sample = json_array();
		if (s->e[i].column && t[i].col < 0 && s->e[i].kind != EXP_COLUMN_EXISTS)
			snprintf(t[i].problem, sizeof(t[i].problem), "%s has no column %s", s->table,
				 s->e[i].column);
		else if (!(rc = prepare(&t[i], &sc, t[i].col >= 0 ? sc.cols[t[i].col].type : CELL_TEXT)))
			continue;
		if (rc) /* a bound or set that does not fit the column: the suite's error */
			rc = pp_error_wrap(rc, "%s: expectations[%zu]", s->file, i);
	}
	if (rc || (rc = narrow(&sc, t, s->n, &sub)) ||
	    (rc = delta_scan_begin(&scan, fs, s->table, &snap, sub.names, sub.n)))
		goto out;
	while (!(rc = delta_scan_next(&scan)) && scan.rows) {
		if ((rc = delta_row_partitions(&sub, s->table, &scan, row)))
			break;
		for (size_t r = 0; r < scan.rows && !rc; r++) {
			delta_row_values(&sub, &scan, r, row);
			for (size_t i = 0; i < s->n && !rc; i++)
				if (t[i].col >= 0 && !t[i].problem[0])
					rc = observe(&t[i], sc.cols[t[i].col].type, &row[t[i].sub], &tmp);
		}
		out->rows += scan.rows;
	}
	for (size_t i = 0; i < s->n && !rc; i++)
		if (t[i].counting && !t[i].problem[0])
			rc = distinct(&t[i]);
	if (rc)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		bool ok = false;
		json_t *one;
		if (t[i].problem[0]) {
			one = failed_result(&s->e[i], t[i].problem);
		} else {
			json_t *res = conclude(&t[i], &sc, out->rows, now_ms, &ok);
			one = json_pack("{s:b,s:O,s:o,s:{s:b}}", "success", ok, "expectation_config",
					s->e[i].config, "result", res, "exception_info", "raised_exception", 0);
		}
		json_array_append_new(results, one);
		out->evaluated++;
		if (ok)
			out->succeeded++;
		else if (s->e[i].error)
			out->failed_errors++;
		else
			out->failed_warnings++;
	}
	time_format_rfc3339(now_ms, when);
	*result = json_pack("{s:b,s:{s:i,s:i,s:i,s:f},s:O,s:{s:s,s:{s:s,s:I,s:I},s:s,s:{s:i,s:i}}}",
			    "success", out->succeeded == out->evaluated, "statistics",
			    "evaluated_expectations", (int)out->evaluated, "successful_expectations",
			    (int)out->succeeded, "unsuccessful_expectations",
			    (int)(out->evaluated - out->succeeded), "success_percent",
			    percent(out->succeeded, out->evaluated), "results", results, "meta",
			    "expectation_suite_name", s->name, "batch_spec", "table", s->table,
			    "delta_version", (json_int_t)out->version, "rows", (json_int_t)out->rows,
			    "as_of", when, "failed_by_severity", "error",
			    (int)out->failed_errors, "warn", (int)out->failed_warnings);
	if (!*result)
		rc = PP_ENOMEM;
out:
	for (size_t i = 0; t && i < s->n; i++) {
		strmap_release(&t[i].seen);
		buf_release(&t[i].vals);
		buf_release(&t[i].last);
		pp_free(t[i].offs);
		json_decref(t[i].sample);
		pp_free(t[i].numbers);
	}
	json_decref(results);
	pp_free(t);
	pp_free(row);
	buf_release(&tmp);
	delta_scan_close(&scan);
	delta_schema_release(&sub);
	delta_schema_release(&sc);
	delta_snapshot_release(&snap);
	return rc;
}
