#include "ship/registry.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"

int ship_registry_load(struct ship_registry *r, const char *path)
{
	struct buf text = BUF_INIT;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = fs_read_file(path, &text);
	if (rc == PP_ENOENT) {
		pp_error_clear();
		rc = 0;
	} else if (!rc) {
		rc = ship_registry_parse(r, text.data, text.len, path);
	}
	buf_release(&text);
	return rc;
}

int ship_registry_parse(struct ship_registry *r, const char *text, size_t len, const char *path)
{
	const char *p, *end;
	int rc = 0, lineno = 0;

	memset(r, 0, sizeof(*r));
	for (p = text, end = text + len; !rc && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[4200];
		unsigned long long dev, ino, gen, off, ln;
		int used = 0;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (n >= sizeof(line) || !nl) {
			rc = pp_error(PP_ECORRUPT, "%s:%d: damaged registry line", path, lineno);
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (sscanf(line, "%llu %llu %llu %llu %llu %n", &dev, &ino, &gen, &off, &ln, &used) != 5 ||
		    !line[used]) {
			rc = pp_error(PP_ECORRUPT, "%s:%d: expected '<dev> <ino> <generation> <offset> "
				      "<line> <path>'", path, lineno);
			break;
		}
		struct ship_entry *e = ship_registry_add(r, dev, ino, line + used);
		if (!e) {
			rc = PP_ENOMEM;
			break;
		}
		e->generation = gen;
		e->offset = off;
		e->line = ln;
		p = nl + 1;
	}
	if (rc)
		ship_registry_release(r);
	return rc;
}

int ship_registry_save(const struct ship_registry *r, const char *path)
{
	struct buf text = BUF_INIT;
	struct iovec iov;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n && !rc; i++)
		rc = buf_printf(&text, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
				r->e[i].dev, r->e[i].ino, r->e[i].generation, r->e[i].offset,
				r->e[i].line, r->e[i].path);
	if (!rc) {
		iov.iov_base = text.data;
		iov.iov_len = text.len;
		rc = fs_write_atomic(path, &iov, 1, FS_REPLACE);
	}
	buf_release(&text);
	return rc;
}

struct ship_entry *ship_registry_find(struct ship_registry *r, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->e[i].dev == dev && r->e[i].ino == ino)
			return &r->e[i];
	return NULL;
}

struct ship_entry *ship_registry_add(struct ship_registry *r, uint64_t dev, uint64_t ino,
				     const char *path)
{
	struct ship_entry *e;

	if (pp_array_grow(&r->e, r->n, &r->cap, sizeof(*r->e), 16))
		return NULL;
	e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->ino = ino;
	e->path = pp_strdup(path);
	if (!e->path)
		return NULL;
	r->n++;
	return e;
}

void ship_registry_release(struct ship_registry *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		pp_free(r->e[i].path);
	pp_free(r->e);
	memset(r, 0, sizeof(*r));
}
