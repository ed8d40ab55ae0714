/*
 * bench_simulate - events per second of `ppredict simulate` at the default size
 * (about 1M events): the model alone, with NDJSON formatting, and into the raw zone.
 */
#include "bench.h"
#include "core/buf.h"
#include "core/config.h"
#include "lake/raw.h"
#include "sim/sim_format.h"

struct sink_ctx {
	const struct sim *s;
	struct buf line;
	struct raw_writer *raw;
	uint64_t n;
};

static int count_only(void *ctx, const struct sim_event *ev)
{
	(void)ev;
	((struct sink_ctx *)ctx)->n++;
	return 0;
}

static int format_only(void *vctx, const struct sim_event *ev)
{
	struct sink_ctx *c = vctx;
	int rc = sim_format_event(c->s, SIM_NDJSON, ev, &c->line);

	c->n++;
	if (c->line.len > (1 << 20))
		buf_reset(&c->line);
	return rc < 0 ? rc : 0;
}

static int into_raw(void *vctx, const struct sim_event *ev)
{
	struct sink_ctx *c = vctx;
	int rc = sim_format_event(c->s, SIM_NDJSON, ev, &c->line);

	c->n++;
	if (rc)
		return rc < 0 ? rc : 0;
	rc = raw_writer_add(c->raw, ev->arrive, c->line.data, c->line.len - 1);
	buf_reset(&c->line);
	return rc;
}

static double run(int (*fn)(void *, const struct sim_event *), bool raw)
{
	struct sim_params p;
	struct sim s;
	struct sink_ctx c = { .s = &s };
	struct sim_sink sink = { .ctx = &c, .event = fn };
	struct lake_fs *fs = NULL;
	struct raw_writer w;
	double t0;

	sim_params_default(&p);
	if (sim_init(&s, &p))
		exit(1);
	buf_init(&c.line, 0);
	t0 = bench_now();
	if (raw) {
		struct raw_writer_opts o;
		char root[600];
		static int k;
		snprintf(root, sizeof(root), "%s/lake%d", bench_tmpdir(), k++);
		raw_writer_opts_default(&o, "raw/events", "bench");
		if (lake_fs_open(&fs, root) || raw_writer_open(&w, fs, &o))
			exit(1);
		c.raw = &w;
	}
	if (sim_run(&s, &sink, NULL))
		exit(1);
	if (raw && raw_writer_close(&w))
		exit(1);
	double secs = bench_now() - t0;
	lake_fs_close(fs);
	buf_release(&c.line);
	sim_release(&s);
	return (double)c.n / secs;
}

int main(void)
{
	double r[BENCH_RUNS];
	int i;

	for (i = 0; i < BENCH_RUNS; i++)
		r[i] = run(count_only, false);
	bench_report("simulate: model only", "events", r, BENCH_RUNS, 0);
	for (i = 0; i < BENCH_RUNS; i++)
		r[i] = run(format_only, false);
	bench_report("simulate: model + NDJSON", "events", r, BENCH_RUNS, 1e6);
	for (i = 0; i < 3; i++)
		r[i] = run(into_raw, true);
	bench_report("simulate: into the raw zone (disk)", "events", r, 3, 0);
	bench_cleanup();
	return 0;
}
