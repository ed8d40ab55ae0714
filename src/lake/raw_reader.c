#include "lake/raw.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"

#include <zstd.h>

#define SUMMARY_MAGIC 0x184D2A50u
#define SUMMARY_TAG "PPSEG1\0\0"

const struct raw_zone raw_zones[] = {
	{ "events", "raw/events" },
	{ "quarantine", "raw/quarantine" },
	{ "categories", "raw/catalog/categories" },
	{ "item_properties", "raw/catalog/item_properties" },
	{ "predictions", "raw/predictions" },
};
const size_t raw_nzones = ARRAY_SIZE(raw_zones);

const char *raw_zone_dir(const char *name)
{
	size_t i;

	for (i = 0; i < raw_nzones; i++)
		if (!strcmp(raw_zones[i].name, name))
			return raw_zones[i].dir;
	return NULL;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int key_value(const char *path, const char *key, int *out)
{
	const char *p = strstr(path, key);
	int v = 0, n = 0;

	if (!p)
		return -1;
	p += strlen(key);
	while (*p >= '0' && *p <= '9' && n < 5) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || *p != '/')
		return -1;
	*out = v;
	return 0;
}

int raw_partition_of_path(const char *path, int64_t *ms)
{
	int y, m, d, h = 0;

	if (key_value(path, "/year=", &y) || key_value(path, "/month=", &m) ||
	    key_value(path, "/day=", &d))
		return PP_EINVAL;
	if (strstr(path, "/hour=") && key_value(path, "/hour=", &h))
		return PP_EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23)
		return PP_EINVAL;
	*ms = days_from_civil(y, m, d) * MS_PER_DAY + h * MS_PER_HOUR;
	return 0;
}

struct list_ctx {
	struct raw_segment_list *out;
};

static bool is_segment_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	return !strncmp(base, "part-", 5) && n > 15 && !strcmp(base + n - 11, ".ndjson.zst");
}

static int collect(void *vctx, const char *path, uint64_t size, int64_t mtime_ms)
{
	struct list_ctx *ctx = vctx;
	struct raw_segment_list *l = ctx->out;
	struct raw_segment *s;

	(void)mtime_ms;
	if (!is_segment_name(path))
		return 0;
	if (pp_array_grow(&l->seg, l->n, &l->cap, sizeof(*l->seg), 64))
		return PP_ENOMEM;
	s = &l->seg[l->n];
	memset(s, 0, sizeof(*s));
	s->path = pp_strdup(path);
	if (!s->path)
		return PP_ENOMEM;
	s->size = size;
	if (raw_partition_of_path(path, &s->partition))
		s->partition = INT64_MIN;
	l->n++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct raw_segment *)a)->path, ((const struct raw_segment *)b)->path);
}

static int read_summary(struct lake_fs *fs, struct raw_segment *s)
{
	struct buf head = BUF_INIT;
	const unsigned char *p;
	int rc = fs->ops->get(fs, s->path, 0, 48, &head);

	if (rc)
		goto out;
	p = (const unsigned char *)head.data;
	if (head.len == 48 && get_le64(p) == (SUMMARY_MAGIC | (40ull << 32)) &&
	    !memcmp(p + 8, SUMMARY_TAG, 8)) {
		s->has_summary = true;
		s->lines = get_le64(p + 16);
		s->min_ts = (int64_t)get_le64(p + 24);
		s->max_ts = (int64_t)get_le64(p + 32);
		s->raw_bytes = get_le64(p + 40);
	}
out:
	buf_release(&head);
	return rc;
}

int raw_list_segments(struct lake_fs *fs, const char *zone, bool summaries,
		      struct raw_segment_list *out)
{
	struct list_ctx ctx = { out };
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = fs->ops->list(fs, zone, collect, &ctx);
	if (rc)
		goto fail;
	if (out->n)
		qsort(out->seg, out->n, sizeof(*out->seg), by_path);
	for (i = 0; summaries && i < out->n; i++)
		if ((rc = read_summary(fs, &out->seg[i])))
			goto fail;
	return 0;
fail:
	raw_segment_list_release(out);
	return rc;
}

void raw_segment_list_release(struct raw_segment_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		pp_free(l->seg[i].path);
	pp_free(l->seg);
	memset(l, 0, sizeof(*l));
}

int raw_segment_verify(struct lake_fs *fs, const struct raw_segment *s, struct buf *text)
{
	uint64_t lines = 0;
	const char *p, *end;
	int rc;

	buf_reset(text);
	if ((rc = raw_segment_read(fs, s->path, text)))
		return rc == PP_ECORRUPT ? rc : pp_error_wrap(rc, "%s", s->path);
	for (p = text->data, end = text->data + text->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return pp_error(PP_ECORRUPT, "%s: the last line has no newline", s->path);
		lines++;
		p = nl + 1;
	}
	if (!s->has_summary)
		return 0;
	if (lines != s->lines)
		return pp_error(PP_ECORRUPT, "%s: %" PRIu64 " lines, its summary says %" PRIu64,
				s->path, lines, s->lines);
	if (text->len != s->raw_bytes)
		return pp_error(PP_ECORRUPT, "%s: %zu bytes, its summary says %" PRIu64, s->path,
				text->len, s->raw_bytes);
	return 0;
}

int raw_segment_read(struct lake_fs *fs, const char *path, struct buf *out)
{
	struct buf comp = BUF_INIT;
	ZSTD_DCtx *d = NULL;
	ZSTD_inBuffer in;
	size_t r = 1;
	int rc;

	if ((rc = fs->ops->get(fs, path, 0, UINT64_MAX, &comp)))
		goto out;
	d = ZSTD_createDCtx();
	if (!d) {
		rc = PP_ENOMEM;
		goto out;
	}
	in.src = comp.data;
	in.size = comp.len;
	in.pos = 0;
	for (;;) {
		ZSTD_outBuffer o;
		size_t before = in.pos;
		if ((rc = buf_grow(out, 1 << 20)))
			goto out;
		o.dst = out->data + out->len;
		o.size = out->cap - out->len - 1;
		o.pos = 0;
		r = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(r)) {
			rc = pp_error(PP_ECORRUPT, "%s: %s", path, ZSTD_getErrorName(r));
			goto out;
		}
		out->len += o.pos;
		if (in.pos == in.size && (r == 0 || (o.pos == 0 && in.pos == before)))
			break;
	}
	if (r != 0)
		rc = pp_error(PP_ECORRUPT, "%s: truncated zstd frame", path);
	buf_terminate(out);
out:
	ZSTD_freeDCtx(d);
	buf_release(&comp);
	return rc;
}
