#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/seal.h"
#include "http/internal.h"
#include "core/banned.h"

static unsigned char master[crypto_kdf_KEYBYTES];
static char db_path[4096], key_file[4200];

/* The default district, embedded at build time from data/areas/420107.json. */
extern const unsigned char default_areas_json[];
extern const size_t default_areas_json_len;

const char *app_db_path(void) { return db_path; }
const char *app_key_path(void) { return key_file; }

void app_subkey(enum key_purpose purpose, unsigned char out[32])
{
	crypto_kdf_derive_from_key(out, 32, (uint64_t)purpose, "doorstep", master);
}

void app_key_create(const char *path)
{
	unsigned char key[crypto_kdf_KEYBYTES];
	char hex[sizeof(key) * 2 + 2];
	if (sodium_init() < 0)
		fatal("libsodium cannot start");
	crypto_kdf_keygen(key);
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	size_t n = strlen(hex);
	hex[n++] = '\n';
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal("cannot create key file %s: %s", path, strerror(errno));
	if (write(fd, hex, n) != (ssize_t)n || fsync(fd) != 0 || close(fd) != 0)
		fatal("cannot write key file %s: %s", path, strerror(errno));
	sodium_memzero(key, sizeof(key));
	log_info("created key file %s: back it up separately from the database", path);
}

bool app_key_read(const char *path, unsigned char key[32], char *why, size_t whyn)
{
	char hex[128];
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, whyn, "key file %s cannot be read (%s)", path, strerror(errno));
		return false;
	}
	size_t n = fread(hex, 1, sizeof(hex) - 1, f);
	fclose(f);
	hex[n] = '\0';
	size_t len;
	if (sodium_hex2bin(key, crypto_kdf_KEYBYTES, hex, n, " \r\n", &len, NULL) != 0 || len != crypto_kdf_KEYBYTES) {
		snprintf(why, whyn, "key file %s is not a Doorstep key (64 hexadecimal digits)", path);
		return false;
	}
	return true;
}

void app_key_use(const unsigned char key[32])
{
	unsigned char audit_key[32], field_key[32], index_key[32];
	memcpy(master, key, sizeof(master));
	app_subkey(KEY_AUDIT, audit_key);
	audit_set_key(audit_key);
	app_subkey(KEY_FIELDS, field_key);
	app_subkey(KEY_INDEX, index_key);
	seal_init(field_key, index_key);
	sodium_memzero(audit_key, sizeof(audit_key));
	sodium_memzero(field_key, sizeof(field_key));
	sodium_memzero(index_key, sizeof(index_key));
}

static void key_read(const char *path)
{
	char why[4400];
	unsigned char key[crypto_kdf_KEYBYTES];
	if (!app_key_read(path, key, why, sizeof(why)))
		fatal("%s. The database's encrypted data and audit chain need the key it was created with: restore it "
		      "from your key backup, or pass --key PATH",
		    why);
	app_key_use(key);
	sodium_memzero(key, sizeof(key));
}

/* A keyed check value stored in the database tells a wrong key from the right one. */
static void key_check_value(char hex[65])
{
	unsigned char sub[32], check[32];
	app_subkey(KEY_CHECK, sub);
	crypto_generichash(check, sizeof(check), (const unsigned char *)"doorstep key check", 18, sub, sizeof(sub));
	sodium_bin2hex(hex, 65, check, sizeof(check));
}

int app_key_record(struct db *db)
{
	char hex[65];
	key_check_value(hex);
	return db_run(db,
	           "INSERT INTO meta (key, value) VALUES ('key_check', ?)"
	           " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	           "t", hex) == DB_DONE
	           ? DB_OK
	           : DB_ERROR;
}

static void key_check(struct db *db, const char *key_path)
{
	char hex[65];
	key_check_value(hex);
	struct db_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key = 'key_check'", NULL);
	if (st == NULL)
		fatal("cannot read the database");
	if (db_step(st) == DB_ROW) {
		bool same = strcmp(db_text(st, 0), hex) == 0;
		db_reset(st);
		if (!same)
			fatal("key file %s is not the key of this database", key_path);
		return;
	}
	db_reset(st);
	if (app_key_record(db) != DB_OK)
		fatal("cannot write the database");
}

struct db *app_open(const char *path, const char *key_path)
{
	char err[512], def_key[4200];
	/* libsodium's own ChaCha20 generator, seeded once from the kernel: a nonce per
	 * sealed field then costs no system call (it was 2 % of building the demo). */
	randombytes_set_implementation(&randombytes_internal_implementation);
	if (sodium_init() < 0)
		fatal("libsodium cannot start");
	snprintf(db_path, sizeof(db_path), "%s", path);
	if (key_path == NULL)
		key_path = getenv("DOORSTEP_KEY_FILE");
	if (key_path == NULL || key_path[0] == '\0') {
		snprintf(def_key, sizeof(def_key), "%s.key", path);
		key_path = def_key;
	}
	snprintf(key_file, sizeof(key_file), "%s", key_path);
	bool fresh = !db_exists(path);
	struct stat st;
	if (fresh && stat(key_path, &st) != 0)
		app_key_create(key_path);
	key_read(key_path);

	struct db *db = db_open(path, fresh, err, sizeof(err));
	if (db == NULL)
		fatal("%s", err);
	if (!migrate_all(db))
		fatal("database %s could not be migrated", path);
	key_check(db, key_path);
	struct db_stmt *s = db_stmt(db, "SELECT count(*) FROM areas", NULL);
	int64_t areas = s && db_step(s) == DB_ROW ? db_int(s, 0) : -1;
	if (s)
		db_reset(s);
	if (areas == 0 &&
	    areas_load_json(db, (const char *)default_areas_json, default_areas_json_len, err, sizeof(err)) < 0)
		fatal("default district: %s", err);
	return db;
}

struct db *app_connect(void)
{
	char err[512];
	struct db *db = db_open(db_path, false, err, sizeof(err));
	if (db == NULL)
		fatal("%s", err);
	return db;
}

/* The schema_migrations table itself is the first thing every database gets. */
static const char *const bootstrap =
    "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT NULL,"
    " applied_at INTEGER NOT NULL, PRIMARY KEY (module, version))";

bool migrate_all(struct db *db)
{
	if (db_exec(db, bootstrap) != DB_OK)
		return false;
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct migration *mg = (*m)->migrations; mg != NULL && mg->version != 0; mg++) {
			struct db_stmt *st =
			    db_stmt(db, "SELECT 1 FROM schema_migrations WHERE module = ? AND version = ?", "ti",
			        (*m)->name, (int64_t)mg->version);
			if (st == NULL)
				return false;
			int rc = db_step(st);
			db_reset(st);
			if (rc == DB_ROW)
				continue;
			if (db_begin(db) != DB_OK)
				return false;
			if (db_exec(db, mg->sql) != DB_OK ||
			    db_run(db, "INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)",
			        "tii", (*m)->name, (int64_t)mg->version, clock_now()) != DB_DONE ||
			    db_commit(db) != DB_OK) {
				db_rollback(db);
				log_warnx("migration %s %d failed", (*m)->name, mg->version);
				return false;
			}
			log_info("applied migration %s %d", (*m)->name, mg->version);
		}
	}
	return true;
}
