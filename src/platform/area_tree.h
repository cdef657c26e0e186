/* The area tree in memory. Every request checks areas (scope, filters, names),
 * and the tree is small and changes rarely, so each thread keeps a sorted copy:
 * reloaded after areas_changed() in this process, and within a few seconds of a
 * change made by another process (the CLI). */
#ifndef DOORSTEP_AREA_TREE_H
#define DOORSTEP_AREA_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/db.h"

struct area {
	const char *code, *name, *short_name, *kind;
	const char *parent; /* NULL for the top */
	bool has_children;
};

/* The area with this code, or NULL. Valid until this thread's next area_* call. */
const struct area *area_find(struct db *db, const char *code);
/* Up to n children of code (or the top areas for ""), in code order, after the
 * code `after` (NULL: from the first). Returns how many were written to out. */
size_t area_children(struct db *db, const char *code, const char *after, const struct area **out, size_t n);
/* Call after committing a change to the areas table. */
void areas_changed(void);

#endif
