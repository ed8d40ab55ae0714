#include "core/strsort.h"
#include "core/mem.h"

uint64_t str_prefix(const char *s, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < len ? (unsigned char)s[i] : 0);
	return v;
}

struct rec {
	uint64_t prefix;
	const char *s;
	size_t pos;
	bool longer; /* more than eight bytes */
};

static int by_string(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	/* equal prefixes of strings of at most eight bytes are equal strings (no NULs) */
	return x->longer || y->longer ? strcmp(x->s, y->s) : 0;
}

size_t *str_order(const void *base, size_t n, size_t stride, size_t field)
{
	struct rec *v = pp_malloc((n ? n : 1) * sizeof(*v));
	size_t *order = pp_malloc((n ? n : 1) * sizeof(*order));

	if (!v || !order) {
		pp_free(v);
		pp_free(order);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)base + i * stride + field);
		size_t len = strnlen(s, 9);
		v[i] = (struct rec){ str_prefix(s, len), s, i, len > 8 };
	}
	qsort(v, n, sizeof(*v), by_string);
	for (size_t i = 0; i < n; i++)
		order[i] = v[i].pos;
	pp_free(v);
	return order;
}
