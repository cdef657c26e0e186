/* Importing residents from a spreadsheet's CSV: UTF-8 (with or without BOM) or
 * GB18030 (Excel on Chinese Windows), columns by Chinese header or English
 * alias in any order, rows checked one by one and reported by the row number a
 * spreadsheet shows. Re-importing updates the same people. The bulk load below
 * it is shared with the demo district. */
#ifndef DOORSTEP_IMPORT_H
#define DOORSTEP_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../store/db.h"

struct import_result {
	int64_t rows; /* data rows read */
	int64_t created; /* new residents */
	int64_t updated; /* existing residents updated */
	int64_t rejected; /* rows refused (see the report) */
	char error[256]; /* why the file could not be read at all */
};

enum import_status {
	IMPORT_OK = 0, /* every row imported */
	IMPORT_REJECTS = 1, /* some rows rejected (the rest imported unless all_or_nothing) */
	IMPORT_UNREADABLE = 2, /* encoding, structure or a missing required header */
};

struct import_options {
	bool all_or_nothing; /* one rejected row imports nothing */
	FILE *report; /* gets CSV lines row,column,value,reason; may be NULL */
	bool mask_numbers; /* the report masks ID and phone values (for a report kept in the database) */
	/* May rows be written in this community (area code)? NULL: every community. A row outside is
	 * rejected on the community column with the reason "is outside your areas". */
	bool (*in_scope)(void *ctx, const char *community_code);
	/* Called now and then (every 1000 rows and at the end) with progress in rows; total is the
	 * number of data rows in the file and does not change. May be NULL. */
	void (*progress)(void *ctx, int64_t done, int64_t total);
	void *ctx;
	/* No one else is using the database (the CLI): it may be written the fastest way,
	 * which keeps others from opening it until the import ends. */
	bool alone;
};

/* Import the n bytes of a CSV file in one transaction; a row is written whole or not at all. */
enum import_status import_residents(
    struct db *db, const char *data, size_t n, const struct import_options *o, struct import_result *res);

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
