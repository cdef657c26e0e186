/* Residents: recorded, read, searched and unmasked. ID and phone numbers are
 * sealed at rest and masked in every answer; the full values come only from
 * POST .../unmask with a reason, which is audited. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/bulk.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/seal.h"
#include "../platform/area_tree.h"
#include "../platform/platform.h"
#include "idnumber.h"
#include "load.h"
#include "registry.h"
#include "../core/banned.h"

static const char *const genders[] = {"male", "female", NULL};
static const char *const doc_types[] = {"id_card", "hkmotw_permit", "foreign_permit", "passport", "none", NULL};
static const char *const relations[] = {"head", "spouse", "child", "parent", "other", NULL};

/* A row's numbers as stored: sealed and blind index (document number, then phone).
 * Their masks are made from the plain values where they are written. The sealed
 * numbers of an ID card and a phone fit in room; longer ones go in an arena. */
struct stored_numbers {
	unsigned char *box[2];
	size_t box_n[2];
	unsigned char idx[2][BLIND_BYTES];
	unsigned char room[18 + 13 + 2 * SEAL_OVERHEAD];
};

/* Seal and index a document number and a phone number into s; absent ones stay NULL. */
static void store_numbers(struct arena *a, const char *id_number, const char *phone, struct stored_numbers *s)
{
	const char *values[2] = {id_number, phone};
	static const char *const places[2] = {"resident.id_number", "resident.phone"};
	static const char *const kinds[2] = {"id_number", "phone"};
	size_t len[2] = {id_number ? strlen(id_number) : 0, phone ? strlen(phone) : 0};
	size_t need = len[0] + len[1] + 2 * SEAL_OVERHEAD;
	s->box[0] = s->box[1] = NULL;
	unsigned char *boxes = need <= sizeof(s->room) ? s->room : arena_alloc(a, need);
	for (int k = 0; k < 2; k++) {
		if (values[k] == NULL)
			continue;
		s->box[k] = boxes;
		s->box_n[k] = seal_into(boxes, places[k], values[k], len[k]);
		boxes += s->box_n[k];
		blind_index(kinds[k], values[k], s->idx[k]);
	}
}

/* The masks of a row's numbers, in a (NULL where absent). */
static void mask_numbers(struct arena *a, const char *id_number, const char *phone, const char *masked[2])
{
	char *m[2] = {NULL, NULL};
	if (id_number != NULL)
		id_mask(id_number, m[0] = arena_alloc(a, strlen(id_number) + 1));
	if (phone != NULL)
		phone_mask(phone, m[1] = arena_alloc(a, strlen(phone) + 1));
	masked[0] = m[0];
	masked[1] = m[1];
}

/* Bind a row's stored numbers at columns first..first+5 (id sealed, index, masked;
 * phone sealed, index, masked). */
static void bind_numbers(struct db_stmt *st, int first, struct arena *a, const struct resident_row *row)
{
	struct stored_numbers s;
	const char *masked[2];
	store_numbers(a, row->id_number, row->phone, &s);
	mask_numbers(a, row->id_number, row->phone, masked);
	for (int k = 0; k < 2; k++) {
		if (s.box[k] == NULL)
			continue;
		db_bind_blob(st, first + 3 * k, s.box[k], s.box_n[k]);
		db_bind_blob(st, first + 3 * k + 1, s.idx[k], BLIND_BYTES);
		db_bind_text(st, first + 3 * k + 2, masked[k]);
	}
}

/* Parameters 1-13, the same in the INSERT and the UPDATE below: household, area,
 * name, gender, birth date, document type, the sealed numbers, relation. */
static void bind_row(struct db_stmt *st, struct arena *a, const struct resident_row *row)
{
	if (row->household_id)
		db_bind_int(st, 1, row->household_id);
	db_bind_text(st, 2, row->area_code);
	db_bind_text(st, 3, row->name);
	db_bind_text(st, 4, row->gender);
	db_bind_text(st, 5, row->birth_date);
	db_bind_text(st, 6, row->document_type);
	bind_numbers(st, 7, a, row);
	db_bind_text(st, 13, row->relation);
}

int resident_insert(struct db *db, struct arena *a, const struct resident_row *row, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_prepare(db,
	    "INSERT INTO residents (household_id, area_code, name, gender, birth_date, document_type, id_sealed, id_index,"
	    " id_masked, phone_sealed, phone_index, phone_masked, relation, notes, status, version, created_at,"
	    " updated_at, registered_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, ?, ?, ?)");
	if (st == NULL)
		return DB_ERROR;
	bind_row(st, a, row);
	db_bind_text(st, 14, row->notes ? row->notes : "");
	db_bind_int(st, 15, now);
	db_bind_int(st, 16, now);
	db_bind_text(st, 17, row->registered_address);
	int rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return rc;
	*id = db_last_id(db);
	return DB_OK;
}

/* --- many at once --- */

/* Sealing is most of the work of inserting a resident, so a batch's numbers are
 * sealed ahead on a second thread: in entry order until the writer says in which
 * order it takes them, then in that order, just ahead of it. The writer seals an
 * entry no one has started itself rather than wait (and all of them when there
 * is no second thread). */
enum { ENTRY_WAITING, ENTRY_SEALING, ENTRY_SEALED };

struct resident_batch {
	const char *const *numbers; /* entry i's document number and phone: [2i], [2i + 1] */
	struct stored_numbers *sealed; /* of entry i, once its state is ENTRY_SEALED */
	atomic_uchar *state;
	size_t n;
	const size_t *_Atomic order; /* the writer's order of entries, once it starts */
	size_t norder;
	atomic_size_t at; /* how far in it the writer is */
	atomic_bool stop; /* the batch ends early */
	atomic_bool waiting; /* the writer waits for an entry */
	struct arena *arenas[2]; /* the sealer's and the writer's: arenas are not shared */
	pthread_t thread;
	bool threaded;
	pthread_mutex_t lock;
	pthread_cond_t sealed_one;
};

/* Seal entry i into a unless someone has started it. */
static void seal_entry(struct resident_batch *b, size_t i, struct arena *a)
{
	unsigned char waiting = ENTRY_WAITING;
	if (!atomic_compare_exchange_strong(&b->state[i], &waiting, ENTRY_SEALING))
		return;
	store_numbers(a, b->numbers[2 * i], b->numbers[2 * i + 1], &b->sealed[i]);
	atomic_store(&b->state[i], ENTRY_SEALED);
	if (atomic_load(&b->waiting)) {
		pthread_mutex_lock(&b->lock);
		pthread_cond_broadcast(&b->sealed_one);
		pthread_mutex_unlock(&b->lock);
	}
}

static void *seal_entries(void *arg)
{
	struct resident_batch *b = arg;
	const size_t *order = NULL;
	for (size_t i = 0; i < b->n && (order = atomic_load(&b->order)) == NULL && !atomic_load(&b->stop); i++)
		seal_entry(b, i, b->arenas[0]);
	/* Entries the writer does not take need no sealing. */
	for (size_t k = 0; order != NULL && k < b->norder && !atomic_load(&b->stop); k++) {
		size_t at = atomic_load(&b->at);
		if (k < at)
			k = at; /* behind the writer, which sealed those itself */
		if (k < b->norder)
			seal_entry(b, order[k], b->arenas[0]);
	}
	return NULL;
}

struct resident_batch *residents_seal(const char *const *numbers, size_t n)
{
	struct resident_batch *b = calloc(1, sizeof(*b));
	if (b == NULL)
		fatal("out of memory");
	b->numbers = numbers;
	b->n = n;
	b->sealed = bulk_alloc(n * sizeof(*b->sealed));
	b->state = bulk_alloc(n * sizeof(*b->state));
	b->arenas[0] = arena_new();
	b->arenas[1] = arena_new();
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->sealed_one, NULL);
	b->threaded = pthread_create(&b->thread, NULL, seal_entries, b) == 0;
	return b;
}

/* Stop the sealer (it may be following an order that is about to go). */
static void batch_stop(struct resident_batch *b)
{
	if (b->threaded) {
		atomic_store(&b->stop, true);
		pthread_join(b->thread, NULL);
		b->threaded = false;
	}
}

void residents_batch_free(struct resident_batch *b)
{
	if (b == NULL)
		return;
	batch_stop(b);
	pthread_cond_destroy(&b->sealed_one);
	pthread_mutex_destroy(&b->lock);
	bulk_free(b->sealed, b->n * sizeof(*b->sealed));
	bulk_free(b->state, b->n * sizeof(*b->state));
	arena_free(b->arenas[0]);
	arena_free(b->arenas[1]);
	free(b);
}

/* How far ahead of itself the writer seals while the sealer is on the entry it needs. */
#define SEAL_AHEAD 512

/* The writer's k-th entry, i, sealed: here if no one has started it, else waited for,
 * sealing meanwhile entries the sealer will come to (it is the slower of the two). */
static const struct stored_numbers *sealed(struct resident_batch *b, size_t k, size_t i)
{
	atomic_store(&b->at, k);
	if (atomic_load(&b->state[i]) != ENTRY_SEALED) {
		seal_entry(b, i, b->arenas[1]);
		for (size_t j = k + SEAL_AHEAD; j < b->norder && atomic_load(&b->state[i]) != ENTRY_SEALED; j++)
			seal_entry(b, b->order[j], b->arenas[1]);
		if (atomic_load(&b->state[i]) != ENTRY_SEALED) {
			pthread_mutex_lock(&b->lock);
			atomic_store(&b->waiting, true);
			while (atomic_load(&b->state[i]) != ENTRY_SEALED)
				pthread_cond_wait(&b->sealed_one, &b->lock);
			atomic_store(&b->waiting, false);
			pthread_mutex_unlock(&b->lock);
		}
	}
	return &b->sealed[i];
}

struct insert_many {
	struct load *load;
	struct resident_batch *batch;
	const struct resident_row *rows;
	const size_t *entries;
	size_t i, n;
	int64_t id, now;
	struct arena *a; /* the current row's masks */
};

#define RESIDENT_INSERT_COLUMNS                                                                                 \
	"id, household_id, area_code, name, gender, birth_date, document_type, id_sealed, id_index, id_masked," \
	" phone_sealed, phone_index, phone_masked, relation, notes, status, version, created_at, updated_at,"   \
	" registered_address"
#define RESIDENT_INSERT_NCOLS 20

static struct db_value text_value(const char *s)
{
	return s ? (struct db_value){.type = DBV_TEXT, .p = s} : (struct db_value){0};
}
static struct db_value int_value(int64_t i) { return (struct db_value){.type = DBV_INT, .i = i}; }

static bool next_resident(void *ctx, struct db_value *v)
{
	struct insert_many *m = ctx;
	if (m->i == m->n)
		return false;
	const struct resident_row *row = &m->rows[m->i];
	/* Rows come in the caller's order, their texts and numbers in another: fetch
	 * ahead what would otherwise be a wait on memory for each row. */
	if (m->i + 16 < m->n) {
		__builtin_prefetch(row[16].name);
		__builtin_prefetch(row[16].birth_date);
		__builtin_prefetch(&m->batch->sealed[m->entries[m->i + 16]]);
	}
	const struct stored_numbers *s = sealed(m->batch, m->i, m->entries[m->i]);
	m->i++;
	const char *masked[2];
	arena_reset(m->a); /* SQLite has copied the row before */
	mask_numbers(m->a, row->id_number, row->phone, masked);
	load_numbers(m->load, m->id, s->box[0] ? s->idx[0] : NULL, s->box[1] ? s->idx[1] : NULL);
	v[0] = int_value(m->id++);
	if (row->household_id)
		v[1] = int_value(row->household_id);
	v[2] = text_value(row->area_code);
	v[3] = text_value(row->name);
	v[4] = text_value(row->gender);
	v[5] = text_value(row->birth_date);
	v[6] = text_value(row->document_type);
	for (int k = 0; k < 2; k++) {
		if (s->box[k] == NULL)
			continue;
		v[7 + 3 * k] = (struct db_value){.type = DBV_BLOB, .p = s->box[k], .n = s->box_n[k]};
		v[8 + 3 * k] = (struct db_value){.type = DBV_BLOB, .p = s->idx[k], .n = BLIND_BYTES};
		v[9 + 3 * k] = text_value(masked[k]);
	}
	v[13] = text_value(row->relation);
	v[14] = text_value(row->notes ? row->notes : "");
	v[15] = text_value("active");
	v[16] = int_value(1);
	v[17] = int_value(m->now);
	v[18] = int_value(m->now);
	v[19] = text_value(row->registered_address);
	return true;
}

int residents_insert_sealed(struct db *db, struct load *load, int64_t now, struct resident_batch *b,
    const struct resident_row *rows, const size_t *entries, size_t n, int64_t *first_id)
{
	/* Inside the caller's write transaction, no one else adds residents meanwhile. */
	struct db_stmt *st = db_stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM residents", NULL);
	int64_t first = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	if (first == 0)
		return DB_ERROR;
	*first_id = first;
	b->norder = n;
	atomic_store(&b->order, entries); /* from now on the sealer follows the writer */
	struct insert_many m = {load, b, rows, entries, 0, n, first, now, arena_new()};
	int rc =
	    db_insert_rows(db, "residents", RESIDENT_INSERT_COLUMNS, RESIDENT_INSERT_NCOLS, false, next_resident, &m);
	batch_stop(b);
	atomic_store(&b->order, NULL);
	arena_free(m.a);
	return rc;
}

int resident_update(struct db *db, struct arena *a, int64_t id, const struct resident_row *row, int64_t now)
{
	/* What the row leaves empty stays as it was. */
	struct db_stmt *st = db_prepare(db,
	    "UPDATE residents SET household_id = coalesce(?, household_id), area_code = ?, name = ?,"
	    " gender = coalesce(?, gender), birth_date = coalesce(?, birth_date), document_type = ?,"
	    " id_sealed = coalesce(?, id_sealed), id_index = coalesce(?, id_index), id_masked = coalesce(?, id_masked),"
	    " phone_sealed = coalesce(?, phone_sealed), phone_index = coalesce(?, phone_index),"
	    " phone_masked = coalesce(?, phone_masked), relation = coalesce(?, relation), version = version + 1,"
	    " updated_at = ?, registered_address = coalesce(?, registered_address) WHERE id = ?");
	if (st == NULL)
		return DB_ERROR;
	bind_row(st, a, row);
	db_bind_int(st, 14, now);
	db_bind_text(st, 15, row->registered_address);
	db_bind_int(st, 16, id);
	int rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* --- reading --- */

static int age_at(const char *birth, int64_t now)
{
	int64_t y, m, d;
	if (birth == NULL || strlen(birth) != 10 || !parse_i64(birth, 4, 0, 9999, &y) ||
	    !parse_i64(birth + 5, 2, 1, 12, &m) || !parse_i64(birth + 8, 2, 1, 31, &d))
		return -1;
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	int age = tm.tm_year + 1900 - (int)y;
	if (tm.tm_mon + 1 < m || (tm.tm_mon + 1 == m && tm.tm_mday < d))
		age--;
	return age;
}

/* Derived tags come from the birth date and are not stored: a resident has one
 * when aged at least `years` (older) or under it (not older). */
static const struct derived_tag {
	const char *id, *name_zh, *name_en;
	int years;
	bool older;
} derived_tags[] = {
    {"aged_60", "60岁以上", "Aged 60+", 60, true},
    {"aged_80", "80岁以上", "Aged 80+", 80, true},
    {"minor", "未成年人", "Minor", 18, false},
};
#define N_DERIVED (sizeof(derived_tags) / sizeof(derived_tags[0]))

static const struct derived_tag *derived_find(const char *id)
{
	for (size_t i = 0; id != NULL && i < N_DERIVED; i++)
		if (strcmp(derived_tags[i].id, id) == 0)
			return &derived_tags[i];
	return NULL;
}

/* The last column is the resident's assigned tags, each as its sensitivity ('0' or
 * '1') and identifier, separated by the unit separator: one statement for a whole
 * page of residents rather than one more for each. */
#define RESIDENT_COLUMNS                                                                                          \
	"r.id, r.name, r.gender, r.birth_date, r.document_type, r.id_masked, r.phone_masked, r.household_id,"     \
	" r.area_code, a.short_name, r.relation, r.notes, r.status, r.version, r.registered_address,"             \
	" (SELECT group_concat(g.sensitive || g.id, char(31)) FROM resident_tags rt JOIN tags g ON g.id = rt.tag" \
	" WHERE rt.resident_id = r.id)"

static json_t *opt(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : json_string(db_text(st, col));
}

static int str_cmp(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

/* The tags column of RESIDENT_COLUMNS as a sorted array of identifiers, the sensitive
 * ones only when the viewer may see them. */
static json_t *tags_json(const char *column, bool sensitive)
{
	json_t *tags = json_array();
	if (column == NULL)
		return tags;
	char *copy = strdup(column), *ids[64], *save = NULL;
	size_t n = 0;
	if (copy == NULL)
		fatal("out of memory");
	for (char *t = strtok_r(copy, "\x1f", &save); t != NULL && n < 64; t = strtok_r(NULL, "\x1f", &save))
		if (t[0] == '0' || (t[0] == '1' && sensitive))
			ids[n++] = t + 1;
	qsort(ids, n, sizeof(*ids), str_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(tags, json_string(ids[i]));
	free(copy);
	return tags;
}

/* A resident row (RESIDENT_COLUMNS) as JSON; sensitive tags only when the viewer may see them. */
json_t *resident_json(struct db_stmt *st, bool sensitive)
{
	int64_t id = db_int(st, 0);
	const char *birth = db_text(st, 3);
	int age = age_at(birth, clock_now());
	json_t *derived = json_array();
	for (size_t i = 0; i < N_DERIVED && age >= 0; i++)
		if ((age >= derived_tags[i].years) == derived_tags[i].older)
			json_array_append_new(derived, json_string(derived_tags[i].id));
	json_t *res = json_pack("{sI ss so so so ss so so so ss ss so ss ss sI so}", "id", (json_int_t)id, "name",
	    db_text(st, 1), "gender", opt(st, 2), "birth_date", opt(st, 3), "age",
	    age >= 0 ? json_integer(age) : json_null(), "document_type", db_text(st, 4), "id_number", opt(st, 5),
	    "phone", opt(st, 6), "household_id", db_null(st, 7) ? json_null() : json_integer(db_int(st, 7)),
	    "area_code", db_text(st, 8), "area_name", db_text(st, 9), "relation", opt(st, 10), "notes", db_text(st, 11),
	    "status", db_text(st, 12), "version", (json_int_t)db_int(st, 13), "derived_tags", derived);
	json_object_set_new(res, "registered_address", opt(st, 14));
	json_object_set_new(res, "tags", tags_json(db_text(st, 15), sensitive));
	return res;
}

/* One resident in the caller's scope for perm as JSON, or NULL (reply 404 left to the caller). */
static json_t *load(struct req *r, int64_t id, const char *perm)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT " RESIDENT_COLUMNS " FROM residents r JOIN areas a ON a.code = r.area_code WHERE r.id = ?", "i",
	    id);
	if (st == NULL || db_step(st) != DB_ROW || !user_covers(req_user(r), perm, db_text(st, 8))) {
		if (st)
			db_reset(st);
		return NULL;
	}
	json_t *res = resident_json(st, user_can(req_user(r), "residents.sensitive"));
	db_reset(st);
	return res;
}

static void get_resident(struct req *r)
{
	json_t *res = load(r, req_param_id(r, 0), "residents.read");
	if (res == NULL)
		reply_problem(r, P_NOT_FOUND, "no such resident");
	else
		reply_json(r, 200, res);
}

/* A full mobile number or 18-character document number is looked up through
 * the blind index; anything else is a part of a name. */
static bool is_mobile(const char *q)
{
	if (strlen(q) != 11 || q[0] != '1' || q[1] < '3')
		return false;
	for (const char *p = q; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Fill f from the request's filters; replies (422, 403) and returns false when they are not allowed. */
bool filter_from(struct req *r, const char *q, const char *tag, const char *area, struct filter *f)
{
	struct arena *a = req_arena(r);
	if (tag != NULL && derived_find(tag) == NULL) {
		struct db_stmt *st = db_stmt(req_db(r), "SELECT sensitive FROM tags WHERE id = ?", "t", tag);
		int found = st != NULL && db_step(st) == DB_ROW ? 1 + (int)db_int(st, 0) : 0;
		if (st)
			db_reset(st);
		if (found == 0) {
			reply_invalid(r, "tag", "is not a known tag");
			return false;
		}
		if (found == 2 && !user_can(req_user(r), "residents.sensitive")) {
			audit_request(
			    r, "denied", arena_printf(a, "tag:%s", tag), AUDIT_DENIED, "sensitive tag filter");
			reply_problem(r, P_FORBIDDEN, "your roles may not filter by this tag");
			return false;
		}
	}
	if (q != NULL && strlen(q) == 18 && q[17] == 'x') {
		char *upper = arena_strdup(a, q); /* a typed lower-case check character */
		upper[17] = 'X';
		q = upper;
	}
	f->q = q;
	f->tag = tag;
	f->area = area;
	f->codes = user_scope(a, req_user(r), "residents.read", &f->ncodes);
	return true;
}

/* The residents f selects with ids above `after`, in id order, at most limit; bound and ready to step. */
struct db_stmt *select_residents(struct db *db, struct arena *a, const struct filter *f, int64_t after, int64_t limit)
{
	const char *q = f->q;
	enum { ALL, BY_PHONE, BY_ID, BY_NAME } by = ALL;
	unsigned char index[BLIND_BYTES];
	if (q != NULL && is_mobile(q))
		by = BY_PHONE;
	else if (q != NULL && strlen(q) == 18 && id_check_char(q) == q[17])
		by = BY_ID;
	else if (q != NULL)
		by = BY_NAME; /* any part of a name, even one character: a scan of the scope's
		                 range of the area index, which carries the names */
	static const char *const matches[] = {"1=1",
	    "r.id IN (SELECT resident_id FROM resident_phones WHERE blind = ?)",
	    "r.id IN (SELECT resident_id FROM resident_ids WHERE blind = ?)", "r.name LIKE ? ESCAPE '\\'"};
	const char *sql = arena_printf(a,
	    "SELECT " RESIDENT_COLUMNS " FROM residents r JOIN areas a ON a.code = r.area_code"
	    " WHERE r.id > ? AND %s AND %s AND r.area_code >= ? AND r.area_code < ? AND r.status = 'active'"
	    " AND (? IS NULL OR EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = ?))"
	    " AND (? IS NULL OR r.birth_date <= ?) AND (? IS NULL OR r.birth_date > ?)"
	    " ORDER BY r.id LIMIT ?",
	    matches[by], scope_sql(a, "r.area_code", f->codes, f->ncodes));
	struct db_stmt *st = db_prepare(db, sql);
	if (st == NULL)
		return NULL;
	int i = 1;
	db_bind_int(st, i++, after);
	if (by == BY_PHONE || by == BY_ID) {
		blind_index(by == BY_PHONE ? "phone" : "id_number", q, index);
		db_bind_blob(st, i++, index, sizeof(index));
	} else if (by == BY_NAME) {
		db_bind_text(st, i++, db_like(a, "%", q, "%")); /* wildcards typed by the user match literally */
	}
	i = scope_bind(st, i, a, f->codes, f->ncodes);
	const char *range[1] = {f->area ? f->area : ""};
	i = scope_bind(st, i, a, range, 1);
	/* A derived tag is a birth-date cutoff: today, `years` years ago. */
	const struct derived_tag *d = derived_find(f->tag);
	const char *stored = d ? NULL : f->tag, *older = NULL, *younger = NULL;
	if (d != NULL) {
		time_t now = (time_t)clock_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		const char *cutoff =
		    arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900 - d->years, tm.tm_mon + 1, tm.tm_mday);
		*(d->older ? &older : &younger) = cutoff;
	}
	db_bind_text(st, i++, stored);
	db_bind_text(st, i++, stored);
	db_bind_text(st, i++, older);
	db_bind_text(st, i++, older);
	db_bind_text(st, i++, younger);
	db_bind_text(st, i++, younger);
	db_bind_int(st, i, limit);
	return st;
}

static void list_residents(struct req *r)
{
	struct filter f;
	if (!filter_from(r, req_query(r, "q"), req_query(r, "tag"), req_area(r), &f))
		return;
	int64_t limit = req_limit(r), count = 0, last = 0;
	struct db_stmt *st = select_residents(req_db(r), req_arena(r), &f, req_cursor(r), limit + 1);
	if (st == NULL) {
		reply_problem(r, P_INTERNAL, NULL);
		return;
	}
	bool sensitive = user_can(req_user(r), "residents.sensitive");
	json_t *items = json_array();
	while (db_step(st) == DB_ROW && count++ < limit) {
		last = db_int(st, 0);
		json_array_append_new(items, resident_json(st, sensitive));
	}
	db_reset(st);
	reply_list(r, items, count > limit ? last : 0);
}

/* --- recording --- */

#define PHONE_RULE "must be a mobile number (11 digits from 13) or a landline like 027-86812345"

static bool phone_valid(const char *p)
{
	size_t n = strlen(p);
	if (is_mobile(p))
		return true;
	/* A landline with its area code: 027-86812345. */
	const char *dash = strchr(p, '-');
	if (dash == NULL || p[0] != '0' || dash - p < 3 || dash - p > 4 || n - (size_t)(dash - p) - 1 < 7 ||
	    n - (size_t)(dash - p) - 1 > 8)
		return false;
	for (const char *c = p; *c; c++)
		if (c != dash && (*c < '0' || *c > '9'))
			return false;
	return true;
}

/* Resolve a tag given by identifier, Chinese name or alias; NULL if unknown. */
static const char *tag_resolve(struct req *r, const char *given, bool *sensitive)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT id, sensitive FROM tags WHERE id = ? OR name_zh = ? OR (aliases <> '' AND aliases = ?)", "ttt",
	    given, given, given);
	const char *id = NULL;
	if (st != NULL && db_step(st) == DB_ROW) {
		id = arena_strdup(req_arena(r), db_text(st, 0));
		*sensitive = db_int(st, 1) != 0;
	}
	if (st)
		db_reset(st);
	return id;
}

/* Check an identity document against the birth date and gender given with it.
 * A 居民身份证 (or 港澳台居民居住证) number is validated and decides the birth
 * date and gender: *birth and *gender are set from it, and a given value that
 * differs is an error. False when something was reported with req_invalid. */
static bool check_identity(struct req *r, const char *doc, const char **idn, const char **birth, const char **gender)
{
	struct arena *a = req_arena(r);
	bool ok = true;
	if (*idn != NULL && strlen(*idn) == 18 && (*idn)[17] == 'x') {
		/* People type the check character in lower case; the standard's is X. */
		char *upper = arena_strdup(a, *idn);
		upper[17] = 'X';
		*idn = upper;
	}
	if (*birth != NULL) {
		int64_t t;
		if (strlen(*birth) != 10 || !clock_parse(*birth, &t) || t > clock_now()) {
			req_invalid(r, "birth_date", "must be a past date like 1950-03-01");
			ok = false;
		}
	}
	if (*idn != NULL && strcmp(doc, "none") == 0) {
		req_invalid(r, "id_number", "must be absent when document_type is none");
		return false;
	}
	if (*idn == NULL || (strcmp(doc, "id_card") != 0 && strcmp(doc, "hkmotw_permit") != 0))
		return ok;
	struct id_info info;
	const char *why = id_validate(*idn, strcmp(doc, "id_card") == 0 ? ID_RESIDENT : ID_HKMOTW, clock_now(), &info);
	if (why != NULL) {
		req_invalid(r, "id_number", why);
		return false;
	}
	char derived[11];
	snprintf(derived, sizeof(derived), "%04d-%02d-%02d", info.year, info.month, info.day);
	if (*birth != NULL && strcmp(*birth, derived) != 0) {
		req_invalid(r, "birth_date", "differs from the birth date in the ID number");
		ok = false;
	}
	if (*gender != NULL && strcmp(*gender, info.male ? "male" : "female") != 0) {
		req_invalid(r, "gender", "differs from the sex in the ID number");
		ok = false;
	}
	*birth = arena_strdup(a, derived);
	*gender = info.male ? "male" : "female";
	return ok;
}

/* The body's tags as identifiers (*ids, *n); false when one is unknown or
 * sensitive and the caller may not set it (reported with req_invalid). */
static bool body_tags(struct req *r, const char ***ids, size_t *n)
{
	struct arena *a = req_arena(r);
	json_t *tags = json_object_get(req_body(r), "tags");
	*ids = arena_alloc(a, sizeof(**ids) * (json_array_size(tags) + 1));
	*n = 0;
	bool ok = true;
	size_t i;
	json_t *t;
	json_array_foreach (tags, i, t) {
		bool sensitive = false;
		const char *id = tag_resolve(r, json_string_value(t), &sensitive);
		if (id == NULL) {
			req_invalid(r, arena_printf(a, "tags[%zu]", i), "is not a known tag");
			ok = false;
		} else if (sensitive && !user_can(req_user(r), "residents.sensitive")) {
			req_invalid(r, arena_printf(a, "tags[%zu]", i), "is a sensitive tag your roles may not set");
			ok = false;
		} else {
			(*ids)[(*n)++] = id;
		}
	}
	return ok;
}

/* Give resident id the tags ids[0..n) in place of the assigned ones the caller
 * can see (sensitive tags stay when the caller may not see them). */
static int replace_tags(struct req *r, int64_t id, const char **ids, size_t n)
{
	int rc = db_run(req_db(r),
	    "DELETE FROM resident_tags WHERE resident_id = ? AND (? = 1 OR tag IN (SELECT id FROM tags WHERE sensitive = 0))",
	    "ii", id, (int64_t)user_can(req_user(r), "residents.sensitive"));
	for (size_t k = 0; k < n && rc == DB_DONE; k++)
		rc = db_run(req_db(r),
		    "INSERT INTO resident_tags (resident_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", "it", id,
		    ids[k]);
	return rc == DB_DONE ? DB_OK : rc;
}

/* The area of household id when the caller may write there, else NULL (reported). */
static const char *household_area(struct req *r, int64_t id)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT area_code FROM households WHERE id = ?", "i", id);
	const char *area = st != NULL && db_step(st) == DB_ROW ? arena_strdup(req_arena(r), db_text(st, 0)) : NULL;
	if (st)
		db_reset(st);
	if (area == NULL || !user_covers(req_user(r), "residents.write", area)) {
		req_invalid(r, "household_id", "is not a household you can reach");
		return NULL;
	}
	return area;
}

static void create_resident(struct req *r)
{
	struct arena *a = req_arena(r);
	struct db *db = req_db(r);
	const char *name = body_str(r, "name"), *gender = body_str(r, "gender"), *birth = body_str(r, "birth_date");
	const char *doc = body_str(r, "document_type") ? body_str(r, "document_type") : "id_card";
	const char *idn = body_str(r, "id_number"), *phone = body_str(r, "phone");
	const char *area = body_str(r, "area_code");
	int64_t household = body_int(r, "household_id", 0);
	bool bad = !check_identity(r, doc, &idn, &birth, &gender);
	if (phone != NULL && !phone_valid(phone)) {
		req_invalid(r, "phone", PHONE_RULE);
		bad = true;
	}
	/* The household decides the area; without one, area_code does. */
	if (household != 0) {
		if ((area = household_area(r, household)) == NULL)
			bad = true;
	} else if (area == NULL) {
		req_invalid(r, "area_code", "is required when there is no household_id");
		bad = true;
	} else if (!user_covers(req_user(r), "residents.write", area)) {
		reply_problem(r, P_FORBIDDEN, "this area is outside your scope");
		return;
	}
	const char **tag_ids;
	size_t ntags;
	if (!body_tags(r, &tag_ids, &ntags) || bad) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return;
	}

	struct resident_row row = {household, area, name, gender, birth, doc, idn, phone, body_str(r, "relation"),
	    body_str(r, "notes") ? body_str(r, "notes") : "", body_str(r, "registered_address")};
	int64_t id = 0;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = resident_insert(db, a, &row, clock_now(), &id);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_problem(r, P_CONFLICT, "a resident with this document number is registered already");
		return;
	}
	if (rc == DB_OK)
		rc = replace_tags(r, id, tag_ids, ntags);
	if (rc == DB_OK)
		rc = audit_request_rc(r, "resident.create", arena_printf(a, "resident:%lld", (long long)id), NULL);
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 201, load(r, id, "residents.read"));
}

/* What PATCH finds stored, read inside its transaction. */
struct stored {
	char area[64], name[128], doc[32];
	int64_t version;
	bool has_id; /* a document number is on record */
};

static bool stored_read(struct req *r, int64_t id, struct stored *s)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT area_code, name, document_type, version, id_index IS NOT NULL FROM residents WHERE id = ?"
	    " AND status = 'active'",
	    "i", id);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found) {
		snprintf(s->area, sizeof(s->area), "%s", db_text(st, 0));
		snprintf(s->name, sizeof(s->name), "%s", db_text(st, 1));
		snprintf(s->doc, sizeof(s->doc), "%s", db_text(st, 2));
		s->version = db_int(st, 3);
		s->has_id = db_int(st, 4) != 0;
	}
	if (st)
		db_reset(st);
	return found;
}

/* Whether the body sets name to JSON null (clearing it). */
static bool body_null(struct req *r, const char *name) { return json_is_null(json_object_get(req_body(r), name)); }

/* Change what the body names, if the resident is still at the version the
 * caller read (409 otherwise, so that two workers do not overwrite each other).
 * A new household elsewhere is a move, kept in the resident's history. */
static void update_resident(struct req *r)
{
	struct arena *a = req_arena(r);
	struct db *db = req_db(r);
	int64_t id = req_param_id(r, 0);
	struct stored old;
	if (db_begin(db) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	if (!stored_read(r, id, &old) || !user_covers(req_user(r), "residents.read", old.area)) {
		reply_problem(r, P_NOT_FOUND, "no such resident");
		return;
	}
	if (!user_covers(req_user(r), "residents.write", old.area)) {
		reply_problem(r, P_FORBIDDEN, "this resident is outside the areas you may change");
		return;
	}
	if (body_int(r, "version", 0) != old.version) {
		reply_problem(r, P_CONFLICT, "someone changed this resident meanwhile; reload and try again");
		return;
	}
	const char *doc = body_str(r, "document_type") ? body_str(r, "document_type") : old.doc;
	const char *idn = body_str(r, "id_number"), *phone = body_str(r, "phone");
	const char *gender = body_str(r, "gender"), *birth = body_str(r, "birth_date");
	bool bad = !check_identity(r, doc, &idn, &birth, &gender);
	bool id_kept = old.has_id && idn == NULL && strcmp(doc, "none") != 0;
	if (id_kept && strcmp(doc, old.doc) != 0) {
		req_invalid(r, "id_number", "is required when the document type changes");
		bad = true;
	} else if (id_kept && (strcmp(doc, "id_card") == 0 || strcmp(doc, "hkmotw_permit") == 0) &&
	           (gender != NULL || birth != NULL)) {
		req_invalid(r, gender != NULL ? "gender" : "birth_date", "follows from the ID number on record");
		bad = true;
	}
	if (phone != NULL && !phone_valid(phone)) {
		req_invalid(r, "phone", PHONE_RULE);
		bad = true;
	}
	int64_t household = body_int(r, "household_id", 0);
	const char *area = old.area;
	if (household != 0 && (area = household_area(r, household)) == NULL)
		bad = true;
	const char **tag_ids = NULL;
	size_t ntags = 0;
	bool retag = json_object_get(req_body(r), "tags") != NULL;
	if ((retag && !body_tags(r, &tag_ids, &ntags)) || bad) {
		reply_problem(r, P_INVALID, "some fields are not valid");
		return;
	}

	const char *name = body_str(r, "name") ? body_str(r, "name") : old.name;
	struct resident_row row = {household, area, name, gender, birth, doc, idn, phone, body_str(r, "relation"), NULL,
	    body_str(r, "registered_address")};
	int64_t now = clock_now();
	int rc = resident_update(db, a, id, &row, now);
	/* What resident_update keeps when absent: notes, and values the body clears with null. */
	if (rc == DB_OK)
		rc = db_run(db,
		         "UPDATE residents SET notes = coalesce(?, notes),"
		         " relation = CASE WHEN ? THEN NULL ELSE relation END,"
		         " registered_address = CASE WHEN ? THEN NULL ELSE registered_address END,"
		         " phone_sealed = CASE WHEN ? THEN NULL ELSE phone_sealed END,"
		         " phone_index = CASE WHEN ? THEN NULL ELSE phone_index END,"
		         " phone_masked = CASE WHEN ? THEN NULL ELSE phone_masked END,"
		         " id_sealed = CASE WHEN ? THEN NULL ELSE id_sealed END,"
		         " id_index = CASE WHEN ? THEN NULL ELSE id_index END,"
		         " id_masked = CASE WHEN ? THEN NULL ELSE id_masked END WHERE id = ?",
		         "tiiiiiiiii", body_str(r, "notes"), (int64_t)body_null(r, "relation"),
		         (int64_t)body_null(r, "registered_address"), (int64_t)body_null(r, "phone"),
		         (int64_t)body_null(r, "phone"), (int64_t)body_null(r, "phone"),
		         (int64_t)(strcmp(doc, "none") == 0), (int64_t)(strcmp(doc, "none") == 0),
		         (int64_t)(strcmp(doc, "none") == 0), id) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc == DB_OK && strcmp(area, old.area) != 0) {
		char today[24];
		clock_format(now, today, sizeof(today));
		today[10] = '\0';
		rc = life_event_record(db, id, "move", today, "household changed",
		    arena_printf(a, "%s -> %s", old.area, area), req_user(r)->id, now);
	}
	if (rc == DB_OK && retag)
		rc = replace_tags(r, id, tag_ids, ntags);
	/* The audit entry names the fields changed, not their values. */
	const char *changed = "";
	const char *key;
	json_t *v;
	json_object_foreach (req_body(r), key, v)
		if (strcmp(key, "version") != 0)
			changed = arena_printf(a, "%s%s%s", changed, changed[0] ? "," : "", key);
	if (rc == DB_OK)
		rc = audit_request_rc(r, "resident.update", arena_printf(a, "resident:%lld", (long long)id), changed);
	if (rc == DB_CONSTRAINT) {
		db_rollback(db);
		reply_problem(r, P_CONFLICT, "a resident with this document number is registered already");
		return;
	}
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 200, load(r, id, "residents.read"));
}

/* The full numbers, to a role allowed to see them, with a reason on the record. */
static void unmask(struct req *r)
{
	struct arena *a = req_arena(r);
	int64_t id = req_param_id(r, 0);
	struct db_stmt *st =
	    db_stmt(req_db(r), "SELECT area_code, id_sealed, phone_sealed FROM residents WHERE id = ?", "i", id);
	if (st == NULL || db_step(st) != DB_ROW || !user_covers(req_user(r), "residents.unmask", db_text(st, 0))) {
		if (st)
			db_reset(st);
		reply_problem(r, P_NOT_FOUND, "no such resident");
		return;
	}
	size_t n1, n2;
	const unsigned char *b1 = db_blob(st, 1, &n1), *b2 = db_blob(st, 2, &n2);
	char *idn = b1 ? unseal(a, "resident.id_number", b1, n1) : NULL;
	char *phone = b2 ? unseal(a, "resident.phone", b2, n2) : NULL;
	bool broken = (b1 && idn == NULL) || (b2 && phone == NULL);
	db_reset(st);
	if (broken) {
		reply_problem(r, P_INTERNAL, "the stored data cannot be decrypted with this key");
		return;
	}
	if (audit_request_rc(r, "resident.unmask", arena_printf(a, "resident:%lld", (long long)id),
	        body_str(r, "reason")) != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the view could not be recorded; try again");
		return;
	}
	reply_json(r, 200,
	    json_pack("{so so}", "id_number", idn ? json_string(idn) : json_null(), "phone",
	        phone ? json_string(phone) : json_null()));
}

static void list_tags(struct req *r)
{
	bool sensitive = user_can(req_user(r), "residents.sensitive");
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT id, name_zh, name_en, aliases, sensitive FROM tags WHERE sensitive = 0 OR ? = 1 ORDER BY id", "i",
	    (int64_t)sensitive);
	json_t *items = json_array();
	while (st != NULL && db_step(st) == DB_ROW)
		json_array_append_new(items,
		    json_pack("{ss ss ss ss sb sb}", "id", db_text(st, 0), "name_zh", db_text(st, 1), "name_en",
		        db_text(st, 2), "aliases", db_text(st, 3), "sensitive", (int)db_int(st, 4), "derived", 0));
	if (st)
		db_reset(st);
	for (size_t i = 0; i < N_DERIVED; i++)
		json_array_append_new(items,
		    json_pack("{ss ss ss ss sb sb}", "id", derived_tags[i].id, "name_zh", derived_tags[i].name_zh,
		        "name_en", derived_tags[i].name_en, "aliases", "", "sensitive", 0, "derived", 1));
	reply_list(r, items, 0);
}

static const struct field str_item = {NULL, T_STRING, 0, 1, 32};
static const struct field create_fields[] = {
    {"name", T_STRING, F_REQUIRED, 1, 32},
    {"gender", T_ENUM, 0, .values = genders, .desc = "derived from an ID card number when absent"},
    {"birth_date", T_STRING, 0, 10, 10, .desc = "YYYY-MM-DD; derived from an ID card number when absent"},
    {"document_type", T_ENUM, 0, .values = doc_types, .desc = "default id_card (居民身份证)"},
    {"id_number", T_STRING, 0, 5, 32},
    {"phone", T_STRING, 0, 7, 16, .desc = "mobile (11 digits) or landline with area code (027-86812345)"},
    {"household_id", T_INT, 0, 1, INT64_MAX},
    {"area_code", T_STRING, F_AREA, .desc = "where the resident lives, when there is no household_id"},
    {"relation", T_ENUM, 0, .values = relations, .desc = "to the head of household"},
    {"tags", T_ARRAY, 0, 0, 20, .items = &str_item, .desc = "identifiers, Chinese names or aliases"},
    {"notes", T_STRING, 0, 0, 2000},
    {"registered_address", T_STRING, 0, 1, 200, .desc = "户籍地址, when not where the resident lives (人户分离)"},
    {NULL},
};
static const struct field create_body = {NULL, T_OBJECT, 0, .fields = create_fields};
static const struct field update_fields[] = {
    {"version", T_INT, F_REQUIRED, 1, INT64_MAX, .desc = "the version read; 409 when it has changed since"},
    {"name", T_STRING, 0, 1, 32},
    {"gender", T_ENUM, 0, .values = genders},
    {"birth_date", T_STRING, 0, 10, 10},
    {"document_type", T_ENUM, 0, .values = doc_types, .desc = "none removes the document number"},
    {"id_number", T_STRING, 0, 5, 32, .desc = "absent: unchanged"},
    {"phone", T_STRING, F_NULLABLE, 7, 16, .desc = "absent: unchanged; null: removed"},
    {"household_id", T_INT, 0, 1, INT64_MAX, .desc = "a household in another area records a move"},
    {"relation", T_ENUM, F_NULLABLE, .values = relations},
    {"tags", T_ARRAY, 0, 0, 20, .items = &str_item, .desc = "replace the assigned tags the caller can see"},
    {"notes", T_STRING, 0, 0, 2000},
    {"registered_address", T_STRING, F_NULLABLE, 1, 200, .desc = "null: the same as the residence"},
    {NULL},
};
static const struct field update_body = {NULL, T_OBJECT, 0, .fields = update_fields};

static const struct field resident_fields[] = {
    {"id", T_INT, F_REQUIRED},
    {"name", T_STRING, F_REQUIRED},
    {"gender", T_ENUM, F_REQUIRED | F_NULLABLE, .values = genders},
    {"birth_date", T_STRING, F_REQUIRED | F_NULLABLE},
    {"age", T_INT, F_REQUIRED | F_NULLABLE},
    {"document_type", T_ENUM, F_REQUIRED, .values = doc_types},
    {"id_number", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "masked: 420107********123X"},
    {"phone", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "masked: 138****5678"},
    {"household_id", T_INT, F_REQUIRED | F_NULLABLE},
    {"area_code", T_STRING, F_REQUIRED | F_AREA},
    {"area_name", T_STRING, F_REQUIRED},
    {"relation", T_ENUM, F_REQUIRED | F_NULLABLE, .values = relations},
    {"notes", T_STRING, F_REQUIRED},
    {"status", T_STRING, F_REQUIRED},
    {"version", T_INT, F_REQUIRED},
    {"registered_address", T_STRING, F_REQUIRED | F_NULLABLE, .desc = "户籍地址; null: the same as the residence"},
    {"derived_tags", T_ARRAY, F_REQUIRED, .items = &str_item, .desc = "aged_60, aged_80, minor: from the birth date"},
    {"tags", T_ARRAY, F_REQUIRED, .items = &str_item, .desc = "sensitive tags only for roles that may see them"},
    {NULL},
};
static const struct field resident_schema = {NULL, T_OBJECT, 0, .fields = resident_fields};

static const struct field list_query[] = {
    {"q", T_STRING, 0, 1, 32, .desc = "part of a name (one character works), a full mobile number or ID number"},
    {"tag", T_STRING, 0, 1, 32},
    {NULL},
};

static const struct field unmask_fields[] = {
    {"reason", T_STRING, F_REQUIRED, 2, 200, .desc = "why the full numbers are needed (kept in the audit log)"},
    {NULL},
};
static const struct field unmask_body = {NULL, T_OBJECT, 0, .fields = unmask_fields};
static const struct field unmasked_fields[] = {
    {"id_number", T_STRING, F_REQUIRED | F_NULLABLE},
    {"phone", T_STRING, F_REQUIRED | F_NULLABLE},
    {NULL},
};
static const struct field unmasked_schema = {NULL, T_OBJECT, 0, .fields = unmasked_fields};

static const struct field tag_fields[] = {
    {"id", T_STRING, F_REQUIRED},
    {"name_zh", T_STRING, F_REQUIRED},
    {"name_en", T_STRING, F_REQUIRED},
    {"aliases", T_STRING, F_REQUIRED},
    {"sensitive", T_BOOL, F_REQUIRED},
    {"derived", T_BOOL, F_REQUIRED, .desc = "from the birth date: a filter, never assigned"},
    {NULL},
};
static const struct field tag_schema = {NULL, T_OBJECT, 0, .fields = tag_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/tags", "residents.read", R_LIST, NULL, NULL, 200, &tag_schema, list_tags, "Resident tags"},
    {M_GET, "/api/v1/residents", "residents.read", R_LIST, list_query, NULL, 200, &resident_schema, list_residents,
        "Find residents in scope (masked)"},
    {M_POST, "/api/v1/residents", "residents.write", 0, NULL, &create_body, 201, &resident_schema, create_resident,
        "Register a resident"},
    {M_GET, "/api/v1/residents/{id}", "residents.read", 0, NULL, NULL, 200, &resident_schema, get_resident,
        "One resident (masked)"},
    {M_PATCH, "/api/v1/residents/{id}", "residents.write", 0, NULL, &update_body, 200, &resident_schema,
        update_resident, "Change a resident's record (optimistic: send the version read)"},
    {M_POST, "/api/v1/residents/{id}/unmask", "residents.unmask", 0, NULL, &unmask_body, 200, &unmasked_schema, unmask,
        "The full ID and phone numbers, with a reason (audited)"},
    {0},
};

const struct module residents_module = {
    .name = "residents",
    .routes = routes,
};
