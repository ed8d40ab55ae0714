/* Platt scaling (calibrate.h). */
#include "model/calibrate.h"
#include "core/err.h"

#include <math.h>

static double logit(double p)
{
	p = fmin(fmax(p, 1e-12), 1 - 1e-12);
	return log(p / (1 - p));
}

double platt_apply(const struct platt *c, double p)
{
	return 1 / (1 + exp(-(c->a * logit(p) + c->b)));
}

int platt_fit(const double *p, const float *y, size_t n, struct platt *out)
{
	double pos = 0, neg, hi, lo, a = 1, b = 0;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	neg = (double)n - pos;
	if (!pos || !neg)
		return pp_error(PP_EINVAL, "calibration: both classes are needed");
	hi = (pos + 1) / (pos + 2);
	lo = 1 / (neg + 2);
	for (int it = 0; it < 100; it++) {
		double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
		for (size_t i = 0; i < n; i++) { /* the gradient and Hessian of the smoothed log loss */
			double z = logit(p[i]), q = 1 / (1 + exp(-(a * z + b))), t = y[i] != 0 ? hi : lo;
			double d = q - t, w = q * (1 - q);
			ga += d * z;
			gb += d;
			haa += w * z * z;
			hab += w * z;
			hbb += w;
		}
		haa += 1e-9; /* keeps the system solvable when every z is alike */
		hbb += 1e-9;
		double det = haa * hbb - hab * hab;
		if (!(fabs(det) > 0))
			break;
		double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
		a -= da;
		b -= db;
		if (fabs(da) < 1e-10 && fabs(db) < 1e-10)
			break;
	}
	if (!isfinite(a) || !isfinite(b))
		return pp_error(PP_EINVAL, "calibration: the fit did not converge");
	out->a = a;
	out->b = b;
	return 0;
}
