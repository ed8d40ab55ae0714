/* The expression language of feature definitions (expr.h): recursive descent into a
 * postfix program, evaluated on a small stack. */
#include "features/expr.h"
#include "core/err.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>

enum opcode {
	OP_CONST, OP_LOAD, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_EQ, OP_NE, OP_LOG1P, OP_EXP, OP_ABS, OP_SQRT, OP_MIN, OP_MAX, OP_DIVD
};

struct expr_op {
	enum opcode op;
	int slot;
	double v;
};

static const struct {
	const char *name;
	enum opcode op;
	int args;
} funcs[] = {
	{ "log1p", OP_LOG1P, 1 }, { "exp", OP_EXP, 1 }, { "abs", OP_ABS, 1 }, { "sqrt", OP_SQRT, 1 },
	{ "min", OP_MIN, 2 },     { "max", OP_MAX, 2 }, { "div", OP_DIVD, 3 },
};

struct parser {
	const char *text, *p;
	const struct expr_resolver *r;
	struct expr *e;
	size_t cap, stack, nest;
	int rc;
};

static int fail(struct parser *ps, const char *fmt, ...) PP_PRINTF(2, 3);

static int fail(struct parser *ps, const char *fmt, ...)
{
	if (!ps->rc) {
		char msg[200];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ps->rc = pp_error(PP_EPARSE, "column %zu: %s", (size_t)(ps->p - ps->text) + 1, msg);
	}
	return ps->rc;
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* Appends an op; pops `in` operands and pushes one result. */
static int emit(struct parser *ps, enum opcode op, int slot, double v, int in)
{
	struct expr *e = ps->e;

	if (e->n >= EXPR_MAX_OPS)
		return fail(ps, "%s", "the expression is too long");
	if (e->n == ps->cap && pp_array_grow(&e->ops, e->n, &ps->cap, sizeof(*e->ops), 16))
		return ps->rc = PP_ENOMEM;
	e->ops[e->n++] = (struct expr_op){ op, slot, v };
	ps->stack = ps->stack - (size_t)in + 1;
	if (ps->stack > e->depth)
		e->depth = ps->stack;
	if (e->depth > EXPR_MAX_DEPTH)
		return fail(ps, "%s", "the expression nests too deeply");
	return 0;
}

static bool accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(ps);
	if (strncmp(ps->p, tok, n))
		return false;
	ps->p += n;
	return true;
}

static int expression(struct parser *ps);

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int call(struct parser *ps, const char *name, size_t len)
{
	for (size_t f = 0; f < ARRAY_SIZE(funcs); f++) {
		if (strlen(funcs[f].name) != len || strncmp(funcs[f].name, name, len))
			continue;
		for (int a = 0; a < funcs[f].args; a++) {
			if (a && !accept(ps, ","))
				return fail(ps, "expected ',' and argument %s", a == 1 ? "2" : "3");
			if (expression(ps))
				return ps->rc;
		}
		if (!accept(ps, ")"))
			return fail(ps, "expected ')' after the arguments of %s", funcs[f].name);
		return emit(ps, funcs[f].op, 0, 0, funcs[f].args);
	}
	{
		char fn[64];
		snprintf(fn, sizeof(fn), "%.*s", (int)len, name);
		return fail(ps, "unknown function '%s' (log1p, exp, abs, sqrt, min, max, div)", fn);
	}
}

static int primary(struct parser *ps)
{
	skip_space(ps);
	if (++ps->nest > EXPR_MAX_DEPTH)
		return fail(ps, "%s", "the expression nests too deeply");
	if (accept(ps, "(")) {
		if (expression(ps))
			return ps->rc;
		if (!accept(ps, ")"))
			return fail(ps, "%s", "expected ')'");
	} else if (isdigit((unsigned char)*ps->p) || (*ps->p == '.' && isdigit((unsigned char)ps->p[1]))) {
		const char *s = ps->p;
		char num[64];
		while (isdigit((unsigned char)*ps->p) || *ps->p == '.')
			ps->p++;
		if ((*ps->p == 'e' || *ps->p == 'E') &&
		    (isdigit((unsigned char)ps->p[1]) ||
		     ((ps->p[1] == '+' || ps->p[1] == '-') && isdigit((unsigned char)ps->p[2])))) {
			ps->p += 2;
			while (isdigit((unsigned char)*ps->p))
				ps->p++;
		}
		if ((size_t)(ps->p - s) >= sizeof(num))
			return fail(ps, "%s", "a number too long");
		memcpy(num, s, (size_t)(ps->p - s));
		num[ps->p - s] = 0;
		char *end;
		double v = strtod(num, &end);
		if (*end) {
			ps->p = s;
			return fail(ps, "'%s' is not a number", num);
		}
		emit(ps, OP_CONST, 0, v, 0);
	} else if (name_start(*ps->p)) {
		const char *s = ps->p;
		size_t len;
		int slot;
		while (name_char(*ps->p))
			ps->p++;
		len = (size_t)(ps->p - s);
		if (accept(ps, "("))
			call(ps, s, len);
		else if ((slot = ps->r->slot(ps->r->ctx, s, len)) < 0) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)len, s);
			ps->p = s;
			return fail(ps, "unknown name '%s'", name);
		} else {
			emit(ps, OP_LOAD, slot, 0, 0);
		}
	} else if (*ps->p == '\'') {
		return fail(ps, "%s", "a string only compares with == or != to a name that takes it");
	} else {
		return fail(ps, "%s", *ps->p ? "expected a number, a name, a function or '('"
					     : "the expression ends where a value was expected");
	}
	ps->nest--;
	return ps->rc;
}

static int unary(struct parser *ps)
{
	skip_space(ps);
	if (*ps->p == '-') {
		ps->p++;
		if (unary(ps))
			return ps->rc;
		return emit(ps, OP_NEG, 0, 0, 1);
	}
	return primary(ps);
}

/* operand { (op_a | op_b) operand }, left-associative: the two levels of + - and * /. */
static int chain(struct parser *ps, int (*operand)(struct parser *), char op_a, enum opcode code_a,
		 char op_b, enum opcode code_b)
{
	if (operand(ps))
		return ps->rc;
	for (;;) {
		enum opcode op;
		skip_space(ps);
		if (*ps->p == op_a)
			op = code_a;
		else if (*ps->p == op_b)
			op = code_b;
		else
			return 0;
		ps->p++;
		if (operand(ps) || emit(ps, op, 0, 0, 2))
			return ps->rc;
	}
}

static int product(struct parser *ps)
{
	return chain(ps, unary, '*', OP_MUL, '/', OP_DIV);
}

static int sum(struct parser *ps)
{
	return chain(ps, product, '+', OP_ADD, '-', OP_SUB);
}

/* 'text' at ps->p as the code of slot's values. */
static int string_code(struct parser *ps, int slot)
{
	const char *s = ++ps->p, *end = strchr(s, '\'');
	double code;

	if (!end)
		return fail(ps, "%s", "the string has no closing quote");
	ps->p = end + 1;
	if (!ps->r->code || ps->r->code(ps->r->ctx, slot, s, (size_t)(end - s), &code) < 0) {
		char str[64];
		snprintf(str, sizeof(str), "%.*s", (int)(end - s), s);
		ps->p = s - 1;
		return fail(ps, "'%s' is not a value this name takes", str);
	}
	return emit(ps, OP_CONST, 0, code, 0);
}

static int comparison(struct parser *ps)
{
	static const struct {
		const char *tok;
		enum opcode op;
	} cmp[] = { { "<=", OP_LE }, { ">=", OP_GE }, { "==", OP_EQ }, { "!=", OP_NE },
		    { "<", OP_LT },  { ">", OP_GT } };
	size_t before = ps->e->n;
	bool lone_name;
	int slot = -1;

	skip_space(ps);
	if (*ps->p == '\'')
		return fail(ps, "%s", "put the name first: name == 'value'");
	if (sum(ps))
		return ps->rc;
	lone_name = ps->e->n == before + 1 && ps->e->ops[before].op == OP_LOAD;
	if (lone_name)
		slot = ps->e->ops[before].slot;
	for (size_t i = 0; i < ARRAY_SIZE(cmp); i++) {
		if (!accept(ps, cmp[i].tok))
			continue;
		skip_space(ps);
		if (*ps->p == '\'') {
			if (!lone_name || (cmp[i].op != OP_EQ && cmp[i].op != OP_NE))
				return fail(ps, "%s", "a string only compares with == or != to a name");
			if (string_code(ps, slot))
				return ps->rc;
		} else if (sum(ps)) {
			return ps->rc;
		}
		return emit(ps, cmp[i].op, 0, 0, 2);
	}
	return 0;
}

static int expression(struct parser *ps)
{
	return comparison(ps);
}

int expr_compile(struct expr *e, const char *text, const struct expr_resolver *r)
{
	struct parser ps = { .text = text, .p = text, .r = r, .e = e };

	memset(e, 0, sizeof(*e));
	if (!expression(&ps)) {
		skip_space(&ps);
		if (*ps.p)
			fail(&ps, "unexpected '%c'", *ps.p);
	}
	if (ps.rc) {
		expr_release(e);
		return ps.rc;
	}
	return 0;
}

/* The operations themselves, one value at a time; both evaluators below apply these. */
static bool is_unary(int op)
{
	return op == OP_NEG || op == OP_LOG1P || op == OP_EXP || op == OP_ABS || op == OP_SQRT;
}

static double apply1(int op, double a)
{
	switch (op) {
	case OP_NEG: return -a;
	case OP_LOG1P: return a > -1 ? log1p(a) : NAN;
	case OP_EXP: return exp(a);
	case OP_ABS: return fabs(a);
	default: return a >= 0 ? sqrt(a) : NAN; /* OP_SQRT */
	}
}

/* b is the left operand, a the right. */
static double apply2(int op, double b, double a)
{
	switch (op) {
	case OP_ADD: return b + a;
	case OP_SUB: return b - a;
	case OP_MUL: return b * a;
	case OP_DIV: return a == 0 ? NAN : b / a;
	case OP_MIN: return isnan(a) || isnan(b) ? NAN : fmin(b, a);
	case OP_MAX: return isnan(a) || isnan(b) ? NAN : fmax(b, a);
	default: break;
	}
	if (isnan(a) || isnan(b))
		return NAN;
	switch (op) {
	case OP_LT: return b < a;
	case OP_LE: return b <= a;
	case OP_GT: return b > a;
	case OP_GE: return b >= a;
	case OP_EQ: return b == a;
	default: return b != a;
	}
}

/* div(x, y, default) */
static double apply_divd(double x, double y, double d)
{
	return isnan(x) || isnan(y) ? NAN : y == 0 ? d : x / y;
}

double expr_eval(const struct expr *e, const double *vals)
{
	double st[EXPR_MAX_DEPTH + 1];
	size_t sp = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct expr_op *o = &e->ops[i];
		if (o->op == OP_CONST) {
			st[sp++] = o->v;
		} else if (o->op == OP_LOAD) {
			st[sp++] = vals[o->slot];
		} else if (o->op == OP_DIVD) { /* st = [.., x, y, default] */
			sp -= 2;
			st[sp - 1] = apply_divd(st[sp - 1], st[sp], st[sp + 1]);
		} else if (is_unary(o->op)) {
			st[sp - 1] = apply1(o->op, st[sp - 1]);
		} else {
			sp--;
			st[sp - 1] = apply2(o->op, st[sp - 1], st[sp]);
		}
	}
	return sp ? st[sp - 1] : NAN;
}

void expr_eval_columns(const struct expr *e, const double *const *cols, size_t n, double *out)
{
	double st[EXPR_MAX_DEPTH + 1][EXPR_BLOCK];

	for (size_t at = 0; at < n; at += EXPR_BLOCK) {
		size_t m = n - at < EXPR_BLOCK ? n - at : EXPR_BLOCK, sp = 0;
		for (size_t i = 0; i < e->n; i++) {
			const struct expr_op *o = &e->ops[i];
			if (o->op == OP_CONST) {
				for (size_t j = 0; j < m; j++)
					st[sp][j] = o->v;
				sp++;
			} else if (o->op == OP_LOAD) {
				memcpy(st[sp++], cols[o->slot] + at, m * sizeof(double));
			} else if (o->op == OP_DIVD) {
				sp -= 2;
				for (size_t j = 0; j < m; j++)
					st[sp - 1][j] = apply_divd(st[sp - 1][j], st[sp][j], st[sp + 1][j]);
			} else if (is_unary(o->op)) {
				for (size_t j = 0; j < m; j++)
					st[sp - 1][j] = apply1(o->op, st[sp - 1][j]);
			} else {
				sp--;
				for (size_t j = 0; j < m; j++)
					st[sp - 1][j] = apply2(o->op, st[sp - 1][j], st[sp][j]);
			}
		}
		for (size_t j = 0; j < m; j++)
			out[at + j] = sp ? st[sp - 1][j] : NAN;
	}
}

void expr_release(struct expr *e)
{
	pp_free(e->ops);
	memset(e, 0, sizeof(*e));
}
