/* The storage interface modules use. Portable SQL only: `?` placeholders,
 * timestamps as INTEGER UTC seconds, money as INTEGER fen. A driver (sqlite.c now,
 * PostgreSQL later) implements struct db_driver; nothing outside src/store sees it. */
#ifndef DOORSTEP_DB_H
#define DOORSTEP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_rc {
	DB_OK = 0,
	DB_ROW, /* step: a row is ready */
	DB_DONE, /* step: no more rows */
	DB_CONSTRAINT, /* a UNIQUE, FOREIGN KEY or CHECK constraint failed */
	DB_BUSY, /* the lock could not be had within the busy timeout */
	DB_ERROR,
};

/* Open (creating if asked) the database at path; NULL with a message in err on failure. */
struct db *db_open(const char *path, bool create, char *err, size_t errn);
/* Finalize cached statements and close. NULL is allowed. */
void db_close(struct db *db);
/* Whether a database file exists at path. */
bool db_exists(const char *path);

/* Run one or more statements without parameters (migrations). */
int db_exec(struct db *db, const char *sql);
/* A prepared statement from this connection's cache, reset and with bindings
 * cleared; bind with the fmt letters: i int64_t, t const char * (NULL binds NULL),
 * b (const void *, size_t) blob, n NULL. NULL on a prepare or bind error (logged). */
struct db_stmt *db_stmt(struct db *db, const char *sql, const char *fmt, ...);
/* A cached statement without bindings, for SQL built at run time; bind by 1-based index. */
struct db_stmt *db_prepare(struct db *db, const char *sql);
int db_bind_int(struct db_stmt *st, int idx, int64_t v);
int db_bind_text(struct db_stmt *st, int idx, const char *s);
int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
/* Advance: DB_ROW, DB_DONE, DB_CONSTRAINT, DB_BUSY or DB_ERROR. */
int db_step(struct db_stmt *st);
/* Bind, step once and reset: DB_DONE (or DB_ROW) on success, else the error. */
int db_run(struct db *db, const char *sql, const char *fmt, ...);
/* A step's or db_run's result as DB_OK when the statement ran (DB_DONE, DB_ROW), else the error. */
int db_ran(int rc);
/* Release the statement's cursor so it can be reused; done automatically by db_stmt. */
void db_reset(struct db_stmt *st);

int64_t db_int(struct db_stmt *st, int col);
/* Text of a column, valid until the next step or reset; NULL for SQL NULL. */
const char *db_text(struct db_stmt *st, int col);
const void *db_blob(struct db_stmt *st, int col, size_t *n);
bool db_null(struct db_stmt *st, int col);

/* The id of the last inserted row and the rows changed by the last statement. */
int64_t db_last_id(struct db *db);
int64_t db_changes(struct db *db);

struct arena;
/* A LIKE pattern (for `LIKE ? ESCAPE '\\'`): before, then text with %, _ and \ made literal, then
 * after; e.g. ("%", q, "%") for "contains q". Allocated in a. */
char *db_like(struct arena *a, const char *before, const char *text, const char *after);

/* Write transactions take the write lock at once (BEGIN IMMEDIATE). */
int db_begin(struct db *db);
int db_commit(struct db *db);
/* Whether a transaction is open on this connection. */
bool db_in_tx(struct db *db);
/* Roll back if a transaction is open; safe to call twice. */
void db_rollback(struct db *db);

/* A consistent copy of the whole database at out_path (works while others write). */
int db_backup(struct db *db, const char *out_path);
/* Replace this database's content with the one at from_path. */
int db_restore(struct db *db, const char *from_path);
/* Run the engine's integrity check; true if sound. */
bool db_integrity(struct db *db);
enum db_bulk {
	DB_BULK_OFF,
	/* A large write transaction: memory to hold it, and references not checked (the
	 * loader vouches for them); as durable and crash-safe as ever. */
	DB_BULK_DURABLE,
	/* The same, and if no other connection has the database open, a rollback journal
	 * instead of the write-ahead log, so that the data is written once, not twice;
	 * others cannot open the database until bulk mode ends. For the CLI. */
	DB_BULK_ALONE,
	/* A load rebuilt rather than recovered (the demo): durability skipped too. Only
	 * for a database no one else has open. */
	DB_BULK_REBUILT,
};
/* Bulk mode for large loads on this connection until it is set back to DB_BULK_OFF;
 * both outside a transaction. */
int db_bulk(struct db *db, enum db_bulk mode);
/* For a bulk load into an empty table, inside its transaction: drop what is derived
 * from its rows, its triggers and, with indexes, its secondary indexes, and return
 * (malloc'd) the SQL that creates them again, for db_exec before the commit. Building
 * an index once from all rows is many times faster than inserting into it row by
 * row in random order (but not than appending to it in key order). What the
 * triggers would have written meanwhile is the loader's to write. NULL on error. */
char *db_derived_drop(struct db *db, const char *table, bool indexes);
/* One value of a row given to db_insert_rows. */
struct db_value {
	enum { DBV_NULL, DBV_INT, DBV_TEXT, DBV_BLOB } type;
	int64_t i;
	const void *p; /* NUL-terminated text, or blob */
	size_t n; /* blob bytes */
};
#define DB_ROWS_MAX_COLS 24
/* Fill the next row's values (they start as NULL); false when there are no more.
 * What they point to must stay valid until the next call. */
typedef bool (*db_rows_fn)(void *ctx, struct db_value *values);
/* Insert the rows next gives into table's columns (ncols of them, comma-separated,
 * at most DB_ROWS_MAX_COLS) in one statement, without copying each value into a
 * prepared statement first: for bulk loads. With skip_conflicts, a row that repeats a
 * unique key is left out. DB_OK, or the statement's error (DB_CONSTRAINT, ...). */
int db_insert_rows(
    struct db *db, const char *table, const char *columns, int ncols, bool skip_conflicts, db_rows_fn next, void *ctx);
/* Flush the write-ahead log into the main file (at shutdown). */
void db_checkpoint(struct db *db);
/* Nanoseconds this thread spent in the database so far (for /metrics). */
int64_t db_thread_ns(void);

/* The driver interface. */
struct db_driver {
	const char *name;
	void *(*open)(const char *path, bool create, char *err, size_t errn);
	void (*close)(void *conn);
	int (*exec)(void *conn, const char *sql);
	void *(*prepare)(void *conn, const char *sql);
	void (*finalize)(void *stmt);
	int (*bind_int)(void *stmt, int idx, int64_t v);
	int (*bind_text)(void *stmt, int idx, const char *s);
	int (*bind_blob)(void *stmt, int idx, const void *p, size_t n);
	int (*bind_null)(void *stmt, int idx);
	int (*step)(void *stmt);
	void (*reset)(void *stmt);
	int64_t (*col_int)(void *stmt, int col);
	const char *(*col_text)(void *stmt, int col);
	const void *(*col_blob)(void *stmt, int col, size_t *n);
	bool (*col_null)(void *stmt, int col);
	int64_t (*last_id)(void *conn);
	int64_t (*changes)(void *conn);
	const char *begin_sql; /* statement that starts a write transaction */
	int (*backup)(void *conn, const char *out_path);
	int (*restore)(void *conn, const char *from_path);
	bool (*integrity)(void *conn);
	void (*checkpoint)(void *conn);
	int (*bulk)(void *conn, enum db_bulk mode);
	char *(*derived_drop)(void *conn, const char *table, bool indexes);
	int (*insert_rows)(void *conn, const char *table, const char *columns, int ncols, bool skip_conflicts,
	    db_rows_fn next, void *ctx);
	const char *(*errmsg)(void *conn);
};

extern const struct db_driver db_sqlite_driver;

#endif
