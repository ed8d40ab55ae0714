#include "core/config.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/timeutil.h"

#include <yaml.h>

enum cfg_type { CFG_STRING, CFG_PATH, CFG_INT, CFG_BOOL, CFG_DURATION, CFG_SIZE, CFG_ENUM,
		CFG_TIME, CFG_KEYS,
		CFG_URL,  /* a string starting with one of `choices` ("a://|b:") */
		CFG_ADDR, /* host:port or [v6]:port */
};

struct cfg_option {
	const char *key;
	enum cfg_type type;
	const char *def;
	size_t offset;
	int64_t min, max;
	const char *choices; /* CFG_ENUM: "a|b|c" */
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

/* The order here is the order of ppredict.yaml; a new section starts with its first key. */
static const struct cfg_option options[] = {
	{ "lake.root", CFG_PATH, "lake", OFF(lake_root), 0, 0, NULL,
	  "Directory of the data lake (raw zone, tables, models, run history)." },
	{ "lake.zstd_level", CFG_INT, "3", OFF(zstd_level), 1, 19, NULL,
	  "zstd level for raw segments: 1 is fastest, 19 smallest." },
	{ "lake.segment_bytes", CFG_SIZE, "64MiB", OFF(segment_bytes), 4096, 1LL << 32, NULL,
	  "A raw segment is closed once it holds this much uncompressed NDJSON." },
	{ "lake.writer_memory", CFG_SIZE, "256MiB", OFF(writer_memory), 65536, 1LL << 36, NULL,
	  "Memory a raw-zone writer may buffer before it flushes its largest partition." },

	{ "events.session_gap", CFG_DURATION, "30m", OFF(session_gap_ms), 1000, 7 * MS_PER_DAY,
	  NULL, "Inactivity that ends a session when events carry no session_id." },
	{ "events.min_ts", CFG_TIME, "2000-01-01", OFF(min_event_ts), 0, 0, NULL,
	  "Events stamped before this are rejected." },
	{ "events.max_clock_skew", CFG_DURATION, "1d", OFF(max_clock_skew_ms), 0,
	  365 * MS_PER_DAY, NULL, "Events stamped further than this in the future are rejected." },
	{ "events.max_id_length", CFG_INT, "256", OFF(max_id_length), 1, 4096, NULL,
	  "Longest visitor, item, session, transaction, category or event id, in bytes." },
	{ "events.max_event_bytes", CFG_SIZE, "64KiB", OFF(max_event_bytes), 256, 16 << 20, NULL,
	  "Longest accepted event (one JSON object or CSV row), in bytes." },

	{ "warehouse.url", CFG_URL, "sqlite:_meta/warehouse.db", OFF(warehouse_url), 0, 0,
	  "sqlite:|postgresql://|postgres://",
	  "Star-schema warehouse: sqlite:PATH (relative to lake.root) or\n"
	  "postgresql://user:password@host:5432/db (PostgreSQL or Redshift)." },

	{ "online_store.backend", CFG_ENUM, "lmdb", OFF(online_backend), 0, 0, "lmdb|redis",
	  "Where live features are kept for serving: lmdb (embedded file) or redis." },
	{ "online_store.path", CFG_STRING, "_meta/online.lmdb", OFF(online_path), 0, 0, NULL,
	  "LMDB directory, relative to lake.root." },
	{ "online_store.redis_url", CFG_URL, "redis://127.0.0.1:6379/0", OFF(redis_url), 0, 0,
	  "redis://|rediss://|unix:", "Redis server when backend is redis." },

	{ "server.listen", CFG_ADDR, "127.0.0.1:8080", OFF(listen), 0, 0, NULL,
	  "Address the HTTP server binds. Binding beyond loopback requires server.keys." },
	{ "server.threads", CFG_INT, "0", OFF(server_threads), 0, 1024, NULL,
	  "Worker threads; 0 means one per core." },
	{ "server.max_body", CFG_SIZE, "8MiB", OFF(max_body), 1024, 1LL << 31, NULL,
	  "Largest request body accepted." },
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

static const struct cfg_option *find_option(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (strcmp(options[i].key, key) == 0)
			return &options[i];
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

static int unknown_key(const char *origin, const char *key)
{
	const char *best = NULL;
	size_t i, bd = 4;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		size_t d = edit_distance(key, options[i].key);
		if (d < bd) {
			bd = d;
			best = options[i].key;
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

	if (v[0] == '/' || !c->base_dir || !v[0]) {
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
	return parse_int64(colon + 1, strlen(colon + 1), &port) == 0 && port >= 1 && port <= 65535;
}

static int bad_value(const char *origin, const struct cfg_option *o, const char *v)
{
	switch (o->type) {
	case CFG_URL:
		return pp_error(PP_ECONFIG, "%s: %s: expected a URL starting with one of %s, got '%s'",
				origin, o->key, o->choices, v);
	case CFG_ADDR:
		return pp_error(PP_ECONFIG, "%s: %s: expected host:port (port 1-65535), got '%s'",
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

static void free_keys(struct config *c)
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

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		const struct cfg_option *o = &options[i];
		if (o->type == CFG_STRING || o->type == CFG_PATH || o->type == CFG_ENUM ||
		    o->type == CFG_URL || o->type == CFG_ADDR) {
			char **p = (char **)((char *)c + o->offset);
			pp_free(*p);
			*p = NULL;
		}
	}
	free_keys(c);
	pp_free(c->source);
	pp_free(c->base_dir);
	c->source = c->base_dir = NULL;
}

int config_defaults(struct config *c)
{
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		if (!options[i].def)
			continue;
		rc = set_option(c, &options[i], options[i].def, "defaults");
		if (rc) {
			config_release(c);
			return rc;
		}
	}
	return 0;
}

static int set_key(struct config *c, const char *key, const char *value, const char *origin)
{
	const struct cfg_option *o = find_option(key);

	if (!o)
		return unknown_key(origin, key);
	return set_option(c, o, value, origin);
}

int config_set(struct config *c, const char *key, const char *value, const char *origin)
{
	/* A path given on the command line is relative to where the user stands. */
	char *base = c->base_dir;
	int rc;

	c->base_dir = NULL;
	rc = set_key(c, key, value, origin);
	c->base_dir = base;
	return rc;
}

/* ---- YAML walk ---------------------------------------------------------------- */

struct yaml_walk {
	yaml_parser_t parser;
	struct config *c;
	const char *name;
	char origin[512];
};

static const char *origin_at(struct yaml_walk *w, const yaml_event_t *ev)
{
	snprintf(w->origin, sizeof(w->origin), "%s:%zu", w->name, ev->start_mark.line + 1);
	return w->origin;
}

static int next_event(struct yaml_walk *w, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&w->parser, ev))
		return pp_error(PP_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s", w->name,
				w->parser.problem_mark.line + 1, w->parser.problem_mark.column + 1,
				w->parser.problem ? w->parser.problem : "unknown");
	return 0;
}

static int hex_to_bytes(const char *hex, uint8_t out[32])
{
	size_t i;

	if (strlen(hex) != 64)
		return PP_EINVAL;
	for (i = 0; i < 64; i++) {
		char ch = hex[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (v < 0)
			return PP_EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static int scope_of(const char *s, unsigned *bits)
{
	if (!strcmp(s, "ingest"))
		*bits |= SCOPE_INGEST;
	else if (!strcmp(s, "predict"))
		*bits |= SCOPE_PREDICT;
	else if (!strcmp(s, "admin"))
		*bits |= SCOPE_ADMIN;
	else
		return PP_EINVAL;
	return 0;
}

/* One `- name: ... sha256: ... scopes: [...]` entry; the MAPPING_START is consumed. */
static int walk_key_entry(struct yaml_walk *w, struct api_key *k, size_t idx)
{
	bool have_hash = false;
	yaml_event_t ev, val;
	int rc = 0;

	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu]: expected name, sha256, scopes",
				      origin_at(w, &ev), idx);
			yaml_event_delete(&ev);
			return rc;
		}
		char field[32];
		snprintf(field, sizeof(field), "%s", (const char *)ev.data.scalar.value);
		origin_at(w, &ev);
		yaml_event_delete(&ev);
		if ((rc = next_event(w, &val)))
			return rc;
		if (!strcmp(field, "scopes") && val.type == YAML_SEQUENCE_START_EVENT) {
			yaml_event_delete(&val);
			for (;;) {
				if ((rc = next_event(w, &val)))
					return rc;
				if (val.type == YAML_SEQUENCE_END_EVENT) {
					yaml_event_delete(&val);
					break;
				}
				if (val.type != YAML_SCALAR_EVENT ||
				    scope_of((const char *)val.data.scalar.value, &k->scopes)) {
					rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].scopes: expected "
						      "ingest, predict or admin", origin_at(w, &val), idx);
					yaml_event_delete(&val);
					return rc;
				}
				yaml_event_delete(&val);
			}
			continue;
		}
		if (val.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].%s: expected a value",
				      w->origin, idx, field);
			yaml_event_delete(&val);
			return rc;
		}
		const char *v = (const char *)val.data.scalar.value;
		if (!strcmp(field, "name")) {
			pp_free(k->name);
			k->name = pp_strdup(v);
			if (!k->name)
				rc = PP_ENOMEM;
		} else if (!strcmp(field, "sha256")) {
			if (hex_to_bytes(v, k->sha256))
				rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].sha256: expected 64 hex "
					      "digits", w->origin, idx);
			have_hash = true;
		} else if (!strcmp(field, "scopes")) {
			if (scope_of(v, &k->scopes))
				rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu].scopes: expected ingest, "
					      "predict or admin", w->origin, idx);
		} else {
			rc = pp_error(PP_ECONFIG, "%s: unknown key 'server.keys[%zu].%s'", w->origin, idx,
				      field);
		}
		yaml_event_delete(&val);
		if (rc)
			return rc;
	}
	if (!k->name || !have_hash || !k->scopes)
		return pp_error(PP_ECONFIG, "%s: server.keys[%zu]: name, sha256 and scopes are all "
				"required", w->name, idx);
	return 0;
}

static int walk_keys(struct yaml_walk *w)
{
	struct config *c = w->c;
	yaml_event_t ev;
	int rc;

	free_keys(c);
	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_MAPPING_START_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: server.keys[%zu]: expected a mapping",
				      origin_at(w, &ev), c->nkeys);
			yaml_event_delete(&ev);
			return rc;
		}
		yaml_event_delete(&ev);
		struct api_key *nk = pp_realloc(c->keys, sizeof(*nk) * (c->nkeys + 1));
		if (!nk)
			return PP_ENOMEM;
		c->keys = nk;
		memset(&nk[c->nkeys], 0, sizeof(*nk));
		c->nkeys++;
		if ((rc = walk_key_entry(w, &nk[c->nkeys - 1], c->nkeys - 1)))
			return rc;
	}
}

static int walk_mapping(struct yaml_walk *w, const char *prefix, int depth)
{
	yaml_event_t ev, val;
	char key[256];
	int rc;

	for (;;) {
		if ((rc = next_event(w, &ev)))
			return rc;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = pp_error(PP_ECONFIG, "%s: expected a key", origin_at(w, &ev));
			yaml_event_delete(&ev);
			return rc;
		}
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "",
			 (const char *)ev.data.scalar.value);
		origin_at(w, &ev);
		yaml_event_delete(&ev);
		if ((rc = next_event(w, &val)))
			return rc;
		const struct cfg_option *o = find_option(key);
		switch (val.type) {
		case YAML_SCALAR_EVENT:
			rc = set_key(w->c, key, (const char *)val.data.scalar.value, w->origin);
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth >= 1 || o)
				rc = o ? pp_error(PP_ECONFIG, "%s: %s: expected a value, not a mapping",
						  w->origin, key)
				       : unknown_key(w->origin, key);
			else
				rc = walk_mapping(w, key, depth + 1);
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (o && o->type == CFG_KEYS)
				rc = walk_keys(w);
			else
				rc = o ? pp_error(PP_ECONFIG, "%s: %s: expected a value, not a list",
						  w->origin, key)
				       : unknown_key(w->origin, key);
			break;
		default:
			rc = pp_error(PP_ECONFIG, "%s: %s: unsupported YAML (anchors and aliases are "
				      "not allowed)", w->origin, key);
		}
		yaml_event_delete(&val);
		if (rc)
			return rc;
	}
}

int config_load_text(struct config *c, const char *text, size_t len, const char *name)
{
	struct yaml_walk w = { .c = c, .name = name };
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	if (!yaml_parser_initialize(&w.parser))
		return PP_ENOMEM;
	yaml_parser_set_input_string(&w.parser, (const unsigned char *)text, len);
	while (!done && !rc) {
		if ((rc = next_event(&w, &ev)))
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
			rc = walk_mapping(&w, "", 0);
			break;
		case YAML_SCALAR_EVENT:
			/* An empty document (only comments) parses as one null scalar. */
			if (ev.data.scalar.length == 0)
				break;
			/* fall through */
		default:
			rc = pp_error(PP_ECONFIG, "%s: expected a mapping of sections at the top",
				      origin_at(&w, &ev));
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&w.parser);
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
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (options[i].type == CFG_PATH && (rc = set_option(c, &options[i], options[i].def,
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

static int put_comment(struct buf *out, const char *indent, const char *text)
{
	int rc = 0;

	while (*text && !rc) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		rc = buf_printf(out, "%s# %.*s\n", indent, (int)len, text);
		text += len + (nl ? 1 : 0);
	}
	return rc;
}

static int section_header(struct buf *out, const char *key, const char **last)
{
	const char *dot = strchr(key, '.');
	size_t n = (size_t)(dot - key);

	if (*last && strncmp(*last, key, n) == 0 && (*last)[n] == '.')
		return 0;
	*last = key;
	return buf_printf(out, "%s%.*s:\n", out->len ? "\n" : "", (int)n, key);
}

int config_write_example(struct buf *out)
{
	const char *last = NULL;
	size_t i;
	int rc;

	rc = buf_puts(out, "# ppredict configuration. Every key is optional: a missing key takes the\n"
			   "# default shown. Unknown keys are errors. Relative paths are relative to\n"
			   "# this file's directory. Durations: 500ms 30s 30m 1h 7d; sizes: 64KiB 8MiB.\n");
	for (i = 0; i < ARRAY_SIZE(options) && !rc; i++) {
		const struct cfg_option *o = &options[i];
		const char *dot = strchr(o->key, '.');
		rc = section_header(out, o->key, &last);
		if (!rc)
			rc = put_comment(out, "  ", o->help);
		if (rc)
			break;
		if (o->type == CFG_KEYS)
			rc = buf_printf(out, "  %s: []\n", dot + 1);
		else
			rc = buf_printf(out, "  %s: %s\n", dot + 1, o->def);
	}
	return rc;
}

int config_dump(const struct config *c, struct buf *out)
{
	const char *last = NULL;
	char when[32];
	size_t i, k;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(options) && !rc; i++) {
		const struct cfg_option *o = &options[i];
		const char *name = strchr(o->key, '.') + 1;
		const char *base = (const char *)c + o->offset;
		if ((rc = section_header(out, o->key, &last)))
			break;
		switch (o->type) {
		case CFG_STRING:
		case CFG_PATH:
		case CFG_ENUM:
		case CFG_URL:
		case CFG_ADDR:
			rc = buf_printf(out, "  %s: \"%s\"\n", name, *(char *const *)base);
			break;
		case CFG_INT:
		case CFG_DURATION:
			rc = buf_printf(out, "  %s: %" PRId64 "%s\n", name, *(const int64_t *)base,
					o->type == CFG_DURATION ? "ms" : "");
			break;
		case CFG_SIZE:
			rc = buf_printf(out, "  %s: %" PRIu64 "\n", name, *(const uint64_t *)base);
			break;
		case CFG_BOOL:
			rc = buf_printf(out, "  %s: %s\n", name, *(const bool *)base ? "true" : "false");
			break;
		case CFG_TIME:
			time_format_rfc3339(*(const int64_t *)base, when);
			rc = buf_printf(out, "  %s: %s\n", name, when);
			break;
		case CFG_KEYS:
			rc = buf_printf(out, "  %s:%s\n", name, c->nkeys ? "" : " []");
			for (k = 0; k < c->nkeys && !rc; k++)
				rc = buf_printf(out, "    - name: %s\n      scopes: [%s%s%s]\n",
						c->keys[k].name,
						c->keys[k].scopes & SCOPE_INGEST ? "ingest " : "",
						c->keys[k].scopes & SCOPE_PREDICT ? "predict " : "",
						c->keys[k].scopes & SCOPE_ADMIN ? "admin" : "");
			break;
		}
	}
	return rc;
}
