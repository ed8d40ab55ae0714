/*
 * outliers.h - visitors who do not browse like people (bots, broken trackers), found on
 * robust statistics of their sessions in curated/fact_sessions, written to
 * curated/visitor_outliers so that training leaves them out by default while the lake
 * keeps their events.
 *
 * Per visitor: the peak events per minute of a session, views per session and distinct
 * items per session, each on a log scale (log1p: the counts are heavy-tailed). Each gets
 * the modified z-score of Iglewicz and Hoaglin, 0.6745 (x - median) / MAD (with the mean
 * absolute deviation times 1.2533 when the MAD is 0); a visitor is flagged when all three
 * scores exceed the threshold: one high number is a keen shopper, all three at once a
 * crawler. The default, 6, is above Iglewicz and Hoaglin's 3.5 for normal data because
 * people's long sessions reach 4.8 on the simulated shop, whose bots start at 10.4.
 * See docs/internals/quality.md.
 */
#ifndef PP_OUTLIERS_H
#define PP_OUTLIERS_H

#include "lake/lake_fs.h"

#include <jansson.h>

#define OUTLIERS_TABLE "curated/visitor_outliers"
#define OUTLIER_METRICS 3

struct outlier_stats {
	uint64_t visitors, flagged;
	/* per metric: the median (in its units) and the spread of log1p (MAD / 0.6745, or the
	 * fallback) */
	double median[OUTLIER_METRICS], spread[OUTLIER_METRICS];
	/* against the simulator's truth, when the lake has it (else truth_bots is 0) */
	uint64_t truth_bots, true_positives;
};

extern const char *const outlier_metric_names[OUTLIER_METRICS];

/* Scores every visitor of the lake's sessions, writes the flagged ones to
 * OUTLIERS_TABLE (replaced whole) and fills st. */
int outliers_find(struct lake_fs *fs, double threshold, struct outlier_stats *st);

#endif
