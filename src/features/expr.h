/*
 * expr.h - the small expression language of feature definitions: on-demand features
 * (`n_cart / (n_view + 1)`) and the `where` filters of aggregations (`event == 'view'`),
 * compiled once into a postfix program and evaluated on an array of numbers.
 *
 *   expr    := compare
 *   compare := sum [ ('<' | '<=' | '>' | '>=' | '==' | '!=') sum ]
 *   sum     := product { ('+' | '-') product }
 *   product := unary { ('*' | '/') unary }
 *   unary   := '-' unary | primary
 *   primary := number | name | 'string' | func '(' expr { ',' expr } ')' | '(' expr ')'
 *   func    := log1p(x) | exp(x) | abs(x) | sqrt(x) | min(a, b) | max(a, b)
 *            | div(a, b, default)                     (a / b, or default when b is 0)
 *
 * Values are doubles; NaN is a missing value and spreads through arithmetic. Division by
 * zero gives NaN (missing), never infinity; comparisons give 1 or 0, and NaN when an
 * operand is missing. A string literal is only allowed beside a name the resolver can
 * turn strings into codes for (an event's type): `event == 'view'`.
 */
#ifndef PP_EXPR_H
#define PP_EXPR_H

#include "core/common.h"

/* Names to slots of the value array, and string literals to codes for a slot; both
 * return -1 when unknown (the compiler then reports the name). */
struct expr_resolver {
	int (*slot)(void *ctx, const char *name, size_t len);
	int (*code)(void *ctx, int slot, const char *s, size_t len, double *out);
	void *ctx;
};

struct expr_op;

struct expr {
	struct expr_op *ops;
	size_t n;
	size_t depth; /* the evaluation stack it needs */
};

#define EXPR_MAX_OPS 512
#define EXPR_MAX_DEPTH 32

/* Compiles text; errors say what was expected at which column: "column 7: expected ')'". */
int expr_compile(struct expr *e, const char *text, const struct expr_resolver *r);
/* The value of e over vals (indexed by slot). */
double expr_eval(const struct expr *e, const double *vals);
/* The same for n rows at once, column by column: cols[slot] holds n values; out gets n.
 * Each row's value is expr_eval's for that row, bit for bit. */
#define EXPR_BLOCK 128
void expr_eval_columns(const struct expr *e, const double *const *cols, size_t n, double *out);
void expr_release(struct expr *e);

#endif
