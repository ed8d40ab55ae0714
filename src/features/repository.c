/* The feature repository: the one that ships with the project, or the file the
 * configuration names (registry.h). */
#include "features/registry.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/fsutil.h"

static const char default_repo[] =
	"# The feature repository that ships with ppredict (Feast's vocabulary). A prediction point\n"
	"# is an event of a session before its first transaction; every value is as of that event.\n"
	"project: ppredict\n"
	"entities:\n"
	"  - {name: session, join_key: session_id}\n"
	"  - {name: visitor, join_key: visitor_id}\n"
	"  - {name: item, join_key: item_id}\n"
	"  - {name: category, join_key: category_id}\n"
	"feature_views:\n"
	"  - name: session_activity\n"
	"    entity: session\n"
	"    window: session\n"
	"    ttl: 30m\n"
	"    features:\n"
	"      - {name: s_events, agg: count}\n"
	"      - {name: s_views, agg: count, where: \"event == 'view'\"}\n"
	"      - {name: s_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: s_removes, agg: count, where: \"event == 'removefromcart'\"}\n"
	"      - {name: s_items, agg: count_distinct, field: item_id}\n"
	"      - {name: s_categories, agg: count_distinct, field: category_id}\n"
	"      - {name: s_dwell_s, agg: time_since_first}\n"
	"      - {name: s_since_last_s, agg: time_since_last}\n"
	"      - {name: s_gap_mean_s, agg: mean, field: gap_s}\n"
	"      - {name: s_gap_max_s, agg: max, field: gap_s}\n"
	"      - {name: s_cart_value, agg: sum, field: price, where: \"event == 'addtocart'\"}\n"
	"      - {name: s_removed_value, agg: sum, field: price, where: \"event == 'removefromcart'\"}\n"
	"      - {name: s_price_mean, agg: mean, field: price}\n"
	"      - {name: s_price_min, agg: min, field: price}\n"
	"      - {name: s_price_max, agg: max, field: price}\n"
	"      - {name: s_last_price, agg: last, field: price}\n"
	"      - {name: s_last_event, agg: last, field: event}\n"
	"  - name: visitor_history\n"
	"    entity: visitor\n"
	"    window: 30d\n"
	"    ttl: 30d\n"
	"    features:\n"
	"      - {name: v_events, agg: count}\n"
	"      - {name: v_sessions, agg: count_distinct, field: session_id}\n"
	"      - {name: v_purchases, agg: count, where: \"event == 'transaction'\"}\n"
	"      - {name: v_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: v_items, agg: count_distinct, field: item_id}\n"
	"      - {name: v_since_first_s, agg: time_since_first}\n"
	"      - {name: v_last_return_gap_s, agg: last, field: visitor_gap_s, where: \"new_session == 1\"}\n"
	"      - {name: v_return_gap_mean_s, agg: mean, field: visitor_gap_s, where: \"new_session == 1\"}\n"
	"  - name: item_popularity\n"
	"    entity: item\n"
	"    window: 7d\n"
	"    ttl: 7d\n"
	"    features:\n"
	"      - {name: i_views, agg: count, where: \"event == 'view'\"}\n"
	"      - {name: i_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: i_purchases, agg: count, where: \"event == 'transaction'\"}\n"
	"      - {name: i_visitors, agg: count_distinct, field: visitor_id}\n"
	"      - {name: i_price, agg: last, field: price}\n"
	"  # How well the current item's category converts: counters since the category was first\n"
	"  # seen (a sliding window would keep every event of a busy category in its state).\n"
	"  - name: category_conversion\n"
	"    entity: category\n"
	"    window: lifetime\n"
	"    ttl: 30d\n"
	"    features:\n"
	"      - {name: c_views, agg: count, where: \"event == 'view'\"}\n"
	"      - {name: c_carts, agg: count, where: \"event == 'addtocart'\"}\n"
	"      - {name: c_purchases, agg: count, where: \"event == 'transaction'\"}\n"
	"on_demand_features:\n"
	"  - {name: s_cart_rate, expr: \"s_carts / (s_views + 1)\"}\n"
	"  - {name: s_repeat_views, expr: \"s_views - s_items\"}\n"
	"  - {name: s_has_cart, expr: \"s_carts - s_removes > 0\"}\n"
	"  - {name: s_price_vs_item, expr: \"div(s_last_price, i_price, 1)\"}\n"
	"  - {name: v_purchase_rate, expr: \"v_purchases / (v_sessions + 1)\"}\n"
	"  - {name: v_cart_abandonment, expr: \"div(v_carts - v_purchases, v_carts, 0)\"}\n"
	"  - {name: v_returning, expr: \"v_sessions > 1\"}\n"
	"  - {name: i_cart_rate, expr: \"i_carts / (i_views + 1)\"}\n"
	"  - {name: i_purchase_rate, expr: \"i_purchases / (i_views + 1)\"}\n"
	"  - {name: c_cart_rate, expr: \"c_carts / (c_views + 1)\"}\n"
	"  - {name: c_purchase_rate, expr: \"c_purchases / (c_views + 1)\"}\n"
	"  - {name: hour_of_day, expr: \"hour\"}\n"
	"  - {name: day_of_week, expr: \"weekday\"}\n";

int registry_default(struct feature_registry *r)
{
	return registry_parse(r, "the shipped feature repository", default_repo, sizeof(default_repo) - 1);
}

const char *registry_default_text(void)
{
	return default_repo;
}

int registry_load(struct feature_registry *r, const struct config *cfg)
{
	struct buf text = BUF_INIT;
	int rc;

	if (!cfg->features_repository || !*cfg->features_repository)
		return registry_default(r);
	memset(r, 0, sizeof(*r));
	if ((rc = fs_read_file(cfg->features_repository, &text)))
		return pp_error_wrap(rc, "features.repository");
	rc = registry_parse(r, cfg->features_repository, text.data ? text.data : "", text.len);
	buf_release(&text);
	return rc;
}
