/* Fuzz target: a stored entity state (the live path's, in the online store), decoded as a
 * state of the shipped repository's views. The first byte picks the view; the header's
 * magic, feature count and definition hash come from the view, the rest is the input.
 * What decodes can take an event, be read, and encode into bytes that decode to the same
 * values; what does not is refused with a message. */
#include "fuzz.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/engine.h"

#include <math.h>

static struct feature_registry reg;
static struct feature_engine *eng;

static void read_values(size_t v, struct engine_entity *s, int64_t t, double *vals, int *rc)
{
	*rc = engine_entity_values(eng, v, s, t, vals);
	FUZZ_ASSERT(*rc == 0 || *rc == PP_ENOENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_entity *s = NULL, *again = NULL;
	struct buf blob = BUF_INIT, out = BUF_INIT;
	double a[256], b[256], fields[FLD__NUMBERS], keyval[EK__COUNT] = { 1, 2, 3, NAN };
	size_t v;
	uint32_t head[2];
	int rc, rc2;

	if (!eng && (registry_default(&reg) || engine_open(&eng, &reg)))
		abort();
	if (!size)
		return 0;
	v = data[0] % reg.nviews;
	head[0] = 0x32535050u; /* "PPS2", engine.c's STATE_MAGIC */
	head[1] = (uint32_t)reg.views[v].n;
	buf_append(&blob, head, sizeof(head));
	for (int i = 0; i < 8; i++) {
		unsigned x = 0;
		sscanf(reg.views[v].hash + 2 * i, "%2x", &x);
		buf_putc(&blob, (char)x);
	}
	buf_append(&blob, data + 1, size - 1);
	rc = engine_entity_decode(eng, v, (struct span){ blob.data, blob.len }, &s);
	if (rc) {
		FUZZ_ASSERT(rc == PP_ECORRUPT && pp_errmsg()[0]);
		goto out;
	}
	int64_t t = engine_entity_last(s);
	read_values(v, s, t, a, &rc);
	FUZZ_ASSERT(!engine_entity_encode(eng, v, s, &out));
	FUZZ_ASSERT(!engine_entity_decode(eng, v, (struct span){ out.data, out.len }, &again));
	read_values(v, again, t, b, &rc2);
	FUZZ_ASSERT(rc == rc2);
	for (size_t k = 0; !rc && k < reg.views[v].n; k++)
		FUZZ_ASSERT(memcmp(&a[k], &b[k], sizeof(double)) == 0 || (isnan(a[k]) && isnan(b[k])));
	/* an event on top, an hour after */
	struct fe_event ev = { .ts = t + 3600000, .type = EV_ADDTOCART, .price = 12.5 };
	engine_event_fields(&ev, t, t, fields);
	FUZZ_ASSERT(!engine_entity_add(eng, v, s, &ev, fields, keyval));
	read_values(v, s, ev.ts, a, &rc);
out:
	engine_entity_free(eng, v, s);
	engine_entity_free(eng, v, again);
	buf_release(&blob);
	buf_release(&out);
	pp_error_clear();
	return 0;
}
