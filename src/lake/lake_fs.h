/*
 * lake_fs.h - where the lake's files live, behind one small interface.
 *
 * The rest of ppredict names files by their path inside the lake ("raw/events/...") and
 * never knows which backend stores them. Backends are struct lake_fs_ops with one file
 * each: lake_fs_local.c (a directory) and lake_fs_s3.c (s3://bucket/prefix).
 *
 * Objects are written whole: put makes the complete object visible at once or not at
 * all (local: temp file + fsync + rename + directory fsync; S3: a single PUT, or a
 * multipart upload, visible once completed), which is what keeps readers from ever
 * seeing a partial segment.
 */
#ifndef PP_LAKE_FS_H
#define PP_LAKE_FS_H

#include "core/buf.h"
#include "core/common.h"
#include "core/fsutil.h"

#include <sys/uio.h>

struct lake_fs;

/* Called once per object under a prefix, with its size and when it was last written
 * (ms since the epoch; 0 when the store does not say); return non-zero to stop the
 * listing. */
typedef int (*lake_list_cb)(void *ctx, const char *path, uint64_t size, int64_t mtime_ms);

struct lake_fs_ops {
	const char *name;
	/* Writes the object atomically; noreplace: PP_EEXIST if the path is taken. */
	int (*put)(struct lake_fs *fs, const char *path, const struct iovec *iov, int n,
		   bool noreplace);
	/* Appends the object's bytes [off, off+len) to out; len UINT64_MAX = to the end. */
	int (*get)(struct lake_fs *fs, const char *path, uint64_t off, uint64_t len,
		   struct buf *out);
	/* Every object whose path starts with prefix (a directory), in no set order. */
	int (*list)(struct lake_fs *fs, const char *prefix, lake_list_cb cb, void *ctx);
	int (*remove)(struct lake_fs *fs, const char *path);
	/*
	 * Optional: what interrupted writes left under prefix (the local backend's hidden
	 * temporary files), with the writer's pid when the name tells it, else 0.
	 */
	int (*leftovers)(struct lake_fs *fs, const char *prefix,
			 int (*cb)(void *ctx, const char *path, long pid), void *ctx);
	/* Optional: the local file that holds an object (its directories made), for writers
	 * that fill it piece by piece (struct lake_writer). */
	int (*local_file)(struct lake_fs *fs, const char *path, struct buf *out);
	void (*close)(struct lake_fs *fs);
};

struct lake_fs {
	const struct lake_fs_ops *ops;
	char *root; /* as configured: a directory, or s3://bucket/prefix */
	void *impl;
};

struct config;

/* Opens the backend for a root. The caller closes it with lake_fs_close. An s3:// root
 * takes its endpoint, region and credentials from the AWS_* environment variables. */
int lake_fs_open(struct lake_fs **out, const char *root);
/* The same for cfg->lake_root, with the lake.s3_* keys before the environment. */
int lake_fs_open_config(struct lake_fs **out, const struct config *cfg);
void lake_fs_close(struct lake_fs *fs);

/*
 * An object of known size written piece by piece at offsets (from several threads at
 * once), then made visible whole as put makes it, or dropped. Where the backend keeps
 * local files the pieces go straight into the temporary file, the disk starting on them at
 * once (fs_atomic); elsewhere they gather in memory for one put. commit closes the writer
 * whatever it returns; abort drops an open one.
 */
struct lake_writer {
	struct lake_fs *fs;
	char *path;
	struct fs_atomic *file; /* a local file, or NULL */
	char *mem;              /* otherwise the object's bytes */
	uint64_t size;
	bool noreplace;
};
int lake_writer_open(struct lake_writer *w, struct lake_fs *fs, const char *path, uint64_t size, bool noreplace);
int lake_writer_pwrite(struct lake_writer *w, const void *data, size_t len, uint64_t off);
int lake_writer_commit(struct lake_writer *w);
void lake_writer_abort(struct lake_writer *w);

extern const struct lake_fs_ops lake_fs_local_ops, lake_fs_s3_ops;
/* lake_fs_open's half of the S3 backend: parses fs->root and the settings (cfg may be
 * NULL) into fs->impl. */
int lake_fs_s3_open(struct lake_fs *fs, const struct config *cfg);

#endif
