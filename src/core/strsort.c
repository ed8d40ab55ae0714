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

/* A string's place: its first eight bytes, and where it came from. */
struct key {
	uint64_t prefix;
	size_t pos;
};

/*
 * LSD radix sort of the keys by prefix, a byte at a time from the last; a byte every key
 * shares (the padding of short ids, ASCII's high bits) costs no pass. All eight
 * histograms come from one read of the keys.
 */
static struct key *radix_sort(struct key *a, struct key *b, size_t n)
{
	size_t count[8][256];

	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(a[i].prefix >> (8 * d)) & 0xff]++;
	for (int d = 0; d < 8; d++) {
		size_t sum = 0;
		bool one = false;
		for (int v = 0; v < 256 && !one; v++)
			one = count[d][v] == n;
		if (one)
			continue;
		for (int v = 0; v < 256; v++) {
			size_t c = count[d][v];
			count[d][v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[d][(a[i].prefix >> (8 * d)) & 0xff]++] = a[i];
		struct key *t = a;
		a = b;
		b = t;
	}
	return a;
}

size_t *str_order(const void *base, size_t n, size_t stride, size_t field)
{
	struct key *k = pp_malloc((n ? n : 1) * sizeof(*k)), *tmp = pp_malloc((n ? n : 1) * sizeof(*tmp));
	size_t *order = pp_malloc((n ? n : 1) * sizeof(*order));
	struct rec *run = NULL;
	size_t run_cap = 0;

#define STR_AT(pos) (*(const char *const *)((const char *)base + (pos) * stride + field))
	if (!k || !tmp || !order)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const char *s = STR_AT(i);
		k[i] = (struct key){ str_prefix(s, strnlen(s, 8)), i };
	}
	struct key *sorted = radix_sort(k, tmp, n);
	/* equal prefixes: the strings that go on past eight bytes decide */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j].prefix == sorted[i].prefix; j++)
			;
		if (j - i > 1) {
			if (j - i > run_cap) {
				pp_free(run);
				run_cap = j - i;
				if (!(run = pp_malloc(run_cap * sizeof(*run))))
					goto fail;
			}
			for (size_t r = i; r < j; r++) {
				const char *s = STR_AT(sorted[r].pos);
				run[r - i] = (struct rec){ sorted[r].prefix, s, sorted[r].pos, strnlen(s, 9) > 8 };
			}
			qsort(run, j - i, sizeof(*run), by_string);
			for (size_t r = i; r < j; r++)
				order[r] = run[r - i].pos;
		} else {
			order[i] = sorted[i].pos;
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
