/*
 * config.h - ppredict.yaml: one table of options drives parsing, defaults, validation,
 * the commented file `ppredict init` writes, and `ppredict config` output.
 *
 * Lookup order: -c FILE, then $PPREDICT_CONFIG, then ./ppredict.yaml; with none of them
 * the defaults apply. Relative paths in the file are taken relative to the file's own
 * directory. Unknown keys and bad values are errors that name the file, line and key.
 * A struct config owns all its strings; config_release frees them.
 */
#ifndef PP_CONFIG_H
#define PP_CONFIG_H

#include "core/buf.h"
#include "core/common.h"

enum key_scope {
	SCOPE_INGEST = 1 << 0,
	SCOPE_PREDICT = 1 << 1,
	SCOPE_ADMIN = 1 << 2,
};

struct api_key {
	char *name;
	uint8_t sha256[32]; /* of the secret; the secret itself is never stored */
	unsigned scopes;    /* enum key_scope bits */
};

struct config {
	/* lake */
	char *lake_root;
	int64_t zstd_level;
	uint64_t segment_bytes;
	uint64_t writer_memory;
	int64_t flush_threads;
	char *s3_endpoint, *s3_region, *s3_access_key, *s3_secret_key;
	bool s3_path_style;
	uint64_t s3_part_size;
	/* events */
	int64_t session_gap_ms;
	int64_t min_event_ts;
	int64_t max_clock_skew_ms;
	int64_t max_id_length;
	uint64_t max_event_bytes;
	/* etl */
	int64_t item_item_k;
	/* warehouse */
	char *warehouse_url;
	/* features */
	char *features_repository;
	bool features_live;
	/* train */
	int64_t train_valid_percent, train_test_percent, train_rounds, train_early_stop, train_nthread,
		train_seed, train_search_trials, train_search_seconds, train_ensemble_min_positives;
	/* models */
	char *models_index;
	int64_t models_promote_margin;
	int64_t models_reload_ms;
	/* pipeline */
	char *pipeline_dag, *pipeline_dir;
	int64_t pipeline_parallelism;
	char *predict_unknown_session;
	int64_t predict_max_batch;
	int64_t predict_log_permille;
	int64_t events_recent_ms, events_recent_max, events_search_days;
	/* online_store */
	char *online_backend;
	char *online_path;
	char *redis_url;
	/* ingest */
	int64_t commit_interval_ms;
	uint64_t queue_bytes;
	uint64_t journal_bytes;
	int64_t seal_interval_ms;
	int64_t dedup_window_ms;
	int64_t max_events_per_request;
	/* server */
	char *listen;
	int64_t server_threads;
	uint64_t max_body;
	int64_t max_connections;
	int64_t idle_timeout_ms;
	int64_t body_timeout_ms;
	int64_t max_json_depth;
	bool access_log;
	struct api_key *keys;
	size_t nkeys;
	/* log */
	char *log_level;

	char *source; /* file the values came from, or NULL for defaults only */
	char *base_dir; /* directory relative paths resolve against */
};

/* Fills c with the defaults (no file read). */
int config_defaults(struct config *c);

/* Resolves the file (see above) and loads it over the defaults. */
int config_load(struct config *c, const char *explicit_path);

/* Loads YAML text as if read from `name` (used by config_load and the fuzzer). */
int config_load_text(struct config *c, const char *text, size_t len, const char *name);

/* Sets one option from text, as `--set key=value` does. */
int config_set(struct config *c, const char *key, const char *value, const char *origin);

void config_release(struct config *c);

/* The commented default ppredict.yaml. */
int config_write_example(struct buf *out);

/* The effective configuration as YAML (keys shown by hash name only). */
int config_dump(const struct config *c, struct buf *out);

#endif
