/*
 * delta.h - Delta Lake tables (protocol: reader 1, writer 2) over the lake filesystem
 * (see docs/internals/delta.md).
 *
 * A table is a directory of Parquet files and a _delta_log/ of numbered JSON commits.
 * A snapshot replays commits 0..v (time travel: any v). A transaction gathers actions
 * and commits them as version read+1 with a put that refuses to overwrite: when two
 * writers race, one wins and the other gets PP_EEXIST and must re-read and retry.
 */
#ifndef PP_DELTA_H
#define PP_DELTA_H

#include "core/buf.h"
#include "lake/lake_fs.h"
#include "lake/parquet/parquet.h"

#define DELTA_MAX_PARTITION_COLUMNS 4

struct delta_field {
	const char *name;
	enum pq_type type;
	bool nullable;
};

struct delta_file {
	char *path; /* as in the log: a URI relative to the table (percent-encoded) */
	char *file; /* the path decoded: the file to read, relative to the table */
	char *pvalues[DELTA_MAX_PARTITION_COLUMNS]; /* NULL: a null partition value */
	int64_t size;
	int64_t records; /* -1 when the add carried no stats */
};

struct delta_snapshot {
	int64_t version;
	char *table_id;
	char *schema_string; /* Spark's JSON schema, as stored */
	char *partition_cols[DELTA_MAX_PARTITION_COLUMNS];
	size_t npart;
	struct delta_file *files;
	size_t nfiles;
};

/* Replays the log up to `version` (-1: the latest). PP_ENOENT: no such table/version. */
int delta_snapshot_load(struct lake_fs *fs, const char *table, int64_t version,
			struct delta_snapshot *s);
void delta_snapshot_release(struct delta_snapshot *s);

struct delta_txn {
	struct lake_fs *fs;
	char table[512];
	int64_t read_version; /* -1: creating the table */
	struct buf actions;
	size_t npart;
	char partcols[DELTA_MAX_PARTITION_COLUMNS][128];
	int rc;
};

/* A table's fields: the Parquet columns, then one string partition column `part`
 * (out has room for n + 1), or none when part is NULL. */
void delta_fields_of(const struct pq_column_def *cols, size_t n, const char *part,
		     struct delta_field *out);

/* Starts a transaction on top of `base` (NULL to create the table). */
void delta_txn_begin(struct delta_txn *t, struct lake_fs *fs, const char *table,
		     const struct delta_snapshot *base);

/* Schema and partitioning; required when creating, optional later (a schema change). */
void delta_txn_metadata(struct delta_txn *t, const struct delta_field *fields, size_t n,
			const char *const *partition_cols, size_t npart);

/*
 * Stores a Parquet file's bytes in the table (under its partition directory) and adds
 * it. pvalues align with the partition columns. stats_json may be NULL.
 */
void delta_txn_add_parquet(struct delta_txn *t, const char *const *pvalues,
			   const struct buf *parquet, int64_t records, const char *stats_json);

/*
 * The same in two steps, for writers that store files as they finish them (from several
 * threads at once: each file gets a name of its own) and commit them later. Until a
 * commit adds it a stored file is in no version; delta_stored_drop removes it.
 */
struct delta_stored {
	char *file; /* relative to the table, not encoded; NULL: nothing stored */
	uint64_t size;
};
int delta_store_parquet(struct lake_fs *fs, const char *table, const char *const *partcols, size_t npart,
			const char *const *pvalues, const struct buf *parquet, struct delta_stored *out);
void delta_txn_add_stored(struct delta_txn *t, const char *const *pvalues, const struct delta_stored *s,
			  int64_t records, const char *stats_json);
void delta_stored_release(struct delta_stored *s);
/* Removes the stored file (best effort: what is left is in no version) and releases s. */
void delta_stored_drop(struct lake_fs *fs, const char *table, struct delta_stored *s);

/* Logically deletes a file of the base snapshot (overwrite, compaction). */
void delta_txn_remove(struct delta_txn *t, const struct delta_file *f);

/* Removes every file of `base` whose first partition value is `value`: the first step
 * of overwriting that partition. */
void delta_txn_remove_partition(struct delta_txn *t, const struct delta_snapshot *base,
				const char *value);

/* Commits; *version gets the new version. PP_EEXIST: another writer committed first. */
int delta_txn_commit(struct delta_txn *t, const char *operation, int64_t *version);
void delta_txn_abort(struct delta_txn *t);

/*
 * Deletes the data files that the latest version no longer references and that were
 * removed (by the log's deletionTimestamp) at least retain_ms ago, and those the log never
 * mentions (left by writers killed before their commit) once they are older than that and
 * than an hour. Versions older than retain_ms can no longer be read in full afterwards.
 * dry_run only counts.
 */
struct delta_vacuum_stats {
	uint64_t deleted, deleted_bytes; /* (or, dry run, that would be) */
	uint64_t never_committed;        /* of those deleted: files the log never mentions */
	uint64_t retained;               /* removed, but within the retention period */
	uint64_t pending;                /* never mentioned, but too young to tell from a
					  * running writer's */
};
int delta_vacuum(struct lake_fs *fs, const char *table, int64_t retain_ms, bool dry_run,
		 struct delta_vacuum_stats *st);

#endif
