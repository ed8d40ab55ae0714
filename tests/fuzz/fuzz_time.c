/* Fuzz target: timestamps and the number parsers. A parsed time formats back to a time
 * that parses to the same instant. */
#include "fuzz.h"
#include "core/parse.h"
#include "core/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char out[32];
	int64_t ms, again, i64;
	uint64_t u64;
	double d;
	bool b;

	if (time_parse(s, size, &ms) == 0 && ms > -62135596800000 && ms < 253402300800000) {
		time_format_rfc3339(ms, out);
		FUZZ_ASSERT(time_parse(out, strlen(out), &again) == 0 && again == ms);
	}
	if (parse_int64(s, size, &i64) == 0) {
		int n = snprintf(out, sizeof(out), "%" PRId64, i64);
		FUZZ_ASSERT(parse_int64(out, (size_t)n, &again) == 0 && again == i64);
	}
	(void)parse_int64_lenient(s, size, &i64);
	(void)parse_double(s, size, &d);
	(void)parse_duration_ms(s, size, &i64);
	(void)parse_size(s, size, &u64);
	(void)parse_bool(s, size, &b);
	return 0;
}
