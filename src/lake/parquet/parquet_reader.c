/*
 * parquet_reader.c - reading flat Parquet files: the footer (Thrift compact), then one
 * column chunk at a time: dictionary and v1/v2 data pages, PLAIN and dictionary values,
 * definition levels, ZSTD or uncompressed pages. Everything read is bounds-checked: a
 * damaged file is an error, never a crash (tests/fuzz/fuzz_parquet.c).
 */
#include "lake/parquet/parquet.h"
#include "core/err.h"
#include "core/mem.h"
#include "lake/parquet/thrift.h"

#include <zstd.h>

enum { PT_BOOLEAN = 0, PT_INT32 = 1, PT_INT64 = 2, PT_INT96 = 3, PT_FLOAT = 4, PT_DOUBLE = 5,
       PT_BYTE_ARRAY = 6, PT_FIXED = 7 };

static int bad(const char *what)
{
	return pp_error(PP_ECORRUPT, "not a readable Parquet file: %s", what);
}

/* ---- footer -------------------------------------------------------------------------- */

struct schema_el {
	int type, repetition, converted, num_children;
	int logical; /* field id of the LogicalType union member, 0 none */
	int unit;    /* TimestampType unit: 1 ms, 2 us, 3 ns */
	const unsigned char *name;
	size_t name_len;
};

static void read_logical(struct tc_reader *r, struct schema_el *e)
{
	int16_t id, id2;
	enum tc_type t, t2;

	tc_read_struct_begin(r);
	while (tc_next_field(r, &id, &t)) {
		e->logical = id;
		if (id == 8 && t == TC_STRUCT) { /* TimestampType */
			tc_read_struct_begin(r);
			while (tc_next_field(r, &id2, &t2)) {
				if (id2 == 2 && t2 == TC_STRUCT) {
					int16_t u;
					enum tc_type ut;
					tc_read_struct_begin(r);
					while (tc_next_field(r, &u, &ut)) {
						e->unit = u;
						tc_skip(r, ut);
					}
					tc_read_struct_end(r);
				} else {
					tc_skip(r, t2);
				}
			}
			tc_read_struct_end(r);
		} else {
			tc_skip(r, t);
		}
	}
	tc_read_struct_end(r);
}

static void read_schema_el(struct tc_reader *r, struct schema_el *e)
{
	int16_t id;
	enum tc_type t;

	memset(e, 0, sizeof(*e));
	e->type = -1;
	e->converted = -1;
	tc_read_struct_begin(r);
	while (tc_next_field(r, &id, &t)) {
		if (id == 1 && t == TC_I32)
			e->type = (int)tc_read_int(r);
		else if (id == 3 && t == TC_I32)
			e->repetition = (int)tc_read_int(r);
		else if (id == 4 && t == TC_BINARY)
			e->name = tc_read_binary(r, &e->name_len);
		else if (id == 5 && t == TC_I32)
			e->num_children = (int)tc_read_int(r);
		else if (id == 6 && t == TC_I32)
			e->converted = (int)tc_read_int(r);
		else if (id == 10 && t == TC_STRUCT)
			read_logical(r, e);
		else
			tc_skip(r, t);
	}
	tc_read_struct_end(r);
}

static void read_stats(struct tc_reader *r, struct pq_stat *s)
{
	const unsigned char *min = NULL, *max = NULL, *omin = NULL, *omax = NULL;
	size_t minl = 0, maxl = 0, ominl = 0, omaxl = 0;
	int16_t id;
	enum tc_type t;

	s->nulls = -1;
	tc_read_struct_begin(r);
	while (tc_next_field(r, &id, &t)) {
		if (id == 1 && t == TC_BINARY)
			omax = tc_read_binary(r, &omaxl);
		else if (id == 2 && t == TC_BINARY)
			omin = tc_read_binary(r, &ominl);
		else if (id == 3 && t == TC_I64)
			s->nulls = tc_read_int(r);
		else if (id == 5 && t == TC_BINARY)
			max = tc_read_binary(r, &maxl);
		else if (id == 6 && t == TC_BINARY)
			min = tc_read_binary(r, &minl);
		else
			tc_skip(r, t);
	}
	tc_read_struct_end(r);
	if (!min && omin) { /* the deprecated fields, from older writers */
		min = omin, minl = ominl, max = omax, maxl = omaxl;
	}
	if (min && max) {
		s->has_minmax = true;
		s->smin = min, s->smin_len = minl, s->smax = max, s->smax_len = maxl;
		memcpy(s->min, min, minl < 8 ? minl : 8);
		memcpy(s->max, max, maxl < 8 ? maxl : 8);
	}
}

static void read_column_meta(struct tc_reader *r, struct pq_chunk_info *c)
{
	int64_t data_off = -1, dict_off = -1;
	int16_t id;
	enum tc_type t;

	tc_read_struct_begin(r);
	while (tc_next_field(r, &id, &t)) {
		if (id == 4 && t == TC_I32)
			c->codec = (int)tc_read_int(r);
		else if (id == 5 && t == TC_I64)
			c->num_values = tc_read_int(r);
		else if (id == 7 && t == TC_I64)
			c->size = tc_read_int(r);
		else if (id == 9 && t == TC_I64)
			data_off = tc_read_int(r);
		else if (id == 11 && t == TC_I64)
			dict_off = tc_read_int(r);
		else if (id == 12 && t == TC_STRUCT)
			read_stats(r, &c->stat);
		else
			tc_skip(r, t);
	}
	tc_read_struct_end(r);
	c->start = dict_off >= 0 && (data_off < 0 || dict_off < data_off) ? dict_off : data_off;
}

static int read_row_group(struct tc_reader *r, struct pq_file *f, struct pq_rg_info *rg)
{
	int16_t id, id2;
	enum tc_type t, t2, elem;
	size_t n, i;

	tc_read_struct_begin(r);
	while (tc_next_field(r, &id, &t)) {
		if (id == 1 && t == TC_LIST) {
			n = tc_read_list(r, &elem);
			if (n != f->ncols || elem != TC_STRUCT || rg->chunks)
				return bad("a row group's columns do not match the schema");
			rg->chunks = pp_calloc(n ? n : 1, sizeof(*rg->chunks));
			if (!rg->chunks)
				return PP_ENOMEM;
			for (i = 0; i < n && !r->failed; i++) {
				tc_read_struct_begin(r);
				while (tc_next_field(r, &id2, &t2)) {
					if (id2 == 3 && t2 == TC_STRUCT)
						read_column_meta(r, &rg->chunks[i]);
					else
						tc_skip(r, t2);
				}
				tc_read_struct_end(r);
			}
		} else if (id == 3 && t == TC_I64) {
			rg->rows = tc_read_int(r);
		} else {
			tc_skip(r, t);
		}
	}
	tc_read_struct_end(r);
	return r->failed ? bad("damaged row group metadata") : 0;
}

static enum pq_type logical_type(const struct schema_el *e, int *unit)
{
	*unit = 0;
	switch (e->type) {
	case PT_BOOLEAN: return PQ_BOOLEAN;
	case PT_INT32: return e->converted == 6 || e->logical == 6 ? PQ_DATE : PQ_INT32;
	case PT_INT64:
		if (e->converted == 9 || e->converted == 10 || e->logical == 8) {
			*unit = e->converted == 9 || e->unit == 1 ? 1000
				: e->converted == 10 || e->unit == 2 ? 1000000 : 1000000000;
			return PQ_TIMESTAMP_MS;
		}
		return PQ_INT64;
	case PT_FLOAT:
	case PT_DOUBLE: return PQ_DOUBLE;
	default: return PQ_STRING;
	}
}

int pq_file_open(struct pq_file *f, const void *data, size_t len)
{
	const unsigned char *p = data;
	struct tc_reader r;
	uint32_t flen;
	int16_t id;
	enum tc_type t, elem;
	size_t n, i;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->data = p;
	f->len = len;
	if (len < 12 || memcmp(p, "PAR1", 4) || memcmp(p + len - 4, "PAR1", 4))
		return bad("no PAR1 magic at both ends");
	memcpy(&flen, p + len - 8, 4);
	if (flen > len - 12)
		return bad("footer length past the file");
	tc_reader_init(&r, p + len - 8 - flen, flen);
	tc_read_struct_begin(&r);
	while (!rc && tc_next_field(&r, &id, &t)) {
		if (id == 2 && t == TC_LIST) {
			struct schema_el root, e;
			n = tc_read_list(&r, &elem);
			if (n < 2 || elem != TC_STRUCT || f->cols) {
				rc = bad("no columns in the schema, or two schemas");
				break;
			}
			read_schema_el(&r, &root);
			if (root.num_children != (int)n - 1) {
				rc = bad("nested schemas are not supported");
				break;
			}
			f->cols = pp_calloc(n - 1, sizeof(*f->cols));
			if (!f->cols) {
				rc = PP_ENOMEM;
				break;
			}
			for (i = 0; i + 1 < n && !r.failed; i++) {
				struct pq_col_info *c = &f->cols[i];
				read_schema_el(&r, &e);
				if (!e.name || e.num_children || e.type < 0 || e.type == PT_INT96 ||
				    e.repetition == 2) {
					rc = bad("a column of a kind this reader does not know (nested, INT96 or "
						 "repeated)");
					break;
				}
				c->name = pp_strndup((const char *)e.name, e.name_len);
				if (!c->name) {
					rc = PP_ENOMEM;
					break;
				}
				c->physical = e.type;
				c->type = logical_type(&e, &c->time_unit);
				c->optional = e.repetition == 1;
				f->ncols++;
			}
		} else if (id == 3 && t == TC_I64) {
			f->rows = tc_read_int(&r);
		} else if (id == 4 && t == TC_LIST) {
			if (!f->ncols || f->rgs) {
				rc = bad("row groups before the schema, or twice");
				break;
			}
			n = tc_read_list(&r, &elem);
			f->rgs = pp_calloc(n ? n : 1, sizeof(*f->rgs));
			if (!f->rgs) {
				rc = PP_ENOMEM;
				break;
			}
			for (i = 0; i < n && !rc; i++) {
				f->nrgs = i + 1; /* so that a failure still frees what was read */
				rc = read_row_group(&r, f, &f->rgs[i]);
			}
		} else {
			tc_skip(&r, t);
		}
	}
	if (!rc && (r.failed || !f->ncols))
		rc = bad("damaged footer");
	for (i = 0; !rc && i < f->nrgs; i++)
		if (!f->rgs[i].chunks)
			rc = bad("a row group without columns");
	if (rc)
		pq_file_release(f);
	return rc;
}

void pq_file_release(struct pq_file *f)
{
	size_t i;

	for (i = 0; f->cols && i < f->ncols; i++)
		pp_free(f->cols[i].name);
	for (i = 0; f->rgs && i < f->nrgs; i++)
		pp_free(f->rgs[i].chunks);
	pp_free(f->cols);
	pp_free(f->rgs);
	memset(f, 0, sizeof(*f));
}

int pq_column_index(const struct pq_file *f, const char *name)
{
	for (size_t i = 0; i < f->ncols; i++)
		if (!strcmp(f->cols[i].name, name))
			return (int)i;
	return -1;
}

/* ---- column chunks --------------------------------------------------------------- */

/* The RLE / bit-packing hybrid, n values of `width` bits. */
static int hybrid_decode(const unsigned char *p, size_t len, int width, uint32_t *out, size_t n)
{
	const unsigned char *end = p + len;
	size_t i = 0;

	if (width < 0 || width > 32)
		return bad("bit width over 32");
	while (i < n) {
		uint64_t h;
		if (!uleb128_get(&p, end, &h))
			return bad("truncated run header");
		if (h & 1) {
			uint64_t groups = h >> 1, count = groups * 8, bytes = groups * (uint64_t)width;
			if (bytes > (uint64_t)(end - p))
				return bad("truncated bit-packed run");
			for (uint64_t k = 0; k < count && i < n; k++, i++) {
				uint32_t v = 0;
				uint64_t bit = k * (uint64_t)width;
				for (int j = 0; j < width; j++, bit++)
					v |= (uint32_t)(p[bit / 8] >> (bit % 8) & 1) << j;
				out[i] = v;
			}
			p += bytes;
		} else {
			uint64_t run = h >> 1;
			int vb = (width + 7) / 8;
			uint32_t v = 0;
			if (vb > end - p)
				return bad("truncated RLE run");
			for (int j = 0; j < vb; j++)
				v |= (uint32_t)p[j] << (8 * j);
			p += vb;
			if (run == 0)
				return bad("an empty RLE run");
			for (uint64_t k = 0; k < run && i < n; k++)
				out[i++] = v;
		}
	}
	return 0;
}

struct decoder {
	const struct pq_col_info *col;
	struct pq_vector *out;
	size_t *soff; /* string offsets into out->strings until the end */
	/* dictionary */
	bool has_dict;
	size_t ndict;
	int64_t *di;
	double *dd;
	size_t *dsoff, *dslen; /* dictionary strings, in dictbuf */
	struct buf dictbuf;
	struct buf page;
	uint32_t *tmp;
	size_t ntmp;
};

/* Copies n little-endian bytes into out and advances, or fails at the end of the data. */
static bool take(const unsigned char **p, const unsigned char *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(out, *p, n);
	*p += n;
	return true;
}

/* PLAIN values: k of them into slot positions `at[0..k)` of the output (or the dictionary). */
static int plain_decode(struct decoder *d, const unsigned char *p, size_t len, size_t k,
			const size_t *at, bool to_dict, const unsigned char **after)
{
	const struct pq_col_info *c = d->col;
	const unsigned char *end = p + len;
	size_t j;

	for (j = 0; j < k; j++) {
		size_t slot = to_dict ? j : at[j];
		switch (c->physical) {
		case PT_BOOLEAN:
			if ((j / 8) >= len)
				return bad("truncated BOOLEAN values");
			if (to_dict)
				return bad("a BOOLEAN dictionary");
			d->out->i[slot] = p[j / 8] >> (j % 8) & 1;
			continue;
		case PT_INT32: {
			int32_t v;
			if (!take(&p, end, &v, 4))
				return bad("truncated INT32 values");
			(to_dict ? d->di : d->out->i)[slot] = v;
			continue;
		}
		case PT_INT64: {
			int64_t v;
			if (!take(&p, end, &v, 8))
				return bad("truncated INT64 values");
			(to_dict ? d->di : d->out->i)[slot] = v;
			continue;
		}
		case PT_FLOAT: {
			float v;
			if (!take(&p, end, &v, 4))
				return bad("truncated FLOAT values");
			(to_dict ? d->dd : d->out->d)[slot] = v;
			continue;
		}
		case PT_DOUBLE: {
			double v;
			if (!take(&p, end, &v, 8))
				return bad("truncated DOUBLE values");
			(to_dict ? d->dd : d->out->d)[slot] = v;
			continue;
		}
		case PT_BYTE_ARRAY: {
			uint32_t n;
			struct buf *dst = to_dict ? &d->dictbuf : &d->out->strings;
			if (!take(&p, end, &n, 4))
				return bad("truncated BYTE_ARRAY length");
			if (n > (uint64_t)(end - p))
				return bad("truncated BYTE_ARRAY value");
			if (to_dict) {
				d->dsoff[slot] = dst->len;
				d->dslen[slot] = n;
			} else {
				d->soff[slot] = dst->len;
				d->out->s[slot].len = n;
			}
			if (buf_append(dst, p, n))
				return PP_ENOMEM;
			p += n;
			continue;
		}
		default:
			return bad("an unsupported physical type");
		}
	}
	if (after)
		*after = p;
	return 0;
}

static int dict_decode(struct decoder *d, const unsigned char *p, size_t len, size_t k,
		       const size_t *at)
{
	int width;
	size_t j;
	int rc;

	if (len < 1)
		return bad("no bit width for dictionary indices");
	width = p[0];
	if (d->ntmp < k) {
		uint32_t *nt = pp_realloc(d->tmp, (k ? k : 1) * sizeof(uint32_t));
		if (!nt)
			return PP_ENOMEM;
		d->tmp = nt;
		d->ntmp = k;
	}
	if ((rc = hybrid_decode(p + 1, len - 1, width, d->tmp, k)))
		return rc;
	for (j = 0; j < k; j++) {
		uint32_t ix = d->tmp[j];
		if (ix >= d->ndict)
			return bad("a dictionary index past the dictionary");
		if (d->col->physical == PT_BYTE_ARRAY) {
			d->soff[at[j]] = d->out->strings.len;
			d->out->s[at[j]].len = d->dslen[ix];
			if (buf_append(&d->out->strings, d->dictbuf.data + d->dsoff[ix], d->dslen[ix]))
				return PP_ENOMEM;
		} else if (d->col->physical == PT_FLOAT || d->col->physical == PT_DOUBLE) {
			d->out->d[at[j]] = d->dd[ix];
		} else {
			d->out->i[at[j]] = d->di[ix];
		}
	}
	return 0;
}

static int decompress(int codec, const unsigned char *p, size_t n, size_t raw, struct buf *out)
{
	size_t z;

	buf_reset(out);
	if (raw > (256u << 20))
		return bad("a page over 256 MiB");
	if (codec == 0)
		return raw == n ? buf_append(out, p, n) : bad("page sizes disagree");
	if (codec != 6)
		return pp_error(PP_EINVAL, "Parquet codec %d is not supported (ZSTD and uncompressed are)",
				codec);
	if (buf_grow(out, raw))
		return PP_ENOMEM;
	z = ZSTD_decompress(out->data, raw, p, n);
	if (ZSTD_isError(z) || z != raw)
		return bad("a ZSTD page does not decompress to its size");
	out->len = raw;
	return 0;
}

struct page_header {
	int type;
	int64_t raw, comp, num_values, num_nulls;
	int encoding;
	int64_t def_len, rep_len; /* v2 */
	bool v2, v2_compressed;
};

static int read_page_header(const unsigned char *p, size_t n, struct page_header *h, size_t *hlen)
{
	struct tc_reader r;
	int16_t id, id2;
	enum tc_type t, t2;

	memset(h, 0, sizeof(*h));
	h->type = -1;
	h->v2_compressed = true;
	tc_reader_init(&r, p, n);
	tc_read_struct_begin(&r);
	while (tc_next_field(&r, &id, &t)) {
		if (id == 1 && t == TC_I32)
			h->type = (int)tc_read_int(&r);
		else if (id == 2 && t == TC_I32)
			h->raw = tc_read_int(&r);
		else if (id == 3 && t == TC_I32)
			h->comp = tc_read_int(&r);
		else if ((id == 5 || id == 7 || id == 8) && t == TC_STRUCT) {
			h->v2 = id == 8;
			tc_read_struct_begin(&r);
			while (tc_next_field(&r, &id2, &t2)) {
				if (id2 == 1 && t2 == TC_I32)
					h->num_values = tc_read_int(&r);
				else if (id == 8 && id2 == 2 && t2 == TC_I32)
					h->num_nulls = tc_read_int(&r);
				else if (((id != 8 && id2 == 2) || (id == 8 && id2 == 4)) && t2 == TC_I32)
					h->encoding = (int)tc_read_int(&r);
				else if (id == 8 && id2 == 5 && t2 == TC_I32)
					h->def_len = tc_read_int(&r);
				else if (id == 8 && id2 == 6 && t2 == TC_I32)
					h->rep_len = tc_read_int(&r);
				else if (id == 8 && id2 == 7)
					h->v2_compressed = tc_read_bool(&r, t2);
				else
					tc_skip(&r, t2);
			}
			tc_read_struct_end(&r);
		} else {
			tc_skip(&r, t);
		}
	}
	if (r.failed || h->comp < 0 || h->raw < 0 || h->num_values < 0 || h->def_len < 0 ||
	    h->rep_len < 0)
		return bad("damaged page header");
	*hlen = (size_t)(r.p - p);
	return 0;
}

static int data_page(struct decoder *d, const struct page_header *h, const unsigned char *payload,
		     int codec, size_t rows, size_t *got)
{
	const struct pq_col_info *c = d->col;
	size_t n = (size_t)h->num_values, k = 0, j;
	const unsigned char *vp;
	size_t vlen;
	size_t *at = NULL;
	int rc;

	if (n > rows - *got)
		return bad("more values in pages than in the column chunk");
	if (h->v2) {
		size_t lv = (size_t)(h->def_len + h->rep_len);
		if (lv > (size_t)h->comp)
			return bad("level lengths past the page");
		if (h->rep_len)
			return bad("repetition levels in a flat column");
		buf_reset(&d->page);
		if ((rc = buf_append(&d->page, payload, lv)))
			return rc;
		struct buf vals = BUF_INIT;
		if (h->v2_compressed)
			rc = decompress(codec, payload + lv, (size_t)h->comp - lv, (size_t)(h->raw - (int64_t)lv), &vals);
		else
			rc = buf_append(&vals, payload + lv, (size_t)h->comp - lv);
		if (!rc)
			rc = buf_append(&d->page, vals.data, vals.len);
		buf_release(&vals);
		if (rc)
			return rc;
	} else if ((rc = decompress(codec, payload, (size_t)h->comp, (size_t)h->raw, &d->page))) {
		return rc;
	}
	vp = (const unsigned char *)d->page.data;
	vlen = d->page.len;
	if (!(at = pp_malloc((n ? n : 1) * sizeof(size_t))))
		return PP_ENOMEM;
	if (c->optional) {
		uint32_t *lv = pp_malloc((n ? n : 1) * sizeof(uint32_t));
		size_t llen;
		if (!lv) {
			pp_free(at);
			return PP_ENOMEM;
		}
		if (h->v2) {
			llen = (size_t)h->def_len;
		} else {
			uint32_t l32;
			if (vlen < 4) {
				pp_free(lv);
				pp_free(at);
				return bad("no definition levels");
			}
			memcpy(&l32, vp, 4);
			vp += 4;
			vlen -= 4;
			llen = l32;
		}
		if (llen > vlen) {
			pp_free(lv);
			pp_free(at);
			return bad("definition levels past the page");
		}
		rc = hybrid_decode(vp, llen, 1, lv, n);
		for (j = 0; !rc && j < n; j++) {
			if (lv[j] > 1)
				rc = bad("a definition level over 1 in a flat column");
			d->out->valid[*got + j] = (uint8_t)lv[j];
			if (lv[j])
				at[k++] = *got + j;
		}
		pp_free(lv);
		vp += llen;
		vlen -= llen;
	} else {
		for (j = 0; j < n; j++) {
			d->out->valid[*got + j] = 1;
			at[k++] = *got + j;
		}
	}
	if (!rc) {
		if (h->encoding == 0)
			rc = plain_decode(d, vp, vlen, k, at, false, NULL);
		else if (h->encoding == 2 || h->encoding == 8)
			/* a page of nulls has no index to look up, and its dictionary may be empty */
			rc = !k ? 0 : d->ndict ? dict_decode(d, vp, vlen, k, at) : bad("dictionary indices without a dictionary");
		else
			rc = pp_error(PP_EINVAL, "Parquet encoding %d is not supported", h->encoding);
	}
	pp_free(at);
	if (!rc)
		*got += n;
	return rc;
}

static int dict_page(struct decoder *d, const struct page_header *h, const unsigned char *payload,
		     int codec)
{
	size_t n = (size_t)h->num_values;
	int rc = decompress(codec, payload, (size_t)h->comp, (size_t)h->raw, &d->page);

	if (rc)
		return rc;
	if (n > d->page.len * 8 + 8)
		return bad("more dictionary entries than bytes");
	d->has_dict = true;
	d->ndict = n;
	d->di = pp_calloc(n ? n : 1, sizeof(int64_t));
	d->dd = pp_calloc(n ? n : 1, sizeof(double));
	d->dsoff = pp_calloc(n ? n : 1, sizeof(size_t));
	d->dslen = pp_calloc(n ? n : 1, sizeof(size_t));
	if (!d->di || !d->dd || !d->dsoff || !d->dslen)
		return PP_ENOMEM;
	return plain_decode(d, (const unsigned char *)d->page.data, d->page.len, n, NULL, true, NULL);
}

int pq_read_column(const struct pq_file *f, size_t rg, size_t col, struct pq_vector *out)
{
	const struct pq_chunk_info *ch;
	struct decoder d = { 0 };
	size_t rows, got = 0, pos, end;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&out->strings, 0);
	if (rg >= f->nrgs || col >= f->ncols)
		return pp_error(PP_EINVAL, "no row group %zu, column %zu", rg, col);
	ch = &f->rgs[rg].chunks[col];
	if (f->rgs[rg].rows < 0 || ch->num_values != f->rgs[rg].rows || ch->start < 4 || ch->size < 0 ||
	    (uint64_t)ch->start + (uint64_t)ch->size > f->len)
		return bad("a column chunk outside the file");
	rows = (size_t)f->rgs[rg].rows;
	if (rows > f->len * 8 + 64)
		return bad("more rows than the file could hold");
	d.col = &f->cols[col];
	d.out = out;
	buf_init(&d.dictbuf, 0);
	buf_init(&d.page, 0);
	out->n = rows;
	out->valid = pp_calloc(rows ? rows : 1, 1);
	out->i = pp_calloc(rows ? rows : 1, sizeof(int64_t));
	out->d = pp_calloc(rows ? rows : 1, sizeof(double));
	out->s = pp_calloc(rows ? rows : 1, sizeof(struct span));
	d.soff = pp_calloc(rows ? rows : 1, sizeof(size_t));
	if (!out->valid || !out->i || !out->d || !out->s || !d.soff) {
		rc = PP_ENOMEM;
		goto out;
	}
	pos = (size_t)ch->start;
	end = pos + (size_t)ch->size;
	while (!rc && got < rows) {
		struct page_header h;
		size_t hlen = 0;
		if (pos >= end) {
			rc = bad("the column chunk ends before its values");
			break;
		}
		if ((rc = read_page_header(f->data + pos, end - pos, &h, &hlen)))
			break;
		if ((size_t)h.comp > end - pos - hlen) {
			rc = bad("a page past its column chunk");
			break;
		}
		if (h.type == 2)
			rc = d.has_dict ? bad("two dictionary pages")
					: dict_page(&d, &h, f->data + pos + hlen, ch->codec);
		else if (h.type == 0 || h.type == 3)
			rc = data_page(&d, &h, f->data + pos + hlen, ch->codec, rows, &got);
		/* other pages (index) are skipped */
		pos += hlen + (size_t)h.comp;
	}
	if (!rc && d.col->physical == PT_BYTE_ARRAY)
		for (size_t i = 0; i < rows; i++)
			if (out->valid[i])
				out->s[i].p = out->strings.data + d.soff[i];
out:
	pp_free(d.soff);
	pp_free(d.di);
	pp_free(d.dd);
	pp_free(d.dsoff);
	pp_free(d.dslen);
	pp_free(d.tmp);
	buf_release(&d.dictbuf);
	buf_release(&d.page);
	if (rc)
		pq_vector_release(out);
	return rc;
}

void pq_vector_release(struct pq_vector *v)
{
	pp_free(v->valid);
	pp_free(v->i);
	pp_free(v->d);
	pp_free(v->s);
	buf_release(&v->strings);
	memset(v, 0, sizeof(*v));
}
