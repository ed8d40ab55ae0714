#include "etl/history.h"
#include "etl/curated.h"
#include "etl/dim_item.h"
#include "etl/dim_visitor.h"
#include "etl/item_item.h"
#include "core/err.h"
#include "core/mem.h"
#include "lake/delta/delta_scan.h"

#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The pass runs as two readers of the same rows on two threads: one builds dim_visitor,
 * the other dim_item and item_item. The dates the caller holds in memory are taken from
 * there; the other dates' files are decoded, each reader decoding only the columns it
 * needs.
 */
enum { C_TS, C_VISITOR, C_SESSION, C_EVENT, C_PRICE, C_ITEM, C_CATEGORY, C__COUNT };
static const char *const col_names[C__COUNT] = { "ts", "visitor_id", "session_id", "event",
						 "price", "item_id", "category_id" };
#define VISITOR_COLS 5 /* the first five */

/* Where a reader is in a file: the run of rows of one session. */
struct run {
	struct buf visitor, session;
	bool open;
};

struct reader {
	struct lake_fs *fs;
	const char *table;
	const struct delta_snapshot *snap;
	const struct history_memory *mem;
	size_t ncols;
	/* called per row, and when a file or a day in memory ends */
	int (*add)(struct reader *r, const struct history_row *row);
	int (*end)(struct reader *r);
	struct run run;
	bool own_thread; /* started on a thread of its own: yields the CPU */
	int rc;
	char err[512];
};

static bool span_is(const struct buf *b, struct span s)
{
	return b->len == s.len && !memcmp(b->data, s.p, s.len);
}

static int set_buf(struct buf *b, struct span s)
{
	buf_reset(b);
	return buf_append(b, s.p, s.len);
}

/* Row i of a decoded batch as a history_row, the run moved to it. */
static int row_of(struct run *run, const struct pq_vector *v, size_t ncols, size_t i,
		  const char *path, struct history_row *row)
{
	struct span visitor = v[C_VISITOR].s[i], session = v[C_SESSION].s[i];
	int rc = 0;

	if (!v[C_VISITOR].valid[i] || !v[C_SESSION].valid[i] || !v[C_EVENT].valid[i] ||
	    event_type_parse(v[C_EVENT].s[i].p, v[C_EVENT].s[i].len, &row->type) ||
	    (ncols > C_ITEM && !v[C_ITEM].valid[i]))
		return pp_error(PP_ECORRUPT, "%s: row %zu lacks a visitor, session, item or known event",
				path, i + 1);
	row->ts = v[C_TS].i[i];
	row->visitor = visitor;
	row->price = v[C_PRICE].valid[i] ? v[C_PRICE].d[i] : NAN;
	row->item = ncols > C_ITEM ? v[C_ITEM].s[i] : (struct span){ NULL, 0 };
	row->category = ncols > C_CATEGORY && v[C_CATEGORY].valid[i] ? v[C_CATEGORY].s[i]
								      : (struct span){ NULL, 0 };
	row->new_visitor = !run->open || !span_is(&run->visitor, visitor);
	row->new_session = row->new_visitor || !span_is(&run->session, session);
	if (row->new_visitor)
		rc = set_buf(&run->visitor, visitor);
	if (!rc && row->new_session)
		rc = set_buf(&run->session, session);
	run->open = true;
	return rc;
}

static bool in_memory(const struct history_memory *mem, const char *date)
{
	for (size_t d = 0; mem && date && d < mem->ndays; d++)
		if (!strcmp(mem->date(mem->ctx, d), date))
			return true;
	return false;
}

static bool want_file(void *ctx, const struct delta_file *f)
{
	return !in_memory(ctx, f->pvalues[0]);
}

/* The files of the dates not in memory; a file ends the run it ends with. */
static int read_files(struct reader *r)
{
	const struct delta_file *cur = NULL;
	struct delta_scan s;
	struct history_row row;
	int rc;

	if (!r->snap)
		return 0;
	if ((rc = delta_scan_begin(&s, r->fs, r->table, r->snap, col_names, r->ncols)))
		return rc;
	s.want = want_file;
	s.want_ctx = (void *)r->mem;
	while (!rc && !(rc = delta_scan_next(&s)) && s.rows) {
		if (s.file != cur) {
			if (cur && (rc = r->end(r)))
				break;
			r->run.open = false;
			cur = s.file;
			for (size_t c = 0; c < r->ncols && !rc; c++)
				if (!s.col[c])
					rc = pp_error(PP_ECORRUPT, "%s: no column %s", s.path.data, col_names[c]);
		}
		for (size_t i = 0; !rc && i < s.rows; i++)
			if (!(rc = row_of(&r->run, s.v, r->ncols, i, s.path.data, &row)))
				rc = r->add(r, &row);
	}
	if (!rc && cur)
		rc = r->end(r);
	delta_scan_close(&s);
	return rc;
}

static int read_all(struct reader *r)
{
	const struct history_memory *mem = r->mem;
	struct history_row row;
	int rc;

	buf_init(&r->run.visitor, 0);
	buf_init(&r->run.session, 0);
	rc = read_files(r);
	r->run.open = false;
	for (size_t d = 0; mem && d < mem->ndays && !rc; d++) {
		size_t n = mem->count(mem->ctx, d);
		for (size_t i = 0; i < n && !rc; i++)
			if (mem->row(mem->ctx, d, i, &row))
				rc = r->add(r, &row);
		if (!rc)
			rc = r->end(r);
	}
	buf_release(&r->run.visitor);
	buf_release(&r->run.session);
	return rc;
}

/* ---- visitors ------------------------------------------------------------------------ */

struct visitor_pass {
	struct reader r; /* first: the callbacks cast back */
	struct dim_visitor dim;
	struct visitor_row *row;
	struct buf file;
	int64_t rows;
};

static int visitor_add(struct reader *r, const struct history_row *row)
{
	struct visitor_pass *p = (struct visitor_pass *)r;

	if (row->new_visitor && !(p->row = dim_visitor_row(&p->dim, row->visitor.p, row->visitor.len)))
		return PP_ENOMEM;
	dim_visitor_event(p->row, row->ts, row->type, row->price, row->new_session);
	return 0;
}

static int visitor_end(struct reader *r)
{
	(void)r;
	return 0;
}

/* The pass's threads yield the CPU to the rest of the process (the warehouse loader, the
 * server), whose work is waited on, and die with the lower priority. */
static void lower_priority(const struct reader *r)
{
	if (r->own_thread)
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
}

static void *visitor_main(void *arg)
{
	struct visitor_pass *p = arg;

	lower_priority(&p->r);
	p->r.rc = read_all(&p->r);
	if (!p->r.rc)
		p->r.rc = dim_visitor_encode(&p->dim, &p->file, &p->rows);
	/* committed from here, while items are still at work: the warehouse can load it */
	if (!p->r.rc)
		p->r.rc = curated_replace(p->r.fs, DIM_VISITOR_TABLE, dim_visitor_cols,
					  DIM_VISITOR_NCOLS, &p->file, p->rows);
	if (p->r.rc)
		snprintf(p->r.err, sizeof(p->r.err), "%s", pp_errmsg());
	return NULL;
}

/* ---- items ------------------------------------------------------------------------- */

struct item_pass {
	struct reader r;
	const struct config *cfg;
	struct item_catalog *cat;
	item_catalog_bad_fn bad;
	void *bad_ctx;
	struct dim_item dim;
	struct item_pairs pairs;
	struct strmap categories; /* interned: dim_item keeps pointers to them */
	struct buf items_file, pairs_file;
	int64_t nitems, npairs;
};

static int item_add(struct reader *r, const struct history_row *row)
{
	struct item_pass *p = (struct item_pass *)r;
	struct span cat = row->category, category = { NULL, 0 };
	struct item_row *ir;
	bool inserted;
	int rc;

	if (row->new_session && (rc = item_pairs_end_session(&p->pairs)))
		return rc;
	if (!(ir = dim_item_row(&p->dim, row->item.p, row->item.len)))
		return PP_ENOMEM;
	if (cat.len) {
		struct strmap_slot *s;
		if (ir->category && ir->category_len == cat.len && !memcmp(ir->category, cat.p, cat.len))
			category = (struct span){ ir->category, ir->category_len };
		else if ((s = strmap_put(&p->categories, cat.p, cat.len, &inserted)))
			category = (struct span){ s->key, s->len };
		else
			return PP_ENOMEM;
	}
	dim_item_event(ir, row->ts, row->type, row->price, category);
	item_pairs_touch(&p->pairs, (uint32_t)(ir - dim_item_rows(&p->dim)), row->type);
	return 0;
}

static int item_end(struct reader *r)
{
	return item_pairs_end_session(&((struct item_pass *)r)->pairs);
}

/* dim_item and item_item encoded into p->items_file and p->pairs_file. */
static int encode_items(struct item_pass *p, const struct config *cfg, const struct item_catalog *cat)
{
	size_t *order = dim_item_order(&p->dim);
	const char **ids = pp_malloc((p->dim.m.n ? p->dim.m.n : 1) * sizeof(*ids));
	int rc = 0;

	if (!order || !ids) {
		rc = PP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->dim.m.n; i++)
		ids[i] = dim_item_rows(&p->dim)[i].id;
	if (!(rc = dim_item_encode(&p->dim, order, cat, &p->items_file, &p->nitems)))
		rc = item_pairs_encode(&p->pairs, ids, order, p->dim.m.n, (int)cfg->item_item_k,
				       &p->pairs_file, &p->npairs);
out:
	pp_free(order);
	pp_free(ids);
	return rc;
}

/* The catalogue, items and pairs, encoded while visitors are. */
static void *item_main(void *arg)
{
	struct item_pass *p = arg;
	int rc;

	lower_priority(&p->r);
	if (!(rc = item_catalog_load(p->cat, p->r.fs, p->bad, p->bad_ctx)) && !(rc = read_all(&p->r)) &&
	    !(rc = dim_item_add_catalog(&p->dim, p->cat)))
		rc = encode_items(p, p->cfg, p->cat);
	p->r.rc = rc;
	if (rc)
		snprintf(p->r.err, sizeof(p->r.err), "%s", pp_errmsg());
	return NULL;
}

/* ---- the pass ------------------------------------------------------------------------ */

int history_commit(struct lake_fs *fs, const struct config *cfg, const char *events_table,
		   const struct history_memory *mem, item_catalog_bad_fn bad, void *ctx,
		   struct history_stats *st)
{
	struct delta_snapshot snap;
	struct item_catalog cat;
	struct visitor_pass vp = { .r = { fs, events_table, NULL, mem, VISITOR_COLS, visitor_add,
					  visitor_end } };
	struct item_pass ip = { .r = { fs, events_table, NULL, mem, C__COUNT, item_add, item_end },
				.cfg = cfg, .cat = &cat, .bad = bad, .bad_ctx = ctx };
	pthread_t visitors, items;
	bool have_snap, vt, it;
	int rc;

	memset(st, 0, sizeof(*st));
	item_catalog_init(&cat);
	dim_visitor_init(&vp.dim);
	buf_init(&vp.file, 0);
	buf_init(&ip.items_file, 0);
	buf_init(&ip.pairs_file, 0);
	dim_item_init(&ip.dim);
	item_pairs_init(&ip.pairs);
	strmap_init(&ip.categories);
	rc = delta_snapshot_load(fs, events_table, -1, &snap);
	if (rc && rc != PP_ENOENT)
		goto out;
	have_snap = rc == 0;
	pp_error_clear();
	vp.r.snap = ip.r.snap = have_snap ? &snap : NULL;
	/* two threads of their own (inline if none can start): this one only waits */
	vp.r.own_thread = ip.r.own_thread = true;
	if (!(vt = pthread_create(&visitors, NULL, visitor_main, &vp) == 0))
		vp.r.own_thread = false;
	if (!(it = pthread_create(&items, NULL, item_main, &ip) == 0)) {
		ip.r.own_thread = false;
		item_main(&ip);
	}
	if (!vt)
		visitor_main(&vp);
	if (it)
		pthread_join(items, NULL);
	if (vt)
		pthread_join(visitors, NULL);
	if ((rc = ip.r.rc))
		pp_error(rc, "%s", ip.r.err);
	else if ((rc = vp.r.rc))
		pp_error(rc, "%s", vp.r.err);
	st->catalog_bad = cat.bad_lines;
	st->visitors = vp.rows;
	st->items = ip.nitems;
	st->item_pairs = ip.npairs;
	if (!rc)
		rc = curated_replace(fs, DIM_ITEM_TABLE, dim_item_cols, DIM_ITEM_NCOLS, &ip.items_file,
				     ip.nitems);
	if (!rc)
		rc = curated_replace(fs, ITEM_ITEM_TABLE, item_item_cols, ITEM_ITEM_NCOLS,
				     &ip.pairs_file, ip.npairs);
	if (have_snap)
		delta_snapshot_release(&snap);
out:
	buf_release(&vp.file);
	buf_release(&ip.items_file);
	buf_release(&ip.pairs_file);
	strmap_release(&ip.categories);
	item_pairs_release(&ip.pairs);
	dim_item_release(&ip.dim);
	dim_visitor_release(&vp.dim);
	item_catalog_release(&cat);
	return rc;
}
