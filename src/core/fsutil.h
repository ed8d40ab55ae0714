/*
 * fsutil.h - the local file system operations that durability depends on.
 *
 * The rule everywhere: a reader never sees a partial file. fs_write_atomic writes to a
 * hidden temporary name in the target directory (".<name>.tmp-<pid>"), fsyncs it, renames
 * it into place and fsyncs the directory, so after a crash the file is either absent or
 * whole. Hidden names (leading '.') are never data; listings skip them.
 */
#ifndef PP_FSUTIL_H
#define PP_FSUTIL_H

#include "core/buf.h"
#include "core/common.h"

#include <sys/uio.h>

enum fs_write_mode {
	FS_REPLACE,   /* an existing file is replaced atomically */
	FS_NOREPLACE, /* PP_EEXIST if the name is taken; nothing is written */
};

/* mkdir -p with mode 0755; existing directories are fine. */
int fs_mkdir_p(const char *path);

/*
 * Writes iov[0..n) as the whole content of path, atomically (see above). PP_ENOENT
 * when the directory does not exist.
 */
int fs_write_atomic(const char *path, const struct iovec *iov, int n, enum fs_write_mode mode);

/*
 * The same for a file written in pieces, each at its offset (from several threads at once
 * if they like), whose size is known: open reserves the room, each piece's writeback
 * starts as it is written, commit fsyncs, renames and fsyncs the directory; abort removes
 * the temporary file. A failed commit has removed it too.
 *
 * Files of FS_UNCACHED_MIN bytes or more go past the page cache (O_DIRECT) wherever they
 * cover whole blocks: the writer has no use for the pages, and filling fresh ones costs
 * more CPU than the copy to the disk (on a virtual machine several times more). The file
 * system that refuses it gets the usual cached writes.
 */
#define FS_UNCACHED_MIN (4u << 20)
struct fs_atomic {
	int fd;
	int direct_fd; /* the same file opened O_DIRECT, or -1 */
	bool direct_refused; /* a direct write failed: the rest go through the cache */
	enum fs_write_mode mode;
	uint64_t size, written;
	char path[4096], tmp[4096];
};
int fs_atomic_open(struct fs_atomic *a, const char *path, uint64_t size, enum fs_write_mode mode);
int fs_atomic_pwrite(struct fs_atomic *a, const void *data, size_t len, uint64_t off);
int fs_atomic_commit(struct fs_atomic *a);
void fs_atomic_abort(struct fs_atomic *a);

int fs_fsync_dir(const char *dir);

/* Reads the whole file into out (appending). */
int fs_read_file(const char *path, struct buf *out);

bool fs_exists(const char *path);
bool fs_is_dir(const char *path);

/* Joins a and b with one '/', into out (reset first). */
int path_join(struct buf *out, const char *a, const char *b);

/* The last path component (no allocation; points into path). */
const char *path_base(const char *path);

/*
 * Test hook: when the environment has PPREDICT_CRASH_AT=<point>:<n>, the n-th time
 * fs_crash_point(point) is reached the process kills itself with SIGKILL.
 * Used by the crash-safety tests to die mid-write at an exact spot.
 */
void fs_crash_point(const char *point);

/*
 * Test hook: with PPREDICT_FAIL_AT=<point>:<n> in the environment, the n-th and every
 * later fs_fail_point(point) returns true, so the caller behaves as if the disk were full
 * (ENOSPC). Used to test how the collector fails.
 */
bool fs_fail_point(const char *point);

#endif
