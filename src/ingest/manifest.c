#include "ingest/manifest.h"
#include "core/err.h"
#include "core/parse.h"

int import_manifest_load(struct lake_fs *fs, struct import_manifest *m)
{
	int rc;

	buf_init(&m->text, 0);
	rc = fs->ops->get(fs, IMPORT_MANIFEST, 0, UINT64_MAX, &m->text);
	if (rc == PP_ENOENT) {
		pp_error_clear();
		return 0;
	}
	return rc;
}

/* Lines start with the fields find() needs, in a fixed order written by add(). */
static int key_of(struct buf *out, uint64_t hash, uint64_t size)
{
	return buf_printf(out, "{\"hash\":\"%016" PRIx64 "\",\"size\":%" PRIu64 ",\"imported_at\":",
			  hash, size);
}

bool import_manifest_find(const struct import_manifest *m, uint64_t hash, uint64_t size,
			  int64_t *imported_at)
{
	struct buf key = BUF_INIT;
	const char *p = m->text.data, *end = m->text.data + m->text.len;
	bool found = false;

	if (key_of(&key, hash, size))
		return false;
	while (p < end && !found) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if ((size_t)(e - p) > key.len && memcmp(p, key.data, key.len) == 0) {
			const char *num = p + key.len, *q = num;
			while (q < e && *q >= '0' && *q <= '9')
				q++;
			found = parse_int64(num, (size_t)(q - num), imported_at) == 0;
		}
		p = e + 1;
	}
	buf_release(&key);
	return found;
}

int import_manifest_add(struct import_manifest *m, const char *source, const char *format,
			uint64_t size, uint64_t hash, int64_t at, const struct import_stats *st)
{
	int rc;

	if ((rc = key_of(&m->text, hash, size)) || (rc = buf_put_i64(&m->text, at)) ||
	    (rc = buf_printf(&m->text, ",\"format\":\"%s\",\"source\":", format)) ||
	    (rc = buf_put_json_str(&m->text, source, strlen(source))))
		return rc;
	return buf_printf(&m->text, ",\"rows\":%" PRIu64 ",\"accepted\":%" PRIu64
			  ",\"rejected\":%" PRIu64 "}\n", st->rows, st->accepted, st->rejected);
}

int import_manifest_save(struct lake_fs *fs, const struct import_manifest *m)
{
	struct iovec iov = { m->text.data, m->text.len };

	return fs->ops->put(fs, IMPORT_MANIFEST, &iov, 1, false);
}

void import_manifest_release(struct import_manifest *m)
{
	buf_release(&m->text);
}
