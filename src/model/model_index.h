/*
 * model_index.h - the registry of models: every version `ppredict train` wrote, indexed in
 * SQLite (models.index, under the lake's _meta by default) with its stage, candidate,
 * champion (at most one) or archived, and a history of who moved it when and why. The
 * model files themselves stay in the lake (models/<version>/).
 */
#ifndef PP_MODEL_INDEX_H
#define PP_MODEL_INDEX_H

#include "core/config.h"

#include <jansson.h>

struct model_index;

struct indexed_model {
	char version[64], stage[16], created[32], model[96], test_from[32], test_to[32];
	char promoted_at[32], promoted_by[64], feature_registry[17];
	double test_roc_auc, test_pr_auc, threshold;
	bool shuffled;
};

/* models.index of cfg (relative to lake.root, which must then be a local directory). */
int model_index_open(struct model_index **out, const struct config *cfg);
int model_index_open_path(struct model_index **out, const char *path);
void model_index_close(struct model_index *x);

/* A new version from its meta.json, as a candidate. */
int model_index_add(struct model_index *x, const json_t *meta);
/* PP_ENOENT when there is no such version (or no champion). */
int model_index_get(struct model_index *x, const char *version, struct indexed_model *out);
int model_index_champion(struct model_index *x, struct indexed_model *out);
/* The newest candidate. */
int model_index_newest_candidate(struct model_index *x, struct indexed_model *out);
/* Every version, newest first, into fn. */
int model_index_list(struct model_index *x, int (*fn)(void *ctx, const struct indexed_model *m), void *ctx);

/* Makes version the champion (the old one archived), in one transaction, with the history. */
int model_index_promote(struct model_index *x, const char *version, const char *by, const char *why);
/* The champion archived and the one before it champion again; *restored gets its version. */
int model_index_rollback(struct model_index *x, const char *by, char *restored, size_t n);
/* The history of stages, oldest first, as JSON rows. */
json_t *model_index_history(struct model_index *x, const char *version);

#endif
