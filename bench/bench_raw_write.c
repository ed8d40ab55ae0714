/*
 * bench_raw_write - lines per second (and MB/s) through the raw-zone writer: partition,
 * zstd, atomic segment writes to disk. The input is 1M canonical NDJSON events in time
 * order, as the collector and simulator produce them.
 */
#include "bench.h"
#include "core/buf.h"
#include "lake/raw.h"
#include "sim/sim_format.h"

struct lines {
	const struct sim *s;
	struct buf text;
	int64_t *ts;
	size_t n, cap;
};

static int collect(void *vctx, const struct sim_event *ev)
{
	struct lines *l = vctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1 << 20;
		l->ts = realloc(l->ts, l->cap * sizeof(*l->ts));
	}
	l->ts[l->n++] = ev->ts;
	return sim_format_event(l->s, SIM_NDJSON, ev, &l->text) < 0 ? -1 : 0;
}

int main(void)
{
	struct sim_params p;
	struct sim s;
	struct lines l = { .s = &s };
	struct sim_sink sink = { .ctx = &l, .event = collect };
	double lines[BENCH_RUNS], bytes[BENCH_RUNS];
	int i;

	sim_params_default(&p);
	buf_init(&l.text, 0);
	if (sim_init(&s, &p) || sim_run(&s, &sink, NULL))
		return 1;
	for (i = 0; i < BENCH_RUNS; i++) {
		struct raw_writer_opts o;
		struct raw_writer w;
		struct lake_fs *fs;
		char root[600];
		const char *p0 = l.text.data;
		double t0;

		snprintf(root, sizeof(root), "%s/lake%d", bench_tmpdir(), i);
		raw_writer_opts_default(&o, "raw/events", "bench");
		if (lake_fs_open(&fs, root) || raw_writer_open(&w, fs, &o))
			return 1;
		t0 = bench_now();
		for (size_t k = 0; k < l.n; k++) {
			const char *nl = memchr(p0, '\n', (size_t)(l.text.data + l.text.len - p0));
			if (raw_writer_add(&w, l.ts[k], p0, (size_t)(nl - p0)))
				return 1;
			p0 = nl + 1;
		}
		if (raw_writer_close(&w))
			return 1;
		double secs = bench_now() - t0;
		lines[i] = (double)l.n / secs;
		bytes[i] = (double)l.text.len / secs;
		lake_fs_close(fs);
	}
	bench_report("raw zone write (zstd 3, disk)", "lines", lines, BENCH_RUNS, 0);
	bench_report("raw zone write (zstd 3, disk)", "bytes", bytes, BENCH_RUNS, 0);
	free(l.ts);
	buf_release(&l.text);
	sim_release(&s);
	bench_cleanup();
	return 0;
}
