#include "core/strmap.h"
#include "core/mem.h"

uint32_t strmap_hash(const char *key, size_t len)
{
	/* eight bytes at a time (ids are mostly 5-20 bytes), then a final avalanche so the
	 * low bits are usable as a table index */
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (i < len) { /* the last 1-7 bytes, without a variable-length memcpy call */
		w = 0;
		for (size_t k = 0; i + k < len; k++)
			w |= (uint64_t)(unsigned char)key[i + k] << (8 * k);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
	arena_init(&m->keys, 64 * 1024);
}

void strmap_release(struct strmap *m)
{
	pp_free(m->slots);
	arena_release(&m->keys);
	m->slots = NULL;
	m->cap = m->count = 0;
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t len,
				uint32_t h)
{
	size_t mask = m->cap - 1, i = h & mask;

	for (;;) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key)
			return s;
		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			return s;
		i = (i + 1) & mask;
	}
}

struct strmap_slot *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key, len, strmap_hash(key, len));
	return s->key ? s : NULL;
}

static int rehash(struct strmap *m, size_t ncap)
{
	struct strmap_slot *old = m->slots, *ns;
	size_t ocap = m->cap, i;

	ns = pp_calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	m->slots = ns;
	m->cap = ncap;
	for (i = 0; i < ocap; i++) {
		if (old[i].key)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	}
	pp_free(old);
	return 0;
}

struct strmap_slot *strmap_put(struct strmap *m, const char *key, size_t len, bool *inserted)
{
	return strmap_put_hashed(m, key, len, strmap_hash(key, len), inserted);
}

void strmap_prefetch(const struct strmap *m, uint32_t h, bool key)
{
	const struct strmap_slot *s;

	if (!m->cap)
		return;
	s = &m->slots[h & (m->cap - 1)];
	if (!key)
		__builtin_prefetch(s);
	else if (s->key) /* (the slot was fetched before: reading it is cheap) */
		__builtin_prefetch(s->key);
}

struct strmap_slot *strmap_put_hashed(struct strmap *m, const char *key, size_t len, uint32_t h,
				      bool *inserted)
{
	struct strmap_slot *s;
	char *copy;

	*inserted = false;
	if (len > UINT32_MAX)
		return NULL;
	if ((m->count + 1) * 10 > m->cap * 7 && rehash(m, m->cap ? m->cap * 2 : 64))
		return NULL;
	s = find(m, key, len, h);
	if (s->key)
		return s;
	copy = arena_strndup(&m->keys, key, len);
	if (!copy)
		return NULL;
	s->key = copy;
	s->len = (uint32_t)len;
	s->hash = h;
	s->value = 0;
	m->count++;
	*inserted = true;
	return s;
}
