/*
 * lake_tables.h - the Delta tables ppredict writes, by path under the lake's root, and the
 * newest committed version of one (from its _delta_log listing, without reading the log).
 */
#ifndef PP_LAKE_TABLES_H
#define PP_LAKE_TABLES_H

#include "core/common.h"

struct lake_fs;

extern const char *const lake_tables[];
extern const size_t nlake_tables;

/* *version: the newest commit's number, -1 when the table has none. */
int lake_table_version(struct lake_fs *fs, const char *table, int64_t *version);

#endif
