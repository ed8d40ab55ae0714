/*
 * What the dashboard's Data and Model pages read: GET /v1/warehouse/{view} (the daily
 * funnel, the top items), GET /v1/lake (the lake's tables: version, files, rows, the newest
 * partition), GET /v1/models (the registry).
 */
#include "core/err.h"
#include "core/mem.h"
#include "core/parse.h"
#include "core/tabular.h"
#include "lake/delta/delta.h"
#include "lake/lake_tables.h"
#include "model/model_index.h"
#include "serve/http.h"
#include "warehouse/warehouse.h"

#include <stdio.h>

/* A query's rows as a JSON array of objects (the tabular module's NDJSON, joined). */
static int query_json(struct http_request *req, const char *sql)
{
	struct warehouse *w;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct tab tab;
	int rc;

	if ((rc = warehouse_open(&w, req->srv->cfg)))
		return http_error(req, 503, "unavailable", NULL, "the warehouse: %s", pp_errmsg());
	if (!(f = open_memstream(&text, &len))) {
		warehouse_close(w);
		return http_error(req, 500, "internal", NULL, "out of memory");
	}
	tab_init(&tab, TAB_NDJSON, f);
	struct wh_sink sink = wh_sink_tab(&tab);
	rc = w->ops->query(w, sql, &sink);
	if (!rc && tab.ncols)
		rc = tab_finish(&tab);
	tab_release(&tab);
	fclose(f);
	warehouse_close(w);
	if (rc) {
		free(text); /* open_memstream's */
		return http_error(req, 503, "unavailable", NULL, "the warehouse: %s (run `ppredict etl`)", pp_errmsg());
	}
	buf_putc(&req->out, '[');
	for (char *line = text, *nl; line && *line; line = nl + 1) { /* NDJSON lines -> array */
		if (!(nl = strchr(line, '\n')))
			nl = line + strlen(line) - 1;
		if (req->out.len > 1)
			buf_putc(&req->out, ',');
		buf_append(&req->out, line, (size_t)(nl - line) + (*nl != '\n'));
	}
	buf_puts(&req->out, "]\n");
	free(text);
	return HTTP_DONE;
}

/* GET /v1/warehouse/{view}: funnel | top_items[?limit=] */
int route_get_warehouse(struct http_request *req)
{
	char sql[512];
	const char *lq = http_query(req, "limit");
	int64_t limit = 20;

	if (!strcmp(req->param, "funnel"))
		return query_json(req, "SELECT event_date, views, carts, purchases, sessions, cart_sessions, "
				  "purchase_sessions FROM agg_daily_funnel ORDER BY event_date");
	if (strcmp(req->param, "top_items"))
		return http_error(req, 404, "not_found", "view", "no warehouse view '%s' (funnel, top_items)", req->param);
	if (lq && (parse_int64(lq, strlen(lq), &limit) || limit < 1 || limit > 1000))
		return http_error(req, 400, "invalid", "limit", "limit: expected an integer from 1 to 1000");
	snprintf(sql, sizeof(sql), "SELECT s.item_id, d.category_id, SUM(s.views) AS views, SUM(s.carts) AS carts, "
		 "SUM(s.purchases) AS purchases, SUM(s.revenue) AS revenue FROM agg_item_stats s LEFT JOIN dim_item d "
		 "ON d.item_id = s.item_id GROUP BY s.item_id, d.category_id ORDER BY purchases DESC, carts DESC, "
		 "s.item_id LIMIT %" PRId64, limit);
	return query_json(req, sql);
}

/* GET /v1/lake: the tables ppredict writes, each with its latest version */
int route_get_lake(struct http_request *req)
{
	buf_puts(&req->out, "{\"tables\":[");
	for (size_t i = 0; i < nlake_tables; i++) {
		const char *table = lake_tables[i];
		struct delta_snapshot snap;
		int64_t rows = 0, bytes = 0;
		char newest[64] = "";
		if (i)
			buf_putc(&req->out, ',');
		buf_printf(&req->out, "{\"table\":\"%s\"", table);
		if (delta_snapshot_load(req->srv->fs, table, -1, &snap)) {
			pp_error_clear();
			buf_puts(&req->out, ",\"version\":null}");
			continue;
		}
		for (size_t f = 0; f < snap.nfiles; f++) {
			const char *v = snap.npart ? snap.files[f].pvalues[0] : NULL;
			rows += snap.files[f].records > 0 ? snap.files[f].records : 0;
			bytes += snap.files[f].size;
			if (v && strlen(v) < sizeof(newest) && strcmp(v, newest) > 0)
				snprintf(newest, sizeof(newest), "%s", v);
		}
		buf_printf(&req->out, ",\"version\":%" PRId64 ",\"files\":%zu,\"rows\":%" PRId64 ",\"bytes\":%" PRId64
			   ",\"partitioned_by\":", snap.version, snap.nfiles, rows, bytes);
		if (snap.npart)
			buf_put_json_str(&req->out, snap.partition_cols[0], strlen(snap.partition_cols[0]));
		else
			buf_puts(&req->out, "null");
		buf_puts(&req->out, ",\"newest_partition\":");
		if (newest[0])
			buf_put_json_str(&req->out, newest, strlen(newest));
		else
			buf_puts(&req->out, "null");
		buf_putc(&req->out, '}');
		delta_snapshot_release(&snap);
	}
	buf_puts(&req->out, "]}\n");
	return HTTP_DONE;
}

static int list_one(void *ctx, const struct indexed_model *m)
{
	json_t *a = ctx;

	return json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:s,s:s,s:s,s:b}", "version", m->version,
						  "stage", m->stage, "created", m->created, "model", m->model,
						  "test_roc_auc", m->test_roc_auc, "test_pr_auc", m->test_pr_auc,
						  "threshold", m->threshold, "test_from", m->test_from, "promoted_at",
						  m->promoted_at, "promoted_by", m->promoted_by, "shuffled_labels",
						  m->shuffled))
		       ? PP_ENOMEM
		       : 0;
}

/* GET /v1/models: every version, newest first */
int route_get_models(struct http_request *req)
{
	struct model_index *x = NULL;
	json_t *list = json_array();
	int rc;

	if ((rc = model_index_open(&x, req->srv->cfg)) || (rc = model_index_list(x, list_one, list))) {
		model_index_close(x);
		json_decref(list);
		return http_error(req, 503, "unavailable", NULL, "the model registry: %s", pp_errmsg());
	}
	model_index_close(x);
	return http_json(req, json_pack("{s:o}", "models", list));
}
