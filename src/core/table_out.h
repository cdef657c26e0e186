/* A table written as CSV or XLSX, the two formats every download offers (the
 * residents export, a partner unit's report). Both go through one rule for cells
 * (cell_safe: nothing runs as a formula); XLSX cells are text (ID and phone numbers
 * stay as shown, also when edited in Excel later) unless the column has a number
 * format, with a bold, frozen header row. */
#ifndef DOORSTEP_TABLE_OUT_H
#define DOORSTEP_TABLE_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct table_col {
	const char *header; /* no commas: the CSV header is written as is */
	double width; /* XLSX, in characters (a Chinese character counts two) */
	const char *num_format; /* XLSX: the cell is a number in this format ("0", "0.00"); NULL: text */
};

/* A cell: its text (CSV, and XLSX text columns; NULL or "" is an empty cell) and
 * its value (XLSX number columns, when the text is not empty). */
struct table_cell {
	const char *text;
	double value;
};

#define TABLE_MAX_COLS 16

struct table;
/* Start a table with these columns (at most TABLE_MAX_COLS) and its header row;
 * sheet names the XLSX worksheet. NULL if it cannot be started. */
struct table *table_open(bool xlsx, const char *sheet, const struct table_col *cols, size_t ncols);
/* One row of ncols cells. Past the sheet's last row (1,048,576) the table fails. */
void table_row(struct table *t, const struct table_cell *cells);
/* End the file and hand over its bytes (malloc'd), or fail (a cell could not be
 * written, the sheet ran out of rows); always frees the table. */
bool table_close(struct table *t, char **data, size_t *len);

/* The media type and file extension of a format. */
#define TABLE_CSV_TYPE "text/csv; charset=utf-8"
#define TABLE_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#endif
