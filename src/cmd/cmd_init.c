/* ppredict init [DIR]: a commented ppredict.yaml and an empty lake to start from. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/fsutil.h"

struct init_opts {
	bool force;
};

static const struct cli_opt init_options[] = {
	{ "force", 'f', OPT_FLAG, offsetof(struct init_opts, force), NULL, NULL,
	  "overwrite an existing ppredict.yaml" },
};

static int run_init(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct init_opts *o = vopts;
	const char *dir = argc ? argv[0] : ".";
	struct buf text = BUF_INIT, path = BUF_INIT, lake = BUF_INIT;
	struct iovec iov;
	int rc;

	(void)ctx;
	if ((rc = fs_mkdir_p(dir)) || (rc = config_write_example(&text)) ||
	    (rc = path_join(&path, dir, "ppredict.yaml")))
		goto out;
	iov.iov_base = text.data;
	iov.iov_len = text.len;
	rc = fs_write_atomic(path.data, &iov, 1, o->force ? FS_REPLACE : FS_NOREPLACE);
	if (rc == PP_EEXIST) {
		rc = pp_error(PP_EEXIST, "%s already exists (use --force to overwrite it)", path.data);
		goto out;
	}
	if (rc || (rc = path_join(&lake, dir, "lake/raw/events")) || (rc = fs_mkdir_p(lake.data)) ||
	    (rc = path_join(&lake, dir, "lake/_meta")) || (rc = fs_mkdir_p(lake.data)))
		goto out;
	printf("wrote %s\ncreated %s/lake\nnext: ppredict -c %s simulate   (or: ppredict import ...)\n",
	       path.data, dir, path.data);
out:
	buf_release(&text);
	buf_release(&path);
	buf_release(&lake);
	return rc;
}

const struct command cmd_init = {
	.name = "init",
	.fn = run_init,
	.summary = "write a commented ppredict.yaml and an empty lake",
	.usage = "[DIR]",
	CMD_OPTS(init_options, struct init_opts),
	.min_args = 0,
	.max_args = 1,
};
