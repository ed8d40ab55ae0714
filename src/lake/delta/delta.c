/*
 * delta.c - the Delta log: replaying commits into a snapshot, and writing a commit.
 * JSON is read and written with jansson; the log is small next to the data.
 */
#include "lake/delta/delta.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/produced.h"
#include "core/strmap.h"
#include "core/timeutil.h"

#include <jansson.h>
#include <unistd.h>

static const char *spark_type(enum pq_type t)
{
	switch (t) {
	case PQ_BOOLEAN: return "boolean";
	case PQ_INT32: return "integer";
	case PQ_INT64: return "long";
	case PQ_DOUBLE: return "double";
	case PQ_DATE: return "date";
	case PQ_TIMESTAMP_MS: return "timestamp";
	default: return "string";
	}
}

/* ---- reading ------------------------------------------------------------------------ */

struct log_list {
	int64_t max;
	uint8_t *have; /* have[v] for v <= max seen */
	size_t cap;
	int rc;
};

static int collect_version(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct log_list *l = ctx;
	const char *base = strrchr(path, '/');
	int64_t v = 0;
	int i;

	(void)size;
	(void)mtime_ms;
	base = base ? base + 1 : path;
	if (strlen(base) != 25 || strcmp(base + 20, ".json"))
		return 0; /* checkpoints and other files: not ours to read yet */
	for (i = 0; i < 20; i++) {
		if (base[i] < '0' || base[i] > '9')
			return 0;
		v = v * 10 + (base[i] - '0');
	}
	if ((size_t)v >= l->cap) {
		size_t ncap = (size_t)v + 64;
		uint8_t *nh = pp_realloc(l->have, ncap);
		if (!nh)
			return l->rc = PP_ENOMEM;
		memset(nh + l->cap, 0, ncap - l->cap);
		l->have = nh;
		l->cap = ncap;
	}
	l->have[v] = 1;
	if (v > l->max)
		l->max = v;
	return 0;
}

static void free_file(struct delta_file *f)
{
	pp_free(f->path);
	pp_free(f->file);
	for (int i = 0; i < DELTA_MAX_PARTITION_COLUMNS; i++)
		pp_free(f->pvalues[i]);
	memset(f, 0, sizeof(*f));
}

void delta_snapshot_release(struct delta_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		free_file(&s->files[i]);
	pp_free(s->files);
	pp_free(s->table_id);
	pp_free(s->schema_string);
	for (i = 0; i < s->npart; i++)
		pp_free(s->partition_cols[i]);
	memset(s, 0, sizeof(*s));
}

static int bad_log(const char *table, int64_t v, const char *what)
{
	return pp_error(PP_ECORRUPT, "%s/_delta_log/%020" PRId64 ".json: %s", table, v, what);
}

static char *dup_str(json_t *j)
{
	return json_is_string(j) ? pp_strdup(json_string_value(j)) : NULL;
}

static bool uri_unreserved(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '_' || c == '.';
}

/*
 * Percent-encodes v into b, keeping the unreserved characters and `keep`. Partition
 * values in directory names are encoded so (as Hive and Spark do, keep ""); the log's
 * paths are URIs, so those names are encoded once more (keep "/=").
 */
static int percent_encode(struct buf *b, const char *v, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *v && !rc; v++) {
		unsigned char c = (unsigned char)*v;
		if (uri_unreserved(c) || strchr(keep, c))
			rc = buf_putc(b, (char)c);
		else
			rc = buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The file a log path names; NULL (and *bad) when a %XY is malformed. */
static char *uri_decode(const char *uri, bool *bad)
{
	char *out = pp_malloc(strlen(uri) + 1), *o = out;

	*bad = false;
	if (!out)
		return NULL;
	for (const char *p = uri; *p; p++) {
		int hi, lo;
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		if ((hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0 || (!hi && !lo)) {
			*bad = true;
			pp_free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = 0;
	return out;
}

static int apply_add(struct delta_snapshot *s, struct strmap *live, size_t *cap, json_t *a,
		     const char *table, int64_t v)
{
	const char *path = json_string_value(json_object_get(a, "path"));
	json_t *pv = json_object_get(a, "partitionValues"), *stats;
	struct strmap_slot *slot;
	struct delta_file *f;
	bool inserted, bad;
	size_t i;

	if (!path)
		return bad_log(table, v, "an add without a path");
	slot = strmap_put(live, path, strlen(path), &inserted);
	if (!slot)
		return PP_ENOMEM;
	if (!inserted && slot->value != UINT64_MAX) {
		f = &s->files[slot->value]; /* re-added: the newer add wins */
		free_file(f);
	} else {
		if (pp_array_grow(&s->files, s->nfiles, cap, sizeof(*s->files), 64))
			return PP_ENOMEM;
		slot->value = s->nfiles;
		f = &s->files[s->nfiles++];
		memset(f, 0, sizeof(*f));
	}
	f->path = pp_strdup(path);
	f->file = uri_decode(path, &bad);
	if (bad)
		return bad_log(table, v, "an add path with a malformed %-escape");
	f->size = json_integer_value(json_object_get(a, "size"));
	f->records = -1;
	for (i = 0; i < s->npart; i++)
		f->pvalues[i] = dup_str(json_object_get(pv, s->partition_cols[i]));
	stats = json_object_get(a, "stats");
	if (json_is_string(stats)) {
		json_t *st = json_loads(json_string_value(stats), 0, NULL);
		json_t *nr = json_object_get(st, "numRecords");
		if (json_is_integer(nr))
			f->records = json_integer_value(nr);
		json_decref(st);
	}
	return f->path && f->file ? 0 : PP_ENOMEM;
}

static int apply_line(struct delta_snapshot *s, struct strmap *live, size_t *cap, json_t *j,
		      const char *table, int64_t v)
{
	json_t *a;

	if ((a = json_object_get(j, "protocol"))) {
		json_int_t rv = json_integer_value(json_object_get(a, "minReaderVersion"));
		if (rv > 1)
			return pp_error(PP_EINVAL, "%s needs Delta reader version %lld; this reader "
					"has 1", table, (long long)rv);
	} else if ((a = json_object_get(j, "metaData"))) {
		json_t *pc = json_object_get(a, "partitionColumns");
		size_t i;
		pp_free(s->table_id);
		pp_free(s->schema_string);
		s->table_id = dup_str(json_object_get(a, "id"));
		s->schema_string = dup_str(json_object_get(a, "schemaString"));
		for (i = 0; i < s->npart; i++)
			pp_free(s->partition_cols[i]);
		s->npart = 0;
		if (json_array_size(pc) > DELTA_MAX_PARTITION_COLUMNS)
			return bad_log(table, v, "too many partition columns");
		for (i = 0; i < json_array_size(pc); i++)
			if ((s->partition_cols[s->npart] = dup_str(json_array_get(pc, i))))
				s->npart++;
	} else if ((a = json_object_get(j, "add"))) {
		int rc = apply_add(s, live, cap, a, table, v);
		if (rc)
			return rc;
	} else if ((a = json_object_get(j, "remove"))) {
		const char *path = json_string_value(json_object_get(a, "path"));
		struct strmap_slot *slot = path ? strmap_get(live, path, strlen(path)) : NULL;
		if (slot && slot->value != UINT64_MAX) {
			free_file(&s->files[slot->value]);
			slot->value = UINT64_MAX; /* tombstone; the array is compacted at the end */
		}
	}
	return 0;
}

/* Calls fn with each action (one JSON object per line) of commit v. */
static int read_commit(struct lake_fs *fs, const char *table, int64_t v, struct buf *text,
		       int (*fn)(void *ctx, json_t *action, const char *table, int64_t v), void *ctx)
{
	struct buf path = BUF_INIT;
	const char *p, *end;
	int rc;

	buf_reset(text);
	if ((rc = buf_printf(&path, "%s/_delta_log/%020" PRId64 ".json", table, v)) ||
	    (rc = fs->ops->get(fs, path.data, 0, UINT64_MAX, text))) {
		buf_release(&path);
		return rc;
	}
	buf_release(&path);
	for (p = text->data, end = text->data + text->len; p < end && !rc;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len) {
			json_error_t err;
			json_t *j = json_loadb(p, len, 0, &err);
			rc = j ? fn(ctx, j, table, v) : bad_log(table, v, err.text);
			json_decref(j);
		}
		p += len + 1;
	}
	return rc;
}

struct replay {
	struct delta_snapshot *s;
	struct strmap *live;
	size_t *cap;
};

static int replay_action(void *ctx, json_t *action, const char *table, int64_t v)
{
	struct replay *r = ctx;

	return apply_line(r->s, r->live, r->cap, action, table, v);
}

int delta_snapshot_load(struct lake_fs *fs, const char *table, int64_t version,
			struct delta_snapshot *s)
{
	struct log_list l = { .max = -1 };
	struct buf dir = BUF_INIT, text = BUF_INIT;
	struct strmap live;
	size_t cap = 0, i, k;
	int64_t v;
	int rc;

	memset(s, 0, sizeof(*s));
	strmap_init(&live);
	if ((rc = buf_printf(&dir, "%s/_delta_log", table)) ||
	    (rc = fs->ops->list(fs, dir.data, collect_version, &l)) || (rc = l.rc))
		goto out;
	if (l.max < 0) {
		rc = pp_error(PP_ENOENT, "%s is not a Delta table (no _delta_log commits)", table);
		goto out;
	}
	if (version > l.max) {
		rc = pp_error(PP_ENOENT, "%s has no version %" PRId64 " (the latest is %" PRId64 ")",
			      table, version, l.max);
		goto out;
	}
	s->version = version < 0 ? l.max : version;
	for (v = 0; v <= s->version && !rc; v++) {
		struct replay r = { s, &live, &cap };
		if (!l.have[v]) {
			rc = pp_error(PP_ECORRUPT, "%s: commit %" PRId64 " is missing from the log", table, v);
			break;
		}
		rc = read_commit(fs, table, v, &text, replay_action, &r);
	}
	/* drop the tombstones */
	for (i = 0, k = 0; !rc && i < s->nfiles; i++)
		if (s->files[i].path)
			s->files[k++] = s->files[i];
	if (!rc)
		s->nfiles = k;
out:
	strmap_release(&live);
	pp_free(l.have);
	buf_release(&dir);
	buf_release(&text);
	if (rc)
		delta_snapshot_release(s);
	return rc;
}

/* ---- writing ------------------------------------------------------------------------ */

void delta_txn_begin(struct delta_txn *t, struct lake_fs *fs, const char *table,
		     const struct delta_snapshot *base)
{
	memset(t, 0, sizeof(*t));
	t->fs = fs;
	snprintf(t->table, sizeof(t->table), "%s", table);
	t->read_version = base ? base->version : -1;
	t->npart = base ? base->npart : 0;
	buf_init(&t->actions, 0);
	/* the partition columns of the base, for the adds' paths */
	for (size_t i = 0; base && i < base->npart; i++)
		snprintf(t->partcols[i], sizeof(t->partcols[i]), "%s", base->partition_cols[i]);
}

static int append_json(struct delta_txn *t, json_t *j)
{
	char *s;

	if (!j)
		return t->rc = PP_ENOMEM;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return t->rc = PP_ENOMEM;
	if (!t->rc && !(t->rc = buf_puts(&t->actions, s)))
		t->rc = buf_putc(&t->actions, '\n');
	free(s);
	return t->rc;
}

void delta_txn_metadata(struct delta_txn *t, const struct delta_field *fields, size_t n,
			const char *const *partition_cols, size_t npart)
{
	json_t *schema = json_object(), *fl = json_array(), *meta, *pc = json_array();
	char id[40];
	uint64_t h = (uint64_t)time_now_ms() * 6364136223846793005ull ^ (uint64_t)getpid() ^ time_mono_ns();
	size_t i;
	char *schema_string;

	if (t->rc)
		return;
	if (npart > DELTA_MAX_PARTITION_COLUMNS) {
		t->rc = pp_error(PP_EINVAL, "at most %d partition columns", DELTA_MAX_PARTITION_COLUMNS);
		return;
	}
	json_object_set_new(schema, "type", json_string("struct"));
	for (i = 0; i < n; i++)
		json_array_append_new(fl, json_pack("{s:s,s:s,s:b,s:{}}", "name", fields[i].name, "type",
						    spark_type(fields[i].type), "nullable",
						    fields[i].nullable, "metadata"));
	json_object_set_new(schema, "fields", fl);
	schema_string = json_dumps(schema, JSON_COMPACT);
	json_decref(schema);
	for (i = 0; i < npart; i++) {
		json_array_append_new(pc, json_string(partition_cols[i]));
		snprintf(t->partcols[i], sizeof(t->partcols[i]), "%s", partition_cols[i]);
	}
	t->npart = npart;
	snprintf(id, sizeof(id), "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h >> 32),
		 (unsigned)(h >> 16 & 0xffff), (unsigned)(h & 0xfff), (unsigned)(h >> 52),
		 (unsigned long long)(h * 0x9e3779b97f4a7c15ull & 0xffffffffffffull));
	if (t->read_version < 0)
		append_json(t, json_pack("{s:{s:i,s:i}}", "protocol", "minReaderVersion", 1,
					 "minWriterVersion", 2));
	meta = json_pack("{s:{s:s,s:{s:s,s:{}},s:s,s:o,s:{},s:I}}", "metaData", "id", id, "format",
			 "provider", "parquet", "options", "schemaString",
			 schema_string ? schema_string : "", "partitionColumns", pc, "configuration",
			 "createdTime", (json_int_t)time_now_ms());
	free(schema_string);
	append_json(t, meta);
}

int delta_store_parquet(struct lake_fs *fs, const char *table, const char *const *partcols, size_t npart,
			const char *const *pvalues, const struct buf *parquet, struct delta_stored *out)
{
	static unsigned long counter;
	struct buf rel = BUF_INIT, full = BUF_INIT;
	struct iovec iov = { parquet->data, parquet->len };
	uint64_t h = (uint64_t)time_now_ms() ^ (uint64_t)getpid() << 32 ^ time_mono_ns();
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < npart && !rc; i++) {
		rc = buf_printf(&rel, "%s=", partcols[i]);
		if (!rc)
			rc = pvalues[i] ? percent_encode(&rel, pvalues[i], "") : buf_puts(&rel, "__HIVE_DEFAULT_PARTITION__");
		if (!rc)
			rc = buf_putc(&rel, '/');
	}
	h = h * 0x9e3779b97f4a7c15ull + __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	if (!rc)
		rc = buf_printf(&rel, "part-%016" PRIx64 ".zstd.parquet", h);
	if (!rc)
		rc = buf_printf(&full, "%s/%s", table, rel.data);
	if (!rc)
		rc = fs->ops->put(fs, full.data, &iov, 1, true);
	if (!rc && !(out->file = buf_detach(&rel, NULL)))
		rc = PP_ENOMEM; /* (the file stays, in no version) */
	out->size = parquet->len;
	buf_release(&rel);
	buf_release(&full);
	return rc;
}

void delta_txn_add_stored(struct delta_txn *t, const char *const *pvalues, const struct delta_stored *s,
			  int64_t records, const char *stats_json)
{
	struct buf st = BUF_INIT, uri = BUF_INIT;
	json_t *pv;

	if (t->rc)
		return;
	if (!(pv = json_object())) {
		t->rc = PP_ENOMEM;
		return;
	}
	for (size_t i = 0; i < t->npart; i++)
		json_object_set_new(pv, t->partcols[i], pvalues[i] ? json_string(pvalues[i]) : json_null());
	t->rc = percent_encode(&uri, s->file, "/=");
	if (!t->rc)
		t->rc = stats_json ? buf_puts(&st, stats_json)
				   : buf_printf(&st, "{\"numRecords\":%" PRId64 "}", records);
	if (!t->rc)
		append_json(t, json_pack("{s:{s:s,s:o,s:I,s:I,s:b,s:s}}", "add", "path", uri.data,
					 "partitionValues", pv, "size", (json_int_t)s->size,
					 "modificationTime", (json_int_t)time_now_ms(), "dataChange", 1,
					 "stats", st.data));
	else
		json_decref(pv);
	buf_release(&st);
	buf_release(&uri);
}

void delta_stored_release(struct delta_stored *s)
{
	pp_free(s->file);
	memset(s, 0, sizeof(*s));
}

void delta_stored_drop(struct lake_fs *fs, const char *table, struct delta_stored *s)
{
	struct buf full = BUF_INIT;

	if (s->file && !buf_printf(&full, "%s/%s", table, s->file))
		fs->ops->remove(fs, full.data);
	buf_release(&full);
	delta_stored_release(s);
}

void delta_txn_add_parquet(struct delta_txn *t, const char *const *pvalues,
			   const struct buf *parquet, int64_t records, const char *stats_json)
{
	const char *partcols[DELTA_MAX_PARTITION_COLUMNS];
	struct delta_stored s;

	if (t->rc)
		return;
	for (size_t i = 0; i < t->npart; i++)
		partcols[i] = t->partcols[i];
	if ((t->rc = delta_store_parquet(t->fs, t->table, partcols, t->npart, pvalues, parquet, &s)))
		return;
	delta_txn_add_stored(t, pvalues, &s, records, stats_json);
	delta_stored_release(&s);
}

void delta_txn_remove(struct delta_txn *t, const struct delta_file *f)
{
	json_t *pv = json_object();

	for (size_t i = 0; i < t->npart; i++)
		json_object_set_new(pv, t->partcols[i], f->pvalues[i] ? json_string(f->pvalues[i]) : json_null());
	append_json(t, json_pack("{s:{s:s,s:I,s:b,s:b,s:o,s:I}}", "remove", "path", f->path,
				 "deletionTimestamp", (json_int_t)time_now_ms(), "dataChange", 1,
				 "extendedFileMetadata", 1, "partitionValues", pv, "size",
				 (json_int_t)f->size));
}

void delta_txn_remove_partition(struct delta_txn *t, const struct delta_snapshot *base,
				const char *value)
{
	for (size_t i = 0; i < base->nfiles; i++)
		if (base->files[i].pvalues[0] && !strcmp(base->files[i].pvalues[0], value))
			delta_txn_remove(t, &base->files[i]);
}

void delta_fields_of(const struct pq_column_def *cols, size_t n, const char *part,
		     struct delta_field *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (struct delta_field){ cols[i].name, cols[i].type, cols[i].optional };
	if (part)
		out[n] = (struct delta_field){ part, PQ_STRING, false };
}

int delta_txn_commit(struct delta_txn *t, const char *operation, int64_t *version)
{
	struct buf path = BUF_INIT, all = BUF_INIT;
	int64_t v = t->read_version + 1;
	struct iovec iov;
	int rc = t->rc;
	char *info = NULL;
	json_t *ci;

	if (rc)
		goto out;
	ci = json_pack("{s:{s:I,s:s,s:s,s:I}}", "commitInfo", "timestamp", (json_int_t)time_now_ms(),
		       "operation", operation, "engineInfo", "ppredict/" PP_VERSION, "readVersion",
		       (json_int_t)t->read_version);
	info = ci ? json_dumps(ci, JSON_COMPACT) : NULL;
	json_decref(ci);
	if (!info) {
		rc = PP_ENOMEM;
		goto out;
	}
	if ((rc = buf_puts(&all, info)) || (rc = buf_putc(&all, '\n')) ||
	    (rc = buf_append(&all, t->actions.data, t->actions.len)) ||
	    (rc = buf_printf(&path, "%s/_delta_log/%020" PRId64 ".json", t->table, v)))
		goto out;
	iov.iov_base = all.data;
	iov.iov_len = all.len;
	rc = t->fs->ops->put(t->fs, path.data, &iov, 1, true);
	if (rc == PP_EEXIST)
		rc = pp_error(PP_EEXIST, "%s: version %" PRId64 " was committed by another writer; "
			      "read the table again and retry", t->table, v);
	if (!rc) {
		produced_note("table", t->table, v);
		if (version)
			*version = v;
	}
out:
	free(info);
	buf_release(&path);
	buf_release(&all);
	delta_txn_abort(t);
	return rc;
}

void delta_txn_abort(struct delta_txn *t)
{
	buf_release(&t->actions);
}

/* ---- vacuum ------------------------------------------------------------------------- */

#define VACUUM_MIN_UNMENTIONED_MS (60 * 60 * 1000) /* see delta_vacuum */

struct vacuum {
	struct strmap live, doomed; /* doomed: logged path -> size */
	struct strmap mentioned;    /* every file an add or remove names (decoded) */
	int64_t cutoff;
	struct delta_vacuum_stats *st;
	/* the listing: the table's files the log never mentions, old enough to go */
	size_t skip;                /* the table's directory and its '/' */
	int64_t unmentioned_cutoff;
	struct orphan {
		char *path;
		uint64_t size;
	} *orphan;
	size_t norphans, caporphans;
};

/* The file an add or remove names, decoded, into vc->mentioned. */
static int mention(struct vacuum *vc, const char *table, json_t *what)
{
	const char *path = json_string_value(json_object_get(what, "path"));
	bool bad, inserted;
	char *file;
	int rc = 0;

	if (!path)
		return 0;
	if (!(file = uri_decode(path, &bad)))
		return bad ? pp_error(PP_ECORRUPT, "%s: a logged path with a malformed %%-escape: %s", table, path)
			   : PP_ENOMEM;
	if (!strmap_put(&vc->mentioned, file, strlen(file), &inserted))
		rc = PP_ENOMEM;
	pp_free(file);
	return rc;
}

static int vacuum_action(void *ctx, json_t *action, const char *table, int64_t v)
{
	struct vacuum *vc = ctx;
	json_t *rm = json_object_get(action, "remove");
	const char *path = json_string_value(json_object_get(rm, "path"));
	struct strmap_slot *slot;
	bool inserted;
	int rc;

	(void)v;
	if ((rc = mention(vc, table, json_object_get(action, "add"))) || (rc = mention(vc, table, rm)))
		return rc;
	if (!path || strmap_get(&vc->live, path, strlen(path)))
		return 0;
	if (json_integer_value(json_object_get(rm, "deletionTimestamp")) > vc->cutoff) {
		vc->st->retained++;
		return 0;
	}
	if (!(slot = strmap_put(&vc->doomed, path, strlen(path), &inserted)))
		return PP_ENOMEM;
	if (inserted)
		slot->value = (uint64_t)json_integer_value(json_object_get(rm, "size"));
	return 0;
}

/* A file of the table's listing: kept aside when the log never mentions it and it is old
 * enough (names starting with '_' or '.', the log's among them, are not data). */
static int unmentioned_file(void *ctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct vacuum *vc = ctx;
	const char *rel = path + vc->skip;

	if (strlen(path) <= vc->skip || rel[0] == '_' || rel[0] == '.' || strstr(rel, "/_") || strstr(rel, "/.") ||
	    strmap_get(&vc->mentioned, rel, strlen(rel)))
		return 0;
	if (!mtime_ms || mtime_ms > vc->unmentioned_cutoff) {
		vc->st->pending++; /* perhaps a writer's, about to be committed */
		return 0;
	}
	if (pp_array_grow(&vc->orphan, vc->norphans, &vc->caporphans, sizeof(*vc->orphan), 16))
		return PP_ENOMEM;
	if (!(vc->orphan[vc->norphans].path = pp_strdup(path)))
		return PP_ENOMEM;
	vc->orphan[vc->norphans++].size = size;
	return 0;
}

/*
 * The data files the log never mentions: what writers killed before their commit left.
 * They go once older than the retention and than an hour (a younger one may be a running
 * writer's, about to be committed); where the store does not tell a file's age, it stays.
 */
static int vacuum_unmentioned(struct lake_fs *fs, const char *table, bool dry_run, struct vacuum *vc)
{
	struct buf dir = BUF_INIT;
	int64_t young = time_now_ms() - VACUUM_MIN_UNMENTIONED_MS;
	int rc;

	vc->unmentioned_cutoff = vc->cutoff < young ? vc->cutoff : young;
	if ((rc = buf_printf(&dir, "%s/", table)))
		return rc;
	vc->skip = dir.len;
	rc = fs->ops->list(fs, dir.data, unmentioned_file, vc);
	buf_release(&dir);
	for (size_t i = 0; i < vc->norphans && !rc; i++) {
		if (!dry_run && (rc = fs->ops->remove(fs, vc->orphan[i].path)))
			break;
		vc->st->deleted++;
		vc->st->never_committed++;
		vc->st->deleted_bytes += vc->orphan[i].size;
	}
	return rc;
}

int delta_vacuum(struct lake_fs *fs, const char *table, int64_t retain_ms, bool dry_run,
		 struct delta_vacuum_stats *st)
{
	struct vacuum vc = { .cutoff = time_now_ms() - retain_ms, .st = st };
	struct delta_snapshot snap;
	struct buf text = BUF_INIT, where = BUF_INIT, probe = BUF_INIT;
	bool inserted, bad;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = delta_snapshot_load(fs, table, -1, &snap)))
		return rc;
	strmap_init(&vc.live);
	strmap_init(&vc.doomed);
	strmap_init(&vc.mentioned);
	for (i = 0; i < snap.nfiles && !rc; i++)
		if (!strmap_put(&vc.live, snap.files[i].path, strlen(snap.files[i].path), &inserted))
			rc = PP_ENOMEM;
	for (int64_t v = 0; v <= snap.version && !rc; v++)
		rc = read_commit(fs, table, v, &text, vacuum_action, &vc);
	for (i = 0; i < vc.doomed.cap && !rc; i++) {
		const struct strmap_slot *slot = &vc.doomed.slots[i];
		char *file;
		if (!slot->key)
			continue;
		if (!(file = uri_decode(slot->key, &bad))) {
			rc = bad ? pp_error(PP_ECORRUPT, "%s: a removed path with a malformed %%-escape: %s",
					    table, slot->key) : PP_ENOMEM;
			break;
		}
		buf_reset(&where);
		rc = buf_printf(&where, "%s/%s", table, file);
		pp_free(file);
		if (!rc && (rc = fs->ops->get(fs, where.data, 0, 0, &probe)) == PP_ENOENT) {
			pp_error_clear(); /* a previous vacuum got it */
			rc = 0;
			continue;
		}
		if (!rc && !dry_run)
			rc = fs->ops->remove(fs, where.data);
		if (!rc) {
			st->deleted++;
			st->deleted_bytes += slot->value;
		}
	}
	if (!rc)
		rc = vacuum_unmentioned(fs, table, dry_run, &vc);
	for (i = 0; i < vc.norphans; i++)
		pp_free(vc.orphan[i].path);
	pp_free(vc.orphan);
	strmap_release(&vc.live);
	strmap_release(&vc.doomed);
	strmap_release(&vc.mentioned);
	buf_release(&text);
	buf_release(&where);
	buf_release(&probe);
	delta_snapshot_release(&snap);
	return rc;
}
