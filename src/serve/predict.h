/*
 * predict.h - one prediction as the API makes it: the request's keys read from the online
 * store (or its features given outright), the champion's probability, and the reasons.
 * Shared by POST /v1/predict and /v1/predict/batch (serve/predict.c, predict_batch.c).
 */
#ifndef PP_PREDICT_H
#define PP_PREDICT_H

#include "core/buf.h"
#include "features/registry.h"
#include "serve/champion.h"

#include <jansson.h>

struct server;
struct http_request;

/* What to predict for. */
struct predict_input {
	struct span key[ENT__COUNT]; /* per enum entity_kind; len 0: none */
	int64_t at;                  /* the features' time (ms) */
	bool explain;
	int top;                     /* reasons when explaining */
	/* features given outright, by registry slot (NaN: missing); given[slot] when set */
	double *value;
	bool *given;
	size_t ngiven;
};

/* Why a request (or a batch row) cannot be answered: the API's error shape. */
struct predict_error {
	int status;
	const char *code;
	char field[64];
	char message[600];
};

/* Room for one input's feature values (registry_vector_size each). */
int predict_input_init(struct predict_input *in, const struct feature_registry *r);
void predict_input_release(struct predict_input *in);
/* Back to empty, keeping the room. */
void predict_input_reset(struct predict_input *in, int64_t now);

/* A request object's fields into in: keys, at, explain, top, features. False with err set
 * (status 400, the field named) when one is unknown or of the wrong type. */
bool predict_parse_json(const struct feature_registry *r, const json_t *o, struct predict_input *in,
			struct predict_error *err);
/* A feature's value given by name (a batch's CSV cell); false when the name is not a
 * feature (err set). */
bool predict_set_feature(const struct feature_registry *r, struct predict_input *in, const char *name,
			 double v, struct predict_error *err);

/* The prediction as a JSON object appended to out; false with err set (404 unknown
 * session, 503 no store, ...). vec: registry_vector_size scratch. */
bool predict_one(struct server *s, const struct served_model *m, const struct predict_input *in,
		 double *vec, struct buf *out, double *probability, struct predict_error *err);

/* The probability for the online store's rows of these keys as of at (the live path's
 * prediction after an event; an item without its category reads the category it was last
 * seen in, as predict_one does); false when the store cannot be read. vec: scratch. */
bool predict_keys(struct server *s, const struct served_model *m, const struct span key[ENT__COUNT], int64_t at,
		  double *vec, double *probability);

/* Sets an HTTP error response from err. */
int predict_http_error(struct http_request *req, const struct predict_error *err);

#endif
