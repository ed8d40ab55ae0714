/* Live features: events into the online store through the feature engine (live.h). */
#include "features/live.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"
#include "event/sessionize.h"
#include "features/engine.h"
#include "features/materialize.h"

#include <math.h>
#include <pthread.h>

/* Blob keys, apart from the rows (whose names are identifiers). */
#define VISITOR_CLOCK "@clock/visitor"
#define SESSION_CLOCK "@clock/session"
#define STATE_PREFIX "@state/"

struct live_features {
	const struct feature_registry *r;
	struct online_store *store;
	struct feature_engine *eng;
	int64_t gap_ms;
	char **state_names; /* per view: STATE_PREFIX name */
	pthread_mutex_t mu; /* the engine's scratch is one: one event at a time */
	struct live_stats st;
	/* per event, inside the transaction */
	struct buf session_id;
	struct buf *blobs; /* per view: the state's new bytes */
	struct engine_entity **states;
	struct online_row *rows;
};

/* A visitor's clock: the latest event and the current session's start; a session's: the
 * latest event (start unused). */
struct clock {
	int64_t last, start;
};

int live_open(struct live_features **out, const struct feature_registry *r, struct online_store *store,
	      int64_t session_gap_ms)
{
	struct live_features *l;
	int rc;

	*out = NULL;
	if (r->nviews > 64)
		return pp_error(PP_ELIMIT, "live features: %zu views (at most 64)", r->nviews);
	*out = l = pp_calloc(1, sizeof(*l));
	if (!l)
		return PP_ENOMEM;
	l->r = r;
	l->store = store;
	l->gap_ms = session_gap_ms;
	pthread_mutex_init(&l->mu, NULL);
	buf_init(&l->session_id, 0);
	if (!(l->state_names = pp_calloc(r->nviews + 1, sizeof(char *))) ||
	    !(l->blobs = pp_calloc(r->nviews + 1, sizeof(*l->blobs))) ||
	    !(l->states = pp_calloc(r->nviews + 1, sizeof(*l->states))) ||
	    !(l->rows = pp_calloc(r->nviews + 1, sizeof(*l->rows))))
		return PP_ENOMEM;
	for (size_t v = 0; v < r->nviews; v++) {
		struct buf name = BUF_INIT;
		if ((rc = buf_printf(&name, STATE_PREFIX "%s", r->views[v].name)))
			return rc;
		l->state_names[v] = buf_detach(&name, NULL);
		buf_init(&l->blobs[v], 0);
	}
	return engine_open(&l->eng, r);
}

void live_close(struct live_features *l)
{
	if (!l)
		return;
	for (size_t v = 0; l->state_names && v < l->r->nviews; v++) {
		pp_free(l->state_names[v]);
		if (l->blobs)
			buf_release(&l->blobs[v]);
	}
	pp_free(l->state_names);
	pp_free(l->blobs);
	pp_free(l->states);
	pp_free(l->rows);
	buf_release(&l->session_id);
	engine_close(l->eng);
	pthread_mutex_destroy(&l->mu);
	pp_free(l);
}

static struct clock clock_of(struct span blob, bool found)
{
	struct clock c = { 0, 0 };

	if (found && blob.len == sizeof(c))
		memcpy(&c, blob.p, sizeof(c));
	return c;
}

/* The number count_distinct counts for an identifier: 52 bits of its hash, exact in a
 * double (NaN: none). */
static double key_number(struct span s)
{
	return s.len ? (double)(pp_hash64(s.p, s.len, 0x6c697665) >> 12) : NAN;
}

/* Events to apply in one transaction, and where their sessions go (or NULL). */
struct apply_ctx {
	struct live_features *l;
	const struct event *evs;
	size_t n;
	char (*session)[LIVE_SESSION_MAX];
};

/* Everything the event changes, read, computed and written in transaction t. */
static int apply_event(struct online_txn *t, struct live_features *l, const struct event *ev)
{
	const struct online_store_ops *ops = l->store->ops;
	const struct feature_registry *r = l->r;
	struct online_key keys[2 + 64];
	struct span blobs[2 + 64];
	bool found[2 + 64];
	size_t slot[64]; /* view -> index into keys, or SIZE_MAX */
	struct clock vc, sc;
	struct fe_event fe = { .ts = ev->ts, .visitor = ev->visitor_id, .item = ev->item_id,
			       .category = ev->category_id, .type = ev->type, .price = ev->price };
	double fields[FLD__NUMBERS], keyval[EK__COUNT];
	int64_t vprev, sprev;
	size_t nk = 1;
	bool started;
	int rc;

	/* the visitor's clock: which session this is */
	keys[0] = (struct online_key){ VISITOR_CLOCK, ev->visitor_id };
	if ((rc = ops->txn_get(t, keys, 1, ev->ts, blobs, found)))
		return rc;
	vc = clock_of(blobs[0], found[0]);
	vprev = engine_clock_prev(vc.last, ev->ts);
	started = session_starts(vc.last, ev->ts, l->gap_ms);
	if (started)
		vc.start = ev->ts;
	buf_reset(&l->session_id);
	if (ev->session_id.len)
		rc = buf_append(&l->session_id, ev->session_id.p, ev->session_id.len);
	else
		rc = session_id_format(&l->session_id, ev->visitor_id, vc.start);
	if (rc)
		return rc;
	fe.session = (struct span){ l->session_id.data, l->session_id.len };

	/* the session's clock and the states of the event's entities */
	keys[0] = (struct online_key){ SESSION_CLOCK, fe.session };
	for (size_t v = 0; v < r->nviews; v++) {
		const struct span by_kind[ENT__COUNT] = { fe.session, fe.visitor, fe.item, fe.category };
		struct span ent = by_kind[r->views[v].entity];
		slot[v] = SIZE_MAX;
		if (!ent.len)
			continue;
		slot[v] = nk;
		keys[nk++] = (struct online_key){ l->state_names[v], ent };
	}
	if ((rc = ops->txn_get(t, keys, nk, ev->ts, blobs, found)))
		return rc;
	sc = clock_of(blobs[0], found[0]);
	sprev = engine_clock_prev(sc.last, ev->ts);

	engine_event_fields(&fe, sprev, vprev, fields);
	keyval[EK_SESSION] = key_number(fe.session);
	keyval[EK_VISITOR] = key_number(fe.visitor);
	keyval[EK_ITEM] = key_number(fe.item);
	keyval[EK_CATEGORY] = key_number(fe.category);

	/* every state decoded (their bytes go with the first put), changed and read */
	for (size_t v = 0; v < r->nviews && !rc; v++) {
		const struct feature_view *fv = &r->views[v];
		struct online_row *row = &l->rows[v];
		int64_t last;
		l->states[v] = NULL;
		if (slot[v] == SIZE_MAX)
			continue;
		if ((rc = engine_entity_decode(l->eng, v, found[slot[v]] ? blobs[slot[v]] : (struct span){ 0 },
					       &l->states[v])) ||
		    (rc = engine_entity_add(l->eng, v, l->states[v], &fe, fields, keyval)))
			break;
		last = engine_entity_last(l->states[v]);
		if ((rc = engine_entity_values(l->eng, v, l->states[v], last, row->v)))
			break;
		online_row_finish(fv, last, last, row);
		rc = engine_entity_encode(l->eng, v, l->states[v], &l->blobs[v]);
	}
	for (size_t v = 0; v < r->nviews && !rc; v++) {
		struct engine_entity *s = l->states[v];
		int64_t last;
		if (!s)
			continue;
		last = engine_entity_last(s);
		if (!(rc = ops->txn_put_blob(t, &keys[slot[v]], (struct span){ l->blobs[v].data, l->blobs[v].len }, last,
					     engine_entity_keep_until(l->eng, v, s))))
			rc = ops->txn_put_row(t, &(struct online_key){ r->views[v].name, keys[slot[v]].entity },
					      &l->rows[v]);
	}

	/* the clocks */
	if (!rc) {
		struct clock c = { sc.last > ev->ts ? sc.last : ev->ts, 0 };
		keys[0] = (struct online_key){ SESSION_CLOCK, fe.session };
		rc = ops->txn_put_blob(t, &keys[0], (struct span){ (const char *)&c, sizeof(c) }, c.last,
				       c.last + ENGINE_CLOCK_KEEP_MS);
	}
	if (!rc) {
		if (ev->ts > vc.last)
			vc.last = ev->ts;
		keys[0] = (struct online_key){ VISITOR_CLOCK, fe.visitor };
		rc = ops->txn_put_blob(t, &keys[0], (struct span){ (const char *)&vc, sizeof(vc) }, vc.last,
				       vc.last + ENGINE_CLOCK_KEEP_MS);
	}
	for (size_t v = 0; v < r->nviews; v++) {
		engine_entity_free(l->eng, v, l->states[v]);
		l->states[v] = NULL;
	}
	return rc;
}

/* The context's events in order, in transaction t (run again from the first when the
 * store finds a conflict). */
static int apply_txn(struct online_txn *t, void *vctx)
{
	struct apply_ctx *ctx = vctx;
	int rc;

	for (size_t i = 0; i < ctx->n; i++) {
		if ((rc = apply_event(t, ctx->l, &ctx->evs[i])))
			return rc;
		if (ctx->session)
			snprintf(ctx->session[i], LIVE_SESSION_MAX, "%.*s", (int)ctx->l->session_id.len,
				 ctx->l->session_id.data);
	}
	return 0;
}

/* evs[0..n) in one transaction (l->mu held). */
static int transact(struct live_features *l, const struct event *evs, size_t n, char (*session)[LIVE_SESSION_MAX])
{
	struct apply_ctx ctx = { l, evs, n, session };

	return online_store_transact(l->store, apply_txn, &ctx);
}

int live_apply_batch(struct live_features *l, const struct event *evs, size_t n, char (*session)[LIVE_SESSION_MAX],
		     int *status)
{
	char why[512] = ""; /* the first failure's message */
	int first = 0, rc;

	pthread_mutex_lock(&l->mu);
	/* all at once where the store's transactions see their own writes: one commit */
	if (n > 1 && l->store->ops->txn_reads_own_writes) {
		if (!(rc = transact(l, evs, n, session))) {
			l->st.events += n;
			for (size_t i = 0; status && i < n; i++)
				status[i] = 0;
			pthread_mutex_unlock(&l->mu);
			return 0;
		}
		pp_error_clear(); /* nothing was applied: one by one, so one bad event costs only itself */
	}
	for (size_t i = 0; i < n; i++) {
		rc = transact(l, &evs[i], 1, session ? &session[i] : NULL);
		l->st.events++;
		if (rc) {
			l->st.failed++;
			if (session)
				session[i][0] = '\0';
			if (!first) {
				first = rc;
				snprintf(why, sizeof(why), "%s", pp_errmsg());
			}
			pp_error_clear();
		}
		if (status)
			status[i] = rc;
	}
	pthread_mutex_unlock(&l->mu);
	return first ? pp_error(first, "%s", why) : 0;
}

int live_apply_session(struct live_features *l, const struct event *ev, char *session, size_t n)
{
	char one[1][LIVE_SESSION_MAX];
	int rc = live_apply_batch(l, ev, 1, one, NULL);

	if (session && n)
		snprintf(session, n, "%s", rc ? "" : one[0]);
	return rc;
}

int live_apply(struct live_features *l, const struct event *ev)
{
	return live_apply_batch(l, ev, 1, NULL, NULL);
}

void live_get_stats(struct live_features *l, struct live_stats *st)
{
	pthread_mutex_lock(&l->mu);
	*st = l->st;
	pthread_mutex_unlock(&l->mu);
}
