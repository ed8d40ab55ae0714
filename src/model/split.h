/*
 * split.h - a training matrix's rows cut by time into training, validation and test, as
 * a model would meet them: the last test_share of the time span is the test window, the
 * valid_share before it validation, the rest training. A session goes whole to the part of
 * its first row, so none is on both sides of a cut.
 */
#ifndef PP_SPLIT_H
#define PP_SPLIT_H

#include "model/matrix.h"

enum part { PART_TRAIN, PART_VALID, PART_TEST, PART__COUNT };

struct split {
	uint8_t *part;          /* per row */
	size_t n[PART__COUNT], positives[PART__COUNT];
	int64_t t_min, t_valid, t_test, t_max; /* the cuts: valid from t_valid, test from t_test */
};

int split_by_time(const struct train_matrix *m, double valid_share, double test_share, struct split *s);
void split_release(struct split *s);

/* One part's rows, side by side: *x (n x cols floats) and *y (their labels from `labels`,
 * or the matrix's when NULL), both the caller's to free; *n their count. */
int split_gather(const struct train_matrix *m, const struct split *s, const float *labels, enum part which,
		 float **x, float **y, size_t *n);

const char *part_name(enum part p);

#endif
