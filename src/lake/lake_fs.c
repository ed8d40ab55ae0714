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
