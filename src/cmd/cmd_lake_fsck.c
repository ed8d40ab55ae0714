/*
 * ppredict lake fsck: checks every raw segment against its summary (zstd checksum, line
 * count, size), optionally every event line against the event model, and lists what
 * interrupted writes left behind; --repair removes those of writers that are gone.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/log.h"
#include "core/progress.h"
#include "event/event.h"
#include "lake/raw.h"

#include <signal.h>

struct fsck_opts {
	bool repair, events;
};

static const struct cli_opt fsck_options[] = {
	{ "repair", 0, OPT_FLAG, offsetof(struct fsck_opts, repair), NULL, NULL,
	  "remove temporary files left by writers that are no longer running" },
	{ "events", 0, OPT_FLAG, offsetof(struct fsck_opts, events), NULL, NULL,
	  "also validate every line of raw/events as a canonical event" },
};

struct leftover_ctx {
	struct lake_fs *fs;
	bool repair;
	uint64_t found, removed, live;
};

static int on_leftover(void *vctx, const char *path, long pid)
{
	struct leftover_ctx *c = vctx;
	bool alive = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);

	c->found++;
	if (alive) {
		c->live++;
		printf("  in progress: %s (writer %ld is running)\n", path, pid);
		return 0;
	}
	if (c->repair) {
		int rc = c->fs->ops->remove(c->fs, path);
		if (rc)
			return rc;
		c->removed++;
		printf("  removed: %s\n", path);
	} else {
		printf("  leftover: %s (from an interrupted write; --repair removes it)\n", path);
	}
	return 0;
}

/* Counts the lines of an events segment that the event model refuses. */
static uint64_t invalid_events(const struct buf *text, const struct event_limits *lim,
			       struct buf *scratch, const char *path)
{
	const char *p = text->data, *end = text->data + text->len;
	struct event_error err;
	struct event ev;
	uint64_t bad = 0, line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (event_parse_json(p, (size_t)(nl - p), EVENT_PARSE_RAW, lim, &ev, scratch, &err)) {
			if (bad++ < 3)
				printf("  invalid event: %s:%" PRIu64 ": %s%s%s\n", path, line, err.field,
				       err.field[0] ? ": " : "", err.message);
		}
		p = nl + 1;
	}
	return bad;
}

static int run_lake_fsck(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct fsck_opts *o = vopts;
	struct lake_fs *fs;
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct event_limits lim;
	struct leftover_ctx lc = { .repair = o->repair };
	uint64_t corrupt = 0;
	size_t z, i;
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)))
		return rc;
	lc.fs = fs;
	event_limits_from_config(&lim, &ctx->cfg);
	for (z = 0; z < raw_nzones && !rc; z++) {
		struct raw_segment_list l;
		uint64_t lines = 0, bad = 0, zone_invalid = 0;
		char count[32];
		struct progress prog;
		bool event_zone = !strcmp(raw_zones[z].name, "events");
		if ((rc = raw_list_segments(fs, raw_zones[z].dir, true, &l)))
			break;
		progress_start(&prog, "fsck", "segments", l.n);
		for (i = 0; i < l.n; i++) {
			progress_set(&prog, i);
			if (raw_segment_verify(fs, &l.seg[i], &text)) {
				progress_clear_line();
				printf("  damaged: %s\n", pp_errmsg());
				bad++;
				continue;
			}
			lines += l.seg[i].lines;
			if (o->events && event_zone)
				zone_invalid += invalid_events(&text, &lim, &scratch, l.seg[i].path);
		}
		progress_finish(&prog);
		fmt_count(lines, count);
		printf("%-16s %zu segments, %s lines: %s", raw_zones[z].name, l.n, count,
		       bad ? "DAMAGED" : "ok");
		if (bad)
			printf(" (%" PRIu64 " damaged segments)", bad);
		if (o->events && event_zone)
			printf(", %" PRIu64 " lines that are not valid events (the ETL quarantines them)",
			       zone_invalid);
		printf("\n");
		corrupt += bad;
		raw_segment_list_release(&l);
	}
	if (!rc && fs->ops->leftovers) /* anywhere: a killed build leaves its matrix too */
		rc = fs->ops->leftovers(fs, ".", on_leftover, &lc);
	if (!rc)
		printf("leftovers of interrupted writes: %" PRIu64 " (%" PRIu64 " removed, %" PRIu64
		       " in progress)\n", lc.found, lc.removed, lc.live);
	buf_release(&text);
	buf_release(&scratch);
	lake_fs_close(fs);
	if (!rc && corrupt)
		rc = pp_error(PP_ECORRUPT, "%" PRIu64 " damaged segments", corrupt);
	return rc;
}

const struct command cmd_lake_fsck = {
	.name = "lake fsck",
	.fn = run_lake_fsck,
	.summary = "verify every raw segment; find (and --repair) leftovers of crashed writers",
	CMD_OPTS(fsck_options, struct fsck_opts),
	.max_args = 0,
	.details = "Exits 1 when a segment is damaged. Leftover temporary files are harmless\n"
		   "(readers never see them) and are only reported unless --repair is given.",
};
