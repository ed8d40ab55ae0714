/* Time splits (split.h). */
#include "model/split.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/numsort.h"

const char *part_name(enum part p)
{
	static const char *const names[] = { "train", "valid", "test" };

	return p < PART__COUNT ? names[p] : "?";
}

int split_by_time(const struct train_matrix *m, double valid_share, double test_share, struct split *s)
{
	struct radix_rec *r = NULL, *tmp = NULL;
	const struct radix_rec *by_group;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (valid_share <= 0 || test_share <= 0 || valid_share + test_share >= 1)
		return pp_error(PP_EINVAL, "split: validation %.2f and test %.2f shares must be above 0 and "
				"leave room for training", valid_share, test_share);
	if (!m->rows)
		return pp_error(PP_EINVAL, "split: the training matrix has no rows");
	if (!(s->part = pp_calloc(m->rows, 1)) || !(r = pp_malloc(m->rows * sizeof(*r))) ||
	    !(tmp = pp_malloc(m->rows * sizeof(*tmp)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	s->t_min = s->t_max = m->ts[0];
	for (size_t i = 0; i < m->rows; i++) {
		s->t_min = m->ts[i] < s->t_min ? m->ts[i] : s->t_min;
		s->t_max = m->ts[i] > s->t_max ? m->ts[i] : s->t_max;
		r[i] = (struct radix_rec){ m->group[i], i };
	}
	double span = (double)(s->t_max - s->t_min);
	s->t_test = s->t_max - (int64_t)(span * test_share);
	s->t_valid = s->t_test - (int64_t)(span * valid_share);
	/* rows by session (stable: the table's order, which is time order, within one) */
	by_group = radix_sort_u64(r, tmp, m->rows, sizeof(*r));
	for (size_t i = 0; i < m->rows;) {
		size_t j = i;
		int64_t first = m->ts[by_group[i].value];
		while (j < m->rows && by_group[j].key == by_group[i].key) {
			if (m->ts[by_group[j].value] < first)
				first = m->ts[by_group[j].value];
			j++;
		}
		enum part p = first >= s->t_test ? PART_TEST : first >= s->t_valid ? PART_VALID : PART_TRAIN;
		for (size_t k = i; k < j; k++) {
			size_t row = by_group[k].value;
			s->part[row] = (uint8_t)p;
			s->n[p]++;
			s->positives[p] += m->labels[row] != 0;
		}
		i = j;
	}
out:
	pp_free(r);
	pp_free(tmp);
	if (rc)
		split_release(s);
	return rc;
}

void split_release(struct split *s)
{
	pp_free(s->part);
	s->part = NULL;
}

int split_gather(const struct train_matrix *m, const struct split *s, const float *labels, enum part which,
		 float **x, float **y, size_t *n)
{
	size_t k = 0;

	*n = s->n[which];
	*x = pp_malloc((*n * m->cols + 1) * sizeof(float));
	*y = pp_malloc((*n + 1) * sizeof(float));
	if (!*x || !*y)
		return PP_ENOMEM; /* the caller frees what was had */
	for (size_t i = 0; i < m->rows; i++)
		if (s->part[i] == which) {
			memcpy(*x + k * m->cols, m->values + i * m->cols, m->cols * sizeof(float));
			(*y)[k++] = (labels ? labels : m->labels)[i];
		}
	return 0;
}
