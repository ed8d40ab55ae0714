/*
 * parquet_writer.c - building a Parquet file in memory: per-column buffers for the
 * current row group, pages at the end of each row group, the footer at the end.
 */
#include "lake/parquet/parquet.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "lake/parquet/thrift.h"

#include <math.h>
#include <zstd.h>

enum { PT_BOOLEAN = 0, PT_INT32 = 1, PT_INT64 = 2, PT_DOUBLE = 5, PT_BYTE_ARRAY = 6 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
#define DICT_MAX_ENTRIES 65536
#define DICT_MAX_BYTES (1u << 20)

struct pq_stats {
	bool set;
	int64_t imin, imax;
	double dmin, dmax;
	struct buf smin, smax;
	uint64_t nulls;
};

struct pq_chunk {
	int64_t data_offset, dict_offset; /* dict_offset -1: none */
	int64_t uncompressed, compressed, num_values;
	bool dict;
	unsigned char min[8], max[8];
	struct buf smin, smax; /* strings */
	bool has_minmax;
	uint64_t nulls;
};

/* A dictionary of fixed-width values: their bits (zero-extended) to their index. */
struct fixslot {
	uint64_t bits;
	uint32_t index; /* + 1; 0: a free slot */
};

struct fixmap {
	struct fixslot *s;
	size_t cap, n;
	struct fixslot last; /* the last one looked up (runs of one value are common) */
};

struct pq_col {
	struct pq_column_def def;
	struct buf values; /* PLAIN non-null values (booleans: one byte each until paged) */
	uint8_t *levels;   /* definition level per row (optional columns) */
	size_t nlevels, caplevels;
	uint32_t *idx;     /* dictionary indices of the non-null values */
	size_t nidx, capidx;
	struct strmap dict;  /* strings' dictionary */
	struct fixmap fdict; /* fixed-width values' dictionary */
	struct buf dict_values;
	uint32_t ndict;
	bool dict_on;
	uint64_t nvalues; /* non-null values in this row group */
	struct pq_stats st;
	struct pq_chunk *chunks; /* one per finished row group */
};

struct pq_rowgroup {
	int64_t rows, offset, total_uncompressed, total_compressed;
};

struct pq_writer {
	struct pq_writer_opts o;
	struct pq_col *cols;
	size_t ncols, cur;      /* cur: the column the next put goes to */
	uint64_t rows, rg_rows;
	struct pq_rowgroup *rgs;
	size_t nrgs, caprgs;
	struct buf file, page, comp;
	ZSTD_CCtx *cctx;
	int rc;
};

void pq_writer_opts_default(struct pq_writer_opts *o)
{
	o->codec = PQ_ZSTD;
	/* measured on the ETL's tables: level 1 writes them a tenth of the run faster than 3,
	 * and the files come out no larger (72 MB against 74 MB for 2.74M events) */
	o->zstd_level = 1;
	o->row_group_rows = 131072;
	o->created_by = "ppredict version " PP_VERSION;
}

static int physical(enum pq_type t)
{
	switch (t) {
	case PQ_BOOLEAN: return PT_BOOLEAN;
	case PQ_INT32:
	case PQ_DATE: return PT_INT32;
	case PQ_INT64:
	case PQ_TIMESTAMP_MS: return PT_INT64;
	case PQ_DOUBLE: return PT_DOUBLE;
	default: return PT_BYTE_ARRAY;
	}
}

int pq_writer_open(struct pq_writer **out, const struct pq_column_def *cols, size_t ncols,
		   const struct pq_writer_opts *o)
{
	struct pq_writer *w = pp_calloc(1, sizeof(*w));
	size_t i;

	if (!w)
		return PP_ENOMEM;
	w->o = *o;
	w->ncols = ncols;
	w->cols = pp_calloc(ncols, sizeof(*w->cols));
	w->cctx = ZSTD_createCCtx();
	if (!w->cols || !w->cctx || ncols == 0) {
		pq_writer_abort(w);
		return ncols ? PP_ENOMEM : pp_error(PP_EINVAL, "a Parquet file needs columns");
	}
	for (i = 0; i < ncols; i++) {
		struct pq_col *c = &w->cols[i];
		c->def = cols[i];
		c->dict_on = cols[i].type != PQ_BOOLEAN && cols[i].dictionary;
		buf_init(&c->values, 0);
		buf_init(&c->dict_values, 0);
		buf_init(&c->st.smin, 0);
		buf_init(&c->st.smax, 0);
		strmap_init(&c->dict);
	}
	buf_init(&w->file, 0);
	buf_init(&w->page, 0);
	buf_init(&w->comp, 0);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o->zstd_level);
	w->rc = buf_append(&w->file, "PAR1", 4);
	*out = w;
	return w->rc;
}

uint64_t pq_writer_rows(const struct pq_writer *w)
{
	return w->rows;
}

/* ---- values ---------------------------------------------------------------------- */

static void fixmap_clear(struct fixmap *m)
{
	if (m->n)
		memset(m->s, 0, m->cap * sizeof(*m->s));
	m->n = 0;
	m->last.index = 0;
}

/* The slot of bits: its own, or the free one where it goes. */
static struct fixslot *fixmap_find(const struct fixmap *m, uint64_t bits)
{
	uint64_t h = bits ^ bits >> 33; /* doubles differ in their high bits: mix them down */
	size_t i;

	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	i = (size_t)h & (m->cap - 1);

	while (m->s[i].index && m->s[i].bits != bits)
		i = (i + 1) & (m->cap - 1);
	return &m->s[i];
}

static int fixmap_grow(struct fixmap *m)
{
	struct fixmap n = { .cap = m->cap ? m->cap * 2 : 1024, .n = m->n };

	if (!(n.s = pp_calloc(n.cap, sizeof(*n.s))))
		return PP_ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].index)
			*fixmap_find(&n, m->s[i].bits) = m->s[i];
	pp_free(m->s);
	*m = n;
	return 0;
}

/*
 * Dictionaries are kept while they pay: under DICT_MAX_ENTRIES entries, and for fixed-width
 * values (whose PLAIN form is small, and compresses) while at most one value in 8 is a new
 * one: counts and codes keep theirs, measurements drop it after the first few thousand.
 */
static bool dict_pays(const struct pq_col *c)
{
	if (c->ndict > DICT_MAX_ENTRIES)
		return false;
	return c->def.type == PQ_STRING || c->nvalues < 4096 || c->ndict * 8 <= c->nvalues;
}

/*
 * The dictionary index of the value numbered `bits` (*added: whether it is new, its entry
 * then the caller's to append), appended to the column's indices.
 */
static int dict_index(struct pq_writer *w, struct pq_col *c, uint64_t bits, bool *added)
{
	struct fixmap *m = &c->fdict;

	*added = false;
	if (!m->last.index || m->last.bits != bits) {
		struct fixslot *slot;
		if ((m->n + 1) * 4 > m->cap * 3 && fixmap_grow(m))
			return w->rc = PP_ENOMEM;
		slot = fixmap_find(m, bits);
		if (!slot->index) {
			slot->bits = bits;
			slot->index = ++c->ndict;
			m->n++;
			*added = true;
		}
		m->last = *slot;
	}
	if (pp_array_grow(&c->idx, c->nidx, &c->capidx, sizeof(uint32_t), 1024))
		return w->rc = PP_ENOMEM;
	c->idx[c->nidx++] = m->last.index - 1;
	return 0;
}

/* A fixed-width value (its PLAIN bytes, 4 or 8) into the column's dictionary. */
static int dict_fixed(struct pq_writer *w, struct pq_col *c, const void *plain, size_t size)
{
	uint64_t bits = 0;
	bool added;

	if (c->dict_on && !dict_pays(c))
		c->dict_on = false; /* PLAIN for the rest of the group */
	if (!c->dict_on)
		return 0;
	memcpy(&bits, plain, size);
	if (dict_index(w, c, bits, &added))
		return w->rc;
	return added ? (w->rc = buf_append(&c->dict_values, plain, size)) : 0;
}

static int null_refused(struct pq_writer *w, const struct pq_col *c)
{
	return w->rc = pp_error(PP_EINVAL, "column %s is required: it cannot be null", c->def.name);
}

/* The column's definition level for one more row, and its counts. */
static int level(struct pq_writer *w, struct pq_col *c, bool null)
{
	if (null && !c->def.optional)
		return null_refused(w, c);
	if (c->def.optional) {
		if (pp_array_grow(&c->levels, c->nlevels, &c->caplevels, 1, 1024))
			return w->rc = PP_ENOMEM;
		c->levels[c->nlevels++] = null ? 0 : 1;
	}
	if (null)
		c->st.nulls++;
	else
		c->nvalues++;
	return 0;
}

static struct pq_col *next_col(struct pq_writer *w, bool null)
{
	struct pq_col *c;

	if (w->rc)
		return NULL;
	if (w->cur >= w->ncols) {
		w->rc = pp_error(PP_EINVAL, "more values than columns in a row");
		return NULL;
	}
	c = &w->cols[w->cur++];
	return level(w, c, null) ? NULL : c;
}

static int type_is(struct pq_writer *w, struct pq_col *c, bool ok)
{
	if (!ok)
		w->rc = pp_error(PP_EINVAL, "column %s: a value of the wrong type", c->def.name);
	return w->rc;
}

static void stat_int(struct pq_col *c, int64_t v)
{
	if (!c->st.set || v < c->st.imin)
		c->st.imin = v;
	if (!c->st.set || v > c->st.imax)
		c->st.imax = v;
	c->st.set = true;
}

/* The values themselves, once the column and its level are settled. */
static int add_bool(struct pq_writer *w, struct pq_col *c, bool v)
{
	stat_int(c, v);
	return w->rc = buf_putc(&c->values, v ? 1 : 0);
}

static int add_i32(struct pq_writer *w, struct pq_col *c, int32_t v)
{
	stat_int(c, v);
	if (dict_fixed(w, c, &v, 4))
		return w->rc;
	return w->rc = buf_append(&c->values, &v, 4); /* little-endian hosts (x86-64, arm64) */
}

static int add_i64(struct pq_writer *w, struct pq_col *c, int64_t v)
{
	stat_int(c, v);
	if (dict_fixed(w, c, &v, 8))
		return w->rc;
	return w->rc = buf_append(&c->values, &v, 8);
}

static void stat_double(struct pq_col *c, double v)
{
	if (isnan(v)) /* NaN would poison min/max: readers skip it too */
		return;
	if (!c->st.set || v < c->st.dmin)
		c->st.dmin = v;
	if (!c->st.set || v > c->st.dmax)
		c->st.dmax = v;
	c->st.set = true;
}

static int add_double(struct pq_writer *w, struct pq_col *c, double v)
{
	stat_double(c, v);
	if (dict_fixed(w, c, &v, 8))
		return w->rc;
	return w->rc = buf_append(&c->values, &v, 8);
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);

	return r ? r : (an > bn) - (an < bn);
}

static int plain_string(struct buf *b, const char *p, size_t n)
{
	uint32_t len = (uint32_t)n;
	int rc = buf_append(b, &len, 4);

	return rc ? rc : buf_append(b, p, n);
}

static int stat_str(struct pq_writer *w, struct pq_col *c, const char *p, size_t n)
{
	if (!c->st.set || bytes_cmp(p, n, c->st.smin.data, c->st.smin.len) < 0) {
		buf_reset(&c->st.smin);
		if ((w->rc = buf_append(&c->st.smin, p, n)))
			return w->rc;
	}
	if (!c->st.set || bytes_cmp(p, n, c->st.smax.data, c->st.smax.len) > 0) {
		buf_reset(&c->st.smax);
		if ((w->rc = buf_append(&c->st.smax, p, n)))
			return w->rc;
	}
	c->st.set = true;
	return 0;
}

/*
 * A string; id: the caller's number for it (equal strings, equal numbers), or -1. While
 * the dictionary is on, every value is in it, so the statistics need only its entries.
 */
static int add_str(struct pq_writer *w, struct pq_col *c, const char *p, size_t n, int64_t id)
{
	bool added = false;

	if (n > UINT32_MAX)
		return w->rc = pp_error(PP_ELIMIT, "column %s: a string over 4 GiB", c->def.name);
	if (c->dict_on && !dict_pays(c))
		c->dict_on = false; /* too many distinct values: PLAIN for the rest of the group */
	if (c->dict_on && id >= 0) {
		if (dict_index(w, c, (uint64_t)id, &added))
			return w->rc;
	} else if (c->dict_on) {
		struct strmap_slot *s = strmap_put(&c->dict, p, n, &added);
		if (!s)
			return w->rc = PP_ENOMEM;
		if (added)
			s->value = c->ndict++;
		if (pp_array_grow(&c->idx, c->nidx, &c->capidx, sizeof(uint32_t), 1024))
			return w->rc = PP_ENOMEM;
		c->idx[c->nidx++] = (uint32_t)s->value;
	}
	if ((added || !c->dict_on) && stat_str(w, c, p, n))
		return w->rc;
	if (added && (w->rc = plain_string(&c->dict_values, p, n)))
		return w->rc;
	/* PLAIN bytes are kept too, so a dictionary that grows too big can be dropped */
	return w->rc = plain_string(&c->values, p, n);
}

int pq_put_bool(struct pq_writer *w, bool v)
{
	struct pq_col *c = next_col(w, false);

	if (!c || type_is(w, c, c->def.type == PQ_BOOLEAN))
		return w->rc;
	return add_bool(w, c, v);
}

int pq_put_i32(struct pq_writer *w, int32_t v)
{
	struct pq_col *c = next_col(w, false);

	if (!c || type_is(w, c, c->def.type == PQ_INT32 || c->def.type == PQ_DATE))
		return w->rc;
	return add_i32(w, c, v);
}

int pq_put_i64(struct pq_writer *w, int64_t v)
{
	struct pq_col *c = next_col(w, false);

	if (!c || type_is(w, c, c->def.type == PQ_INT64 || c->def.type == PQ_TIMESTAMP_MS))
		return w->rc;
	return add_i64(w, c, v);
}

int pq_put_double(struct pq_writer *w, double v)
{
	struct pq_col *c = next_col(w, false);

	if (!c || type_is(w, c, c->def.type == PQ_DOUBLE))
		return w->rc;
	return add_double(w, c, v);
}

int pq_put_str(struct pq_writer *w, const char *p, size_t n)
{
	struct pq_col *c = next_col(w, false);

	if (!c || type_is(w, c, c->def.type == PQ_STRING))
		return w->rc;
	return add_str(w, c, p, n, -1);
}

int pq_put_null(struct pq_writer *w)
{
	next_col(w, true);
	return w->rc;
}

int pq_put_opt_str(struct pq_writer *w, const char *s)
{
	return s ? pq_put_str(w, s, strlen(s)) : pq_put_null(w);
}

/* ---- encodings --------------------------------------------------------------------- */

/*
 * The RLE / bit-packing hybrid: a run of 8 or more equal values is an RLE run; other
 * values go in bit-packed groups of 8 (the last group padded with zeros, which readers
 * ignore since they know how many values there are).
 */
static int rle_hybrid(struct buf *b, const uint32_t *v, size_t n, int width)
{
	size_t i = 0;
	int rc = 0, vbytes = (width + 7) / 8;

	while (i < n && !rc) {
		size_t run = 1;
		while (i + run < n && v[i + run] == v[i])
			run++;
		if (run >= 8) {
			rc = uleb128_put(b, (uint64_t)run << 1); /* LSB 0: an RLE run */
			for (int k = 0; k < vbytes && !rc; k++)
				rc = buf_putc(b, (char)(v[i] >> (8 * k)));
			i += run;
			continue;
		}
		/* bit-packed groups until a long run starts at a group boundary */
		size_t start = i, groups = 0;
		do {
			i += 8;
			groups++;
			if (i >= n)
				break;
			run = 1;
			while (i + run < n && v[i + run] == v[i])
				run++;
		} while (run < 8);
		rc = uleb128_put(b, (uint64_t)groups << 1 | 1); /* LSB 1: bit-packed */
		if (rc)
			break;
		size_t bits = groups * 8 * (size_t)width, nbytes = (bits + 7) / 8;
		if ((rc = buf_grow(b, nbytes)))
			break;
		unsigned char *out = (unsigned char *)b->data + b->len;
		uint64_t acc = 0;
		int have = 0;
		size_t o = 0;
		/* values go in least-significant bit first; a 64-bit accumulator spills bytes */
		for (size_t k = 0; k < groups * 8; k++) {
			uint64_t x = start + k < n ? v[start + k] : 0;
			acc |= x << have;
			have += width;
			while (have >= 8) {
				out[o++] = (unsigned char)acc;
				acc >>= 8;
				have -= 8;
			}
		}
		if (have > 0)
			out[o++] = (unsigned char)acc;
		b->len += nbytes;
		buf_terminate(b);
	}
	return rc;
}

static int bit_width(uint32_t max)
{
	int w = 0;

	while (max) {
		w++;
		max >>= 1;
	}
	return w;
}

static int compress_page(struct pq_writer *w)
{
	size_t bound, z;

	buf_reset(&w->comp);
	if (w->o.codec == PQ_UNCOMPRESSED)
		return buf_append(&w->comp, w->page.data, w->page.len);
	bound = ZSTD_compressBound(w->page.len);
	if (buf_grow(&w->comp, bound))
		return PP_ENOMEM;
	z = ZSTD_compress2(w->cctx, w->comp.data, bound, w->page.data, w->page.len);
	if (ZSTD_isError(z))
		return pp_error(PP_EIO, "zstd: %s", ZSTD_getErrorName(z));
	w->comp.len = z;
	return 0;
}

/* Appends header + compressed page to the file; returns the page's offset. */
static int write_page(struct pq_writer *w, int type, int64_t num_values, int encoding,
		      int64_t *offset, struct pq_chunk *ch)
{
	struct buf hdr = BUF_INIT;
	struct tc_writer tc;
	int rc = compress_page(w);

	if (rc)
		return rc;
	tc_writer_init(&tc, &hdr);
	tc_struct_begin(&tc);
	tc_field_i32(&tc, 1, type);
	tc_field_i32(&tc, 2, (int32_t)w->page.len);
	tc_field_i32(&tc, 3, (int32_t)w->comp.len);
	if (type == PAGE_DATA) {
		tc_field_struct(&tc, 5);
		tc_field_i32(&tc, 1, (int32_t)num_values);
		tc_field_i32(&tc, 2, encoding);
		tc_field_i32(&tc, 3, ENC_RLE);
		tc_field_i32(&tc, 4, ENC_RLE);
		tc_struct_end(&tc);
	} else {
		tc_field_struct(&tc, 7);
		tc_field_i32(&tc, 1, (int32_t)num_values);
		tc_field_i32(&tc, 2, ENC_PLAIN);
		tc_struct_end(&tc);
	}
	tc_struct_end(&tc);
	if ((rc = tc.rc))
		goto out;
	*offset = (int64_t)w->file.len;
	if ((rc = buf_append(&w->file, hdr.data, hdr.len)) ||
	    (rc = buf_append(&w->file, w->comp.data, w->comp.len)))
		goto out;
	ch->uncompressed += (int64_t)(hdr.len + w->page.len);
	ch->compressed += (int64_t)(hdr.len + w->comp.len);
out:
	buf_release(&hdr);
	return rc;
}

static int flush_column(struct pq_writer *w, struct pq_col *c, struct pq_chunk *ch)
{
	bool dict = c->dict_on && c->ndict <= DICT_MAX_ENTRIES && c->dict_values.len <= DICT_MAX_BYTES;
	int rc = 0;

	memset(ch, 0, sizeof(*ch));
	ch->dict_offset = -1;
	ch->num_values = (int64_t)w->rg_rows;
	ch->nulls = c->st.nulls;
	buf_init(&ch->smin, 0);
	buf_init(&ch->smax, 0);
	if (dict) {
		buf_reset(&w->page);
		if ((rc = buf_append(&w->page, c->dict_values.data, c->dict_values.len)) ||
		    (rc = write_page(w, PAGE_DICTIONARY, c->ndict, ENC_PLAIN, &ch->dict_offset, ch)))
			return rc;
		ch->dict = true;
	}
	buf_reset(&w->page);
	if (c->def.optional) {
		/* definition levels: 4-byte length, then the hybrid encoding with width 1 */
		uint32_t *lv = pp_malloc((c->nlevels + 1) * sizeof(uint32_t));
		size_t at;
		uint32_t len;
		if (!lv)
			return PP_ENOMEM;
		for (size_t i = 0; i < c->nlevels; i++)
			lv[i] = c->levels[i];
		at = w->page.len;
		rc = buf_append(&w->page, "\0\0\0\0", 4);
		if (!rc)
			rc = rle_hybrid(&w->page, lv, c->nlevels, 1);
		pp_free(lv);
		if (rc)
			return rc;
		len = (uint32_t)(w->page.len - at - 4);
		memcpy(w->page.data + at, &len, 4);
	}
	if (dict) {
		int width = bit_width(c->ndict ? c->ndict - 1 : 0);
		if ((rc = buf_putc(&w->page, (char)width)) ||
		    (rc = rle_hybrid(&w->page, c->idx, c->nidx, width)))
			return rc;
	} else if (c->def.type == PQ_BOOLEAN) {
		size_t nbytes = (c->values.len + 7) / 8, at = w->page.len;
		if ((rc = buf_grow(&w->page, nbytes)))
			return rc;
		memset(w->page.data + at, 0, nbytes);
		for (size_t i = 0; i < c->values.len; i++)
			if (c->values.data[i])
				w->page.data[at + i / 8] |= (char)(1u << (i % 8));
		w->page.len += nbytes;
	} else if ((rc = buf_append(&w->page, c->values.data, c->values.len))) {
		return rc;
	}
	if ((rc = write_page(w, PAGE_DATA, (int64_t)w->rg_rows, dict ? ENC_RLE_DICTIONARY : ENC_PLAIN,
			     &ch->data_offset, ch)))
		return rc;
	/* statistics, in the column's PLAIN form */
	ch->has_minmax = c->st.set;
	if (c->st.set) {
		switch (c->def.type) {
		case PQ_BOOLEAN:
			ch->min[0] = (unsigned char)c->st.imin;
			ch->max[0] = (unsigned char)c->st.imax;
			break;
		case PQ_INT32:
		case PQ_DATE: {
			int32_t lo = (int32_t)c->st.imin, hi = (int32_t)c->st.imax;
			memcpy(ch->min, &lo, 4);
			memcpy(ch->max, &hi, 4);
			break;
		}
		case PQ_INT64:
		case PQ_TIMESTAMP_MS:
			memcpy(ch->min, &c->st.imin, 8);
			memcpy(ch->max, &c->st.imax, 8);
			break;
		case PQ_DOUBLE:
			memcpy(ch->min, &c->st.dmin, 8);
			memcpy(ch->max, &c->st.dmax, 8);
			break;
		case PQ_STRING:
			if ((rc = buf_append(&ch->smin, c->st.smin.data, c->st.smin.len)) ||
			    (rc = buf_append(&ch->smax, c->st.smax.data, c->st.smax.len)))
				return rc;
		}
	}
	/* the column starts the next row group empty */
	buf_reset(&c->values);
	buf_reset(&c->dict_values);
	buf_reset(&c->st.smin);
	buf_reset(&c->st.smax);
	strmap_release(&c->dict);
	strmap_init(&c->dict);
	fixmap_clear(&c->fdict);
	c->ndict = 0;
	c->dict_on = c->def.type != PQ_BOOLEAN && c->def.dictionary;
	c->nidx = c->nlevels = 0;
	c->nvalues = 0;
	memset(&c->st.set, 0, sizeof(c->st.set));
	c->st.nulls = 0;
	return 0;
}

static int flush_row_group(struct pq_writer *w)
{
	struct pq_rowgroup *rg;
	size_t i;
	int rc;

	if (!w->rg_rows)
		return 0;
	if (pp_array_grow(&w->rgs, w->nrgs, &w->caprgs, sizeof(*w->rgs), 8))
		return PP_ENOMEM;
	rg = &w->rgs[w->nrgs];
	memset(rg, 0, sizeof(*rg));
	rg->rows = (int64_t)w->rg_rows;
	rg->offset = (int64_t)w->file.len;
	for (i = 0; i < w->ncols; i++) {
		struct pq_col *c = &w->cols[i];
		struct pq_chunk *nc = pp_realloc(c->chunks, (w->nrgs + 1) * sizeof(*nc));
		if (!nc)
			return PP_ENOMEM;
		c->chunks = nc;
		if ((rc = flush_column(w, c, &c->chunks[w->nrgs])))
			return rc;
		rg->total_uncompressed += c->chunks[w->nrgs].uncompressed;
		rg->total_compressed += c->chunks[w->nrgs].compressed;
	}
	w->nrgs++;
	w->rg_rows = 0;
	return 0;
}

int pq_end_row(struct pq_writer *w)
{
	if (w->rc)
		return w->rc;
	if (w->cur != w->ncols)
		return w->rc = pp_error(PP_EINVAL, "a row has %zu values for %zu columns", w->cur,
					w->ncols);
	w->cur = 0;
	w->rows++;
	if (++w->rg_rows >= w->o.row_group_rows)
		w->rc = flush_row_group(w);
	return w->rc;
}

/* ---- a batch of rows, column by column --------------------------------------------- */

/*
 * put_slice for a double column, a loop of its own: levels, statistics, dictionary and
 * values each over the run (the per-value path costs several times more, and a training
 * set has a hundred million values).
 */
static int put_doubles(struct pq_writer *w, struct pq_col *c, const struct pq_values *v, size_t from, size_t n)
{
	const double *d = (const double *)v->v + from;
	size_t nulls = 0, at;

	while (c->def.optional && c->caplevels < c->nlevels + n)
		if (pp_array_grow(&c->levels, c->caplevels, &c->caplevels, 1, 1024))
			return w->rc = PP_ENOMEM;
	if (buf_grow(&c->values, n * sizeof(double)))
		return w->rc = PP_ENOMEM;
	at = c->values.len;
	for (size_t r = 0; r < n; r++) {
		bool null = (v->valid && !v->valid[from + r]) || (v->nan_is_null && isnan(d[r]));
		if (null && !c->def.optional)
			return null_refused(w, c);
		if (c->def.optional)
			c->levels[c->nlevels++] = !null;
		if (null) {
			nulls++;
			continue;
		}
		stat_double(c, d[r]);
		memcpy(c->values.data + at, &d[r], sizeof(double));
		at += sizeof(double);
	}
	c->st.nulls += nulls;
	/* the dictionary over the values just laid down */
	for (size_t k = c->values.len; k < at && !w->rc; k += sizeof(double)) {
		c->nvalues++;
		dict_fixed(w, c, c->values.data + k, sizeof(double));
	}
	c->values.len = at;
	buf_terminate(&c->values);
	return w->rc;
}

/* Rows [from, from + n) of column c's batch values. */
static int put_slice(struct pq_writer *w, struct pq_col *c, const struct pq_values *v, size_t from, size_t n)
{
	if (c->def.type == PQ_DOUBLE)
		return put_doubles(w, c, v, from, n);
	for (size_t r = from; r < from + n && !w->rc; r++) {
		bool null = v->valid && !v->valid[r];
		switch (c->def.type) {
		case PQ_BOOLEAN:
			if (!level(w, c, null) && !null)
				add_bool(w, c, ((const bool *)v->v)[r]);
			break;
		case PQ_INT32:
		case PQ_DATE:
			if (!level(w, c, null) && !null)
				add_i32(w, c, ((const int32_t *)v->v)[r]);
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP_MS:
			if (!level(w, c, null) && !null)
				add_i64(w, c, ((const int64_t *)v->v)[r]);
			break;
		case PQ_DOUBLE: /* put_doubles, above */
			break;
		case PQ_STRING: {
			struct span sp = ((const struct span *)v->v)[r];
			null = null || !sp.p;
			if (!level(w, c, null) && !null)
				add_str(w, c, sp.p, sp.len, v->ids ? (int64_t)v->ids[r] : -1);
			break;
		}
		}
	}
	return w->rc;
}

int pq_put_columns(struct pq_writer *w, const struct pq_values *cols, size_t nrows)
{
	size_t done = 0;

	if (!w->rc && w->cur)
		w->rc = pp_error(PP_EINVAL, "a batch of columns in the middle of a row");
	while (!w->rc && done < nrows) {
		size_t room = w->o.row_group_rows - w->rg_rows, n = nrows - done < room ? nrows - done : room;
		for (size_t i = 0; i < w->ncols && !w->rc; i++)
			put_slice(w, &w->cols[i], &cols[i], done, n);
		if (w->rc)
			break;
		done += n;
		w->rows += n;
		if ((w->rg_rows += n) >= w->o.row_group_rows)
			w->rc = flush_row_group(w);
	}
	return w->rc;
}

/* ---- footer ------------------------------------------------------------------------ */

static void schema_element(struct tc_writer *tc, const struct pq_column_def *d)
{
	tc_elem_struct(tc);
	tc_field_i32(tc, 1, physical(d->type));
	tc_field_i32(tc, 3, d->optional ? 1 : 0);
	tc_field_string(tc, 4, d->name);
	if (d->type == PQ_STRING)
		tc_field_i32(tc, 6, 0); /* UTF8 */
	else if (d->type == PQ_DATE)
		tc_field_i32(tc, 6, 6); /* DATE */
	else if (d->type == PQ_TIMESTAMP_MS)
		tc_field_i32(tc, 6, 9); /* TIMESTAMP_MILLIS */
	if (d->type == PQ_STRING || d->type == PQ_DATE || d->type == PQ_TIMESTAMP_MS) {
		tc_field_struct(tc, 10); /* LogicalType union */
		if (d->type == PQ_STRING) {
			tc_field_struct(tc, 1);
			tc_struct_end(tc);
		} else if (d->type == PQ_DATE) {
			tc_field_struct(tc, 6);
			tc_struct_end(tc);
		} else {
			tc_field_struct(tc, 8); /* TimestampType */
			tc_field_bool(tc, 1, true);
			tc_field_struct(tc, 2); /* TimeUnit union: MILLIS */
			tc_field_struct(tc, 1);
			tc_struct_end(tc);
			tc_struct_end(tc);
			tc_struct_end(tc);
		}
		tc_struct_end(tc);
	}
	tc_struct_end(tc);
}

static void column_chunk(struct tc_writer *tc, const struct pq_col *c, const struct pq_chunk *ch,
			 enum pq_codec codec)
{
	size_t stat_len = c->def.type == PQ_BOOLEAN ? 1
			  : (c->def.type == PQ_INT32 || c->def.type == PQ_DATE) ? 4 : 8;

	tc_elem_struct(tc);
	tc_field_i64(tc, 2, ch->dict_offset >= 0 ? ch->dict_offset : ch->data_offset);
	tc_field_struct(tc, 3);
	tc_field_i32(tc, 1, physical(c->def.type));
	tc_field_list(tc, 2, TC_I32, ch->dict ? 3 : 2);
	tc_elem_i32(tc, ENC_PLAIN);
	tc_elem_i32(tc, ENC_RLE);
	if (ch->dict)
		tc_elem_i32(tc, ENC_RLE_DICTIONARY);
	tc_field_list(tc, 3, TC_BINARY, 1);
	tc_elem_string(tc, c->def.name);
	tc_field_i32(tc, 4, (int32_t)codec);
	tc_field_i64(tc, 5, ch->num_values);
	tc_field_i64(tc, 6, ch->uncompressed);
	tc_field_i64(tc, 7, ch->compressed);
	tc_field_i64(tc, 9, ch->data_offset);
	if (ch->dict_offset >= 0)
		tc_field_i64(tc, 11, ch->dict_offset);
	tc_field_struct(tc, 12);
	tc_field_i64(tc, 3, (int64_t)ch->nulls);
	if (ch->has_minmax) {
		if (c->def.type == PQ_STRING) {
			tc_field_binary(tc, 5, ch->smax.data, ch->smax.len);
			tc_field_binary(tc, 6, ch->smin.data, ch->smin.len);
		} else {
			tc_field_binary(tc, 5, ch->max, stat_len);
			tc_field_binary(tc, 6, ch->min, stat_len);
		}
	}
	tc_struct_end(tc);
	tc_struct_end(tc);
	tc_struct_end(tc);
}

int pq_writer_finish(struct pq_writer *w, struct buf *out)
{
	struct buf footer = BUF_INIT;
	struct tc_writer tc;
	size_t i, r;
	uint32_t flen;
	int rc = w->rc;

	if (!rc && w->cur)
		rc = pp_error(PP_EINVAL, "the last row is incomplete");
	if (!rc)
		rc = flush_row_group(w);
	if (rc)
		goto out;
	tc_writer_init(&tc, &footer);
	tc_struct_begin(&tc);
	tc_field_i32(&tc, 1, 1);
	tc_field_list(&tc, 2, TC_STRUCT, w->ncols + 1);
	tc_elem_struct(&tc); /* the root */
	tc_field_string(&tc, 4, "schema");
	tc_field_i32(&tc, 5, (int32_t)w->ncols);
	tc_struct_end(&tc);
	for (i = 0; i < w->ncols; i++)
		schema_element(&tc, &w->cols[i].def);
	tc_field_i64(&tc, 3, (int64_t)w->rows);
	tc_field_list(&tc, 4, TC_STRUCT, w->nrgs);
	for (r = 0; r < w->nrgs; r++) {
		tc_elem_struct(&tc);
		tc_field_list(&tc, 1, TC_STRUCT, w->ncols);
		for (i = 0; i < w->ncols; i++)
			column_chunk(&tc, &w->cols[i], &w->cols[i].chunks[r], w->o.codec);
		tc_field_i64(&tc, 2, w->rgs[r].total_uncompressed);
		tc_field_i64(&tc, 3, w->rgs[r].rows);
		tc_field_i64(&tc, 5, w->rgs[r].offset);
		tc_field_i64(&tc, 6, w->rgs[r].total_compressed);
		tc_struct_end(&tc);
	}
	tc_field_string(&tc, 6, w->o.created_by);
	/* min_value/max_value follow each type's natural order */
	tc_field_list(&tc, 7, TC_STRUCT, w->ncols);
	for (i = 0; i < w->ncols; i++) {
		tc_elem_struct(&tc);
		tc_field_struct(&tc, 1);
		tc_struct_end(&tc);
		tc_struct_end(&tc);
	}
	tc_struct_end(&tc);
	if ((rc = tc.rc))
		goto out;
	flen = (uint32_t)footer.len;
	if ((rc = buf_append(&w->file, footer.data, footer.len)) ||
	    (rc = buf_append(&w->file, &flen, 4)) || (rc = buf_append(&w->file, "PAR1", 4)) ||
	    (rc = buf_append(out, w->file.data, w->file.len)))
		goto out;
out:
	buf_release(&footer);
	pq_writer_abort(w);
	return rc;
}

void pq_writer_abort(struct pq_writer *w)
{
	size_t i, r;

	if (!w)
		return;
	for (i = 0; w->cols && i < w->ncols; i++) {
		struct pq_col *c = &w->cols[i];
		for (r = 0; c->chunks && r < w->nrgs; r++) {
			buf_release(&c->chunks[r].smin);
			buf_release(&c->chunks[r].smax);
		}
		pp_free(c->chunks);
		buf_release(&c->values);
		buf_release(&c->dict_values);
		buf_release(&c->st.smin);
		buf_release(&c->st.smax);
		strmap_release(&c->dict);
		pp_free(c->fdict.s);
		pp_free(c->levels);
		pp_free(c->idx);
	}
	pp_free(w->cols);
	pp_free(w->rgs);
	buf_release(&w->file);
	buf_release(&w->page);
	buf_release(&w->comp);
	ZSTD_freeCCtx(w->cctx);
	pp_free(w);
}
