/* Expectation suites parsed and checked field by field (suite.h). */
#include "quality/suite.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/yaml_json.h"

static const struct {
	const char *name;
	bool column, map;
} kinds[EXP__COUNT] = {
	[EXP_COLUMN_EXISTS] = { "expect_column_to_exist", true, false },
	[EXP_NOT_NULL] = { "expect_column_values_to_not_be_null", true, true },
	[EXP_BETWEEN] = { "expect_column_values_to_be_between", true, true },
	[EXP_IN_SET] = { "expect_column_values_to_be_in_set", true, true },
	[EXP_UNIQUE] = { "expect_column_values_to_be_unique", true, true },
	[EXP_MATCH_REGEX] = { "expect_column_values_to_match_regex", true, true },
	[EXP_OF_TYPE] = { "expect_column_values_to_be_of_type", true, false },
	[EXP_ROW_COUNT] = { "expect_table_row_count_to_be_between", false, false },
	[EXP_COLUMNS_ORDERED] = { "expect_table_columns_to_match_ordered_list", false, false },
	[EXP_MEAN_BETWEEN] = { "expect_column_mean_to_be_between", true, false },
	[EXP_UNIQUE_PROPORTION] = { "expect_column_proportion_of_unique_values_to_be_between", true,
				    false },
	[EXP_MAX_AGE] = { "expect_column_max_to_be_recent", true, false },
};

const char *expect_kind_name(enum expect_kind k)
{
	return kinds[k].name;
}

int expect_kind_of(const char *name)
{
	for (int k = 0; k < EXP__COUNT; k++)
		if (!strcmp(kinds[k].name, name))
			return k;
	return -1;
}

bool expect_kind_is_map(enum expect_kind k)
{
	return kinds[k].map;
}

/* The kwargs each kind takes besides column and mostly (GE's names); NULL-terminated. */
static const char *const *kwargs_of(enum expect_kind k)
{
	static const char *const none[] = { NULL };
	static const char *const bounds[] = { "min_value", "max_value", "strict_min", "strict_max", NULL };
	static const char *const set[] = { "value_set", NULL };
	static const char *const regex[] = { "regex", NULL };
	static const char *const type[] = { "type_", NULL };
	static const char *const list[] = { "column_list", NULL };
	static const char *const age[] = { "max_age", NULL };

	switch (k) {
	case EXP_BETWEEN:
	case EXP_ROW_COUNT:
	case EXP_MEAN_BETWEEN:
	case EXP_UNIQUE_PROPORTION:
		return bounds;
	case EXP_IN_SET:
		return set;
	case EXP_MATCH_REGEX:
		return regex;
	case EXP_OF_TYPE:
		return type;
	case EXP_COLUMNS_ORDERED:
		return list;
	case EXP_MAX_AGE:
		return age;
	default:
		return none;
	}
}

static bool takes(enum expect_kind k, const char *key)
{
	if (!strcmp(key, "column"))
		return kinds[k].column;
	if (!strcmp(key, "mostly"))
		return kinds[k].map;
	if (!strcmp(key, "result_format") || !strcmp(key, "catch_exceptions"))
		return true; /* GE's presentation switches: accepted, ignored */
	for (const char *const *a = kwargs_of(k); *a; a++)
		if (!strcmp(*a, key))
			return true;
	return false;
}

#define BAD(...) pp_error(PP_EINVAL, __VA_ARGS__)

static bool is_bound(const json_t *v)
{
	return !v || json_is_null(v) || json_is_number(v) || json_is_string(v);
}

static int parse_one(struct suite *s, size_t i, json_t *item, struct expectation *e)
{
	json_t *kw, *meta, *v;
	const char *type, *key, *sev;
	char where[512];
	int k, rc;

	memset(e, 0, sizeof(*e));
	e->mostly = 1;
	e->error = true;
	e->config = item;
	snprintf(where, sizeof(where), "%s: expectations[%zu]", s->file, i);
	if (!json_is_object(item))
		return BAD("%s: expected a mapping with expectation_type and kwargs", where);
	type = json_string_value(json_object_get(item, "expectation_type"));
	if (!type)
		return BAD("%s: expectation_type is missing", where);
	if ((k = expect_kind_of(type)) < 0)
		return BAD("%s: unknown expectation_type '%s'", where, type);
	e->kind = (enum expect_kind)k;
	snprintf(where, sizeof(where), "%s: expectations[%zu] (%s)", s->file, i, type);
	json_object_foreach(item, key, v)
		if (strcmp(key, "expectation_type") && strcmp(key, "kwargs") && strcmp(key, "meta"))
			return BAD("%s: unknown field '%s' (expected expectation_type, kwargs, meta)", where,
				   key);
	kw = json_object_get(item, "kwargs");
	if (kw && !json_is_object(kw))
		return BAD("%s: kwargs: expected a mapping", where);
	json_object_foreach(kw, key, v)
		if (!takes(e->kind, key))
			return BAD("%s: kwargs.%s: not an argument of this expectation", where, key);
	if (kinds[k].column && !(e->column = json_string_value(json_object_get(kw, "column"))))
		return BAD("%s: kwargs.column: expected a column name", where);
	if ((v = json_object_get(kw, "mostly"))) {
		e->mostly = json_number_value(v);
		if (!json_is_number(v) || e->mostly < 0 || e->mostly > 1)
			return BAD("%s: kwargs.mostly: expected a number from 0 to 1", where);
	}
	e->min = json_object_get(kw, "min_value");
	e->max = json_object_get(kw, "max_value");
	if (!is_bound(e->min) || !is_bound(e->max))
		return BAD("%s: kwargs.min_value and max_value: expected numbers (or dates as text)", where);
	if (json_is_null(e->min))
		e->min = NULL;
	if (json_is_null(e->max))
		e->max = NULL;
	if (kwargs_of(e->kind)[0] && !strcmp(kwargs_of(e->kind)[0], "min_value") && !e->min && !e->max)
		return BAD("%s: kwargs: give min_value, max_value or both", where);
	e->strict_min = json_is_true(json_object_get(kw, "strict_min"));
	e->strict_max = json_is_true(json_object_get(kw, "strict_max"));
	switch (e->kind) {
	case EXP_IN_SET:
	case EXP_COLUMNS_ORDERED:
		e->set = json_object_get(kw, e->kind == EXP_IN_SET ? "value_set" : "column_list");
		if (!json_is_array(e->set))
			return BAD("%s: kwargs.%s: expected a list", where,
				   e->kind == EXP_IN_SET ? "value_set" : "column_list");
		break;
	case EXP_MATCH_REGEX: {
		const char *re = json_string_value(json_object_get(kw, "regex"));
		char msg[128];
		if (!re)
			return BAD("%s: kwargs.regex: expected a regular expression", where);
		if ((rc = regcomp(&e->re, re, REG_EXTENDED | REG_NOSUB))) {
			regerror(rc, &e->re, msg, sizeof(msg));
			return BAD("%s: kwargs.regex: '%s' is not a POSIX extended regular expression: %s",
				   where, re, msg);
		}
		e->have_re = true;
		break;
	}
	case EXP_OF_TYPE:
		if (!(e->type = json_string_value(json_object_get(kw, "type_"))))
			return BAD("%s: kwargs.type_: expected a type name", where);
		break;
	case EXP_MAX_AGE: {
		const char *age = json_string_value(json_object_get(kw, "max_age"));
		if (!age || parse_duration_ms(age, strlen(age), &e->max_age_ms) || e->max_age_ms <= 0)
			return BAD("%s: kwargs.max_age: expected a duration such as 36h or 7d", where);
		break;
	}
	default:
		break;
	}
	meta = json_object_get(item, "meta");
	if (meta && !json_is_object(meta))
		return BAD("%s: meta: expected a mapping", where);
	if ((sev = json_string_value(json_object_get(meta, "severity")))) {
		if (strcmp(sev, "error") && strcmp(sev, "warn"))
			return BAD("%s: meta.severity: expected error or warn, got '%s'", where, sev);
		e->error = !strcmp(sev, "error");
	} else if (json_object_get(meta, "severity")) {
		return BAD("%s: meta.severity: expected error or warn", where);
	}
	return 0;
}

int suite_parse(struct suite *s, const char *file, const char *text, size_t len)
{
	json_t *list, *v;
	const char *key, *name, *table;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!(s->file = pp_strdup(file)))
		return PP_ENOMEM;
	if ((rc = yaml_to_json(file, text, len, &s->root)))
		return rc;
	if (!json_is_object(s->root))
		return BAD("%s: expected a mapping with expectation_suite_name, table, expectations", file);
	json_object_foreach(s->root, key, v)
		if (strcmp(key, "expectation_suite_name") && strcmp(key, "table") &&
		    strcmp(key, "expectations") && strcmp(key, "meta") && strcmp(key, "data_asset_type") &&
		    strcmp(key, "ge_cloud_id"))
			return BAD("%s: unknown field '%s' (expected expectation_suite_name, table, "
				   "expectations, meta)", file, key);
	name = json_string_value(json_object_get(s->root, "expectation_suite_name"));
	table = json_string_value(json_object_get(s->root, "table"));
	if (!name)
		return BAD("%s: expectation_suite_name: expected a name", file);
	if (!table)
		return BAD("%s: table: expected the lake table the suite checks (e.g. curated/fact_sessions)",
			   file);
	if (!(s->name = pp_strdup(name)) || !(s->table = pp_strdup(table)))
		return PP_ENOMEM;
	list = json_object_get(s->root, "expectations");
	if (!json_is_array(list))
		return BAD("%s: expectations: expected a list", file);
	s->e = pp_calloc(json_array_size(list) + 1, sizeof(*s->e));
	if (!s->e)
		return PP_ENOMEM;
	for (size_t i = 0; i < json_array_size(list); i++, s->n++)
		if ((rc = parse_one(s, i, json_array_get(list, i), &s->e[i])))
			return rc;
	return 0;
}

void suite_release(struct suite *s)
{
	for (size_t i = 0; i <= s->n && s->e; i++)
		if (s->e[i].have_re)
			regfree(&s->e[i].re);
	pp_free(s->e);
	pp_free(s->name);
	pp_free(s->table);
	pp_free(s->file);
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
}
