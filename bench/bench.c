#include "bench.h"
#include "core/progress.h"

#include "features/online_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

int bench_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

pid_t bench_spawn(const char *cwd, const char *const *argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY); /* its output is not ours to print */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		if (cwd && chdir(cwd))
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid > 0 ? pid : 0;
}

int bench_run(const char *cwd, const char *const *argv)
{
	pid_t pid = bench_spawn(cwd, argv);
	int status;

	if (!pid || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t bench_serve_start(const char *pp, const char *lake_dir, const char *const *sets, char *url, size_t n)
{
	const char *argv[64] = { pp, "serve", "--set", "server.listen=127.0.0.1:0", "--set", "server.access_log=false",
				 "--ready-file" };
	char ready[600];
	size_t k = 7;
	pid_t pid;

	snprintf(ready, sizeof(ready), "%s/ready.url", lake_dir);
	unlink(ready);
	argv[k++] = ready;
	for (size_t i = 0; sets && sets[i] && k + 3 < ARRAY_SIZE(argv); i++) {
		argv[k++] = "--set";
		argv[k++] = sets[i];
	}
	argv[k] = NULL;
	if (!(pid = bench_spawn(lake_dir, argv)))
		return 0;
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(ready, "r");
		if (f) {
			bool ok = fgets(url, (int)n, f) != NULL;
			fclose(f);
			if (ok) {
				url[strcspn(url, "\n")] = 0;
				return pid;
			}
		}
		usleep(25000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

void bench_serve_stop(pid_t pid)
{
	if (pid) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

pid_t bench_redis_start(char *url, size_t n, int *port)
{
	char port_text[16];
	struct online_store *s = NULL;
	pid_t pid;

	*port = bench_free_port();
	snprintf(port_text, sizeof(port_text), "%d", *port);
	const char *argv[] = { "redis-server", "--port", port_text, "--bind", "127.0.0.1", "--save", "",
			       "--appendonly", "no", "--dir", bench_tmpdir(), "--loglevel", "warning", NULL };
	if (!(pid = bench_spawn(NULL, argv)))
		return 0;
	snprintf(url, n, "redis://127.0.0.1:%d/0", *port);
	for (int i = 0; i < 250 && online_store_redis_open(&s, url); i++)
		usleep(20000);
	if (!s) {
		bench_redis_stop(pid);
		return 0;
	}
	online_store_close(s);
	return pid;
}

void bench_redis_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

double bench_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}
