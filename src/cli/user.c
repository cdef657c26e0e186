/* doorstep user add: the only way to make the first administrator. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "cli.h"
#include "../core/banned.h"

/* Read the password from stdin: one line, newline stripped. */
static bool read_password(char *out, size_t n)
{
	if (fgets(out, (int)n, stdin) == NULL)
		return false;
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

int cmd_user_add(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"username", required_argument, NULL, 'u'},
	    {"role", required_argument, NULL, 'r'},
	    {"area", required_argument, NULL, 'a'},
	    {"display-name", required_argument, NULL, 'n'},
	    {"password-stdin", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL, *username = NULL, *role = NULL, *area = "420107", *display = NULL;
	bool pw_stdin = false;
	int c;
	if (help_wanted("user add", argc, argv))
		return 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'u':
			username = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'a':
			area = optarg;
			break;
		case 'n':
			display = optarg;
			break;
		case 'p':
			pw_stdin = true;
			break;
		default:
			return usage("user add");
		}
	}
	if (optind != argc || db_path == NULL || username == NULL || role == NULL || !pw_stdin)
		return usage("user add");
	if (role_find(role) == NULL) {
		fprintf(stderr, "doorstep: unknown role '%s'\n", role);
		return EXIT_USAGE;
	}
	size_t ulen = strlen(username);
	if (ulen < 2 || ulen > 64) {
		fprintf(stderr, "doorstep: a username has 2 to 64 characters\n");
		return EXIT_USAGE;
	}
	char password[256];
	if (!read_password(password, sizeof(password))) {
		fprintf(stderr, "doorstep: no password on standard input\n");
		return EXIT_USAGE;
	}
	password_init();
	struct db *db = app_open(db_path, key);
	int rc = 1;
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM areas WHERE code = ?", "t", area);
	bool area_ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	if (!area_ok) {
		fprintf(stderr, "doorstep: unknown area '%s'\n", area);
		rc = EXIT_USAGE;
		goto out;
	}
	st = db_stmt(db, "SELECT id FROM users WHERE username = ?", "t", username);
	int64_t id = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	char hash[crypto_pwhash_STRBYTES];
	if (id == 0) {
		const char *why = password_policy(password, username);
		if (why != NULL) {
			fprintf(stderr, "doorstep: the password %s\n", why);
			rc = 1;
			goto out;
		}
		if (!password_hash(password, hash, sizeof(hash)))
			fatal("out of memory");
	}
	if (db_begin(db) != DB_OK)
		goto out;
	int64_t now = clock_now();
	if (id == 0) {
		if (db_run(db,
		        "INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at)"
		        " VALUES (?, ?, ?, ?, ?)",
		        "tttii", username, display ? display : username, hash, now, now) != DB_DONE)
			goto out;
		id = db_last_id(db);
		char obj[32];
		snprintf(obj, sizeof(obj), "user:%lld", (long long)id);
		audit_append(db, 0, "cli", "local", "user.create", obj, AUDIT_SUCCESS, username);
	}
	int r = db_run(db,
	    "INSERT INTO role_assignments (user_id, role, area_code, created_at) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING",
	    "itti", id, role, area, now);
	char obj[32], what[128];
	snprintf(obj, sizeof(obj), "user:%lld", (long long)id);
	snprintf(what, sizeof(what), "%s@%s", role, area);
	if (r != DB_DONE || audit_append(db, 0, "cli", "local", "role.grant", obj, AUDIT_SUCCESS, what) != DB_OK ||
	    db_commit(db) != DB_OK)
		goto out;
	printf("user %s (id %lld) has role %s over %s\n", username, (long long)id, role, area);
	rc = 0;
out:
	db_rollback(db);
	sodium_memzero(password, sizeof(password));
	db_close(db);
	return rc;
}
