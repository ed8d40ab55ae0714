/*
 * ppredict recommend eval: how well the recommender finds the next item a session carts or
 * buys, on the newest test window, having learned only from the sessions before it, beside
 * a baseline that recommends the shop's most popular items (recommend/recommender.h).
 */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "features/event_table.h"
#include "recommend/recommender_build.h"

#define KS 3
static const size_t ks[KS] = { 5, 10, 20 };

struct eval_opts {
	bool json;
};

static const struct cli_opt eval_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct eval_opts, json), NULL, NULL, "print the result as JSON" },
};

struct tally {
	uint64_t hits[KS], sessions_hit[KS];
};

/* Whether target is among the first k of recs. */
static bool hit(const struct recommender *r, const struct rec_item *recs, size_t n, size_t k, const char *target)
{
	for (size_t i = 0; i < n && i < k; i++)
		if (!strcmp(recommender_name(r, recs[i].item), target))
			return true;
	return false;
}

static int run_eval(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct eval_opts *o = vopts;
	struct event_table t;
	struct lake_fs *fs = NULL;
	struct recommender *r = NULL;
	uint32_t *first = NULL, *rows = NULL;
	struct tally ours = { 0 }, base = { 0 };
	uint64_t targets = 0, sessions = 0, train_sessions = 0;
	int64_t version, t_min = INT64_MAX, t_max = INT64_MIN, test_from;
	struct rec_item recs[20];
	int rc;

	(void)argc, (void)argv;
	memset(&t, 0, sizeof(t));
	if ((rc = lake_fs_open_config(&fs, &ctx->cfg)) || (rc = event_table_read(fs, "", &t, &version)))
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		t_min = t.ts[i] < t_min ? t.ts[i] : t_min;
		t_max = t.ts[i] > t_max ? t.ts[i] : t_max;
	}
	if (!t.n) {
		rc = pp_error(PP_EINVAL, "processed/events has no events");
		goto out;
	}
	/* the test window as training cuts it: the last train.test_percent of the time span */
	test_from = t_max - (int64_t)((double)(t_max - t_min) * (double)ctx->cfg.train_test_percent / 100.0);
	if ((rc = recommender_from_events(&r, &t, test_from)) || (rc = event_table_sessions(&t, &first, &rows)))
		goto out;
	for (size_t s = 0; s < t.strings.count; s++) {
		struct rec_seed seeds[64];
		struct span seen[64];
		size_t nseeds = 0;
		bool any[2][KS] = { { false } }, counted = false;
		if (first[s] == first[s + 1])
			continue;
		if (t.ts[rows[first[s]]] < test_from) {
			train_sessions++;
			continue;
		}
		/* the session's items in the order it met them, and whether it carted or bought each */
		struct span order[64];
		enum event_type how[64];
		bool wanted[64] = { false };
		size_t nitems = 0;
		for (uint32_t k = first[s]; k < first[s + 1]; k++) {
			size_t i = rows[k], j = 0;
			while (j < nitems && strcmp(order[j].p, t.item[i]))
				j++;
			if (j == nitems) {
				if (nitems == ARRAY_SIZE(order))
					continue;
				order[nitems] = span_of(t.item[i]);
				how[nitems++] = (enum event_type)t.type[i];
			}
			wanted[j] |= t.type[i] == EV_ADDTOCART || t.type[i] == EV_TRANSACTION;
		}
		/* a target: an item it carted or bought, asked for before the session met it */
		for (size_t p = 1; p < nitems; p++) {
			size_t n = 0;
			if (!wanted[p])
				continue;
			nseeds = 0;
			for (size_t j = p; j-- > 0;) /* the newest first */
				seeds[nseeds++] = (struct rec_seed){ order[j], how[j] };
			memcpy(seen, order, p * sizeof(*seen));
			targets++;
			counted = true;
			if ((rc = recommend(r, seeds, nseeds, NULL, 0, ks[KS - 1], recs, &n)))
				goto out;
			for (int q = 0; q < KS; q++)
				if (hit(r, recs, n, ks[q], order[p].p)) {
					ours.hits[q]++;
					any[0][q] = true;
				}
			if ((rc = recommend(r, NULL, 0, seen, p, ks[KS - 1], recs, &n)))
				goto out;
			for (int q = 0; q < KS; q++)
				if (hit(r, recs, n, ks[q], order[p].p)) {
					base.hits[q]++;
					any[1][q] = true;
				}
		}
		sessions += counted;
		for (int q = 0; q < KS; q++) {
			ours.sessions_hit[q] += any[0][q];
			base.sessions_hit[q] += any[1][q];
		}
	}
	char from[32];
	time_format_rfc3339(test_from, from);
	if (o->json) {
		printf("{\"test_from\":\"%s\",\"train_sessions\":%" PRIu64 ",\"items\":%zu,\"pairs\":%zu,\"sessions\":%" PRIu64
		       ",\"targets\":%" PRIu64 ",\"k\":[", from, train_sessions, recommender_items(r), recommender_pairs(r),
		       sessions, targets);
		for (int q = 0; q < KS; q++)
			printf("%s{\"k\":%zu,\"recall\":%.6f,\"hit_rate\":%.6f,\"popular_recall\":%.6f,\"popular_hit_rate\":%.6f}",
			       q ? "," : "", ks[q], targets ? (double)ours.hits[q] / (double)targets : 0,
			       sessions ? (double)ours.sessions_hit[q] / (double)sessions : 0,
			       targets ? (double)base.hits[q] / (double)targets : 0,
			       sessions ? (double)base.sessions_hit[q] / (double)sessions : 0);
		printf("]}\n");
	} else {
		printf("learned from the %" PRIu64 " sessions before %s (%zu items, %zu item pairs kept); tested on the %"
		       PRIu64 " sessions after it that cart or buy an item met after their first (%" PRIu64 " such items, "
		       "each asked for from the items the session met before it)\n",
		       train_sessions, from, recommender_items(r), recommender_pairs(r), sessions, targets);
		printf("%4s  %12s  %12s  %14s  %14s\n", "k", "recall@k", "popular", "session hits", "popular");
		for (int q = 0; q < KS; q++)
			printf("%4zu  %12.4f  %12.4f  %14.4f  %14.4f\n", ks[q],
			       targets ? (double)ours.hits[q] / (double)targets : 0,
			       targets ? (double)base.hits[q] / (double)targets : 0,
			       sessions ? (double)ours.sessions_hit[q] / (double)sessions : 0,
			       sessions ? (double)base.sessions_hit[q] / (double)sessions : 0);
	}
out:
	pp_free(first);
	pp_free(rows);
	recommender_free(r);
	event_table_release(&t);
	lake_fs_close(fs);
	return rc;
}

const struct command cmd_recommend_eval = {
	.name = "recommend eval",
	.fn = run_eval,
	.summary = "the recommender on the newest test window, against recommending the popular items",
	CMD_OPTS(eval_options, struct eval_opts),
	.max_args = 0,
	.details = "The recommender learns item pairs from the sessions before the test window (the\n"
		   "last train.test_percent of the time span). For each item a test session carts or buys,\n"
		   "other than its first, it recommends from the items the session met before that one.\n"
		   "recall@k: the share of those items among the first k; session hits: the share of\n"
		   "sessions with at least one. The baseline recommends the most popular items of the\n"
		   "same window.",
};
