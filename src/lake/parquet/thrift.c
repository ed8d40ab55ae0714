#include "lake/parquet/thrift.h"
#include "core/err.h"

int uleb128_put(struct buf *b, uint64_t v)
{
	unsigned char t[10];
	int n = 0;

	do {
		t[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	return buf_append(b, t, (size_t)n);
}

bool uleb128_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
		shift += 7;
	}
	return false;
}

static void put_varint(struct tc_writer *tc, uint64_t v)
{
	if (!tc->rc)
		tc->rc = uleb128_put(tc->out, v);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void put_byte(struct tc_writer *tc, unsigned char c)
{
	if (!tc->rc)
		tc->rc = buf_putc(tc->out, (char)c);
}

void tc_writer_init(struct tc_writer *tc, struct buf *out)
{
	memset(tc, 0, sizeof(*tc));
	tc->out = out;
	tc->depth = -1;
}

void tc_struct_begin(struct tc_writer *tc)
{
	if (++tc->depth >= TC_MAX_DEPTH) {
		tc->rc = PP_ELIMIT;
		tc->depth = TC_MAX_DEPTH - 1;
	}
	tc->last[tc->depth] = 0;
}

void tc_struct_end(struct tc_writer *tc)
{
	put_byte(tc, TC_STOP);
	if (tc->depth >= 0)
		tc->depth--;
}

static void field_header(struct tc_writer *tc, int16_t id, enum tc_type t)
{
	int16_t delta = (int16_t)(id - tc->last[tc->depth]);

	if (delta > 0 && delta <= 15) {
		put_byte(tc, (unsigned char)((delta << 4) | t));
	} else {
		put_byte(tc, (unsigned char)t);
		put_varint(tc, zigzag(id));
	}
	tc->last[tc->depth] = id;
}

void tc_field_i32(struct tc_writer *tc, int16_t id, int32_t v)
{
	field_header(tc, id, TC_I32);
	put_varint(tc, zigzag(v));
}

void tc_field_i64(struct tc_writer *tc, int16_t id, int64_t v)
{
	field_header(tc, id, TC_I64);
	put_varint(tc, zigzag(v));
}

void tc_field_bool(struct tc_writer *tc, int16_t id, bool v)
{
	field_header(tc, id, v ? TC_TRUE : TC_FALSE);
}

void tc_field_binary(struct tc_writer *tc, int16_t id, const void *p, size_t n)
{
	field_header(tc, id, TC_BINARY);
	put_varint(tc, n);
	if (!tc->rc && n)
		tc->rc = buf_append(tc->out, p, n);
}

void tc_field_string(struct tc_writer *tc, int16_t id, const char *s)
{
	tc_field_binary(tc, id, s, strlen(s));
}

void tc_field_struct(struct tc_writer *tc, int16_t id)
{
	field_header(tc, id, TC_STRUCT);
	tc_struct_begin(tc);
}

void tc_field_list(struct tc_writer *tc, int16_t id, enum tc_type elem, size_t n)
{
	field_header(tc, id, TC_LIST);
	if (n < 15) {
		put_byte(tc, (unsigned char)((n << 4) | elem));
	} else {
		put_byte(tc, (unsigned char)(0xf0 | elem));
		put_varint(tc, n);
	}
}

void tc_elem_i32(struct tc_writer *tc, int32_t v)
{
	put_varint(tc, zigzag(v));
}

void tc_elem_string(struct tc_writer *tc, const char *s)
{
	size_t n = strlen(s);

	put_varint(tc, n);
	if (!tc->rc && n)
		tc->rc = buf_append(tc->out, s, n);
}

void tc_elem_struct(struct tc_writer *tc)
{
	tc_struct_begin(tc);
}

/* ---- reading ---- */

void tc_reader_init(struct tc_reader *r, const void *p, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->end = r->p + n;
	r->depth = -1;
}

static uint64_t get_varint(struct tc_reader *r)
{
	uint64_t v;

	if (!uleb128_get(&r->p, r->end, &v))
		r->failed = true;
	return v;
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void tc_read_struct_begin(struct tc_reader *r)
{
	if (++r->depth >= TC_MAX_DEPTH) {
		r->failed = true;
		r->depth = TC_MAX_DEPTH - 1;
	}
	r->last[r->depth] = 0;
}

void tc_read_struct_end(struct tc_reader *r)
{
	if (r->depth >= 0)
		r->depth--;
}

bool tc_next_field(struct tc_reader *r, int16_t *id, enum tc_type *type)
{
	unsigned char b;

	if (r->failed || r->p >= r->end) {
		r->failed = true;
		return false;
	}
	b = *r->p++;
	if (b == TC_STOP)
		return false;
	*type = (enum tc_type)(b & 0x0f);
	if (b >> 4)
		*id = (int16_t)(r->last[r->depth] + (b >> 4));
	else
		*id = (int16_t)unzigzag(get_varint(r));
	r->last[r->depth] = *id;
	return !r->failed;
}

int64_t tc_read_int(struct tc_reader *r)
{
	return unzigzag(get_varint(r));
}

bool tc_read_bool(struct tc_reader *r, enum tc_type t)
{
	(void)r;
	return t == TC_TRUE;
}

const unsigned char *tc_read_binary(struct tc_reader *r, size_t *n)
{
	uint64_t len = get_varint(r);
	const unsigned char *p = r->p;

	if (r->failed || len > (uint64_t)(r->end - r->p)) {
		r->failed = true;
		*n = 0;
		return NULL;
	}
	r->p += len;
	*n = (size_t)len;
	return p;
}

size_t tc_read_list(struct tc_reader *r, enum tc_type *elem)
{
	unsigned char b;
	uint64_t n;

	if (r->p >= r->end) {
		r->failed = true;
		return 0;
	}
	b = *r->p++;
	*elem = (enum tc_type)(b & 0x0f);
	n = b >> 4;
	if (n == 15)
		n = get_varint(r);
	if (n > (uint64_t)(r->end - r->p)) { /* every element takes at least a byte */
		r->failed = true;
		return 0;
	}
	return (size_t)n;
}

double tc_read_double(struct tc_reader *r)
{
	double d = 0;

	if (r->end - r->p < 8) {
		r->failed = true;
		return 0;
	}
	memcpy(&d, r->p, 8);
	r->p += 8;
	return d;
}

void tc_skip(struct tc_reader *r, enum tc_type t)
{
	size_t n, i;
	enum tc_type elem;
	int16_t id;
	enum tc_type ft;

	switch (t) {
	case TC_TRUE:
	case TC_FALSE:
		return;
	case TC_BYTE:
		if (r->p < r->end)
			r->p++;
		else
			r->failed = true;
		return;
	case TC_I16:
	case TC_I32:
	case TC_I64:
		get_varint(r);
		return;
	case TC_DOUBLE:
		tc_read_double(r);
		return;
	case TC_BINARY:
		tc_read_binary(r, &n);
		return;
	case TC_LIST:
	case TC_SET:
		n = tc_read_list(r, &elem);
		for (i = 0; i < n && !r->failed; i++)
			tc_skip(r, elem == TC_TRUE || elem == TC_FALSE ? TC_BYTE : elem);
		return;
	case TC_STRUCT:
		tc_read_struct_begin(r);
		while (!r->failed && tc_next_field(r, &id, &ft))
			tc_skip(r, ft);
		tc_read_struct_end(r);
		return;
	default:
		r->failed = true; /* maps are not used by Parquet's footer */
	}
}
