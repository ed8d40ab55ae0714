/*
 * bench.h - shared helpers for the benchmarks in bench/. Each benchmark runs its
 * workload several times and prints the median and the spread, with the goal beside it:
 * the machines are shared and noisy, so one run proves little.
 */
#ifndef PP_BENCH_H
#define PP_BENCH_H

#include "core/common.h"

#define BENCH_RUNS 5

/* A fresh directory under $TMPDIR (or /tmp), removed by bench_cleanup. */
const char *bench_tmpdir(void);
void bench_cleanup(void);

/* Seconds on the monotonic clock. */
double bench_now(void);

/*
 * Prints "name  median unit/s  (min..max over N runs)  goal >= X" from per-run rates,
 * and returns the median.
 */
double bench_report(const char *name, const char *unit, double *rates, int n, double goal);

#endif
