/*
 * validate.h - a suite run against its lake table: one pass over the rows for all the
 * expectations, and a result shaped like Great Expectations' validation result (success,
 * statistics, per expectation its config, observed value or unexpected counts and a
 * sample of unexpected values).
 */
#ifndef PP_VALIDATE_H
#define PP_VALIDATE_H

#include "lake/lake_fs.h"
#include "quality/suite.h"

#define UNEXPECTED_SAMPLE 20 /* values in partial_unexpected_list */

struct suite_outcome {
	size_t evaluated, succeeded;
	size_t failed_errors, failed_warnings; /* by severity */
	int64_t version;                      /* of the table checked */
	uint64_t rows;
};

/* Checks s->table at `version` (-1: the latest); now_ms is the time freshness is measured
 * against. *result is the JSON (the caller's reference). A missing table is an error; a
 * missing column fails the expectations that need it. */
int suite_validate(const struct suite *s, struct lake_fs *fs, int64_t version, int64_t now_ms,
		   json_t **result, struct suite_outcome *out);

#endif
