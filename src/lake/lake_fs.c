#include "lake/lake_fs.h"
#include "core/err.h"
#include "core/mem.h"

int lake_fs_open(struct lake_fs **out, const char *root)
{
	struct lake_fs *fs;

	if (!strncmp(root, "s3://", 5))
		return pp_error(PP_EINVAL, "lake.root %s: the S3 backend is not available in this "
				"build", root);
	fs = pp_calloc(1, sizeof(*fs));
	if (!fs)
		return PP_ENOMEM;
	fs->ops = &lake_fs_local_ops;
	fs->root = pp_strdup(root);
	if (!fs->root) {
		pp_free(fs);
		return PP_ENOMEM;
	}
	*out = fs;
	return 0;
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
