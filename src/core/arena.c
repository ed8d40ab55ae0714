#include "core/arena.h"
#include "core/mem.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->used_total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	size_t size;

	if (need < n)
		return NULL;
	if (!c || c->size - c->used < need) {
		size = need > a->chunk_size ? need : a->chunk_size;
		c = pp_malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		/* An oversized chunk goes second so the current chunk keeps serving. */
		if (a->head && size > a->chunk_size) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	c->used += need;
	a->used_total += need;
	return c->data + c->used - need;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c, *keep = NULL;

	while ((c = a->head)) {
		a->head = c->next;
		if (!keep && c->size == a->chunk_size) {
			keep = c;
			continue;
		}
		pp_free(c);
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->used_total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c;

	while ((c = a->head)) {
		a->head = c->next;
		pp_free(c);
	}
	a->used_total = 0;
}
