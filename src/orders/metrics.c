/* Work-order metrics for any area, team, partner unit, category and period:
 *   due                 orders whose time limit fell in the period
 *   closure rate        closed / (due − deferred)
 *   on-time rate        closed within the (extended) limit / (due − deferred)
 *   rework rate         due orders reopened at least once / due
 *   satisfaction rate   (satisfied + basically satisfied) / evaluated
 *   median time to close, from the demand to its closure, of the closed ones
 *                       (the lower median, exact to the second).
 * The counts come from the rollups (rollups.c): one row per day of each area
 * the selection covers, however many orders there are. Their histogram of
 * times to close gives the bucket that holds the median and its rank there;
 * the median itself is read from the records in time-to-close order
 * (work_orders_close) from that bucket on: at most the orders of one bucket,
 * about 11,000 of the demo's million. Areas the rollups do not keep, and a
 * database whose rollups wait for their rebuild, are answered from the records
 * in one pass over work_orders_metrics. */
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "orders.h"
#include "rollups.h"
#include "../core/banned.h"

/* Beijing midnight of a YYYY-MM-DD date, as Unix seconds; false if it is not a date. */
static bool beijing_day(const char *date, int64_t *t)
{
	if (date == NULL || strlen(date) != 10 || !clock_parse(date, t))
		return false;
	*t -= 8 * 3600;
	return true;
}

static json_t *rate(int64_t num, int64_t den) { return den > 0 ? json_real((double)num / (double)den) : json_null(); }

struct selection {
	int64_t from, to, team, partner;
	const char *category;
	const char **codes; /* the caller's scope */
	int n;
	const char *range[1]; /* the area asked for */
};

/* Prepare "SELECT what FROM work_orders WHERE <the selection> tail" and bind the
 * selection; the next parameter index in *next. by_close writes the terms on
 * due_at and area_code as expressions no index serves, which keeps the planner
 * on work_orders_close in time-to-close order for the median's last step. */
static struct db_stmt *prepare(
    struct req *r, const char *what, const char *tail, struct selection *f, int *next, bool by_close)
{
	struct arena *a = req_arena(r);
	const char *due = by_close ? "due_at + 0" : "due_at", *area = by_close ? "area_code || ''" : "area_code";
	struct db_stmt *st = db_prepare(req_db(r),
	    arena_printf(a,
	        "SELECT %s FROM work_orders WHERE %s >= ? AND %s < ? AND %s AND %s >= ? AND %s < ?"
	        " AND (? IS NULL OR category = ?) AND (? = 0 OR assignee_team = ?) AND (? = 0 OR assignee_partner = ?) %s",
	        what, due, due, scope_sql(a, area, f->codes, f->n), area, area, tail));
	if (st == NULL)
		return NULL;
	int i = 1;
	db_bind_int(st, i++, f->from);
	db_bind_int(st, i++, f->to);
	i = scope_bind(st, i, a, f->codes, f->n);
	i = scope_bind(st, i, a, f->range, 1);
	db_bind_text(st, i++, f->category);
	db_bind_text(st, i++, f->category);
	db_bind_int(st, i++, f->team);
	db_bind_int(st, i++, f->team);
	db_bind_int(st, i++, f->partner);
	db_bind_int(st, i++, f->partner);
	*next = i;
	return st;
}

/* What the metrics count, and the median time to close when closed > 0. */
struct tally {
	int64_t due, deferred, closed, on_time, reworked, evaluated, satisfied;
	int64_t median;
};

/* --- from the records --- */

/* The closed orders' times to close (closed_at - created_at). */
struct times {
	int64_t *v;
	size_t n, cap;
};

/* Add a row of (deferred, closed_at, due_at, rework, satisfaction, created_at). */
static void tally_add(struct tally *t, struct times *s, struct db_stmt *st)
{
	t->due++;
	t->deferred += db_int(st, 0) != 0;
	t->reworked += db_int(st, 3) > 0;
	if (!db_null(st, 4)) {
		t->evaluated++;
		t->satisfied += strcmp(db_text(st, 4), "dissatisfied") != 0;
	}
	if (db_null(st, 1))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((s->v = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			fatal("out of memory");
	}
	s->v[s->n++] = db_int(st, 1) - db_int(st, 5);
	t->closed++;
	t->on_time += db_int(st, 1) <= db_int(st, 2);
}

/* The lower median of v[0..n) by quickselect (reorders v): linear time, no sort. */
static int64_t lower_median(int64_t *v, int64_t n)
{
	int64_t k = (n - 1) / 2, lo = 0, hi = n - 1;
	while (lo < hi) {
		int64_t pivot = v[lo + (hi - lo) / 2], i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t x = v[i];
				v[i++] = v[j];
				v[j--] = x;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* One pass over the selected orders (work_orders_metrics covers it). */
static int from_records(struct req *r, struct selection *f, struct tally *t)
{
	int next;
	struct db_stmt *st =
	    prepare(r, "deferred, closed_at, due_at, rework, satisfaction, created_at", "", f, &next, false);
	if (st == NULL)
		return DB_ERROR;
	struct times s = {0};
	int rc;
	*t = (struct tally){0};
	while ((rc = db_step(st)) == DB_ROW)
		tally_add(t, &s, st);
	db_reset(st);
	if (t->closed > 0)
		t->median = lower_median(s.v, t->closed);
	free(s.v);
	return rc == DB_DONE ? DB_OK : rc;
}

/* --- from the rollups --- */

static bool holds(const char *prefix, const char *code) { return strncmp(code, prefix, strlen(prefix)) == 0; }

/* The areas the selection covers as disjoint code prefixes: each scope code met
 * with the area asked for (the longer of the two when one holds the other),
 * none inside another. out has room for f->n. */
static int roots(const struct selection *f, const char **out)
{
	const char *area = f->range[0];
	int n = 0;
	for (int i = 0; i < f->n; i++) {
		const char *root = holds(f->codes[i], area) ? area : holds(area, f->codes[i]) ? f->codes[i] : NULL;
		bool inside = false;
		for (int k = 0; k < n && root != NULL; k++)
			inside = inside || holds(out[k], root);
		if (root == NULL || inside)
			continue;
		int m = 0;
		for (int k = 0; k < n; k++)
			if (!holds(root, out[k]))
				out[m++] = out[k];
		n = m;
		out[n++] = root;
	}
	return n;
}

/* Add the rollup rows of one area over the period's days to t and hist. */
static int rollup_add(struct req *r, const struct selection *f, const char *root, struct tally *t, int64_t *hist)
{
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT due, deferred, closed, on_time, reworked, evaluated, satisfied, hist FROM order_rollups"
	    " WHERE area = ? AND category = ? AND team = ? AND partner = ? AND day >= ? AND day < ?",
	    "ttiiii", root, f->category ? f->category : "", f->team, f->partner, rollup_day(f->from),
	    rollup_day(f->to));
	if (st == NULL)
		return DB_ERROR;
	int rc;
	bool sound = true;
	while (sound && (rc = db_step(st)) == DB_ROW) {
		t->due += db_int(st, 0);
		t->deferred += db_int(st, 1);
		t->closed += db_int(st, 2);
		t->on_time += db_int(st, 3);
		t->reworked += db_int(st, 4);
		t->evaluated += db_int(st, 5);
		t->satisfied += db_int(st, 6);
		size_t len;
		const void *blob = db_blob(st, 7, &len);
		sound = rollup_hist_add(blob, len, hist);
	}
	db_reset(st);
	if (!sound)
		log_warnx("order_rollups: a malformed histogram in area %s", root);
	return !sound ? DB_ERROR : rc == DB_DONE ? DB_OK : rc;
}

/* The lower median into t->median: the histogram gives its bucket and its rank
 * there, the records in time-to-close order from that bucket on give the value.
 * *found is false when the records hold no such order (rollups out of step). */
static int median_from(struct req *r, struct selection *f, const int64_t *hist, struct tally *t, bool *found)
{
	int64_t rank = (t->closed - 1) / 2;
	int b = 0;
	while (b < ROLLUP_BUCKETS - 1 && rank >= hist[b])
		rank -= hist[b++];
	int next;
	struct db_stmt *st = prepare(r, "closed_at - created_at",
	    "AND due_at IS NOT NULL AND closed_at IS NOT NULL AND closed_at - created_at >= ?"
	    " ORDER BY closed_at - created_at LIMIT 1 OFFSET ?",
	    f, &next, true);
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, next++, rollup_bucket_low(b));
	db_bind_int(st, next, rank);
	int rc = db_step(st);
	*found = rc == DB_ROW;
	if (*found)
		t->median = db_int(st, 0);
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

/* The metrics from the rollups when they keep every area the selection covers, else from the records. */
static int measure(struct req *r, struct selection *f, struct tally *t)
{
	struct arena *a = req_arena(r);
	const char **areas = arena_alloc(a, sizeof(*areas) * (size_t)(f->n + 1));
	int n = roots(f, areas);
	bool kept = !rollups_pending(req_db(r));
	for (int i = 0; i < n && kept; i++)
		kept = rollup_level(areas[i]);
	if (!kept)
		return from_records(r, f, t);
	int64_t *hist = arena_alloc(a, sizeof(*hist) * ROLLUP_BUCKETS);
	int rc = DB_OK;
	bool found = true;
	*t = (struct tally){0};
	for (int i = 0; i < n && rc == DB_OK; i++)
		rc = rollup_add(r, f, areas[i], t, hist);
	if (rc == DB_OK && t->closed > 0)
		rc = median_from(r, f, hist, t, &found);
	if (rc == DB_OK && !found) {
		log_warnx("order_rollups: the rollups and the records disagree; the metrics read the records");
		return from_records(r, f, t);
	}
	return rc;
}

static void order_metrics(struct req *r)
{
	struct db *db = req_db(r);
	struct selection f = {.category = req_query(r, "category"),
	    .team = req_query_int(r, "team", 0),
	    .partner = req_query_int(r, "partner", 0),
	    .range = {req_area(r) ? req_area(r) : ""}};
	f.codes = user_scope(req_arena(r), req_user(r), "orders.read", &f.n);
	if (!beijing_day(req_query(r, "from"), &f.from)) {
		reply_invalid(r, "from", "must be a date like 2026-11-01");
		return;
	}
	if (!beijing_day(req_query(r, "to"), &f.to) || f.to < f.from) {
		reply_invalid(r, "to", "must be a date like 2026-11-30, not before from");
		return;
	}
	f.to += 86400; /* the period includes its last day */
	/* One snapshot for every read, so that the rank found in the rollups is the
	 * rank in the records: a deferred transaction, which unlike db_begin takes no
	 * write lock, so writers do not wait for the metrics. */
	if (db_exec(db, "BEGIN") != DB_OK) {
		reply_problem(r, P_UNAVAILABLE, "the database is busy; try again");
		return;
	}
	struct tally t;
	int rc = measure(r, &f, &t);
	db_exec(db, "COMMIT");
	if (rc != DB_OK) {
		reply_db_error(r, rc);
		return;
	}
	reply_json(r, 200,
	    json_pack("{sI sI sI sI sI sI sI so so so so so}", "due", (json_int_t)t.due, "deferred",
	        (json_int_t)t.deferred, "closed", (json_int_t)t.closed, "closed_on_time", (json_int_t)t.on_time,
	        "reworked", (json_int_t)t.reworked, "evaluated", (json_int_t)t.evaluated, "satisfied",
	        (json_int_t)t.satisfied, "closure_rate", rate(t.closed, t.due - t.deferred), "on_time_rate",
	        rate(t.on_time, t.due - t.deferred), "rework_rate", rate(t.reworked, t.due), "satisfaction_rate",
	        rate(t.satisfied, t.evaluated), "median_seconds_to_close",
	        t.closed > 0 ? json_integer(t.median) : json_null()));
}

static const struct field query[] = {
    {"from", T_STRING, F_REQUIRED, 10, 10, .desc = "first day, YYYY-MM-DD (Beijing time)"},
    {"to", T_STRING, F_REQUIRED, 10, 10, .desc = "last day, included"},
    {"area", T_STRING, F_AREA, .desc = "an area in the caller's scope"},
    {"category", T_STRING, 0, 1, 40},
    {"team", T_INT, 0, 1, INT64_MAX},
    {"partner", T_INT, 0, 1, INT64_MAX},
    {NULL},
};
static const struct field metrics_fields[] = {
    {"due", T_INT, F_REQUIRED, .desc = "orders whose time limit fell in the period"},
    {"deferred", T_INT, F_REQUIRED},
    {"closed", T_INT, F_REQUIRED},
    {"closed_on_time", T_INT, F_REQUIRED},
    {"reworked", T_INT, F_REQUIRED},
    {"evaluated", T_INT, F_REQUIRED},
    {"satisfied", T_INT, F_REQUIRED, .desc = "satisfied or basically satisfied"},
    {"closure_rate", T_NUMBER, F_REQUIRED | F_NULLABLE, .desc = "closed / (due − deferred)"},
    {"on_time_rate", T_NUMBER, F_REQUIRED | F_NULLABLE},
    {"rework_rate", T_NUMBER, F_REQUIRED | F_NULLABLE},
    {"satisfaction_rate", T_NUMBER, F_REQUIRED | F_NULLABLE},
    {"median_seconds_to_close", T_INT, F_REQUIRED | F_NULLABLE,
        .desc = "the lower median of closed_at − created_at of the closed ones, exact to the second"},
    {NULL},
};
static const struct field metrics_schema = {NULL, T_OBJECT, 0, .fields = metrics_fields};

static const struct route routes[] = {
    {M_GET, "/api/v1/work-orders/metrics", "orders.read", 0, query, NULL, 200, &metrics_schema, order_metrics,
        "Due, closure, on-time, rework and satisfaction rates and the median time to close for an area, team, unit,"
        " category and period; exact, from rollups kept with the orders"},
    {0},
};

const struct module order_metrics_module = {
    .name = "order_metrics",
    .routes = routes,
};
