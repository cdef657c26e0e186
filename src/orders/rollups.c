/* The metrics' rollups. An order whose time limit is set counts, on the
 * Beijing day of that limit, in one row of order_rollups per cell: each kept
 * prefix of its area code (every area, its district, street and community,
 * and its grid, estate or building when it is placed that deep), its category
 * and every category (''), its team and any team (0), its partner unit and
 * any (0). A row holds what the metrics count (due, deferred, closed, closed
 * on time, reworked, evaluated, satisfied) and a histogram of the closed
 * orders' times to close. A metrics request then reads one row per day of
 * each area it covers, however many orders there are, and the histogram tells
 * which bucket holds the median and its rank there (metrics.c reads the exact
 * value from the records).
 *
 * The rows change in the transaction that changes the order: the code that
 * updates an order takes its part out (order_rollup -1) before and puts it
 * back (+1) after. A database upgraded with orders in it is rebuilt once by
 * the periodic task; until then the metrics read the records. */
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "rollups.h"
#include "../core/banned.h"

enum { DUE, DEFERRED, CLOSED, ON_TIME, REWORKED, EVALUATED, SATISFIED, NCOUNTS };

/* The area prefixes kept: every area, then district, street, community, grid, estate, building. */
static const size_t levels[] = {0, 6, 9, 12, 15, 18, 21};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))
#define MAX_CELLS (NLEVELS * 8)

int64_t rollup_day(int64_t t)
{
	int64_t s = t + 8 * 3600;
	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

bool rollup_level(const char *code)
{
	for (size_t i = 0; i < NLEVELS; i++)
		if (strlen(code) == levels[i])
			return true;
	return false;
}

/* Log-linear: 16 buckets per doubling keep the bucket that holds a median
 * narrow (a few thousand of a million orders), and a year of a busy cell's
 * days small (a few hundred pairs a day). */
int rollup_bucket(int64_t v)
{
	if (v < 16)
		return v < 0 ? 0 : (int)v;
	int e = 63 - __builtin_clzll((unsigned long long)v); /* 2^e <= v < 2^(e+1) */
	return 16 * (e - 4) + (int)(v >> (e - 4));
}

int64_t rollup_bucket_low(int b)
{
	if (b == 0)
		return INT64_MIN;
	if (b < 32)
		return b;
	int shift = b / 16 - 1;
	return (int64_t)(b - 16 * shift) << shift;
}

/* --- histograms: (bucket, count) pairs of little-endian 32-bit integers, in bucket order, no zero counts --- */

struct pair {
	int32_t bucket, n;
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static bool hist_decode(const void *blob, size_t len, struct pair *h, int *n)
{
	const unsigned char *p = blob;
	if (len % 8 != 0 || len / 8 > ROLLUP_BUCKETS)
		return false;
	*n = (int)(len / 8);
	for (int i = 0; i < *n; i++) {
		h[i] = (struct pair){(int32_t)get32(p + 8 * i), (int32_t)get32(p + 8 * i + 4)};
		if (h[i].bucket < 0 || h[i].bucket >= ROLLUP_BUCKETS)
			return false;
	}
	return true;
}

static size_t hist_encode(const struct pair *h, int n, unsigned char *out)
{
	for (int i = 0; i < n; i++) {
		put32(out + 8 * i, (uint32_t)h[i].bucket);
		put32(out + 8 * i + 4, (uint32_t)h[i].n);
	}
	return (size_t)n * 8;
}

/* Add sign to bucket b, keeping the pairs in order and without zeros. */
static void hist_add(struct pair *h, int *n, int b, int sign)
{
	int i = 0;
	while (i < *n && h[i].bucket < b)
		i++;
	if (i < *n && h[i].bucket == b) {
		h[i].n += sign;
		if (h[i].n == 0)
			memmove(h + i, h + i + 1, sizeof(*h) * (size_t)(--*n - i));
		return;
	}
	memmove(h + i + 1, h + i, sizeof(*h) * (size_t)(*n - i));
	h[i] = (struct pair){b, sign};
	++*n;
}

bool rollup_hist_add(const void *blob, size_t len, int64_t *counts)
{
	struct pair h[ROLLUP_BUCKETS];
	int n;
	if (!hist_decode(blob, len, h, &n))
		return false;
	for (int i = 0; i < n; i++)
		counts[h[i].bucket] += h[i].n;
	return true;
}

/* --- an order's part, and the cells it counts in --- */

struct part {
	int64_t day, team, partner;
	int bucket; /* of the time to close; -1 while not closed */
	int64_t n[NCOUNTS]; /* each 0 or 1 */
	size_t area_len;
	char area[32], category[48]; /* codes are at most 21 digits, categories 40 characters */
};

#define PART_COLUMNS                                                                                        \
	"due_at, area_code, category, coalesce(assignee_team, 0), coalesce(assignee_partner, 0), deferred," \
	" closed_at, rework, satisfaction, created_at"

/* The part of a row of PART_COLUMNS whose due_at is set; the same rules as the records in metrics.c. */
static void part_read(struct db_stmt *st, struct part *p)
{
	int64_t due = db_int(st, 0), closed_at = db_int(st, 6);
	bool closed = !db_null(st, 6), evaluated = !db_null(st, 8);
	*p = (struct part){.day = rollup_day(due),
	    .team = db_int(st, 3),
	    .partner = db_int(st, 4),
	    .bucket = closed ? rollup_bucket(closed_at - db_int(st, 9)) : -1,
	    .area_len = strlen(db_text(st, 1))};
	p->n[DUE] = 1;
	p->n[DEFERRED] = db_int(st, 5) != 0;
	p->n[CLOSED] = closed;
	p->n[ON_TIME] = closed && closed_at <= due;
	p->n[REWORKED] = db_int(st, 7) > 0;
	p->n[EVALUATED] = evaluated;
	p->n[SATISFIED] = evaluated && strcmp(db_text(st, 8), "dissatisfied") != 0;
	snprintf(p->area, sizeof(p->area), "%s", db_text(st, 1));
	snprintf(p->category, sizeof(p->category), "%s", db_text(st, 2));
}

/* A cell: a prefix of the part's area code, a category ("" for every one), a team and a partner unit (0 for any). */
struct cell {
	size_t area_len;
	const char *category;
	int64_t team, partner;
};

/* The cells a part counts in; returns how many (at most MAX_CELLS). */
static int cells(const struct part *p, struct cell *out)
{
	int n = 0;
	for (size_t l = 0; l < NLEVELS && levels[l] <= p->area_len; l++) {
		/* k's bits: its own category, team, partner unit when set, every or any when clear. */
		for (int k = 0; k < 8; k++) {
			if (((k & 2) && p->team == 0) || ((k & 4) && p->partner == 0))
				continue;
			out[n++] = (struct cell){
			    levels[l], k & 1 ? p->category : "", k & 2 ? p->team : 0, k & 4 ? p->partner : 0};
		}
	}
	return n;
}

/* Write the row of cell c on the part's day: counts n and histogram h; a row left empty is removed. */
static int row_put(struct db *db, const struct part *p, const struct cell *c, const int64_t *n, const struct pair *h,
    int nh, bool exists)
{
	char area[32];
	snprintf(area, sizeof(area), "%.*s", (int)c->area_len, p->area);
	bool empty = nh == 0;
	for (int i = 0; i < NCOUNTS; i++)
		empty = empty && n[i] == 0;
	unsigned char blob[ROLLUP_BUCKETS * 8];
	size_t len = hist_encode(h, nh, blob);
	int rc;
	if (empty)
		rc = db_run(db,
		    "DELETE FROM order_rollups WHERE area = ? AND category = ? AND team = ? AND partner = ? AND day = ?",
		    "ttiii", area, c->category, c->team, c->partner, p->day);
	else if (exists)
		rc = db_run(db,
		    "UPDATE order_rollups SET due = ?, deferred = ?, closed = ?, on_time = ?, reworked = ?, evaluated = ?,"
		    " satisfied = ?, hist = ? WHERE area = ? AND category = ? AND team = ? AND partner = ? AND day = ?",
		    "iiiiiiibttiii", n[DUE], n[DEFERRED], n[CLOSED], n[ON_TIME], n[REWORKED], n[EVALUATED],
		    n[SATISFIED], (const void *)blob, len, area, c->category, c->team, c->partner, p->day);
	else
		rc = db_run(db,
		    "INSERT INTO order_rollups (area, category, team, partner, day, due, deferred, closed, on_time,"
		    " reworked, evaluated, satisfied, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "ttiiiiiiiiiib", area, c->category, c->team, c->partner, p->day, n[DUE], n[DEFERRED], n[CLOSED],
		    n[ON_TIME], n[REWORKED], n[EVALUATED], n[SATISFIED], (const void *)blob, len);
	return rc == DB_DONE ? DB_OK : rc;
}

/* Add sign times the part to the row of cell c. */
static int cell_add(struct db *db, const struct part *p, const struct cell *c, int sign)
{
	char area[32];
	snprintf(area, sizeof(area), "%.*s", (int)c->area_len, p->area);
	struct db_stmt *st = db_stmt(db,
	    "SELECT due, deferred, closed, on_time, reworked, evaluated, satisfied, hist FROM order_rollups"
	    " WHERE area = ? AND category = ? AND team = ? AND partner = ? AND day = ?",
	    "ttiii", area, c->category, c->team, c->partner, p->day);
	if (st == NULL)
		return DB_ERROR;
	int64_t n[NCOUNTS] = {0};
	struct pair h[ROLLUP_BUCKETS];
	int nh = 0, rc = db_step(st);
	bool exists = rc == DB_ROW, sound = true;
	if (exists) {
		for (int i = 0; i < NCOUNTS; i++)
			n[i] = db_int(st, i);
		size_t len;
		const void *blob = db_blob(st, 7, &len);
		sound = hist_decode(blob, len, h, &nh);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return rc;
	if (!sound) {
		log_warnx("order_rollups: a malformed histogram in area %s, day %lld", area, (long long)p->day);
		return DB_ERROR;
	}
	for (int i = 0; i < NCOUNTS; i++)
		n[i] += sign * p->n[i];
	if (p->bucket >= 0)
		hist_add(h, &nh, p->bucket, sign);
	return row_put(db, p, c, n, h, nh, exists);
}

int order_rollup(struct db *db, int64_t id, int sign)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT " PART_COLUMNS " FROM work_orders WHERE id = ? AND due_at IS NOT NULL", "i", id);
	if (st == NULL)
		return DB_ERROR;
	struct part p;
	int rc = db_step(st);
	if (rc == DB_ROW)
		part_read(st, &p);
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? DB_OK : rc; /* no time limit: not counted */
	struct cell c[MAX_CELLS];
	int n = cells(&p, c);
	rc = DB_OK;
	for (int i = 0; i < n && rc == DB_OK; i++)
		rc = cell_add(db, &p, &c[i], sign);
	return rc;
}

/* --- the rebuild: the orders in order of due_at, one day's rows at a time --- */

struct entry {
	const struct part *p;
	struct cell c;
};

static int cell_cmp(const struct entry *a, const struct entry *b)
{
	size_t la = a->c.area_len, lb = b->c.area_len;
	int d = memcmp(a->p->area, b->p->area, la < lb ? la : lb);
	if (d == 0 && la != lb)
		d = la < lb ? -1 : 1;
	if (d == 0)
		d = strcmp(a->c.category, b->c.category);
	if (d == 0 && a->c.team != b->c.team)
		d = a->c.team < b->c.team ? -1 : 1;
	if (d == 0 && a->c.partner != b->c.partner)
		d = a->c.partner < b->c.partner ? -1 : 1;
	return d;
}

/* By cell, then by bucket, so each cell's histogram comes out in order. */
static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int d = cell_cmp(a, b);
	return d != 0 ? d : (a->p->bucket > b->p->bucket) - (a->p->bucket < b->p->bucket);
}

/* Write the row of n entries of one cell. */
static int run_write(struct db *db, const struct entry *e, size_t n)
{
	int64_t counts[NCOUNTS] = {0};
	struct pair h[ROLLUP_BUCKETS];
	int nh = 0;
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < NCOUNTS; k++)
			counts[k] += e[i].p->n[k];
		int b = e[i].p->bucket;
		if (b >= 0 && nh > 0 && h[nh - 1].bucket == b)
			h[nh - 1].n++;
		else if (b >= 0)
			h[nh++] = (struct pair){b, 1};
	}
	return row_put(db, e[0].p, &e[0].c, counts, h, nh, false);
}

/* Write the rows of the n parts of one day. */
static int day_write(struct db *db, const struct part *parts, size_t n)
{
	struct entry *e = malloc(sizeof(*e) * MAX_CELLS * n);
	if (e == NULL)
		fatal("out of memory");
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		struct cell c[MAX_CELLS];
		int k = cells(&parts[i], c);
		for (int j = 0; j < k; j++)
			e[m++] = (struct entry){&parts[i], c[j]};
	}
	qsort(e, m, sizeof(*e), entry_cmp);
	int rc = DB_OK;
	for (size_t i = 0, j; i < m && rc == DB_OK; i = j) {
		for (j = i + 1; j < m && cell_cmp(&e[i], &e[j]) == 0; j++)
			;
		rc = run_write(db, e + i, j - i);
	}
	free(e);
	return rc;
}

int rollups_rebuild(struct db *db)
{
	if (db_run(db, "DELETE FROM order_rollups", NULL) != DB_DONE ||
	    db_run(db, "DELETE FROM order_rollups_rebuild", NULL) != DB_DONE)
		return DB_ERROR;
	struct db_stmt *st =
	    db_stmt(db, "SELECT " PART_COLUMNS " FROM work_orders WHERE due_at IS NOT NULL ORDER BY due_at", NULL);
	if (st == NULL)
		return DB_ERROR;
	struct part *parts = NULL;
	size_t n = 0, cap = 0;
	int rc = DB_OK, step;
	while (rc == DB_OK && (step = db_step(st)) == DB_ROW) {
		struct part p;
		part_read(st, &p);
		if (n > 0 && p.day != parts[0].day) {
			rc = day_write(db, parts, n);
			n = 0;
		}
		if (n == cap && (parts = realloc(parts, sizeof(*parts) * (cap = cap ? 2 * cap : 4096))) == NULL)
			fatal("out of memory");
		parts[n++] = p;
	}
	if (rc == DB_OK && step != DB_DONE)
		rc = step;
	db_reset(st);
	if (rc == DB_OK && n > 0)
		rc = day_write(db, parts, n);
	free(parts);
	return rc;
}

bool rollups_pending(struct db *db)
{
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM order_rollups_rebuild", NULL);
	bool pending = st == NULL || db_step(st) == DB_ROW; /* in doubt, the records answer */
	if (st)
		db_reset(st);
	return pending;
}

/* A database upgraded with orders in it gets its rollups here, once, off the request path. */
static void rebuild_pending(struct db *db, int64_t now)
{
	(void)now;
	if (!rollups_pending(db) || db_begin(db) != DB_OK)
		return;
	if (rollups_rebuild(db) != DB_OK || db_commit(db) != DB_OK) {
		db_rollback(db);
		log_warnx("the work-order rollups could not be rebuilt; the metrics read the records meanwhile");
		return;
	}
	log_info("rebuilt the work-order rollups");
}

static const struct periodic periodic[] = {
    {"orders.rollups", 60, rebuild_pending},
    {NULL},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE order_rollups ("
        " area TEXT NOT NULL," /* a kept prefix of the orders' area codes; '' for every area */
        " category TEXT NOT NULL," /* '' for every category */
        " team INTEGER NOT NULL," /* 0 for any */
        " partner INTEGER NOT NULL," /* 0 for any */
        " day INTEGER NOT NULL," /* of due_at in Beijing time, days since 1970-01-01 */
        " due INTEGER NOT NULL,"
        " deferred INTEGER NOT NULL,"
        " closed INTEGER NOT NULL,"
        " on_time INTEGER NOT NULL,"
        " reworked INTEGER NOT NULL,"
        " evaluated INTEGER NOT NULL,"
        " satisfied INTEGER NOT NULL,"
        " hist BLOB NOT NULL," /* the closed ones' times to close, by bucket */
        " PRIMARY KEY (area, category, team, partner, day)) WITHOUT ROWID;"
        /* A row here: the rollups are to be rebuilt (by rebuild_pending) before they are read. */
        "CREATE TABLE order_rollups_rebuild (pending INTEGER NOT NULL);"
        "INSERT INTO order_rollups_rebuild SELECT 1 WHERE EXISTS (SELECT 1 FROM work_orders);"},
    {0},
};

const struct module order_rollups_module = {
    .name = "order_rollups",
    .migrations = migrations,
    .periodic = periodic,
};
