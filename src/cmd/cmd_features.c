/* ppredict features list|describe|show: the feature registry (features/registry.h). */
#include "cmd/cmds.h"
#include "core/err.h"
#include "features/registry.h"

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
