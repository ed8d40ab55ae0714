/* ppredict features list|describe|show: the feature registry (features/registry.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/mem.h"
#include "core/outfile.h"
#include "features/builder.h"
#include "features/historical.h"
#include "features/materialize.h"
#include "features/registry.h"

#include <math.h>

struct features_opts {
	bool json;
};

static const struct cli_opt features_options[] = {
	{ "json", 0, OPT_FLAG, offsetof(struct features_opts, json), NULL, NULL, "print JSON" },
};

static int print_json(json_t *j)
{
	if (!j)
		return PP_ENOMEM;
	json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(j);
	return 0;
}

static int run_list(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct features_opts *o = vopts;
	struct feature_registry r;
	struct tab tab;
	int rc;

	(void)argc, (void)argv;
	if ((rc = registry_load(&r, &ctx->cfg))) {
		registry_release(&r);
		return rc;
	}
	if (o->json) {
		rc = print_json(registry_json(&r));
		registry_release(&r);
		return rc;
	}
	tab_init(&tab, TAB_TEXT, stdout);
	static const char *const heads[] = { "view", "entity", "window", "ttl", "features", "hash" };
	for (size_t c = 0; c < ARRAY_SIZE(heads); c++)
		tab_add_column(&tab, heads[c], c == 4 ? TAB_NUMBER : TAB_STRING);
	for (size_t i = 0; i < r.nviews; i++) {
		const struct feature_view *v = &r.views[i];
		char ttl[32], n[16];
		if (v->ttl_ms % 86400000 == 0)
			snprintf(ttl, sizeof(ttl), "%" PRId64 "d", v->ttl_ms / 86400000);
		else if (v->ttl_ms % 3600000 == 0)
			snprintf(ttl, sizeof(ttl), "%" PRId64 "h", v->ttl_ms / 3600000);
		else
			snprintf(ttl, sizeof(ttl), "%" PRId64 "m", v->ttl_ms / 60000);
		snprintf(n, sizeof(n), "%zu", v->n);
		const char *cells[] = { v->name, entity_name(v->entity), window_name(v->window),
					v->ttl_ms ? ttl : "-", n, v->hash };
		for (size_t c = 0; c < ARRAY_SIZE(cells); c++)
			tab_cell(&tab, cells[c], strlen(cells[c]));
		tab_end_row(&tab);
	}
	tab_finish(&tab);
	tab_release(&tab);
	printf("%zu on-demand features; %zu features in all; registry %s, from %s\n", r.nod, r.nfeatures,
	       r.hash, r.file);
	registry_release(&r);
	return 0;
}

static int run_describe(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct features_opts *o = vopts;
	struct feature_registry r;
	const struct feature_view *v = NULL;
	int rc;

	(void)argc;
	if ((rc = registry_load(&r, &ctx->cfg))) {
		registry_release(&r);
		return rc;
	}
	for (size_t i = 0; i < r.nviews && !v; i++)
		if (!strcmp(r.views[i].name, argv[0]))
			v = &r.views[i];
	if (!v && strcmp(argv[0], "on_demand")) {
		rc = pp_error(PP_EUSAGE, "no feature view '%s' (`ppredict features list` shows them; "
				"on_demand: the on-demand features)", argv[0]);
	} else if (o->json) {
		json_t *all = registry_json(&r), *views = json_object_get(all, "feature_views"), *one = NULL;
		for (size_t i = 0; v && i < json_array_size(views); i++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(views, i), "name")), v->name))
				one = json_incref(json_array_get(views, i));
		rc = print_json(v ? one : json_incref(json_object_get(all, "on_demand_features")));
		json_decref(all);
	} else if (v) {
		printf("%s: entity %s (key %s), source %s, window %s, ttl %" PRId64 " s, hash %s\n", v->name,
		       entity_name(v->entity), entity_key(v->entity), v->source, window_name(v->window),
		       v->ttl_ms / 1000, v->hash);
		for (size_t k = 0; k < v->n; k++)
			printf("  %-22s %s%s%s%s%s%s\n", v->f[k].name, agg_name(v->f[k].agg),
			       v->f[k].field >= 0 ? "(" : "", v->f[k].field >= 0 ? event_field_name(v->f[k].field) : "",
			       v->f[k].field >= 0 ? ")" : "", v->f[k].where_text ? " where " : "",
			       v->f[k].where_text ? v->f[k].where_text : "");
	} else {
		for (size_t i = 0; i < r.nod; i++)
			printf("  %-22s = %s\n", r.od[i].name, r.od[i].text);
	}
	registry_release(&r);
	return rc;
}

static int run_show(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	(void)ctx, (void)vopts, (void)argc, (void)argv;
	fputs(registry_default_text(), stdout);
	return 0;
}

const struct command cmd_features_list = {
	.name = "features list",
	.fn = run_list,
	.summary = "the feature views of the registry, with a definition hash per view",
	CMD_OPTS(features_options, struct features_opts),
	.max_args = 0,
	.details = "The registry is features.repository, or the one that ships when that is empty.",
};

const struct command cmd_features_describe = {
	.name = "features describe",
	.fn = run_describe,
	.summary = "one feature view's features (aggregation, field, filter); on_demand: the expressions",
	.usage = "VIEW",
	CMD_OPTS(features_options, struct features_opts),
	.min_args = 1,
	.max_args = 1,
};

const struct command cmd_features_show = {
	.name = "features show",
	.fn = run_show,
	.summary = "print the feature repository that ships (YAML), a start for your own",
	.max_args = 0,
};

struct build_cmd_opts {
	const char *from, *to;
	bool include_bots, json;
	int64_t per_session, seed;
};

static const struct cli_opt build_options[] = {
	{ "from", 0, OPT_STR, offsetof(struct build_cmd_opts, from), NULL, "DATE",
	  "first date of the prediction points (default: the first)" },
	{ "to", 0, OPT_STR, offsetof(struct build_cmd_opts, to), NULL, "DATE",
	  "last date of the prediction points and of the history read (default: the last)" },
	{ "include-bots", 0, OPT_FLAG, offsetof(struct build_cmd_opts, include_bots), NULL, NULL,
	  "keep the points of visitors in curated/visitor_outliers" },
	{ "points-per-session", 0, OPT_INT, offsetof(struct build_cmd_opts, per_session), "0", "N",
	  "at most N points of a session, drawn at random (0: every point)", 0, 1e6 },
	{ "seed", 0, OPT_INT, offsetof(struct build_cmd_opts, seed), "42", "N", "seed of that draw", 0, 1e18 },
	{ "json", 0, OPT_FLAG, offsetof(struct build_cmd_opts, json), NULL, NULL, "print the counts as JSON" },
};

static int date_opt(const char *name, const char *v, char out[11])
{
	int64_t ms;

	out[0] = 0;
	if (!v)
		return 0;
	if (strlen(v) != 10 || time_parse(v, 10, &ms))
		return pp_error(PP_EUSAGE, "--%s: expected a date (YYYY-MM-DD), got '%s'", name, v);
	memcpy(out, v, 11);
	return 0;
}

static int run_build(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct build_cmd_opts *o = vopts;
	struct build_opts bo = { .include_bots = o->include_bots, .per_session = (uint32_t)o->per_session,
				 .seed = (uint64_t)o->seed };
	struct build_stats st;
	struct feature_registry r;
	struct lake_fs *fs = NULL;
	int rc;

	(void)argc, (void)argv;
	if ((rc = date_opt("from", o->from, bo.from)) || (rc = date_opt("to", o->to, bo.to)))
		return rc;
	if (bo.from[0] && bo.to[0] && strcmp(bo.from, bo.to) > 0)
		return pp_error(PP_EUSAGE, "--from %s is after --to %s", bo.from, bo.to);
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (rc = features_build(fs, &r, &bo, &st)))
		goto out;
	if (o->json)
		printf("{\"events\":%" PRIu64 ",\"points\":%" PRIu64 ",\"positives\":%" PRIu64
		       ",\"bot_points_skipped\":%" PRIu64 ",\"sampled_out\":%" PRIu64 ",\"features\":%zu,\"registry\":\"%s\","
		       "\"events_version\":%" PRId64 ",\"seconds\":%.3f}\n", st.events, st.points,
		       st.positives, st.bot_points_skipped, st.sampled_out, r.nfeatures, r.hash, st.version,
		       st.seconds);
	else
		printf("%" PRIu64 " prediction points (%" PRIu64 " labelled 1: the session buys later, %.2f%%) from %"
		       PRIu64 " events, %zu features each -> %s (%.2f s, %.0f points/s); %" PRIu64
		       " points of flagged bots left out\n", st.points, st.positives,
		       st.points ? 100.0 * (double)st.positives / (double)st.points : 0.0, st.events,
		       r.nfeatures, TRAINING_SET_TABLE, st.seconds,
		       st.seconds > 0 ? (double)st.points / st.seconds : 0.0, st.bot_points_skipped);
out:
	lake_fs_close(fs);
	registry_release(&r);
	return rc;
}

const struct command cmd_features_build = {
	.name = "features build",
	.fn = run_build,
	.summary = "the training set: one row per prediction point, every view as of that point",
	CMD_OPTS(build_options, struct build_cmd_opts),
	.max_args = 0,
	.details = "processed/events is replayed in time order through the feature engine; a\n"
		   "prediction point follows each event of a session before its first purchase,\n"
		   "labelled 1 when the session buys later. Rows go to features/training_set\n"
		   "(Delta, by date), replaced whole.",
};

struct materialize_opts {
	int64_t as_of;
	bool incremental, json;
};

static const struct cli_opt materialize_options[] = {
	{ "as-of", 0, OPT_TIME, offsetof(struct materialize_opts, as_of), NULL, "TIME",
	  "the time the values hold for (default: the newest event's)" },
	{ "incremental", 0, OPT_FLAG, offsetof(struct materialize_opts, incremental), NULL, NULL,
	  "write only the entities with events since the store's last materialization" },
	{ "json", 0, OPT_FLAG, offsetof(struct materialize_opts, json), NULL, NULL, "print the counts as JSON" },
};

static int run_materialize(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct materialize_opts *o = vopts;
	struct materialize_stats st;
	struct feature_registry r;
	struct lake_fs *fs = NULL;
	struct online_store *store = NULL;
	char as_of[32], since[32] = "";
	int rc;

	(void)argc, (void)argv;
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = lake_fs_open_config(&fs, &ctx->cfg)) ||
	    (rc = online_store_open(&store, &ctx->cfg)) ||
	    (rc = features_materialize(fs, &r, store, o->as_of, o->incremental, &st)))
		goto out;
	time_format_rfc3339(st.as_of, as_of);
	if (st.since)
		time_format_rfc3339(st.since, since);
	if (o->json)
		printf("{\"events\":%" PRIu64 ",\"rows\":%" PRIu64 ",\"expired\":%" PRIu64 ",\"unchanged\":%" PRIu64
		       ",\"as_of\":\"%s\",\"since\":%s%s%s,\"store\":\"%s\",\"seconds\":%.3f}\n", st.events, st.rows,
		       st.expired, st.unchanged, as_of, st.since ? "\"" : "", st.since ? since : "null",
		       st.since ? "\"" : "", store->ops->name, st.seconds);
	else if (st.since)
		printf("%" PRIu64 " rows into the online store (%s, %s) as of %s from %" PRIu64 " events; %"
		       PRIu64 " entities past their TTL left out, %" PRIu64 " without events since %s kept (%.2f s)\n",
		       st.rows, store->ops->name, store->where, as_of, st.events, st.expired, st.unchanged, since,
		       st.seconds);
	else
		printf("%" PRIu64 " rows into the online store (%s, %s) as of %s from %" PRIu64 " events; %"
		       PRIu64 " entities past their TTL left out (%.2f s)\n", st.rows, store->ops->name,
		       store->where, as_of, st.events, st.expired, st.seconds);
out:
	online_store_close(store);
	lake_fs_close(fs);
	registry_release(&r);
	return rc;
}

const struct command cmd_materialize = {
	.name = "materialize",
	.fn = run_materialize,
	.summary = "the feature views' latest values into the online store (online_store.backend)",
	CMD_OPTS(materialize_options, struct materialize_opts),
	.max_args = 0,
	.details = "processed/events is replayed up to --as-of through the feature engine; every\n"
		   "entity of every view still within its TTL becomes one row, expiring at its last\n"
		   "event plus the TTL. The store keeps the as-of of its last run; with --incremental\n"
		   "only the entities with events after it are written (the others keep their rows).",
};

struct online_opts {
	const char *session, *visitor, *item, *category;
	int64_t at;
};

static const struct cli_opt online_options[] = {
	{ "session", 0, OPT_STR, offsetof(struct online_opts, session), NULL, "ID", "the session" },
	{ "visitor", 0, OPT_STR, offsetof(struct online_opts, visitor), NULL, "ID", "the visitor" },
	{ "item", 0, OPT_STR, offsetof(struct online_opts, item), NULL, "ID", "the item" },
	{ "category", 0, OPT_STR, offsetof(struct online_opts, category), NULL, "ID", "the item's category" },
	{ "at", 0, OPT_TIME, offsetof(struct online_opts, at), NULL, "TIME",
	  "read as of this time (default: now)" },
};

static int run_online(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct online_opts *o = vopts;
	struct feature_registry r;
	struct online_store *store = NULL;
	double *vec = NULL;
	int rc;

	(void)argc, (void)argv;
	if (!o->session && !o->visitor && !o->item && !o->category)
		return pp_error(PP_EUSAGE, "give --session, --visitor, --item or --category");
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = online_store_open(&store, &ctx->cfg)))
		goto out;
	if (!(vec = pp_calloc(registry_vector_size(&r), sizeof(*vec)))) {
		rc = PP_ENOMEM;
		goto out;
	}
	const struct span keys[ENT__COUNT] = { span_of(o->session ? o->session : ""),
					       span_of(o->visitor ? o->visitor : ""), span_of(o->item ? o->item : ""),
					       span_of(o->category ? o->category : "") };
	if ((rc = online_vector(store, &r, keys, o->at ? o->at : time_now_ms(), vec)))
		goto out;
	json_t *j = json_object();
	for (size_t f = 0; f < r.nfeatures; f++)
		json_object_set_new(j, r.names[f], isnan(vec[f]) ? json_null() : json_real(vec[f]));
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
out:
	pp_free(vec);
	online_store_close(store);
	registry_release(&r);
	return rc;
}

const struct command cmd_features_online = {
	.name = "features online",
	.fn = run_online,
	.summary = "the feature vector serving reads for a session, visitor and item (JSON)",
	CMD_OPTS(online_options, struct online_opts),
	.max_args = 0,
};

struct historical_opts {
	const char *out;
};

static const struct cli_opt historical_options[] = {
	{ "out", 'o', OPT_STR, offsetof(struct historical_opts, out), NULL, "FILE",
	  "write the CSV to FILE (atomically) instead of standard output" },
};

static int run_historical(struct cmd_ctx *ctx, void *vopts, int argc, char **argv)
{
	struct historical_opts *o = vopts;
	struct historical_stats st;
	struct feature_registry r;
	struct lake_fs *fs = NULL;
	struct out_file of = { 0 };
	int rc;

	(void)argc;
	if ((rc = registry_load(&r, &ctx->cfg)) || (rc = lake_fs_open_config(&fs, &ctx->cfg)))
		goto out;
	if (o->out && (rc = out_file_open(&of, o->out)))
		goto out;
	rc = features_historical(fs, &r, argv[0], o->out ? of.f : stdout, &st);
	if (o->out) {
		int close_rc = out_file_close(&of, rc == 0);
		rc = rc ? rc : close_rc;
	}
	if (!rc)
		fprintf(stderr, "%" PRIu64 " rows with %zu features as of their times (%" PRIu64
			" rows left out, %" PRIu64 " events read, %.2f s)\n", st.rows, r.nfeatures,
			st.bad_rows, st.events, st.seconds);
out:
	lake_fs_close(fs);
	registry_release(&r);
	return rc;
}

const struct command cmd_features_historical = {
	.name = "features historical",
	.fn = run_historical,
	.summary = "every feature for your entity rows as of their times (Feast's get_historical_features)",
	.usage = "ENTITIES.csv",
	CMD_OPTS(historical_options, struct historical_opts),
	.min_args = 1,
	.max_args = 1,
	.details = "ENTITIES.csv has a header with event_timestamp (or ts: RFC 3339 or epoch ms)\n"
		   "and any of session_id, visitor_id, item_id, category_id (without it, the item's\n"
		   "category); other columns are carried along.\n"
		   "The rows come back in their order as CSV with the features after their own\n"
		   "columns (empty: missing). A row that does not parse is reported by line and\n"
		   "left out.",
};
