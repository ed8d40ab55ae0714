/* Fuzz target: ppredict.yaml loading. Errors must come with a message; nothing leaks. */
#include "fuzz.h"
#include "core/config.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	int rc;

	if (config_defaults(&c))
		return 0;
	pp_error_clear();
	rc = config_load_text(&c, (const char *)data, size, "fuzz.yaml");
	FUZZ_ASSERT(rc == 0 || rc == PP_ECONFIG || rc == PP_ENOMEM);
	if (rc == PP_ECONFIG)
		FUZZ_ASSERT(strncmp(pp_errmsg(), "fuzz.yaml", 9) == 0);
	config_release(&c);
	return 0;
}
