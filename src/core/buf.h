/*
 * buf.h - growable byte buffer with a size cap.
 *
 * Invariants: after buf_init, `data` is never NULL and data[len] == '\0' (a buffer can
 * always be used as a C string); len <= cap; len never exceeds `max` (0 = no cap other
 * than SIZE_MAX). Growth that would pass `max` fails with PP_ELIMIT and leaves the buffer
 * as it was; allocation failure returns PP_ENOMEM, likewise unchanged.
 * The buffer owns `data`; buf_release frees it and leaves an empty buffer behind, so
 * releasing twice is harmless. buf_detach hands the bytes to the caller.
 */
#ifndef PP_BUF_H
#define PP_BUF_H

#include "core/common.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

extern char buf_empty_[1];

#define BUF_INIT { buf_empty_, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);

static inline void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

/* Makes room for `extra` more bytes (plus the terminator). */
int buf_grow(struct buf *b, size_t extra);

int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PP_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PP_PRINTF(2, 0);

/* Appends the decimal form of v (no allocation beyond growth; hot path). */
int buf_put_i64(struct buf *b, int64_t v);
int buf_put_u64(struct buf *b, uint64_t v);

/* Appends s as a JSON string literal with quotes and escapes. */
int buf_put_json_str(struct buf *b, const char *s, size_t n);

/* Appends a double in the shortest form that reads back to the same value. */
int buf_put_double(struct buf *b, double v);

/* Hot-path variants: caller has reserved room with buf_grow. */
static inline void buf_putc_unsafe(struct buf *b, char c)
{
	b->data[b->len++] = c;
}

static inline void buf_terminate(struct buf *b)
{
	if (b->cap)
		b->data[b->len] = '\0';
}

#endif
