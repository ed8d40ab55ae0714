/* The promotion rule and the moves between stages (promote.h). */
#include "model/promote.h"
#include "core/err.h"
#include "model/model_index.h"
#include "model/model_store.h"
#include "quality/report_store.h"

int model_score_pair(struct lake_fs *fs, const struct config *cfg, const char *a, const char *b,
		     struct eval_scores *sa, struct eval_scores *sb, bool *b_scored)
{
	struct eval_window w;
	struct stored_model ma = { 0 }, mb = { 0 };
	int rc;

	*b_scored = false;
	if ((rc = eval_window_open(&w, fs, cfg)))
		return rc;
	if (!(rc = model_load(fs, a, &ma)))
		rc = eval_window_score(&w, &ma, sa);
	if (!rc && b && !(rc = model_load(fs, b, &mb))) {
		rc = eval_window_score(&w, &mb, sb);
		if (rc == PP_EINVAL) { /* other features: it cannot be scored on this window */
			rc = 0;
		} else if (!rc) {
			*b_scored = true;
		}
	}
	model_release(&ma);
	model_release(&mb);
	eval_window_release(&w);
	return rc;
}

int model_promote(struct lake_fs *fs, const struct config *cfg, const char *version, bool force, const char *by,
		  struct promotion *out)
{
	struct model_index *x = NULL;
	struct indexed_model cand, champ;
	struct eval_scores sc = { 0 }, sh = { 0 };
	bool have_champ, scored = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = model_index_open(&x, cfg)))
		goto out;
	if ((rc = version ? model_index_get(x, version, &cand) : model_index_newest_candidate(x, &cand)))
		goto out;
	if (!strcmp(cand.stage, "champion")) {
		rc = pp_error(PP_EINVAL, "model %s is the champion already", cand.version);
		goto out;
	}
	have_champ = model_index_champion(x, &champ) == 0;
	pp_error_clear();
	if (force) {
		snprintf(out->why, sizeof(out->why), "forced by hand");
	} else {
		if ((rc = quality_gate(fs)) && rc != PP_ENOENT) {
			rc = pp_error_wrap(rc, "not promoted");
			goto out;
		}
		pp_error_clear();
		if (cand.shuffled) {
			rc = pp_error(PP_EINVAL, "not promoted: %s was trained on shuffled labels (a leakage check)",
				      cand.version);
			goto out;
		}
		if ((rc = model_score_pair(fs, cfg, cand.version, have_champ ? champ.version : NULL, &sc, &sh, &scored)))
			goto out;
		double margin = (double)cfg->models_promote_margin / 1000.0;
		if (have_champ && scored && !(sc.pr_auc > sh.pr_auc + margin)) {
			rc = pp_error(PP_EINVAL, "not promoted: %s scores test PR-AUC %.4f on the newest test window "
				      "(%zu rows), the champion %s %.4f; the rule asks for more than %.4f (models.promote_margin)",
				      cand.version, sc.pr_auc, sc.rows, champ.version, sh.pr_auc, sh.pr_auc + margin);
			goto out;
		}
		if (!have_champ)
			snprintf(out->why, sizeof(out->why), "the first champion (test PR-AUC %.4f on %zu rows)", sc.pr_auc,
				 sc.rows);
		else if (!scored)
			snprintf(out->why, sizeof(out->why), "test PR-AUC %.4f; the champion %s was trained on other features",
				 sc.pr_auc, champ.version);
		else
			snprintf(out->why, sizeof(out->why), "test PR-AUC %.4f against the champion %s's %.4f on the same %zu rows",
				 sc.pr_auc, champ.version, sh.pr_auc, sc.rows);
	}
	if ((rc = model_index_promote(x, cand.version, by, out->why)))
		goto out;
	snprintf(out->version, sizeof(out->version), "%s", cand.version);
	if (have_champ)
		snprintf(out->replaced, sizeof(out->replaced), "%s", champ.version);
out:
	model_index_close(x);
	return rc;
}

int model_rollback(const struct config *cfg, const char *by, struct promotion *out)
{
	struct model_index *x = NULL;
	struct indexed_model champ;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = model_index_open(&x, cfg)))
		goto out;
	if (model_index_champion(x, &champ) == 0)
		snprintf(out->replaced, sizeof(out->replaced), "%s", champ.version);
	pp_error_clear();
	if ((rc = model_index_rollback(x, by, out->version, sizeof(out->version))))
		goto out;
	snprintf(out->why, sizeof(out->why), "rolled back");
out:
	model_index_close(x);
	return rc;
}
