/* A training matrix from a CSV file (csv_matrix.h). */
#include "model/csv_matrix.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "core/timeutil.h"
#include "event/csv.h"
#include "features/builder.h"
#include "lake/parquet/parquet.h"

#include <jansson.h>
#include <math.h>

/* Per column: numeric until a value says otherwise; the codes of its text values. */
struct column {
	struct span name;
	bool text, not_bool; /* text: not every value a number; not_bool: nor true/false */
	struct strmap codes;
};

static bool missing(struct span v)
{
	return !v.len || (v.len == 2 && (!memcmp(v.p, "NA", 2) || !memcmp(v.p, "na", 2))) ||
	       (v.len == 3 && (!memcmp(v.p, "NaN", 3) || !memcmp(v.p, "nan", 3)));
}

/* true/false (any case: TRUE, True), yes/no, 1/0. */
static int parse_flag(struct span v, bool *out)
{
	char low[8];

	if (v.len >= sizeof(low))
		return PP_EINVAL;
	for (size_t i = 0; i < v.len; i++)
		low[i] = (char)(v.p[i] >= 'A' && v.p[i] <= 'Z' ? v.p[i] + 32 : v.p[i]);
	return parse_bool(low, v.len, out);
}

static int find_column(const struct csv_record *h, const char *name, const char *what, const char *file)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->field[i].len == strlen(name) && !memcmp(h->field[i].p, name, h->field[i].len))
			return (int)i;
	return pp_error(PP_EINVAL, "%s: no column '%s' for the %s", file, name, what);
}

/* The matrix of a CSV's text (file names it in messages); text is taken over. */
static int from_text(struct train_matrix *m, struct buf *text_in, const char *file, const struct csv_matrix_opts *o)
{
	struct buf text = *text_in, scratch = BUF_INIT, labels = BUF_INIT, ts = BUF_INIT, groups = BUF_INIT,
		   values = BUF_INIT, out = BUF_INIT;
	struct csv_reader rd;
	struct csv_record hdr, rec;
	struct column *cols = NULL;
	size_t ncols = 0, nfeat = 0, rows = 0;
	int lab, tcol = -1, gcol = -1, rc;
	json_t *names = json_array(), *head = NULL;
	char *htext = NULL;
	struct rng g;

	memset(m, 0, sizeof(*m));
	*text_in = (struct buf)BUF_INIT;
	/* the header, and which column is what */
	csv_init(&rd, text.data ? text.data : "", text.len);
	if ((rc = csv_next(&rd, &hdr, &scratch)) != 1) {
		rc = rc == 0 ? pp_error(PP_EINVAL, "%s: empty: expected a header line", file)
			     : pp_error(PP_EPARSE, "%s: the header: %s", file, hdr.error ? hdr.error : "unreadable");
		goto out;
	}
	if (hdr.n >= CSV_MAX_FIELDS) {
		rc = pp_error(PP_ELIMIT, "%s: %zu columns or more (at most %d)", file, hdr.n, CSV_MAX_FIELDS - 1);
		goto out;
	}
	if ((rc = lab = find_column(&hdr, o->label, "label (--label)", file)) < 0 ||
	    (o->time && (rc = tcol = find_column(&hdr, o->time, "time (--time)", file)) < 0) ||
	    (o->group && (rc = gcol = find_column(&hdr, o->group, "group (--group)", file)) < 0))
		goto out;
	rc = 0;
	ncols = hdr.n;
	if (!(cols = pp_calloc(ncols + 1, sizeof(*cols)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		cols[c].name = hdr.field[c];
		strmap_init(&cols[c].codes);
		if ((int)c != lab && (int)c != tcol && (int)c != gcol) {
			json_array_append_new(names, json_stringn(hdr.field[c].p, hdr.field[c].len));
			nfeat++;
		}
	}
	/* a first pass: which columns hold text */
	for (struct csv_reader r2 = rd; (rc = csv_next(&r2, &rec, &scratch)) != 0;) {
		if (rc < 0)
			continue; /* reported in the second pass */
		for (size_t c = 0; c < ncols && c < rec.n; c++) {
			double d;
			bool b;
			if (missing(rec.field[c]))
				continue;
			if (parse_double(rec.field[c].p, rec.field[c].len, &d))
				cols[c].text = true;
			if (parse_flag(rec.field[c], &b))
				cols[c].not_bool = true;
		}
	}
	/* the rows */
	while ((rc = csv_next(&rd, &rec, &scratch)) != 0) {
		float lf, v;
		int64_t t = (int64_t)rows;
		uint64_t grp = rows;
		bool b;
		if (rc < 0) {
			rc = pp_error(PP_EPARSE, "%s:%" PRIu64 ": %s", file, rec.line, rec.error ? rec.error : "malformed");
			goto out;
		}
		if (rec.n != ncols) {
			rc = pp_error(PP_EPARSE, "%s:%" PRIu64 ": %zu fields, the header has %zu", file, rec.line, rec.n,
				      ncols);
			goto out;
		}
		if (parse_flag(rec.field[lab], &b)) {
			rc = pp_error(PP_EPARSE, "%s:%" PRIu64 ": %s: expected 1/0, true/false or yes/no, got '%.*s'",
				      file, rec.line, o->label, (int)rec.field[lab].len, rec.field[lab].p);
			goto out;
		}
		lf = b;
		if (tcol >= 0 && time_parse_or_ms(rec.field[tcol].p, rec.field[tcol].len, &t)) {
			rc = pp_error(PP_EPARSE, "%s:%" PRIu64 ": %s: expected RFC 3339 or epoch milliseconds, got '%.*s'",
				      file, rec.line, o->time, (int)rec.field[tcol].len, rec.field[tcol].p);
			goto out;
		}
		if (gcol >= 0)
			grp = pp_hash64(rec.field[gcol].p, rec.field[gcol].len, 0);
		if ((rc = buf_append(&labels, &lf, 4)) || (rc = buf_append(&ts, &t, 8)) || (rc = buf_append(&groups, &grp, 8)))
			goto out;
		for (size_t c = 0; c < ncols; c++) {
			struct span f = rec.field[c];
			if ((int)c == lab || (int)c == tcol || (int)c == gcol)
				continue;
			if (missing(f)) {
				v = NAN;
			} else if (!cols[c].text) {
				double d = 0;
				parse_double(f.p, f.len, &d);
				v = (float)d;
			} else if (!cols[c].not_bool) {
				parse_flag(f, &b);
				v = b;
			} else {
				bool ins;
				struct strmap_slot *slot = strmap_put(&cols[c].codes, f.p, f.len, &ins);
				if (!slot) {
					rc = PP_ENOMEM;
					goto out;
				}
				if (ins)
					slot->value = cols[c].codes.count - 1;
				v = (float)slot->value;
			}
			if ((rc = buf_append(&values, &v, 4)))
				goto out;
		}
		rows++;
	}
	if (!rows) {
		rc = pp_error(PP_EINVAL, "%s: no rows under the header", file);
		goto out;
	}
	if (tcol < 0) { /* no time: a seeded shuffle stands in for it, the split is random */
		int64_t *t = (int64_t *)ts.data;
		rng_seed(&g, o->seed ^ 0xc5f);
		for (size_t i = rows; i > 1; i--) {
			size_t j = (size_t)rng_below(&g, i);
			int64_t x = t[i - 1];
			t[i - 1] = t[j];
			t[j] = x;
		}
	}
	head = json_pack("{s:I,s:I,s:O,s:s,s:s}", "rows", (json_int_t)rows, "cols", (json_int_t)nfeat, "features",
			 names, "source", file, "dtype", "f32le");
	if (!head || !(htext = json_dumps(head, JSON_COMPACT)) ||
	    buf_printf(&out, "%s\n%s\n", TRAINING_MATRIX_MAGIC, htext) || buf_append(&out, labels.data, labels.len) ||
	    buf_append(&out, ts.data, ts.len) || buf_append(&out, groups.data, groups.len) ||
	    buf_append(&out, values.data, values.len)) {
		rc = PP_ENOMEM;
		goto out;
	}
	rc = matrix_parse(m, &out, file);
out:
	for (size_t c = 0; cols && c < ncols; c++)
		strmap_release(&cols[c].codes);
	pp_free(cols);
	free(htext); /* jansson's */
	json_decref(head);
	json_decref(names);
	buf_release(&text);
	buf_release(&scratch);
	buf_release(&labels);
	buf_release(&ts);
	buf_release(&groups);
	buf_release(&values);
	buf_release(&out);
	return rc;
}

int matrix_from_csv(struct train_matrix *m, const char *file, const struct csv_matrix_opts *o)
{
	struct buf text = BUF_INIT;
	int rc = fs_read_file(file, &text);

	memset(m, 0, sizeof(*m));
	if (rc) {
		buf_release(&text);
		return rc;
	}
	return from_text(m, &text, file, o);
}

/* One Parquet value as a CSV field: numbers as they are, flags true/false, times in
 * epoch ms, dates as YYYY-MM-DD, text quoted; null empty. */
static int put_cell(struct buf *b, const struct pq_col_info *c, const struct pq_vector *v, size_t r)
{
	if (!v->valid[r])
		return 0;
	switch (c->type) {
	case PQ_BOOLEAN:
		return buf_puts(b, v->i[r] ? "true" : "false");
	case PQ_DOUBLE:
		return buf_printf(b, "%.17g", v->d[r]);
	case PQ_DATE: {
		struct civil cv;
		civil_from_ms(v->i[r] * MS_PER_DAY, &cv);
		return buf_printf(b, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	}
	case PQ_TIMESTAMP_MS:
		return buf_put_i64(b, c->time_unit > 1000 ? v->i[r] / (c->time_unit / 1000) : v->i[r]);
	case PQ_STRING: {
		int rc = buf_putc(b, '"');
		for (size_t k = 0; k < v->s[r].len && !rc; k++)
			rc = v->s[r].p[k] == '"' ? buf_puts(b, "\"\"") : buf_putc(b, v->s[r].p[k]);
		return rc ? rc : buf_putc(b, '"');
	}
	default:
		return buf_put_i64(b, v->i[r]);
	}
}

int matrix_from_parquet(struct train_matrix *m, const char *file, const struct csv_matrix_opts *o)
{
	struct buf data = BUF_INIT, text = BUF_INIT;
	struct pq_file f;
	struct pq_vector *vec = NULL;
	bool opened = false;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = fs_read_file(file, &data)))
		goto out;
	if ((rc = pq_file_open(&f, data.data, data.len))) {
		rc = pp_error_wrap(rc, "%s", file);
		goto out;
	}
	opened = true;
	if (f.ncols >= CSV_MAX_FIELDS) {
		rc = pp_error(PP_ELIMIT, "%s: %zu columns (at most %d)", file, f.ncols, CSV_MAX_FIELDS - 1);
		goto out;
	}
	if (!(vec = pp_calloc(f.ncols + 1, sizeof(*vec)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	/* the same rows as a CSV would hold them: one reader, one set of rules */
	for (size_t c = 0; c < f.ncols && !rc; c++)
		rc = buf_printf(&text, "%s\"%s\"", c ? "," : "", f.cols[c].name);
	rc = rc ? rc : buf_putc(&text, '\n');
	for (size_t g = 0; g < f.nrgs && !rc; g++) {
		for (size_t c = 0; c < f.ncols && !rc; c++)
			if ((rc = pq_read_column(&f, g, c, &vec[c])))
				rc = pp_error_wrap(rc, "%s: column %s", file, f.cols[c].name);
		for (size_t r = 0; !rc && r < (size_t)f.rgs[g].rows; r++) {
			for (size_t c = 0; c < f.ncols && !rc; c++)
				if (!(rc = c ? buf_putc(&text, ',') : 0))
					rc = put_cell(&text, &f.cols[c], &vec[c], r);
			rc = rc ? rc : buf_putc(&text, '\n');
		}
		for (size_t c = 0; c < f.ncols; c++)
			pq_vector_release(&vec[c]);
	}
	if (!rc)
		rc = from_text(m, &text, file, o);
out:
	if (opened)
		pq_file_release(&f);
	pp_free(vec);
	buf_release(&text);
	buf_release(&data);
	return rc;
}
