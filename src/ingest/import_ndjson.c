/*
 * import_ndjson.c - canonical events, one JSON object per line (what the collector takes
 * and `ppredict lake cat` prints). Parsing and validation are the event model's; the
 * line loop is in import.c.
 */
#include "ingest/import.h"

const struct import_format import_ndjson = {
	.name = "ndjson",
	.csv = false,
};
