#include "core/strsort.h"
#include "core/mem.h"
#include "core/numsort.h"

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
	/* a string's place: its first eight bytes (key) and where it came from (value) */
	struct radix_rec *k = pp_malloc((n ? n : 1) * sizeof(*k)), *tmp = pp_malloc((n ? n : 1) * sizeof(*tmp));
	size_t *order = pp_malloc((n ? n : 1) * sizeof(*order));
	struct rec *run = NULL;
	size_t run_cap = 0;

#define STR_AT(pos) (*(const char *const *)((const char *)base + (pos) * stride + field))
	if (!k || !tmp || !order)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const char *s = STR_AT(i);
		k[i] = (struct radix_rec){ str_prefix(s, strnlen(s, 8)), i };
	}
	struct radix_rec *sorted = radix_sort_u64(k, tmp, n, sizeof(*k));
	/* equal prefixes: the strings that go on past eight bytes decide */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j].key == sorted[i].key; j++)
			;
		if (j - i > 1) {
			if (j - i > run_cap) {
				pp_free(run);
				run_cap = j - i;
				if (!(run = pp_malloc(run_cap * sizeof(*run))))
					goto fail;
			}
			for (size_t r = i; r < j; r++) {
				const char *s = STR_AT(sorted[r].value);
				run[r - i] = (struct rec){ sorted[r].key, s, sorted[r].value, strnlen(s, 9) > 8 };
			}
			qsort(run, j - i, sizeof(*run), by_string);
			for (size_t r = i; r < j; r++)
				order[r] = run[r - i].pos;
		} else {
			order[i] = sorted[i].value;
		}
	}
#undef STR_AT
	pp_free(run);
	pp_free(k);
	pp_free(tmp);
	return order;
fail:
	pp_free(run);
	pp_free(k);
	pp_free(tmp);
	pp_free(order);
	return NULL;
}
