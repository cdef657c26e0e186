/* doorstep import residents */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../registry/import.h"
#include "cli.h"
#include "../core/banned.h"

int cmd_import_residents(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"all-or-nothing", no_argument, NULL, 'a'},
	    {"report", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL, *report_path = NULL;
	bool all = false;
	int c;
	if (help_wanted("import residents", argc, argv))
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
		case 'a':
			all = true;
			break;
		case 'r':
			report_path = optarg;
			break;
		default:
			return usage("import residents");
		}
	}
	if (optind != argc - 1 || db_path == NULL)
		return usage("import residents");
	const char *file = argv[optind];
	size_t len;
	char *data = read_file(file, &len);
	if (data == NULL) {
		fprintf(stderr, "doorstep: cannot read %s\n", file);
		return IMPORT_UNREADABLE;
	}
	FILE *report = NULL;
	if (report_path != NULL && (report = fopen(report_path, "w")) == NULL) {
		fprintf(stderr, "doorstep: cannot write %s\n", report_path);
		file_free(data, len);
		return EXIT_USAGE;
	}
	struct db *db = app_open(db_path, key);
	struct import_result res;
	struct import_options o = {.all_or_nothing = all, .report = report, .alone = true};
	enum import_status status = import_residents(db, data, len, &o, &res);
	file_free(data, len);
	if (report != NULL)
		fclose(report);
	if (status == IMPORT_UNREADABLE) {
		fprintf(stderr, "doorstep: %s: %s\n", file, res.error);
	} else {
		char counts[160];
		snprintf(counts, sizeof(counts), "%lld rows: %lld new, %lld updated, %lld rejected",
		    (long long)res.rows, (long long)res.created, (long long)res.updated, (long long)res.rejected);
		audit_append(db, 0, "cli", "local", "residents.import", file, AUDIT_SUCCESS, counts);
		printf("%s%s\n", counts, all && res.rejected ? " (nothing imported: --all-or-nothing)" : "");
	}
	db_close(db);
	return status;
}
