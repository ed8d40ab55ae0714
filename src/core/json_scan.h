/*
 * json_scan.h - a small validating JSON scanner for hot paths.
 *
 * Not a DOM: the caller walks the text and asks for one token at a time. Positions are
 * byte offsets into the caller's text, which must stay alive while spans point into it.
 * Strict RFC 8259: no comments, no trailing commas, no NaN, valid UTF-8, no control
 * characters in strings, no lone surrogates, nesting limited by the caller.
 * On error every function returns PP_EPARSE and sets sc->err and sc->pos to the place.
 */
#ifndef PP_JSON_SCAN_H
#define PP_JSON_SCAN_H

#include "core/common.h"

struct json_scan {
	const char *p;   /* start of text */
	size_t len;
	size_t pos;      /* current offset */
	const char *err; /* static message after a failure */
};

static inline void json_scan_init(struct json_scan *sc, const char *p, size_t len)
{
	sc->p = p;
	sc->len = len;
	sc->pos = 0;
	sc->err = NULL;
}

static inline void json_skip_ws(struct json_scan *sc)
{
	while (sc->pos < sc->len) {
		char c = sc->p[sc->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

/* Next non-space byte, or 0 at the end. Does not consume it. */
static inline char json_peek(struct json_scan *sc)
{
	json_skip_ws(sc);
	return sc->pos < sc->len ? sc->p[sc->pos] : 0;
}

/* Consumes byte c (after spaces) or fails with `what` as the message. */
int json_expect(struct json_scan *sc, char c, const char *what);

/*
 * Reads a string token. When it holds no escapes, *out points into the text; otherwise
 * the decoded bytes are written at *scratch (which must have room for the token's raw
 * length) and *scratch advances. Either way *out is valid UTF-8.
 */
int json_read_string(struct json_scan *sc, struct span *out, char **scratch);

/*
 * Reads a number token; *raw is its text. *is_int tells whether it is an integer
 * literal that fits int64 (then *i is set); *d is always set (may be +-inf if huge).
 */
int json_read_number(struct json_scan *sc, struct span *raw, bool *is_int, int64_t *i,
		     double *d);

/* Skips any value, validating it; containers may nest at most max_depth levels. */
int json_skip_value(struct json_scan *sc, int max_depth);

/* Validates that [p, p+n) is UTF-8 without overlongs, surrogates or values > U+10FFFF. */
bool utf8_valid(const char *p, size_t n);

#endif
