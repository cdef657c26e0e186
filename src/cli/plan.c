/* doorstep plan visits: the day's door-knocking plan for every team (or those
 * of one area), stored as the web app's POST /api/v1/visit-plans stores it, and
 * written as JSON; the time the planning took is printed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../core/arena.h"
#include "../core/clock.h"
#include "../core/json_write.h"
#include "../core/parse.h"
#include "../visits/visits.h"
#include "cli.h"
#include "../core/banned.h"

static double ms(int64_t ns) { return (double)ns / 1e6; }

/* Write the plan to path ("-": standard output); false if it cannot be written. */
static bool write_plan(const char *path, json_t *plan)
{
	size_t n;
	char *text = json_write(plan, &n);
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
	bool ok = f != NULL && fwrite(text, 1, n, f) == n && fputc('\n', f) != EOF;
	if (f != NULL && f != stdout)
		ok = fclose(f) == 0 && ok;
	free(text);
	return ok;
}

int cmd_plan_visits(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"date", required_argument, NULL, 't'},
	    {"area", required_argument, NULL, 'a'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL, *date = NULL, *area = NULL, *out = "-";
	int c;
	if (help_wanted("plan visits", argc, argv))
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
		case 't':
			date = optarg;
			break;
		case 'a':
			area = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage("plan visits");
		}
	}
	int64_t day;
	if (optind != argc || db_path == NULL || !day_parse(date, &day) || (area != NULL && !area_code_valid(area)))
		return usage("plan visits");
	int64_t t0 = clock_mono_ns();
	struct db *db = app_open(db_path, key);
	const char *codes[1] = {area};
	struct plan_stats s;
	int64_t t1 = clock_mono_ns();
	int rc = plan_day(db, day, area ? codes : NULL, area ? 1 : 0, 0, &s);
	int64_t planned = clock_mono_ns() - t1;
	if (rc != DB_OK) {
		fprintf(stderr, "doorstep: the plan could not be made or stored\n");
		db_close(db);
		return 1;
	}
	struct arena *a = arena_new();
	struct plan_view v = {.codes = area ? codes : NULL, .n = area ? 1 : 0};
	json_t *plan = plan_json(db, a, day, &v);
	bool written = write_plan(out, plan);
	json_decref(plan);
	arena_free(a);
	char summary[256];
	snprintf(summary, sizeof(summary),
	    "%s: %lld teams, %lld members, %lld households, %lld due, %lld planned (%lld done already), %lld left over",
	    date, (long long)s.teams, (long long)s.members, (long long)s.households, (long long)s.due,
	    (long long)s.planned, (long long)s.kept, (long long)s.unplanned);
	audit_append(db, 0, "cli", "local", "visit_plan.make", area ? area : "all", AUDIT_SUCCESS, summary);
	db_close(db);
	FILE *say = strcmp(out, "-") == 0 ? stderr : stdout;
	fprintf(say, "Planned %s.\n", summary);
	fprintf(say, "Planning took %.1f ms (reading %.1f, choosing %.1f, storing %.1f); %.1f ms in all.\n",
	    ms(planned), ms(s.load_ns), ms(s.compute_ns), ms(s.store_ns), ms(clock_mono_ns() - t0));
	if (!written) {
		fprintf(stderr, "doorstep: cannot write %s\n", out);
		return 1;
	}
	return 0;
}
