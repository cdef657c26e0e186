/* Importing residents through the web app: the spreadsheet's CSV is uploaded
 * as the raw request body and imported by a job, whose progress the page
 * polls; rows outside the uploader's areas are rejected like any bad row, and
 * the report of rejected rows is the job's download. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../platform/jobs.h"
#include "../platform/platform.h"
#include "import.h"
#include "registry.h"
#include "../core/banned.h"

static void start_import(struct req *r)
{
	size_t n;
	req_upload(r, &n);
	if (n == 0) {
		reply_problem(r, P_BAD_REQUEST, "send the CSV file as the request body");
		return;
	}
	int ncodes;
	const char **codes = user_scope(req_arena(r), req_user(r), "residents.write", &ncodes);
	json_t *scope = json_array();
	for (int i = 0; i < ncodes; i++)
		json_array_append_new(scope, json_string(codes[i]));
	const char *aon = req_query(r, "all_or_nothing");
	bool all_or_nothing = aon != NULL && strcmp(aon, "true") == 0;
	audit_request(r, "resident.import", "upload", AUDIT_SUCCESS,
	    arena_printf(req_arena(r), "%zu bytes%s", n, all_or_nothing ? ", all or nothing" : ""));
	reply_job(r, "resident_import",
	    json_pack("{so sb sI ss ss}", "codes", scope, "all_or_nothing", all_or_nothing, "user_id",
	        (json_int_t)req_user(r)->id, "username", req_user(r)->username, "client", req_client(r)));
}

struct run {
	struct job *job;
	json_t *codes; /* the uploader's scope */
};

/* Area codes nest by prefix: a scope code covers every area whose code it begins. */
static bool in_scope(void *ctx, const char *community)
{
	struct run *run = ctx;
	size_t i;
	json_t *c;
	json_array_foreach (run->codes, i, c) {
		const char *code = json_string_value(c);
		if (strncmp(community, code, strlen(code)) == 0)
			return true;
	}
	return false;
}

static void progress(void *ctx, int64_t done, int64_t total)
{
	struct run *run = ctx;
	job_progress(run->job, done, total);
}

static bool import_run(struct job *job, struct db *db, json_t *p)
{
	size_t n;
	char *data = job_input(job, &n);
	char *report = NULL;
	size_t report_len = 0;
	FILE *f = open_memstream(&report, &report_len);
	if (f == NULL)
		return false;
	fputs("\xef\xbb\xbf", f); /* a BOM, so that Excel reads the report as UTF-8 */
	struct run run = {job, json_object_get(p, "codes")};
	struct import_options o = {
	    .all_or_nothing = json_is_true(json_object_get(p, "all_or_nothing")),
	    .report = f,
	    .mask_numbers = true, /* the report is stored as the job's result */
	    .in_scope = in_scope,
	    .progress = progress,
	    .ctx = &run,
	};
	struct import_result res;
	enum import_status status = import_residents(db, data, n, &o, &res);
	fclose(f);
	bool ok = status != IMPORT_UNREADABLE;
	char what[320];
	if (ok)
		snprintf(what, sizeof(what), "rows %lld, created %lld, updated %lld, rejected %lld",
		    (long long)res.rows, (long long)res.created, (long long)res.updated, (long long)res.rejected);
	else
		snprintf(what, sizeof(what), "unreadable: %s", res.error);
	audit_append(db, json_integer_value(json_object_get(p, "user_id")),
	    json_string_value(json_object_get(p, "username")), json_string_value(json_object_get(p, "client")),
	    "resident.import", "job", ok ? AUDIT_SUCCESS : AUDIT_FAILURE, what);
	if (!ok) {
		job_fail(job, res.error);
	} else {
		job_summary(job, json_pack("{sI sI sI sI sb}", "rows", (json_int_t)res.rows, "created",
		                     (json_int_t)res.created, "updated", (json_int_t)res.updated, "rejected",
		                     (json_int_t)res.rejected, "all_or_nothing", o.all_or_nothing));
		if (res.rejected > 0)
			job_result(job, "text/csv; charset=utf-8", "import-report.csv", report, report_len);
	}
	free(report);
	return ok;
}

static const char *const booleans[] = {"true", "false", NULL};
static const struct field import_query[] = {
    {"all_or_nothing", T_ENUM, 0, .values = booleans, .desc = "true: one rejected row imports nothing"},
    {NULL},
};

static const struct route routes[] = {
    {M_POST, "/api/v1/residents/imports", "residents.write", R_UPLOAD, import_query, NULL, 202, &job_schema,
        start_import,
        "Import residents from a CSV file sent as the body (UTF-8 or GB18030); a job whose download is the report"},
    {0},
};

static const struct job_kind jobs[] = {
    {"resident_import", import_run},
    {NULL},
};

const struct module resident_imports_module = {
    .name = "resident_imports",
    .routes = routes,
    .jobs = jobs,
};
