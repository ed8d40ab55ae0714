/* Fuzz target: XGBoost JSON models for the native engine. What loads predicts a
 * probability in [0, 1] (or NaN, for weights that are not finite) for any row and gives
 * SHAP values without fault (that they add up is the unit test's, against XGBoost's own
 * models); what fails says why. */
#include "fuzz.h"
#include "core/err.h"
#include "core/mem.h"
#include "model/forest.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct forest f;

	if (forest_load_json(&f, (const char *)data, size, "fuzz.json") == 0) {
		float *x = pp_calloc(f.nfeatures + 1, sizeof(float));
		double *phi = pp_calloc(f.nfeatures + 2, sizeof(double));
		for (int row = 0; x && phi && row < 3; row++) {
			for (size_t i = 0; i < f.nfeatures; i++)
				x[i] = row == 0 ? 0 : row == 1 ? NAN : (float)i - 1;
			double p = forest_predict(&f, x);
			FUZZ_ASSERT(isnan(p) || (p >= 0 && p <= 1));
			FUZZ_ASSERT(forest_shap(&f, x, phi) == 0);
		}
		pp_free(x);
		pp_free(phi);
		forest_release(&f);
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	pp_error_clear();
	return 0;
}
