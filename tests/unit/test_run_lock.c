/* One run at a time: a live holder (another process) is respected and named; once it is
 * killed with SIGKILL, its stale lock is taken over. */
#include "core/err.h"
#include "pipeline/run_lock.h"
#include "unit/test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(run_lock_one_at_a_time_and_crash_proof)
{
	char dir[] = "/tmp/ppredict-lock-XXXXXX", path[600], want[64];
	int ready[2];
	struct run_lock a, b;
	pid_t holder;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/_meta/pipeline/shop.lock", dir);
	CHECK_INT(pipe(ready), 0);
	if ((holder = fork()) == 0) { /* holds it, says so, waits to be killed */
		close(ready[0]);
		if (run_lock_take(&a, path))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	CHECK(holder > 0);
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	/* a live holder: refused, named */
	CHECK_INT(run_lock_take(&b, path), PP_ECONFLICT);
	snprintf(want, sizeof(want), "pid %ld on ", (long)holder);
	CHECK_CONTAINS(pp_errmsg(), want);
	CHECK_CONTAINS(pp_errmsg(), "one run at a time");
	/* killed: its lock goes with it */
	CHECK_INT(kill(holder, SIGKILL), 0);
	CHECK(waitpid(holder, NULL, 0) == holder);
	CHECK_INT(run_lock_take(&b, path), 0);
	/* and released, taken again */
	run_lock_release(&b);
	CHECK_INT(run_lock_take(&b, path), 0);
	run_lock_release(&b);
	unlink(path);
	char sub[620];
	snprintf(sub, sizeof(sub), "%s/_meta/pipeline", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/_meta", dir);
	rmdir(sub);
	rmdir(dir);
}
