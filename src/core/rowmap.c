#include "core/rowmap.h"
#include "core/mem.h"

void rowmap_init(struct rowmap *m, size_t row_size)
{
	memset(m, 0, sizeof(*m));
	strmap_init(&m->index);
	m->size = row_size;
}

void *rowmap_get(struct rowmap *m, const char *key, size_t len, const char **key_copy,
		 bool *inserted)
{
	struct strmap_slot *slot;
	char *row;

	if (pp_array_grow(&m->rows, m->n, &m->cap, m->size, 1024) ||
	    !(slot = strmap_put(&m->index, key, len, inserted)))
		return NULL;
	if (*inserted) {
		slot->value = m->n++;
		memset((char *)m->rows + slot->value * m->size, 0, m->size);
	}
	row = (char *)m->rows + slot->value * m->size;
	if (key_copy)
		*key_copy = slot->key;
	return row;
}

void rowmap_release(struct rowmap *m)
{
	strmap_release(&m->index);
	pp_free(m->rows);
	memset(m, 0, sizeof(*m));
}
