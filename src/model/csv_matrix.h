/*
 * csv_matrix.h - a training matrix from a CSV (or Parquet) file of the user's own (`ppredict
 * train --label COL FILE.csv`), so the trainer is useful beyond the feature store: every column
 * but the label (and the time and group columns, when named) is a feature; numbers as they
 * are, other text as a code per distinct value (in order of first appearance: trees split
 * on them), true/false as 1/0, empty or NA missing. The label takes 1/0, true/false,
 * yes/no. With a time column the split is by time; without, rows are shuffled (seeded) and
 * the shares taken in that order, a random split. A group column keeps its rows on one side.
 */
#ifndef PP_CSV_MATRIX_H
#define PP_CSV_MATRIX_H

#include "model/matrix.h"

struct csv_matrix_opts {
	const char *label, *time, *group; /* time, group: NULL for none */
	uint64_t seed;
};

/* Errors name the file, the line and the column. */
int matrix_from_csv(struct train_matrix *m, const char *file, const struct csv_matrix_opts *o);
/* A Parquet file (flat; ZSTD or uncompressed), read into the rows a CSV of it would hold
 * (times in epoch ms, dates as YYYY-MM-DD, flags true/false) and taken by the same rules;
 * a line in an error is a row's number plus one. */
int matrix_from_parquet(struct train_matrix *m, const char *file, const struct csv_matrix_opts *o);

#endif
