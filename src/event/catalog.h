/*
 * catalog.h - canonical records of the item catalogue, as kept in raw/catalog/:
 *   categories:      {"category_id":"1016","parent_id":"213"}   (parent absent for roots)
 *   item_properties: {"ts":1431226800000,"item_id":"460429","property":"categoryid","value":"1338"}
 * RetailRocket's category_tree.csv and item_properties*.csv import to these, and the
 * simulator writes them for its own shop.
 */
#ifndef PP_CATALOG_H
#define PP_CATALOG_H

#include "core/buf.h"
#include "core/common.h"

#define CATALOG_CATEGORIES "raw/catalog/categories"
#define CATALOG_ITEM_PROPERTIES "raw/catalog/item_properties"

int catalog_write_category(struct buf *out, struct span category_id, struct span parent_id);
int catalog_write_property(struct buf *out, int64_t ts, struct span item_id,
			   struct span property, struct span value);

/*
 * Reading the records back. Spans point into the line or into scratch (both must stay
 * alive while they are used). Unknown keys are skipped; a missing or empty id, a
 * non-string value or a non-integer ts is PP_EINVAL naming the field (the caller adds
 * the segment and line).
 */
struct catalog_category {
	struct span id, parent; /* parent.len == 0: a root */
};

struct catalog_property {
	int64_t ts;
	struct span item_id, property, value; /* value may be empty */
};

int catalog_parse_category(const char *line, size_t len, struct catalog_category *out,
			   struct buf *scratch);
int catalog_parse_property(const char *line, size_t len, struct catalog_property *out,
			   struct buf *scratch);

#endif
