/*
 * test.h - assertions for unit tests. Each test runs in its own process (tests/runner.c),
 * so a failed check simply prints where and why and exits non-zero.
 */
#ifndef PP_TEST_H
#define PP_TEST_H

#include "core/common.h"

#include <math.h>

void test_fail(const char *file, int line, const char *fmt, ...) PP_PRINTF(3, 4)
	__attribute__((noreturn));

/* A fresh empty directory for this test (removed by the runner afterwards). */
const char *test_tmpdir(void);

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			test_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
	} while (0)

#define CHECK_INT(a, b)                                                                  \
	do {                                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);                      \
		if (a_ != b_)                                                            \
			test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, \
				  #b, b_);                                               \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *a_ = (a), *b_ = (b);                                           \
		if (!a_ || !b_ || strcmp(a_, b_))                                          \
			test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a,  \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                        \
	do {                                                                               \
		const char *h_ = (hay), *n_ = (needle);                                    \
		if (!h_ || !strstr(h_, n_))                                                \
			test_fail(__FILE__, __LINE__, "%s is \"%s\", expected it to contain \"%s\"", \
				  #hay, h_ ? h_ : "(null)", n_);                           \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                              \
	do {                                                                               \
		double a_ = (a), b_ = (b);                                                 \
		if (!(fabs(a_ - b_) <= (tol)))                                             \
			test_fail(__FILE__, __LINE__, "%s == %.9g, expected %.9g +- %g", #a, a_, \
				  b_, (double)(tol));                                      \
	} while (0)

#define TEST(name)            \
	void test_##name(void); \
	void test_##name(void)

#endif
