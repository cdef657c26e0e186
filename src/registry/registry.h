/* The resident and household registry: the record every carrier works from.
 * Personal identifiers are sealed (core/seal.h), masked by default, and found
 * through blind indexes; names are found through a table of their 1- and
 * 2-character pieces, so one- and two-character queries work (张, 小明). */
#ifndef DOORSTEP_REGISTRY_H
#define DOORSTEP_REGISTRY_H

#include "../http/api.h"

extern const struct module households_module; /* the registry's tables, households */
extern const struct module residents_module; /* residents, tags, search, unmasking */
extern const struct module life_events_module; /* moving in and out, death, deregistration */
extern const struct module resident_imports_module; /* CSV uploads from the web app */
extern const struct module resident_accounts_module; /* residents' own accounts, linked to their record */

/* The resident whose account user_id is, 0 if it is no resident's. */
int64_t resident_of_user(struct db *db, int64_t user_id);
extern const struct module resident_exports_module; /* the masked list as CSV or XLSX */

/* Record a confirmed life event (inside the caller's transaction); user_id 0 for the CLI. */
int life_event_record(struct db *db, int64_t resident, const char *kind, const char *date, const char *reason,
    const char *details, int64_t user_id, int64_t now);
/* Propose a life event for staff to confirm (inside the caller's transaction),
 * as a door-knock visit does; *id gets its id. */
int life_event_propose(struct db *db, int64_t resident, const char *kind, const char *date, const char *reason,
    int64_t user_id, int64_t now, int64_t *id);

/* A new resident's fields, numbers in plain text: resident_insert seals,
 * indexes and masks them. NULL for what is not known. */
struct resident_row {
	int64_t household_id; /* 0: none */
	const char *area_code, *name, *gender, *birth_date, *document_type;
	const char *id_number, *phone;
	const char *relation, *notes;
	const char *registered_address; /* 户籍地址 when it differs from the actual residence */
};

/* Insert a resident (inside the caller's transaction); *id gets its id.
 * DB_CONSTRAINT when the document number is registered already. */
int resident_insert(struct db *db, struct arena *a, const struct resident_row *row, int64_t now, int64_t *id);
/* Many residents at once (best inside a bulk load, which builds the indexes once),
 * in two steps, so that the caller can go on with other work while their numbers
 * are sealed on a second thread. residents_seal starts sealing n entries:
 * numbers[2i] and numbers[2i + 1] are entry i's document number and phone (NULL
 * when absent), and must stay as they are until the batch is freed.
 * residents_insert_sealed inserts rows[0..n) in the bulk load's transaction (telling
 * the load their blind indexes, load_numbers), with
 * the ids *first_id, *first_id + 1, ... in order; row k's numbers are the batch's
 * entry entries[k] (the same values as its id_number and phone), in any order.
 * DB_CONSTRAINT when a document number is registered already. A batch is inserted
 * once; residents_batch_free ends it, inserted or not. */
struct resident_batch;
struct resident_batch *residents_seal(const char *const *numbers, size_t n);
struct load;
int residents_insert_sealed(struct db *db, struct load *load, int64_t now, struct resident_batch *b,
    const struct resident_row *rows, const size_t *entries, size_t n, int64_t *first_id);
void residents_batch_free(struct resident_batch *b);
/* Update resident id from row (its empty fields keep their values). */
int resident_update(struct db *db, struct arena *a, int64_t id, const struct resident_row *row, int64_t now);

/* What a resident list or export selects: a query, a tag, an area, within the scope codes. */
struct filter {
	const char *q, *tag, *area;
	const char **codes;
	int ncodes;
};
/* Fill f from a request's filters and the caller's residents.read scope; replies
 * (422, 403) and returns false when they are not allowed. */
bool filter_from(struct req *r, const char *q, const char *tag, const char *area, struct filter *f);
/* The residents f selects with ids above `after`, in id order, at most limit, as
 * RESIDENT_COLUMNS rows for resident_json; bound and ready to step. */
struct db_stmt *select_residents(struct db *db, struct arena *a, const struct filter *f, int64_t after, int64_t limit);
/* A row of select_residents as JSON (masked numbers); sensitive tags only when sensitive. */
json_t *resident_json(struct db_stmt *st, bool sensitive);

#endif
