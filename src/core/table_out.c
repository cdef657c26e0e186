#include "table_out.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "csv_out.h"
#include "banned.h"

struct table {
	const struct table_col *cols;
	size_t ncols;
	bool xlsx;
	/* CSV: into memory */
	FILE *csv;
	char *buf;
	size_t len;
	/* XLSX: libxlsxwriter writes only to a named file, so a private temporary one,
	 * read back and removed. Constant-memory mode streams the rows to that file, so
	 * a district's 500,000 residents do not sit in memory as cells. */
	char path[4096];
	int fd;
	lxw_workbook *book;
	lxw_worksheet *sheet;
	lxw_format *head, *text, *num[TABLE_MAX_COLS];
	lxw_row_t row;
	bool failed;
};

static bool csv_open(struct table *t)
{
	if ((t->csv = open_memstream(&t->buf, &t->len)) == NULL)
		return false;
	char header[1024];
	size_t used = 0;
	for (size_t k = 0; k < t->ncols && used < sizeof(header); k++)
		used += (size_t)snprintf(header + used, sizeof(header) - used, "%s%s", k ? "," : "", t->cols[k].header);
	csv_begin(t->csv, header);
	return true;
}

static bool xlsx_open(struct table *t, const char *sheet)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = P_tmpdir;
	snprintf(t->path, sizeof(t->path), "%s/doorstep-table-XXXXXX", dir);
	if ((t->fd = mkostemp(t->path, O_CLOEXEC)) < 0)
		return false;
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir};
	t->book = workbook_new_opt(t->path, &opt);
	t->sheet = t->book ? workbook_add_worksheet(t->book, sheet) : NULL;
	if (t->sheet == NULL) {
		t->failed = true;
		return true; /* table_close cleans up and fails */
	}
	t->text = workbook_add_format(t->book);
	format_set_num_format(t->text, "@");
	t->head = workbook_add_format(t->book);
	format_set_bold(t->head);
	for (size_t k = 0; k < t->ncols; k++) {
		if (t->cols[k].num_format != NULL) {
			t->num[k] = workbook_add_format(t->book);
			format_set_num_format(t->num[k], t->cols[k].num_format);
		}
		worksheet_set_column(
		    t->sheet, (lxw_col_t)k, (lxw_col_t)k, t->cols[k].width, t->num[k] ? t->num[k] : t->text);
		worksheet_write_string(t->sheet, 0, (lxw_col_t)k, t->cols[k].header, t->head);
	}
	worksheet_freeze_panes(t->sheet, 1, 0);
	t->row = 1;
	return true;
}

struct table *table_open(bool xlsx, const char *sheet, const struct table_col *cols, size_t ncols)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->cols = cols;
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	t->xlsx = xlsx;
	t->fd = -1;
	if (xlsx ? xlsx_open(t, sheet) : csv_open(t))
		return t;
	free(t);
	return NULL;
}

void table_row(struct table *t, const struct table_cell *cells)
{
	if (!t->xlsx) {
		for (size_t k = 0; k < t->ncols; k++)
			csv_cell(t->csv, cells[k].text, k == t->ncols - 1);
		return;
	}
	if (t->failed || t->row >= LXW_ROW_MAX) {
		t->failed = true; /* a cut list would pass for the whole one: fail instead */
		return;
	}
	for (size_t k = 0; k < t->ncols; k++) {
		if (cells[k].text == NULL || cells[k].text[0] == '\0')
			continue;
		char *owned = NULL;
		lxw_error e;
		if (t->num[k] != NULL)
			e = worksheet_write_number(t->sheet, t->row, (lxw_col_t)k, cells[k].value, t->num[k]);
		else
			e = worksheet_write_string(
			    t->sheet, t->row, (lxw_col_t)k, cell_safe(cells[k].text, &owned), t->text);
		free(owned);
		t->failed = t->failed || e != LXW_NO_ERROR;
	}
	t->row++;
}

/* The whole file behind fd (malloc'd), or NULL. */
static char *read_fd(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return NULL;
	char *data = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (data != NULL && got < (size_t)st.st_size) {
		ssize_t n = pread(fd, data + got, (size_t)st.st_size - got, (off_t)got);
		if (n <= 0) {
			free(data);
			return NULL;
		}
		got += (size_t)n;
	}
	*len = got;
	return data;
}

bool table_close(struct table *t, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	bool ok;
	if (!t->xlsx) {
		ok = fclose(t->csv) == 0;
		*data = t->buf;
		*len = t->len;
	} else {
		ok = t->book != NULL && workbook_close(t->book) == LXW_NO_ERROR && !t->failed;
		*data = ok ? read_fd(t->fd, len) : NULL;
		close(t->fd);
		unlink(t->path);
	}
	free(t);
	if (!ok || *data == NULL) {
		free(*data);
		*data = NULL;
		return false;
	}
	return true;
}
