#include "core/json_scan.h"
#include "core/err.h"

#include <math.h>

static int fail(struct json_scan *sc, const char *msg)
{
	sc->err = msg;
	return PP_EPARSE;
}

int json_expect(struct json_scan *sc, char c, const char *what)
{
	if (json_peek(sc) != c)
		return fail(sc, what);
	sc->pos++;
	return 0;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return false;
			p += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (end - p < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
				return false;
			if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
				return false; /* overlong, or a UTF-16 surrogate */
			p += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (end - p < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
			    (p[3] & 0xc0) != 0x80)
				return false;
			if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
				return false;
			p += 4;
		} else {
			return false;
		}
	}
	return true;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * Validates the string token starting at sc->pos (the opening quote): escapes, surrogate
 * pairs, control characters, UTF-8. On success *close is the offset of the closing quote.
 */
static int check_string(struct json_scan *sc, size_t *close, bool *escaped)
{
	size_t i = sc->pos + 1, run = i;
	unsigned cp, lo;

	*escaped = false;
	for (; i < sc->len; i++) {
		unsigned char c = (unsigned char)sc->p[i];
		if (c == '"')
			break;
		if (c < 0x20) {
			sc->pos = i;
			return fail(sc, "control character in string (escape it)");
		}
		if (c != '\\')
			continue;
		if (!utf8_valid(sc->p + run, i - run)) {
			sc->pos = run;
			return fail(sc, "invalid UTF-8 in string");
		}
		*escaped = true;
		if (i + 1 >= sc->len) {
			i = sc->len;
			break;
		}
		c = (unsigned char)sc->p[++i];
		if (c == 'u') {
			if (sc->len - i < 5 || hex4(sc->p + i + 1, &cp)) {
				sc->pos = i - 1;
				return fail(sc, "invalid \\u escape in string");
			}
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto lone;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (sc->len - i < 7 || sc->p[i + 1] != '\\' || sc->p[i + 2] != 'u' ||
				    hex4(sc->p + i + 3, &lo) || lo < 0xdc00 || lo > 0xdfff)
					goto lone;
				i += 6;
			}
		} else if (!strchr("\"\\/bfnrt", c) || c == 0) {
			sc->pos = i - 1;
			return fail(sc, "invalid escape in string");
		}
		run = i + 1;
	}
	if (i >= sc->len) {
		sc->pos = sc->len;
		return fail(sc, "unterminated string");
	}
	if (!utf8_valid(sc->p + run, i - run)) {
		sc->pos = run;
		return fail(sc, "invalid UTF-8 in string");
	}
	*close = i;
	return 0;
lone:
	sc->pos = i;
	return fail(sc, "unpaired UTF-16 surrogate in string");
}

/* Decodes [i, close) into o; check_string has validated every escape. */
static size_t decode_escapes(const char *p, size_t i, size_t close, char *o)
{
	char *start = o;
	unsigned cp, lo;

	while (i < close) {
		char c = p[i];
		if (c != '\\') {
			*o++ = c;
			i++;
			continue;
		}
		c = p[i + 1];
		i += 2;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			hex4(p + i, &cp);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				hex4(p + i + 2, &lo);
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o = put_utf8(o, cp);
			break;
		default: /* " \ / */
			*o++ = c;
		}
	}
	return (size_t)(o - start);
}

int json_read_string(struct json_scan *sc, struct span *out, char **scratch)
{
	size_t close;
	bool escaped;
	int rc;

	if (json_peek(sc) != '"')
		return fail(sc, "expected a string");
	if ((rc = check_string(sc, &close, &escaped)))
		return rc;
	if (!escaped) {
		out->p = sc->p + sc->pos + 1;
		out->len = close - sc->pos - 1;
	} else {
		if (!scratch)
			return fail(sc, "escaped string where none is allowed");
		out->p = *scratch;
		out->len = decode_escapes(sc->p, sc->pos + 1, close, *scratch);
		*scratch += out->len;
	}
	sc->pos = close + 1;
	return 0;
}

int json_read_number(struct json_scan *sc, struct span *raw, bool *is_int, int64_t *iv,
		     double *d)
{
	size_t i, start;
	bool frac = false, neg = false;
	uint64_t v = 0;
	bool overflow = false;
	char tmp[64];

	json_skip_ws(sc);
	i = start = sc->pos;
	if (i < sc->len && sc->p[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= sc->len || sc->p[i] < '0' || sc->p[i] > '9')
		return fail(sc, "expected a number");
	if (sc->p[i] == '0' && i + 1 < sc->len && sc->p[i + 1] >= '0' && sc->p[i + 1] <= '9') {
		sc->pos = i;
		return fail(sc, "leading zeros are not allowed in numbers");
	}
	while (i < sc->len && sc->p[i] >= '0' && sc->p[i] <= '9') {
		unsigned dg = (unsigned)(sc->p[i] - '0');
		if (v > (UINT64_MAX - dg) / 10)
			overflow = true;
		else
			v = v * 10 + dg;
		i++;
	}
	if (i < sc->len && sc->p[i] == '.') {
		frac = true;
		if (++i >= sc->len || sc->p[i] < '0' || sc->p[i] > '9') {
			sc->pos = i;
			return fail(sc, "expected digits after '.'");
		}
		while (i < sc->len && sc->p[i] >= '0' && sc->p[i] <= '9')
			i++;
	}
	if (i < sc->len && (sc->p[i] == 'e' || sc->p[i] == 'E')) {
		frac = true;
		i++;
		if (i < sc->len && (sc->p[i] == '+' || sc->p[i] == '-'))
			i++;
		if (i >= sc->len || sc->p[i] < '0' || sc->p[i] > '9') {
			sc->pos = i;
			return fail(sc, "expected digits in exponent");
		}
		while (i < sc->len && sc->p[i] >= '0' && sc->p[i] <= '9')
			i++;
	}
	raw->p = sc->p + start;
	raw->len = i - start;
	sc->pos = i;
	*is_int = !frac && !overflow && v <= (uint64_t)INT64_MAX + neg;
	if (*is_int) {
		*iv = neg ? (int64_t)(0 - v) : (int64_t)v;
		*d = (double)*iv;
		return 0;
	}
	if (raw->len >= sizeof(tmp)) {
		*d = neg ? -HUGE_VAL : HUGE_VAL; /* absurd length: treat as out of range */
		return 0;
	}
	memcpy(tmp, raw->p, raw->len);
	tmp[raw->len] = '\0';
	*d = strtod(tmp, NULL);
	return 0;
}

static int skip_literal(struct json_scan *sc, const char *lit)
{
	size_t n = strlen(lit);

	if (sc->len - sc->pos < n || memcmp(sc->p + sc->pos, lit, n) != 0)
		return fail(sc, "invalid literal (expected a value)");
	sc->pos += n;
	return 0;
}

int json_skip_value(struct json_scan *sc, int max_depth)
{
	struct span s;
	bool is_int;
	int64_t iv;
	double d;
	int rc;

	switch (json_peek(sc)) {
	case '"': {
		size_t close;
		bool escaped;
		if ((rc = check_string(sc, &close, &escaped)))
			return rc;
		sc->pos = close + 1;
		return 0;
	}
	case '{':
		if (max_depth <= 0)
			return fail(sc, "nested too deeply");
		sc->pos++;
		if (json_peek(sc) == '}') {
			sc->pos++;
			return 0;
		}
		for (;;) {
			if (json_peek(sc) != '"')
				return fail(sc, "expected a string key");
			if ((rc = json_skip_value(sc, max_depth - 1)))
				return rc;
			if ((rc = json_expect(sc, ':', "expected ':' after key")))
				return rc;
			if ((rc = json_skip_value(sc, max_depth - 1)))
				return rc;
			if (json_peek(sc) == ',') {
				sc->pos++;
				continue;
			}
			return json_expect(sc, '}', "expected ',' or '}' in object");
		}
	case '[':
		if (max_depth <= 0)
			return fail(sc, "nested too deeply");
		sc->pos++;
		if (json_peek(sc) == ']') {
			sc->pos++;
			return 0;
		}
		for (;;) {
			if ((rc = json_skip_value(sc, max_depth - 1)))
				return rc;
			if (json_peek(sc) == ',') {
				sc->pos++;
				continue;
			}
			return json_expect(sc, ']', "expected ',' or ']' in array");
		}
	case 't':
		return skip_literal(sc, "true");
	case 'f':
		return skip_literal(sc, "false");
	case 'n':
		return skip_literal(sc, "null");
	case 0:
		return fail(sc, "unexpected end of input (expected a value)");
	default:
		return json_read_number(sc, &s, &is_int, &iv, &d);
	}
}
