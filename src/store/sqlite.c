/* The SQLite driver: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE,
 * synchronous=FULL unless configured otherwise. One connection per thread. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../core/config.h"
#include "../core/log.h"
#include "db.h"
#include "../core/banned.h"

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return DB_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	default:
		return DB_ERROR;
	}
}

/* --- rows from C for db_insert_rows: INSERT ... SELECT from doorstep_rows(?), an
 * eponymous virtual table whose hidden argument is the row source (a pointer
 * bound with sqlite3_bind_pointer), so the values go from the loader's memory
 * into the table's records with no statement per row. --- */

#define ROWS_POINTER "doorstep_rows"

struct rows_src {
	db_rows_fn next;
	void *ctx;
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	struct rows_src *src;
	struct db_value values[DB_ROWS_MAX_COLS];
	bool eof;
	sqlite3_int64 rowid;
};

static int rows_connect(sqlite3 *h, void *aux, int argc, const char *const *argv, sqlite3_vtab **vt, char **err)
{
	char sql[64 + DB_ROWS_MAX_COLS * 5] = "CREATE TABLE x(";
	size_t len = strlen(sql);
	for (int i = 0; i < DB_ROWS_MAX_COLS; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "c%d,", i);
	snprintf(sql + len, sizeof(sql) - len, "src HIDDEN)");
	int rc = sqlite3_declare_vtab(h, sql);
	if (rc != SQLITE_OK)
		return rc;
	if ((*vt = sqlite3_malloc(sizeof(**vt))) == NULL)
		return SQLITE_NOMEM;
	memset(*vt, 0, sizeof(**vt));
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* Only usable with its source given: doorstep_rows(?). */
static int rows_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (c->iColumn == DB_ROWS_MAX_COLS && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
			info->aConstraintUsage[i].argvIndex = 1;
			info->aConstraintUsage[i].omit = 1;
			info->estimatedCost = 1;
			return SQLITE_OK;
		}
	}
	return SQLITE_CONSTRAINT;
}

static int rows_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));
	if (c == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*cur = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	memset(c->values, 0, sizeof(c->values));
	c->eof = c->src == NULL || !c->src->next(c->src->ctx, c->values);
	c->rowid++;
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	c->src = argc == 1 ? sqlite3_value_pointer(argv[0], ROWS_POINTER) : NULL;
	c->rowid = 0;
	return rows_next(cur);
}

static int rows_eof(sqlite3_vtab_cursor *cur) { return ((struct rows_cursor *)cur)->eof; }

/* The values stay the loader's until the next row: SQLite copies them into the record. */
static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct db_value *v = &((struct rows_cursor *)cur)->values[col < DB_ROWS_MAX_COLS ? col : 0];
	if (col >= DB_ROWS_MAX_COLS || v->type == DBV_NULL)
		sqlite3_result_null(ctx);
	else if (v->type == DBV_INT)
		sqlite3_result_int64(ctx, v->i);
	else if (v->type == DBV_TEXT)
		sqlite3_result_text(ctx, v->p, -1, SQLITE_STATIC);
	else
		sqlite3_result_blob64(ctx, v->p, v->n, SQLITE_STATIC);
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct rows_cursor *)cur)->rowid;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

static int sq_insert_rows(
    void *c, const char *table, const char *columns, int ncols, bool skip_conflicts, db_rows_fn next, void *ctx)
{
	sqlite3_str *sql = sqlite3_str_new(c);
	sqlite3_str_appendf(sql, "INSERT INTO \"%w\" (%s) SELECT c0", table, columns);
	for (int i = 1; i < ncols; i++)
		sqlite3_str_appendf(sql, ", c%d", i);
	/* WHERE true: without it, ON CONFLICT would be read as part of the SELECT's join. */
	sqlite3_str_appendf(
	    sql, " FROM doorstep_rows(?)%s", skip_conflicts ? " WHERE true ON CONFLICT DO NOTHING" : "");
	char *text = sqlite3_str_finish(sql);
	sqlite3_stmt *st = NULL;
	int rc = text ? sqlite3_prepare_v2(c, text, -1, &st, NULL) : SQLITE_NOMEM;
	sqlite3_free(text);
	struct rows_src src = {next, ctx};
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_pointer(st, 1, &src, ROWS_POINTER, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_warnx("bulk insert into %s: %s", table, sqlite3_errmsg(c));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : map_rc(rc);
}

static void *sq_open(const char *path, bool create, char *err, size_t errn)
{
	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
		snprintf(err, errn, "cannot open database %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_extended_result_codes(h, 0);
	if (sqlite3_create_module(h, "doorstep_rows", &rows_module, NULL) != SQLITE_OK) {
		snprintf(err, errn, "cannot open database %s: %s", path, sqlite3_errmsg(h));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_busy_timeout(h, (int)config_get(CFG_SQLITE_BUSY_TIMEOUT));
	/* A new database gets 16 KiB pages (for an existing one page_size does nothing): a
	 * resident is a wide row, and fewer, larger pages make writing the registry in bulk
	 * cheaper (a fifth less time to import 500,000 rows than with 4 KiB pages). */
	char pragmas[256];
	snprintf(pragmas, sizeof(pragmas),
	    "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s;"
	    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;",
	    config_get(CFG_SQLITE_SYNCHRONOUS) == 2 ? "FULL" : "NORMAL");
	char *msg = NULL;
	if (sqlite3_exec(h, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errn, "cannot use database %s: %s", path, msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

static void sq_close(void *c) { sqlite3_close_v2(c); }

static int sq_exec(void *c, const char *sql) { return map_rc(sqlite3_exec(c, sql, NULL, NULL, NULL)); }

static void *sq_prepare(void *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(c, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void sq_finalize(void *s) { sqlite3_finalize(s); }
static int sq_bind_int(void *s, int i, int64_t v) { return map_rc(sqlite3_bind_int64(s, i, v)); }
static int sq_bind_text(void *s, int i, const char *t)
{
	return map_rc(sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT));
}
static int sq_bind_blob(void *s, int i, const void *p, size_t n)
{
	return map_rc(sqlite3_bind_blob64(s, i, p, n, SQLITE_TRANSIENT));
}
static int sq_bind_null(void *s, int i) { return map_rc(sqlite3_bind_null(s, i)); }
static int sq_step(void *s) { return map_rc(sqlite3_step(s)); }
static void sq_reset(void *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}
static int64_t sq_col_int(void *s, int c) { return sqlite3_column_int64(s, c); }
static const char *sq_col_text(void *s, int c) { return (const char *)sqlite3_column_text(s, c); }
static const void *sq_col_blob(void *s, int c, size_t *n)
{
	const void *p = sqlite3_column_blob(s, c);
	*n = (size_t)sqlite3_column_bytes(s, c);
	return p;
}
static bool sq_col_null(void *s, int c) { return sqlite3_column_type(s, c) == SQLITE_NULL; }
static int64_t sq_last_id(void *c) { return sqlite3_last_insert_rowid(c); }
static int64_t sq_changes(void *c) { return sqlite3_changes64(c); }
static const char *sq_errmsg(void *c) { return sqlite3_errmsg(c); }

/* Copy all pages between two connections with the online backup API, which
 * gives a consistent snapshot even while other connections write. */
static int copy_db(sqlite3 *from, sqlite3 *to)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (b == NULL)
		return DB_ERROR;
	int rc;
	while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(5);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? DB_OK : DB_ERROR;
}

static int sq_backup(void *c, const char *out)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(out, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlite3_close(dst);
		return DB_ERROR;
	}
	int rc = copy_db(c, dst);
	/* A backup is one self-contained file, not a WAL pair. */
	if (rc == DB_OK && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = DB_ERROR;
	sqlite3_close(dst);
	return rc;
}

static int sq_restore(void *c, const char *from)
{
	sqlite3 *src = NULL;
	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		return DB_ERROR;
	}
	int rc = copy_db(src, c);
	sqlite3_close(src);
	return rc;
}

static bool sq_integrity(void *c)
{
	sqlite3_stmt *st;
	bool ok = false;
	if (sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}

static void sq_checkpoint(void *c) { sqlite3_wal_checkpoint_v2(c, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL); }

/* Bulk: no foreign key checks, and the journal as the mode asks; then back to WAL.
 * The page cache is 32 MiB, not the whole transaction (up to 1 GiB, as it was): a
 * load writes its pages out as it fills them (they are new, so nothing is journaled
 * for them) and reuses the memory, which is faster, since each page of memory taken
 * anew costs a page fault, dear on a virtual machine (500,000 imported rows: 0.4 to
 * 0.6 s less, 130 MB less memory). */
static int sq_bulk(void *c, enum db_bulk mode)
{
	bool rebuilt = mode == DB_BULK_REBUILT;
	char sql[256];
	if (mode == DB_BULK_OFF) {
		snprintf(sql, sizeof(sql),
		    "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-16000; PRAGMA foreign_keys=ON;",
		    config_get(CFG_SQLITE_SYNCHRONOUS) == 2 ? "FULL" : "NORMAL");
		return map_rc(sqlite3_exec(c, sql, NULL, NULL, NULL));
	}
	if (mode == DB_BULK_ALONE) {
		/* Leaving WAL fails at once if another connection has the database open: then
		 * the load goes through the WAL as usual. */
		sqlite3_busy_timeout(c, 0);
		sqlite3_exec(c, "PRAGMA journal_mode=TRUNCATE", NULL, NULL, NULL);
		sqlite3_busy_timeout(c, (int)config_get(CFG_SQLITE_BUSY_TIMEOUT));
	}
	snprintf(sql, sizeof(sql), "%s PRAGMA synchronous=%s; PRAGMA cache_size=-32768; PRAGMA foreign_keys=OFF;",
	    rebuilt ? "PRAGMA journal_mode=MEMORY;" : "",
	    rebuilt                                   ? "OFF"
	    : config_get(CFG_SQLITE_SYNCHRONOUS) == 2 ? "FULL"
	                                              : "NORMAL");
	return map_rc(sqlite3_exec(c, sql, NULL, NULL, NULL));
}

/* The CREATE statements of the table's triggers and (if asked) indexes (automatic
 * indexes of UNIQUE and PRIMARY KEY have none and stay), joined, indexes first, then
 * each dropped. */
static char *sq_derived_drop(void *c, const char *table, bool indexes)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c,
	        "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('trigger', ?) AND tbl_name = ?"
	        " AND sql IS NOT NULL ORDER BY type, name",
	        -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, indexes ? "index" : "trigger", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	sqlite3_str *create = sqlite3_str_new(c), *drop = sqlite3_str_new(c);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		sqlite3_str_appendf(create, "%s;", (const char *)sqlite3_column_text(st, 2));
		sqlite3_str_appendf(drop, "DROP %s \"%w\";", strcmp(type, "index") == 0 ? "INDEX" : "TRIGGER",
		    (const char *)sqlite3_column_text(st, 1));
	}
	int rc = sqlite3_finalize(st);
	char *create_sql = sqlite3_str_finish(create), *drop_sql = sqlite3_str_finish(drop);
	char *out = NULL;
	if (rc == SQLITE_OK && (drop_sql == NULL || sqlite3_exec(c, drop_sql, NULL, NULL, NULL) == SQLITE_OK))
		out = strdup(create_sql ? create_sql : "");
	sqlite3_free(create_sql);
	sqlite3_free(drop_sql);
	return out;
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_null = sq_col_null,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .begin_sql = "BEGIN IMMEDIATE",
    .backup = sq_backup,
    .restore = sq_restore,
    .integrity = sq_integrity,
    .checkpoint = sq_checkpoint,
    .bulk = sq_bulk,
    .derived_drop = sq_derived_drop,
    .insert_rows = sq_insert_rows,
    .errmsg = sq_errmsg,
};
