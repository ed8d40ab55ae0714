/*
 * main.c - entry point and the command table, the only dispatch in ppredict.
 *
 * Adding a command: write src/cmd/cmd_<name>.c defining `const struct command
 * cmd_<name>`, declare it in src/cmd/cmds.h, and add it below. The table order is the
 * order of `ppredict help`.
 */
#include "cmd/cmds.h"
#include "core/cli.h"

const struct command *const commands[] = {
	CMD_DEMO,
	CMD_INIT,
	CMD_CONFIG,
	CMD_SIMULATE,
	CMD_IMPORT,
	CMD_LAKE_LS,
	CMD_LAKE_CAT,
	CMD_LAKE_SHOW,
	CMD_LAKE_VACUUM,
	CMD_LAKE_FSCK,
	CMD_ETL,
	CMD_WAREHOUSE_LOAD,
	CMD_SQL,
	CMD_CHECK,
	CMD_DRIFT,
	CMD_OUTLIERS,
	CMD_FEATURES_LIST,
	CMD_FEATURES_DESCRIBE,
	CMD_FEATURES_SHOW,
	CMD_FEATURES_BUILD,
	CMD_FEATURES_ONLINE,
	CMD_FEATURES_HISTORICAL,
	CMD_FEATURES_VERIFY,
	CMD_MATERIALIZE,
	CMD_TRAIN,
	CMD_MODELS_LIST,
	CMD_MODELS_SHOW,
	CMD_MODELS_PROMOTE,
	CMD_MODELS_ROLLBACK,
	CMD_MODELS_COMPARE,
	CMD_RECOMMEND_EVAL,
	CMD_PIPELINE_RUN,
	CMD_PIPELINE_BACKFILL,
	CMD_PIPELINE_STATUS,
	CMD_PIPELINE_RUNS,
	CMD_PIPELINE_LOGS,
	CMD_PIPELINE_DAG,
	CMD_SCHEDULER,
	CMD_SERVE,
	CMD_SHIP,
	CMD_STREAM,
};

const size_t ncommands = ARRAY_SIZE(commands);

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
