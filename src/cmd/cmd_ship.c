/* ppredict ship: tail log files and send their events to a ppredict server. */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/stop.h"
#include "core/log.h"
#include "ship/ship.h"

#include <signal.h>

struct ship_cmd_opts {
	const char *to, *format, *key, *registry;
	int64_t batch, poll_ms, rotate_grace_ms;
	bool once;
};

#define O(f) offsetof(struct ship_cmd_opts, f)
static const struct cli_opt ship_options[] = {
	{ "to", 't', OPT_STR, O(to), NULL, "URL", "the server, e.g. http://127.0.0.1:8080 (required)" },
	{ "format", 'f', OPT_STR, O(format), "ndjson", "FMT", "ndjson, retailrocket or rees46" },
	{ "key", 0, OPT_STR, O(key), NULL, "KEY", "API key with the ingest scope (else "
	  "$PPREDICT_KEY)" },
	{ "registry", 0, OPT_STR, O(registry), "ship.registry", "FILE",
	  "where offsets are kept between runs" },
	{ "batch", 0, OPT_INT, O(batch), "500", "N", "events per request", 1, 10000 },
	{ "poll", 0, OPT_INT, O(poll_ms), "200", "MS", "how often files are checked for growth",
	  10, 60000 },
	{ "rotate-grace", 0, OPT_INT, O(rotate_grace_ms), "5000", "MS",
	  "how long a rotated-away file is still read", 0, 3600000 },
	{ "once", 0, OPT_FLAG, O(once), NULL, NULL, "stop when every file is read to its end" },
};
#undef O

static int run_ship(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct ship_cmd_opts *c = vopts;
	struct ship_opts o = { 0 };
	struct ship_stats st;
	int rc;

	if (!c->to)
		return pp_error(PP_EUSAGE, "--to URL is required (the ppredict server)");
	o.format = import_format_find(c->format);
	if (!o.format)
		return pp_error(PP_EUSAGE, "--format: expected ndjson, retailrocket or rees46, got '%s'",
				c->format);
	o.patterns = (const char **)argv;
	o.npatterns = (size_t)argc;
	o.url = c->to;
	o.key = c->key ? c->key : getenv("PPREDICT_KEY");
	o.registry = c->registry;
	o.batch_events = (size_t)c->batch;
	o.batch_bytes = 4u << 20;
	o.poll_ms = c->poll_ms;
	o.rotate_grace_ms = c->rotate_grace_ms;
	o.once = c->once;
	o.stop = stop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	rc = ship_run(&o, &ctx->cfg, &st);
	log_info("%" PRIu64 " lines from %" PRIu64 " files: %" PRIu64 " events sent in %" PRIu64
		 " batches, %" PRIu64 " refused, %" PRIu64 " retries", st.lines, st.files, st.events,
		 st.batches, st.rejected, st.retries);
	return rc;
}

const struct command cmd_ship = {
	.name = "ship",
	.fn = run_ship,
	.summary = "tail log files and send their events to a server (like Filebeat)",
	.usage = "PATTERN...",
	CMD_OPTS(ship_options, struct ship_cmd_opts),
	.min_args = 1,
	.max_args = -1,
	.details = "PATTERNs are globs ('logs/*.ndjson'; quote them). Files are followed as they\n"
		   "grow; renamed (rotated) files are read to their end, truncated ones from the\n"
		   "start. Offsets advance only when the server has acknowledged a batch; events\n"
		   "without event_id get one from file and line, so resends are stored once.",
};
