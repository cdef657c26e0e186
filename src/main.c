/* doorstep: one binary, subcommands as in git. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/banned.h"

const struct command commands[] = {
    {"serve", cmd_serve,
        "serve --db PATH --listen HOST:PORT [--web DIR] [--threads N] [--trust-proxy] [--key PATH]"
        " [--log-level debug|info|warn] [--set NAME=VALUE]...",
        "Serve the API and the web app. With port 0 the first line on stdout names the port chosen.\n"
        "SIGTERM or SIGINT: stop accepting, finish requests in flight, checkpoint, exit 0."},
    {"user add", cmd_user_add,
        "user add --db PATH --username NAME --role ROLE [--area CODE] [--display-name NAME] --password-stdin",
        "Create a user with a role over an area (default: the district), or give an existing user another role.\n"
        "The password is read from standard input. This is how the first administrator is made."},
    {"audit verify", cmd_audit_verify, "audit verify --db PATH [--key PATH]",
        "Check the audit chain. Exit 0 intact, 1 tampered (naming the first bad entry), 2 unreadable."},
    {"backup", cmd_backup, "backup --db PATH --out PATH [--key PATH]",
        "Write a consistent copy of the database, also while the server runs. Back the key file up separately."},
    {"restore", cmd_restore, "restore --from PATH --db PATH [--key PATH]",
        "Replace the database with a backup after checking it (stop the server first)."},
    {"migrate", cmd_migrate, "migrate --db PATH [--key PATH]",
        "Create the database if needed and apply pending migrations (a new database gets the default district)."},
    {"areas load", cmd_areas_load, "areas load --db PATH FILE [--key PATH]",
        "Load or update areas from a file in the format of data/areas/420107.json."},
    {"import residents", cmd_import_residents,
        "import residents --db PATH FILE.csv [--all-or-nothing] [--report OUT.csv] [--key PATH]",
        "Import residents from CSV (UTF-8 or GB18030; headers in Chinese or English, any order; 姓名 and 社区\n"
        "required). Exit 0: every row imported; 1: some rows rejected (the rest imported unless\n"
        "--all-or-nothing); 2: the file cannot be read. The report lists row,column,value,reason with the\n"
        "row numbers a spreadsheet shows. Importing again updates the same people."},
    {"demo", cmd_demo, "demo --db PATH [--residents N] [--orders N] [--seed S] [--key PATH]",
        "Build a new database holding a realistic demo district of Qingshan (default 20000 residents) and an\n"
        "account for every role; the passwords are printed once. Partner units, cadres, work teams and half a\n"
        "year of work orders (default one for every five residents) come with it. The same seed gives the\n"
        "same district."},
    {"apikey add", cmd_apikey_add, "apikey add --db PATH --name NAME [--scope PERMISSION]... [--key PATH]",
        "Create an API token for an integration; prints the token alone on one line, once."},
    {"apikey revoke", cmd_apikey_revoke, "apikey revoke --db PATH --id N [--key PATH]", "Revoke an API token."},
    {"key new", cmd_key_new, "key new --out PATH",
        "Make a new key file (mode 0600; never over an existing file), for key rotate. Back it up first."},
    {"key rotate", cmd_key_rotate, "key rotate --db PATH --new-key PATH [--key PATH]",
        "Re-key the database to the key in --new-key (made with key new), in one transaction: the sealed ID and\n"
        "phone numbers, their blind indexes and the audit chain (verified under the old key first). Stop the\n"
        "server first. Then replace the old key file with the new one, as printed. Exit 0: rotated; 1: refused or\n"
        "failed; 2: the database or the new key file cannot be read. Nothing changes unless it exits 0."},
    {"plan visits", cmd_plan_visits,
        "plan visits --db PATH --date YYYY-MM-DD [--area CODE] [--out FILE.json] [--key PATH]",
        "Plan a day's door-knocking for every team (or those within --area) and store it, as the web app does:\n"
        "for each member, the households due or overdue that day, the most urgent first, up to their daily\n"
        "capacity, shared evenly and in walking order. Doors already visited that day stay in the plan. Writes\n"
        "{\"date\", \"assignments\": [{\"user\", \"team\", \"households\": [...]}]} to --out (default: standard\n"
        "output) and prints how long the planning took."},
    {NULL, NULL, NULL, NULL},
};

static void overview(FILE *out)
{
	fprintf(out, "Doorstep (家门口): community grassroots governance.\n\nUsage:\n");
	for (const struct command *c = commands; c->name != NULL; c++)
		fprintf(out, "  doorstep %s\n", c->usage);
	fprintf(out, "\nRun 'doorstep COMMAND --help' for more on one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		overview(stdout);
		return 0;
	}
	for (const struct command *c = commands; c->name != NULL; c++) {
		const char *space = strchr(c->name, ' ');
		size_t first = space ? (size_t)(space - c->name) : strlen(c->name);
		if (strlen(argv[1]) != first || strncmp(argv[1], c->name, first) != 0)
			continue;
		if (space == NULL)
			return c->run(argc - 1, argv + 1);
		if (argc >= 3 && strcmp(argv[2], space + 1) == 0)
			return c->run(argc - 2, argv + 2);
	}
	fprintf(stderr, "doorstep: unknown command '%s'\n\n", argv[1]);
	overview(stderr);
	return EXIT_USAGE;
}
