/*
 * cmds.h - one entry per command, defined in src/cmd/cmd_<name>.c.
 *
 * Each command file keeps its options struct and table private and exports one
 * initializer macro for the table in main.c, built from these declarations.
 */
#ifndef PP_CMDS_H
#define PP_CMDS_H

#include "core/cli.h"
#include "warehouse/warehouse.h"

extern const struct command cmd_init, cmd_config, cmd_simulate, cmd_import, cmd_lake_ls,
	cmd_lake_cat, cmd_lake_show, cmd_lake_vacuum, cmd_lake_fsck, cmd_serve, cmd_ship, cmd_etl,
	cmd_warehouse_load, cmd_sql, cmd_check, cmd_drift, cmd_outliers, cmd_features_list,
	cmd_features_describe, cmd_features_show, cmd_features_build, cmd_materialize,
	cmd_features_online, cmd_features_historical, cmd_features_verify, cmd_train, cmd_models_list,
	cmd_models_show, cmd_models_promote, cmd_models_rollback, cmd_models_compare, cmd_recommend_eval,
	cmd_pipeline_run, cmd_pipeline_backfill, cmd_pipeline_status, cmd_pipeline_runs, cmd_pipeline_logs,
	cmd_pipeline_dag, cmd_scheduler, cmd_stream, cmd_demo;

#define CMD_INIT (&cmd_init)
#define CMD_CONFIG (&cmd_config)
#define CMD_SIMULATE (&cmd_simulate)
#define CMD_IMPORT (&cmd_import)
#define CMD_LAKE_LS (&cmd_lake_ls)
#define CMD_LAKE_CAT (&cmd_lake_cat)
#define CMD_LAKE_SHOW (&cmd_lake_show)
#define CMD_LAKE_VACUUM (&cmd_lake_vacuum)
#define CMD_LAKE_FSCK (&cmd_lake_fsck)
#define CMD_SERVE (&cmd_serve)
#define CMD_SHIP (&cmd_ship)
#define CMD_ETL (&cmd_etl)
#define CMD_WAREHOUSE_LOAD (&cmd_warehouse_load)
#define CMD_SQL (&cmd_sql)
#define CMD_CHECK (&cmd_check)
#define CMD_DRIFT (&cmd_drift)
#define CMD_OUTLIERS (&cmd_outliers)
#define CMD_FEATURES_LIST (&cmd_features_list)
#define CMD_FEATURES_DESCRIBE (&cmd_features_describe)
#define CMD_FEATURES_SHOW (&cmd_features_show)
#define CMD_FEATURES_BUILD (&cmd_features_build)
#define CMD_FEATURES_ONLINE (&cmd_features_online)
#define CMD_FEATURES_HISTORICAL (&cmd_features_historical)
#define CMD_FEATURES_VERIFY (&cmd_features_verify)
#define CMD_MATERIALIZE (&cmd_materialize)
#define CMD_TRAIN (&cmd_train)
#define CMD_MODELS_LIST (&cmd_models_list)
#define CMD_MODELS_SHOW (&cmd_models_show)
#define CMD_MODELS_PROMOTE (&cmd_models_promote)
#define CMD_MODELS_ROLLBACK (&cmd_models_rollback)
#define CMD_MODELS_COMPARE (&cmd_models_compare)
#define CMD_RECOMMEND_EVAL (&cmd_recommend_eval)
#define CMD_PIPELINE_RUN (&cmd_pipeline_run)
#define CMD_PIPELINE_BACKFILL (&cmd_pipeline_backfill)
#define CMD_PIPELINE_STATUS (&cmd_pipeline_status)
#define CMD_PIPELINE_RUNS (&cmd_pipeline_runs)
#define CMD_PIPELINE_LOGS (&cmd_pipeline_logs)
#define CMD_PIPELINE_DAG (&cmd_pipeline_dag)
#define CMD_SCHEDULER (&cmd_scheduler)
#define CMD_STREAM (&cmd_stream)
#define CMD_DEMO (&cmd_demo)

/* The warehouse step `etl` and `warehouse load` share (tables NULL: all); where gets the
 * warehouse's name. */
int warehouse_load_lake(const struct config *cfg, const char *const *tables, size_t n, bool full,
			struct warehouse_load_stats *st, char *where, size_t where_size);

#endif
