/* Size-class allocation from big blocks (slab.h). */
#include "core/slab.h"
#include "core/mem.h"

#define BLOCK (1u << 20)
#define STEP 16
#define STEPPED 4096 /* up to here, classes STEP apart; then powers of two */
#define LARGEST 65536

static int class_of(size_t size)
{
	int c = 256;

	if (size <= STEPPED)
		return (int)((size + STEP - 1) / STEP) - 1;
	for (size_t s = 2 * STEPPED; s < size; s *= 2)
		c++;
	return c;
}

static size_t class_size(int c)
{
	return c < 256 ? (size_t)(c + 1) * STEP : (size_t)2 * STEPPED << (c - 256);
}

bool slab_owns_size(size_t size)
{
	return size <= LARGEST;
}

void slab_init(struct slab *s)
{
	memset(s, 0, sizeof(*s));
}

void *slab_alloc(struct slab *s, size_t size)
{
	size_t piece;
	void *p;
	int c;

	if (!slab_owns_size(size))
		return pp_malloc(size);
	c = class_of(size ? size : 1);
	if ((p = s->free[c])) {
		memcpy(&s->free[c], p, sizeof(void *));
		return p;
	}
	piece = class_size(c);
	if (s->left < piece) {
		char *b;
		if (pp_array_grow(&s->blocks, s->nblocks, &s->capblocks, sizeof(*s->blocks), 64) ||
		    !(b = pp_malloc(BLOCK)))
			return NULL;
		s->blocks[s->nblocks++] = b;
		s->cur = b;
		s->left = BLOCK;
	}
	p = s->cur;
	s->cur += piece;
	s->left -= piece;
	return p;
}

void *slab_calloc(struct slab *s, size_t size)
{
	void *p = slab_alloc(s, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void slab_free(struct slab *s, void *p, size_t size)
{
	int c;

	if (!p)
		return;
	if (!slab_owns_size(size)) {
		pp_free(p);
		return;
	}
	c = class_of(size ? size : 1);
	memcpy(p, &s->free[c], sizeof(void *));
	s->free[c] = p;
}

void slab_release(struct slab *s)
{
	for (size_t i = 0; i < s->nblocks; i++)
		pp_free(s->blocks[i]);
	pp_free(s->blocks);
	slab_init(s);
}
