/* Fuzz target: the pipeline's DAG files. What parses has every task once in its order,
 * after the tasks it depends on; what does not says why. */
#include "fuzz.h"
#include "core/err.h"
#include "pipeline/dag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dag d;

	if (dag_parse(&d, "fuzz.yaml", (const char *)data, size, NULL) == 0) {
		size_t pos[DAG_MAX_TASKS];
		bool seen[DAG_MAX_TASKS] = { false };
		for (size_t i = 0; i < d.ntasks; i++) {
			FUZZ_ASSERT(d.order[i] < d.ntasks && !seen[d.order[i]]);
			seen[d.order[i]] = true;
			pos[d.order[i]] = i;
		}
		for (size_t t = 0; t < d.ntasks; t++)
			for (size_t k = 0; k < d.tasks[t].ndeps; k++)
				FUZZ_ASSERT(pos[d.tasks[t].deps[k]] < pos[t]);
		dag_release(&d);
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	pp_error_clear();
	return 0;
}
