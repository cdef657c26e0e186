/* doorstep key new, doorstep key rotate: making a key file, and moving a database
 * to a new one.
 *
 * Rotation re-keys everything the key file keys, in one transaction, so a
 * rotation killed midway leaves the database as it was, opening with the old key:
 *  - every sealed column (sealed[] below): unsealed with the old key, sealed again
 *    with the new one, and its blind index computed again, since the index key
 *    derives from the key file too;
 *  - the audit chain, whose MAC key derives from the key file: the chain is first
 *    verified under the old key (re-keying a tampered log would hide the
 *    tampering, so a broken chain stops the rotation), then every entry is MACed
 *    again and the head marked again under the new key. Keeping the old MACs
 *    instead would mean keeping the old key for ever, which is what rotation ends;
 *    the rotation itself is the chain's next entry (key.rotate);
 *  - the key check value, so that only the new key opens the database from now on.
 * The new key file must exist beforehand (doorstep key new), so that it can be
 * backed up before anything depends on it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../core/arena.h"
#include "../core/log.h"
#include "../core/seal.h"
#include "cli.h"
#include "../core/banned.h"

/* Every sealed column, with its blind index and the associated data and index
 * kind it is sealed with (the same as where it is written: registry/residents.c,
 * orders/open311.c). */
static const struct sealed_column {
	const char *table, *sealed, *index, *ad, *kind;
} sealed[] = {
    {"residents", "id_sealed", "id_index", "resident.id_number", "id_number"},
    {"residents", "phone_sealed", "phone_index", "resident.phone", "phone"},
    {"open311_requests", "contact_sealed", "contact_index", "open311.contact", "open311_contact"},
};
#define NSEALED (sizeof(sealed) / sizeof(sealed[0]))

/* A column's values in plain text, between unsealing and sealing again (the
 * array malloc'd, the texts in the rotation's arena). */
struct plain {
	int64_t id;
	const char *text;
};
struct plains {
	struct plain *v;
	size_t n, cap;
};

/* Unseal every value of column c with the key in use into out (memory in a). */
static bool unseal_all(
    struct db *db, struct arena *a, const struct sealed_column *c, struct plains *out, char *why, size_t whyn)
{
	const char *sql = arena_printf(a, "SELECT id, %s FROM %s WHERE %s IS NOT NULL", c->sealed, c->table, c->sealed);
	struct db_stmt *st = db_prepare(db, sql);
	int rc = st ? DB_ROW : DB_ERROR;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		size_t n;
		const unsigned char *box = db_blob(st, 1, &n);
		char *text = unseal(a, c->ad, box, n);
		if (text == NULL) {
			snprintf(why, whyn, "%s %lld: its %s does not decrypt with the current key", c->table,
			    (long long)db_int(st, 0), c->sealed);
			db_reset(st);
			return false;
		}
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 1024;
			if ((out->v = realloc(out->v, out->cap * sizeof(*out->v))) == NULL)
				fatal("out of memory");
		}
		out->v[out->n++] = (struct plain){db_int(st, 0), text};
	}
	if (st != NULL)
		db_reset(st);
	if (rc != DB_DONE)
		snprintf(why, whyn, "%s.%s cannot be read", c->table, c->sealed);
	return rc == DB_DONE;
}

/* Seal the values again, and index them, with the key in use now. */
static bool reseal_all(
    struct db *db, struct arena *a, const struct sealed_column *c, const struct plains *in, char *why, size_t whyn)
{
	const char *sql = arena_printf(a, "UPDATE %s SET %s = ?, %s = ? WHERE id = ?", c->table, c->sealed, c->index);
	struct arena *tmp = arena_new();
	bool ok = true;
	for (size_t i = 0; ok && i < in->n; i++) {
		unsigned char index[BLIND_BYTES];
		size_t n;
		arena_reset(tmp);
		unsigned char *box = seal(tmp, c->ad, in->v[i].text, strlen(in->v[i].text), &n);
		blind_index(c->kind, in->v[i].text, index);
		struct db_stmt *st = db_prepare(db, sql);
		ok = st != NULL && db_bind_blob(st, 1, box, n) == DB_OK &&
		     db_bind_blob(st, 2, index, sizeof(index)) == DB_OK && db_bind_int(st, 3, in->v[i].id) == DB_OK &&
		     db_step(st) == DB_DONE;
		if (st != NULL)
			db_reset(st);
		if (!ok)
			snprintf(why, whyn, "%s %lld could not be written", c->table, (long long)in->v[i].id);
	}
	arena_free(tmp);
	return ok;
}

/* Re-key the database to new_key inside one transaction (see the top of the
 * file); on failure nothing is changed and why says what stopped it. */
static bool rotate(struct db *db, const unsigned char new_key[32], size_t *values, char *why, size_t whyn)
{
	struct arena *a = arena_new();
	struct plains plain[NSEALED] = {{0}};
	int64_t bad = 0;
	int chain = 0;
	bool ok = db_begin(db) == DB_OK;
	if (!ok)
		snprintf(why, whyn, "the database is busy: stop the server first");
	else if ((chain = audit_verify(db, &bad)) == 1)
		snprintf(why, whyn,
		    "the audit log does not verify (entry %lld): re-keying it would hide that; investigate with "
		    "doorstep audit verify first",
		    (long long)bad);
	else if (chain != 0)
		snprintf(why, whyn, "the audit log cannot be read");
	ok = ok && chain == 0;
	for (size_t k = 0; ok && k < NSEALED; k++)
		ok = unseal_all(db, a, &sealed[k], &plain[k], why, whyn);
	if (ok)
		app_key_use(new_key); /* from here on every subkey is the new key's */
	*values = 0;
	for (size_t k = 0; ok && k < NSEALED; k++) {
		ok = reseal_all(db, a, &sealed[k], &plain[k], why, whyn);
		*values += plain[k].n;
	}
	if (ok && (audit_rechain(db) != DB_OK || app_key_record(db) != DB_OK)) {
		snprintf(why, whyn, "the audit chain or the key check could not be written");
		ok = false;
	}
	if (ok) {
		const char *what = arena_printf(a, "%zu sealed values and their indexes re-keyed", *values);
		ok = audit_append(db, 0, "cli", "local", "key.rotate", NULL, AUDIT_SUCCESS, what) == DB_OK &&
		     db_commit(db) == DB_OK;
		if (!ok)
			snprintf(why, whyn, "the rotation could not be committed");
	}
	if (!ok)
		db_rollback(db);
	for (size_t k = 0; k < NSEALED; k++)
		free(plain[k].v);
	arena_free(a);
	return ok;
}

int cmd_key_rotate(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"new-key", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL, *new_path = NULL;
	int c;
	if (help_wanted("key rotate", argc, argv))
		return 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (c == 'd')
			db_path = optarg;
		else if (c == 'k')
			key = optarg;
		else if (c == 'n')
			new_path = optarg;
		else
			return usage("key rotate");
	}
	if (optind != argc || db_path == NULL || new_path == NULL)
		return usage("key rotate");
	if (!db_exists(db_path)) {
		fprintf(stderr, "doorstep: %s does not exist\n", db_path);
		return 2;
	}
	unsigned char new_key[32];
	char why[4400];
	if (!app_key_read(new_path, new_key, why, sizeof(why))) {
		fprintf(stderr, "doorstep: %s; nothing was changed (make one with doorstep key new --out PATH)\n", why);
		return 2;
	}
	struct db *db = app_open(db_path, key);
	char old_path[4200];
	snprintf(old_path, sizeof(old_path), "%s", app_key_path());
	size_t values = 0;
	bool ok = rotate(db, new_key, &values, why, sizeof(why));
	db_close(db);
	if (!ok) {
		fprintf(stderr, "doorstep: key rotation stopped: %s; nothing was changed\n", why);
		return 1;
	}
	printf("%s is now keyed by %s (%zu sealed values, their indexes and the audit chain).\n"
	       "The old key no longer opens it. Next:\n"
	       "  1. Replace the old key file with the new one: mv '%s' '%s'\n"
	       "     (or start the server with --key '%s').\n"
	       "  2. Start the server again, and run doorstep audit verify --db '%s'.\n"
	       "  3. Keep the old key file with the backups made before now: they still need it.\n",
	    db_path, new_path, values, new_path, old_path, new_path, db_path);
	return 0;
}

int cmd_key_new(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int c;
	if (help_wanted("key new", argc, argv))
		return 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (c != 'o')
			return usage("key new");
		out = optarg;
	}
	if (optind != argc || out == NULL)
		return usage("key new");
	app_key_create(out); /* exits 1 when the file exists or cannot be written */
	printf("%s: a new key file. Back it up separately from the database, then run\n"
	       "  doorstep key rotate --db PATH --new-key '%s'\n",
	    out, out);
	return 0;
}
