/*
 * scheduler.h - which firings of a DAG's schedule are due, and the data interval of each: a
 * firing at F covers [the firing before F, F). At a given now, the firings after the last
 * one scheduled are due: with catchup all of them, oldest first (at most max), without it
 * the newest only; with no run scheduled before, the newest only.
 */
#ifndef PP_SCHEDULER_H
#define PP_SCHEDULER_H

#include "core/common.h"
#include "pipeline/cron.h"

/* The firing before at (the newest strictly before it); -1 when none within 5 years. */
int64_t cron_prev(const struct cron *c, const struct tz *z, int64_t at);

/* Due firings into due[] (ascending); their count. last: the newest firing run before, or
 * -1 for none. */
size_t schedule_due(const struct cron *c, const struct tz *z, int64_t last, int64_t now, bool catchup,
		    int64_t *due, size_t max);

#endif
