/*
 * default_suites.h - the expectation suites that ship with the project, one per table the
 * ETL writes; `ppredict check --print-suite TABLE` prints one to start a custom suite from.
 */
#ifndef PP_DEFAULT_SUITES_H
#define PP_DEFAULT_SUITES_H

#include "core/common.h"

struct default_suite {
	const char *table;
	const char *text; /* YAML */
};

extern const struct default_suite default_suites[];
extern const size_t default_suites_n;

#endif
