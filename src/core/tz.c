/* Time zones from TZif files (tz.h). */
#include "core/tz.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/timeutil.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

void tz_release(struct tz *z)
{
	pp_free(z->at);
	pp_free(z->offset);
	z->at = NULL;
	z->offset = NULL;
	z->n = 0;
}

/* The header's counts at p: isut, isstd, leap, time, type, char. */
static void counts(const unsigned char *p, uint32_t c[6])
{
	for (int i = 0; i < 6; i++)
		c[i] = be32(p + 20 + 4 * i);
}

static int parse(struct tz *z, const unsigned char *d, size_t len, const char *what)
{
	uint32_t c[6];
	size_t body, v1;

	if (len < 44 || memcmp(d, "TZif", 4))
		return pp_error(PP_ECORRUPT, "%s: not a TZif file", what);
	counts(d, c);
	v1 = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
	bool wide = d[4] >= '2' && len >= v1 + 44;
	size_t tsize = wide ? 8 : 4;
	if (wide) { /* the second header and its 64-bit data */
		d += v1;
		len -= v1;
		if (memcmp(d, "TZif", 4))
			return pp_error(PP_ECORRUPT, "%s: a broken second header", what);
		counts(d, c);
	}
	body = 44 + (size_t)c[3] * tsize + c[3] + (size_t)c[4] * 6;
	if (c[4] == 0 || c[4] > 256 || c[3] > 100000 || len < body)
		return pp_error(PP_ECORRUPT, "%s: cut short or inconsistent counts", what);
	const unsigned char *times = d + 44, *idx = times + (size_t)c[3] * tsize, *types = idx + c[3];
	if (!(z->at = pp_malloc((c[3] + 1) * sizeof(*z->at))) || !(z->offset = pp_malloc((c[3] + 1) * sizeof(*z->offset))))
		return PP_ENOMEM;
	for (uint32_t i = 0; i < c[3]; i++) {
		if (idx[i] >= c[4])
			return pp_error(PP_ECORRUPT, "%s: a transition to type %u of %u", what, idx[i], c[4]);
		z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int64_t)(int32_t)be32(times + 4 * i);
		z->offset[i] = (int32_t)be32(types + 6 * idx[i]);
		if (i && z->at[i] <= z->at[i - 1])
			return pp_error(PP_ECORRUPT, "%s: transitions out of order", what);
	}
	z->n = c[3];
	z->initial = (int32_t)be32(types); /* type 0: the time before any transition */
	return 0;
}

int tz_load(struct tz *z, const char *name, const char *dir)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	int rc;

	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name ? name : "UTC");
	if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return 0;
	if (name[0] == '/' || strstr(name, ".."))
		return pp_error(PP_EINVAL, "time zone '%s': expected a zone name such as Europe/Berlin", name);
	if ((rc = buf_printf(&path, "%s/%s", dir ? dir : "/usr/share/zoneinfo", name)))
		return rc;
	if ((rc = fs_read_file(path.data, &data))) {
		pp_error_clear();
		rc = pp_error(PP_EINVAL, "time zone '%s': no such zone (%s)", name, path.data);
	} else if ((rc = parse(z, (const unsigned char *)data.data, data.len, path.data))) {
		tz_release(z);
	}
	buf_release(&path);
	buf_release(&data);
	return rc;
}

int32_t tz_offset(const struct tz *z, int64_t utc_ms)
{
	int64_t s = floor_div(utc_ms, 1000);
	size_t lo = 0, hi = z->n;

	if (!z->n || s < z->at[0])
		return z->n ? z->initial : 0;
	while (hi - lo > 1) { /* the last transition at or before s */
		size_t mid = (lo + hi) / 2;
		if (z->at[mid] <= s)
			lo = mid;
		else
			hi = mid;
	}
	return z->offset[lo];
}
