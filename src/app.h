/* Opening a Doorstep database: the key file, migrations, the default district.
 * Every command that touches a database goes through app_open. */
#ifndef DOORSTEP_APP_H
#define DOORSTEP_APP_H

#include <stdbool.h>

#include "store/db.h"

/* Open (creating when absent) the database and its key, apply pending
 * migrations, load the default district into a new database. Exits on failure.
 * key_path NULL: $DOORSTEP_KEY_FILE, else db_path + ".key". */
struct db *app_open(const char *db_path, const char *key_path);
/* Another connection to the database app_open opened (one per thread). */
struct db *app_connect(void);
/* The paths app_open used: the database and its key file. */
const char *app_db_path(void);
const char *app_key_path(void);
/* Subkeys derived from the key file, one per purpose. */
enum key_purpose { KEY_AUDIT = 1, KEY_CHECK = 2, KEY_FIELDS = 3, KEY_INDEX = 4 };
void app_subkey(enum key_purpose purpose, unsigned char out[32]);
/* Make a new random key file at path (mode 0600, never over an existing file); exits on failure. */
void app_key_create(const char *path);
/* Read a key file (64 hexadecimal digits) into key; false with the reason in why. */
bool app_key_read(const char *path, unsigned char key[32], char *why, size_t whyn);
/* Make key the one in use: every subkey (sealed fields, blind indexes, audit chain) derives from it. */
void app_key_use(const unsigned char key[32]);
/* Record the key in use as the database's own (its check value), so that it opens
 * with this key and no other from now on; joins the caller's transaction. */
int app_key_record(struct db *db);
/* Apply every module's pending migrations; false on failure (logged). */
bool migrate_all(struct db *db);
/* Load an areas file (data/areas format); returns areas loaded or -1 with a message. */
int areas_load_json(struct db *db, const char *text, size_t n, char *err, size_t errn);

#endif
