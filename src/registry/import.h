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

/* Import the n bytes of a CSV file in one transaction; a row is written whole or not at all.
 * The text is cut up in place: data[0..n] (the byte after it too) is the import's to change. */
enum import_status import_residents(
    struct db *db, char *data, size_t n, const struct import_options *o, struct import_result *res);

#endif
