#include "jobs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../http/internal.h"
#include "../http/server.h"
#include "ticker.h"
#include "../core/banned.h"

struct job {
	int64_t id;
	struct db *db;
	char *input; /* the uploaded file, or NULL */
	size_t input_len;
	json_t *summary;
	char error[256];
};

/* The running job's progress lives in memory: the job's own writes may sit in
 * an open transaction that no poller can see. One runner, so one job at a time. */
static struct {
	_Atomic int64_t id, done, total;
} running;

static void run_queued(struct db *db);
static struct ticker runner = TICKER_INIT("job runner", run_queued);
static bool recovered;

static const struct job_kind *kind_find(const char *name)
{
	for (const struct module *const *m = modules; *m != NULL; m++)
		for (const struct job_kind *k = (*m)->jobs; k != NULL && k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				return k;
	return NULL;
}

char *job_input(struct job *job, size_t *n)
{
	if (job->input == NULL && (job->input = calloc(1, 1)) == NULL)
		fatal("out of memory");
	*n = job->input_len;
	return job->input;
}

void job_progress(struct job *job, int64_t done, int64_t total)
{
	(void)job;
	running.total = total;
	running.done = done;
}

void job_summary(struct job *job, json_t *summary)
{
	json_decref(job->summary);
	job->summary = summary;
}

void job_fail(struct job *job, const char *why) { snprintf(job->error, sizeof(job->error), "%s", why); }

void job_result(struct job *job, const char *type, const char *filename, const void *data, size_t n)
{
	db_run(job->db, "UPDATE jobs SET result = ?, result_type = ?, result_name = ? WHERE id = ?", "btti", data, n,
	    type, filename, job->id);
}

/* Take the oldest queued job and run it; false when there is none. */
static bool run_one(struct db *db)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT id, kind, params, input FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1", NULL);
	if (st == NULL || db_step(st) != DB_ROW) {
		if (st)
			db_reset(st);
		return false;
	}
	struct job job = {.id = db_int(st, 0), .db = db};
	char kind[64];
	snprintf(kind, sizeof(kind), "%s", db_text(st, 1));
	json_t *params = json_loads(db_text(st, 2), 0, NULL);
	size_t n;
	const void *input = db_blob(st, 3, &n);
	if (input != NULL) {
		if ((job.input = malloc(n + 1)) == NULL)
			fatal("out of memory");
		memcpy(job.input, input, n);
		job.input[n] = '\0';
		job.input_len = n;
	}
	db_reset(st);
	db_run(db, "UPDATE jobs SET state = 'running' WHERE id = ?", "i", job.id);
	running.done = running.total = 0;
	running.id = job.id;
	const struct job_kind *k = kind_find(kind);
	bool ok = k != NULL && params != NULL && k->run(&job, db, params);
	db_rollback(db);
	json_decref(params);
	free(job.input);
	char *summary = job.summary ? json_dumps(job.summary, JSON_COMPACT) : NULL;
	json_decref(job.summary);
	const char *error = ok ? NULL : job.error[0] ? job.error : "the job could not be completed";
	/* The uploaded file holds personal data: it goes once the job has ended. */
	db_run(db,
	    "UPDATE jobs SET state = ?, finished_at = ?, error = ?, progress = ?, total = ?, summary = ?, input = NULL"
	    " WHERE id = ?",
	    "titiiti", ok ? "done" : "failed", clock_now(), error, (int64_t)running.done, (int64_t)running.total,
	    summary, job.id);
	free(summary);
	running.id = 0;
	log_info("job %lld (%s) %s", (long long)job.id, kind, ok ? "done" : "failed");
	return true;
}

static void run_queued(struct db *db)
{
	/* A job that was running when the process died starts again. */
	if (!recovered) {
		db_run(db, "UPDATE jobs SET state = 'queued', progress = 0 WHERE state = 'running'", NULL);
		recovered = true;
	}
	while (run_one(db))
		;
}

void jobs_start(void) { ticker_start(&runner); }
void jobs_stop(void) { ticker_stop(&runner); }

static json_t *job_json(struct db_stmt *st)
{
	int64_t id = db_int(st, 0);
	const char *state = db_text(st, 2);
	bool has_file = strcmp(state, "done") == 0 && !db_null(st, 6);
	int64_t done = db_int(st, 3), total = db_int(st, 4);
	if (strcmp(state, "running") == 0 && running.id == id) {
		total = running.total;
		done = running.done;
	}
	json_t *summary = db_null(st, 7) ? NULL : json_loads(db_text(st, 7), 0, NULL);
	return json_pack("{sI ss ss sI sI so so so}", "id", (json_int_t)id, "kind", db_text(st, 1), "state", state,
	    "progress", (json_int_t)done, "total", (json_int_t)total, "error",
	    db_null(st, 5) ? json_null() : json_string(db_text(st, 5)), "download",
	    has_file ? json_sprintf("/api/v1/jobs/%lld/result", (long long)id) : json_null(), "summary",
	    summary ? summary : json_null());
}

#define JOB_COLUMNS "id, kind, state, progress, total, error, result_type, summary"

void reply_job(struct req *r, const char *kind, json_t *params)
{
	if (kind_find(kind) == NULL)
		BUG("unknown job kind");
	char *text = json_dumps(params, JSON_COMPACT);
	json_decref(params);
	size_t n = 0;
	const char *input = r->route->flags & R_UPLOAD ? req_upload(r, &n) : NULL;
	int rc = db_run(r->db,
	    "INSERT INTO jobs (kind, user_id, params, input, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)",
	    "titbi", kind, r->user->id, text, input, n, clock_now());
	free(text);
	if (rc != DB_DONE) {
		reply_db_error(r, rc);
		return;
	}
	struct db_stmt *st = db_stmt(r->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?", "i", db_last_id(r->db));
	if (st == NULL || db_step(st) != DB_ROW) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	json_t *job = job_json(st);
	db_reset(st);
	ticker_wake(&runner);
	reply_json(r, 202, job);
}

/* A job is visible to the user who started it only. */
static void get_job(struct req *r)
{
	struct db_stmt *st = db_stmt(r->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ? AND user_id = ?", "ii",
	    req_param_id(r, 0), r->user->id);
	if (st == NULL || db_step(st) != DB_ROW) {
		reply_problem(r, P_NOT_FOUND, "no such job");
		return;
	}
	json_t *job = job_json(st);
	db_reset(st);
	reply_json(r, 200, job);
}

static void get_result(struct req *r)
{
	struct db_stmt *st = db_stmt(r->db,
	    "SELECT result, result_type, result_name FROM jobs WHERE id = ? AND user_id = ? AND state = 'done'"
	    " AND result IS NOT NULL",
	    "ii", req_param_id(r, 0), r->user->id);
	if (st == NULL || db_step(st) != DB_ROW) {
		reply_problem(r, P_NOT_FOUND, "no such result");
		return;
	}
	size_t n;
	const void *data = db_blob(st, 0, &n);
	reply_bytes(r, 200, arena_strdup(r->arena, db_text(st, 1)), data, n, arena_strdup(r->arena, db_text(st, 2)));
	db_reset(st);
}

static void purge(struct db *db, int64_t now)
{
	db_run(db, "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?", "i",
	    now - config_get(CFG_JOB_RESULT_TTL));
}

static const char *const job_states[] = {"queued", "running", "done", "failed", NULL};

static const struct field job_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"kind", T_STRING, F_REQUIRED},
    {"state", T_ENUM, F_REQUIRED, .values = job_states},
    {"progress", T_INT, F_REQUIRED},
    {"total", T_INT, F_REQUIRED},
    {"error", T_STRING, F_REQUIRED | F_NULLABLE},
    {"download", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "where to fetch the result once done"},
    {"summary", T_OBJECT, F_REQUIRED | F_NULLABLE, .desc = "what the job did, by kind (an import: rows, created...)"},
    {NULL},
};
const struct field job_schema = {NULL, T_OBJECT, 0, .fields = job_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/jobs/{id}", NULL, 0, NULL, NULL, 200, &job_schema, get_job, "A job's progress"},
    {M_GET, "/api/v1/jobs/{id}/result", NULL, R_RAW, NULL, NULL, 200, NULL, get_result, "A finished job's file"},
    {0},
};

static const struct periodic periodic[] = {
    {"jobs.purge", 3600, purge},
    {NULL},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE jobs ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL,"
        " user_id INTEGER NOT NULL REFERENCES users (id),"
        " params TEXT NOT NULL,"
        " state TEXT NOT NULL,"
        " progress INTEGER NOT NULL DEFAULT 0,"
        " total INTEGER NOT NULL DEFAULT 0,"
        " error TEXT,"
        " result BLOB,"
        " result_type TEXT,"
        " result_name TEXT,"
        " created_at INTEGER NOT NULL,"
        " finished_at INTEGER);"
        "CREATE INDEX jobs_state ON jobs (state, id);"},
    {2, "ALTER TABLE jobs ADD COLUMN input BLOB;" /* an uploaded file, until the job ends */
        "ALTER TABLE jobs ADD COLUMN summary TEXT;"},
    {0},
};

const struct module jobs_module = {
    .name = "jobs",
    .migrations = migrations,
    .routes = routes,
    .periodic = periodic,
};
