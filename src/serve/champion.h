/*
 * champion.h - the model the server predicts with: the registry's champion, loaded into the
 * native engine, and swapped for a new one without a restart.
 *
 * A watcher thread asks the registry (models.index) every models.reload for its champion;
 * a new version is loaded beside the old one and swapped in atomically. A request takes a
 * reference (champion_acquire) and keeps the model it started with until it lets go
 * (champion_release): the old model is freed when its last request ends. A model whose
 * feature registry hash is not the server's (or that was trained on a table's own
 * columns) is refused with the reason kept for GET /v1/model and the log; the model
 * served before stays.
 */
#ifndef PP_CHAMPION_H
#define PP_CHAMPION_H

#include "model/forest.h"
#include "model/model_store.h"

#include <jansson.h>

struct server;

#define CHAMPION_MAX_FEATURES 256 /* a model with more is refused */

struct served_model {
	int refs;                 /* the holder's and each request's */
	struct stored_model m;    /* version, meta.json, features, calibration (no booster) */
	struct forest forest;
	double threshold;
	int64_t loaded_ms;
	json_t *report;           /* report.json (curves, calibration, importance), or NULL */
};

/* Loads the champion, if any (a refused one is logged, not fatal), and starts watching. */
int champion_start(struct server *s);
void champion_stop(struct server *s);

/* The model now, with a reference (NULL: none); give it back with champion_release. */
struct served_model *champion_acquire(struct server *s);
void champion_release(struct served_model *m);

/* The probability of one feature vector (the registry's order, which is the model's: the
 * hashes agree; NaN missing), calibrated. */
double champion_predict(const struct served_model *m, const double *vec);
/* Its top k reasons (TreeSHAP), *n of them, and the expected margin they start from. */
int champion_explain(const struct served_model *m, const double *vec, size_t k, struct forest_reason *why,
		     size_t *n, double *expected);

/* What GET /v1/model shows: the model served (or null), the last refusal, the counters. */
json_t *champion_status(struct server *s);

/* Checks the registry now instead of at the next tick (tests, an admin's promote). */
void champion_poke(struct server *s);

#endif
