/* The recommender on a small hand-made shop: neighbors ranked by pair strength, what the
 * shopper did and how recently; seeds and bought items left out; the category's popular
 * items, then the shop's, fill up; reasons. */
#include "core/buf.h"
#include "core/err.h"
#include "recommend/recommender.h"
#include "unit/test.h"

static uint32_t add(struct recommender *r, const char *item, const char *cat, uint64_t views, uint64_t carts,
		    uint64_t buys)
{
	uint32_t it = recommender_item(r, span_of(item));

	CHECK(it != UINT32_MAX);
	CHECK_INT(recommender_set_category(r, it, span_of(cat)), 0);
	recommender_add_stats(r, it, views, carts, buys);
	return it;
}

static const char *name(const struct recommender *r, const struct rec_item *x)
{
	return recommender_name(r, x->item);
}

TEST(recommend_ranks_pairs_and_falls_back)
{
	struct recommender *r;
	struct rec_item out[10];
	size_t n;

	CHECK_INT(recommender_new(&r), 0);
	uint32_t a = add(r, "a", "c1", 100, 10, 5), b = add(r, "b", "c1", 50, 2, 1), c = add(r, "c", "c1", 80, 1, 0);
	uint32_t d = add(r, "d", "c2", 500, 50, 40), e = add(r, "e", "c1", 10, 0, 0);
	add(r, "f", "c1", 5, 3, 3);
	CHECK_INT(recommender_add_pair(r, a, b, 10, 0, 0), 0); /* viewed together */
	CHECK_INT(recommender_add_pair(r, a, c, 2, 2, 2), 0);  /* bought together: 2 + 4 + 8 */
	CHECK_INT(recommender_add_pair(r, e, d, 30, 0, 0), 0);
	CHECK_INT(recommender_add_pair(r, a, e, 1, 0, 0), 0);
	CHECK_INT(recommender_finish(r), 0);
	CHECK_INT(recommender_items(r), 6);

	/* a viewed: c (stronger pair) before b, then e; then c1's popular items, then the shop's */
	struct rec_seed s1[] = { { span_of("a"), EV_VIEW } };
	CHECK_INT(recommend(r, s1, 1, NULL, 0, 6, out, &n), 0);
	CHECK_INT(n, 5); /* every item but the seed */
	CHECK_STR(name(r, &out[0]), "c");
	CHECK_INT(out[0].reason, REC_BOUGHT_WITH);
	CHECK_STR(recommender_name(r, out[0].because), "a");
	CHECK_STR(name(r, &out[1]), "b");
	CHECK_INT(out[1].reason, REC_VIEWED_WITH);
	CHECK_STR(name(r, &out[2]), "e");
	CHECK_STR(name(r, &out[3]), "f"); /* c1's most popular left */
	CHECK_INT(out[3].reason, REC_POPULAR_IN_CATEGORY);
	CHECK_STR(name(r, &out[4]), "d");
	CHECK_INT(out[4].reason, REC_POPULAR);

	/* the newer seed weighs more: e (carted, newest) brings d first; bought c left out */
	struct rec_seed s2[] = { { span_of("e"), EV_ADDTOCART }, { span_of("a"), EV_VIEW } };
	struct span bought[] = { span_of("c") };
	CHECK_INT(recommend(r, s2, 2, bought, 1, 2, out, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(name(r, &out[0]), "d");
	CHECK_STR(name(r, &out[1]), "b");

	/* nobody to go by: the shop's popular items, in order */
	CHECK_INT(recommend(r, NULL, 0, NULL, 0, 2, out, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(name(r, &out[0]), "d");
	CHECK_STR(name(r, &out[1]), "a");
	CHECK_INT(out[0].reason, REC_POPULAR);

	/* an unknown seed is no harm; JSON */
	struct rec_seed s3[] = { { span_of("zz"), EV_VIEW } };
	struct buf b_json = BUF_INIT;
	CHECK_INT(recommend(r, s3, 1, NULL, 0, 1, out, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(recommend_json(r, out, n, &b_json), 0);
	CHECK_CONTAINS(b_json.data, "\"item_id\":\"d\",\"category_id\":\"c2\"");
	CHECK_CONTAINS(b_json.data, "\"reason\":\"popular\",\"because\":null");
	buf_release(&b_json);
	recommender_free(r);
}
