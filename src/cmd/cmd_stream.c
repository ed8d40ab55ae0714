/*
 * ppredict stream: a simulated shop (src/sim) live: its events posted to a server's
 * /v1/events as they happen on the wall clock (from now, or --speed times faster), in small
 * batches over one keep-alive connection (ship/client.h). What `make demo` runs so the
 * dashboard's Live page moves; also a steady load for a server under test.
 *
 * With the seed and catalogue size of a lake's simulation, the visitors and items are the
 * lake's: the stream is the same shop going on.
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/log.h"
#include "core/stop.h"
#include "core/timeutil.h"
#include "ship/client.h"
#include "sim/sim_format.h"

#include <signal.h>
#include <unistd.h>

#define BATCH_MS 250
#define BATCH_MAX 1000
#define REPORT_MS (10 * MS_PER_SEC)

struct stream_opts {
	const char *to, *key;
	int64_t seed, visitors, days, items, start;
	double speed;
};

#define O(f) offsetof(struct stream_opts, f)
static const struct cli_opt stream_options[] = {
	{ "to", 't', OPT_STR, O(to), NULL, "URL", "the server, e.g. http://127.0.0.1:8080 (required)" },
	{ "key", 0, OPT_STR, O(key), NULL, "KEY", "API key with the ingest scope (else $PPREDICT_KEY)" },
	{ "seed", 's', OPT_INT, O(seed), "42", "N", "the shop's seed (a lake's simulation's: its visitors)", 0, 1e18 },
	{ "visitors", 'n', OPT_INT, O(visitors), "300000", "N", "visitors over the --days (about 2.1 events each)",
	  1, 2e9 },
	{ "days", 'd', OPT_INT, O(days), "1", "N", "how long the stream runs, in shop days", 1, 3650 },
	{ "items", 0, OPT_INT, O(items), "77833", "N",
	  "catalogue size (the default is `simulate`'s for its default visitors: the same items)", 1, 1e9 },
	{ "start", 0, OPT_TIME, O(start), NULL, "TIME", "the shop's clock at the start (default: now)" },
	{ "speed", 0, OPT_DOUBLE, O(speed), "1", "X", "the shop's clock runs X times the wall clock's", 0.001, 1e6 },
};
#undef O

struct streamer {
	const struct sim *sim;
	struct ship_client *client;
	struct buf batch, reply;
	size_t pending;
	int64_t wall0, shop0, last_post, last_report;
	double speed;
	uint64_t sent, refused, sessions;
};

static volatile int *stop_requested;

/* The wall-clock time of a shop time. */
static int64_t wall_of(const struct streamer *st, int64_t shop)
{
	return st->wall0 + (int64_t)((double)(shop - st->shop0) / st->speed);
}

/* Posts the batch, again after a pause while the server cannot take it. */
static int post(struct streamer *st)
{
	int status = 0;

	while (st->pending) { /* once more when stopping, then no more */
		status = ship_client_post(st->client, &st->batch, &st->reply);
		if (status == 200 || *stop_requested)
			break;
		if (status == 400) { /* the server said which events it refused: counted, not sent again */
			st->refused += st->pending;
			log_warn("the server refused a batch: %.*s", (int)(st->reply.len > 300 ? 300 : st->reply.len),
				 st->reply.data ? st->reply.data : "");
			break;
		}
		log_warn("the server answered %d; trying again in 1 s", status);
		sleep(1);
	}
	if (status == 200)
		st->sent += st->pending;
	buf_reset(&st->batch);
	st->pending = 0;
	st->last_post = time_now_ms();
	return 0;
}

static void report(struct streamer *st, int64_t now)
{
	char shop[32];

	if (now - st->last_report < REPORT_MS)
		return;
	time_format_rfc3339(st->shop0 + (int64_t)((double)(now - st->wall0) * st->speed), shop);
	log_info("%" PRIu64 " events sent (%.1f/s), %" PRIu64 " sessions begun; the shop's clock %s", st->sent,
		 (double)st->sent * 1000.0 / (double)(now - st->wall0 + 1), st->sessions, shop);
	st->last_report = now;
}

static int on_event(void *ctx, const struct sim_event *ev)
{
	struct streamer *st = ctx;
	struct sim_event e = *ev;
	int64_t due = wall_of(st, ev->arrive), now = time_now_ms();
	int rc;

	if (*stop_requested)
		return PP_ELIMIT; /* ends sim_run; told apart by the flag */
	if (ev->arrive < st->shop0) /* the shop's day began before the stream: that is the past */
		return 0;
	if (due > now && st->pending)
		post(st);
	while (due > (now = time_now_ms()) && !*stop_requested) {
		report(st, now);
		usleep((useconds_t)((due - now > 200 ? 200 : due - now) * 1000));
	}
	e.ts = wall_of(st, ev->ts); /* stamped on the wall clock, as a live shop's would be */
	e.seq += (uint64_t)(st->wall0 / 1000) << 26; /* event ids of their own: not an earlier stream's */
	e.arrive = due;
	if ((rc = sim_format_event(st->sim, SIM_NDJSON, &e, &st->batch)) == 1)
		return 0;
	if (rc)
		return rc;
	if (++st->pending >= BATCH_MAX || time_now_ms() - st->last_post >= BATCH_MS)
		post(st);
	return 0;
}

static int on_session(void *ctx, const struct sim_session_truth *t)
{
	struct streamer *st = ctx;

	(void)t;
	st->sessions++;
	return 0;
}

static int run_stream(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct stream_opts *o = vopts;
	struct streamer st = { .speed = o->speed };
	struct sim_sink sink = { &st, on_event, NULL, on_session, NULL };
	struct sim_params p;
	struct sim s;
	int rc;

	(void)ctx, (void)argc, (void)argv;
	if (!o->to)
		return pp_error(PP_EUSAGE, "--to URL is required (the server's, e.g. http://127.0.0.1:8080)");
	stop_requested = stop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	sim_params_default(&p);
	p.seed = (uint64_t)o->seed;
	p.visitors = (uint64_t)o->visitors;
	p.days = o->days;
	p.items = (uint64_t)o->items;
	st.wall0 = time_now_ms();
	p.start_ms = o->start ? o->start : st.wall0;
	st.shop0 = p.start_ms;
	if ((rc = sim_init(&s, &p)))
		return rc;
	st.sim = &s;
	st.last_post = st.last_report = st.wall0;
	if ((rc = ship_client_open(&st.client, o->to, o->key ? o->key : getenv("PPREDICT_KEY")))) {
		sim_release(&s);
		return rc;
	}
	log_info("streaming a shop of %" PRId64 " visitors over %" PRId64 " day%s to %s at %gx (Ctrl-C stops)",
		 o->visitors, o->days, o->days == 1 ? "" : "s", o->to, o->speed);
	rc = sim_run(&s, &sink, NULL);
	if (*stop_requested)
		rc = 0;
	post(&st);
	log_info("%" PRIu64 " events sent, %" PRIu64 " refused, %" PRIu64 " sessions", st.sent, st.refused, st.sessions);
	ship_client_close(st.client);
	buf_release(&st.batch);
	buf_release(&st.reply);
	sim_release(&s);
	return rc;
}

const struct command cmd_stream = {
	.name = "stream",
	.fn = run_stream,
	.summary = "a simulated shop's events posted live to a server (the demo's live traffic)",
	CMD_OPTS(stream_options, struct stream_opts),
	.max_args = 0,
	.details = "The events come at the times the shop makes them, on the wall clock (--speed runs it\n"
		   "faster), stamped with those times, in batches of at most 250 ms. With the seed and\n"
		   "--items of the lake's simulation (simulate's defaults here), visitors and items are\n"
		   "the lake's, so returning visitors bring their history. A server that cannot take a\n"
		   "batch (429, 5xx, unreachable) gets it again a second later.",
};
