#include "lake/delta/delta_scan.h"
#include "core/err.h"
#include "core/mem.h"

int delta_scan_begin(struct delta_scan *s, struct lake_fs *fs, const char *table,
		     const struct delta_snapshot *snap, const char *const *names, size_t ncols)
{
	memset(s, 0, sizeof(*s));
	s->fs = fs;
	s->table = table;
	s->snap = snap;
	s->names = names;
	s->ncols = ncols;
	buf_init(&s->path, 0);
	buf_init(&s->data, 0);
	s->ix = pp_calloc(ncols ? ncols : 1, sizeof(*s->ix));
	s->col = pp_calloc(ncols ? ncols : 1, sizeof(*s->col));
	s->v = pp_calloc(ncols ? ncols : 1, sizeof(*s->v));
	if (!s->ix || !s->col || !s->v) {
		delta_scan_close(s);
		return PP_ENOMEM;
	}
	return 0;
}

int delta_scan_open(struct delta_scan *s, struct lake_fs *fs, const char *table, int64_t version,
		    const char *const *names, size_t ncols)
{
	struct delta_snapshot snap;
	int rc = delta_snapshot_load(fs, table, version, &snap);

	if (rc) {
		memset(s, 0, sizeof(*s));
		return rc;
	}
	if ((rc = delta_scan_begin(s, fs, table, NULL, names, ncols))) {
		delta_snapshot_release(&snap);
		return rc;
	}
	s->own = snap;
	s->snap = &s->own;
	return 0;
}

static void release_batch(struct delta_scan *s)
{
	for (size_t c = 0; c < s->ncols; c++)
		pq_vector_release(&s->v[c]);
	s->rows = 0;
}

static int open_file(struct delta_scan *s)
{
	const struct delta_file *df = &s->snap->files[s->next_file++];
	int rc;

	buf_reset(&s->path);
	buf_reset(&s->data);
	if ((rc = buf_printf(&s->path, "%s/%s", s->table, df->file)) ||
	    (rc = s->fs->ops->get(s->fs, s->path.data, 0, UINT64_MAX, &s->data)))
		return rc;
	if ((rc = pq_file_open(&s->pf, s->data.data, s->data.len)))
		return pp_error_wrap(rc, "%s", s->path.data);
	for (size_t c = 0; c < s->ncols; c++) {
		s->ix[c] = pq_column_index(&s->pf, s->names[c]);
		s->col[c] = s->ix[c] < 0 ? NULL : &s->pf.cols[s->ix[c]];
	}
	s->file = df;
	s->file_open = true;
	s->next_rg = 0;
	return 0;
}

int delta_scan_next(struct delta_scan *s)
{
	int rc;

	release_batch(s);
	for (;;) {
		if (s->file_open && s->next_rg < s->pf.nrgs)
			break;
		if (s->file_open) {
			pq_file_release(&s->pf);
			s->file_open = false;
		}
		if (s->next_file == s->snap->nfiles)
			return 0;
		if (s->want && !s->want(s->want_ctx, &s->snap->files[s->next_file])) {
			s->next_file++;
			continue;
		}
		if ((rc = open_file(s)))
			return rc;
	}
	for (size_t c = 0; c < s->ncols; c++) {
		if (s->ix[c] < 0)
			continue;
		if ((rc = pq_read_column(&s->pf, s->next_rg, (size_t)s->ix[c], &s->v[c]))) {
			release_batch(s);
			return pp_error_wrap(rc, "%s: column %s", s->path.data, s->names[c]);
		}
	}
	s->rows = (size_t)s->pf.rgs[s->next_rg++].rows;
	return 0;
}

void delta_scan_close(struct delta_scan *s)
{
	if (s->v)
		release_batch(s);
	if (s->file_open)
		pq_file_release(&s->pf);
	pp_free(s->ix);
	pp_free(s->col);
	pp_free(s->v);
	buf_release(&s->path);
	buf_release(&s->data);
	delta_snapshot_release(&s->own); /* harmless when the snapshot was the caller's */
	memset(s, 0, sizeof(*s));
}

bool delta_file_in_dates(void *ctx, const struct delta_file *f)
{
	const struct delta_dates *r = ctx;
	const char *d = f->pvalues[0];

	return d && (!r->from[0] || strncmp(d, r->from, 10) >= 0) && (!r->to[0] || strncmp(d, r->to, 10) <= 0);
}
