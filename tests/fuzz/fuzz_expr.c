/* Fuzz target: feature expressions. What compiles evaluates without reading outside its
 * stack or the value array, the same way every time; what does not says where. */
#include "fuzz.h"
#include "core/err.h"
#include "core/mem.h"
#include "features/expr.h"

#include <math.h>


static int slot_of(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	if (len == 1 && name[0] >= 'a' && name[0] <= 'd')
		return name[0] - 'a';
	return len == 5 && !strncmp(name, "event", 5) ? 4 : -1;
}

static int code_of(void *ctx, int slot, const char *s, size_t len, double *out)
{
	(void)ctx;
	if (slot != 4 || len != 4 || strncmp(s, "view", 4))
		return -1;
	*out = 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct expr_resolver r = { slot_of, code_of, NULL };
	const double vals[] = { 1.5, 0, -2, NAN, 0 };
	char *text = pp_strndup((const char *)data, size); /* the language is NUL-terminated text */
	struct expr e;

	if (!text)
		return 0;
	if (expr_compile(&e, text, &r) == 0) {
		FUZZ_ASSERT(e.n > 0 && e.depth >= 1 && e.depth <= EXPR_MAX_DEPTH);
		double v = expr_eval(&e, vals), again = expr_eval(&e, vals);
		FUZZ_ASSERT(!memcmp(&v, &again, sizeof(v))); /* a pure function of the values */
		expr_release(&e);
	} else {
		FUZZ_ASSERT(!strncmp(pp_errmsg(), "column ", 7));
	}
	pp_error_clear();
	pp_free(text);
	return 0;
}
