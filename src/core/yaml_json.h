/*
 * yaml_json.h - a YAML document (or JSON, which YAML reads too) as a jansson tree, for
 * definition files whose shape is checked field by field afterwards (expectation suites).
 *
 * Plain scalars are typed as YAML 1.2's core schema does: true/false, null/~, integers,
 * floats; quoted scalars stay strings. Anchors and aliases are not supported.
 */
#ifndef PP_YAML_JSON_H
#define PP_YAML_JSON_H

#include "core/common.h"

#include <jansson.h>

/* Parses text; errors name file, line and column. */
int yaml_to_json(const char *file, const char *text, size_t len, json_t **out);

#endif
