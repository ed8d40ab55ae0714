#include "core/fsutil.h"
#include "core/err.h"
#include "core/mem.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates tmp[0..n), parents first only when they are missing: usually one mkdir. */
static int mkdir_parents(char *tmp, size_t n)
{
	char *slash;
	int rc;

	if (mkdir(tmp, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(tmp, '/')) || slash == tmp)
		return pp_error_errno(PP_EIO, "cannot create directory %s", tmp);
	*slash = '\0';
	rc = mkdir_parents(tmp, (size_t)(slash - tmp));
	*slash = '/';
	if (rc)
		return rc;
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return pp_error_errno(PP_EIO, "cannot create directory %s", tmp);
	(void)n;
	return 0;
}

int fs_mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	int rc;

	if (n == 0 || n >= sizeof(tmp))
		return pp_error(PP_EINVAL, "path too long: %s", path);
	memcpy(tmp, path, n + 1);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	if ((rc = mkdir_parents(tmp, n)))
		return rc;
	if (!fs_is_dir(path))
		return pp_error(PP_EIO, "%s exists and is not a directory", path);
	return 0;
}

int fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return pp_error_errno(PP_EIO, "cannot open directory %s", dir);
	if (fsync(fd) && errno != EINVAL)
		rc = pp_error_errno(PP_EIO, "fsync %s", dir);
	close(fd);
	return rc;
}

/* What O_DIRECT wants aligned (offsets, lengths and memory): 4 KiB, or the page where it
 * is larger, so no page holds both bytes written directly and bytes written through the
 * cache. A power of two. */
static size_t direct_block(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 4096 ? (size_t)page : 4096;
}
#define BLOCK direct_block()
#define DIRECT_CHUNK (1u << 20) /* bytes per direct write, through one aligned copy */

/* p[0..len) at off through the page cache, the disk starting on them at once (so the
 * final fsync finds little left to do). */
static int write_cached(struct fs_atomic *a, const char *p, size_t len, uint64_t off)
{
	uint64_t start = off;
	size_t total = len;

	while (len) {
		ssize_t w = pwrite(a->fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pp_error_errno(PP_EIO, "write %s", a->tmp);
		p += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	if (total)
		sync_file_range(a->fd, (off_t)start, (off_t)total, SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* Whole blocks p[0..len) at the block-aligned off past the page cache: how many bytes
 * went (fewer when the file system refuses, or no aligned copy could be had). */
static size_t write_direct(struct fs_atomic *a, const char *p, size_t len, uint64_t off)
{
	char *mem = pp_malloc(DIRECT_CHUNK + BLOCK), *bounce;
	size_t done = 0;

	if (!mem)
		return 0;
	bounce = (char *)(((uintptr_t)mem + BLOCK - 1) & ~(uintptr_t)(BLOCK - 1));
	while (done < len) {
		size_t n = len - done < DIRECT_CHUNK ? len - done : DIRECT_CHUNK;
		ssize_t w;
		memcpy(bounce, p + done, n);
		w = pwrite(a->direct_fd, bounce, n, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0 || (size_t)w % BLOCK)
			break; /* (a partial block is written again through the cache) */
		done += (size_t)w;
	}
	pp_free(mem);
	return done - done % BLOCK;
}

/* A piece at its offset: the whole blocks inside it past the cache when the file goes
 * that way, its partial first and last blocks (shared with the neighbouring pieces)
 * through the cache. */
static int write_piece(struct fs_atomic *a, const char *p, size_t len, uint64_t off)
{
	uint64_t lo = (off + BLOCK - 1) & ~(uint64_t)(BLOCK - 1), hi = (off + len) & ~(uint64_t)(BLOCK - 1);
	size_t head = (size_t)(lo - off), done;
	int rc;

	if (a->direct_fd < 0 || hi <= lo || __atomic_load_n(&a->direct_refused, __ATOMIC_RELAXED))
		return write_cached(a, p, len, off);
	if ((rc = write_cached(a, p, head, off)))
		return rc;
	if ((done = write_direct(a, p + head, (size_t)(hi - lo), lo)) < hi - lo)
		__atomic_store_n(&a->direct_refused, true, __ATOMIC_RELAXED);
	return write_cached(a, p + head + done, len - head - done, lo + done);
}

static int write_all(struct fs_atomic *a, const struct iovec *iov, int n)
{
	size_t total = 0, written = 0, half;
	bool pointed = false;
	int i, rc;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	half = total / 2;
	for (i = 0; i < n; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left) {
			size_t chunk = left > (4u << 20) ? (4u << 20) : left;
			/* Stop once at the half-way mark: where a crash test wants to die. */
			if (!pointed && written < half && written + chunk > half)
				chunk = half - written;
			if (!pointed && written >= half) {
				pointed = true;
				fs_crash_point("write");
			}
			if ((rc = write_piece(a, p, chunk, written)))
				return rc;
			p += chunk;
			left -= chunk;
			written += chunk;
		}
	}
	return 0;
}

static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* File systems without RENAME_NOREPLACE: link() refuses existing names too. */
	if (link(from, to))
		return -1;
	unlink(from);
	return 0;
}

int fs_atomic_open(struct fs_atomic *a, const char *path, uint64_t size, enum fs_write_mode mode)
{
	const char *base = path_base(path);
	size_t dlen = (size_t)(base - path);
	int rc;

	memset(a, 0, sizeof(*a));
	a->fd = a->direct_fd = -1;
	a->size = size;
	a->mode = mode;
	if (strlen(path) >= sizeof(a->path) ||
	    snprintf(a->tmp, sizeof(a->tmp), "%.*s.%s.tmp-%ld", (int)dlen, path, base, (long)getpid()) >=
		    (int)sizeof(a->tmp))
		return pp_error(PP_EINVAL, "path too long: %s", path);
	snprintf(a->path, sizeof(a->path), "%s", path);
	if (mode == FS_NOREPLACE && fs_exists(path))
		return pp_error(PP_EEXIST, "%s already exists", path);
	a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (a->fd < 0)
		return pp_error_errno(errno == ENOENT ? PP_ENOENT : PP_EIO, "cannot create %s", a->tmp);
	/* the room reserved now: a full disk is an error here, not later */
	if (size > 1u << 20 && (rc = posix_fallocate(a->fd, 0, (off_t)size)) && rc != EOPNOTSUPP && rc != EINVAL) {
		errno = rc;
		rc = pp_error_errno(rc == ENOSPC ? PP_ELIMIT : PP_EIO, "cannot reserve %" PRIu64 " bytes for %s",
				    size, a->tmp);
		fs_atomic_abort(a);
		return rc;
	}
	if (size >= FS_UNCACHED_MIN) /* (where the file system refuses, the cache it is) */
		a->direct_fd = open(a->tmp, O_WRONLY | O_DIRECT | O_CLOEXEC);
	return 0;
}

int fs_atomic_pwrite(struct fs_atomic *a, const void *data, size_t len, uint64_t off)
{
	uint64_t before = __atomic_fetch_add(&a->written, len, __ATOMIC_RELAXED);

	/* where a crash test wants to die: once half the expected bytes are in */
	if (before < a->size / 2 && before + len >= a->size / 2)
		fs_crash_point("piece");
	return write_piece(a, data, len, off);
}

/* Both descriptors closed; the first close's failure returned. */
static int close_file(struct fs_atomic *a)
{
	int rc = close(a->fd);

	if (a->direct_fd >= 0)
		close(a->direct_fd);
	a->fd = a->direct_fd = -1;
	return rc;
}

int fs_atomic_commit(struct fs_atomic *a)
{
	char dir[sizeof(a->path)];
	size_t dlen = (size_t)(path_base(a->path) - a->path);
	int rc = 0;

	if (fsync(a->fd))
		rc = pp_error_errno(PP_EIO, "fsync %s", a->tmp);
	if (close_file(a) && !rc)
		rc = pp_error_errno(PP_EIO, "close %s", a->tmp);
	if (rc)
		goto fail;
	fs_crash_point("rename");
	if (a->mode == FS_NOREPLACE) {
		if (rename_noreplace(a->tmp, a->path)) {
			rc = errno == EEXIST ? pp_error(PP_EEXIST, "%s already exists", a->path)
					     : pp_error_errno(PP_EIO, "rename %s", a->tmp);
			goto fail;
		}
	} else if (rename(a->tmp, a->path)) {
		rc = pp_error_errno(PP_EIO, "rename %s", a->tmp);
		goto fail;
	}
	memcpy(dir, a->path, dlen);
	snprintf(dir + dlen, sizeof(dir) - dlen, "%s", dlen ? "" : ".");
	return fs_fsync_dir(dir);
fail:
	unlink(a->tmp);
	return rc;
}

void fs_atomic_abort(struct fs_atomic *a)
{
	if (a->fd < 0)
		return;
	close_file(a);
	unlink(a->tmp);
}

int fs_write_atomic(const char *path, const struct iovec *iov, int n, enum fs_write_mode mode)
{
	struct fs_atomic a;
	uint64_t size = 0;
	int rc;

	for (int i = 0; i < n; i++)
		size += iov[i].iov_len;
	if ((rc = fs_atomic_open(&a, path, size, mode)))
		return rc;
	if ((rc = write_all(&a, iov, n))) {
		fs_atomic_abort(&a);
		return rc;
	}
	return fs_atomic_commit(&a);
}

int fs_read_file(const char *path, struct buf *out)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return pp_error_errno(errno == ENOENT ? PP_ENOENT : PP_EIO, "cannot open %s", path);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = pp_error_errno(PP_EIO, "read %s", path);
			break;
		}
		if (r == 0)
			break;
		rc = buf_append(out, chunk, (size_t)r);
		if (rc) {
			rc = pp_error(rc, "%s: file too large", path);
			break;
		}
	}
	close(fd);
	return rc;
}

bool fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int path_join(struct buf *out, const char *a, const char *b)
{
	size_t la = strlen(a);
	int rc;

	buf_reset(out);
	rc = buf_append(out, a, la);
	if (!rc && la && a[la - 1] != '/' && b[0])
		rc = buf_putc(out, '/');
	if (!rc)
		rc = buf_puts(out, b);
	return rc;
}

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static char crash_want[32];
static long crash_remaining = -1; /* -1: off */

static void crash_init(void)
{
	const char *env = getenv("PPREDICT_CRASH_AT"), *colon;

	if (env && (colon = strchr(env, ':')) && (size_t)(colon - env) < sizeof(crash_want)) {
		memcpy(crash_want, env, (size_t)(colon - env));
		crash_want[colon - env] = '\0';
		crash_remaining = strtol(colon + 1, NULL, 10);
	}
}

static char fail_want[32];
static long fail_remaining = -1; /* -1: off */

static void fail_init(void)
{
	const char *env = getenv("PPREDICT_FAIL_AT"), *colon;

	if (env && (colon = strchr(env, ':')) && (size_t)(colon - env) < sizeof(fail_want)) {
		memcpy(fail_want, env, (size_t)(colon - env));
		fail_want[colon - env] = '\0';
		fail_remaining = strtol(colon + 1, NULL, 10);
	}
}

bool fs_fail_point(const char *point)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fail_init);
	if (fail_remaining < 0 || strcmp(point, fail_want) != 0)
		return false;
	if (__atomic_load_n(&fail_remaining, __ATOMIC_SEQ_CST) <= 1)
		return true;
	__atomic_sub_fetch(&fail_remaining, 1, __ATOMIC_SEQ_CST);
	return false;
}

void fs_crash_point(const char *point)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	/* Writers' flusher threads get here concurrently: read once, count atomically. */
	pthread_once(&once, crash_init);
	if (crash_remaining < 0 || strcmp(point, crash_want) != 0)
		return;
	if (__atomic_sub_fetch(&crash_remaining, 1, __ATOMIC_SEQ_CST) == 0)
		kill(getpid(), SIGKILL);
}
