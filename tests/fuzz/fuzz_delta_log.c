/*
 * Fuzz target: a Delta table's log. The input is commit 0 of a table in a scratch lake;
 * a log that loads must name, for every live file, a path and the file it decodes to.
 */
#include "fuzz.h"
#include "core/err.h"
#include "lake/delta/delta.h"

#include <stdio.h>
#include <stdlib.h>

static char dir[] = "/tmp/ppredict-fuzz-delta-XXXXXX";

/* The scratch lake goes when the process does (the one file the target writes, and
 * the directories holding it). */
static void remove_scratch(void)
{
	static const char *const paths[] = { "t/_delta_log/00000000000000000000.json",
					     "t/_delta_log", "t", "" };
	char p[sizeof(dir) + 64];

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, paths[i]);
		remove(p);
	}
}

static struct lake_fs *scratch_lake(void)
{
	static struct lake_fs *fs;

	if (!fs) {
		FUZZ_ASSERT(mkdtemp(dir));
		atexit(remove_scratch);
		FUZZ_ASSERT(lake_fs_open(&fs, dir) == 0);
	}
	return fs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lake_fs *fs = scratch_lake();
	struct iovec iov = { (void *)data, size };
	struct delta_snapshot s;

	FUZZ_ASSERT(fs->ops->put(fs, "t/_delta_log/00000000000000000000.json", &iov, 1, false) == 0);
	if (delta_snapshot_load(fs, "t", -1, &s) == 0) {
		FUZZ_ASSERT(s.version == 0);
		for (size_t i = 0; i < s.nfiles; i++) {
			FUZZ_ASSERT(s.files[i].path && s.files[i].file);
			FUZZ_ASSERT(strlen(s.files[i].file) <= strlen(s.files[i].path));
		}
		delta_snapshot_release(&s);
	}
	pp_error_clear();
	return 0;
}
