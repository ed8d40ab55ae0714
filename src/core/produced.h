/*
 * produced.h - what a command wrote, told to the pipeline that started it: when
 * $PPREDICT_PRODUCED names a file, each table commit, model and promotion appends one JSON
 * line to it ({"table":"processed/events","version":4}, {"model":"v..."}). Outside the
 * pipeline the variable is unset and nothing is written.
 */
#ifndef PP_PRODUCED_H
#define PP_PRODUCED_H

#include "core/common.h"

#define PRODUCED_ENV "PPREDICT_PRODUCED"

/* Appends {"<key>":"<value>"} (or with "version":N when version >= 0). Best effort: a
 * failure to note is logged, never the command's failure. */
void produced_note(const char *key, const char *value, int64_t version);

#endif
