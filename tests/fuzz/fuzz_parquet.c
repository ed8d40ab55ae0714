/* Fuzz target: the Parquet reader. Damaged files must be errors, never crashes. */
#include "fuzz.h"
#include "lake/parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pq_file f;

	if (pq_file_open(&f, data, size))
		return 0;
	for (size_t rg = 0; rg < f.nrgs; rg++) {
		for (size_t c = 0; c < f.ncols; c++) {
			struct pq_vector v;
			if (pq_read_column(&f, rg, c, &v) == 0) {
				FUZZ_ASSERT(v.n == (size_t)f.rgs[rg].rows);
				pq_vector_release(&v);
			}
		}
	}
	pq_file_release(&f);
	return 0;
}
