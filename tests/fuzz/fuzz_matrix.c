/* Fuzz target: training matrices (PPMATRIX2). What parses has consistent sections whose
 * every value can be read; what fails says why. */
#include "fuzz.h"
#include "core/err.h"
#include "model/matrix.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct train_matrix m;
	struct buf b = BUF_INIT;
	double sum = 0;

	buf_append(&b, data, size);
	if (matrix_parse(&m, &b, "fuzz.matrix") == 0) {
		FUZZ_ASSERT(m.cols > 0 && m.names);
		for (size_t i = 0; i < m.rows; i++) {
			FUZZ_ASSERT(m.labels[i] == 0 || m.labels[i] == 1);
			sum += (double)m.ts[i] + (double)(m.group[i] & 1);
			for (size_t c = 0; c < m.cols; c++)
				sum += isnan(m.values[i * m.cols + c]) ? 0 : 1;
		}
		for (size_t c = 0; c < m.cols; c++)
			FUZZ_ASSERT(m.names[c] != NULL);
		matrix_release(&m);
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	buf_release(&b);
	pp_error_clear();
	return sum < 0 ? 1 : 0;
}
