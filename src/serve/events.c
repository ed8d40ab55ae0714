/*
 * events.c - POST /v1/events: split the body into events (one object, an array, or
 * NDJSON), validate each with the event model, hand the good ones to the collector and
 * answer once they are durable, listing what was refused and why.
 */
#include "serve/http.h"
#include "core/err.h"
#include "core/json_scan.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "ingest/collector.h"

struct events_state {
	struct buf lines;      /* canonical lines of accepted events, '\n' after each */
	struct collector_item *items;
	size_t *offset;        /* start of each item's line in `lines` */
	bool *dup;
	size_t nitems, capitems;
	struct buf rejected;   /* JSON array body: {"index","field","message"},... */
	size_t nrejected, nduplicates;
};

static void state_free(void *p)
{
	struct events_state *st = p;

	buf_release(&st->lines);
	buf_release(&st->rejected);
	pp_free(st->items);
	pp_free(st->offset);
	pp_free(st->dup);
	pp_free(st);
}

static int reject(struct events_state *st, size_t index, const char *field, const char *msg)
{
	int rc = buf_printf(&st->rejected, "%s{\"index\":%zu,\"field\":", st->nrejected ? "," : "",
			    index);

	if (!rc)
		rc = field[0] ? buf_put_json_str(&st->rejected, field, strlen(field))
			      : buf_puts(&st->rejected, "null");
	if (!rc)
		rc = buf_puts(&st->rejected, ",\"message\":");
	if (!rc)
		rc = buf_put_json_str(&st->rejected, msg, strlen(msg));
	if (!rc)
		rc = buf_putc(&st->rejected, '}');
	st->nrejected++;
	return rc;
}

/* Validates one event's text; keeps it (canonical, stamped received_at) or rejects it. */
static int take_event(struct http_request *req, struct events_state *st, size_t index,
		      const char *text, size_t len, const struct event_limits *lim,
		      struct buf *scratch, int64_t now)
{
	struct event_error err;
	struct event ev;
	int rc = event_parse_json(text, len, 0, lim, &ev, scratch, &err);

	(void)req;
	if (rc == PP_EINVAL)
		return reject(st, index, err.field, err.message);
	if (rc)
		return rc;
	ev.received_at = now;
	if (pp_array_grow(&st->items, st->nitems, &st->capitems, sizeof(*st->items), 64))
		return PP_ENOMEM;
	{
		/* offset array grows alongside items */
		size_t *no = pp_realloc(st->offset, st->capitems * sizeof(*no));
		if (!no)
			return PP_ENOMEM;
		st->offset = no;
	}
	st->offset[st->nitems] = st->lines.len;
	if ((rc = event_write_json(&ev, &st->lines)) || (rc = buf_putc(&st->lines, '\n')))
		return rc;
	st->items[st->nitems].line.len = st->lines.len - st->offset[st->nitems] - 1;
	/* the event_id is re-found in the line once all lines are in place (lines may move) */
	st->items[st->nitems].event_id.len = ev.event_id.len;
	st->nitems++;
	return 0;
}

/* Points items at their lines and event_ids now that `lines` no longer moves. */
static void fix_spans(struct events_state *st)
{
	size_t i;

	for (i = 0; i < st->nitems; i++) {
		const char *line = st->lines.data + st->offset[i];
		st->items[i].line.p = line;
		st->items[i].event_id = event_line_event_id(line, st->items[i].line.len);
	}
}

static int too_many(struct http_request *req, int64_t max)
{
	return http_error(req, 413, "too_many_events", NULL,
			  "a request may carry at most %" PRId64 " events", max);
}

/* NDJSON: one event per line; blank lines are skipped. */
static int split_ndjson(struct http_request *req, struct events_state *st,
			const struct event_limits *lim, struct buf *scratch, int64_t now, bool *done)
{
	const char *p = req->body.data, *end = p + req->body.len;
	int64_t max = req->srv->cfg->max_events_per_request;
	size_t index = 0;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t len = (size_t)(e - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len) {
			if ((int64_t)index >= max) {
				*done = true;
				return too_many(req, max);
			}
			if ((rc = take_event(req, st, index, p, len, lim, scratch, now)))
				return rc;
			index++;
		}
		p = e + 1;
	}
	return 0;
}

/* application/json: one object, or an array of them. */
static int split_json(struct http_request *req, struct events_state *st,
		      const struct event_limits *lim, struct buf *scratch, int64_t now, bool *done)
{
	struct json_scan sc;
	int64_t max = req->srv->cfg->max_events_per_request;
	size_t index = 0;
	int rc;

	json_scan_init(&sc, req->body.data, req->body.len);
	if (json_peek(&sc) != '[')
		return take_event(req, st, 0, req->body.data, req->body.len, lim, scratch, now);
	sc.pos++;
	if (json_peek(&sc) == ']')
		sc.pos++;
	else
		for (;;) {
			size_t start;
			json_skip_ws(&sc);
			start = sc.pos;
			if (json_skip_value(&sc, (int)req->srv->cfg->max_json_depth + 1)) {
				*done = true;
				return http_error(req, 400, "bad_json", NULL, "%s at byte %zu of the array",
						  sc.err, sc.pos + 1);
			}
			if ((int64_t)index >= max) {
				*done = true;
				return too_many(req, max);
			}
			if ((rc = take_event(req, st, index, req->body.data + start, sc.pos - start, lim,
					     scratch, now)))
				return rc;
			index++;
			if (json_peek(&sc) == ',') {
				sc.pos++;
				continue;
			}
			if (json_expect(&sc, ']', "expected ',' or ']' in the array")) {
				*done = true;
				return http_error(req, 400, "bad_json", NULL, "%s at byte %zu", sc.err,
						  sc.pos + 1);
			}
			break;
		}
	if (json_peek(&sc) != 0) {
		*done = true;
		return http_error(req, 400, "bad_json", NULL, "unexpected text after the array at byte %zu",
				  sc.pos + 1);
	}
	return 0;
}

static int respond_stored(struct http_request *req, struct events_state *st)
{
	struct server *s = req->srv;
	size_t stored = st->nitems - st->nduplicates;

	if (req->wait_status)
		return http_error(req, 503, "journal_failed", NULL,
				  "the events could not be made durable (is the disk full?); retry");
	metrics_add(&s->metrics.events_accepted, stored);
	metrics_add(&s->metrics.events_duplicate, st->nduplicates);
	buf_printf(&req->out, "{\"accepted\":%zu,\"stored\":%zu,\"duplicates\":%zu,\"rejected\":[",
		   st->nitems, stored, st->nduplicates);
	buf_append(&req->out, st->rejected.data, st->rejected.len);
	buf_puts(&req->out, "]}\n");
	return HTTP_DONE;
}

#define PUBLISH_BATCH 256 /* events handed to the subscribers at once (live features: a
			   * transaction and a sync for all of them) */

/* Subscribers get the stored events, parsed back from their canonical lines, in batches. */
static void publish(struct http_request *req, struct events_state *st)
{
	struct event_limits lim = req->srv->limits;
	struct buf scratch[PUBLISH_BATCH]; /* each event's decoded escapes, kept with the batch */
	struct event evs[PUBLISH_BATCH];
	struct event_error err;
	size_t n = 0;

	lim.max_ts = INT64_MAX;
	lim.min_ts = INT64_MIN;
	for (size_t k = 0; k < PUBLISH_BATCH; k++)
		buf_init(&scratch[k], 0);
	for (size_t i = 0; i < st->nitems; i++) {
		if (st->dup[i])
			continue;
		if (event_parse_json(st->items[i].line.p, st->items[i].line.len, EVENT_PARSE_RAW, &lim, &evs[n],
				     &scratch[n], &err) == 0 && ++n == PUBLISH_BATCH) {
			collector_publish(req->srv->collector, evs, n);
			n = 0;
		}
	}
	collector_publish(req->srv->collector, evs, n);
	for (size_t k = 0; k < PUBLISH_BATCH; k++)
		buf_release(&scratch[k]);
}

int route_post_events(struct http_request *req)
{
	struct server *s = req->srv;
	struct events_state *st = req->state;
	struct event_limits lim = s->limits;
	struct buf scratch = BUF_INIT;
	const char *ct;
	int64_t now = time_now_ms();
	bool done = false;
	int rc;

	if (req->resumed) {
		if (!req->wait_status)
			publish(req, st);
		return respond_stored(req, st);
	}
	if (!req->body.len)
		return http_error(req, 400, "empty_body", NULL, "the body is empty; send events as JSON "
				  "or NDJSON");
	st = pp_calloc(1, sizeof(*st));
	if (!st)
		return http_error(req, 500, "internal", NULL, "out of memory");
	req->state = st;
	req->state_free = state_free;
	lim.max_ts = now + s->cfg->max_clock_skew_ms;
	ct = http_header(req, "Content-Type");
	if (ct && !strncasecmp(ct, "application/x-ndjson", 20))
		rc = split_ndjson(req, st, &lim, &scratch, now, &done);
	else
		rc = split_json(req, st, &lim, &scratch, now, &done);
	buf_release(&scratch);
	if (done)
		return HTTP_DONE;
	if (rc)
		return http_error(req, 500, "internal", NULL, "%s", pp_errmsg());
	metrics_add(&s->metrics.events_rejected, st->nrejected);
	if (!st->nitems) {
		http_error(req, 400, "invalid_events", NULL,
			   "no valid event in the body (%zu rejected)", st->nrejected);
		/* keep the error shape and add the per-event reasons */
		req->out.len -= 2; /* "}\n" */
		buf_puts(&req->out, ",\"accepted\":0,\"rejected\":[");
		buf_append(&req->out, st->rejected.data, st->rejected.len);
		buf_puts(&req->out, "]}\n");
		return HTTP_DONE;
	}
	fix_spans(st);
	st->dup = pp_calloc(st->nitems, sizeof(bool));
	if (!st->dup)
		return http_error(req, 500, "internal", NULL, "out of memory");
	rc = collector_submit(s->collector, st->items, st->nitems, st->dup, &req->wait_ticket);
	if (rc == PP_ELIMIT)
		return http_error(req, 429, "queue_full", NULL, "the ingest queue is full; retry shortly");
	if (rc)
		return http_error(req, 503, "journal_failed", NULL, "%s", pp_errmsg());
	for (size_t i = 0; i < st->nitems; i++)
		st->nduplicates += st->dup[i];
	return HTTP_SUSPEND;
}
