#include "core/config_internal.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/timeutil.h"

#define OFF(f) offsetof(struct config, f)

/* The order here is the order of ppredict.yaml; a new section starts with its first key. */
const struct cfg_option config_options[] = {
	{ "lake.root", CFG_PATH, "lake", OFF(lake_root), 0, 0, NULL,
	  "Directory of the data lake (raw zone, tables, models, run history)." },
	{ "lake.zstd_level", CFG_INT, "3", OFF(zstd_level), 1, 19, NULL,
	  "zstd level for raw segments: 1 is fastest, 19 smallest." },
	{ "lake.segment_bytes", CFG_SIZE, "64MiB", OFF(segment_bytes), 4096, 1LL << 32, NULL,
	  "A raw segment is closed once it holds this much uncompressed NDJSON." },
	{ "lake.writer_memory", CFG_SIZE, "256MiB", OFF(writer_memory), 65536, 1LL << 36, NULL,
	  "Memory a raw-zone writer may buffer before it flushes its largest partition." },
	{ "lake.flush_threads", CFG_INT, "2", OFF(flush_threads), 1, 8, NULL,
	  "Threads per raw-zone writer that compress and store segments (overlapping the\n"
	  "file system's latency); 1 writes segments strictly in order." },
	{ "lake.s3_endpoint", CFG_STRING, "", OFF(s3_endpoint), 0, 0, NULL,
	  "When lake.root is s3://bucket/prefix: the S3 endpoint URL (empty: AWS_ENDPOINT_URL,\n"
	  "else https://s3.<region>.amazonaws.com)." },
	{ "lake.s3_region", CFG_STRING, "", OFF(s3_region), 0, 0, NULL,
	  "S3 region (empty: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)." },
	{ "lake.s3_path_style", CFG_BOOL, "false", OFF(s3_path_style), 0, 0, NULL,
	  "Address the bucket in the path (endpoint/bucket/key), as MinIO and most\n"
	  "S3-compatible servers want, instead of the host (bucket.endpoint/key)." },
	{ "lake.s3_access_key_id", CFG_STRING, "", OFF(s3_access_key), 0, 0, NULL,
	  "S3 credentials (empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
	  "AWS_SESSION_TOKEN from the environment)." },
	{ "lake.s3_secret_access_key", CFG_STRING, "", OFF(s3_secret_key), 0, 0, NULL, "" },
	{ "lake.s3_part_size", CFG_SIZE, "16MiB", OFF(s3_part_size), 5 << 20, 1LL << 32, NULL,
	  "Objects larger than this are uploaded in parts of this size (multipart upload)." },

	{ "events.session_gap", CFG_DURATION, "30m", OFF(session_gap_ms), 1000, 7 * MS_PER_DAY,
	  NULL, "Inactivity that ends a session when events carry no session_id." },
	{ "events.min_ts", CFG_TIME, "2000-01-01", OFF(min_event_ts), 0, 0, NULL,
	  "Events stamped before this are rejected." },
	{ "events.recent", CFG_DURATION, "6h", OFF(events_recent_ms), 0, 31 * MS_PER_DAY, NULL,
	  "How far back (by event time) `serve` keeps the events it accepted in memory for\n"
	  "GET /v1/events; older ones are read from the processed lake." },
	{ "events.recent_max", CFG_INT, "200000", OFF(events_recent_max), 1, 100000000, NULL,
	  "Events held in memory for search at most (the oldest go first)." },
	{ "events.search_days", CFG_INT, "31", OFF(events_search_days), 0, 3660, NULL,
	  "How many days of the processed lake one GET /v1/events reads back at most." },
	{ "events.max_clock_skew", CFG_DURATION, "1d", OFF(max_clock_skew_ms), 0,
	  365 * MS_PER_DAY, NULL, "Events stamped further than this in the future are rejected." },
	{ "events.max_id_length", CFG_INT, "256", OFF(max_id_length), 1, 4096, NULL,
	  "Longest visitor, item, session, transaction, category or event id, in bytes." },
	{ "events.max_event_bytes", CFG_SIZE, "64KiB", OFF(max_event_bytes), 256, 16 << 20, NULL,
	  "Longest accepted event (one JSON object or CSV row), in bytes." },

	{ "etl.item_item_k", CFG_INT, "20", OFF(item_item_k), 1, 1000, NULL,
	  "Items kept per item in curated/item_item (those most often in the same sessions)." },

	{ "warehouse.url", CFG_URL, "sqlite:warehouse.db", OFF(warehouse_url), 0, 0,
	  "sqlite:|postgresql://|postgres://",
	  "Star-schema warehouse: sqlite:PATH (relative to lake.root) or\n"
	  "postgresql://user:password@host:5432/db (PostgreSQL or Redshift)." },

	{ "features.repository", CFG_STRING, "", OFF(features_repository), 0, 0, NULL,
	  "Feature definitions (YAML, Feast's vocabulary); empty: the repository that ships\n"
	  "(`ppredict features show` prints it, a start for your own)." },
	{ "features.live", CFG_BOOL, "true", OFF(features_live), 0, 0, NULL,
	  "Whether `serve` applies each accepted event to the online store's features (the\n"
	  "session's, the visitor's, the item's and its category's) before it answers." },

	{ "train.valid_percent", CFG_INT, "10", OFF(train_valid_percent), 1, 40, NULL,
	  "The share of the training set's time span, before the test window, that validates\n"
	  "(early stopping, the model and class weight, the threshold)." },
	{ "train.test_percent", CFG_INT, "20", OFF(train_test_percent), 1, 50, NULL,
	  "The last share of the time span, untouched until the final metrics." },
	{ "train.rounds", CFG_INT, "300", OFF(train_rounds), 1, 100000, NULL,
	  "Boosting rounds at most (early stopping usually ends sooner)." },
	{ "train.early_stop", CFG_INT, "30", OFF(train_early_stop), 1, 10000, NULL,
	  "Rounds without a better validation PR-AUC before training stops." },
	{ "train.search_trials", CFG_INT, "6", OFF(train_search_trials), 0, 64, NULL,
	  "Random-search trials after the fixed candidates (depth or leaves, eta, min_child_weight,\n"
	  "lambda, subsample, colsample drawn with the seed), each judged on validation PR-AUC." },
	{ "train.search_seconds", CFG_INT, "120", OFF(train_search_seconds), 0, 86400, NULL,
	  "No new trial starts after this many seconds of training (0: no bound; then the\n"
	  "search is repeatable)." },
	{ "train.ensemble_min_positives", CFG_INT, "200", OFF(train_ensemble_min_positives), 0, 100000000, NULL,
	  "A blend of the best three tree models (weights on a 0.1 grid, by validation PR-AUC) is\n"
	  "tried when validation has this many positives; fewer, and the weights would fit noise." },
	{ "train.nthread", CFG_INT, "0", OFF(train_nthread), 0, 1024, NULL,
	  "XGBoost's threads; 0: every core." },
	{ "train.seed", CFG_INT, "42", OFF(train_seed), 0, 2147483647, NULL,
	  "Seed of the row and column sampling: the same seed, the same model." },

	{ "models.index", CFG_STRING, "_meta/models.sqlite", OFF(models_index), 0, 0, NULL,
	  "The model registry (SQLite), relative to lake.root." },
	{ "models.promote_margin", CFG_INT, "0", OFF(models_promote_margin), 0, 1000, NULL,
	  "Promotion rule: a candidate must beat the champion's test PR-AUC, both measured on the\n"
	  "same (the newest) test window, by this many thousandths." },
	{ "models.reload", CFG_DURATION, "2s", OFF(models_reload_ms), 100, 86400000, NULL,
	  "How often `serve` asks the registry for its champion; a new one is loaded and swapped\n"
	  "in without a restart (requests in flight finish on the old one)." },

	{ "pipeline.dag", CFG_STRING, "", OFF(pipeline_dag), 0, 0, NULL,
	  "The pipeline's DAG (YAML: tasks, schedule, time zone, catchup); empty: the one that\n"
	  "ships (`ppredict pipeline dag --print` prints it, a start for your own)." },
	{ "pipeline.dir", CFG_STRING, "_meta/pipeline", OFF(pipeline_dir), 0, 0, NULL,
	  "Run history (SQLite), task logs and the run lock, relative to lake.root." },
	{ "pipeline.parallelism", CFG_INT, "2", OFF(pipeline_parallelism), 1, 64, NULL,
	  "Tasks of one run that may run at the same time (when the DAG lets them)." },

	{ "predict.unknown_session", CFG_ENUM, "cold_start", OFF(predict_unknown_session), 0, 0, "cold_start|404",
	  "A prediction for a session the online store does not know (new, or quiet past its\n"
	  "TTL): cold_start predicts from the visitor's and the item's features; 404 refuses." },
	{ "predict.log_permille", CFG_INT, "50", OFF(predict_log_permille), 0, 1000, NULL,
	  "How many predictions in a thousand are kept in the lake's raw/predictions (keys, the\n"
	  "feature vector, probability, model, latency) for `ppredict drift --current\n"
	  "predictions`; 0: none, 1000: all." },
	{ "predict.max_batch", CFG_INT, "10000", OFF(predict_max_batch), 1, 1000000, NULL,
	  "Rows in one POST /v1/predict/batch at most (more: 413)." },

	{ "online_store.backend", CFG_ENUM, "lmdb", OFF(online_backend), 0, 0, "lmdb|redis",
	  "Where live features are kept for serving: lmdb (embedded file) or redis." },
	{ "online_store.path", CFG_STRING, "_meta/online.lmdb", OFF(online_path), 0, 0, NULL,
	  "LMDB directory, relative to lake.root." },
	{ "online_store.redis_url", CFG_URL, "redis://127.0.0.1:6379/0", OFF(redis_url), 0, 0,
	  "redis://|rediss://|unix:", "Redis server when backend is redis." },

	{ "ingest.commit_interval", CFG_DURATION, "0ms", OFF(commit_interval_ms), 0, 1000, NULL,
	  "Least time between two journal fsyncs (0: back to back). Events arriving during an\n"
	  "fsync share the next one (group commit). A 200 from POST /v1/events always means\n"
	  "the events are on disk." },
	{ "ingest.queue_bytes", CFG_SIZE, "64MiB", OFF(queue_bytes), 65536, 1LL << 34, NULL,
	  "Events waiting for their fsync past which POST /v1/events answers 429." },
	{ "ingest.journal_bytes", CFG_SIZE, "64MiB", OFF(journal_bytes), 65536, 1LL << 32, NULL,
	  "A journal past this size is sealed into raw-zone segments ..." },
	{ "ingest.seal_interval", CFG_DURATION, "1m", OFF(seal_interval_ms), 1000, MS_PER_DAY, NULL,
	  "... and so is one older than this." },
	{ "ingest.dedup_window", CFG_DURATION, "10m", OFF(dedup_window_ms), 0, 7 * MS_PER_DAY,
	  NULL, "Events repeating an event_id seen within this window are not stored again." },
	{ "ingest.max_events_per_request", CFG_INT, "10000", OFF(max_events_per_request), 1,
	  1000000, NULL, "Most events one POST /v1/events may carry." },

	{ "server.listen", CFG_ADDR, "127.0.0.1:8080", OFF(listen), 0, 0, NULL,
	  "Address the HTTP server binds. Binding beyond loopback requires server.keys." },
	{ "server.threads", CFG_INT, "0", OFF(server_threads), 0, 1024, NULL,
	  "Worker threads; 0 means one per core." },
	{ "server.max_body", CFG_SIZE, "8MiB", OFF(max_body), 1024, 1LL << 31, NULL,
	  "Largest request body accepted (after decompression too)." },
	{ "server.max_connections", CFG_INT, "1024", OFF(max_connections), 1, 100000, NULL,
	  "Connections open at once; more are refused." },
	{ "server.idle_timeout", CFG_DURATION, "30s", OFF(idle_timeout_ms), 1000, MS_PER_HOUR, NULL,
	  "A connection silent this long is closed." },
	{ "server.body_timeout", CFG_DURATION, "10s", OFF(body_timeout_ms), 100, MS_PER_HOUR, NULL,
	  "A request whose body takes longer than this to arrive is cut off (408)." },
	{ "server.max_json_depth", CFG_INT, "32", OFF(max_json_depth), 2, 256, NULL,
	  "Deepest nesting accepted in request JSON (an event's props)." },
	{ "server.access_log", CFG_BOOL, "true", OFF(access_log), 0, 0, NULL,
	  "One line per request on stderr." },
	{ "server.keys", CFG_KEYS, NULL, OFF(keys), 0, 0, NULL,
	  "API keys, stored as the SHA-256 of the secret. Scopes: ingest, predict, admin.\n"
	  "  - name: shop-frontend\n"
	  "    sha256: <64 hex digits>    # printf %s SECRET | sha256sum\n"
	  "    scopes: [ingest]" },

	{ "log.level", CFG_ENUM, "info", OFF(log_level), 0, 0, "error|warn|info|debug",
	  "How much ppredict writes to stderr: error, warn, info or debug." },
};

const size_t config_noptions = ARRAY_SIZE(config_options);

const struct cfg_option *config_find_option(const char *key)
{
	size_t i;

	for (i = 0; i < config_noptions; i++)
		if (strcmp(config_options[i].key, key) == 0)
			return &config_options[i];
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

int config_unknown_key(const char *origin, const char *key)
{
	const char *best = NULL;
	size_t i, bd = 4;

	for (i = 0; i < config_noptions; i++) {
		size_t d = edit_distance(key, config_options[i].key);
		if (d < bd) {
			bd = d;
			best = config_options[i].key;
		}
	}
	if (best)
		return pp_error(PP_ECONFIG, "%s: unknown key '%s' (did you mean '%s'?)", origin, key,
				best);
	return pp_error(PP_ECONFIG, "%s: unknown key '%s'", origin, key);
}

static int resolve_path(const struct config *c, const char *v, char **out)
{
	struct buf b = BUF_INIT;
	int rc;

	if (v[0] == '/' || !c->base_dir || !v[0] || strstr(v, "://")) { /* s3://... stays */
		*out = pp_strdup(v);
		return *out ? 0 : PP_ENOMEM;
	}
	rc = path_join(&b, c->base_dir, v);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	*out = buf_detach(&b, NULL);
	return *out ? 0 : PP_ENOMEM;
}

static bool in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && memcmp(p, v, n) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

static bool has_prefix_in(const char *choices, const char *v)
{
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) > len && memcmp(p, v, len) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

/* host:port, [v6]:port; the host may be a name; port 1-65535. */
static bool valid_addr(const char *v)
{
	const char *colon = v[0] == '[' ? strstr(v, "]:") : strrchr(v, ':');
	int64_t port;

	if (!colon || colon == v)
		return false;
	if (v[0] == '[')
		colon++;
	else if (memchr(v, ':', (size_t)(colon - v)))
		return false; /* a bare IPv6 address needs brackets */
	return parse_int64(colon + 1, strlen(colon + 1), &port) == 0 && port >= 0 && port <= 65535;
}

static int bad_value(const char *origin, const struct cfg_option *o, const char *v)
{
	switch (o->type) {
	case CFG_URL:
		return pp_error(PP_ECONFIG, "%s: %s: expected a URL starting with one of %s, got '%s'",
				origin, o->key, o->choices, v);
	case CFG_ADDR:
		return pp_error(PP_ECONFIG, "%s: %s: expected host:port (port 0-65535; 0 picks a free one), got '%s'",
				origin, o->key, v);
	case CFG_INT:
		return pp_error(PP_ECONFIG, "%s: %s: expected an integer from %" PRId64 " to %" PRId64
				", got '%s'", origin, o->key, o->min, o->max, v);
	case CFG_BOOL:
		return pp_error(PP_ECONFIG, "%s: %s: expected true or false, got '%s'", origin, o->key,
				v);
	case CFG_DURATION:
		return pp_error(PP_ECONFIG,
				"%s: %s: expected a duration like 500ms, 30s, 30m, 1h, 7d "
				"(within limits), got '%s'", origin, o->key, v);
	case CFG_SIZE:
		return pp_error(PP_ECONFIG, "%s: %s: expected a size like 64KiB, 8MiB, 1GiB "
				"(%" PRId64 " to %" PRId64 " bytes), got '%s'", origin, o->key,
				o->min, o->max, v);
	case CFG_ENUM:
		return pp_error(PP_ECONFIG, "%s: %s: expected one of %s, got '%s'", origin, o->key,
				o->choices, v);
	case CFG_TIME:
		return pp_error(PP_ECONFIG, "%s: %s: expected a date or RFC 3339 time, got '%s'",
				origin, o->key, v);
	default:
		return pp_error(PP_ECONFIG, "%s: %s: bad value '%s'", origin, o->key, v);
	}
}

static int set_option(struct config *c, const struct cfg_option *o, const char *v,
		      const char *origin)
{
	char *base = (char *)c + o->offset;
	size_t n = strlen(v);
	int64_t i64;
	uint64_t u64;
	bool b;
	char *s;

	switch (o->type) {
	case CFG_STRING:
	case CFG_ENUM:
	case CFG_URL:
	case CFG_ADDR:
		if ((o->type == CFG_ENUM && !in_choices(o->choices, v)) ||
		    (o->type == CFG_URL && !has_prefix_in(o->choices, v)) ||
		    (o->type == CFG_ADDR && !valid_addr(v)))
			return bad_value(origin, o, v);
		s = pp_strdup(v);
		if (!s)
			return PP_ENOMEM;
		pp_free(*(char **)base);
		*(char **)base = s;
		return 0;
	case CFG_PATH:
		if (resolve_path(c, v, &s))
			return PP_ENOMEM;
		pp_free(*(char **)base);
		*(char **)base = s;
		return 0;
	case CFG_INT:
		if (parse_int64(v, n, &i64) || i64 < o->min || i64 > o->max)
			return bad_value(origin, o, v);
		*(int64_t *)base = i64;
		return 0;
	case CFG_BOOL:
		if (parse_bool(v, n, &b))
			return bad_value(origin, o, v);
		*(bool *)base = b;
		return 0;
	case CFG_DURATION:
		if (parse_duration_ms(v, n, &i64) || i64 < o->min || i64 > o->max)
			return bad_value(origin, o, v);
		*(int64_t *)base = i64;
		return 0;
	case CFG_SIZE:
		if (parse_size(v, n, &u64) || u64 < (uint64_t)o->min || u64 > (uint64_t)o->max)
			return bad_value(origin, o, v);
		*(uint64_t *)base = u64;
		return 0;
	case CFG_TIME:
		if (time_parse(v, n, &i64))
			return bad_value(origin, o, v);
		*(int64_t *)base = i64;
		return 0;
	case CFG_KEYS:
		return pp_error(PP_ECONFIG, "%s: %s: expected a list of keys", origin, o->key);
	}
	return PP_EINVAL;
}

void config_free_keys(struct config *c)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++)
		pp_free(c->keys[i].name);
	pp_free(c->keys);
	c->keys = NULL;
	c->nkeys = 0;
}

void config_release(struct config *c)
{
	size_t i;

	for (i = 0; i < config_noptions; i++) {
		const struct cfg_option *o = &config_options[i];
		if (o->type == CFG_STRING || o->type == CFG_PATH || o->type == CFG_ENUM ||
		    o->type == CFG_URL || o->type == CFG_ADDR) {
			char **p = (char **)((char *)c + o->offset);
			pp_free(*p);
			*p = NULL;
		}
	}
	config_free_keys(c);
	pp_free(c->source);
	pp_free(c->base_dir);
	c->source = c->base_dir = NULL;
}

int config_defaults(struct config *c)
{
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < config_noptions; i++) {
		if (!config_options[i].def)
			continue;
		rc = set_option(c, &config_options[i], config_options[i].def, "defaults");
		if (rc) {
			config_release(c);
			return rc;
		}
	}
	return 0;
}

int config_set_key(struct config *c, const char *key, const char *value, const char *origin)
{
	const struct cfg_option *o = config_find_option(key);

	if (!o)
		return config_unknown_key(origin, key);
	return set_option(c, o, value, origin);
}

int config_set(struct config *c, const char *key, const char *value, const char *origin)
{
	/* A path given on the command line is relative to where the user stands. */
	char *base = c->base_dir;
	int rc;

	c->base_dir = NULL;
	rc = config_set_key(c, key, value, origin);
	c->base_dir = base;
	return rc;
}

static int load_file(struct config *c, const char *path)
{
	struct buf text = BUF_INIT;
	const char *slash;
	int rc;

	text.max = 1 << 20;
	rc = fs_read_file(path, &text);
	if (rc)
		goto out;
	c->source = pp_strdup(path);
	slash = strrchr(path, '/');
	c->base_dir = slash ? pp_strndup(path, (size_t)(slash - path)) : pp_strdup(".");
	if (!c->source || !c->base_dir) {
		rc = PP_ENOMEM;
		goto out;
	}
	/* Defaults of path options are relative to the file's directory too. */
	for (size_t i = 0; i < config_noptions; i++) {
		if (config_options[i].type == CFG_PATH && (rc = set_option(c, &config_options[i], config_options[i].def,
								    "defaults")))
			goto out;
	}
	rc = config_load_text(c, text.data, text.len, path);
out:
	buf_release(&text);
	return rc;
}

int config_load(struct config *c, const char *explicit_path)
{
	const char *env = getenv("PPREDICT_CONFIG");
	int rc = config_defaults(c);

	if (rc)
		return rc;
	if (explicit_path)
		rc = load_file(c, explicit_path);
	else if (env && env[0])
		rc = load_file(c, env);
	else if (fs_exists("ppredict.yaml"))
		rc = load_file(c, "ppredict.yaml");
	if (rc)
		config_release(c);
	return rc;
}

