/* The feature definitions: the expression language. */
#include "core/err.h"
#include "features/expr.h"
#include "unit/test.h"

static const char *const names[] = { "n_view", "n_cart", "price", "event" };

static int slot_of(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && !strncmp(names[i], name, len))
			return (int)i;
	return -1;
}

static int code_of(void *ctx, int slot, const char *s, size_t len, double *out)
{
	static const char *const types[] = { "view", "addtocart", "removefromcart", "transaction" };

	(void)ctx;
	if (slot != 3)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == len && !strncmp(types[i], s, len)) {
			*out = (double)i;
			return 0;
		}
	return -1;
}

static const struct expr_resolver resolver = { slot_of, code_of, NULL };

static double eval(const char *text, const double *vals)
{
	struct expr e;
	double v;

	if (expr_compile(&e, text, &resolver))
		test_fail(__FILE__, __LINE__, "'%s' does not compile: %s", text, pp_errmsg());
	v = expr_eval(&e, vals);
	expr_release(&e);
	return v;
}

static void bad(const char *text, const char *message)
{
	struct expr e;

	if (!expr_compile(&e, text, &resolver))
		test_fail(__FILE__, __LINE__, "'%s' compiled", text);
	if (!strstr(pp_errmsg(), message))
		test_fail(__FILE__, __LINE__, "'%s': error '%s' lacks '%s'", text, pp_errmsg(), message);
}

TEST(expr_evaluates)
{
	const double v[] = { 4, 1, NAN, 1 }; /* n_view, n_cart, price (missing), event = addtocart */

	CHECK_NEAR(eval("n_cart / (n_view + 1)", v), 0.2, 1e-15);
	CHECK_NEAR(eval("1 + 2 * 3", v), 7, 0);
	CHECK_NEAR(eval("(1 + 2) * 3", v), 9, 0);
	CHECK_NEAR(eval("-2 * -3", v), 6, 0);
	CHECK_NEAR(eval("2 - 3 - 4", v), -5, 0);
	CHECK_NEAR(eval("8 / 2 / 2", v), 2, 0);
	CHECK_NEAR(eval("1e3 + .5", v), 1000.5, 0);
	CHECK(isnan(eval("n_cart / 0", v)));
	CHECK(isnan(eval("n_cart / (n_view - 4)", v)));
	CHECK_NEAR(eval("div(n_cart, n_view - 4, -1)", v), -1, 0);
	CHECK_NEAR(eval("div(n_cart, n_view, 0)", v), 0.25, 0);
	CHECK_NEAR(eval("log1p(n_view)", v), log(5), 1e-15);
	CHECK_NEAR(eval("exp(0) + abs(-2.5) + sqrt(16)", v), 7.5, 0);
	CHECK(isnan(eval("sqrt(-1)", v)));
	CHECK_NEAR(eval("min(3, n_view) + max(n_view, n_cart)", v), 7, 0);
	CHECK_NEAR(eval("n_view > 3", v), 1, 0);
	CHECK_NEAR(eval("n_view >= 4", v), 1, 0);
	CHECK_NEAR(eval("n_view < 4", v), 0, 0);
	CHECK_NEAR(eval("n_view <= 3", v), 0, 0);
	CHECK_NEAR(eval("n_view == 4", v), 1, 0);
	CHECK_NEAR(eval("n_view != 4", v), 0, 0);
	CHECK_NEAR(eval("event == 'addtocart'", v), 1, 0);
	CHECK_NEAR(eval("event != 'view'", v), 1, 0);
	CHECK_NEAR(eval("(event == 'view') + (n_cart > 0) * 2", v), 2, 0);
	/* a missing value spreads */
	CHECK(isnan(eval("price * 2", v)));
	CHECK(isnan(eval("price > 1", v)));
	CHECK(isnan(eval("min(price, 1)", v)));
	CHECK(isnan(eval("div(price, 0, 1)", v)));
	CHECK_NEAR(eval("  log1p ( n_view )  ", v), log(5), 1e-15);
}

TEST(expr_errors_say_where)
{
	bad("n_cart / (n_view + 1", "column 21: expected ')'");
	bad("foo + 1", "column 1: unknown name 'foo'");
	bad("bar(1)", "unknown function 'bar'");
	bad("1 +", "the expression ends where a value was expected");
	bad("", "the expression ends where a value was expected");
	bad("'view' == event", "put the name first");
	bad("event == 'buy'", "'buy' is not a value this name takes");
	bad("n_view == 'view'", "'view' is not a value this name takes");
	bad("event < 'view'", "a string only compares with == or != to a name");
	bad("event == 'view", "no closing quote");
	bad("1 2", "column 3: unexpected '2'");
	bad("min(1)", "expected ',' and argument 2");
	bad("log1p(1, 2)", "expected ')' after the arguments of log1p");
	bad("1 $ 2", "unexpected '$'");
	bad("((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))", "nests too deeply");
	bad("1..2", "'1..2' is not a number");
}
