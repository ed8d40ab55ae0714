/* Classification metrics (metrics.h). */
#include "model/metrics.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/numsort.h"

#include <math.h>

int metric_order(const double *p, size_t n, size_t *order)
{
	struct radix_rec *r = pp_malloc((n + 1) * sizeof(*r)), *tmp = pp_malloc((n + 1) * sizeof(*tmp));
	const struct radix_rec *s;

	if (!r || !tmp) {
		pp_free(r);
		pp_free(tmp);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) { /* descending: the bits of -p, ordered as integers */
		double x = -p[i];
		uint64_t b;
		memcpy(&b, &x, sizeof(b));
		b = b >> 63 ? ~b : b | (1ULL << 63);
		r[i] = (struct radix_rec){ b, i };
	}
	s = radix_sort_u64(r, tmp, n, sizeof(*r));
	for (size_t i = 0; i < n; i++)
		order[i] = s[i].value;
	pp_free(r);
	pp_free(tmp);
	return 0;
}

double metric_roc_auc(const double *p, const float *y, const size_t *order, size_t n)
{
	double pos = 0, neg = 0, area = 0, neg_above = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	neg = (double)n - pos;
	if (!pos || !neg)
		return NAN;
	/* groups of equal scores: a positive beats the negatives above it, and half the ties */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double gp = 0, gn = 0;
		while (j < n && p[order[j]] == p[order[i]]) {
			if (y[order[j]] != 0)
				gp++;
			else
				gn++;
			j++;
		}
		area += gp * ((neg - neg_above - gn) + gn / 2);
		neg_above += gn;
		i = j;
	}
	return area / (pos * neg);
}

double metric_pr_auc(const double *p, const float *y, const size_t *order, size_t n)
{
	double pos = 0, tp = 0, seen = 0, ap = 0, prev_recall = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	if (!pos)
		return NAN;
	for (size_t i = 0; i < n;) { /* a step per distinct score */
		size_t j = i;
		while (j < n && p[order[j]] == p[order[i]]) {
			tp += y[order[j]] != 0;
			seen++;
			j++;
		}
		double recall = tp / pos;
		ap += (recall - prev_recall) * (tp / seen);
		prev_recall = recall;
		i = j;
	}
	return ap;
}

double metric_logloss(const double *p, const float *y, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		double q = fmin(fmax(p[i], 1e-15), 1 - 1e-15);
		sum -= y[i] != 0 ? log(q) : log1p(-q);
	}
	return n ? sum / (double)n : NAN;
}

double metric_brier(const double *p, const float *y, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (p[i] - y[i]) * (p[i] - y[i]);
	return n ? sum / (double)n : NAN;
}

static void rates(struct confusion *c)
{
	c->precision = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0;
	c->recall = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0;
	c->f1 = c->precision + c->recall ? 2 * c->precision * c->recall / (c->precision + c->recall) : 0;
}

void metric_confusion(const double *p, const float *y, size_t n, double threshold, struct confusion *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		bool pred = p[i] >= threshold, pos = y[i] != 0;
		c->tp += pred && pos;
		c->fp += pred && !pos;
		c->fn += !pred && pos;
		c->tn += !pred && !pos;
	}
	rates(c);
}

/* Each distinct score from the highest down, as a threshold (flag what scores at least
 * it), with the precision and recall there, to fn until it returns true. */
static void each_threshold(const double *p, const float *y, const size_t *order, size_t n,
			   bool (*fn)(void *ctx, double threshold, double precision, double recall), void *ctx)
{
	double pos = 0, tp = 0, seen = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	for (size_t i = 0; i < n && pos;) {
		size_t j = i;
		while (j < n && p[order[j]] == p[order[i]]) {
			tp += y[order[j]] != 0;
			seen++;
			j++;
		}
		if (fn(ctx, p[order[i]], tp / seen, tp / pos))
			break;
		i = j;
	}
}

struct best_f {
	double b2, best, threshold;
};

static bool keep_best_f(void *ctx, double threshold, double prec, double rec)
{
	struct best_f *b = ctx;
	double f = prec + rec ? (1 + b->b2) * prec * rec / (b->b2 * prec + rec) : 0;

	if (f > b->best) {
		b->best = f;
		b->threshold = threshold;
	}
	return false;
}

double metric_best_threshold(const double *p, const float *y, const size_t *order, size_t n, double beta,
			     double *best)
{
	struct best_f b = { beta * beta, 0, 0.5 };

	each_threshold(p, y, order, n, keep_best_f, &b);
	*best = b.best;
	return b.threshold;
}

struct target {
	bool precision;
	double target, threshold, reached;
};

static bool meets(void *ctx, double threshold, double prec, double rec)
{
	struct target *t = ctx;

	if (t->precision && prec >= t->target) { /* keep going down: more recall at that precision */
		t->threshold = threshold;
		t->reached = prec;
	} else if (!t->precision && rec >= t->target) {
		t->threshold = threshold;
		t->reached = rec;
		return true;
	}
	return false;
}

double metric_threshold_for(const double *p, const float *y, const size_t *order, size_t n, bool precision,
			    double target, double *reached)
{
	struct target t = { precision, target, 1, NAN };

	each_threshold(p, y, order, n, meets, &t);
	*reached = t.reached;
	return t.threshold;
}

double metric_precision_at(const float *y, const size_t *order, size_t n, double k)
{
	size_t top = (size_t)ceil((double)n * k / 100.0), hits = 0;

	if (top > n)
		top = n;
	for (size_t i = 0; i < top; i++)
		hits += y[order[i]] != 0;
	return top ? (double)hits / (double)top : NAN;
}
