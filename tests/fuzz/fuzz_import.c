/*
 * Fuzz target: the importers end to end, over a lake backend that discards what it is
 * given (a second lake_fs_ops, which is what the vtable is for). The first byte picks the
 * format. Every row must be accounted for as accepted or rejected.
 */
#include "fuzz.h"
#include "core/err.h"
#include "ingest/import.h"

static int discard_put(struct lake_fs *fs, const char *path, const struct iovec *iov, int n,
		       bool noreplace)
{
	(void)fs, (void)path, (void)iov, (void)n, (void)noreplace;
	return 0;
}

static const struct lake_fs_ops discard_ops = { .name = "discard", .put = discard_put };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "retailrocket", "rees46", "ndjson" };
	struct lake_fs fs = { .ops = &discard_ops, .root = (char *)"fuzz" };
	struct import_stats st = { 0 };
	struct importer im;
	struct config cfg;
	int rc;

	if (size < 1 || config_defaults(&cfg))
		return 0;
	importer_open(&im, &fs, &cfg);
	rc = importer_run(&im, import_format_find(names[data[0] % 3]), "fuzz.csv",
			  (const char *)data + 1, size - 1, &st);
	FUZZ_ASSERT(rc == 0 || rc == PP_EINVAL);
	if (rc == 0)
		FUZZ_ASSERT(st.rows == st.accepted + st.rejected);
	FUZZ_ASSERT(importer_close(&im) == 0);
	config_release(&cfg);
	return 0;
}
