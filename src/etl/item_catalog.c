#include "etl/item_catalog.h"
#include "core/err.h"
#include "core/mem.h"
#include "event/catalog.h"
#include "lake/raw.h"

void item_catalog_init(struct item_catalog *c)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->a, 1 << 20);
	strmap_init(&c->parents);
	strmap_init(&c->index);
}

static const char *dup_span(struct item_catalog *c, struct span s)
{
	return arena_strndup(&c->a, s.p ? s.p : "", s.len);
}

static int add_category(struct item_catalog *c, const struct catalog_category *cat)
{
	bool inserted;
	struct strmap_slot *s = strmap_put(&c->parents, cat->id.p, cat->id.len, &inserted);

	if (!s)
		return PP_ENOMEM;
	s->value = 0;
	if (cat->parent.len) {
		const char *parent = dup_span(c, cat->parent);
		if (!parent)
			return PP_ENOMEM;
		s->value = (uint64_t)(uintptr_t)parent;
	}
	c->categories += inserted;
	return 0;
}

static int add_property(struct item_catalog *c, const struct catalog_property *p)
{
	struct item_catalog_item *it;
	struct item_property *prop;
	bool inserted;
	struct strmap_slot *s = strmap_put(&c->index, p->item_id.p, p->item_id.len, &inserted);

	if (!s)
		return PP_ENOMEM;
	if (inserted) {
		if (pp_array_grow(&c->items, c->nitems, &c->capitems, sizeof(*c->items), 1024))
			return PP_ENOMEM;
		s->value = c->nitems;
		c->items[c->nitems++] = (struct item_catalog_item){ s->key, NULL };
	}
	it = &c->items[s->value];
	for (prop = it->props; prop; prop = prop->next)
		if (strlen(prop->name) == p->property.len &&
		    !memcmp(prop->name, p->property.p, p->property.len))
			break;
	if (prop && prop->ts > p->ts)
		return 0; /* an older value */
	if (!prop) {
		if (!(prop = arena_alloc(&c->a, sizeof(*prop))) ||
		    !(prop->name = dup_span(c, p->property)))
			return PP_ENOMEM;
		prop->next = it->props;
		it->props = prop;
	}
	prop->ts = p->ts;
	if (!(prop->value = dup_span(c, p->value)))
		return PP_ENOMEM;
	c->properties++;
	return 0;
}

/* One zone's segments, line by line, into the catalog. */
static int load_zone(struct item_catalog *c, struct lake_fs *fs, const char *zone, bool props,
		     item_catalog_bad_fn bad, void *ctx)
{
	struct raw_segment_list segs;
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	size_t i;
	int rc = raw_list_segments(fs, zone, false, &segs);

	if (rc == PP_ENOENT) {
		pp_error_clear();
		return 0;
	}
	for (i = 0; i < segs.n && !rc; i++) {
		const char *p, *end;
		uint64_t line = 0;
		buf_reset(&text);
		if ((rc = raw_segment_read(fs, segs.seg[i].path, &text)))
			break;
		for (p = text.data, end = text.data + text.len; !rc && p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			struct catalog_category cat;
			struct catalog_property prop;
			line++;
			rc = props ? catalog_parse_property(p, len, &prop, &scratch)
				   : catalog_parse_category(p, len, &cat, &scratch);
			if (rc == PP_EINVAL) {
				c->bad_lines++;
				rc = bad ? bad(ctx, segs.seg[i].path, line, pp_errmsg(), (struct span){ p, len })
					 : 0;
				pp_error_clear();
			} else if (!rc) {
				rc = props ? add_property(c, &prop) : add_category(c, &cat);
			}
			p += len + 1;
		}
	}
	buf_release(&text);
	buf_release(&scratch);
	raw_segment_list_release(&segs);
	return rc;
}

int item_catalog_load(struct item_catalog *c, struct lake_fs *fs, item_catalog_bad_fn bad,
		      void *ctx)
{
	int rc = load_zone(c, fs, CATALOG_CATEGORIES, false, bad, ctx);

	return rc ? rc : load_zone(c, fs, CATALOG_ITEM_PROPERTIES, true, bad, ctx);
}

const struct item_catalog_item *item_catalog_find(const struct item_catalog *c, const char *item)
{
	const struct strmap_slot *s = strmap_get(&c->index, item, strlen(item));

	return s ? &c->items[s->value] : NULL;
}

const char *item_catalog_value(const struct item_catalog_item *it, const char *property)
{
	for (const struct item_property *p = it ? it->props : NULL; p; p = p->next)
		if (!strcmp(p->name, property))
			return p->value;
	return NULL;
}

int item_catalog_path(const struct item_catalog *c, const char *category, struct buf *out,
		      int *depth, struct span *root)
{
	const char *chain[ITEM_CATALOG_MAX_DEPTH];
	int n = 0, rc = 0;

	for (const char *cur = category; cur && n < ITEM_CATALOG_MAX_DEPTH;) {
		const struct strmap_slot *s = strmap_get(&c->parents, cur, strlen(cur));
		int k;
		for (k = 0; k < n && strcmp(chain[k], cur); k++)
			;
		if (k < n)
			break; /* a cycle: the path ends where it would repeat */
		chain[n++] = cur;
		cur = s ? (const char *)(uintptr_t)s->value : NULL;
	}
	buf_reset(out);
	for (int k = n - 1; k >= 0 && !rc; k--)
		rc = buf_printf(out, "%s%s", k == n - 1 ? "" : "/", chain[k]);
	*depth = n;
	*root = span_of(chain[n - 1]);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct item_property *const *)a)->name,
		      (*(struct item_property *const *)b)->name);
}

int item_catalog_props_json(const struct item_catalog_item *it, size_t limit, struct buf *out)
{
	struct item_property *v[256];
	size_t n = 0, i;
	int rc = 0;

	buf_reset(out);
	for (struct item_property *p = it ? it->props : NULL; p && n < ARRAY_SIZE(v); p = p->next)
		if (strcmp(p->name, "categoryid") && strcmp(p->name, "available"))
			v[n++] = p;
	qsort(v, n, sizeof(*v), by_name);
	rc = buf_putc(out, '{');
	for (i = 0; i < n && !rc; i++) {
		size_t before = out->len;
		if ((rc = buf_puts(out, i ? "," : "")) ||
		    (rc = buf_put_json_str(out, v[i]->name, strlen(v[i]->name))) ||
		    (rc = buf_putc(out, ':')) ||
		    (rc = buf_put_json_str(out, v[i]->value, strlen(v[i]->value))))
			break;
		if (out->len + 1 > limit) {
			out->len = before; /* whole properties only */
			break;
		}
	}
	return rc ? rc : buf_putc(out, '}');
}

void item_catalog_release(struct item_catalog *c)
{
	strmap_release(&c->parents);
	strmap_release(&c->index);
	pp_free(c->items);
	arena_release(&c->a);
	memset(c, 0, sizeof(*c));
}
