/* Fuzz target: catalogue records (categories and item properties). A record that parses
 * writes back to one that parses to the same fields. */
#include "fuzz.h"
#include "core/err.h"
#include "event/catalog.h"

static bool same(struct span a, struct span b)
{
	return a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf scratch = BUF_INIT, again = BUF_INIT, scratch2 = BUF_INIT;
	struct catalog_category c, c2;
	struct catalog_property p, p2;
	const char *s = (const char *)data;

	if (catalog_parse_category(s, size, &c, &scratch) == 0) {
		FUZZ_ASSERT(c.id.len > 0);
		FUZZ_ASSERT(catalog_write_category(&again, c.id, c.parent) == 0);
		FUZZ_ASSERT(catalog_parse_category(again.data, again.len, &c2, &scratch2) == 0);
		FUZZ_ASSERT(same(c.id, c2.id) && same(c.parent, c2.parent));
	}
	buf_reset(&again);
	if (catalog_parse_property(s, size, &p, &scratch) == 0) {
		FUZZ_ASSERT(p.item_id.len > 0 && p.property.len > 0);
		FUZZ_ASSERT(catalog_write_property(&again, p.ts, p.item_id, p.property, p.value) == 0);
		FUZZ_ASSERT(catalog_parse_property(again.data, again.len, &p2, &scratch2) == 0);
		FUZZ_ASSERT(p.ts == p2.ts && same(p.item_id, p2.item_id) &&
			    same(p.property, p2.property) && same(p.value, p2.value));
	}
	pp_error_clear();
	buf_release(&scratch);
	buf_release(&scratch2);
	buf_release(&again);
	return 0;
}
