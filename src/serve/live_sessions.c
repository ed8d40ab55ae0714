/* The sessions active now, with their latest probability (live_sessions.h). */
#include "serve/live_sessions.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "core/timeutil.h"

#include <math.h>
#include <pthread.h>

struct entry {
	char session[128], visitor[64], item[64], model[64];
	int64_t first_ts, last_ts;
	uint32_t events, views, carts;
	bool bought;
	double probability;
};

struct live_sessions {
	pthread_mutex_t mu;
	int64_t gap_ms, now;        /* now: the newest event time accepted */
	struct strmap index;        /* session -> position in entries */
	struct entry *entries;
	size_t n, cap;
	int64_t minute[60];         /* events per second of the last minute, by the stream's clock */
	int64_t minute_sec[60];
	int64_t next_sweep;
};

int live_sessions_open(struct live_sessions **out, int64_t gap_ms)
{
	struct live_sessions *ls = pp_calloc(1, sizeof(*ls));

	*out = ls;
	if (!ls)
		return PP_ENOMEM;
	pthread_mutex_init(&ls->mu, NULL);
	strmap_init(&ls->index);
	ls->gap_ms = gap_ms;
	return 0;
}

void live_sessions_close(struct live_sessions *ls)
{
	if (!ls)
		return;
	strmap_release(&ls->index);
	pp_free(ls->entries);
	pthread_mutex_destroy(&ls->mu);
	pp_free(ls);
}

/* The sessions quiet for two gaps dropped, the index built again. Lock held. */
static int sweep(struct live_sessions *ls)
{
	size_t kept = 0;
	struct strmap index;
	bool ins;

	strmap_init(&index);
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->entries[i].last_ts < ls->now - 2 * ls->gap_ms)
			continue;
		ls->entries[kept] = ls->entries[i];
		struct strmap_slot *slot = strmap_put(&index, ls->entries[kept].session,
						      strlen(ls->entries[kept].session), &ins);
		if (!slot) {
			strmap_release(&index);
			return PP_ENOMEM;
		}
		slot->value = kept++;
	}
	strmap_release(&ls->index);
	ls->index = index;
	ls->n = kept;
	return 0;
}

static void copy_span(char *out, size_t n, struct span s)
{
	snprintf(out, n, "%.*s", (int)(s.len < n ? s.len : n - 1), s.p ? s.p : "");
}

int live_sessions_event(struct live_sessions *ls, const struct event *ev, const char *session,
			double probability, const char *model)
{
	struct strmap_slot *slot;
	struct entry *e;
	bool ins;
	int rc = 0;

	if (!session || !*session)
		return 0;
	pthread_mutex_lock(&ls->mu);
	if (ev->ts > ls->now)
		ls->now = ev->ts;
	{
		int64_t sec = floor_div(ev->ts, 1000);
		size_t b = (size_t)(sec % 60);
		if (ls->minute_sec[b] != sec) {
			ls->minute_sec[b] = sec;
			ls->minute[b] = 0;
		}
		ls->minute[b]++;
	}
	if (ls->now >= ls->next_sweep) {
		rc = sweep(ls);
		ls->next_sweep = ls->now + ls->gap_ms / 4;
	}
	if (!rc && !(slot = strmap_put(&ls->index, session, strlen(session), &ins)))
		rc = PP_ENOMEM;
	if (!rc && ins) {
		if (pp_array_grow(&ls->entries, ls->n, &ls->cap, sizeof(*ls->entries), 256)) {
			rc = PP_ENOMEM;
		} else {
			slot->value = ls->n;
			e = &ls->entries[ls->n++];
			memset(e, 0, sizeof(*e));
			snprintf(e->session, sizeof(e->session), "%s", session);
			e->first_ts = ev->ts;
		}
	}
	if (!rc) {
		e = &ls->entries[slot->value];
		copy_span(e->visitor, sizeof(e->visitor), ev->visitor_id);
		copy_span(e->item, sizeof(e->item), ev->item_id);
		if (ev->ts > e->last_ts)
			e->last_ts = ev->ts;
		if (ev->ts < e->first_ts)
			e->first_ts = ev->ts;
		e->events++;
		e->views += ev->type == EV_VIEW;
		e->carts += ev->type == EV_ADDTOCART;
		e->bought |= ev->type == EV_TRANSACTION;
		e->probability = probability;
		snprintf(e->model, sizeof(e->model), "%s", model ? model : "");
	}
	pthread_mutex_unlock(&ls->mu);
	return rc;
}

static int by_order(const void *a, const void *b, void *order)
{
	const struct entry *x = a, *y = b;

	if (*(const enum live_order *)order == LIVE_BY_PROBABILITY) {
		double px = isnan(x->probability) ? -1 : x->probability, py = isnan(y->probability) ? -1 : y->probability;
		if (px != py)
			return px > py ? -1 : 1;
	}
	if (x->last_ts != y->last_ts)
		return x->last_ts > y->last_ts ? -1 : 1;
	return strcmp(x->session, y->session);
}

static void put_json(struct buf *out, const char *key, const char *s)
{
	buf_printf(out, ",\"%s\":", key);
	buf_put_json_str(out, s, strlen(s));
}

int live_sessions_page(struct live_sessions *ls, enum live_order order, size_t offset, size_t limit,
		       double min_probability, double threshold, uint64_t predictions, struct buf *out)
{
	struct entry *active = NULL;
	size_t nall = 0, nactive = 0, above = 0, scored = 0, shown = 0;
	double sum = 0;
	int64_t now, last_minute = 0;
	char when[32];

	pthread_mutex_lock(&ls->mu);
	now = ls->now;
	if (ls->n && !(active = pp_malloc(ls->n * sizeof(*active)))) {
		pthread_mutex_unlock(&ls->mu);
		return PP_ENOMEM;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const struct entry *e = &ls->entries[i];
		if (e->last_ts < now - ls->gap_ms)
			continue;
		nall++;
		if (!isnan(e->probability)) {
			scored++;
			sum += e->probability;
			above += e->probability >= threshold;
		}
		if (!(e->probability >= min_probability) && min_probability > 0)
			continue;
		active[nactive++] = *e;
	}
	for (int b = 0; b < 60; b++)
		if (ls->minute_sec[b] > floor_div(now, 1000) - 60)
			last_minute += ls->minute[b];
	pthread_mutex_unlock(&ls->mu);
	if (nactive > 1)
		qsort_r(active, nactive, sizeof(*active), by_order, &order);
	time_format_rfc3339(now, when);
	if (now)
		buf_printf(out, "{\"now\":\"%s\"", when);
	else
		buf_puts(out, "{\"now\":null");
	buf_printf(out, ",\"active\":%zu,\"scored\":%zu,\"events_last_minute\":%" PRId64 ",\"predictions\":%" PRIu64
		   ",\"mean_probability\":", nall, scored, last_minute, predictions);
	if (scored)
		buf_printf(out, "%.6g", sum / (double)scored);
	else
		buf_puts(out, "null");
	buf_printf(out, ",\"above_threshold\":%zu,\"matching\":%zu,\"sessions\":[", above, nactive);
	for (size_t i = offset; i < nactive && shown < limit; i++, shown++) {
		const struct entry *e = &active[i];
		buf_puts(out, shown ? ",{\"session_id\":" : "{\"session_id\":");
		buf_put_json_str(out, e->session, strlen(e->session));
		put_json(out, "visitor_id", e->visitor);
		put_json(out, "item_id", e->item);
		time_format_rfc3339(e->first_ts, when);
		buf_printf(out, ",\"started\":\"%s\"", when);
		time_format_rfc3339(e->last_ts, when);
		buf_printf(out, ",\"last_event\":\"%s\",\"events\":%u,\"views\":%u,\"carts\":%u,\"bought\":%s,"
			   "\"probability\":", when, e->events, e->views, e->carts, e->bought ? "true" : "false");
		if (isnan(e->probability))
			buf_puts(out, "null");
		else
			buf_printf(out, "%.6g", e->probability);
		put_json(out, "model_version", e->model);
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"next_offset\":");
	if (offset + shown < nactive)
		buf_printf(out, "%zu", offset + shown);
	else
		buf_puts(out, "null");
	buf_puts(out, "}\n");
	pp_free(active);
	return 0;
}
