#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

#define BLOCK_SIZE 8192
#define ALIGN 16

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *ptr;
};

struct arena {
	struct block *head;
	struct cleanup *cleanups;
	size_t total;
};

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);
	if (b == NULL)
		fatal("out of memory");
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (a == NULL)
		fatal("out of memory");
	a->head = block_new(BLOCK_SIZE);
	return a;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	for (struct cleanup *c = a->cleanups; c != NULL; c = c->next)
		c->fn(c->ptr);
	struct block *b = a->head;
	while (b != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void arena_reset(struct arena *a)
{
	for (struct cleanup *c = a->cleanups; c != NULL; c = c->next)
		c->fn(c->ptr);
	a->cleanups = NULL;
	/* The head is always a standard block (large ones go behind it): keep it. */
	struct block *b = a->head->next;
	while (b != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	a->head->next = NULL;
	a->head->used = 0;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < n)
		fatal("arena allocation overflow");
	struct block *b = a->head;
	if (b->size - b->used < need) {
		if (need > BLOCK_SIZE / 2) {
			/* Large allocations get their own block behind the current one,
			 * so the current block's free space is not wasted. */
			struct block *big = block_new(need);
			big->next = b->next;
			b->next = big;
			big->used = need;
			a->total += need;
			memset(big->data, 0, need);
			return big->data;
		}
		b = block_new(BLOCK_SIZE);
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->total += need;
	memset(p, 0, need);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char probe[1];
	int n = vsnprintf(probe, sizeof(probe), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("bad format string");
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_cleanup(struct arena *a, void (*fn)(void *), void *ptr)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->ptr = ptr;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t arena_used(const struct arena *a) { return a->total; }
