/*
 * item_catalog.h - the shop's catalogue as the ETL sees it: the category tree and, per
 * item, the latest value of each property, read from raw/catalog/ (event/catalog.h).
 *
 * Property values are kept by time: of several values of one item's property the one
 * with the latest ts wins (a later line wins a tie). `categoryid` and `available` are
 * the properties dim_item reads by name; the others are kept as they are.
 * A catalog line that does not parse goes to the caller's `bad` callback and is
 * otherwise skipped; everything else in the segment is kept.
 */
#ifndef PP_ITEM_CATALOG_H
#define PP_ITEM_CATALOG_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "lake/lake_fs.h"

#define ITEM_CATALOG_MAX_DEPTH 64 /* deeper paths (or cycles) stop there */

struct item_property {
	const char *name, *value; /* in the catalog's arena */
	int64_t ts;
	struct item_property *next;
};

struct item_catalog_item {
	const char *id;
	struct item_property *props; /* unordered */
};

struct item_catalog {
	struct arena a;
	struct strmap parents; /* category_id -> parent: an arena string, 0 for a root */
	struct strmap index;   /* item_id -> position in items */
	struct item_catalog_item *items;
	size_t nitems, capitems;
	uint64_t categories, properties, bad_lines;
};

/* Called for a line that does not parse: reason names the field and what was expected. */
typedef int (*item_catalog_bad_fn)(void *ctx, const char *segment, uint64_t line,
				   const char *reason, struct span raw);

void item_catalog_init(struct item_catalog *c);
/* Reads every segment of raw/catalog/categories and raw/catalog/item_properties. */
int item_catalog_load(struct item_catalog *c, struct lake_fs *fs, item_catalog_bad_fn bad,
		      void *ctx);
const struct item_catalog_item *item_catalog_find(const struct item_catalog *c, const char *item);
/* The item's latest value of a property, or NULL. */
const char *item_catalog_value(const struct item_catalog_item *it, const char *property);
/*
 * The path of a category from its root, ids joined by '/', into out (reset first);
 * *depth gets its number of levels and *root the first. A category missing from the tree
 * is a path of itself alone.
 */
int item_catalog_path(const struct item_catalog *c, const char *category, struct buf *out,
		      int *depth, struct span *root);
/* The item's properties other than categoryid and available, as a JSON object sorted by
 * name, into out (reset first); at most `limit` bytes (whole properties only). */
int item_catalog_props_json(const struct item_catalog_item *it, size_t limit, struct buf *out);
void item_catalog_release(struct item_catalog *c);

#endif
