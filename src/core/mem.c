#include "core/mem.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

/*
 * Injection state is process-wide. Flusher threads allocate too, so the counters are
 * atomic; the tests that inject failures run their allocations on one thread.
 */
static long fail_after = -1;
static unsigned long attempts;

static bool should_fail(void)
{
	long left;

	__atomic_add_fetch(&attempts, 1, __ATOMIC_RELAXED);
	left = __atomic_load_n(&fail_after, __ATOMIC_RELAXED);
	if (left < 0)
		return false;
	if (left == 0)
		return true;
	__atomic_sub_fetch(&fail_after, 1, __ATOMIC_RELAXED);
	return false;
}

void pp_mem_fail_after(long n)
{
	__atomic_store_n(&fail_after, n, __ATOMIC_RELAXED);
}

unsigned long pp_mem_attempts(void)
{
	return __atomic_load_n(&attempts, __ATOMIC_RELAXED);
}

/* Large arrays (the lake's columns, replay states) are filled soon after they are made:
 * huge pages make that a fault per 2 MiB; fresh 4 KiB pages cost several times more. */
#define LARGE_ALLOC (8u << 20)

static void *large(void *p, size_t n)
{
	if (p && n >= LARGE_ALLOC)
		pp_advise_huge(p, n);
	return p;
}

void *pp_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return large(malloc(n ? n : 1), n);
}

void *pp_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return large(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *pp_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return large(realloc(p, n ? n : 1), n);
}

char *pp_strndup(const char *s, size_t n)
{
	char *d = pp_malloc(n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *pp_strdup(const char *s)
{
	return pp_strndup(s, strlen(s));
}

void pp_free(void *p)
{
	free(p);
}

int pp_array_grow(void *arrp, size_t n, size_t *cap, size_t size, size_t first)
{
	void *old, *grown;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap < n + 1 || ncap > SIZE_MAX / size)
		return -1; /* PP_ENOMEM: mem.h stays free of err.h */
	memcpy(&old, arrp, sizeof(old));
	grown = pp_realloc(old, ncap * size);
	if (!grown)
		return -1;
	memcpy(arrp, &grown, sizeof(grown));
	*cap = ncap;
	return 0;
}

void pp_advise_huge(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (p && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice: refused is fine */
}
