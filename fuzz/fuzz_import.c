/* The residents' CSV import (import_residents): encoding detection (UTF-8 with
 * or without BOM, GB18030), the CSV reader, header aliases and every row check,
 * into an in-memory copy of a fresh database that is put back after each input
 * that wrote to it. Findings: crashes, leaks, and counts that disagree with the
 * table (a rejected row written, an unreadable file that wrote something). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/app.h"
#include "../src/core/log.h"
#include "../src/platform/area_tree.h"
#include "../src/registry/import.h"
#include "../src/store/db.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "fuzz_import: " __VA_ARGS__); \
			fprintf(stderr, "\n");                        \
			abort();                                      \
		}                                                     \
	} while (0)

static char dir[4096], template[4200];
static struct db *mem;

static void remove_files(void)
{
	char p[4300];
	const char *names[] = {"t.db", "t.db.key", "t.db-wal", "t.db-shm", "copy.db", NULL};
	for (const char **n = names; *n != NULL; n++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *n);
		unlink(p);
	}
	rmdir(dir);
}

/* A fresh in-memory copy of the template database. */
static void fresh(void)
{
	if (db_restore(mem, template) != DB_OK) {
		fprintf(stderr, "fuzz_import: cannot copy the template database\n");
		exit(1);
	}
	areas_changed();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/doorstep-fuzz-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_files);
	log_set_level(LOG_ERROR);
	char path[4200], err[256];
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(template, sizeof(template), "%s/copy.db", dir);
	/* Migrations, the key and the default district, as the server has them. */
	struct db *db = app_open(path, NULL);
	if (db_backup(db, template) != DB_OK) {
		fprintf(stderr, "fuzz_import: cannot back up the template database\n");
		exit(1);
	}
	db_close(db);
	if ((mem = db_open(":memory:", true, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_import: %s\n", err);
		exit(1);
	}
	fresh();
	return 0;
}

static int64_t count(const char *table)
{
	char sql[100];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	struct db_stmt *st = db_stmt(mem, sql, NULL);
	CHECK(st != NULL && db_step(st) == DB_ROW, "cannot count %s", table);
	int64_t n = db_int(st, 0);
	db_reset(st);
	return n;
}

/* Only communities whose code ends in an even digit, when the input asks for a scope. */
static bool even_only(void *ctx, const char *code)
{
	(void)ctx;
	size_t n = strlen(code);
	return n > 0 && (code[n - 1] - '0') % 2 == 0;
}

struct seen {
	int64_t done, total;
	bool called;
};

static void progress(void *ctx, int64_t done, int64_t total)
{
	struct seen *s = ctx;
	CHECK(done >= 0 && done <= total, "progress %lld of %lld", (long long)done, (long long)total);
	CHECK(!s->called || total == s->total, "the total changed from %lld to %lld", (long long)s->total,
	    (long long)total);
	s->done = done;
	s->total = total;
	s->called = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The last byte picks the options, so one file always takes the same path. */
	unsigned opt = size > 0 ? data[size - 1] : 0;
	char *report = NULL;
	size_t report_len = 0;
	FILE *rf = open_memstream(&report, &report_len);
	struct seen seen = {0};
	struct import_options o = {
	    .all_or_nothing = opt & 1,
	    .report = rf,
	    .mask_numbers = opt & 2,
	    .in_scope = (opt & 4) ? even_only : NULL,
	    .progress = progress,
	    .ctx = &seen,
	};
	int64_t before = count("residents");
	struct import_result res;
	char *text = malloc(size + 1); /* the import cuts its text up in place */
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	enum import_status st = import_residents(mem, text, size, &o, &res);
	free(text);
	fclose(rf);
	int64_t after = count("residents");

	CHECK(st == IMPORT_OK || st == IMPORT_REJECTS || st == IMPORT_UNREADABLE, "status %d", st);
	CHECK(!db_in_tx(mem), "a transaction was left open");
	CHECK(res.rows >= 0 && res.created >= 0 && res.updated >= 0 && res.rejected >= 0, "negative counts");
	if (st == IMPORT_UNREADABLE) {
		CHECK(after == before, "an unreadable file (%s) wrote %lld residents", res.error,
		    (long long)(after - before));
	} else {
		CHECK(res.created + res.updated + res.rejected <= res.rows, "%lld + %lld + %lld counted of %lld rows",
		    (long long)res.created, (long long)res.updated, (long long)res.rejected, (long long)res.rows);
		CHECK((st == IMPORT_REJECTS) == (res.rejected > 0), "status %d with %lld rejected", st,
		    (long long)res.rejected);
		CHECK(after - before == res.created, "%lld new residents in the table, %lld counted",
		    (long long)(after - before), (long long)res.created);
		if (o.all_or_nothing && res.rejected > 0)
			CHECK(after == before, "all or nothing, yet rows were written");
		CHECK(report_len >= 25 && memcmp(report, "row,column,value,reason\r\n", 25) == 0,
		    "the report has no header");
		CHECK(!seen.called || seen.done == seen.total, "progress ended at %lld of %lld", (long long)seen.done,
		    (long long)seen.total);
	}
	free(report);
	if (res.created > 0 || res.updated > 0)
		fresh();
	return 0;
}
