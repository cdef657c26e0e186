/* Importing residents from a spreadsheet's CSV: UTF-8 (with or without BOM) or
 * GB18030 (Excel on Chinese Windows), columns by Chinese header or English
 * alias in any order, rows checked one by one and reported by the row number a
 * spreadsheet shows. Re-importing updates the same people. */
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

/* Import the n bytes of a CSV file. The report (may be NULL) gets CSV lines
 * row,column,value,reason. With all_or_nothing, one rejected row imports nothing. */
enum import_status import_residents(
    struct db *db, const char *data, size_t n, bool all_or_nothing, FILE *report, struct import_result *res);

#endif
