/*
 * bench_import - rows per second importing a RetailRocket events.csv (1M rows made by
 * the simulator) into the raw zone on disk, and into a lake that discards what it gets
 * (parsing and conversion alone).
 */
#include "bench.h"
#include "core/buf.h"
#include "ingest/import.h"
#include "sim/sim_format.h"

static int put_discard(struct lake_fs *fs, const char *path, const struct iovec *iov, int n,
		       bool noreplace)
{
	(void)fs, (void)path, (void)iov, (void)n, (void)noreplace;
	return 0;
}

static const struct lake_fs_ops discard_ops = { .name = "discard", .put = put_discard };

struct gen {
	const struct sim *s;
	struct buf *out;
};

static int gen_row(void *vctx, const struct sim_event *ev)
{
	struct gen *g = vctx;
	int rc = sim_format_event(g->s, SIM_RETAILROCKET, ev, g->out);

	return rc < 0 ? rc : 0;
}

static double run(const struct buf *csv, bool disk)
{
	static int k;
	struct lake_fs *fs = NULL, discard = { .ops = &discard_ops, .root = (char *)"-" };
	struct import_stats st = { 0 };
	struct importer im;
	struct config cfg;
	char root[600];
	double t0;

	if (config_defaults(&cfg))
		exit(1);
	cfg.min_event_ts = 0;
	snprintf(root, sizeof(root), "%s/lake%d", bench_tmpdir(), k++);
	if (disk && lake_fs_open(&fs, root))
		exit(1);
	t0 = bench_now();
	importer_open(&im, disk ? fs : &discard, &cfg);
	if (importer_run(&im, &import_retailrocket, "events.csv", csv->data, csv->len, &st) ||
	    importer_close(&im))
		exit(1);
	double secs = bench_now() - t0;
	if (st.rejected)
		fprintf(stderr, "unexpected rejects: %" PRIu64 "\n", st.rejected);
	lake_fs_close(fs);
	config_release(&cfg);
	return (double)st.rows / secs;
}

int main(void)
{
	struct sim_params p;
	struct sim s;
	struct buf csv = BUF_INIT;
	struct gen g = { &s, &csv };
	struct sim_sink sink = { .ctx = &g, .event = gen_row };
	double r[BENCH_RUNS];
	int i;

	sim_params_default(&p);
	if (sim_init(&s, &p) || sim_format_header(SIM_RETAILROCKET, &csv) || sim_run(&s, &sink, NULL))
		return 1;
	sim_release(&s);
	for (i = 0; i < BENCH_RUNS; i++)
		r[i] = run(&csv, false);
	bench_report("import RetailRocket: parse+convert", "rows", r, BENCH_RUNS, 0);
	for (i = 0; i < BENCH_RUNS; i++)
		r[i] = run(&csv, true);
	bench_report("import RetailRocket: into raw zone", "rows", r, BENCH_RUNS, 5e5);
	buf_release(&csv);
	bench_cleanup();
	return 0;
}
