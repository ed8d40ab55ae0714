/*
 * bench.h - shared helpers for the benchmarks in bench/. Each benchmark runs its
 * workload several times and prints the median and the spread, with the goal beside it:
 * the machines are shared and noisy, so one run proves little.
 */
#ifndef PP_BENCH_H
#define PP_BENCH_H

#include "core/common.h"

#include <sys/types.h>

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

/* A loopback port free now. */
int bench_free_port(void);

/* Runs argv (a PATH lookup for argv[0]) in cwd (NULL: here), its output thrown away;
 * the pid, or 0. */
pid_t bench_spawn(const char *cwd, const char *const *argv);

/* Runs argv in cwd and waits: its exit status (-1 when it did not run). */
int bench_run(const char *cwd, const char *const *argv);

/* `ppredict serve` (pp) in dir on a free port, without an access log, with the settings of
 * sets (NULL-terminated "key=value"s): its pid and its URL into url; 0 when it did not
 * start. */
pid_t bench_serve_start(const char *pp, const char *dir, const char *const *sets, char *url, size_t n);
void bench_serve_stop(pid_t pid);

/* A redis-server of our own on a free port (no persistence, its files in bench_tmpdir):
 * its URL and port; the pid, or 0 when it did not answer. */
pid_t bench_redis_start(char *url, size_t n, int *port);
void bench_redis_stop(pid_t pid);

/* The q-quantile (0..1) of v[0..n), which it sorts. */
double bench_quantile(double *v, size_t n, double q);

#endif
