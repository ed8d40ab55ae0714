/* Point-in-time features for a user's entity rows (historical.h). */
#include "features/historical.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/tabular.h"
#include "core/timeutil.h"
#include "event/csv.h"
#include "features/engine.h"
#include "features/event_table.h"

#include <math.h>

struct entity_row {
	int64_t ts;
	uint64_t line;
	size_t first, nfields; /* its fields: spans into `fields` */
	struct span key[ENT__COUNT]; /* per enum entity_kind (len 0: none) */
};

static bool named(struct span s, const char *name)
{
	return s.len == strlen(name) && !memcmp(s.p, name, s.len);
}

int features_historical(struct lake_fs *fs, const struct feature_registry *r, const char *file,
			FILE *out, struct historical_stats *st)
{

	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct span *fields = NULL, header[CSV_MAX_FIELDS];
	size_t nfields = 0, capfields = 0, nheader = 0, nrows = 0, caprows = 0;
	struct entity_row *rows = NULL;
	struct radix_rec *order = NULL, *tmp = NULL, *sorted;
	struct event_table ev;
	const struct radix_rec *evs;
	struct feature_engine *eng = NULL;
	struct csv_reader rd;
	struct tab tab;
	struct csv_record rec;
	double *vec = NULL, *results = NULL;
	int64_t *item_category = NULL; /* per item id: its category's id */
	int tcol = -1, kcol[ENT__COUNT] = { -1, -1, -1, -1 }, rc;
	int64_t version, latest = 0;
	uint64_t t0 = time_mono_ns();
	char to[32] = "";

	memset(st, 0, sizeof(*st));
	memset(&ev, 0, sizeof(ev));
	if ((rc = fs_read_file(file, &text)))
		return rc;
	csv_init(&rd, text.data ? text.data : "", text.len);
	/* the header: the time column and the keys */
	if ((rc = csv_next(&rd, &rec, &scratch)) != 1) {
		rc = rc == 0 ? pp_error(PP_EINVAL, "%s: empty: expected a header line", file)
			     : pp_error(PP_EPARSE, "%s:%" PRIu64 ": the header: %s", file, rec.line,
					rec.error ? rec.error : "unreadable");
		goto out;
	}
	nheader = rec.n;
	for (size_t c = 0; c < rec.n; c++) {
		if (!(header[c].p = pp_strndup(rec.field[c].p, rec.field[c].len))) {
			rc = PP_ENOMEM;
			goto out;
		}
		header[c].len = rec.field[c].len;
		if (named(rec.field[c], "event_timestamp") || named(rec.field[c], "ts"))
			tcol = (int)c;
		for (int k = 0; k < ENT__COUNT; k++)
			if (named(rec.field[c], entity_key(k)))
				kcol[k] = (int)c;
	}
	if (tcol < 0 || (kcol[0] < 0 && kcol[1] < 0 && kcol[2] < 0 && kcol[3] < 0)) {
		rc = pp_error(PP_EINVAL, "%s:1: expected a time column (event_timestamp or ts) and at least "
			      "one of session_id, visitor_id, item_id, category_id", file);
		goto out;
	}
	/* the rows; a bad one is reported and left out */
	while ((rc = csv_next(&rd, &rec, &scratch)) != 0) {
		struct entity_row *row;
		struct span t;
		int64_t ms;
		if (rc == PP_ENOMEM)
			goto out;
		if (rc == PP_EPARSE || rec.n != nheader) {
			fprintf(stderr, "%s:%" PRIu64 ": %s\n", file, rec.line,
				rc == PP_EPARSE ? rec.error : "not as many fields as the header");
			st->bad_rows++;
			continue;
		}
		t = rec.field[tcol];
		if (time_parse_or_ms(t.p, t.len, &ms)) {
			fprintf(stderr, "%s:%" PRIu64 ": %s: expected RFC 3339 or epoch milliseconds, got '%.*s'\n",
				file, rec.line, header[tcol].p, (int)(t.len > 40 ? 40 : t.len), t.p);
			st->bad_rows++;
			continue;
		}
		if (pp_array_grow(&rows, nrows, &caprows, sizeof(*rows), 1024) ||
		    pp_array_grow(&fields, nfields + rec.n, &capfields, sizeof(*fields), 4096)) {
			rc = PP_ENOMEM;
			goto out;
		}
		row = &rows[nrows++];
		*row = (struct entity_row){ .ts = ms, .line = rec.line, .first = nfields, .nfields = rec.n };
		for (size_t c = 0; c < rec.n; c++) { /* copies: the scratch buffer is reused */
			char *copy = pp_strndup(rec.field[c].p, rec.field[c].len);
			if (!copy) {
				rc = PP_ENOMEM;
				goto out;
			}
			fields[nfields++] = (struct span){ copy, rec.field[c].len };
		}
		for (int k = 0; k < ENT__COUNT; k++)
			row->key[k] = kcol[k] >= 0 ? fields[row->first + (size_t)kcol[k]] : (struct span){ "", 0 };
		if (ms > latest)
			latest = ms;
	}
	st->rows = nrows;
	if (!nrows) {
		rc = pp_error(PP_EINVAL, "%s: no entity row to compute features for", file);
		goto out;
	}
	/* the events up to the latest row's day, and both in time order */
	time_format_rfc3339(latest, to);
	to[10] = 0;
	if ((rc = event_table_read(fs, to, &ev, &version)))
		goto out;
	st->events = ev.n;
	order = pp_malloc(nrows * sizeof(*order));
	tmp = pp_malloc(nrows * sizeof(*tmp));
	vec = pp_calloc(registry_vector_size(r), sizeof(*vec));
	results = pp_malloc(nrows * r->nfeatures * sizeof(*results));
	item_category = pp_malloc((ev.strings.count + 1) * sizeof(*item_category));
	if (!order || !tmp || !vec || !results || !item_category || !(evs = event_table_by_time(&ev))) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i <= ev.strings.count; i++)
		item_category[i] = -1;
	for (size_t i = 0; i < nrows; i++)
		order[i] = (struct radix_rec){ (uint64_t)rows[i].ts ^ (1ULL << 63), i };
	sorted = radix_sort_u64(order, tmp, nrows, sizeof(*order));
	if ((rc = engine_open(&eng, r)))
		goto out;
	for (size_t k = 0, e = 0; k < nrows && !rc; k++) {
		const struct entity_row *row = &rows[sorted[k].value];
		int64_t ids[EK__COUNT];
		for (; e < ev.n && ev.ts[evs[e].value] <= row->ts && !rc; e++) {
			size_t i = evs[e].value;
			struct fe_event x = { .ts = ev.ts[i], .type = (enum event_type)ev.type[i], .price = ev.price[i] };
			if (ev.ids[i][EK_ITEM] >= 0)
				item_category[ev.ids[i][EK_ITEM]] = ev.ids[i][EK_CATEGORY];
			rc = engine_add_ids(eng, &x, ev.ids[i]);
		}
		for (int key = 0; key < ENT__COUNT; key++) { /* the row's keys as the events' ids */
			const struct strmap_slot *s = row->key[key].len
							      ? strmap_get(&ev.strings, row->key[key].p, row->key[key].len)
							      : NULL;
			ids[key] = s ? (int64_t)s->value : -1; /* enum entity_kind is enum engine_key */
		}
		/* no category given: the item's, as its latest event before the row had it */
		if (!row->key[ENT_CATEGORY].len && ids[EK_ITEM] >= 0)
			ids[EK_CATEGORY] = item_category[ids[EK_ITEM]];
		if (!rc && !(rc = engine_vector_ids(eng, row->ts, ids, vec)))
			memcpy(results + sorted[k].value * r->nfeatures, vec, r->nfeatures * sizeof(*vec));
	}
	if (rc)
		goto out;
	/* out: the rows' own columns, then the features (CSV through core/tabular) */
	tab_init(&tab, TAB_CSV, out);
	for (size_t c = 0; c < nheader && !rc; c++)
		rc = tab_add_column(&tab, header[c].p, TAB_STRING);
	for (size_t f = 0; f < r->nfeatures && !rc; f++)
		rc = tab_add_column(&tab, r->names[f], TAB_NUMBER);
	for (size_t i = 0; i < nrows && !rc; i++) {
		for (size_t c = 0; c < rows[i].nfields && !rc; c++)
			rc = tab_cell(&tab, fields[rows[i].first + c].p, fields[rows[i].first + c].len);
		for (size_t f = 0; f < r->nfeatures && !rc; f++) {
			double x = results[i * r->nfeatures + f];
			char num[32];
			int n = isnan(x) ? 0 : snprintf(num, sizeof(num), "%.17g", x);
			rc = tab_cell(&tab, isnan(x) ? NULL : num, (size_t)n);
		}
		if (!rc)
			rc = tab_end_row(&tab);
	}
	if (!rc)
		rc = tab_finish(&tab);
	tab_release(&tab);
	if (!rc && (fflush(out) || ferror(out)))
		rc = pp_error(PP_EIO, "writing the rows: %s", strerror(errno));
out:
	st->seconds = (double)(time_mono_ns() - t0) / 1e9;
	engine_close(eng);
	for (size_t i = 0; i < nfields; i++)
		pp_free((void *)fields[i].p);
	for (size_t c = 0; c < nheader; c++)
		pp_free((void *)header[c].p);
	pp_free(fields);
	pp_free(rows);
	pp_free(order);
	pp_free(tmp);
	pp_free(vec);
	pp_free(results);
	pp_free(item_category);
	event_table_release(&ev);
	buf_release(&text);
	buf_release(&scratch);
	return rc;
}
