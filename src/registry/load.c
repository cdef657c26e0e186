/* The bulk load shared by the CSV import and the demo district (see load.h). */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/parse.h"
#include "../core/strmap.h"
#include "../core/banned.h"

struct load {
	struct db *db;
	struct arena *a, *scratch;
	int64_t now;
	bool no_residents; /* the registry was empty when the load began */
	bool no_households; /* the table was empty, so a household not remembered does not exist */
	char *indexes; /* SQL that builds the residents' indexes again, when they were dropped */
	bool failed; /* they could not be dropped: the load cannot finish */
	struct strmap areas; /* parent, kind, name -> code */
	struct strmap households; /* area, unit, room -> id */
};

struct load *load_begin(struct db *db, int64_t now)
{
	struct load *l = calloc(1, sizeof(*l));
	if (l == NULL)
		fatal("out of memory");
	*l = (struct load){.db = db, .a = arena_new(), .scratch = arena_new(), .now = now};
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM residents LIMIT 1", NULL);
	l->no_residents = st != NULL && db_step(st) == DB_DONE;
	if (st)
		db_reset(st);
	st = db_stmt(db, "SELECT 1 FROM households LIMIT 1", NULL);
	l->no_households = st != NULL && db_step(st) == DB_DONE;
	if (st)
		db_reset(st);
	/* Into an empty table, the indexes are built once at the end (in this transaction). */
	if (l->no_residents && (l->indexes = db_indexes_drop(db, "residents")) == NULL)
		l->failed = true;
	return l;
}

bool load_fresh(const struct load *l) { return l->no_residents; }

static void load_free(struct load *l)
{
	strmap_free(&l->areas);
	strmap_free(&l->households);
	free(l->indexes);
	arena_free(l->a);
	arena_free(l->scratch);
	free(l);
}

void load_abandon(struct load *l)
{
	if (l != NULL)
		load_free(l);
}

void load_forget(struct load *l)
{
	/* What was created since is gone; what is remembered from before may be too
	 * (the caller cannot say), so both maps start again from the database. */
	strmap_clear(&l->areas);
	strmap_clear(&l->households);
	l->no_households = false;
}

/* The next free code below parent: children extend their parent's code by three digits. */
static int next_child_code(struct load *l, const char *parent, char *out, size_t n)
{
	struct db_stmt *st = db_stmt(l->db, "SELECT max(code) FROM areas WHERE parent_code = ?", "t", parent);
	int64_t next = 1;
	if (st != NULL && db_step(st) == DB_ROW && !db_null(st, 0)) {
		const char *last = db_text(st, 0);
		int64_t v;
		if (strlen(last) == strlen(parent) + 3 && parse_i64(last + strlen(parent), 3, 0, 999, &v))
			next = v + 1;
	}
	if (st)
		db_reset(st);
	if (next > 999)
		return DB_CONSTRAINT;
	snprintf(out, n, "%s%03lld", parent, (long long)next);
	return DB_OK;
}

int load_area(struct load *l, const char *parent, const char *kind, const char *name, const char **code)
{
	const char *key = strmap_key3(l->scratch, parent, kind, name);
	struct strmap_slot *s = strmap_get(&l->areas, key);
	if (s->key != NULL) {
		*code = s->text;
		return DB_OK;
	}
	struct db_stmt *st =
	    db_stmt(l->db, "SELECT code FROM areas WHERE parent_code = ? AND kind = ? AND (name = ? OR short_name = ?)",
	        "tttt", parent, kind, name, name);
	const char *found = st != NULL && db_step(st) == DB_ROW ? arena_strdup(l->a, db_text(st, 0)) : NULL;
	if (st)
		db_reset(st);
	int rc = DB_OK;
	if (found == NULL) {
		char next[64];
		rc = next_child_code(l, parent, next, sizeof(next));
		if (rc == DB_OK)
			rc = db_run(l->db,
			    "INSERT INTO areas (code, parent_code, kind, name, short_name) VALUES (?, ?, ?, ?, ?)",
			    "ttttt", next, parent, kind, name, name);
		if (rc == DB_DONE) {
			rc = DB_OK;
			found = arena_strdup(l->a, next);
		}
	}
	if (rc == DB_OK) {
		strmap_set(l->a, &l->areas, s, key, 0, found);
		*code = found;
	}
	arena_reset(l->scratch);
	return rc;
}

int load_household(struct load *l, const char *area, const char *unit, const char *room, int64_t *id)
{
	const char *key = strmap_key3(l->scratch, area, unit, room);
	struct strmap_slot *s = strmap_get(&l->households, key);
	int rc = DB_OK;
	if (s->key != NULL) {
		*id = s->num;
		goto out;
	}
	*id = 0;
	if (!l->no_households) {
		struct db_stmt *st = db_stmt(l->db,
		    "SELECT id FROM households WHERE area_code = ? AND unit = ? AND room = ?", "ttt", area, unit, room);
		if (st != NULL && db_step(st) == DB_ROW)
			*id = db_int(st, 0);
		if (st)
			db_reset(st);
	}
	if (*id == 0) {
		rc = db_run(l->db,
		    "INSERT INTO households (area_code, unit, room, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		    "tttii", area, unit, room, l->now, l->now);
		rc = rc == DB_DONE ? DB_OK : rc;
		*id = db_last_id(l->db);
	}
	if (rc == DB_OK)
		strmap_set(l->a, &l->households, s, key, *id, NULL);
out:
	arena_reset(l->scratch);
	return rc;
}

int load_tag(struct load *l, int64_t resident, const char *tag)
{
	int rc = db_run(l->db, "INSERT INTO resident_tags (resident_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
	    "it", resident, tag);
	return rc == DB_DONE ? DB_OK : rc;
}

int load_finish(struct load *l)
{
	int rc = l->failed ? DB_ERROR : DB_OK;
	if (rc == DB_OK && l->indexes != NULL)
		rc = db_exec(l->db, l->indexes);
	load_free(l);
	return rc;
}
