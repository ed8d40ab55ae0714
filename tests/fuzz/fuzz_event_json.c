/* Fuzz target: the canonical event parser. Whatever it accepts must write back and parse
 * again to the same text. */
#include "fuzz.h"
#include "event/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_limits lim = { 946684800000, 4102444800000, 256, 65536, 8 };
	struct buf scratch = BUF_INIT, s2 = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct event_error err;
	struct event ev;
	unsigned flags = size && (data[0] & 1) ? EVENT_PARSE_RAW : 0;

	if (event_parse_json((const char *)data, size, flags, &lim, &ev, &scratch, &err) == 0) {
		FUZZ_ASSERT(event_write_json(&ev, &a) == 0);
		FUZZ_ASSERT(memchr(a.data, '\n', a.len) == NULL);
		FUZZ_ASSERT(event_parse_json(a.data, a.len, EVENT_PARSE_RAW, &lim, &ev, &s2, &err) == 0);
		FUZZ_ASSERT(event_write_json(&ev, &b) == 0);
		FUZZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	} else {
		FUZZ_ASSERT(err.message[0] != '\0');
	}
	buf_release(&scratch);
	buf_release(&s2);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
