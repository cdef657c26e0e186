/* A bulk load of residents (the CSV import, the demo district). */
#ifndef DOORSTEP_LOAD_H
#define DOORSTEP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/db.h"

/* A bulk load of residents inside the caller's transaction (the import, the demo
 * district). Areas and households are looked up once and remembered, and the
 * name pieces of the residents stored meanwhile (resident_insert, resident_update)
 * are collected and written in key order by load_finish, many times faster than
 * row by row. Into an empty registry, the residents' indexes are also dropped and
 * built again by load_finish: until then the caller keeps document numbers apart
 * (a repeat makes load_finish fail) and finds no one by them. One load at a time
 * per thread. */
struct load;
struct load *load_begin(struct db *db, int64_t now);
/* Whether the registry had no residents when the load began (then no one stored
 * meanwhile existed before, and looking them up in the table is not needed). */
bool load_fresh(const struct load *l);
/* The child of parent of this kind ("grid", "estate", "building") and name, created
 * when missing with the next free code; *code lives as long as the load. */
int load_area(struct load *l, const char *parent, const char *kind, const char *name, const char **code);
/* The household at area, unit and room, created when missing. */
int load_household(struct load *l, const char *area, const char *unit, const char *room, int64_t *id);
/* Give the resident a tag (an identifier from the tags table). */
int load_tag(struct load *l, int64_t resident, const char *tag);
/* Where to return to if the writes that follow are rolled back (to a savepoint). */
size_t load_mark(const struct load *l);
/* After such a rollback: forget what was remembered since mark. */
void load_undo(struct load *l, size_t mark);
/* Write the collected name pieces and end the load (it is freed either way). */
int load_finish(struct load *l);
/* End the load without writing (the caller rolls back); NULL is allowed. */
void load_abandon(struct load *l);

/* Whether a load runs on this thread for db. */
bool load_running(struct db *db);
/* For name_grams_add and name_grams_remove: while a load runs on this thread for db,
 * it takes a name piece to add (or drops one it holds, for a resident it stored) and
 * returns true; otherwise false, and the caller writes the table itself. */
bool load_gram(struct db *db, int64_t resident, const char *gram, const char *area_code, bool add);

#endif
