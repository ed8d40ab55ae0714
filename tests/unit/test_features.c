/* The feature definitions: the expression language. */
#include "core/err.h"
#include "core/mem.h"
#include "features/expr.h"
#include "features/registry.h"
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

static void bad_registry(const char *text, const char *message)
{
	struct feature_registry r;

	if (!registry_parse(&r, "repo.yaml", text, strlen(text)))
		test_fail(__FILE__, __LINE__, "accepted: %s", text);
	if (!strstr(pp_errmsg(), message))
		test_fail(__FILE__, __LINE__, "error '%s' lacks '%s'", pp_errmsg(), message);
	registry_release(&r);
}

#define VIEW "feature_views:\n  - name: s\n    entity: session\n    window: session\n    features:\n"

TEST(registry_default_loads)
{
	struct feature_registry r;
	double *vec;

	CHECK_INT(registry_default(&r), 0);
	CHECK_INT(r.nviews, 4);
	CHECK(r.nfeatures > 30);
	CHECK_INT(r.nfeatures, r.views[0].n + r.views[1].n + r.views[2].n + r.views[3].n + r.nod);
	CHECK_INT(r.views[3].entity, ENT_CATEGORY);
	CHECK_STR(r.names[0], "s_events");
	CHECK_INT(strlen(r.views[0].hash), 16);
	/* on-demand features over a vector: s_cart_rate = s_carts / (s_views + 1) */
	CHECK((vec = pp_calloc(registry_vector_size(&r), sizeof(double))) != NULL);
	for (size_t i = 0; i < r.nfeatures; i++)
		vec[i] = NAN;
	vec[1] = 9;  /* s_views */
	vec[2] = 2;  /* s_carts */
	vec[r.nfeatures + REQ_HOUR] = 21;
	registry_on_demand(&r, vec);
	for (size_t i = 0; i < r.nod; i++) {
		if (!strcmp(r.od[i].name, "s_cart_rate"))
			CHECK_NEAR(vec[r.od[i].slot], 0.2, 1e-15);
		if (!strcmp(r.od[i].name, "hour_of_day"))
			CHECK_NEAR(vec[r.od[i].slot], 21, 0);
		if (!strcmp(r.od[i].name, "v_purchase_rate"))
			CHECK(isnan(vec[r.od[i].slot])); /* from missing values */
	}
	pp_free(vec);
	registry_release(&r);
}

TEST(registry_hashes_follow_definitions)
{
	const char *a = VIEW "      - {name: n, agg: count}\n";
	const char *b = VIEW "      - {name: n, agg: count, where: \"event == 'view'\"}\n";
	const char *a2 = "feature_views:\n  - {features: [{agg: count, name: n}], window: session, entity: session, name: s}\n";
	struct feature_registry ra, rb, ra2;

	CHECK_INT(registry_parse(&ra, "a", a, strlen(a)), 0);
	CHECK_INT(registry_parse(&rb, "b", b, strlen(b)), 0);
	CHECK_INT(registry_parse(&ra2, "a2", a2, strlen(a2)), 0);
	CHECK(strcmp(ra.views[0].hash, rb.views[0].hash));
	CHECK_STR(ra.views[0].hash, ra2.views[0].hash); /* the same definition, written otherwise */
	registry_release(&ra);
	registry_release(&rb);
	registry_release(&ra2);
}

TEST(registry_errors_name_view_and_feature)
{
	bad_registry("feature_views: []\n", "repo.yaml: feature_views: expected a list of views");
	bad_registry("views: []\n", "repo.yaml: unknown field 'views'");
	bad_registry(VIEW "      - {name: n, agg: average}\n",
		     "feature view s: feature n: agg: expected count, sum");
	bad_registry(VIEW "      - {name: n, agg: sum}\n", "feature view s: feature n: field: expected one of ts");
	bad_registry(VIEW "      - {name: n, agg: sum, field: item_id}\n",
		     "feature n: field: item_id is an identifier: only count_distinct takes it");
	bad_registry(VIEW "      - {name: n, agg: count, field: price}\n", "feature n: field: count takes none");
	bad_registry(VIEW "      - {name: n, agg: count, where: \"event == 'buy'\"}\n",
		     "feature n: where 'event == 'buy'': column 10: 'buy' is not a value this name takes");
	bad_registry(VIEW "      - {name: n, agg: count, where: \"item_id == 3\"}\n", "unknown name 'item_id'");
	bad_registry(VIEW "      - {name: n, agg: count}\n      - {name: n, agg: count}\n",
		     "feature n: the name is taken by another feature");
	bad_registry(VIEW "      - {name: 2n, agg: count}\n", "name: expected letters, digits and _");
	bad_registry(VIEW "      - {name: n, agg: count, colour: red}\n", "feature n: unknown field 'colour'");
	bad_registry("feature_views:\n  - {name: v, entity: visitor, window: session, features: [{name: n, agg: count}]}\n",
		     "feature view v: window: session is a window of the session entity only");
	bad_registry("feature_views:\n  - {name: v, entity: shop, window: 7d, features: [{name: n, agg: count}]}\n",
		     "feature view v: entity: expected session, visitor, item or category, got 'shop'");
	bad_registry("feature_views:\n  - {name: v, entity: item, window: 7d, ttl: soon, features: [{name: n, agg: count}]}\n",
		     "feature view v: ttl: expected a duration");
	bad_registry("feature_views:\n  - {name: v, entity: item, window: 7d, source: s3://x, features: [{name: n, agg: count}]}\n",
		     "source: only processed/events");
	bad_registry(VIEW "      - {name: n, agg: count}\non_demand_features:\n  - {name: r, expr: \"n / m\"}\n",
		     "on-demand feature r: expr 'n / m': column 5: unknown name 'm'");
	bad_registry(VIEW "      - {name: n, agg: count}\non_demand_features:\n  - {name: r, expr: \"r + 1\"}\n",
		     "on-demand feature r: expr 'r + 1': column 1: unknown name 'r'");
	bad_registry(VIEW "      - {name: n, agg: count}\non_demand_features:\n  - {name: n, expr: \"1\"}\n",
		     "on-demand feature n: the name is taken");
	bad_registry("entities:\n  - {name: session, join_key: sid}\n" VIEW "      - {name: n, agg: count}\n",
		     "entity session: join_key is session_id");
}
