/* ppredict lake ls | cat: what the raw zone holds, and its lines. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/progress.h"
#include "core/timeutil.h"
#include "lake/raw.h"

#include <math.h>

struct ls_opts {
	const char *zone, *by;
	int64_t from, to;
	bool json;
};

#define O(f) offsetof(struct ls_opts, f)
static const struct cli_opt ls_options[] = {
	{ "zone", 'z', OPT_STR, O(zone), "all", "ZONE",
	  "events, quarantine, categories, item_properties or all" },
	{ "by", 0, OPT_STR, O(by), "day", "UNIT", "group partitions by hour or day" },
	{ "from", 0, OPT_TIME, O(from), NULL, "TIME", "only partitions from this time" },
	{ "to", 0, OPT_TIME, O(to), NULL, "TIME", "only partitions before this time" },
	{ "json", 0, OPT_FLAG, O(json), NULL, NULL, "one JSON object per group" },
};
#undef O

struct group {
	int64_t key;
	uint64_t segments, lines, stored, raw;
	int64_t min_ts, max_ts;
	bool unknown; /* a segment without a summary (written by another tool) */
};

static void print_group(const char *zone, const struct group *g, bool by_hour, bool json)
{
	char when[32], first[32], last[32], lines[32];
	struct civil c;

	if (g->key == INT64_MIN) {
		snprintf(when, sizeof(when), "-");
	} else {
		civil_from_ms(g->key, &c);
		if (by_hour)
			snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d", c.year, c.month, c.day, c.hour);
		else
			snprintf(when, sizeof(when), "%04d-%02d-%02d", c.year, c.month, c.day);
	}
	time_format_rfc3339(g->min_ts, first);
	time_format_rfc3339(g->max_ts, last);
	if (json) {
		printf("{\"zone\":\"%s\",\"partition\":\"%s\",\"segments\":%" PRIu64 ",\"lines\":%" PRIu64
		       ",\"stored_bytes\":%" PRIu64 ",\"raw_bytes\":%" PRIu64 ",\"min_ts\":%" PRId64
		       ",\"max_ts\":%" PRId64 "}\n", zone, when, g->segments, g->lines, g->stored, g->raw,
		       g->min_ts, g->max_ts);
		return;
	}
	fmt_count(g->lines, lines);
	printf("%-16s %-14s %8" PRIu64 " %12s%s %10.1f %8.1fx  %s  %s\n", zone, when, g->segments,
	       lines, g->unknown ? "+" : " ", (double)g->stored / 1048576.0,
	       g->stored ? (double)g->raw / (double)g->stored : 0, first, last);
}

static int ls_zone(struct lake_fs *fs, const char *zone, const char *dir, const struct ls_opts *o,
		   struct group *total)
{
	struct raw_segment_list l;
	struct group g = { .key = INT64_MIN };
	bool open = false;
	bool by_hour = !strcmp(o->by, "hour");
	int64_t unit = by_hour ? MS_PER_HOUR : MS_PER_DAY;
	size_t i;
	int rc = raw_list_segments(fs, dir, true, &l);

	if (rc)
		return rc;
	memset(total, 0, sizeof(*total));
	total->min_ts = INT64_MAX;
	total->max_ts = INT64_MIN;
	for (i = 0; i <= l.n; i++) {
		const struct raw_segment *s = i < l.n ? &l.seg[i] : NULL;
		int64_t key = s && s->partition != INT64_MIN ? floor_div(s->partition, unit) * unit
							      : INT64_MIN;
		if (s && ((o->from && key != INT64_MIN && key + unit <= o->from) ||
			  (o->to && key != INT64_MIN && key >= o->to)))
			continue;
		if (!s || !open || key != g.key) {
			if (open)
				print_group(zone, &g, by_hour, o->json);
			if (!s)
				break;
			open = true;
			memset(&g, 0, sizeof(g));
			g.key = key;
			g.min_ts = INT64_MAX;
			g.max_ts = INT64_MIN;
		}
		g.segments++;
		g.stored += s->size;
		total->segments++;
		total->stored += s->size;
		if (!s->has_summary) {
			g.unknown = total->unknown = true;
			continue;
		}
		g.lines += s->lines;
		g.raw += s->raw_bytes;
		total->lines += s->lines;
		total->raw += s->raw_bytes;
		if (s->min_ts < g.min_ts)
			g.min_ts = s->min_ts;
		if (s->max_ts > g.max_ts)
			g.max_ts = s->max_ts;
		if (s->min_ts < total->min_ts)
			total->min_ts = s->min_ts;
		if (s->max_ts > total->max_ts)
			total->max_ts = s->max_ts;
	}
	raw_segment_list_release(&l);
	return 0;
}

static int run_lake_ls(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct ls_opts *o = vopts;
	struct lake_fs *fs;
	struct group totals[8];
	size_t i;
	int rc;

	(void)argc;
	(void)argv;
	if (strcmp(o->by, "hour") && strcmp(o->by, "day"))
		return pp_error(PP_EUSAGE, "--by: expected hour or day, got '%s'", o->by);
	if (strcmp(o->zone, "all") && !raw_zone_dir(o->zone))
		return pp_error(PP_EUSAGE, "--zone: expected events, quarantine, categories, "
				"item_properties or all, got '%s'", o->zone);
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	if (!o->json)
		printf("%-16s %-14s %8s %13s %10s %9s  %-24s  %s\n", "zone", "partition", "segments",
		       "lines", "stored MB", "ratio", "first", "last");
	for (i = 0; i < raw_nzones && !rc; i++) {
		if (strcmp(o->zone, "all") && strcmp(o->zone, raw_zones[i].name))
			continue;
		rc = ls_zone(fs, raw_zones[i].name, raw_zones[i].dir, o, &totals[i]);
	}
	if (!rc && !o->json) {
		printf("\n");
		for (i = 0; i < raw_nzones; i++) {
			char lines[32];
			if (strcmp(o->zone, "all") && strcmp(o->zone, raw_zones[i].name))
				continue;
			fmt_count(totals[i].lines, lines);
			printf("%-16s %" PRIu64 " segments, %s lines, %.1f MB stored%s\n", raw_zones[i].name,
			       totals[i].segments, lines, (double)totals[i].stored / 1048576.0,
			       totals[i].unknown ? " (+: segments without a summary not counted)" : "");
		}
	}
	lake_fs_close(fs);
	return rc;
}

struct cat_opts {
	const char *zone;
	int64_t from, to, limit;
};

#define O(f) offsetof(struct cat_opts, f)
static const struct cli_opt cat_options[] = {
	{ "zone", 'z', OPT_STR, O(zone), "events", "ZONE",
	  "events, quarantine, categories or item_properties" },
	{ "from", 0, OPT_TIME, O(from), NULL, "TIME", "only partitions from this time" },
	{ "to", 0, OPT_TIME, O(to), NULL, "TIME", "only partitions before this time" },
	{ "limit", 'n', OPT_INT, O(limit), "0", "N", "stop after N lines (0: all)", 0, 1e18 },
};
#undef O

static int run_lake_cat(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct cat_opts *o = vopts;
	const char *dir = raw_zone_dir(o->zone);
	struct raw_segment_list l;
	struct buf text = BUF_INIT;
	struct lake_fs *fs;
	uint64_t printed = 0;
	size_t i;
	int rc;

	(void)argc;
	(void)argv;
	if (!dir)
		return pp_error(PP_EUSAGE, "--zone: expected events, quarantine, categories or "
				"item_properties, got '%s'", o->zone);
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	if ((rc = raw_list_segments(fs, dir, false, &l)))
		goto out;
	for (i = 0; i < l.n && !rc; i++) {
		const struct raw_segment *s = &l.seg[i];
		int64_t span = strstr(s->path, "/hour=") ? MS_PER_HOUR : MS_PER_DAY;
		if (s->partition != INT64_MIN && ((o->to && s->partition >= o->to) ||
						  (o->from && s->partition + span <= o->from)))
			continue;
		buf_reset(&text);
		if ((rc = raw_segment_read(fs, s->path, &text)))
			break;
		if (o->limit) {
			const char *p = text.data, *end = text.data + text.len;
			while (p < end && printed < (uint64_t)o->limit) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				p = nl ? nl + 1 : end;
				printed++;
			}
			text.len = (size_t)(p - text.data);
		}
		if (fwrite(text.data, 1, text.len, stdout) != text.len) {
			rc = pp_error_errno(PP_EIO, "write stdout");
			break;
		}
		if (o->limit && printed >= (uint64_t)o->limit)
			break;
	}
	raw_segment_list_release(&l);
out:
	buf_release(&text);
	lake_fs_close(fs);
	return rc;
}

const struct command cmd_lake_ls = {
	.name = "lake ls",
	.fn = run_lake_ls,
	.summary = "list the raw zone's partitions with segment and line counts",
	CMD_OPTS(ls_options, struct ls_opts),
	.max_args = 0,
};

const struct command cmd_lake_cat = {
	.name = "lake cat",
	.fn = run_lake_cat,
	.summary = "print a raw zone's lines (NDJSON), oldest partition first",
	CMD_OPTS(cat_options, struct cat_opts),
	.max_args = 0,
};
