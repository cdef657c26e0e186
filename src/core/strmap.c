/* A string map with open addressing, for bulk loads' look-ups. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

uint64_t strmap_hash(const char *s)
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

const char *strmap_keyn(struct arena *a, const char *const *parts, int n)
{
	size_t len[8], total = 0;
	for (int i = 0; i < n; i++)
		total += (len[i] = strlen(parts[i])) + 1;
	char *k = arena_alloc(a, total), *at = k;
	for (int i = 0; i < n; i++) {
		memcpy(at, parts[i], len[i]);
		at += len[i];
		*at++ = i + 1 < n ? '\x1f' : '\0';
	}
	return k;
}

const char *strmap_key3(struct arena *a, const char *x, const char *y, const char *z)
{
	const char *parts[] = {x, y, z};
	return strmap_keyn(a, parts, 3);
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	*m = (struct strmap){0};
}
