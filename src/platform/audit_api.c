/* The audit log's table, its viewer for auditors, and CSV export as a job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../core/clock.h"
#include "../core/csv_out.h"
#include "../core/log.h"
#include "jobs.h"
#include "platform.h"
#include "../core/banned.h"

/* The filters, shared by the list and the export; bound in this order. */
#define FILTER_SQL                                                                                                   \
	" FROM audit_log WHERE (? IS NULL OR time >= ?) AND (? IS NULL OR time < ?) AND (? IS NULL OR username = ?)" \
	" AND (? IS NULL OR action = ?) AND (? IS NULL OR outcome = ?)"

struct filters {
	const char *from, *to, *username, *action, *outcome;
};

static void bind_filters(struct db_stmt *st, const struct filters *f)
{
	int64_t from = 0, to = 0;
	if (f->from)
		clock_parse(f->from, &from);
	if (f->to)
		clock_parse(f->to, &to);
	int i = 1;
	if (f->from) {
		db_bind_int(st, i++, from);
		db_bind_int(st, i++, from);
	} else {
		db_bind_text(st, i++, NULL);
		db_bind_text(st, i++, NULL);
	}
	if (f->to) {
		db_bind_int(st, i++, to);
		db_bind_int(st, i++, to);
	} else {
		db_bind_text(st, i++, NULL);
		db_bind_text(st, i++, NULL);
	}
	const char *rest[] = {f->username, f->action, f->outcome};
	for (int k = 0; k < 3; k++) {
		db_bind_text(st, i++, rest[k]);
		db_bind_text(st, i++, rest[k]);
	}
}

#define COLUMNS "SELECT id, time, username, client, action, object, outcome, reason"

static json_t *entry_json(struct db_stmt *st)
{
	char when[32];
	json_t *e = json_pack("{sI ss ss ss ss}", "id", (json_int_t)db_int(st, 0), "time",
	    clock_format(db_int(st, 1), when, sizeof(when)), "client", db_text(st, 3) ? db_text(st, 3) : "", "action",
	    db_text(st, 4), "outcome", db_text(st, 6));
	const char *opt[] = {"username", "object", "reason"};
	int cols[] = {2, 5, 7};
	for (int i = 0; i < 3; i++)
		json_object_set_new(e, opt[i], db_null(st, cols[i]) ? json_null() : json_string(db_text(st, cols[i])));
	return e;
}

static void list_audit(struct req *r)
{
	struct filters f = {req_query(r, "from"), req_query(r, "to"), req_query(r, "username"), req_query(r, "action"),
	    req_query(r, "outcome")};
	int64_t limit = req_limit(r), cursor = req_cursor(r);
	/* Newest first; the cursor is the last id shown. */
	struct db_stmt *st =
	    db_prepare(req_db(r), COLUMNS FILTER_SQL " AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	bind_filters(st, &f);
	db_bind_int(st, 11, cursor);
	db_bind_int(st, 12, cursor);
	db_bind_int(st, 13, limit + 1);
	json_t *items = json_array();
	int64_t count = 0, last = 0;
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, entry_json(st));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

static void start_export(struct req *r)
{
	json_t *params = json_deep_copy(req_body(r));
	audit_request(r, "audit.export", NULL, AUDIT_SUCCESS, NULL);
	reply_job(r, "audit_export", params);
}

static bool export_run(struct job *job, struct db *db, json_t *p)
{
	struct filters f = {json_string_value(json_object_get(p, "from")), json_string_value(json_object_get(p, "to")),
	    json_string_value(json_object_get(p, "username")), json_string_value(json_object_get(p, "action")),
	    json_string_value(json_object_get(p, "outcome"))};
	struct db_stmt *st = db_prepare(db, "SELECT count(*)" FILTER_SQL);
	if (st == NULL)
		return false;
	bind_filters(st, &f);
	int64_t total = db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	db_reset(st);
	job_progress(job, 0, total);

	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out == NULL)
		return false;
	csv_begin(out, "id,time,username,client,action,object,outcome,reason");
	st = db_prepare(db, COLUMNS FILTER_SQL " ORDER BY id");
	if (st == NULL) {
		fclose(out);
		free(buf);
		return false;
	}
	bind_filters(st, &f);
	int64_t done = 0;
	while (db_step(st) == DB_ROW) {
		char id[24], when[32];
		snprintf(id, sizeof(id), "%lld", (long long)db_int(st, 0));
		csv_cell(out, id, false);
		csv_cell(out, clock_format(db_int(st, 1), when, sizeof(when)), false);
		for (int c = 2; c <= 7; c++)
			csv_cell(out, db_text(st, c), c == 7);
		if (++done % 1000 == 0)
			job_progress(job, done, total);
	}
	db_reset(st);
	fclose(out);
	job_progress(job, done, total);
	job_result(job, "text/csv; charset=utf-8", "audit.csv", buf, len);
	free(buf);
	return true;
}

static const char *const outcomes[] = {"success", "failure", "denied", NULL};

static const struct field filter_fields[] = {
    {"from", T_DATETIME, 0, .desc = "from this time (inclusive)"},
    {"to", T_DATETIME, 0, .desc = "until this time (exclusive)"},
    {"username", T_STRING, 0, 1, 64},
    {"action", T_STRING, 0, 1, 64},
    {"outcome", T_ENUM, 0, .values = outcomes},
    {NULL},
};
static const struct field export_body = {NULL, T_OBJECT, 0, .fields = filter_fields};

static const struct field entry_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"time", T_DATETIME, F_REQUIRED},
    {"username", T_STRING, F_REQUIRED | F_NULLABLE},
    {"client", T_STRING, F_REQUIRED},
    {"action", T_STRING, F_REQUIRED},
    {"object", T_STRING, F_REQUIRED | F_NULLABLE},
    {"outcome", T_ENUM, F_REQUIRED, .values = outcomes},
    {"reason", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field entry_schema = {NULL, T_OBJECT, 0, .fields = entry_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/audit", "audit.read", R_LIST, filter_fields, NULL, 200, &entry_schema, list_audit,
        "Audit entries, newest first"},
    {M_POST, "/api/v1/audit/exports", "audit.read", 0, NULL, &export_body, 202, &job_schema, start_export,
        "Export the filtered audit log as CSV (a job)"},
    {0},
};

static const struct job_kind jobs[] = {
    {"audit_export", export_run},
    {NULL},
};

/* The application only ever inserts; triggers refuse edits made through SQL as a second line. */
static const struct migration migrations[] = {
    {1, "CREATE TABLE audit_log ("
        " id INTEGER PRIMARY KEY,"
        " time INTEGER NOT NULL,"
        " user_id INTEGER NOT NULL,"
        " username TEXT,"
        " client TEXT,"
        " action TEXT NOT NULL,"
        " object TEXT,"
        " outcome TEXT NOT NULL,"
        " reason TEXT,"
        " hash BLOB NOT NULL);"
        "CREATE INDEX audit_log_time ON audit_log (time);"
        "CREATE INDEX audit_log_username ON audit_log (username, id);"},
    {0},
};

const struct module audit_module = {
    .name = "audit",
    .migrations = migrations,
    .routes = routes,
    .jobs = jobs,
};
