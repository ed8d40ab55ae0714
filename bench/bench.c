#include "bench.h"
#include "core/progress.h"

#include <time.h>
#include <unistd.h>

static char dir[512];

const char *bench_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/ppredict-bench-XXXXXX", t && t[0] ? t : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return dir;
}

void bench_cleanup(void)
{
	char cmd[600];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		dir[0] = '\0';
	}
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_report(const char *name, const char *unit, double *rates, int n, double goal)
{
	char med[32], lo[32], hi[32], g[32];
	double m;

	qsort(rates, (size_t)n, sizeof(double), cmp_double);
	m = rates[n / 2];
	fmt_rate(m, med);
	fmt_rate(rates[0], lo);
	fmt_rate(rates[n - 1], hi);
	printf("%-34s %9s %s/s   (%s..%s over %d runs)", name, med, unit, lo, hi, n);
	if (goal > 0) {
		fmt_rate(goal, g);
		printf("   goal >= %s/s: %s", g, m >= goal ? "met" : "NOT MET");
	}
	printf("\n");
	fflush(stdout);
	return m;
}
