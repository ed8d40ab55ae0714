/*
 * matrix.h - a training matrix in memory: features/training_set.matrix as the feature store
 * writes it (PPMATRIX2, see features/builder.h), checked section by section. The matrix
 * owns one buffer holding the file; the arrays point into it.
 */
#ifndef PP_MATRIX_H
#define PP_MATRIX_H

#include "core/buf.h"
#include "lake/lake_fs.h"

struct train_matrix {
	size_t rows, cols;
	char **names;          /* cols feature names */
	char registry[17];     /* the feature registry's hash ("" when absent) */
	const float *labels;   /* rows: 0 or 1 */
	const int64_t *ts;     /* rows: ms */
	const uint64_t *group; /* rows: the session's hash */
	const float *values;   /* rows x cols, row-major, NaN missing */
	struct buf file;
};

/* Reads and checks path (a lake path); errors name it and what is wrong. */
int matrix_load(struct train_matrix *m, struct lake_fs *fs, const char *path);
/* The same from bytes already in memory (taken over: b is emptied). */
int matrix_parse(struct train_matrix *m, struct buf *b, const char *name);
void matrix_release(struct train_matrix *m);

#endif
