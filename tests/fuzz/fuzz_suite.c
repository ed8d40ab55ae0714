/* Fuzz target: expectation suites (YAML or JSON text). Whatever parses has a name, a table
 * and only known kinds; whatever fails says why. */
#include "fuzz.h"
#include "core/err.h"
#include "quality/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct suite s;

	if (suite_parse(&s, "fuzz.yaml", (const char *)data, size) == 0) {
		FUZZ_ASSERT(s.name && s.table);
		for (size_t i = 0; i < s.n; i++) {
			FUZZ_ASSERT(s.e[i].kind < EXP__COUNT);
			FUZZ_ASSERT(s.e[i].mostly >= 0 && s.e[i].mostly <= 1);
		}
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	suite_release(&s);
	pp_error_clear();
	return 0;
}
