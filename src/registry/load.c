/* The bulk load shared by the CSV import and the demo district (see load.h). */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bulk.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/seal.h"
#include "../core/strmap.h"
#include "../core/banned.h"

/* A blind index and its resident: a row of resident_ids or resident_phones. */
struct blind_row {
	unsigned char blind[BLIND_BYTES];
	int64_t resident;
};

struct blind_rows {
	struct blind_row *v;
	size_t n, cap, next;
};

static void blind_add(struct blind_rows *r, const void *blind, int64_t resident)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 65536;
		r->v = bulk_realloc(r->v, r->cap * sizeof(*r->v), cap * sizeof(*r->v));
		r->cap = cap;
	}
	memcpy(r->v[r->n].blind, blind, BLIND_BYTES);
	r->v[r->n++].resident = resident;
}

struct load {
	struct db *db;
	struct arena *a, *scratch;
	int64_t now;
	bool no_residents; /* the registry was empty when the load began */
	bool no_households; /* the table was empty, so a household not remembered does not exist */
	char *triggers; /* SQL that creates the residents' triggers again, when they were dropped */
	bool failed; /* they could not be dropped: the load cannot finish */
	struct strmap areas; /* parent, kind, name -> code */
	struct strmap households; /* area, unit, room -> id */
	/* The blind indexes the loader gave (load_numbers), unless it changed numbers since. */
	struct blind_rows ids, phones;
	bool numbers_given, numbers_changed;
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
	/* Into an empty table, the blind indexes' lookup tables are filled once at the end
	 * (in this transaction), in key order, rather than by triggers in random order. The
	 * residents' own indexes stay: a load appends to them in key order (by address),
	 * which costs less than building them afresh at the end. */
	if (l->no_residents && (l->triggers = db_derived_drop(db, "residents", false)) == NULL)
		l->failed = true;
	return l;
}

bool load_fresh(const struct load *l) { return l->no_residents; }

static void load_free(struct load *l)
{
	bulk_free(l->ids.v, l->ids.cap * sizeof(*l->ids.v));
	bulk_free(l->phones.v, l->phones.cap * sizeof(*l->phones.v));
	strmap_free(&l->areas);
	strmap_free(&l->households);
	free(l->triggers);
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

struct new_households {
	const struct load *l;
	const struct address *at;
	size_t i, n;
	int64_t id;
};

static bool next_household(void *ctx, struct db_value *v)
{
	struct new_households *h = ctx;
	if (h->i == h->n)
		return false;
	const struct address *a = &h->at[h->i++];
	v[0] = (struct db_value){.type = DBV_INT, .i = h->id++};
	v[1] = (struct db_value){.type = DBV_TEXT, .p = a->area};
	v[2] = (struct db_value){.type = DBV_TEXT, .p = a->unit};
	v[3] = (struct db_value){.type = DBV_TEXT, .p = a->room};
	v[4] = v[5] = (struct db_value){.type = DBV_INT, .i = h->l->now};
	return true;
}

int load_households(struct load *l, const struct address *addresses, size_t n, int64_t *ids)
{
	if (!l->no_households) {
		int rc = DB_OK;
		for (size_t i = 0; i < n && rc == DB_OK; i++)
			rc = load_household(l, addresses[i].area, addresses[i].unit, addresses[i].room, &ids[i]);
		return rc;
	}
	struct db_stmt *st = db_stmt(l->db, "SELECT coalesce(max(id), 0) + 1 FROM households", NULL);
	int64_t first = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	if (first == 0)
		return DB_ERROR;
	struct new_households h = {l, addresses, 0, n, first};
	int rc = db_insert_rows(
	    l->db, "households", "id, area_code, unit, room, created_at, updated_at", 6, false, next_household, &h);
	for (size_t i = 0; i < n && rc == DB_OK; i++)
		ids[i] = first + (int64_t)i;
	/* They are not remembered: from now on a household is looked for in the table. */
	l->no_households = false;
	return rc;
}

int load_tag(struct load *l, int64_t resident, const char *tag)
{
	int rc = db_run(l->db, "INSERT INTO resident_tags (resident_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
	    "it", resident, tag);
	return rc == DB_DONE ? DB_OK : rc;
}

/* Digit d (0: the lowest) of the first eight bytes of a blind index read big-endian. */
static unsigned blind_digit(const struct blind_row *r, int d)
{
	return (unsigned)r->blind[6 - 2 * d] << 8 | r->blind[7 - 2 * d];
}

static int blind_cmp(const struct blind_row *a, const struct blind_row *b)
{
	int c = memcmp(a->blind, b->blind, BLIND_BYTES);
	return c ? c : (a->resident > b->resident) - (a->resident < b->resident);
}

/* Sort by blind index, then resident: a stable radix sort on the first eight bytes
 * (keyed hashes are evenly spread, so that is all but always the whole order), then
 * the rare runs that share them put right by comparing whole rows. */
static void blind_sort(struct blind_rows *r)
{
	struct blind_row *from = r->v, *to = bulk_alloc(r->n * sizeof(*to));
	size_t *count = malloc(65536 * sizeof(*count));
	if (count == NULL)
		fatal("out of memory");
	for (int d = 0; d < 4; d++) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < r->n; i++)
			count[blind_digit(&from[i], d)]++;
		size_t at = 0;
		for (size_t v = 0; v < 65536; v++) {
			size_t k = count[v];
			count[v] = at;
			at += k;
		}
		for (size_t i = 0; i < r->n; i++)
			to[count[blind_digit(&from[i], d)]++] = from[i];
		struct blind_row *swap = from;
		from = to;
		to = swap;
	}
	for (size_t i = 1; i < r->n; i++)
		for (size_t j = i; j > 0 && blind_cmp(&from[j - 1], &from[j]) > 0; j--) {
			struct blind_row t = from[j];
			from[j] = from[j - 1];
			from[j - 1] = t;
		}
	/* Four passes: the rows are back in r->v. */
	bulk_free(to, r->n * sizeof(*to));
	free(count);
}

static bool next_blind(void *ctx, struct db_value *v)
{
	struct blind_rows *r = ctx;
	if (r->next == r->n)
		return false;
	const struct blind_row *b = &r->v[r->next++];
	v[0] = (struct db_value){.type = DBV_BLOB, .p = b->blind, .n = BLIND_BYTES};
	v[1] = (struct db_value){.type = DBV_INT, .i = b->resident};
	return true;
}

/* Fill the blind indexes' lookup tables, whose triggers the load dropped, from what
 * the loader gave or else from the residents' columns: sorted here and appended in
 * key order, which is what B-trees do fastest. A document number stored twice fails
 * (the key of resident_ids). */
static int fill_lookups(struct load *l)
{
	struct blind_rows *ids = &l->ids, *phones = &l->phones;
	if (l->numbers_given && !l->numbers_changed)
		goto sort;
	ids->n = phones->n = 0;
	struct db_stmt *st = db_stmt(l->db,
	    "SELECT id, id_index, phone_index FROM residents WHERE id_index IS NOT NULL OR phone_index IS NOT NULL",
	    NULL);
	int rc = st != NULL ? DB_ROW : DB_ERROR;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		for (int k = 0; k < 2; k++) {
			size_t n;
			const void *blind = db_blob(st, 1 + k, &n);
			if (blind != NULL && n != BLIND_BYTES)
				rc = DB_ERROR; /* not a blind index: written by something else */
			else if (blind != NULL)
				blind_add(k == 0 ? ids : phones, blind, db_int(st, 0));
		}
		if (rc != DB_ROW)
			break;
	}
	if (st != NULL)
		db_reset(st);
	if (rc != DB_DONE)
		return rc;
sort:
	blind_sort(ids);
	blind_sort(phones);
	rc = db_insert_rows(l->db, "resident_ids", "blind, resident_id", 2, false, next_blind, ids);
	if (rc == DB_OK)
		rc = db_insert_rows(l->db, "resident_phones", "blind, resident_id", 2, false, next_blind, phones);
	return rc;
}

void load_numbers(struct load *l, int64_t resident, const unsigned char *id_index, const unsigned char *phone_index)
{
	if (l->triggers == NULL)
		return; /* the triggers are in place */
	l->numbers_given = true;
	if (id_index != NULL)
		blind_add(&l->ids, id_index, resident);
	if (phone_index != NULL)
		blind_add(&l->phones, phone_index, resident);
}

void load_numbers_changed(struct load *l) { l->numbers_changed = true; }

int load_finish(struct load *l)
{
	int rc = l->failed ? DB_ERROR : DB_OK;
	if (rc == DB_OK && l->triggers != NULL)
		rc = fill_lookups(l);
	if (rc == DB_OK && l->triggers != NULL)
		rc = db_exec(l->db, l->triggers);
	load_free(l);
	return rc;
}
