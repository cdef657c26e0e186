/* Driver-independent half of the storage interface: the statement cache,
 * fmt-driven binding, transaction state and timing. */
#include "db.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/arena.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/banned.h"

#define CACHE_SLOTS 256 /* open addressing; well above the number of distinct queries */

struct db_stmt {
	struct db *db;
	void *h;
	const char *sql; /* owned copy */
	uint64_t hash;
};

struct db {
	const struct db_driver *drv;
	void *conn;
	bool in_tx;
	struct db_stmt cache[CACHE_SLOTS];
};

static _Thread_local int64_t thread_ns;

int64_t db_thread_ns(void) { return thread_ns; }

bool db_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

struct db *db_open(const char *path, bool create, char *err, size_t errn)
{
	const struct db_driver *drv = &db_sqlite_driver;
	void *conn = drv->open(path, create, err, errn);
	if (conn == NULL)
		return NULL;
	struct db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		fatal("out of memory");
	db->drv = drv;
	db->conn = conn;
	return db;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (db->cache[i].h != NULL) {
			db->drv->finalize(db->cache[i].h);
			free((void *)db->cache[i].sql);
		}
	}
	db->drv->close(db->conn);
	free(db);
}

int db_exec(struct db *db, const char *sql)
{
	int rc = db->drv->exec(db->conn, sql);
	if (rc != DB_OK)
		log_warnx("database: %s", db->drv->errmsg(db->conn));
	return rc;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct db_stmt *lookup(struct db *db, const char *sql)
{
	uint64_t h = fnv1a(sql);
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		struct db_stmt *st = &db->cache[(h + i) % CACHE_SLOTS];
		if (st->h == NULL) {
			st->h = db->drv->prepare(db->conn, sql);
			if (st->h == NULL) {
				log_warnx("database prepare: %s", db->drv->errmsg(db->conn));
				return NULL;
			}
			st->db = db;
			st->hash = h;
			st->sql = strdup(sql);
			if (st->sql == NULL)
				fatal("out of memory");
			return st;
		}
		if (st->hash == h && strcmp(st->sql, sql) == 0) {
			db->drv->reset(st->h);
			return st;
		}
	}
	BUG("statement cache full");
}

static struct db_stmt *vbind(struct db *db, const char *sql, const char *fmt, va_list ap)
{
	struct db_stmt *st = lookup(db, sql);
	if (st == NULL)
		return NULL;
	const struct db_driver *d = db->drv;
	int rc = DB_OK;
	for (int i = 0; fmt != NULL && fmt[i] != '\0' && rc == DB_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = d->bind_int(st->h, i + 1, va_arg(ap, int64_t));
			break;
		case 't': {
			const char *s = va_arg(ap, const char *);
			rc = s ? d->bind_text(st->h, i + 1, s) : d->bind_null(st->h, i + 1);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = d->bind_blob(st->h, i + 1, p, n);
			break;
		}
		case 'n':
			rc = d->bind_null(st->h, i + 1);
			break;
		default:
			BUG("bad db bind format");
		}
	}
	if (rc != DB_OK) {
		log_warnx("database bind: %s", d->errmsg(db->conn));
		return NULL;
	}
	return st;
}

struct db_stmt *db_stmt(struct db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct db_stmt *st = vbind(db, sql, fmt, ap);
	va_end(ap);
	return st;
}

struct db_stmt *db_prepare(struct db *db, const char *sql) { return lookup(db, sql); }

int db_bind_int(struct db_stmt *st, int idx, int64_t v) { return st->db->drv->bind_int(st->h, idx, v); }
int db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	return s ? st->db->drv->bind_text(st->h, idx, s) : st->db->drv->bind_null(st->h, idx);
}

int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	return st->db->drv->bind_blob(st->h, idx, p, n);
}

int db_step(struct db_stmt *st)
{
	int64_t t0 = clock_mono_ns();
	int rc = st->db->drv->step(st->h);
	thread_ns += clock_mono_ns() - t0;
	if (rc == DB_ERROR || rc == DB_BUSY)
		log_warnx("database step: %s", st->db->drv->errmsg(st->db->conn));
	return rc;
}

int db_run(struct db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct db_stmt *st = vbind(db, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return DB_ERROR;
	int rc = db_step(st);
	db_reset(st);
	return rc;
}

void db_reset(struct db_stmt *st) { st->db->drv->reset(st->h); }
int64_t db_int(struct db_stmt *st, int col) { return st->db->drv->col_int(st->h, col); }
const char *db_text(struct db_stmt *st, int col) { return st->db->drv->col_text(st->h, col); }
const void *db_blob(struct db_stmt *st, int col, size_t *n) { return st->db->drv->col_blob(st->h, col, n); }
bool db_null(struct db_stmt *st, int col) { return st->db->drv->col_null(st->h, col); }
int64_t db_last_id(struct db *db) { return db->drv->last_id(db->conn); }
int64_t db_changes(struct db *db) { return db->drv->changes(db->conn); }

int db_begin(struct db *db)
{
	if (db->in_tx)
		BUG("nested transaction");
	int rc = db_run(db, db->drv->begin_sql, NULL);
	if (rc != DB_DONE)
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	db->in_tx = true;
	return DB_OK;
}

int db_commit(struct db *db)
{
	int rc = db_run(db, "COMMIT", NULL);
	if (rc != DB_DONE) {
		db_rollback(db);
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	}
	db->in_tx = false;
	return DB_OK;
}

bool db_in_tx(struct db *db) { return db->in_tx; }

void db_rollback(struct db *db)
{
	if (!db->in_tx)
		return;
	db->in_tx = false;
	db_run(db, "ROLLBACK", NULL);
}

int db_backup(struct db *db, const char *out) { return db->drv->backup(db->conn, out); }
int db_restore(struct db *db, const char *from) { return db->drv->restore(db->conn, from); }
bool db_integrity(struct db *db) { return db->drv->integrity(db->conn); }
int db_bulk(struct db *db, enum db_bulk mode) { return db->drv->bulk(db->conn, mode); }
char *db_derived_drop(struct db *db, const char *table, bool indexes)
{
	return db->drv->derived_drop(db->conn, table, indexes);
}
int db_ran(int rc) { return rc == DB_DONE || rc == DB_ROW ? DB_OK : rc; }

int db_insert_rows(
    struct db *db, const char *table, const char *columns, int ncols, bool skip_conflicts, db_rows_fn next, void *ctx)
{
	if (ncols < 1 || ncols > DB_ROWS_MAX_COLS)
		BUG("db_insert_rows: too many columns");
	return db->drv->insert_rows(db->conn, table, columns, ncols, skip_conflicts, next, ctx);
}
void db_checkpoint(struct db *db) { db->drv->checkpoint(db->conn); }

char *db_like(struct arena *a, const char *before, const char *text, const char *after)
{
	char *p = arena_alloc(a, strlen(before) + strlen(text) * 2 + strlen(after) + 1), *o = p;
	o = stpcpy(o, before);
	for (const char *s = text; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	stpcpy(o, after);
	return p;
}
