/* A string map with open addressing, for bulk loads' look-ups (areas, households,
 * people met in a file): each entry holds a number and a text. Keys are copied into
 * the arena given to strmap_set. Not for concurrent use. */
#ifndef DOORSTEP_STRMAP_H
#define DOORSTEP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct strmap_slot {
	const char *key; /* NULL: empty */
	uint64_t hash;
	int64_t num;
	const char *text;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

/* The map's hash of a string, for sets that keep their own slots. */
uint64_t strmap_hash(const char *s);
/* The entry for key, or the empty slot where it belongs (its key NULL; fill it with
 * strmap_set before the next strmap_get). */
struct strmap_slot *strmap_get(struct strmap *m, const char *key);
void strmap_set(
    struct arena *a, struct strmap *m, struct strmap_slot *s, const char *key, int64_t num, const char *text);
/* Empty the map, keeping its room. */
void strmap_clear(struct strmap *m);
void strmap_free(struct strmap *m);
/* "x\x1fy\x1fz" in a: a key of several strings (the unit separator is never in valid
 * text here); strmap_keyn joins n of them, at most 8. */
const char *strmap_key3(struct arena *a, const char *x, const char *y, const char *z);
const char *strmap_keyn(struct arena *a, const char *const *parts, int n);

#endif
