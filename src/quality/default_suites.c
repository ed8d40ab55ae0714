/* The suites that ship for every table the ETL writes (default_suites.h). */
#include "quality/default_suites.h"

const struct default_suite default_suites[] = {
	{ "processed/events",
	  "expectation_suite_name: processed_events\n"
	  "table: processed/events\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: ts}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: visitor_id}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: session_id}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: item_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: event, value_set: [view, addtocart, removefromcart, transaction]}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: ts, min_value: '2000-01-01', max_value: '2100-01-01'}}\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: event_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: price, min_value: 0, max_value: 1000000, mostly: 0.999}, meta: {severity: warn}}\n"
	  "  - {expectation_type: expect_column_values_to_match_regex, kwargs: {column: event_date, regex: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'}}\n"
	  "  - {expectation_type: expect_column_max_to_be_recent, kwargs: {column: ts, max_age: 2d}, meta: {severity: warn}}\n" },
	{ "curated/fact_events",
	  "expectation_suite_name: fact_events\n"
	  "table: curated/fact_events\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: hour, min_value: 0, max_value: 23}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: session_seq, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_in_set, kwargs: {column: event, value_set: [view, addtocart, removefromcart, transaction]}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: session_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: price, min_value: 0}, meta: {severity: warn}}\n" },
	{ "curated/fact_sessions",
	  "expectation_suite_name: fact_sessions\n"
	  "table: curated/fact_sessions\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: session_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: session_id, mostly: 0.99}, meta: {severity: warn}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: events, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: events, max_value: 1000, mostly: 0.999}, meta: {severity: warn}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: duration_ms, min_value: 0}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: cart_value, min_value: 0}}\n"
	  "  - {expectation_type: expect_column_mean_to_be_between, kwargs: {column: events, min_value: 1, max_value: 50}, meta: {severity: warn}}\n" },
	{ "curated/agg_daily_funnel",
	  "expectation_suite_name: agg_daily_funnel\n"
	  "table: curated/agg_daily_funnel\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: event_date}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: sessions, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: conversion, min_value: 0, max_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: cart_to_purchase, min_value: 0, max_value: 1}, meta: {severity: warn}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: view_to_cart, min_value: 0, max_value: 1}, meta: {severity: warn}}\n" },
	{ "curated/agg_item_stats",
	  "expectation_suite_name: agg_item_stats\n"
	  "table: curated/agg_item_stats\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: item_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: visitors, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: sessions, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: revenue, min_value: 0}}\n" },
	{ "curated/dim_date",
	  "expectation_suite_name: dim_date\n"
	  "table: curated/dim_date\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: date}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: month, min_value: 1, max_value: 12}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: iso_week, min_value: 1, max_value: 53}}\n" },
	{ "curated/dim_visitor",
	  "expectation_suite_name: dim_visitor\n"
	  "table: curated/dim_visitor\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: visitor_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: sessions, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: events, min_value: 1}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: revenue, min_value: 0}}\n" },
	{ "curated/dim_item",
	  "expectation_suite_name: dim_item\n"
	  "table: curated/dim_item\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_column_values_to_be_unique, kwargs: {column: item_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: category_depth, min_value: 0, max_value: 50}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: revenue, min_value: 0}}\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: category_id, mostly: 0.5}, meta: {severity: warn}}\n" },
	{ "curated/item_item",
	  "expectation_suite_name: item_item\n"
	  "table: curated/item_item\n"
	  "expectations:\n"
	  "  - {expectation_type: expect_column_values_to_not_be_null, kwargs: {column: other_item_id}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: rank, min_value: 1, max_value: 1000}}\n"
	  "  - {expectation_type: expect_column_values_to_be_between, kwargs: {column: score, min_value: 0}}\n" },
};
const size_t default_suites_n = ARRAY_SIZE(default_suites);
