/*
 * ppredict simulate: a synthetic shop's clickstream, into the raw zone or a file.
 * The model lives in src/sim; this file wires its stream to an output and reports.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/outfile.h"
#include "core/progress.h"
#include "core/timeutil.h"
#include "event/catalog.h"
#include "lake/raw.h"
#include "sim/sim_format.h"
#include "sim/sim_points.h"


struct simulate_opts {
	int64_t seed, visitors, days, items;
	int64_t start, drift_at;
	const char *format, *out, *truth;
	double malformed_rate, duplicate_rate, late_rate, bot_share;
	bool json, no_catalog;
};

#define O(f) offsetof(struct simulate_opts, f)
static const struct cli_opt simulate_options[] = {
	{ "seed", 's', OPT_INT, O(seed), "42", "N", "random seed; same seed, same output", 0, 1e18 },
	{ "visitors", 'n', OPT_INT, O(visitors), "467000", "N", "visitors (about 2.1 events each)",
	  1, 2e9 },
	{ "days", 'd', OPT_INT, O(days), "30", "N", "days of traffic", 1, 3650 },
	{ "start", 0, OPT_TIME, O(start), "2015-05-03", "DATE", "first day (UTC)" },
	{ "items", 0, OPT_INT, O(items), "0", "N", "catalogue size (0: visitors / 6)", 0, 1e9 },
	{ "format", 'f', OPT_STR, O(format), "ndjson", "FMT", "ndjson, retailrocket or rees46" },
	{ "out", 'o', OPT_STR, O(out), NULL, "FILE", "write to FILE ('-' for stdout) instead of "
	  "the raw zone" },
	{ "truth", 0, OPT_STR, O(truth), NULL, "FILE", "ground truth CSV (default: beside the "
	  "output, or in the lake's _meta/simulate/)" },
	{ "malformed-rate", 0, OPT_DOUBLE, O(malformed_rate), "0", "P", "broken lines per event",
	  0, 1 },
	{ "duplicate-rate", 0, OPT_DOUBLE, O(duplicate_rate), "0", "P", "events sent twice", 0, 1 },
	{ "late-rate", 0, OPT_DOUBLE, O(late_rate), "0", "P", "events delivered hours late", 0, 1 },
	{ "drift-at", 0, OPT_TIME, O(drift_at), NULL, "DATE", "behaviour shift from this date" },
	{ "bot-share", 0, OPT_DOUBLE, O(bot_share), "0.0002", "P", "share of visitors that are "
	  "bots", 0, 1 },
	{ "no-catalog", 0, OPT_FLAG, O(no_catalog), NULL, NULL, "skip the category tree and item "
	  "properties" },
	{ "json", 0, OPT_FLAG, O(json), NULL, NULL, "print the summary as JSON" },
};
#undef O

struct output {
	const struct sim *sim;
	enum sim_format format;
	/* file output */
	struct out_file out;
	struct buf line;
	/* raw zone output */
	struct raw_writer *raw;
	int64_t flushed_to;
	/* ground truth */
	struct out_file truth, points;
	struct buf tline, pline;
	uint64_t written, skipped;
};

static int flush_line(struct output *o, bool force)
{
	int rc;

	if (!o->out.f || (!force && o->line.len < (1 << 20)))
		return 0;
	rc = out_file_write(&o->out, o->line.data, o->line.len);
	buf_reset(&o->line);
	return rc;
}

/*
 * One line out. In the raw zone it goes to the partition of its event time `ts`, while
 * `now` (its arrival) is the stream's clock: hours that the clock has left behind are
 * written out, and a late event later lands in a new segment of its old hour.
 */
static int put_line(struct output *o, int64_t ts, int64_t now)
{
	int rc;

	if (!o->raw)
		return flush_line(o, false);
	rc = raw_writer_add(o->raw, ts, o->line.data, o->line.len - 1);
	buf_reset(&o->line);
	if (rc)
		return rc;
	if (now - o->flushed_to > 2 * MS_PER_HOUR) {
		o->flushed_to = now - MS_PER_HOUR;
		return raw_writer_flush_before(o->raw, o->flushed_to);
	}
	return 0;
}

static int on_event(void *ctx, const struct sim_event *ev)
{
	struct output *o = ctx;
	int rc = sim_format_event(o->sim, o->format, ev, &o->line);

	if (rc == 1) {
		o->skipped++;
		return 0;
	}
	if (rc)
		return rc;
	o->written++;
	return put_line(o, ev->ts, ev->arrive);
}

static int on_malformed(void *ctx, int64_t arrive, uint64_t kind, const struct sim_event *near)
{
	struct output *o = ctx;
	int rc = sim_format_malformed(o->sim, o->format, kind, near, &o->line);

	/* a broken line has no trustworthy time: it is filed under its arrival */
	return rc ? rc : put_line(o, arrive, arrive);
}

static int on_points(void *ctx, const struct sim_session_truth *t, const struct sim_point *p,
		     uint32_t n)
{
	struct output *o = ctx;
	int rc;

	if (!o->points.f)
		return 0;
	if ((rc = sim_points_append(&o->pline, t, p, n)))
		return rc;
	if (o->pline.len >= (1 << 20)) {
		rc = out_file_write(&o->points, o->pline.data, o->pline.len);
		buf_reset(&o->pline);
	}
	return rc;
}

static int on_session(void *ctx, const struct sim_session_truth *t)
{
	struct output *o = ctx;
	int rc;

	if (!o->truth.f)
		return 0;
	if ((rc = sim_truth_line(o->sim, t, &o->tline)))
		return rc;
	if (o->tline.len >= (1 << 20)) {
		rc = out_file_write(&o->truth, o->tline.data, o->tline.len);
		buf_reset(&o->tline);
	}
	return rc;
}

static int write_catalog_raw(struct lake_fs *fs, const struct sim *s, const struct config *cfg)
{
	static const char *const zones[] = { CATALOG_CATEGORIES, CATALOG_ITEM_PROPERTIES };
	struct raw_writer_opts wo;
	struct raw_writer w;
	struct buf lines = BUF_INIT;
	int k, rc = 0;

	for (k = 0; k < 2 && !rc; k++) {
		raw_writer_opts_default(&wo, zones[k], "sim");
		wo.partitioning = RAW_UNPARTITIONED;
		wo.zstd_level = (int)cfg->zstd_level;
		wo.flushers = (int)cfg->flush_threads;
		buf_reset(&lines);
		rc = k ? sim_format_item_properties(s, false, &lines)
		       : sim_format_categories(s, false, &lines);
		if (!rc && !(rc = raw_writer_open(&w, fs, &wo))) {
			char *p = lines.data, *end = lines.data + lines.len;
			while (p < end && !rc) {
				char *nl = memchr(p, '\n', (size_t)(end - p));
				rc = raw_writer_add(&w, s->p.start_ms, p, (size_t)(nl - p));
				p = nl + 1;
			}
			int rc2 = raw_writer_close(&w);
			rc = rc ? rc : rc2;
		}
	}
	buf_release(&lines);
	return rc;
}

static int write_catalog_files(const char *out, const struct sim *s, bool csv)
{
	const char *base = path_base(out);
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct iovec iov;
	int k, rc = 0;

	for (k = 0; k < 2 && !rc; k++) {
		buf_reset(&text);
		rc = buf_printf(&path, "%.*s%s", (int)(base - out), out,
				csv ? (k ? "item_properties.csv" : "category_tree.csv")
				    : (k ? "item_properties.ndjson" : "categories.ndjson"));
		if (!rc)
			rc = k ? sim_format_item_properties(s, csv, &text)
			       : sim_format_categories(s, csv, &text);
		if (rc)
			break;
		iov.iov_base = text.data;
		iov.iov_len = text.len;
		rc = fs_write_atomic(path.data, &iov, 1, FS_REPLACE);
		buf_reset(&path);
	}
	buf_release(&path);
	buf_release(&text);
	return rc;
}

static const char *const type_names[] = { "view", "addtocart", "removefromcart",
					  "transaction" };

/* The run as JSON: parameters and results (printed by --json, kept beside the truth). */
static int summary_json(const struct sim *s, const struct output *o, double secs,
			const char *where, struct buf *out)
{
	const struct sim_stats *st = &s->stats;
	const struct sim_params *p = &s->p;
	char start[32], drift[32];
	int t, rc;

	time_format_rfc3339(p->start_ms, start);
	time_format_rfc3339(p->drift_at, drift);
	rc = buf_printf(out, "{\"params\":{\"seed\":%" PRIu64 ",\"visitors\":%" PRIu64
			",\"days\":%" PRId64 ",\"start\":\"%s\",\"items\":%u,\"bot_share\":%g,"
			"\"malformed_rate\":%g,\"duplicate_rate\":%g,\"late_rate\":%g,"
			"\"drift_at\":%s%s%s},", p->seed, p->visitors, p->days, start, s->nitems,
			p->bot_share, p->malformed_rate, p->duplicate_rate, p->late_rate,
			p->drift_at ? "\"" : "", p->drift_at ? drift : "null",
			p->drift_at ? "\"" : "");
	if (!rc)
		rc = buf_printf(out, "\"events\":%" PRIu64 ",\"by_type\":{", st->events);
	for (t = 0; t < 4 && !rc; t++)
		rc = buf_printf(out, "%s\"%s\":%" PRIu64, t ? "," : "", type_names[t], st->by_type[t]);
	if (!rc)
		rc = buf_printf(out, "},\"visitors\":%" PRIu64 ",\"bots\":%" PRIu64 ",\"sessions\":%" PRIu64
				",\"buyers\":%" PRIu64 ",\"transactions\":%" PRIu64 ",\"items\":%u,"
				"\"categories\":%u,\"malformed\":%" PRIu64 ",\"duplicates\":%" PRIu64
				",\"late\":%" PRIu64 ",\"written\":%" PRIu64 ",\"skipped\":%" PRIu64
				",\"points\":%" PRIu64 ",\"oracle_auc_session\":%.6f,"
				"\"oracle_auc_points\":%.6f,\"oracle_auc_observable\":%.6f,"
				"\"seconds\":%.3f,\"output\":",
				st->visitors_active, st->bots, st->sessions, st->buyers, st->transactions,
				s->nitems, s->ncats, st->malformed, st->duplicates, st->late, o->written,
				o->skipped, st->points, st->oracle_auc_session, st->oracle_auc_points,
				st->oracle_auc_observable, secs);
	if (!rc)
		rc = buf_put_json_str(out, where, strlen(where));
	return rc ? rc : buf_puts(out, "}\n");
}

static void print_summary(const struct sim *s, const struct output *o, double secs,
			  const char *where, bool json)
{
	const char *const *names = type_names;
	const struct sim_stats *st = &s->stats;
	char a[32], b[32];
	int t;

	if (json) {
		struct buf j = BUF_INIT;
		if (summary_json(s, o, secs, where, &j) == 0)
			fwrite(j.data, 1, j.len, stdout);
		buf_release(&j);
		return;
	}
	fmt_count(st->events, a);
	fmt_rate(secs > 0 ? (double)st->events / secs : 0, b);
	printf("simulated %s events in %.2f s (%s events/s) -> %s\n", a, secs, b, where);
	for (t = 0; t < 4; t++) {
		fmt_count(st->by_type[t], a);
		printf("  %-15s %12s  %6.2f%%\n", names[t], a,
		       st->events ? 100.0 * (double)st->by_type[t] / (double)st->events : 0);
	}
	fmt_count(st->visitors_active, a);
	printf("  visitors %s (%" PRIu64 " bots), sessions %" PRIu64 ", buyers %" PRIu64
	       " (1 in %.0f visitors)\n", a, st->bots, st->sessions, st->buyers,
	       st->buyers ? (double)st->visitors_active / (double)st->buyers : 0);
	printf("  catalogue: %u items in %u categories\n", s->nitems, s->ncats);
	printf("  dirty data: %" PRIu64 " malformed, %" PRIu64 " duplicates, %" PRIu64 " late\n",
	       st->malformed, st->duplicates, st->late);
	printf("  oracle AUC over %" PRIu64 " prediction points: %.4f knowing only what a model "
	       "can see (the ceiling), %.4f knowing each session's hidden intent (%.4f at session "
	       "start)\n", st->points, st->oracle_auc_observable, st->oracle_auc_points,
	       st->oracle_auc_session);
}

/* A file beside the truth: truth-x.csv -> truth-x<ext>. */
static int truth_sibling(const char *truth, const char *ext, struct buf *out)
{
	size_t n = strlen(truth);

	if (n > 4 && !strcmp(truth + n - 4, ".csv"))
		n -= 4;
	return buf_printf(out, "%.*s%s", (int)n, truth, ext);
}

/* The run's summary beside its truth: truth-x.csv -> truth-x.json. */
static int write_summary_file(const struct sim *s, const struct output *o, double secs,
			      const char *where, const char *truth)
{
	struct buf path = BUF_INIT, j = BUF_INIT;
	struct iovec iov;
	int rc;

	rc = truth_sibling(truth, ".json", &path);
	if (!rc)
		rc = summary_json(s, o, secs, where, &j);
	if (!rc) {
		iov.iov_base = j.data;
		iov.iov_len = j.len;
		rc = fs_write_atomic(path.data, &iov, 1, FS_REPLACE);
	}
	buf_release(&path);
	buf_release(&j);
	return rc;
}

static int open_truth(struct output *o, const struct simulate_opts *opt, const char *lake_dir,
		      const char *writer_id)
{
	struct buf p = BUF_INIT;
	int rc;

	if (opt->truth)
		rc = buf_puts(&p, opt->truth);
	else if (opt->out && strcmp(opt->out, "-") && !out_file_is_special(opt->out))
		rc = buf_printf(&p, "%s.truth.csv", opt->out);
	else if (!opt->out)
		rc = buf_printf(&p, "%s/_meta/simulate", lake_dir);
	else
		return 0; /* stdout or a device, and no --truth: no truth file */
	if (!rc && !opt->truth && !opt->out) {
		rc = fs_mkdir_p(p.data);
		if (!rc)
			rc = buf_printf(&p, "/truth-%s.csv", writer_id);
	}
	if (!rc)
		rc = out_file_open(&o->truth, p.data);
	if (!rc)
		rc = sim_truth_header(&o->tline);
	if (!rc) {
		struct buf pp = BUF_INIT;
		rc = truth_sibling(p.data, ".points", &pp);
		if (!rc)
			rc = out_file_open(&o->points, pp.data);
		if (!rc)
			rc = buf_append(&o->pline, SIM_POINTS_MAGIC, 8);
		buf_release(&pp);
	}
	buf_release(&p);
	return rc;
}

static int run_simulate(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct simulate_opts *opt = vopts;
	struct sim_params p;
	struct sim s;
	struct output o = { .sim = &s };
	struct raw_writer raw;
	struct lake_fs *fs = NULL;
	struct progress prog;
	struct sim_sink sink = { &o, on_event, on_malformed, on_session, on_points };
	char where[512];
	uint64_t t0;
	int rc;

	(void)argc;
	(void)argv;
	memset(&raw, 0, sizeof(raw));
	if (sim_format_parse(opt->format, &o.format))
		return pp_error(PP_EUSAGE, "--format: expected ndjson, retailrocket or rees46, got '%s'",
				opt->format);
	if (!opt->out && o.format != SIM_NDJSON)
		return pp_error(PP_EUSAGE, "--format %s needs --out FILE: the raw zone keeps canonical "
				"NDJSON", opt->format);
	sim_params_default(&p);
	p.seed = (uint64_t)opt->seed;
	p.visitors = (uint64_t)opt->visitors;
	p.days = opt->days;
	p.start_ms = opt->start;
	p.items = (uint64_t)opt->items;
	p.malformed_rate = opt->malformed_rate;
	p.duplicate_rate = opt->duplicate_rate;
	p.late_rate = opt->late_rate;
	p.drift_at = opt->drift_at;
	p.bot_share = opt->bot_share;
	if ((rc = sim_init(&s, &p)))
		return rc;
	buf_init(&o.line, 0);
	buf_init(&o.tline, 0);
	buf_init(&o.pline, 0);
	t0 = time_mono_ns();
	if (!opt->out) {
		struct raw_writer_opts wo;
		raw_writer_opts_default(&wo, "raw/events", "sim");
		wo.zstd_level = (int)ctx->cfg.zstd_level;
		wo.segment_bytes = ctx->cfg.segment_bytes;
		wo.memory_limit = ctx->cfg.writer_memory;
		wo.flushers = (int)ctx->cfg.flush_threads;
		if ((rc = lake_fs_open_config(&fs, &ctx->cfg)) || (rc = raw_writer_open(&raw, fs, &wo)))
			goto out;
		o.raw = &raw;
		snprintf(where, sizeof(where), "%s/raw/events", ctx->cfg.lake_root);
	} else {
		if ((rc = out_file_open(&o.out, opt->out)))
			goto out;
		snprintf(where, sizeof(where), "%s", strcmp(opt->out, "-") ? opt->out : "stdout");
	}
	if ((rc = open_truth(&o, opt, ctx->cfg.lake_root, raw.id)))
		goto out;
	if (!o.raw && (rc = sim_format_header(o.format, &o.line)))
		goto out;
	progress_start(&prog, "simulate", "events", 0);
	rc = sim_run(&s, &sink, &prog);
	progress_finish(&prog);
	if (rc)
		goto out;
	if (o.raw)
		rc = raw_writer_flush(o.raw);
	else
		rc = flush_line(&o, true);
	if (!rc && o.truth.f)
		rc = out_file_write(&o.truth, o.tline.data, o.tline.len);
	if (!rc && o.points.f)
		rc = out_file_write(&o.points, o.pline.data, o.pline.len);
	if (!rc && !opt->no_catalog) {
		if (o.raw)
			rc = write_catalog_raw(fs, &s, &ctx->cfg);
		else if (strcmp(opt->out, "-") && !out_file_is_special(opt->out) &&
			 o.format != SIM_REES46)
			rc = write_catalog_files(opt->out, &s, o.format == SIM_RETAILROCKET);
	}
out:
	/* Files appear under their names only when everything succeeded. */
	{
		int rc2 = out_file_close(&o.out, rc == 0);
		rc = rc ? rc : rc2;
	}
	{
		int rc2 = out_file_close(&o.points, rc == 0);
		rc = rc ? rc : rc2;
	}
	if (o.truth.f) {
		char *truth = pp_strdup(o.truth.path);
		int rc2 = out_file_close(&o.truth, rc == 0);
		rc = rc ? rc : rc2;
		if (!rc && truth)
			rc = write_summary_file(&s, &o, (double)(time_mono_ns() - t0) / 1e9, where, truth);
		pp_free(truth);
	}
	if (o.raw) {
		int rc2 = raw_writer_close(&raw);
		rc = rc ? rc : rc2;
		if (!rc)
			snprintf(where + strlen(where), sizeof(where) - strlen(where),
				 " (%" PRIu64 " segments)", raw.stats.segments);
	}
	if (!rc && (!opt->out || strcmp(opt->out, "-")))
		print_summary(&s, &o, (double)(time_mono_ns() - t0) / 1e9, where, opt->json);
	else if (!rc)
		log_info("simulated %" PRIu64 " events, oracle AUC %.4f (points)", s.stats.events,
			 s.stats.oracle_auc_points);
	buf_release(&o.line);
	buf_release(&o.tline);
	buf_release(&o.pline);
	lake_fs_close(fs);
	sim_release(&s);
	return rc;
}

const struct command cmd_simulate = {
	.name = "simulate",
	.fn = run_simulate,
	.summary = "generate a realistic shop clickstream (raw zone or file)",
	CMD_OPTS(simulate_options, struct simulate_opts),
	.max_args = 0,
	.details = "Without --out the events go to the lake's raw zone as canonical NDJSON, with\n"
		   "the catalogue in raw/catalog/ and the ground truth in _meta/simulate/.\n"
		   "With --out FILE the chosen format is written there, the truth to\n"
		   "FILE.truth.csv and (retailrocket, ndjson) the catalogue beside it.",
};
