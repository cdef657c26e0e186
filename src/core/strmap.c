/* A string map with open addressing, for bulk loads' look-ups. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

static uint64_t strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void strmap_grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct strmap_slot *slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		size_t j = m->slots[i].hash & (cap - 1);
		while (slots[j].key != NULL)
			j = (j + 1) & (cap - 1);
		slots[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

struct strmap_slot *strmap_get(struct strmap *m, const char *key)
{
	if (2 * (m->n + 1) > m->cap)
		strmap_grow(m);
	uint64_t h = strmap_hash(key);
	size_t i = h & (m->cap - 1);
	while (m->slots[i].key != NULL && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	m->slots[i].hash = h;
	return &m->slots[i];
}

void strmap_set(
    struct arena *a, struct strmap *m, struct strmap_slot *s, const char *key, int64_t num, const char *text)
{
	if (s->key == NULL)
		m->n++;
	s->key = arena_strdup(a, key);
	s->num = num;
	s->text = text;
}

void strmap_clear(struct strmap *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

const char *strmap_key3(struct arena *a, const char *x, const char *y, const char *z)
{
	size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
	char *k = arena_alloc(a, nx + ny + nz + 3);
	memcpy(k, x, nx);
	k[nx] = '\x1f';
	memcpy(k + nx + 1, y, ny);
	k[nx + 1 + ny] = '\x1f';
	memcpy(k + nx + ny + 2, z, nz);
	return k;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	*m = (struct strmap){0};
}
