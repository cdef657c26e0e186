/* A bulk load of residents (the CSV import, the demo district). */
#ifndef DOORSTEP_LOAD_H
#define DOORSTEP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/db.h"

/* A bulk load of residents inside the caller's transaction (the import, the demo
 * district). Areas and households are looked up once and remembered. Into an empty
 * registry, the triggers that keep the blind indexes' lookup tables are also
 * dropped, and load_finish fills the tables in key order and creates the triggers
 * again, many times faster than row by row: until then the caller keeps document
 * numbers apart (a repeat makes load_finish fail) and finds no one by them. */
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
/* An address: the area and the unit and room in it ("" when the address has none). */
struct address {
	const char *area, *unit, *room;
};
/* The households at addresses[0..n), all different, created when missing; ids[i]
 * gets the one at addresses[i]. Into a table that was empty they are all new and
 * written in one statement, best in the households' key order. */
int load_households(struct load *l, const struct address *addresses, size_t n, int64_t *ids);
/* Give the resident a tag (an identifier from the tags table). */
int load_tag(struct load *l, int64_t resident, const char *tag);
/* The blind indexes (BLIND_BYTES each, NULL when absent) of a resident the loader
 * inserted, so that load_finish need not read them back; a loader that gives them
 * gives them for everyone it inserts. */
void load_numbers(struct load *l, int64_t resident, const unsigned char *id_index, const unsigned char *phone_index);
/* The loader changed residents' numbers after giving them: load_finish reads them back. */
void load_numbers_changed(struct load *l);
/* After a rollback (to a savepoint): forget what was remembered, which may be gone. */
void load_forget(struct load *l);
/* Fill the lookup tables, create the dropped triggers and end the load (it is freed either way). */
int load_finish(struct load *l);
/* End the load without writing (the caller rolls back); NULL is allowed. */
void load_abandon(struct load *l);

#endif
