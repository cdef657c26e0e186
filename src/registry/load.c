/* The bulk load shared by the CSV import and the demo district (see load.h). */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/parse.h"
#include "../core/strmap.h"
#include "../core/banned.h"

/* A name piece to write: its bytes big-endian in text (at most two 4-byte
 * characters, zero-padded, so numeric order is byte order), the area by index. */
struct gram {
	uint64_t text;
	uint32_t area;
	int64_t resident;
};

struct load {
	struct db *db;
	struct arena *a, *scratch;
	int64_t now;
	int64_t last_before; /* the highest resident id before the load: those above are its own */
	bool no_residents; /* the registry was empty when the load began */
	bool no_households; /* the table was empty, so a household not remembered does not exist */
	char *indexes; /* SQL that builds the residents' indexes again, when they were dropped */
	bool failed; /* they could not be dropped: the load cannot finish */
	struct strmap areas; /* parent, kind, name -> code */
	struct strmap households; /* area, unit, room -> id */
	struct strmap area_index; /* area code -> index in codes */
	const char **codes;
	size_t ncodes, codes_cap;
	uint32_t last_code; /* the index area_index returned last */
	struct gram *grams;
	size_t ngrams, grams_cap;
};

static _Thread_local struct load *active;

struct load *load_begin(struct db *db, int64_t now)
{
	if (active != NULL)
		BUG("a load is running on this thread");
	struct load *l = calloc(1, sizeof(*l));
	if (l == NULL)
		fatal("out of memory");
	*l = (struct load){.db = db, .a = arena_new(), .scratch = arena_new(), .now = now};
	struct db_stmt *st = db_stmt(db, "SELECT max(id) FROM residents", NULL);
	l->last_before = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : INT64_MAX;
	l->no_residents = st != NULL && db_null(st, 0);
	if (st)
		db_reset(st);
	st = db_stmt(db, "SELECT 1 FROM households LIMIT 1", NULL);
	l->no_households = st != NULL && db_step(st) == DB_DONE;
	if (st)
		db_reset(st);
	/* Into an empty table, the indexes are built once at the end (in this transaction). */
	if (l->no_residents && (l->indexes = db_indexes_drop(db, "residents")) == NULL)
		l->failed = true;
	active = l;
	return l;
}

bool load_fresh(const struct load *l) { return l->no_residents; }

static void load_free(struct load *l)
{
	if (active == l)
		active = NULL;
	strmap_free(&l->areas);
	strmap_free(&l->households);
	strmap_free(&l->area_index);
	free(l->codes);
	free(l->grams);
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

size_t load_mark(const struct load *l) { return l->ngrams; }

void load_undo(struct load *l, size_t mark)
{
	l->ngrams = mark;
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

static uint32_t area_index(struct load *l, const char *code)
{
	/* The pieces of one name, and the names of one address, come one after another. */
	if (l->ncodes > 0 && strcmp(l->codes[l->last_code], code) == 0)
		return l->last_code;
	struct strmap_slot *s = strmap_get(&l->area_index, code);
	if (s->key != NULL)
		return l->last_code = (uint32_t)s->num;
	if (l->ncodes == l->codes_cap) {
		l->codes_cap = l->codes_cap ? l->codes_cap * 2 : 256;
		l->codes = realloc(l->codes, l->codes_cap * sizeof(*l->codes));
		if (l->codes == NULL)
			fatal("out of memory");
	}
	l->codes[l->ncodes] = arena_strdup(l->a, code);
	strmap_set(l->a, &l->area_index, s, code, (int64_t)l->ncodes, l->codes[l->ncodes]);
	return l->last_code = (uint32_t)l->ncodes++;
}

static uint64_t gram_text(const char *gram)
{
	uint64_t v = 0;
	size_t n = strlen(gram);
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? (unsigned char)gram[i] : 0);
	return v;
}

bool load_running(struct db *db) { return active != NULL && active->db == db; }

bool load_gram(struct db *db, int64_t resident, const char *gram, const char *area_code, bool add)
{
	struct load *l = active;
	if (l == NULL || l->db != db || strlen(gram) > 8)
		return false;
	if (!add && resident <= l->last_before)
		return false; /* stored before the load: its pieces are in the table */
	struct gram g = {gram_text(gram), area_index(l, area_code), resident};
	if (!add) {
		for (size_t i = 0; i < l->ngrams; i++)
			if (l->grams[i].resident == g.resident && l->grams[i].text == g.text &&
			    l->grams[i].area == g.area)
				l->grams[i].resident = 0;
		return true;
	}
	if (l->ngrams == l->grams_cap) {
		l->grams_cap = l->grams_cap ? l->grams_cap * 2 : 65536;
		l->grams = realloc(l->grams, l->grams_cap * sizeof(*l->grams));
		if (l->grams == NULL)
			fatal("out of memory");
	}
	l->grams[l->ngrams++] = g;
	return true;
}

/* 16 bits of a piece's sort key (text, area, resident): digit 0 is the lowest of the
 * resident, 9 the highest of the text. */
static unsigned gram_digit(const struct gram *g, int d)
{
	if (d < 4)
		return (unsigned)((uint64_t)g->resident >> (16 * d)) & 0xffff;
	if (d < 6)
		return (g->area >> (16 * (d - 4))) & 0xffff;
	return (unsigned)(g->text >> (16 * (d - 6))) & 0xffff;
}

/* Sort the pieces by their key: a stable pass per digit from the lowest (radix sort),
 * skipping digits that are the same in every piece. */
static void sort_grams(struct load *l)
{
	size_t n = l->ngrams;
	size_t(*count)[65536] = calloc(10, sizeof(*count));
	struct gram *from = l->grams, *to = malloc((n + 1) * sizeof(*to));
	if (count == NULL || to == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 10; d++)
			count[d][gram_digit(&from[i], d)]++;
	for (int d = 0; d < 10; d++) {
		if (n == 0 || count[d][gram_digit(&from[0], d)] == n)
			continue;
		size_t at = 0;
		for (int v = 0; v < 65536; v++) {
			size_t k = count[d][v];
			count[d][v] = at;
			at += k;
		}
		for (size_t i = 0; i < n; i++)
			to[count[d][gram_digit(&from[i], d)]++] = from[i];
		struct gram *swap = from;
		from = to;
		to = swap;
	}
	l->grams = from;
	l->grams_cap = n;
	free(to);
	free(count);
}

static int gram_cmp(const void *x, const void *y)
{
	const struct gram *a = x, *b = y;
	if (a->text != b->text)
		return a->text < b->text ? -1 : 1;
	if (a->area != b->area)
		return a->area < b->area ? -1 : 1;
	return (a->resident > b->resident) - (a->resident < b->resident);
}

static int code_cmp(const void *x, const void *y, void *codes)
{
	const char **c = codes;
	return strcmp(c[*(const uint32_t *)x], c[*(const uint32_t *)y]);
}

/* Replace each piece's area index by the code's rank in byte order (the order of
 * the table's key), and keep the codes in that order. */
static void rank_areas(struct load *l)
{
	uint32_t *order = malloc((l->ncodes + 1) * sizeof(*order)), *rank = malloc((l->ncodes + 1) * sizeof(*rank));
	const char **by_rank = malloc((l->ncodes + 1) * sizeof(*by_rank));
	if (order == NULL || rank == NULL || by_rank == NULL)
		fatal("out of memory");
	for (uint32_t i = 0; i < l->ncodes; i++)
		order[i] = i;
	qsort_r(order, l->ncodes, sizeof(*order), code_cmp, l->codes);
	for (uint32_t i = 0; i < l->ncodes; i++) {
		rank[order[i]] = i;
		by_rank[i] = l->codes[order[i]];
	}
	for (size_t i = 0; i < l->ngrams; i++)
		l->grams[i].area = rank[l->grams[i].area];
	free(l->codes);
	l->codes = by_rank;
	free(order);
	free(rank);
}

/* Drop the pieces taken back and the repeats (a name like 丽丽 has 丽 twice) from sorted grams. */
static size_t unique_grams(struct gram *g, size_t n)
{
	size_t kept = 0;
	for (size_t k = 0; k < n; k++)
		if (g[k].resident != 0 && (kept == 0 || gram_cmp(&g[kept - 1], &g[k]) != 0))
			g[kept++] = g[k];
	return kept;
}

struct gram_rows {
	const struct load *l;
	size_t i, n;
	char text[9];
};

static bool next_gram(void *ctx, struct db_value *v)
{
	struct gram_rows *r = ctx;
	if (r->i == r->n)
		return false;
	const struct gram *g = &r->l->grams[r->i++];
	for (int i = 0; i < 8; i++)
		r->text[i] = (char)(g->text >> (56 - 8 * i));
	r->text[8] = '\0';
	v[0] = (struct db_value){.type = DBV_TEXT, .p = r->text};
	v[1] = (struct db_value){.type = DBV_TEXT, .p = r->l->codes[g->area]};
	v[2] = (struct db_value){.type = DBV_INT, .i = g->resident};
	return true;
}

/* Write the pieces in key order: appending in order is what B-trees do fastest. */
static int write_grams(struct load *l)
{
	rank_areas(l);
	sort_grams(l);
	struct gram_rows rows = {.l = l, .n = unique_grams(l->grams, l->ngrams)};
	return db_insert_rows(l->db, "name_grams", "gram, area_code, resident_id", 3, true, next_gram, &rows);
}

int load_finish(struct load *l)
{
	active = NULL;
	int rc = l->failed ? DB_ERROR : write_grams(l);
	if (rc == DB_OK && l->indexes != NULL)
		rc = db_exec(l->db, l->indexes);
	load_free(l);
	return rc;
}
