#include "area_tree.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/banned.h"

#define TTL_NS (5LL * 1000000000)

struct snapshot {
	struct arena *arena;
	struct area *items; /* sorted by code */
	size_t n;
	uint64_t gen;
	int64_t loaded_ns;
};

static _Atomic uint64_t generation = 1;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void snapshot_free(void *p)
{
	struct snapshot *s = p;
	arena_free(s->arena);
	free(s);
}

static void key_init(void) { pthread_key_create(&key, snapshot_free); }

void areas_changed(void) { generation++; }

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct area *)a)->code, ((const struct area *)b)->code);
}

static struct area *lookup(struct snapshot *s, const char *code)
{
	struct area probe = {.code = code};
	return bsearch(&probe, s->items, s->n, sizeof(*s->items), by_code);
}

static bool load(struct snapshot *s, struct db *db)
{
	uint64_t gen = generation; /* read first: a change during the load makes the next call reload */
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM areas", NULL);
	int64_t count = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : -1;
	if (st)
		db_reset(st);
	if (count < 0)
		return false;
	struct arena *a = arena_new();
	struct area *items = arena_alloc(a, sizeof(*items) * (size_t)(count + 1));
	size_t n = 0;
	st = db_stmt(db, "SELECT code, name, short_name, kind, parent_code FROM areas ORDER BY code", NULL);
	while (st != NULL && db_step(st) == DB_ROW && n < (size_t)count) {
		items[n].code = arena_strdup(a, db_text(st, 0));
		items[n].name = arena_strdup(a, db_text(st, 1));
		items[n].short_name = arena_strdup(a, db_text(st, 2));
		items[n].kind = arena_strdup(a, db_text(st, 3));
		items[n].parent = db_null(st, 4) ? NULL : arena_strdup(a, db_text(st, 4));
		n++;
	}
	if (st)
		db_reset(st);
	arena_free(s->arena);
	s->arena = a;
	s->items = items;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		struct area *p = items[i].parent ? lookup(s, items[i].parent) : NULL;
		if (p != NULL)
			p->has_children = true;
	}
	s->gen = gen;
	s->loaded_ns = clock_mono_ns();
	return true;
}

static struct snapshot *current(struct db *db)
{
	pthread_once(&once, key_init);
	struct snapshot *s = pthread_getspecific(key);
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			fatal("out of memory");
		pthread_setspecific(key, s);
	}
	if (s->arena == NULL || s->gen != generation || clock_mono_ns() - s->loaded_ns > TTL_NS)
		if (!load(s, db) && s->arena == NULL)
			return NULL;
	return s;
}

const struct area *area_find(struct db *db, const char *code)
{
	struct snapshot *s = current(db);
	return s ? lookup(s, code) : NULL;
}

size_t area_children(struct db *db, const char *code, const char *after, const struct area **out, size_t n)
{
	struct snapshot *s = current(db);
	size_t got = 0, len = strlen(code);
	if (s == NULL)
		return 0;
	/* Descendants of code are contiguous in code order, right after it. */
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(s->items[mid].code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->n && got < n && strncmp(s->items[i].code, code, len) == 0; i++) {
		const struct area *x = &s->items[i];
		bool child = len == 0 ? x->parent == NULL : (x->parent != NULL && strcmp(x->parent, code) == 0);
		if (child && (after == NULL || strcmp(x->code, after) > 0))
			out[got++] = x;
	}
	return got;
}
