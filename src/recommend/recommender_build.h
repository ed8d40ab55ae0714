/*
 * recommender_build.h - the two ways a recommender is built: from the lake's curated tables
 * (item_item, agg_item_stats, dim_item: what serving uses), and from the events of a time
 * window alone (the offline evaluation, so that the window it is tested on taught it
 * nothing).
 */
#ifndef PP_RECOMMENDER_BUILD_H
#define PP_RECOMMENDER_BUILD_H

#include "features/event_table.h"
#include "recommend/recommender.h"

struct lake_fs;

/* PP_ENOENT (with a message) when the ETL has not made the tables yet. */
int recommender_from_lake(struct recommender **out, struct lake_fs *fs);

/* The sessions of t that start before `before` (their pairs, the items' counts and
 * categories). */
int recommender_from_events(struct recommender **out, struct event_table *t, int64_t before);

/* Per session (by dense session id), its events' rows in time order: the sessions' rows
 * rows[first[s] .. first[s + 1]); first has t->strings.count + 1 entries. */
int event_table_sessions(struct event_table *t, uint32_t **first, uint32_t **rows);

#endif
