/*
 * lake_fs_local.c - the lake in a local directory.
 *
 * put = fs_write_atomic (temp name, fsync, rename, fsync of the directory), creating
 * parent directories as needed. Listing walks the tree and skips hidden names, which is
 * where interrupted writes leave their temporary files.
 */
#include "lake/lake_fs.h"
#include "core/err.h"
#include "core/fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int full_path(struct lake_fs *fs, const char *path, struct buf *out)
{
	if (path[0] == '/' || strstr(path, "/../") || !strncmp(path, "../", 3) ||
	    !strcmp(path, "..") || (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")) ||
	    path[0] == '\0')
		return pp_error(PP_EINVAL, "bad lake path '%s'", path);
	return path_join(out, fs->root, path);
}

/* The directory a file goes in (p: the file's path), made. */
static int make_parent(struct buf *p)
{
	char *slash = strrchr(p->data, '/');
	int rc;

	if (!slash)
		return 0;
	*slash = '\0';
	rc = fs_is_dir(p->data) ? 0 : fs_mkdir_p(p->data);
	*slash = '/';
	return rc;
}

static int local_put(struct lake_fs *fs, const char *path, const struct iovec *iov, int n,
		     bool noreplace)
{
	struct buf p = BUF_INIT;
	int rc;

	if ((rc = full_path(fs, path, &p)))
		goto out;
	/* Directories are made only when missing: mkdir -p on every put costs more than
	 * the write itself on a busy file system. */
	rc = fs_write_atomic(p.data, iov, n, noreplace ? FS_NOREPLACE : FS_REPLACE);
	if (rc == PP_ENOENT && !(rc = make_parent(&p)))
		rc = fs_write_atomic(p.data, iov, n, noreplace ? FS_NOREPLACE : FS_REPLACE);
out:
	buf_release(&p);
	return rc;
}

static int local_file(struct lake_fs *fs, const char *path, struct buf *out)
{
	int rc;

	buf_reset(out);
	return (rc = full_path(fs, path, out)) ? rc : make_parent(out);
}

static int local_get(struct lake_fs *fs, const char *path, uint64_t off, uint64_t len,
		     struct buf *out)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int fd = -1, rc;

	if ((rc = full_path(fs, path, &p)))
		goto out;
	fd = open(p.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = pp_error_errno(errno == ENOENT ? PP_ENOENT : PP_EIO, "cannot open %s", p.data);
		goto out;
	}
	if (fstat(fd, &st)) {
		rc = pp_error_errno(PP_EIO, "stat %s", p.data);
		goto out;
	}
	if (off > (uint64_t)st.st_size)
		off = (uint64_t)st.st_size;
	if (len > (uint64_t)st.st_size - off)
		len = (uint64_t)st.st_size - off;
	if ((rc = buf_grow(out, len)))
		goto out;
	while (len) {
		ssize_t r = pread(fd, out->data + out->len, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = pp_error_errno(PP_EIO, "read %s", p.data);
			goto out;
		}
		out->len += (size_t)r;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	buf_terminate(out);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&p);
	return rc;
}

struct walk_cb {
	lake_list_cb files;                                  /* visible files */
	int (*hidden)(void *ctx, const char *path, long pid); /* leftover temp files */
	void *ctx;
};

/* ".<name>.tmp-<pid>": what fs_write_atomic leaves when it is killed. */
static long temp_pid(const char *name)
{
	const char *t = strstr(name, ".tmp-");
	char *end;
	long pid;

	if (name[0] != '.' || !t)
		return -1;
	pid = strtol(t + 5, &end, 10);
	return *end == '\0' && pid > 0 ? pid : 0;
}

static int walk(struct buf *dir, size_t root_len, const struct walk_cb *cb)
{
	DIR *d = opendir(dir->data);
	struct dirent *de;
	size_t base = dir->len;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : pp_error_errno(PP_EIO, "cannot list %s", dir->data);
	while (!rc && (de = readdir(d))) {
		struct stat st;
		long pid = -1;
		if (de->d_name[0] == '.') {
			pid = temp_pid(de->d_name);
			if (pid < 0 || !cb->hidden)
				continue;
		}
		dir->len = base;
		if ((rc = buf_putc(dir, '/')) || (rc = buf_puts(dir, de->d_name)))
			break;
		if (stat(dir->data, &st))
			continue; /* vanished while listing */
		if (pid >= 0)
			rc = S_ISREG(st.st_mode) ? cb->hidden(cb->ctx, dir->data + root_len + 1, pid) : 0;
		else if (S_ISDIR(st.st_mode))
			rc = walk(dir, root_len, cb);
		else if (S_ISREG(st.st_mode) && cb->files)
			rc = cb->files(cb->ctx, dir->data + root_len + 1, (uint64_t)st.st_size,
				       (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
	}
	closedir(d);
	dir->len = base;
	buf_terminate(dir);
	return rc;
}

static int walk_prefix(struct lake_fs *fs, const char *prefix, const struct walk_cb *cb)
{
	struct buf p = BUF_INIT;
	size_t root_len = strlen(fs->root);
	int rc;

	while (root_len > 1 && fs->root[root_len - 1] == '/')
		root_len--;
	/* "." is the whole lake */
	rc = strcmp(prefix, ".") ? full_path(fs, prefix, &p) : buf_append(&p, fs->root, strlen(fs->root));
	if (!rc) {
		while (p.len > root_len + 1 && p.data[p.len - 1] == '/')
			p.data[--p.len] = '\0';
		rc = walk(&p, root_len, cb);
	}
	buf_release(&p);
	return rc;
}

static int local_list(struct lake_fs *fs, const char *prefix, lake_list_cb cb, void *ctx)
{
	struct walk_cb w = { .files = cb, .ctx = ctx };

	return walk_prefix(fs, prefix, &w);
}

static int local_leftovers(struct lake_fs *fs, const char *prefix,
			   int (*cb)(void *ctx, const char *path, long pid), void *ctx)
{
	struct walk_cb w = { .hidden = cb, .ctx = ctx };

	return walk_prefix(fs, prefix, &w);
}

static int local_remove(struct lake_fs *fs, const char *path)
{
	struct buf p = BUF_INIT;
	int rc = full_path(fs, path, &p);

	if (!rc && unlink(p.data) && errno != ENOENT)
		rc = pp_error_errno(PP_EIO, "cannot remove %s", p.data);
	buf_release(&p);
	return rc;
}

const struct lake_fs_ops lake_fs_local_ops = {
	.name = "local",
	.put = local_put,
	.get = local_get,
	.list = local_list,
	.remove = local_remove,
	.leftovers = local_leftovers,
	.local_file = local_file,
	.close = NULL,
};
