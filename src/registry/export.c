/* Export of residents: the filtered list, masked, as CSV or XLSX, made by a job.
 * The scope is fixed when the export is asked for, every export is audited with
 * its filter and format, and every cell of both formats goes through cell_safe,
 * so a name like "=1+1" never runs as a formula. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/table_out.h"
#include "../platform/area_tree.h"
#include "../platform/jobs.h"
#include "../platform/platform.h"
#include "registry.h"
#include "../core/banned.h"

/* The columns of both formats: the header, the member of resident_json, the
 * width in XLSX (in characters; a Chinese character counts two), and for the one
 * number (age) its format, so that it sorts as a number. */
static const struct column {
	struct table_col out;
	const char *field;
} columns[] = {
    {{"姓名 name", 12, NULL}, "name"},
    {{"性别 gender", 12, NULL}, "gender"},
    {{"出生日期 birth_date", 20, NULL}, "birth_date"},
    {{"年龄 age", 9, "0"}, "age"},
    {{"证件类型 document_type", 23, NULL}, "document_type"},
    {{"身份证号 id_number", 21, NULL}, "id_number"},
    {{"联系电话 phone", 16, NULL}, "phone"},
    {{"区域 area", 20, NULL}, "area_name"},
    {{"与户主关系 relation", 20, NULL}, "relation"},
    {{"标签 tags", 30, NULL}, "tags"},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* A resident's cells in column order. The one integer member (age) is written
 * into age, the one array (tags) into tags. */
static void row_cells(json_t *res, char age[8], char tags[512], struct table_cell cells[NCOLS])
{
	for (size_t k = 0; k < NCOLS; k++) {
		json_t *v = json_object_get(res, columns[k].field);
		cells[k] = (struct table_cell){json_string_value(v), 0};
		if (json_is_integer(v)) {
			snprintf(age, 8, "%lld", (long long)json_integer_value(v));
			cells[k] = (struct table_cell){age, (double)json_integer_value(v)};
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
			cells[k].text = tags;
		}
	}
}

/* The formats, by the values of the body's format field. */
static const struct format {
	const char *name, *type, *filename;
	bool xlsx;
} formats[] = {
    {"csv", TABLE_CSV_TYPE, "residents.csv", false},
    {"xlsx", TABLE_XLSX_TYPE, "residents.xlsx", true},
};
static const char *const format_names[] = {"csv", "xlsx", NULL};

/* The format of a name; CSV for jobs queued before formats existed. */
static const struct format *format_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return &formats[0];
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
	const char *format = format_find(body_str(r, "format"))->name;
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
	const struct format *fmt = format_find(json_string_value(json_object_get(p, "format")));
	struct arena *a = arena_new();
	json_t *jc = json_object_get(p, "codes");
	struct filter f = {json_string_value(json_object_get(p, "q")), json_string_value(json_object_get(p, "tag")),
	    json_string_value(json_object_get(p, "area")), arena_alloc(a, sizeof(char *) * (json_array_size(jc) + 1)),
	    (int)json_array_size(jc)};
	for (int i = 0; i < f.ncodes; i++)
		f.codes[i] = json_string_value(json_array_get(jc, (size_t)i));
	bool sensitive = json_is_true(json_object_get(p, "sensitive"));
	struct table_col cols[NCOLS];
	for (size_t k = 0; k < NCOLS; k++)
		cols[k] = columns[k].out;
	struct table *t = table_open(fmt->xlsx, "居民 residents", cols, NCOLS);
	struct db_stmt *st = t ? select_residents(db, a, &f, 0, INT64_MAX) : NULL;
	int64_t done = 0;
	int rc = DB_ERROR;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		json_t *res = resident_json(st, sensitive);
		char age[8], tags[512];
		struct table_cell cells[NCOLS];
		row_cells(res, age, tags, cells);
		table_row(t, cells);
		json_decref(res);
		if (++done % 1000 == 0)
			job_progress(job, done, 0);
	}
	if (st != NULL)
		db_reset(st);
	char *data = NULL;
	size_t len = 0;
	bool ok = t != NULL && table_close(t, &data, &len) && rc == DB_DONE;
	if (ok) {
		job_progress(job, done, done);
		job_result(job, fmt->type, fmt->filename, data, len);
	} else if (t != NULL && rc == DB_DONE) {
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
    {"format", T_ENUM, 0, .values = format_names, .desc = "csv (the default; UTF-8 with a BOM) or xlsx"},
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
