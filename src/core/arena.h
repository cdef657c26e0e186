/* Request-scoped memory: everything allocated from an arena is freed at once,
 * and cleanup handlers run first (after nginx's pools). */
#ifndef DOORSTEP_ARENA_H
#define DOORSTEP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new, empty arena; aborts on out-of-memory. */
struct arena *arena_new(void);
/* Run the cleanup handlers (last added first), then free all memory. NULL is allowed. */
void arena_free(struct arena *a);
/* Run the cleanup handlers and forget every allocation, keeping one block for reuse. */
void arena_reset(struct arena *a);
/* Zeroed memory for n bytes, aligned for any type, valid until arena_free. */
void *arena_alloc(struct arena *a, size_t n);
/* A copy of the n bytes at s with a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0), nonnull(2)));
/* Call fn(ptr) when the arena is freed. */
void arena_cleanup(struct arena *a, void (*fn)(void *), void *ptr);
/* Total bytes handed out (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
