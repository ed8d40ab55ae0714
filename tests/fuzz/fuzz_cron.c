/* Fuzz target: cron schedules and time zone files. What parses fires strictly later, on a
 * minute, the same way every time; what does not says why. Bytes after the first NUL are a
 * TZif file. */
#include "fuzz.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "pipeline/cron.h"

#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - (const char *)data) : size;
	char *text = pp_strndup((const char *)data, n);
	struct cron c;
	struct tz z = { .name = "UTC" };
	char dir[] = "/tmp/fuzz-cron-XXXXXX";

	if (!text)
		return 0;
	if (nul && mkdtemp(dir)) { /* the rest as a zone file */
		char path[64];
		snprintf(path, sizeof(path), "%s/Zone", dir);
		FILE *f = fopen(path, "wb");
		if (f) {
			fwrite(nul + 1, 1, size - n - 1, f);
			fclose(f);
			if (tz_load(&z, "Zone", dir))
				FUZZ_ASSERT(pp_errmsg()[0]);
			unlink(path);
		}
		rmdir(dir);
	}
	if (cron_parse(&c, text) == 0) {
		int64_t after = 1700000000000LL, t = cron_next(&c, &z, after);
		FUZZ_ASSERT(t == -1 || t > after);
		FUZZ_ASSERT(t == cron_next(&c, &z, after));
	} else {
		FUZZ_ASSERT(pp_errmsg()[0]);
	}
	pp_error_clear();
	tz_release(&z);
	pp_free(text);
	return 0;
}
