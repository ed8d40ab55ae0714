/*
 * item_categories.h - which category each item is in, for predictions that name an item
 * but not its category (the category's features are read by it). Loaded from the lake's
 * curated/dim_item when the server starts, and kept current by the events it accepts
 * (an event's category_id is its item's). Safe from any thread.
 */
#ifndef PP_ITEM_CATEGORIES_H
#define PP_ITEM_CATEGORIES_H

#include "core/common.h"

struct item_categories;
struct lake_fs;

/* An empty map, filled from curated/dim_item when the lake has it (*loaded: how many). */
int item_categories_open(struct item_categories **out, struct lake_fs *fs, size_t *loaded);
void item_categories_close(struct item_categories *c);

/* The item is in this category (from now on). */
int item_categories_note(struct item_categories *c, struct span item, struct span category);

/* The item's category copied into out (NUL-terminated); false when unknown or too long. */
bool item_categories_get(struct item_categories *c, struct span item, char *out, size_t n);

#endif
