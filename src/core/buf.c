#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

char buf_empty_[1];

void buf_init(struct buf *b, size_t max)
{
	b->data = buf_empty_;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		pp_free(b->data);
	buf_init(b, b->max);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->cap) {
		p = pp_malloc(1);
		if (p)
			p[0] = '\0';
	} else {
		p = b->data;
	}
	if (len)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return PP_ELIMIT;
	need = b->len + extra + 1;
	if (b->max && need - 1 > b->max)
		return PP_ELIMIT;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (b->max && ncap > b->max + 1)
		ncap = b->max + 1;
	p = pp_realloc(b->cap ? b->data : NULL, ncap);
	if (!p)
		return PP_ENOMEM;
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = ncap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int rc = buf_grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	/* a BUF_INIT buffer has no bytes yet: measure first */
	n = vsnprintf(b->cap ? b->data + b->len : NULL, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return PP_EINVAL;
	if (b->cap && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	rc = buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(b, tmp + i, sizeof(tmp) - (size_t)i);
}

int buf_put_i64(struct buf *b, int64_t v)
{
	int rc;

	if (v >= 0)
		return buf_put_u64(b, (uint64_t)v);
	rc = buf_putc(b, '-');
	return rc ? rc : buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
}

int buf_put_json_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	int rc;

	/* Worst case every byte becomes \u00XX; reserving that keeps the loop check-free. */
	if (n > (SIZE_MAX - 2) / 6)
		return PP_ELIMIT;
	rc = buf_grow(b, n * 6 + 2);
	if (rc)
		return rc;
	buf_putc_unsafe(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		memcpy(b->data + b->len, s + start, i - start);
		b->len += i - start;
		start = i + 1;
		buf_putc_unsafe(b, '\\');
		switch (c) {
		case '"': buf_putc_unsafe(b, '"'); break;
		case '\\': buf_putc_unsafe(b, '\\'); break;
		case '\n': buf_putc_unsafe(b, 'n'); break;
		case '\r': buf_putc_unsafe(b, 'r'); break;
		case '\t': buf_putc_unsafe(b, 't'); break;
		case '\b': buf_putc_unsafe(b, 'b'); break;
		case '\f': buf_putc_unsafe(b, 'f'); break;
		default:
			buf_putc_unsafe(b, 'u');
			buf_putc_unsafe(b, '0');
			buf_putc_unsafe(b, '0');
			buf_putc_unsafe(b, hex[c >> 4]);
			buf_putc_unsafe(b, hex[c & 15]);
		}
	}
	memcpy(b->data + b->len, s + start, n - start);
	b->len += n - start;
	buf_putc_unsafe(b, '"');
	buf_terminate(b);
	return 0;
}

int buf_put_double(struct buf *b, double v)
{
	char tmp[40];
	int n;

	/* Prices are usually whole cents: print those exactly and quickly. */
	if (v >= 0 && v < 1e13) {
		double cents = v * 100.0;
		int64_t ic = (int64_t)cents;
		if ((double)ic == cents && (double)ic / 100.0 == v) {
			int rc = buf_put_i64(b, ic / 100);
			int frac = (int)(ic % 100);
			if (rc || frac == 0)
				return rc;
			tmp[0] = '.';
			tmp[1] = (char)('0' + frac / 10);
			tmp[2] = (char)('0' + frac % 10);
			return buf_append(b, tmp, frac % 10 ? 3 : 2);
		}
	}
	/* the shortest of 15, 16 and 17 digits that reads back as v */
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.16g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	return buf_append(b, tmp, (size_t)n);
}
