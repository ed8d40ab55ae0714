/*
 * ppredict lake show TABLE: a Delta table's rows, at its latest version or an older one
 * (time travel), as a text table, CSV or NDJSON. Partition columns come last, as Spark
 * shows them; files are read in partition order.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/tabular.h"
#include "core/timeutil.h"
#include "lake/delta/delta.h"

struct show_opts {
	int64_t version, limit;
	const char *format;
};

#define O(f) offsetof(struct show_opts, f)
static const struct cli_opt show_options[] = {
	{ "version", 'V', OPT_INT, O(version), "-1", "N", "the table as of version N (-1: latest)",
	  -1, 1e15 },
	{ "limit", 'n', OPT_INT, O(limit), "20", "N", "stop after N rows (0: all)", 0, 1e18 },
	{ "format", 'f', OPT_STR, O(format), "text", "FMT", "text, csv or json (one object per row)" },
};
#undef O

/* The columns the first file names, then the partition columns; later files map by name. */
struct show {
	struct tab tab;
	const struct delta_snapshot *snap;
	char **names;
	size_t ncols; /* file columns of the header */
	struct buf cell;
	int64_t left; /* rows still to print; -1: no limit */
};

static enum tab_kind kind_of(enum pq_type t)
{
	switch (t) {
	case PQ_BOOLEAN:
		return TAB_BOOL;
	case PQ_INT32:
	case PQ_INT64:
	case PQ_DOUBLE:
		return TAB_NUMBER;
	default:
		return TAB_STRING;
	}
}

static int header(struct show *sh, const struct pq_file *f)
{
	int rc = 0;
	size_t c;

	sh->names = pp_calloc(f->ncols ? f->ncols : 1, sizeof(*sh->names));
	if (!sh->names)
		return PP_ENOMEM;
	for (c = 0; c < f->ncols && !rc; c++) {
		if (!(sh->names[c] = pp_strdup(f->cols[c].name)))
			return PP_ENOMEM;
		sh->ncols++;
		rc = tab_add_column(&sh->tab, f->cols[c].name, kind_of(f->cols[c].type));
	}
	for (c = 0; c < sh->snap->npart && !rc; c++)
		rc = tab_add_column(&sh->tab, sh->snap->partition_cols[c], TAB_STRING);
	return rc;
}

/* A value in its text form into sh->cell. */
static int format_value(struct show *sh, const struct pq_col_info *col, const struct pq_vector *v,
			size_t r)
{
	char when[32];
	struct civil c;
	int64_t x;

	buf_reset(&sh->cell);
	switch (col->type) {
	case PQ_STRING:
		return buf_append(&sh->cell, v->s[r].p, v->s[r].len);
	case PQ_DOUBLE: /* exact for programs, six digits for people */
		return sh->tab.format == TAB_TEXT ? buf_printf(&sh->cell, "%.6g", v->d[r])
						  : buf_put_double(&sh->cell, v->d[r]);
	case PQ_BOOLEAN:
		return buf_puts(&sh->cell, v->i[r] ? "true" : "false");
	case PQ_DATE:
		civil_from_ms(v->i[r] * 86400000, &c);
		return buf_printf(&sh->cell, "%04d-%02d-%02d", c.year, c.month, c.day);
	case PQ_TIMESTAMP_MS:
		x = v->i[r];
		if (col->time_unit > 1000)
			x /= col->time_unit / 1000;
		time_format_rfc3339(x, when);
		return buf_puts(&sh->cell, when);
	default:
		return buf_put_i64(&sh->cell, v->i[r]);
	}
}

static int show_file(struct show *sh, const struct delta_file *df, const char *where,
		     const struct pq_file *f)
{
	struct pq_vector *v = pp_calloc(sh->ncols ? sh->ncols : 1, sizeof(*v));
	int *ix = pp_calloc(sh->ncols ? sh->ncols : 1, sizeof(*ix));
	size_t rg, c, r;
	int rc = 0;

	if (!v || !ix) {
		pp_free(v);
		pp_free(ix);
		return PP_ENOMEM;
	}
	for (c = 0; c < sh->ncols; c++)
		ix[c] = pq_column_index(f, sh->names[c]); /* -1: a column this file lacks, nulls */
	for (rg = 0; rg < f->nrgs && !rc && sh->left; rg++) {
		for (c = 0; c < sh->ncols && !rc; c++)
			if (ix[c] >= 0 && (rc = pq_read_column(f, rg, (size_t)ix[c], &v[c])))
				rc = pp_error_wrap(rc, "%s: column %s", where, sh->names[c]);
		for (r = 0; !rc && r < (size_t)f->rgs[rg].rows && sh->left; r++) {
			for (c = 0; c < sh->ncols && !rc; c++) {
				if (ix[c] < 0 || !v[c].valid[r])
					rc = tab_cell(&sh->tab, NULL, 0);
				else if (!(rc = format_value(sh, &f->cols[ix[c]], &v[c], r)))
					rc = tab_cell(&sh->tab, sh->cell.data, sh->cell.len);
			}
			for (c = 0; c < sh->snap->npart && !rc; c++)
				rc = tab_cell(&sh->tab, df->pvalues[c], df->pvalues[c] ? strlen(df->pvalues[c]) : 0);
			if (!rc)
				rc = tab_end_row(&sh->tab);
			if (sh->left > 0)
				sh->left--;
		}
		for (c = 0; c < sh->ncols; c++)
			pq_vector_release(&v[c]);
	}
	pp_free(v);
	pp_free(ix);
	return rc;
}

static int by_partition(const void *a, const void *b, void *snap)
{
	const struct delta_snapshot *s = snap;
	const struct delta_file *x = &s->files[*(const size_t *)a], *y = &s->files[*(const size_t *)b];

	for (size_t i = 0; i < s->npart; i++) {
		const char *p = x->pvalues[i] ? x->pvalues[i] : "", *q = y->pvalues[i] ? y->pvalues[i] : "";
		int c = strcmp(p, q);
		if (c)
			return c;
	}
	return strcmp(x->path, y->path);
}

static int show_table(struct lake_fs *fs, const char *table, struct show *sh)
{
	const struct delta_snapshot *s = sh->snap;
	struct buf where = BUF_INIT, data = BUF_INIT;
	size_t *order = pp_calloc(s->nfiles ? s->nfiles : 1, sizeof(*order));
	size_t i;
	int rc = 0;

	if (!order)
		return PP_ENOMEM;
	for (i = 0; i < s->nfiles; i++)
		order[i] = i;
	qsort_r(order, s->nfiles, sizeof(*order), by_partition, (void *)s);
	for (i = 0; i < s->nfiles && !rc && sh->left; i++) {
		const struct delta_file *df = &s->files[order[i]];
		struct pq_file f;
		buf_reset(&where);
		buf_reset(&data);
		if ((rc = buf_printf(&where, "%s/%s", table, df->file)) ||
		    (rc = fs->ops->get(fs, where.data, 0, UINT64_MAX, &data)))
			break;
		if ((rc = pq_file_open(&f, data.data, data.len))) {
			rc = pp_error_wrap(rc, "%s", where.data);
			break;
		}
		if (!sh->names)
			rc = header(sh, &f);
		if (!rc)
			rc = show_file(sh, df, where.data, &f);
		pq_file_release(&f);
	}
	pp_free(order);
	buf_release(&where);
	buf_release(&data);
	return rc;
}

static int run_lake_show(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct show_opts *o = vopts;
	struct show sh = { .left = o->limit ? o->limit : -1 };
	struct delta_snapshot snap;
	enum tab_format format;
	struct lake_fs *fs;
	int rc;

	(void)argc;
	if ((rc = tab_format_parse(o->format, &format))) {
		pp_error_wrap(rc, "--format");
		return PP_EUSAGE;
	}
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	if ((rc = delta_snapshot_load(fs, argv[0], o->version, &snap))) {
		lake_fs_close(fs);
		return rc;
	}
	sh.snap = &snap;
	buf_init(&sh.cell, 0);
	tab_init(&sh.tab, format, stdout);
	rc = show_table(fs, argv[0], &sh);
	if (!rc && !sh.names && format == TAB_TEXT)
		printf("%s: no rows at version %" PRId64 "\n", argv[0], snap.version);
	else if (!rc)
		rc = tab_finish(&sh.tab);
	if (!rc && format == TAB_TEXT && sh.names)
		printf("(%s, version %" PRId64 "; %" PRIu64 " rows%s)\n", argv[0], snap.version,
		       sh.tab.rows, sh.left == 0 ? ", --limit reached" : "");
	for (size_t c = 0; c < sh.ncols; c++)
		pp_free(sh.names[c]);
	pp_free(sh.names);
	buf_release(&sh.cell);
	tab_release(&sh.tab);
	delta_snapshot_release(&snap);
	lake_fs_close(fs);
	return rc;
}

const struct command cmd_lake_show = {
	.name = "lake show",
	.fn = run_lake_show,
	.summary = "print a Delta table's rows (any version) as a table, CSV or JSON",
	CMD_OPTS(show_options, struct show_opts),
	.usage = "TABLE",
	.min_args = 1,
	.max_args = 1,
	.details = "TABLE is a path in the lake, e.g. processed/events or\n"
		   "curated/agg_daily_funnel. --version N shows the table as that commit left it.",
};
