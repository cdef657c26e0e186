/* CSV for spreadsheets: RFC 4180 quoting (libcsv), and cells that would run as
 * formulas in Excel (beginning with = + - @, tab or carriage return) neutralised
 * with a leading apostrophe. Files begin with a UTF-8 BOM so Excel reads them right. */
#ifndef DOORSTEP_CSV_OUT_H
#define DOORSTEP_CSV_OUT_H

#include <stdbool.h>
#include <stdio.h>

/* Write the BOM and the header line (names separated by commas, no quoting needed). */
void csv_begin(FILE *f, const char *header);
/* One cell; last ends the row. NULL writes an empty cell. */
void csv_cell(FILE *f, const char *s, bool last);
/* The text a spreadsheet cell should hold for s (NULL: ""): s itself, or when a
 * spreadsheet would run it as a formula, a copy with a leading apostrophe, which
 * is then also put in *owned for the caller to free (else *owned is NULL). Every
 * export, CSV or XLSX, writes its cells through this one rule. */
const char *cell_safe(const char *s, char **owned);

#endif
