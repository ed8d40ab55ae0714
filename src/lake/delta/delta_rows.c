/* A Delta table's rows as typed cells (delta_rows.h). */
#include "lake/delta/delta_rows.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

#include <jansson.h>

static const struct {
	const char *spark;
	enum cell_type type;
} spark_types[] = {
	{ "string", CELL_TEXT },    { "long", CELL_INT },     { "integer", CELL_INT },
	{ "short", CELL_INT },      { "byte", CELL_INT },     { "double", CELL_DOUBLE },
	{ "float", CELL_DOUBLE },   { "boolean", CELL_BOOL }, { "date", CELL_DATE },
	{ "timestamp", CELL_TIMESTAMP }, { "timestamp_ntz", CELL_TIMESTAMP },
};

const char *cell_type_name(enum cell_type t)
{
	static const char *const names[] = { "string", "long", "double", "boolean", "date",
					     "timestamp" };
	return names[t];
}

static int type_of(const char *table, const char *field, const char *spark, enum cell_type *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(spark_types); i++)
		if (!strcmp(spark_types[i].spark, spark)) {
			*t = spark_types[i].type;
			return 0;
		}
	return pp_error(PP_ECORRUPT, "%s: column %s has type '%s', which is not a simple type "
			"(string, long, integer, short, byte, double, float, boolean, date, timestamp)",
			table, field, spark);
}

int delta_schema_load(const char *table, const struct delta_snapshot *snap, struct delta_schema *sc)
{
	json_error_t jerr;
	json_t *root, *fields;

	memset(sc, 0, sizeof(*sc));
	sc->root = root = snap->schema_string ? json_loads(snap->schema_string, 0, &jerr) : NULL;
	fields = json_object_get(root, "fields");
	if (!json_is_array(fields) || !json_array_size(fields))
		return pp_error(PP_ECORRUPT, "%s: the Delta log has no schema with fields", table);
	sc->n = json_array_size(fields);
	sc->cols = pp_calloc(sc->n, sizeof(*sc->cols));
	sc->names = pp_calloc(sc->n, sizeof(*sc->names));
	sc->spark = pp_calloc(sc->n, sizeof(*sc->spark));
	sc->part = pp_calloc(sc->n, sizeof(*sc->part));
	if (!sc->cols || !sc->names || !sc->part || !sc->spark)
		return PP_ENOMEM;
	for (size_t i = 0; i < sc->n; i++) {
		json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *type = json_string_value(json_object_get(f, "type"));
		int rc;
		if (!name || !type)
			return pp_error(PP_ECORRUPT, "%s: schema field %zu lacks a name or a simple type",
					table, i + 1);
		if ((rc = type_of(table, name, type, &sc->cols[i].type)))
			return rc;
		sc->cols[i].name = sc->names[i] = name;
		sc->spark[i] = type;
		sc->cols[i].nullable = json_is_true(json_object_get(f, "nullable"));
		sc->part[i] = -1;
		for (size_t p = 0; p < snap->npart; p++)
			if (!strcmp(snap->partition_cols[p], name))
				sc->part[i] = (int)p;
	}
	return 0;
}

void delta_schema_release(struct delta_schema *sc)
{
	pp_free(sc->cols);
	pp_free(sc->names);
	pp_free(sc->spark);
	pp_free(sc->part);
	json_decref(sc->root);
	memset(sc, 0, sizeof(*sc));
}

int delta_schema_index(const struct delta_schema *sc, const char *name)
{
	for (size_t c = 0; c < sc->n; c++)
		if (!strcmp(sc->cols[c].name, name))
			return (int)c;
	return -1;
}

int delta_schema_select(const struct delta_schema *from, const char *const *names, size_t n,
			struct delta_schema *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (delta_schema_index(from, names[i]) < 0)
			return pp_error(PP_EINVAL, "no column %s", names[i]);
	out->cols = pp_calloc(from->n + 1, sizeof(*out->cols));
	out->names = pp_calloc(from->n + 1, sizeof(*out->names));
	out->spark = pp_calloc(from->n + 1, sizeof(*out->spark));
	out->part = pp_calloc(from->n + 1, sizeof(*out->part));
	if (!out->cols || !out->names || !out->spark || !out->part)
		return PP_ENOMEM;
	for (size_t c = 0; c < from->n; c++) {
		bool wanted = false;
		for (size_t i = 0; i < n && !wanted; i++)
			wanted = !strcmp(from->cols[c].name, names[i]);
		if (!wanted)
			continue;
		out->cols[out->n] = from->cols[c];
		out->names[out->n] = from->names[c];
		out->spark[out->n] = from->spark[c];
		out->part[out->n++] = from->part[c];
	}
	return 0;
}

/* A partition value (text) as a typed cell. */
static int partition_value(const char *table, const struct table_column *c, const char *text,
			   struct cell *v)
{
	int64_t ms;
	char *end;

	memset(v, 0, sizeof(*v));
	if (!text) {
		v->null = true;
		return 0;
	}
	switch (c->type) {
	case CELL_TEXT:
		v->s = span_of(text);
		return 0;
	case CELL_DATE:
	case CELL_TIMESTAMP:
		if (time_parse(text, strlen(text), &ms))
			break;
		v->i = c->type == CELL_DATE ? floor_div(ms, MS_PER_DAY) : ms;
		return 0;
	case CELL_DOUBLE:
		v->d = strtod(text, &end);
		if (*text && !*end)
			return 0;
		break;
	default:
		v->i = strtoll(text, &end, 10);
		if (c->type == CELL_BOOL)
			v->i = !strcmp(text, "true");
		if ((*text && !*end) || !strcmp(text, "true") || !strcmp(text, "false"))
			return 0;
	}
	return pp_error(PP_ECORRUPT, "%s: partition value '%s' of %s is not a %s", table, text,
			c->name, cell_type_name(c->type));
}

int delta_row_partitions(const struct delta_schema *sc, const char *table, const struct delta_scan *s,
			 struct cell *row)
{
	int rc = 0;

	for (size_t c = 0; c < sc->n && !rc; c++)
		if (sc->part[c] >= 0)
			rc = partition_value(table, &sc->cols[c], s->file->pvalues[sc->part[c]], &row[c]);
	return rc;
}

void delta_row_values(const struct delta_schema *sc, const struct delta_scan *s, size_t r,
		      struct cell *row)
{
	for (size_t c = 0; c < sc->n; c++) {
		const struct pq_col_info *info = s->col[c];
		const struct pq_vector *vec = &s->v[c];
		struct cell *v = &row[c];
		if (sc->part[c] >= 0)
			continue;
		memset(v, 0, sizeof(*v));
		if (!info || !vec->valid[r]) {
			v->null = true;
			continue;
		}
		switch (info->type) {
		case PQ_STRING:
			v->s = vec->s[r];
			break;
		case PQ_DOUBLE:
			v->d = vec->d[r];
			break;
		case PQ_TIMESTAMP_MS:
			v->i = info->time_unit > 1000 ? floor_div(vec->i[r], info->time_unit / 1000)
						      : vec->i[r];
			break;
		default:
			v->i = vec->i[r];
			if (sc->cols[c].type == CELL_DOUBLE) /* an integer file column of a double table column */
				v->d = (double)v->i;
		}
	}
}

int delta_reader_open(struct delta_reader *r, struct lake_fs *fs, const char *table,
		      const char *const *names, size_t n)
{
	return delta_reader_open_at(r, fs, table, -1, names, n);
}

int delta_reader_open_at(struct delta_reader *r, struct lake_fs *fs, const char *table, int64_t version,
			 const char *const *names, size_t n)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->table = table;
	if (n > DELTA_READER_MAX)
		return pp_error(PP_ELIMIT, "%s: %zu columns at once (at most %d)", table, n, DELTA_READER_MAX);
	if ((rc = delta_snapshot_load(fs, table, version, &r->snap)))
		return rc;
	r->have_snap = true;
	if ((rc = delta_schema_load(table, &r->snap, &r->all)))
		return rc;
	if ((rc = delta_schema_select(&r->all, names, n, &r->sc)))
		return pp_error_wrap(rc, "%s", table);
	for (size_t k = 0; k < n; k++) /* the scan's order is the table's */
		r->ix[k] = delta_schema_index(&r->sc, names[k]);
	return delta_scan_begin(&r->scan, fs, table, &r->snap, r->sc.names, r->sc.n);
}

int delta_reader_next(struct delta_reader *r)
{
	int rc = delta_scan_next(&r->scan);

	if (!rc && r->scan.rows)
		rc = delta_row_partitions(&r->sc, r->table, &r->scan, r->row);
	return rc;
}

void delta_reader_row(struct delta_reader *r, size_t i)
{
	delta_row_values(&r->sc, &r->scan, i, r->row);
}

void delta_reader_close(struct delta_reader *r)
{
	delta_scan_close(&r->scan);
	delta_schema_release(&r->sc);
	delta_schema_release(&r->all);
	if (r->have_snap)
		delta_snapshot_release(&r->snap);
	memset(r, 0, sizeof(*r));
}
