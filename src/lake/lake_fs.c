#include "lake/lake_fs.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"

static int open_root(struct lake_fs **out, const char *root, const struct config *cfg)
{
	struct lake_fs *fs = pp_calloc(1, sizeof(*fs));
	bool s3 = !strncmp(root, "s3://", 5);
	int rc;

	if (!fs)
		return PP_ENOMEM;
	fs->ops = s3 ? &lake_fs_s3_ops : &lake_fs_local_ops;
	if (!(fs->root = pp_strdup(root))) {
		pp_free(fs);
		return PP_ENOMEM;
	}
	if (s3 && (rc = lake_fs_s3_open(fs, cfg))) {
		pp_free(fs->root);
		pp_free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

int lake_fs_open(struct lake_fs **out, const char *root)
{
	return open_root(out, root, NULL);
}

int lake_fs_open_config(struct lake_fs **out, const struct config *cfg)
{
	return open_root(out, cfg->lake_root, cfg);
}

void lake_fs_close(struct lake_fs *fs)
{
	if (!fs)
		return;
	if (fs->ops->close)
		fs->ops->close(fs);
	pp_free(fs->root);
	pp_free(fs);
}

/* ---- objects written piece by piece ---- */

static void writer_close(struct lake_writer *w)
{
	if (w->file)
		fs_atomic_abort(w->file);
	pp_free(w->file);
	pp_free(w->mem);
	pp_free(w->path);
	memset(w, 0, sizeof(*w));
}

int lake_writer_open(struct lake_writer *w, struct lake_fs *fs, const char *path, uint64_t size, bool noreplace)
{
	struct buf local = BUF_INIT;
	int rc = 0;

	*w = (struct lake_writer){ .fs = fs, .size = size, .noreplace = noreplace };
	if (!(w->path = pp_strdup(path)))
		return PP_ENOMEM;
	if (fs->ops->local_file) {
		if (!(rc = fs->ops->local_file(fs, path, &local)) && !(w->file = pp_malloc(sizeof(*w->file))))
			rc = PP_ENOMEM;
		if (!rc)
			rc = fs_atomic_open(w->file, local.data, size, noreplace ? FS_NOREPLACE : FS_REPLACE);
	} else if (size > SIZE_MAX || !(w->mem = pp_malloc(size ? (size_t)size : 1))) {
		rc = PP_ENOMEM;
	}
	buf_release(&local);
	if (rc)
		writer_close(w);
	return rc;
}

int lake_writer_pwrite(struct lake_writer *w, const void *data, size_t len, uint64_t off)
{
	if (off > w->size || len > w->size - off)
		return pp_error(PP_EINVAL, "%s: %zu bytes at %" PRIu64 " past its %" PRIu64, w->path, len, off,
				w->size);
	if (w->file)
		return fs_atomic_pwrite(w->file, data, len, off);
	memcpy(w->mem + off, data, len);
	return 0;
}

int lake_writer_commit(struct lake_writer *w)
{
	int rc;

	if (w->file) {
		rc = fs_atomic_commit(w->file); /* (a failed one removed its file) */
	} else {
		struct iovec iov = { w->mem, (size_t)w->size };
		rc = w->fs->ops->put(w->fs, w->path, &iov, 1, w->noreplace);
	}
	writer_close(w);
	return rc;
}

void lake_writer_abort(struct lake_writer *w)
{
	writer_close(w);
}
