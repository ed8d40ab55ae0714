/*
 * lake_object - one lake_fs operation from the shell, for the S3 backend's test
 * (tests/integration/t0023-s3.sh). An s3:// root takes its settings from AWS_*.
 *
 *   lake_object ROOT put PATH FILE [noreplace]
 *   lake_object ROOT get PATH [OFF LEN]        (bytes to stdout)
 *   lake_object ROOT ls PREFIX                 ("path size mtime_ms" lines)
 *   lake_object ROOT rm PATH
 *   lake_object ROOT delta-race TABLE   (a commit that loses to another writer: exit 3)
 */
#include "core/err.h"
#include "core/fsutil.h"
#include "lake/delta/delta.h"
#include "lake/lake_fs.h"

#include <stdlib.h>

static int print_entry(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	(void)ctx;
	printf("%s %" PRIu64 " %" PRId64 "\n", path, size, mtime_ms);
	return 0;
}

int main(int argc, char **argv)
{
	struct lake_fs *fs;
	struct buf data = BUF_INIT;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: lake_object ROOT put|get|ls|rm PATH [...]\n");
		return 2;
	}
	if ((rc = lake_fs_open(&fs, argv[1])))
		goto out;
	if (!strcmp(argv[2], "put") && argc >= 5) {
		struct iovec iov;
		if (!(rc = fs_read_file(argv[4], &data))) {
			iov = (struct iovec){ data.data, data.len };
			rc = fs->ops->put(fs, argv[3], &iov, 1, argc > 5 && !strcmp(argv[5], "noreplace"));
		}
	} else if (!strcmp(argv[2], "get")) {
		uint64_t off = argc > 5 ? strtoull(argv[4], NULL, 10) : 0;
		uint64_t len = argc > 5 ? strtoull(argv[5], NULL, 10) : UINT64_MAX;
		if (!(rc = fs->ops->get(fs, argv[3], off, len, &data)))
			fwrite(data.data, 1, data.len, stdout);
	} else if (!strcmp(argv[2], "ls")) {
		rc = fs->ops->list(fs, argv[3], print_entry, NULL);
	} else if (!strcmp(argv[2], "rm")) {
		rc = fs->ops->remove(fs, argv[3]);
	} else if (!strcmp(argv[2], "delta-race")) {
		/* read the table, let another writer commit the next version, then commit */
		struct delta_snapshot snap;
		struct delta_txn t;
		char next[256];
		const char *other = "{\"commitInfo\":{\"operation\":\"WRITE\"}}\n";
		struct iovec iov = { (void *)other, strlen(other) };
		if (!(rc = delta_snapshot_load(fs, argv[3], -1, &snap))) {
			delta_txn_begin(&t, fs, argv[3], &snap);
			snprintf(next, sizeof(next), "%s/_delta_log/%020" PRId64 ".json", argv[3],
				 snap.version + 1);
			if (!(rc = fs->ops->put(fs, next, &iov, 1, true)))
				rc = delta_txn_commit(&t, "WRITE", NULL);
			else
				delta_txn_abort(&t);
			fs->ops->remove(fs, next); /* the other writer's commit goes again */
			delta_snapshot_release(&snap);
		}
	} else {
		fprintf(stderr, "lake_object: unknown operation %s\n", argv[2]);
		return 2;
	}
	lake_fs_close(fs);
out:
	buf_release(&data);
	if (rc)
		fprintf(stderr, "lake_object: %s (%s)\n", pp_errmsg(), pp_strerror(rc));
	return rc == PP_EEXIST ? 3 : rc == PP_ENOENT ? 4 : rc ? 1 : 0;
}
