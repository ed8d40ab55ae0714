/*
 * bench_event - canonical event JSON parsing with full validation, the hot path of the
 * collector and of NDJSON import: events per second and MB/s over 1M simulated events.
 */
#include "bench.h"
#include "core/buf.h"
#include "event/event.h"
#include "sim/sim_format.h"

struct gen {
	const struct sim *s;
	struct buf *out;
};

static int gen(void *vctx, const struct sim_event *ev)
{
	struct gen *g = vctx;

	return sim_format_event(g->s, SIM_NDJSON, ev, g->out) < 0 ? -1 : 0;
}

int main(void)
{
	struct sim_params p;
	struct sim s;
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct gen g = { &s, &text };
	struct sim_sink sink = { .ctx = &g, .event = gen };
	struct event_limits lim = { 0, INT64_MAX, 256, 65536, 32 };
	double r[BENCH_RUNS], mb[BENCH_RUNS];
	int i;

	sim_params_default(&p);
	if (sim_init(&s, &p) || sim_run(&s, &sink, NULL))
		return 1;
	for (i = 0; i < BENCH_RUNS; i++) {
		const char *q = text.data, *end = text.data + text.len;
		struct event_error err;
		struct event ev;
		uint64_t n = 0;
		double t0 = bench_now();
		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			if (event_parse_json(q, (size_t)(nl - q), 0, &lim, &ev, &scratch, &err))
				return 1;
			n++;
			q = nl + 1;
		}
		double secs = bench_now() - t0;
		r[i] = (double)n / secs;
		mb[i] = (double)text.len / secs;
	}
	bench_report("event JSON parse + validate", "events", r, BENCH_RUNS, 0);
	bench_report("event JSON parse + validate", "bytes", mb, BENCH_RUNS, 0);
	buf_release(&text);
	buf_release(&scratch);
	sim_release(&s);
	return 0;
}
