/* One run at a time (run_lock.h). */
#include "pipeline/run_lock.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

int run_lock_take(struct run_lock *l, const char *path)
{
	char holder[256] = "", line[300], when[32], host[64] = "";
	ssize_t n;
	int fd;

	l->fd = -1;
	snprintf(l->path, sizeof(l->path), "%s", path);
	{ /* its directory */
		char dir[512];
		snprintf(dir, sizeof(dir), "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			if (fs_mkdir_p(dir))
				return pp_error_wrap(PP_EIO, "the run lock's directory %s", dir);
		}
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return pp_error_errno(PP_EIO, "the run lock %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		if ((n = pread(fd, holder, sizeof(holder) - 1, 0)) > 0)
			holder[n] = 0;
		holder[strcspn(holder, "\n")] = 0;
		close(fd);
		if (e != EWOULDBLOCK)
			return pp_error(PP_EIO, "the run lock %s: %s", path, strerror(e));
		return pp_error(PP_ECONFLICT, "another run holds %s (%s): one run at a time", path,
				holder[0] ? holder : "its holder wrote nothing yet");
	}
	/* ours: say who holds it, for the next one to read */
	gethostname(host, sizeof(host) - 1);
	time_format_rfc3339(time_now_ms(), when);
	n = snprintf(line, sizeof(line), "pid %ld on %s since %s\n", (long)getpid(), host, when);
	if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) {
		close(fd);
		return pp_error_errno(PP_EIO, "the run lock %s", path);
	}
	l->fd = fd;
	return 0;
}

void run_lock_release(struct run_lock *l)
{
	if (l->fd < 0)
		return;
	if (ftruncate(l->fd, 0)) { /* a stale line does no harm: the next holder writes its own */
	}
	flock(l->fd, LOCK_UN);
	close(l->fd);
	l->fd = -1;
}

void run_lock_holder(const char *path, char *out, size_t n)
{
	char line[300] = "", host[64] = "", theirs[64] = "";
	long pid = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = 0;
	if (fd < 0)
		return;
	got = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (got <= 0)
		return;
	line[got] = 0;
	line[strcspn(line, "\n")] = 0;
	gethostname(host, sizeof(host) - 1);
	if (sscanf(line, "pid %ld on %63s", &pid, theirs) == 2 && !strcmp(host, theirs) && pid > 0 &&
	    kill((pid_t)pid, 0) && errno == ESRCH)
		return;
	snprintf(out, n, "%s", line);
}
