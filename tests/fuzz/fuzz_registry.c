/* Fuzz target: feature repositories (YAML or JSON). What parses has unique names, slots
 * in range and on-demand features that evaluate; what fails says why. */
#include "fuzz.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feature_registry r;

	if (registry_parse(&r, "fuzz.yaml", (const char *)data, size) == 0) {
		double *vec = pp_calloc(registry_vector_size(&r), sizeof(double));
		FUZZ_ASSERT(r.nviews > 0 && r.nfeatures >= r.nod);
		for (size_t i = 0; i < r.nfeatures; i++)
			for (size_t k = i + 1; k < r.nfeatures; k++)
				FUZZ_ASSERT(strcmp(r.names[i], r.names[k]));
		for (size_t i = 0; i < r.nod; i++)
			FUZZ_ASSERT(r.od[i].slot < r.nfeatures);
		if (vec)
			registry_on_demand(&r, vec);
		pp_free(vec);
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	registry_release(&r);
	pp_error_clear();
	return 0;
}
