/* Items' categories for predictions (item_categories.h). */
#include "serve/item_categories.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "lake/delta/delta_rows.h"

#include <pthread.h>

struct item_categories {
	pthread_rwlock_t lock;
	struct strmap items;      /* item -> category number */
	struct strmap categories; /* category -> its number */
	const char **names;       /* per number: the category (the map's copy) */
	size_t nnames, capnames;
};

/* With the write lock held. */
static int note(struct item_categories *c, struct span item, struct span category)
{
	struct strmap_slot *it, *cat;
	bool ins;

	if (!(cat = strmap_put(&c->categories, category.p, category.len, &ins)))
		return PP_ENOMEM;
	if (ins) {
		if (pp_array_grow(&c->names, c->nnames, &c->capnames, sizeof(*c->names), 256))
			return PP_ENOMEM;
		cat->value = c->nnames;
		c->names[c->nnames++] = cat->key;
	}
	if (!(it = strmap_put(&c->items, item.p, item.len, &ins)))
		return PP_ENOMEM;
	it->value = cat->value;
	return 0;
}

static int load(struct item_categories *c, struct lake_fs *fs, size_t *loaded)
{
	static const char *const names[] = { "item_id", "category_id" };
	struct delta_reader rd;
	int rc;

	if ((rc = delta_reader_open(&rd, fs, "curated/dim_item", names, 2))) {
		if (rc == PP_ENOENT)
			pp_error_clear(); /* no ETL run yet: events will tell */
		delta_reader_close(&rd);
		return rc == PP_ENOENT ? 0 : rc;
	}
	while (!(rc = delta_reader_next(&rd)) && rd.scan.rows)
		for (size_t r = 0; r < rd.scan.rows && !rc; r++) {
			const struct cell *item, *cat;
			delta_reader_row(&rd, r);
			item = &rd.row[rd.ix[0]];
			cat = &rd.row[rd.ix[1]];
			if (item->null || cat->null || !item->s.len || !cat->s.len)
				continue;
			if (!(rc = note(c, item->s, cat->s)))
				(*loaded)++;
		}
	delta_reader_close(&rd);
	return rc;
}

int item_categories_open(struct item_categories **out, struct lake_fs *fs, size_t *loaded)
{
	struct item_categories *c = pp_calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	*loaded = 0;
	if (!c)
		return PP_ENOMEM;
	pthread_rwlock_init(&c->lock, NULL);
	strmap_init(&c->items);
	strmap_init(&c->categories);
	if (fs && (rc = load(c, fs, loaded))) {
		item_categories_close(c);
		return pp_error_wrap(rc, "curated/dim_item (items' categories)");
	}
	*out = c;
	return 0;
}

void item_categories_close(struct item_categories *c)
{
	if (!c)
		return;
	strmap_release(&c->items);
	strmap_release(&c->categories);
	pp_free(c->names);
	pthread_rwlock_destroy(&c->lock);
	pp_free(c);
}

int item_categories_note(struct item_categories *c, struct span item, struct span category)
{
	struct strmap_slot *it;
	int rc = 0;

	if (!item.len || !category.len)
		return 0;
	/* most events repeat what is known: a read lock sees that */
	pthread_rwlock_rdlock(&c->lock);
	it = strmap_get(&c->items, item.p, item.len);
	bool same = it && strlen(c->names[it->value]) == category.len &&
		    !memcmp(c->names[it->value], category.p, category.len);
	pthread_rwlock_unlock(&c->lock);
	if (same)
		return 0;
	pthread_rwlock_wrlock(&c->lock);
	rc = note(c, item, category);
	pthread_rwlock_unlock(&c->lock);
	return rc;
}

bool item_categories_get(struct item_categories *c, struct span item, char *out, size_t n)
{
	const struct strmap_slot *it;
	bool ok = false;

	pthread_rwlock_rdlock(&c->lock);
	if ((it = strmap_get(&c->items, item.p, item.len)) && strlen(c->names[it->value]) < n) {
		memcpy(out, c->names[it->value], strlen(c->names[it->value]) + 1);
		ok = true;
	}
	pthread_rwlock_unlock(&c->lock);
	return ok;
}
