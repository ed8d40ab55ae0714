/* Fuzz target: the CSV reader. It must always make progress and keep spans in bounds. */
#include "fuzz.h"
#include "event/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct buf scratch = BUF_INIT;
	struct csv_reader r;
	struct csv_record rec;
	uint64_t last_line = 0;
	int rc;

	csv_init(&r, text, size);
	while ((rc = csv_next(&r, &rec, &scratch)) != 0) {
		FUZZ_ASSERT(rc == 1 || rc == -4 /* PP_EPARSE */);
		FUZZ_ASSERT(rec.line > last_line);
		last_line = rec.line;
		FUZZ_ASSERT(rec.raw.p >= text && rec.raw.p + rec.raw.len <= text + size);
		for (size_t i = 0; rc == 1 && i < rec.n; i++) {
			const char *p = rec.field[i].p;
			bool in_text = p >= text && p + rec.field[i].len <= text + size;
			bool in_scratch = p >= scratch.data && p + rec.field[i].len <= scratch.data + scratch.cap;
			FUZZ_ASSERT(in_text || in_scratch);
		}
	}
	FUZZ_ASSERT(r.p == text + size);
	buf_release(&scratch);
	return 0;
}
