/* ppredict config: the effective configuration, after the file and --set overrides. */
#include "cmd/cmds.h"
#include "core/err.h"

struct config_opts {
	bool example;
};

static const struct cli_opt config_options[] = {
	{ "example", 0, OPT_FLAG, offsetof(struct config_opts, example), NULL, NULL,
	  "print the commented default file instead" },
};

static int run_config(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct config_opts *o = vopts;
	struct buf out = BUF_INIT;
	int rc;

	(void)argc;
	(void)argv;
	if (o->example)
		rc = config_write_example(&out);
	else if (!(rc = buf_printf(&out, "# source: %s\n",
				    ctx->cfg.source ? ctx->cfg.source : "(defaults)")))
		rc = config_dump(&ctx->cfg, &out);
	if (!rc)
		fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	return rc;
}

const struct command cmd_config = {
	.name = "config",
	.fn = run_config,
	.summary = "show the effective configuration",
	CMD_OPTS(config_options, struct config_opts),
	.max_args = 0,
};
