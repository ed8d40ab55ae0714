/*
 * suite.h - expectation suites: the checks a lake table must pass, declared with Great
 * Expectations' names and semantics so that existing suites port (its JSON suite files
 * load as they are; YAML is the same shape). See docs/internals/quality.md.
 *
 *   expectation_suite_name: fact_sessions
 *   table: curated/fact_sessions
 *   expectations:
 *     - expectation_type: expect_column_values_to_be_between
 *       kwargs: {column: events, min_value: 1, max_value: 5000, mostly: 0.999}
 *       meta: {severity: warn}          # error (the default) stops a pipeline
 *
 * Column-map expectations skip nulls (but expect_column_values_to_not_be_null) and pass
 * when at least `mostly` of the other values pass.
 */
#ifndef PP_SUITE_H
#define PP_SUITE_H

#include "core/common.h"

#include <jansson.h>
#include <regex.h>

enum expect_kind {
	EXP_COLUMN_EXISTS,
	EXP_NOT_NULL,
	EXP_BETWEEN,
	EXP_IN_SET,
	EXP_UNIQUE,
	EXP_MATCH_REGEX,
	EXP_OF_TYPE,
	EXP_ROW_COUNT,
	EXP_COLUMNS_ORDERED,
	EXP_MEAN_BETWEEN,
	EXP_UNIQUE_PROPORTION,
	EXP_MAX_AGE,
	EXP__COUNT
};

struct expectation {
	enum expect_kind kind;
	const char *column; /* in config */
	/* bounds: numbers as written; for date and timestamp columns, texts parsed per column */
	json_t *min, *max;
	bool strict_min, strict_max;
	json_t *set;          /* value_set, column_list */
	const char *type;     /* type_ */
	regex_t re;
	bool have_re;
	double mostly;        /* 1 unless given */
	int64_t max_age_ms;
	bool error;           /* severity error (else warn) */
	json_t *config;       /* the expectation as written: expectation_type, kwargs, meta */
};

struct suite {
	char *name, *table, *file;
	json_t *root;
	struct expectation *e;
	size_t n;
};

/* GE's name of a kind, and the kind of a name (-1: unknown). */
const char *expect_kind_name(enum expect_kind k);
int expect_kind_of(const char *name);
/* Whether the kind checks values one by one (and so takes `mostly`). */
bool expect_kind_is_map(enum expect_kind k);

/* Parses a suite from text; errors name the file and the expectation and field. */
int suite_parse(struct suite *s, const char *file, const char *text, size_t len);
void suite_release(struct suite *s);

#endif
