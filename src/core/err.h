/*
 * err.h - the one error convention.
 *
 * Functions return 0 on success or a negative PP_E* code. The code says what kind of
 * failure it was; the message (file, line, field, what was expected) is kept per thread
 * by pp_error() and read back with pp_errmsg(). pp_error returns its code so a caller
 * writes `return pp_error(PP_EINVAL, "%s:%zu: ...", file, line);`.
 */
#ifndef PP_ERR_H
#define PP_ERR_H

#include "core/common.h"

/* X(name, value, description) */
#define PP_ERRORS(X)                                          \
	X(OK, 0, "success")                                   \
	X(ENOMEM, -1, "out of memory")                        \
	X(EIO, -2, "input/output error")                      \
	X(EINVAL, -3, "invalid value")                        \
	X(EPARSE, -4, "parse error")                          \
	X(EUSAGE, -5, "usage error")                          \
	X(EEXIST, -6, "already exists")                       \
	X(ENOENT, -7, "not found")                            \
	X(ELIMIT, -8, "limit exceeded")                       \
	X(ECORRUPT, -9, "corrupt data")                       \
	X(EORDER, -10, "out of order")                        \
	X(ECONFIG, -11, "configuration error")               \
	X(ECONFLICT, -12, "changed by another writer")

enum pp_err {
#define X(name, value, desc) PP_##name = value,
	PP_ERRORS(X)
#undef X
};

/* The generic description of a code ("out of memory"); never NULL. */
const char *pp_strerror(int code);

/* Records a message for this thread and returns code. */
int pp_error(int code, const char *fmt, ...) PP_PRINTF(2, 3);

/* Like pp_error, appending ": strerror(errno)" for a failed system call. */
int pp_error_errno(int code, const char *fmt, ...) PP_PRINTF(2, 3);

/* Prefixes the current message with "<prefix>: " (adds context on the way up). */
int pp_error_wrap(int code, const char *fmt, ...) PP_PRINTF(2, 3);

/* The last message recorded by this thread; the code's description if none. */
const char *pp_errmsg(void);

void pp_error_clear(void);

#endif
