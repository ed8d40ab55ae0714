/*
 * runner.c - the test runner: every unit test from unit/test_list.h and every script in
 * tests/integration/, each in its own process with a timeout, two at a time.
 *
 *   ppredict-tests [-j N] [-v] [PATTERN...]     (patterns match test names as substrings)
 *
 * Output of a failed test is shown; the last line is "N passed, N failed" and the exit
 * status is non-zero if anything failed.
 */
#include "core/common.h"
#include "unit/test.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define X(name) void test_##name(void);
#include "unit/test_list.h"
#undef X

struct test {
	char name[256];
	void (*fn)(void); /* unit test, or NULL for a script */
	char script[2048];
	int timeout;
	/* while running */
	pid_t pid;
	char log[512];
	char tmp[512];
	struct timespec start;
};

static const struct {
	const char *name;
	void (*fn)(void);
} unit_tests[] = {
#define X(name) { #name, test_##name },
#include "unit/test_list.h"
#undef X
};

static char tmpdir_path[512];

const char *test_tmpdir(void)
{
	return tmpdir_path;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static bool matches(const char *name, int npat, char **pat)
{
	int i;

	if (npat == 0)
		return true;
	for (i = 0; i < npat; i++)
		if (strstr(name, pat[i]))
			return true;
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t find_scripts(char ***out)
{
	DIR *d = opendir("tests/integration");
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".sh") || de->d_name[0] != 't')
			continue;
		names = realloc(names, sizeof(*names) * (n + 1));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	return n;
}

static void start(struct test *t)
{
	char tmpl[] = "/tmp/ppredict-test-XXXXXX";
	int fd;

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(t->tmp, sizeof(t->tmp), "%s", tmpl);
	snprintf(t->log, sizeof(t->log), "%s.log", tmpl);
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	fflush(stdout);
	t->pid = fork();
	if (t->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (t->pid > 0)
		return;
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	snprintf(tmpdir_path, sizeof(tmpdir_path), "%s", t->tmp);
	setenv("TEST_TMP", t->tmp, 1);
	if (chdir(t->tmp)) {
		perror("chdir");
		_exit(2);
	}
	if (t->fn) {
		t->fn();
		fflush(stdout);
		_exit(0);
	}
	execl("/bin/bash", "bash", t->script, (char *)NULL);
	perror("exec bash");
	_exit(127);
}

static void show_log(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && n++ < 200)
		printf("    | %s", line);
	fclose(f);
}

static double elapsed(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void remove_tree(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(1);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Reaps one finished test; returns 1 if it passed. */
static int finish(struct test *t, int status, bool verbose)
{
	double secs = elapsed(&t->start);
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (ok) {
		printf("ok   %-52s %7.2fs\n", t->name, secs);
		if (verbose)
			show_log(t->log);
	} else {
		if (WIFSIGNALED(status))
			printf("FAIL %-52s %7.2fs  (signal %d%s)\n", t->name, secs, WTERMSIG(status),
			       WTERMSIG(status) == SIGKILL ? ", timeout?" : "");
		else
			printf("FAIL %-52s %7.2fs  (exit %d)\n", t->name, secs, WEXITSTATUS(status));
		show_log(t->log);
	}
	fflush(stdout);
	unlink(t->log);
	remove_tree(t->tmp);
	return ok;
}

int main(int argc, char **argv)
{
	struct test *tests, **running;
	char **scripts = NULL, cwd[1024];
	size_t nscripts = find_scripts(&scripts), ntests = 0, i, next = 0;
	int jobs = 2, passed = 0, failed = 0, npat = 0, nrun = 0, a;
	bool verbose = false;
	char **pat = calloc((size_t)argc, sizeof(char *));
	const char *env_jobs = getenv("TEST_JOBS");

	if (env_jobs)
		jobs = (int)strtol(env_jobs, NULL, 10);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-j") && a + 1 < argc)
			jobs = (int)strtol(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "-v"))
			verbose = true;
		else
			pat[npat++] = argv[a];
	}
	if (jobs < 1)
		jobs = 1;
	if (!getcwd(cwd, sizeof(cwd)))
		return 2;
	setenv("PPREDICT_ROOT", cwd, 0);
	tests = calloc(ARRAY_SIZE(unit_tests) + nscripts, sizeof(*tests));
	running = calloc((size_t)jobs, sizeof(*running));
	for (i = 0; i < ARRAY_SIZE(unit_tests); i++) {
		struct test *t = &tests[ntests];
		snprintf(t->name, sizeof(t->name), "unit/%s", unit_tests[i].name);
		if (!matches(t->name, npat, pat))
			continue;
		t->fn = unit_tests[i].fn;
		t->timeout = 120;
		ntests++;
	}
	for (i = 0; i < nscripts; i++) {
		struct test *t = &tests[ntests];
		snprintf(t->name, sizeof(t->name), "integration/%s", scripts[i]);
		if (!matches(t->name, npat, pat))
			continue;
		snprintf(t->script, sizeof(t->script), "%s/tests/integration/%s", cwd, scripts[i]);
		t->timeout = 900;
		ntests++;
	}
	signal(SIGPIPE, SIG_IGN);
	while (next < ntests || nrun) {
		int status, slot;
		pid_t pid;
		while (nrun < jobs && next < ntests) {
			for (slot = 0; running[slot]; slot++)
				;
			running[slot] = &tests[next++];
			start(running[slot]);
			nrun++;
		}
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			/* Nothing finished: enforce timeouts, then wait a little. */
			for (slot = 0; slot < jobs; slot++)
				if (running[slot] && elapsed(&running[slot]->start) > running[slot]->timeout)
					kill(-running[slot]->pid, SIGKILL);
			usleep(20000);
			continue;
		}
		for (slot = 0; slot < jobs; slot++) {
			if (running[slot] && running[slot]->pid == pid) {
				kill(-pid, SIGKILL); /* stragglers a script left behind */
				if (finish(running[slot], status, verbose))
					passed++;
				else
					failed++;
				running[slot] = NULL;
				nrun--;
				break;
			}
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	for (i = 0; i < nscripts; i++)
		free(scripts[i]);
	free(scripts);
	free(tests);
	free(running);
	free(pat);
	return failed || passed == 0 ? 1 : 0;
}
