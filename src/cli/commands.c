/* The subcommands other than serve. */
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/bulk.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "cli.h"
#include "../core/banned.h"

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	BUG("unknown command");
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* A regular file is read into one buffer of its size (a 60 MB import grown by
	 * doubling would be copied over and over); anything else grows as it comes. */
	struct stat st;
	size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
	char *data = bulk_alloc(cap);
	ssize_t got = 0;
	while ((got = read(fd, data + n, cap - n)) > 0)
		if ((n += (size_t)got) == cap) {
			data = bulk_realloc(data, cap, cap * 2);
			cap *= 2;
		}
	close(fd);
	if (got < 0) {
		bulk_free(data, cap);
		return NULL;
	}
	data = bulk_realloc(data, cap, n + 1); /* as file_free expects */
	data[n] = '\0'; /* n < cap: a full buffer has grown */
	*len = n;
	return data;
}

void file_free(char *data, size_t len) { bulk_free(data, len + 1); }

int usage(const char *name)
{
	fprintf(stderr, "usage: doorstep %s\n", find(name)->usage);
	return EXIT_USAGE;
}

int help_wanted(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			const struct command *c = find(name);
			printf("usage: doorstep %s\n\n%s\n", c->usage, c->help);
			return 1;
		}
	}
	return 0;
}

/* Options shared by the commands that only need a database. */
struct db_opts {
	const char *db, *key, *out, *from, *name, *id;
	const char *scopes[32];
	int nscopes;
};

static int parse_db_opts(const char *cmd, int argc, char **argv, struct db_opts *o, int *rest)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'o'},
	    {"from", required_argument, NULL, 'f'},
	    {"name", required_argument, NULL, 'n'},
	    {"scope", required_argument, NULL, 's'},
	    {"id", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'i':
			o->id = optarg;
			break;
		case 's':
			if (o->nscopes == 32)
				return usage(cmd);
			o->scopes[o->nscopes++] = optarg;
			break;
		default:
			return usage(cmd);
		}
	}
	if (o->db == NULL) {
		fprintf(stderr, "doorstep %s: --db is required\n", cmd);
		return usage(cmd);
	}
	*rest = optind;
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("migrate", argc, argv))
		return 0;
	if ((rc = parse_db_opts("migrate", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc)
		return usage("migrate");
	db_close(app_open(o.db, o.key));
	return 0;
}

int cmd_areas_load(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("areas load", argc, argv))
		return 0;
	if ((rc = parse_db_opts("areas load", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc - 1)
		return usage("areas load");
	size_t len;
	char *text = read_file(argv[rest], &len);
	if (text == NULL) {
		fprintf(stderr, "doorstep: cannot read %s\n", argv[rest]);
		return 1;
	}
	struct db *db = app_open(o.db, o.key);
	char err[256];
	int count = areas_load_json(db, text, len, err, sizeof(err));
	file_free(text, len);
	if (count >= 0)
		audit_append(db, 0, "cli", "local", "areas.load", argv[rest], AUDIT_SUCCESS, NULL);
	db_close(db);
	if (count < 0) {
		fprintf(stderr, "doorstep: %s: %s\n", argv[rest], err);
		return 1;
	}
	printf("loaded %d areas\n", count);
	return 0;
}

/* Whether path is a database file this build can read (without creating or migrating it). */
static bool readable_db(const char *path)
{
	char err[256];
	if (!db_exists(path))
		return false;
	struct db *db = db_open(path, false, err, sizeof(err));
	if (db == NULL)
		return false;
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM schema_migrations", NULL);
	bool ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	db_close(db);
	return ok;
}

int cmd_audit_verify(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("audit verify", argc, argv))
		return 0;
	if ((rc = parse_db_opts("audit verify", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc)
		return usage("audit verify");
	if (!readable_db(o.db)) {
		fprintf(stderr, "doorstep: %s is not a readable Doorstep database\n", o.db);
		return 2;
	}
	struct db *db = app_open(o.db, o.key);
	int64_t bad = 0;
	int result = audit_verify(db, &bad);
	db_close(db);
	if (result == 0)
		printf("audit log intact\n");
	else if (result == 1)
		printf("audit log tampered: entry %lld and after cannot be trusted\n", (long long)bad);
	else
		fprintf(stderr, "doorstep: the audit log cannot be read\n");
	return result;
}

int cmd_backup(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("backup", argc, argv))
		return 0;
	if ((rc = parse_db_opts("backup", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc || o.out == NULL)
		return usage("backup");
	if (!db_exists(o.db)) {
		fprintf(stderr, "doorstep: %s does not exist\n", o.db);
		return 1;
	}
	if (db_exists(o.out)) {
		fprintf(stderr, "doorstep: %s exists already; choose a new file\n", o.out);
		return 1;
	}
	struct db *db = app_open(o.db, o.key);
	rc = db_backup(db, o.out);
	if (rc == DB_OK)
		audit_append(db, 0, "cli", "local", "backup", o.out, AUDIT_SUCCESS, NULL);
	db_close(db);
	if (rc != DB_OK) {
		fprintf(stderr, "doorstep: the backup to %s failed\n", o.out);
		unlink(o.out);
		return 1;
	}
	printf("backed up to %s (the key file is not in it: keep its own backup)\n", o.out);
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("restore", argc, argv))
		return 0;
	if ((rc = parse_db_opts("restore", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc || o.from == NULL)
		return usage("restore");
	/* Check the backup first: it must be a sound Doorstep database. */
	char err[256];
	struct db *src = readable_db(o.from) ? db_open(o.from, false, err, sizeof(err)) : NULL;
	if (src == NULL || !db_integrity(src)) {
		fprintf(stderr, "doorstep: %s is not a sound database backup\n", o.from);
		db_close(src);
		return 1;
	}
	db_close(src);
	/* Copy page by page into the target; no key is made or needed for that. */
	struct db *db = db_open(o.db, true, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "doorstep: %s\n", err);
		return 1;
	}
	rc = db_restore(db, o.from);
	db_close(db);
	if (rc != DB_OK) {
		fprintf(stderr, "doorstep: restore failed\n");
		return 1;
	}
	/* With its key at hand, open it as the server will: migrations, the key
	 * check and the audit chain. A backup carries no key: without one, say so. */
	char default_key[4200];
	const char *key = o.key ? o.key : getenv("DOORSTEP_KEY_FILE");
	if (key == NULL || key[0] == '\0') {
		snprintf(default_key, sizeof(default_key), "%s.key", o.db);
		key = default_key;
	}
	if (!db_exists(key)) {
		printf(
		    "restored %s from %s; serve it with --key naming the original database's key file\n", o.db, o.from);
		return 0;
	}
	db = app_open(o.db, key);
	int64_t bad = 0;
	int chain = audit_verify(db, &bad);
	if (chain == 0)
		audit_append(db, 0, "cli", "local", "restore", o.from, AUDIT_SUCCESS, NULL);
	db_close(db);
	if (chain != 0) {
		fprintf(
		    stderr, "doorstep: restored, but the audit chain does not verify (entry %lld)\n", (long long)bad);
		return 1;
	}
	printf("restored %s from %s\n", o.db, o.from);
	return 0;
}

int cmd_apikey_add(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	if (help_wanted("apikey add", argc, argv))
		return 0;
	if ((rc = parse_db_opts("apikey add", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc || o.name == NULL)
		return usage("apikey add");
	char scopes[1024] = "";
	size_t len = 0;
	for (int i = 0; i < o.nscopes; i++) {
		if (!perm_known(o.scopes[i])) {
			fprintf(stderr, "doorstep: unknown scope '%s' (scopes are permission names)\n", o.scopes[i]);
			return EXIT_USAGE;
		}
		len += (size_t)snprintf(scopes + len, sizeof(scopes) - len, "%s%s", i ? " " : "", o.scopes[i]);
		if (len >= sizeof(scopes))
			return usage("apikey add");
	}
	struct db *db = app_open(o.db, o.key);
	char token[65];
	int64_t id;
	rc = apitoken_create(db, o.name, scopes, token, &id);
	if (rc == DB_OK) {
		char obj[32];
		snprintf(obj, sizeof(obj), "token:%lld", (long long)id);
		audit_append(db, 0, "cli", "local", "apitoken.create", obj, AUDIT_SUCCESS, scopes);
	}
	db_close(db);
	if (rc != DB_OK) {
		fprintf(stderr, "doorstep: the token could not be stored\n");
		return 1;
	}
	printf("%s\n", token);
	return 0;
}

int cmd_apikey_revoke(int argc, char **argv)
{
	struct db_opts o;
	int rest, rc;
	int64_t id;
	if (help_wanted("apikey revoke", argc, argv))
		return 0;
	if ((rc = parse_db_opts("apikey revoke", argc, argv, &o, &rest)) != 0)
		return rc;
	if (rest != argc || !parse_i64z(o.id, 1, INT64_MAX, &id))
		return usage("apikey revoke");
	struct db *db = app_open(o.db, o.key);
	rc = db_run(
	    db, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ii", clock_now(), id);
	bool changed = rc == DB_DONE && db_changes(db) == 1;
	if (changed)
		audit_append(db, 0, "cli", "local", "apitoken.revoke", o.id, AUDIT_SUCCESS, NULL);
	db_close(db);
	if (!changed) {
		fprintf(stderr, "doorstep: no active token %lld\n", (long long)id);
		return 1;
	}
	return 0;
}
