/* Export of residents: the filtered list, masked, as CSV or XLSX, made by a job.
 * The scope is fixed when the export is asked for, every export is audited with
 * its filter and format, and every cell of both formats goes through cell_safe,
 * so a name like "=1+1" never runs as a formula. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/csv_out.h"
#include "../core/parse.h"
#include "../platform/area_tree.h"
#include "../platform/jobs.h"
#include "../platform/platform.h"
#include "registry.h"
#include "../core/banned.h"

/* The columns of both formats: the header, the member of resident_json, the
 * width in XLSX (in characters; a Chinese character counts two). */
static const struct column {
	const char *header, *field;
	double width;
} columns[] = {
    {"姓名 name", "name", 12},
    {"性别 gender", "gender", 12},
    {"出生日期 birth_date", "birth_date", 20},
    {"年龄 age", "age", 9},
    {"证件类型 document_type", "document_type", 23},
    {"身份证号 id_number", "id_number", 21},
    {"联系电话 phone", "phone", 16},
    {"区域 area", "area_name", 20},
    {"与户主关系 relation", "relation", 20},
    {"标签 tags", "tags", 30},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* A resident's cells in column order; NULL for an empty one. The one integer
 * member (age) is written into age, the one array (tags) into tags. */
static void row_cells(json_t *res, char age[8], char tags[512], const char *cells[NCOLS])
{
	for (size_t k = 0; k < NCOLS; k++) {
		json_t *v = json_object_get(res, columns[k].field);
		cells[k] = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(age, 8, "%lld", (long long)json_integer_value(v));
			cells[k] = age;
		} else if (json_is_array(v)) {
			size_t tl = 0, i;
			json_t *t;
			tags[0] = '\0';
			json_array_foreach (v, i, t) {
				tl +=
				    (size_t)snprintf(tags + tl, 512 - tl, "%s%s", tl ? ";" : "", json_string_value(t));
				if (tl >= 512)
					break;
			}
			cells[k] = tags;
		}
	}
}

/* An output format: open writes the header row, row writes one resident's cells,
 * close ends the file and hands over its bytes (malloc'd) or fails; it always
 * releases the writer. */
struct writer {
	const char *name, *type, *filename;
	void *(*open)(void);
	void (*row)(void *w, const char *const cells[NCOLS]);
	bool (*close)(void *w, char **data, size_t *len);
};

/* --- CSV: into memory --- */

struct csv_writer {
	FILE *out;
	char *buf;
	size_t len;
};

static void *csv_open(void)
{
	struct csv_writer *w = calloc(1, sizeof(*w));
	if (w == NULL || (w->out = open_memstream(&w->buf, &w->len)) == NULL) {
		free(w);
		return NULL;
	}
	char header[512];
	size_t n = 0;
	for (size_t k = 0; k < NCOLS; k++)
		n += (size_t)snprintf(header + n, sizeof(header) - n, "%s%s", k ? "," : "", columns[k].header);
	csv_begin(w->out, header);
	return w;
}

static void csv_row(void *p, const char *const cells[NCOLS])
{
	struct csv_writer *w = p;
	for (size_t k = 0; k < NCOLS; k++)
		csv_cell(w->out, cells[k], k == NCOLS - 1);
}

static bool csv_close(void *p, char **data, size_t *len)
{
	struct csv_writer *w = p;
	bool ok = fclose(w->out) == 0;
	*data = w->buf;
	*len = w->len;
	free(w);
	return ok;
}

/* --- XLSX: libxlsxwriter writes only to a named file, so a private temporary
 * one, read back and removed. Constant-memory mode streams the rows to disk, so a
 * district's 500,000 residents do not sit in memory as cells. --- */

struct xlsx_writer {
	char path[4096];
	int fd;
	lxw_workbook *book;
	lxw_worksheet *sheet;
	lxw_format *head, *text;
	lxw_row_t row;
	bool failed; /* a cell could not be written, or the sheet's row limit was reached */
};

static void *xlsx_open(void)
{
	struct xlsx_writer *w = calloc(1, sizeof(*w));
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = P_tmpdir;
	if (w == NULL)
		return NULL;
	snprintf(w->path, sizeof(w->path), "%s/doorstep-export-XXXXXX", dir);
	if ((w->fd = mkostemp(w->path, O_CLOEXEC)) < 0) {
		free(w);
		return NULL;
	}
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir};
	w->book = workbook_new_opt(w->path, &opt);
	w->sheet = w->book ? workbook_add_worksheet(w->book, "居民 residents") : NULL;
	if (w->sheet == NULL) {
		w->failed = true;
		return w;
	}
	/* Text format on every cell and column: ID and phone numbers stay text as
	 * shown (no 4.2e17), also when someone edits them in Excel later. */
	w->text = workbook_add_format(w->book);
	format_set_num_format(w->text, "@");
	w->head = workbook_add_format(w->book);
	format_set_bold(w->head);
	for (size_t k = 0; k < NCOLS; k++) {
		worksheet_set_column(w->sheet, (lxw_col_t)k, (lxw_col_t)k, columns[k].width, w->text);
		worksheet_write_string(w->sheet, 0, (lxw_col_t)k, columns[k].header, w->head);
	}
	worksheet_freeze_panes(w->sheet, 1, 0);
	w->row = 1;
	return w;
}

static void xlsx_row(void *p, const char *const cells[NCOLS])
{
	struct xlsx_writer *w = p;
	if (w->failed || w->row >= LXW_ROW_MAX) {
		w->failed = true; /* a cut list would pass for the whole one: fail instead */
		return;
	}
	for (size_t k = 0; k < NCOLS; k++) {
		lxw_col_t c = (lxw_col_t)k;
		int64_t age;
		char *owned = NULL;
		lxw_error e;
		if (cells[k] == NULL || cells[k][0] == '\0')
			continue;
		if (strcmp(columns[k].field, "age") == 0 && parse_i64z(cells[k], 0, 200, &age))
			e = worksheet_write_number(w->sheet, w->row, c, (double)age, NULL); /* sorts as a number */
		else
			e = worksheet_write_string(w->sheet, w->row, c, cell_safe(cells[k], &owned), w->text);
		free(owned);
		w->failed = w->failed || e != LXW_NO_ERROR;
	}
	w->row++;
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

static bool xlsx_close(void *p, char **data, size_t *len)
{
	struct xlsx_writer *w = p;
	bool ok = w->book != NULL && workbook_close(w->book) == LXW_NO_ERROR && !w->failed;
	*data = ok ? read_fd(w->fd, len) : NULL;
	close(w->fd);
	unlink(w->path);
	free(w);
	return *data != NULL;
}

/* The names here are the values of the body's format field (formats below). */
static const struct writer writers[] = {
    {"csv", "text/csv; charset=utf-8", "residents.csv", csv_open, csv_row, csv_close},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "residents.xlsx", xlsx_open, xlsx_row,
        xlsx_close},
};
static const char *const formats[] = {"csv", "xlsx", NULL};

/* The writer for a format name; CSV for jobs queued before formats existed. */
static const struct writer *writer_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(writers) / sizeof(writers[0]); i++)
		if (strcmp(writers[i].name, name) == 0)
			return &writers[i];
	return &writers[0];
}

static void start_export(struct req *r)
{
	struct filter f;
	if (!filter_from(r, body_str(r, "q"), body_str(r, "tag"), body_str(r, "area"), &f))
		return;
	if (f.area != NULL && area_find(req_db(r), f.area) == NULL) {
		reply_invalid(r, "area", "is not a known area");
		return;
	}
	if (f.area != NULL && !user_covers(req_user(r), "residents.read", f.area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	const char *format = writer_find(body_str(r, "format"))->name;
	json_t *codes = json_array();
	for (int i = 0; i < f.ncodes; i++)
		json_array_append_new(codes, json_string(f.codes[i]));
	json_t *params = json_pack("{ss* ss* ss* so sb ss}", "q", f.q, "tag", f.tag, "area", f.area, "codes", codes,
	    "sensitive", user_can(req_user(r), "residents.sensitive"), "format", format);
	/* The record names the format also when the body left it to the default. */
	json_t *what = req_body(r) ? json_deep_copy(req_body(r)) : json_object();
	json_object_set_new(what, "format", json_string(format));
	char *text = json_dumps(what, JSON_COMPACT);
	json_decref(what);
	audit_request(r, "resident.export", f.area ? f.area : "scope", AUDIT_SUCCESS, text);
	free(text);
	reply_job(r, "resident_export", params);
}

static bool export_run(struct job *job, struct db *db, json_t *p)
{
	const struct writer *wr = writer_find(json_string_value(json_object_get(p, "format")));
	struct arena *a = arena_new();
	json_t *jc = json_object_get(p, "codes");
	struct filter f = {json_string_value(json_object_get(p, "q")), json_string_value(json_object_get(p, "tag")),
	    json_string_value(json_object_get(p, "area")), arena_alloc(a, sizeof(char *) * (json_array_size(jc) + 1)),
	    (int)json_array_size(jc)};
	for (int i = 0; i < f.ncodes; i++)
		f.codes[i] = json_string_value(json_array_get(jc, (size_t)i));
	bool sensitive = json_is_true(json_object_get(p, "sensitive"));
	void *w = wr->open();
	struct db_stmt *st = w ? select_residents(db, a, &f, 0, INT64_MAX) : NULL;
	int64_t done = 0;
	int rc = DB_ERROR;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		json_t *res = resident_json(db, st, sensitive);
		char age[8], tags[512];
		const char *cells[NCOLS];
		row_cells(res, age, tags, cells);
		wr->row(w, cells);
		json_decref(res);
		if (++done % 1000 == 0)
			job_progress(job, done, 0);
	}
	if (st != NULL)
		db_reset(st);
	char *data = NULL;
	size_t len = 0;
	bool ok = w != NULL && wr->close(w, &data, &len) && rc == DB_DONE;
	if (ok) {
		job_progress(job, done, done);
		job_result(job, wr->type, wr->filename, data, len);
	} else if (w != NULL && rc == DB_DONE) {
		job_fail(job, "the list is longer than one sheet holds (1,048,575 rows): narrow it by area or tag");
	}
	free(data);
	arena_free(a);
	return ok;
}

static const struct field export_fields[] = {
    {"q", T_STRING, 0, 1, 32},
    {"tag", T_STRING, 0, 1, 32},
    {"area", T_STRING, F_AREA},
    {"format", T_ENUM, 0, .values = formats, .desc = "csv (the default; UTF-8 with a BOM) or xlsx"},
    {NULL},
};
static const struct field export_body = {NULL, T_OBJECT, 0, .fields = export_fields};

static const struct route routes[] = {
    {M_POST, "/api/v1/residents/exports", "residents.read", 0, NULL, &export_body, 202, &job_schema, start_export,
        "Export the filtered list as CSV or XLSX, masked (a job; audited)"},
    {0},
};

static const struct job_kind jobs[] = {
    {"resident_export", export_run},
    {NULL},
};

const struct module resident_exports_module = {
    .name = "resident_exports",
    .routes = routes,
    .jobs = jobs,
};
