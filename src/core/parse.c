#include "core/parse.h"
#include "core/err.h"

#include <math.h>

int parse_int64(const char *s, size_t n, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg = false;
	size_t i = 0;

	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return PP_EINVAL;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return PP_EINVAL;
		if (v > (lim - d) / 10)
			return PP_ELIMIT;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int parse_int64_lenient(const char *s, size_t n, int64_t *out)
{
	size_t i;

	for (i = 0; i < n && s[i] != '.'; i++)
		;
	if (i < n) {
		size_t j;
		if (i + 1 == n)
			return PP_EINVAL;
		for (j = i + 1; j < n; j++)
			if (s[j] != '0')
				return PP_EINVAL;
	}
	return parse_int64(s, i, out);
}

int parse_double(const char *s, size_t n, double *out)
{
	char tmp[64];
	char *end;
	double v;
	size_t i;

	if (n == 0 || n >= sizeof(tmp))
		return PP_EINVAL;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
		      c == 'E'))
			return PP_EINVAL;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtod(tmp, &end);
	if (end != tmp + n)
		return PP_EINVAL;
	if (!isfinite(v))
		return PP_ELIMIT;
	*out = v;
	return 0;
}

static size_t split_unit(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
		i++;
	return i;
}

static int scaled(const char *s, size_t num_len, double mult, uint64_t max, uint64_t *out)
{
	double v;
	int rc = parse_double(s, num_len, &v);

	if (rc)
		return PP_EINVAL;
	if (v < 0)
		return PP_EINVAL;
	v *= mult;
	if (v > (double)max)
		return PP_ELIMIT;
	*out = (uint64_t)llround(v);
	return 0;
}

int parse_duration_ms(const char *s, size_t n, int64_t *out)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{ "", 1000 },        { "ms", 1 },        { "s", 1000 },      { "m", 60000 },
		{ "min", 60000 },    { "h", 3600000 },   { "d", 86400000 },  { "w", 604800000 },
	};
	size_t k = split_unit(s, n), u;
	uint64_t v;

	if (k == 0)
		return PP_EINVAL;
	for (u = 0; u < ARRAY_SIZE(units); u++) {
		if (strlen(units[u].unit) == n - k && memcmp(units[u].unit, s + k, n - k) == 0) {
			int rc = scaled(s, k, units[u].ms, INT64_MAX / 2, &v);
			if (rc)
				return rc;
			*out = (int64_t)v;
			return 0;
		}
	}
	return PP_EINVAL;
}

int parse_size(const char *s, size_t n, uint64_t *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 },          { "B", 1 },         { "k", 1e3 },        { "KB", 1e3 },
		{ "KiB", 1024.0 },  { "M", 1e6 },       { "MB", 1e6 },       { "MiB", 1048576.0 },
		{ "G", 1e9 },       { "GB", 1e9 },      { "GiB", 1073741824.0 },
	};
	size_t k = split_unit(s, n), u;

	if (k == 0)
		return PP_EINVAL;
	for (u = 0; u < ARRAY_SIZE(units); u++) {
		if (strlen(units[u].unit) == n - k && memcmp(units[u].unit, s + k, n - k) == 0)
			return scaled(s, k, units[u].mult, UINT64_MAX / 2, out);
	}
	return PP_EINVAL;
}

int parse_bool(const char *s, size_t n, bool *out)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == n && memcmp(yes[i], s, n) == 0) {
			*out = true;
			return 0;
		}
		if (strlen(no[i]) == n && memcmp(no[i], s, n) == 0) {
			*out = false;
			return 0;
		}
	}
	return PP_EINVAL;
}
