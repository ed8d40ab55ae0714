/* Fuzz target: the shipper's registry. What it parses must save and parse back the same. */
#include "fuzz.h"
#include "core/buf.h"
#include "ship/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_registry r, again;

	if (ship_registry_parse(&r, (const char *)data, size, "fuzz") == 0) {
		struct buf text = BUF_INIT;
		for (size_t i = 0; i < r.n; i++)
			buf_printf(&text, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
				   r.e[i].dev, r.e[i].ino, r.e[i].generation, r.e[i].offset, r.e[i].line,
				   r.e[i].path);
		FUZZ_ASSERT(ship_registry_parse(&again, text.data, text.len, "again") == 0);
		FUZZ_ASSERT(again.n == r.n);
		ship_registry_release(&again);
		buf_release(&text);
		ship_registry_release(&r);
	}
	return 0;
}
