/* doorstep demo: a populated demo district with an account for every role. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../orders/orders.h"
#include "../orders/partners.h"
#include "../registry/demo.h"
#include "../visits/visits.h"
#include "cli.h"
#include "../core/banned.h"

/* Role, username and area: district-wide administrators; the field roles in
 * 工人村街道 and its 青和居社区. */
static const struct {
	const char *role, *username, *area;
} accounts[] = {
    {"sysadmin", "sysadmin", "420107"},
    {"secadmin", "secadmin", "420107"},
    {"auditor", "auditor", "420107"},
    {"district_admin", "district", "420107"},
    {"street_admin", "street", "420107005"},
    {"community_staff", "community", "420107005008"},
    {"grid_worker", "grid", "420107005008001"},
    {"doorknocker", "doorknocker", "420107005008001"},
    {"cadre", "cadre", "420107005008"},
    {"partner_liaison", "partner", "420107005"},
    {"mediator", "mediator", "420107005"},
    {"lawyer", "lawyer", "420107005"},
    {"teacher", "teacher", "420107005008"},
    {"canteen_staff", "canteen", "420107005008"},
    {"courier", "courier", "420107005008"},
    {"resident", "resident", "420107005008"},
};

/* A random password that meets the policy: letters and digits with fixed classes. */
static void new_password(char out[24])
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	snprintf(out, 24, "Ds-");
	for (int i = 3; i < 19; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[19] = '7';
	out[20] = '\0';
}

/* Partner units, cadres and teams, then months of work orders that use them. */
static int demo_orders(struct db *db, int64_t orders, uint64_t seed)
{
	int64_t now = clock_now();
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = partners_demo(db, now);
	if (rc == DB_OK)
		rc = orders_demo(db, orders, now, seed, true);
	if (rc != DB_OK || db_commit(db) != DB_OK) {
		db_rollback(db);
		fprintf(stderr, "doorstep: the demo's work orders could not be made\n");
		return 1;
	}
	printf("Made %lld work orders over the last half year.\n", (long long)orders);
	return 0;
}

static int create_accounts(struct db *db)
{
	printf("Accounts (role, username, password — shown only now):\n");
	for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
		char pw[24], hash[crypto_pwhash_STRBYTES];
		new_password(pw);
		if (!password_hash(pw, hash, sizeof(hash)))
			return 1;
		int64_t now = clock_now();
		if (db_begin(db) != DB_OK)
			return 1;
		int rc = db_run(db,
		    "INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at)"
		    " VALUES (?, ?, ?, ?, ?)",
		    "tttii", accounts[i].username, accounts[i].username, hash, now, now);
		int64_t id = db_last_id(db);
		if (rc == DB_DONE)
			rc = db_run(db,
			    "INSERT INTO role_assignments (user_id, role, area_code, created_at) VALUES (?, ?, ?, ?)",
			    "itti", id, accounts[i].role, accounts[i].area, now);
		if (rc == DB_DONE)
			rc = audit_append(db, 0, "cli", "local", "user.create", accounts[i].username, AUDIT_SUCCESS,
			         accounts[i].role) == DB_OK
			         ? DB_DONE
			         : DB_ERROR;
		if (rc != DB_DONE || db_commit(db) != DB_OK) {
			db_rollback(db);
			fprintf(stderr, "doorstep: account %s could not be created\n", accounts[i].username);
			return 1;
		}
		printf("  %-16s %-12s %s\n", accounts[i].role, accounts[i].username, pw);
	}
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"residents", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 's'},
	    {"orders", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL;
	int64_t residents = 20000, seed = 1, orders = -1;
	int c;
	if (help_wanted("demo", argc, argv))
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
		case 'r':
			if (!parse_i64z(optarg, 1, 10000000, &residents))
				return usage("demo");
			break;
		case 's':
			if (!parse_i64z(optarg, 0, INT64_MAX, &seed))
				return usage("demo");
			break;
		case 'o':
			if (!parse_i64z(optarg, 0, 10000000, &orders))
				return usage("demo");
			break;
		default:
			return usage("demo");
		}
	}
	if (optind != argc || db_path == NULL)
		return usage("demo");
	if (db_exists(db_path)) {
		fprintf(stderr, "doorstep: %s exists; the demo builds a new database\n", db_path);
		return 1;
	}
	password_init();
	struct db *db = app_open(db_path, key);
	int64_t t0 = clock_mono_ns(), made = 0;
	/* A demo is rebuilt, not recovered: bulk mode while it is built. */
	int rc = db_bulk(db, DB_BULK_REBUILT) == DB_OK ? 0 : 1;
	if (rc == 0 && demo_registry(db, residents, (uint64_t)seed, &made) != DB_OK) {
		fprintf(stderr, "doorstep: the demo district could not be built\n");
		rc = 1;
	}
	if (db_bulk(db, DB_BULK_OFF) != DB_OK)
		rc = 1;
	double seconds = (double)(clock_mono_ns() - t0) / 1e9;
	if (rc == 0)
		rc = create_accounts(db); /* after the district: some roles sit on its grids */
	if (orders < 0)
		orders = residents / 5; /* half a year of demands: about one for every five residents */
	if (rc == 0)
		rc = demo_orders(db, orders, (uint64_t)seed);
	if (rc == 0) /* knock teams, three months of visits, today's plan */
		rc = visits_demo(db, (uint64_t)seed, 3) == DB_OK ? 0 : 1;
	if (rc == 0) {
		audit_append(db, 0, "cli", "local", "demo.build", db_path, AUDIT_SUCCESS, NULL);
		printf(
		    "Built a demo district of %lld residents in %.1f s (seed %lld). Key file: back it up separately.\n",
		    (long long)made, seconds, (long long)seed);
	}
	db_close(db);
	return rc;
}
