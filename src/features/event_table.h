/*
 * event_table.h - processed/events in memory for replays (training sets, materializing):
 * every id interned once (a dense number per distinct string, the feature engine's ids)
 * and an order by time.
 */
#ifndef PP_EVENT_TABLE_H
#define PP_EVENT_TABLE_H

#include "core/numsort.h"
#include "core/strmap.h"
#include "features/engine.h"
#include "lake/lake_fs.h"

struct event_table {
	struct strmap strings; /* slot values: the dense ids */
	int64_t *ts;
	const char **visitor, **session, **item, **category; /* into strings ("" for none) */
	int64_t (*ids)[EK__COUNT];                           /* -1 for none */
	uint8_t *type;                                       /* enum event_type */
	double *price;                                       /* NAN: none */
	char (*date)[11];
	size_t n, cap;
	struct radix_rec *order, *tmp;
};

/* The rows of processed/events with event_date up to `to` ("" all); *version gets the
 * table's version. */
int event_table_read(struct lake_fs *fs, const char *to, struct event_table *t, int64_t *version);
/* Positions in time order (value: the row); ties keep the table's order, which within a
 * session is the session's. NULL when out of memory. */
const struct radix_rec *event_table_by_time(struct event_table *t);
/* The strings by dense id (an array of t->strings.count), NULL when out of memory. */
const char **event_table_names(const struct event_table *t);
void event_table_release(struct event_table *t);

#endif
