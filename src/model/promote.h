/*
 * promote.h - the promotion rule and the moves between stages, one way for the CLI
 * (`ppredict models promote|rollback|compare`) and the API (POST /v1/models/...).
 *
 * A candidate becomes the champion when the quality gate passes, its labels were not
 * shuffled, and on the newest test window of the current training matrix its PR-AUC beats
 * the champion's by models.promote_margin thousandths (a champion trained on other
 * features cannot be scored there and does not block). force skips the rule.
 */
#ifndef PP_PROMOTE_H
#define PP_PROMOTE_H

#include "core/config.h"
#include "lake/lake_fs.h"
#include "model/evaluate.h"

struct promotion {
	char version[64];  /* the new champion */
	char replaced[64]; /* the one archived ("" when there was none) */
	char why[300];
};

/* version NULL: the newest candidate. A refusal is PP_EINVAL with the reason. */
int model_promote(struct lake_fs *fs, const struct config *cfg, const char *version, bool force, const char *by,
		  struct promotion *out);
/* The champion archived and the one before it champion again. */
int model_rollback(const struct config *cfg, const char *by, struct promotion *out);

/* Both versions scored on the newest test window; *b_scored false when b was trained on
 * other features (b NULL: only a). */
int model_score_pair(struct lake_fs *fs, const struct config *cfg, const char *a, const char *b,
		     struct eval_scores *sa, struct eval_scores *sb, bool *b_scored);

#endif
