/* Unit tests of the ETL's pieces that need no lake: the daily funnel's counting. */
#include "etl/funnel.h"
#include "unit/test.h"

TEST(funnel_counts_steps_and_sessions)
{
	struct funnel_day f = { .date = "2015-06-01" };

	/* visitor a: a session that buys, then one that only looks */
	funnel_count(&f, EV_VIEW, true, true);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_TRANSACTION, false, false);
	funnel_count(&f, EV_VIEW, false, true);
	/* visitor b: one session that carts and removes; a new visitor starts a session */
	funnel_count(&f, EV_VIEW, true, false);
	funnel_count(&f, EV_ADDTOCART, false, false);
	funnel_count(&f, EV_REMOVEFROMCART, false, false);
	/* visitor c: a purchase without a cart event in the session still counts */
	funnel_count(&f, EV_TRANSACTION, true, true);
	funnel_finish(&f);
	funnel_finish(&f); /* twice is harmless */

	CHECK_INT(f.views, 3);
	CHECK_INT(f.carts, 3);
	CHECK_INT(f.purchases, 2);
	CHECK_INT(f.visitors, 3);
	CHECK_INT(f.sessions, 4);
	CHECK_INT(f.cart_sessions, 2);
	CHECK_INT(f.purchase_sessions, 2);
}

TEST(funnel_of_an_empty_day)
{
	struct funnel_day f = { .date = "2015-06-02" };

	funnel_finish(&f);
	CHECK_INT(f.sessions, 0);
	CHECK_INT(f.cart_sessions, 0);
	CHECK_INT(f.purchase_sessions, 0);
}
