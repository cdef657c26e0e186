/* Day plans: for each member of each door-knock team, the households due or
 * overdue that day — the most urgent first when there are more than the team
 * can visit — bounded by each member's daily capacity, balanced across the
 * team, each member's list one stretch of the walking route (route.h).
 *
 * Urgency is how much of its cadence a household is overdue (cadence.h), then
 * whether it was planned the day before and not met (carried over), then the
 * shorter cadence. A plan is stored per day and team; planning the same day
 * again keeps the doors already visited and replaces the rest, and the next
 * day's plan starts from what was done: a visit moves the household's due day,
 * a door not reached stays due and grows more urgent.
 *
 * The planner reads a district at once (200,000 households): households with
 * their visit status, residents' birth dates and tags, in a few scans, into
 * arrays indexed by household id; for a street or more, the residents on a
 * second connection while the households are read. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../app.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../platform/area_tree.h"
#include "route.h"
#include "visits.h"
#include "../core/banned.h"

/* --- what the planner holds --- */

struct hh {
	int64_t id, recorded, last_met, last_visit; /* days; -1: never */
	const char *area, *unit, *room;
	char oldest[11], youngest[11];
	unsigned tags;
	int team; /* index into plan.teams, -1: no team covers it */
	int cadence;
	unsigned why;
	int64_t due, urgency;
	bool occupied, carried, kept;
};

struct member {
	int64_t user;
	int capacity, kept, max_seq;
};

struct team {
	int64_t id;
	char area[32];
	struct member *m;
	int nm;
	int *cand; /* indexes into plan.hh */
	size_t ncand, capc;
	int64_t unplanned;
};

/* A covered area and the team covering it. */
struct cover {
	const char *code;
	int team;
};

/* An area households sit in, and the team covering it (-1: none). */
struct area_slot {
	const char *code;
	int team;
};

struct plan {
	struct db *db;
	struct arena *a;
	int64_t day;
	struct policy_set *ps;
	struct team *teams;
	int nteams;
	struct cover *covers;
	int ncovers;
	struct area_slot *areas; /* the areas households sit in, hashed by code */
	size_t nareas, capareas;
	struct hh *hh;
	size_t nhh, caphh;
	int32_t *slot; /* household id → index into hh + 1 (0: not loaded) */
	int64_t max_id;
	int32_t *lives; /* resident id → index into hh + 1 of where they live (0: not loaded) */
	size_t caplives;
	bool wide; /* a street or more: whole tables are read through rather than by area */
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	void *more = realloc(p, *cap * size);
	if (more == NULL)
		fatal("out of memory");
	return more;
}

/* --- loading --- */

static int cover_cmp(const void *x, const void *y)
{
	return strcmp(((const struct cover *)x)->code, ((const struct cover *)y)->code);
}

/* The teams within the codes (n 0: all), their members and their covered areas. */
static int load_teams(struct plan *p, const char **codes, int n)
{
	struct arena *a = p->a;
	const char *range = n ? scope_sql(a, "t.area_code", codes, n) : "1=1";
	struct db_stmt *st =
	    db_prepare(p->db, arena_printf(a,
	                          "SELECT t.id, t.area_code, k.area_code FROM knock_teams t JOIN knock_team_areas k"
	                          " ON k.team_id = t.id WHERE %s ORDER BY t.id",
	                          range));
	if (st == NULL)
		return DB_ERROR;
	scope_bind(st, 1, a, codes, n);
	size_t capt = 0, capc = 0;
	while (db_step(st) == DB_ROW) {
		if (p->nteams == 0 || p->teams[p->nteams - 1].id != db_int(st, 0)) {
			p->teams = grow(p->teams, &capt, (size_t)p->nteams, sizeof(*p->teams));
			p->teams[p->nteams] = (struct team){.id = db_int(st, 0)};
			snprintf(p->teams[p->nteams].area, sizeof(p->teams[0].area), "%s", db_text(st, 1));
			p->nteams++;
		}
		p->covers = grow(p->covers, &capc, (size_t)p->ncovers, sizeof(*p->covers));
		p->covers[p->ncovers++] = (struct cover){arena_strdup(a, db_text(st, 2)), p->nteams - 1};
	}
	db_reset(st);
	if (p->ncovers > 0) /* qsort and bsearch want a real array, even an empty one */
		qsort(p->covers, (size_t)p->ncovers, sizeof(*p->covers), cover_cmp);
	for (int i = 0; i < p->nteams; i++) {
		struct team *t = &p->teams[i];
		const struct cadence_policy *pol = policy_for(p->ps, t->area);
		st = db_stmt(p->db,
		    "SELECT m.user_id, coalesce(m.capacity, 0) FROM knock_team_members m JOIN users u ON u.id = m.user_id"
		    " AND u.active = 1 WHERE m.team_id = ? ORDER BY m.user_id",
		    "i", t->id);
		size_t capm = 0;
		while (st != NULL && db_step(st) == DB_ROW) {
			t->m = grow(t->m, &capm, (size_t)t->nm, sizeof(*t->m));
			int cap = (int)db_int(st, 1);
			t->m[t->nm++] = (struct member){db_int(st, 0), cap > 0 ? cap : pol->daily_capacity, 0, 0};
		}
		if (st)
			db_reset(st);
	}
	return DB_OK;
}

/* The team covering an area: the one covering its nearest ancestor (or itself). */
static int team_of(struct plan *p, const char *area)
{
	char code[64];
	snprintf(code, sizeof(code), "%s", area);
	for (int depth = 0; depth < 16; depth++) {
		struct cover key = {code, 0}, *hit = p->ncovers == 0 ? NULL
		                                                     : bsearch(&key, p->covers, (size_t)p->ncovers,
		                                                           sizeof(*p->covers), cover_cmp);
		if (hit != NULL)
			return hit->team;
		const struct area *x = area_find(p->db, code);
		if (x == NULL || x->parent == NULL)
			return -1;
		snprintf(code, sizeof(code), "%s", x->parent);
	}
	return -1;
}

/* The covered areas without those inside another: the ranges to read. */
static const char **roots(struct plan *p, int *n)
{
	const char **r = arena_alloc(p->a, sizeof(*r) * (size_t)(p->ncovers + 1));
	*n = 0;
	for (int i = 0; i < p->ncovers; i++) /* sorted: an area inside another follows it */
		if (*n == 0 || strncmp(p->covers[i].code, r[*n - 1], strlen(r[*n - 1])) != 0)
			r[(*n)++] = p->covers[i].code;
	return r;
}

static uint64_t hash_code(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The area (interned) and its team; households come mostly in area order, but
 * need not. */
static struct area_slot area_of(struct plan *p, const char *code)
{
	if (2 * (p->nareas + 1) > p->capareas) {
		size_t cap = p->capareas ? p->capareas * 2 : 1024;
		struct area_slot *t = calloc(cap, sizeof(*t));
		if (t == NULL)
			fatal("out of memory");
		for (size_t i = 0; i < p->capareas; i++)
			for (size_t j = hash_code(p->areas[i].code ? p->areas[i].code : "") & (cap - 1);
			     p->areas[i].code != NULL; j = (j + 1) & (cap - 1))
				if (t[j].code == NULL) {
					t[j] = p->areas[i];
					break;
				}
		free(p->areas);
		p->areas = t;
		p->capareas = cap;
	}
	size_t j = hash_code(code) & (p->capareas - 1);
	while (p->areas[j].code != NULL && strcmp(p->areas[j].code, code) != 0)
		j = (j + 1) & (p->capareas - 1);
	if (p->areas[j].code == NULL) {
		p->areas[j] = (struct area_slot){arena_strdup(p->a, code), team_of(p, code)};
		p->nareas++;
	}
	return p->areas[j];
}

static int64_t day_or_never(struct db_stmt *st, int col) { return db_null(st, col) ? -1 : day_of(db_int(st, col)); }

static struct hh *loaded(struct plan *p, int64_t id)
{
	return id > 0 && id <= p->max_id && p->slot[id] ? &p->hh[p->slot[id] - 1] : NULL;
}

/* Run st (bound to range r, or to nothing when r is NULL) and hand each row to fn. */
static int each_row(struct plan *p, const char *sql, const char *r, void (*fn)(struct plan *, struct db_stmt *))
{
	struct db_stmt *st = db_prepare(p->db, sql);
	if (st == NULL)
		return DB_ERROR;
	if (r != NULL)
		scope_bind(st, 1, p->a, &r, 1);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(p, st);
	db_reset(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* id, area, entrance, room, recorded at [, last met, last visit]: a household a team covers. */
static void add_household(struct plan *p, struct db_stmt *st)
{
	struct area_slot area = area_of(p, db_text(st, 1));
	if (area.team < 0)
		return;
	p->hh = grow(p->hh, &p->caphh, p->nhh, sizeof(*p->hh));
	struct hh *h = &p->hh[p->nhh++];
	*h = (struct hh){.id = db_int(st, 0),
	    .recorded = day_of(db_int(st, 4)),
	    .last_met = p->wide ? -1 : day_or_never(st, 5),
	    .last_visit = p->wide ? -1 : day_or_never(st, 6),
	    .area = area.code,
	    .unit = arena_strdup(p->a, db_text(st, 2)),
	    .room = arena_strdup(p->a, db_text(st, 3)),
	    .team = area.team};
	p->max_id = h->id > p->max_id ? h->id : p->max_id;
}

/* household, last met, last visit */
static void add_status(struct plan *p, struct db_stmt *st)
{
	struct hh *h = loaded(p, db_int(st, 0));
	if (h != NULL) {
		h->last_met = day_or_never(st, 1);
		h->last_visit = day_or_never(st, 2);
	}
}

/* Households in the teams' areas with their visit status. */
static int load_households(struct plan *p, const char **r, int n)
{
	int rc = DB_OK;
	if (p->wide) { /* room for them all at once: no copying as the array grows */
		struct db_stmt *st = db_stmt(p->db, "SELECT count(*) FROM households", NULL);
		p->caphh = st != NULL && db_step(st) == DB_ROW ? (size_t)db_int(st, 0) + 1 : 0;
		if (st)
			db_reset(st);
		p->hh = malloc(p->caphh * sizeof(*p->hh));
		if (p->hh == NULL && p->caphh > 0)
			fatal("out of memory");
		rc = each_row(p, "SELECT id, area_code, unit, room, created_at FROM households", NULL, add_household);
	}
	for (int i = 0; i < n && !p->wide && rc == DB_OK; i++)
		rc = each_row(p,
		    "SELECT h.id, h.area_code, h.unit, h.room, h.created_at, s.last_met_at, s.last_visit_at"
		    " FROM households h LEFT JOIN visit_status s ON s.household_id = h.id"
		    " WHERE h.area_code >= ? AND h.area_code < ?",
		    r[i], add_household);
	p->slot = calloc((size_t)p->max_id + 1, sizeof(*p->slot));
	if (p->slot == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < p->nhh; i++)
		p->slot[p->hh[i].id] = (int32_t)i + 1;
	if (p->wide && rc == DB_OK)
		rc = each_row(p, "SELECT household_id, last_met_at, last_visit_at FROM visit_status", NULL, add_status);
	return rc;
}

/* A resident of household (if loaded): who lives where, and each household's
 * oldest and youngest member. */
static void note_resident(struct plan *p, int64_t id, int64_t household, const char *birth)
{
	struct hh *h = loaded(p, household);
	if (h == NULL || id <= 0)
		return;
	if ((size_t)id >= p->caplives) {
		size_t cap = p->caplives ? p->caplives : 1024;
		while (cap <= (size_t)id)
			cap *= 2;
		int32_t *more = realloc(p->lives, cap * sizeof(*more));
		if (more == NULL)
			fatal("out of memory");
		memset(more + p->caplives, 0, (cap - p->caplives) * sizeof(*more));
		p->lives = more;
		p->caplives = cap;
	}
	p->lives[id] = p->slot[h->id];
	h->occupied = true;
	if (birth == NULL || strlen(birth) != 10)
		return;
	if (h->oldest[0] == '\0' || strcmp(birth, h->oldest) < 0)
		memcpy(h->oldest, birth, 11);
	if (h->youngest[0] == '\0' || strcmp(birth, h->youngest) > 0)
		memcpy(h->youngest, birth, 11);
}

static void note_tag(struct plan *p, int64_t resident, int bit)
{
	if (bit >= 0 && resident > 0 && (size_t)resident < p->caplives && p->lives[resident])
		p->hh[p->lives[resident] - 1].tags |= 1u << bit;
}

/* resident, household, birth date */
static void add_resident(struct plan *p, struct db_stmt *st)
{
	note_resident(p, db_int(st, 0), db_null(st, 1) ? 0 : db_int(st, 1), db_text(st, 2));
}

/* resident, tag */
static void add_tag(struct plan *p, struct db_stmt *st) { note_tag(p, db_int(st, 0), cadence_tag_bit(db_text(st, 1))); }

/* A wide plan reads who lives where on a second connection while the first
 * reads the households: the two largest scans overlap. Nobody can write
 * meanwhile (the planner holds the write lock), so both see the same state. */
struct side {
	struct person {
		int64_t id, household;
		char birth[11];
	} * people;
	size_t npeople, cappeople;
	struct tagged {
		int64_t resident;
		int bit;
	} * tags;
	size_t ntags, captags;
	int rc;
	pthread_t thread;
	bool started;
};

static void *side_main(void *arg)
{
	struct side *s = arg;
	char err[256];
	struct db *db = db_open(app_db_path(), false, err, sizeof(err));
	struct db_stmt *st = db ? db_prepare(db, "SELECT id, household_id, birth_date FROM residents"
	                                         " WHERE status = 'active' AND household_id IS NOT NULL")
	                        : NULL;
	int rc = st ? DB_ROW : DB_ERROR;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		s->people = grow(s->people, &s->cappeople, s->npeople, sizeof(*s->people));
		struct person *x = &s->people[s->npeople++];
		const char *birth = db_text(st, 2);
		*x = (struct person){db_int(st, 0), db_int(st, 1), ""};
		if (birth != NULL && strlen(birth) == 10)
			memcpy(x->birth, birth, 11);
	}
	if (st)
		db_reset(st);
	st = rc == DB_DONE ? db_prepare(db, "SELECT resident_id, tag FROM resident_tags") : NULL;
	while (st != NULL && (rc = db_step(st)) == DB_ROW) {
		int bit = cadence_tag_bit(db_text(st, 1));
		if (bit < 0)
			continue;
		s->tags = grow(s->tags, &s->captags, s->ntags, sizeof(*s->tags));
		s->tags[s->ntags++] = (struct tagged){db_int(st, 0), bit};
	}
	if (st)
		db_reset(st);
	s->rc = rc == DB_DONE ? DB_OK : DB_ERROR;
	db_close(db);
	return NULL;
}

static void side_start(struct side *s) { s->started = pthread_create(&s->thread, NULL, side_main, s) == 0; }

/* Wait for the second reader and take what it read; DB_OK or the error. */
static int side_finish(struct plan *p, struct side *s)
{
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->npeople && s->rc == DB_OK; i++)
		note_resident(p, s->people[i].id, s->people[i].household, s->people[i].birth);
	for (size_t i = 0; i < s->ntags && s->rc == DB_OK; i++)
		note_tag(p, s->tags[i].resident, s->tags[i].bit);
	free(s->people);
	free(s->tags);
	return s->rc;
}

/* Who lives in the households, and their tags. */
static int load_people(struct plan *p, const char **r, int n)
{
	int rc = DB_OK;
	if (p->wide) {
		rc = each_row(p, "SELECT id, household_id, birth_date FROM residents WHERE status = 'active'", NULL,
		    add_resident);
		if (rc == DB_OK)
			rc = each_row(p, "SELECT resident_id, tag FROM resident_tags", NULL, add_tag);
	}
	for (int i = 0; i < n && !p->wide && rc == DB_OK; i++) {
		rc = each_row(p,
		    "SELECT id, household_id, birth_date FROM residents WHERE area_code >= ? AND area_code < ?"
		    " AND status = 'active'",
		    r[i], add_resident);
		if (rc == DB_OK)
			rc = each_row(p,
			    "SELECT t.resident_id, t.tag FROM residents r JOIN resident_tags t ON t.resident_id = r.id"
			    " WHERE r.area_code >= ? AND r.area_code < ? AND r.status = 'active'",
			    r[i], add_tag);
	}
	return rc;
}

/* Whether to read whole tables: every team, or a street's or more. */
static bool plan_wide(struct plan *p, const char **codes, int n)
{
	for (int i = 0; i < n; i++) {
		const struct area *x = area_find(p->db, codes[i]);
		if (codes[i][0] == '\0' ||
		    (x != NULL && (strcmp(x->kind, "street") == 0 || strcmp(x->kind, "district") == 0)))
			return true;
	}
	return n == 0;
}

/* What was done: doors of this day's plan already visited (kept, and counted
 * against their member), and doors of the last earlier plan not met (carried over). */
static int load_done(struct plan *p)
{
	char date[11];
	day_format(p->day, date);
	struct db_stmt *st = db_stmt(p->db,
	    "SELECT i.household_id, i.user_id, i.seq, p.team_id FROM visit_plan_items i JOIN visit_plans p"
	    " ON p.id = i.plan_id WHERE p.date = ? AND i.visit_id IS NOT NULL",
	    "t", date);
	while (st != NULL && db_step(st) == DB_ROW) {
		struct hh *h = loaded(p, db_int(st, 0));
		if (h != NULL)
			h->kept = true;
		for (int t = 0; t < p->nteams; t++)
			for (int k = 0; k < p->teams[t].nm; k++)
				if (p->teams[t].id == db_int(st, 3) && p->teams[t].m[k].user == db_int(st, 1)) {
					p->teams[t].m[k].kept++;
					if (db_int(st, 2) > p->teams[t].m[k].max_seq)
						p->teams[t].m[k].max_seq = (int)db_int(st, 2);
				}
	}
	if (st)
		db_reset(st);
	st = db_stmt(p->db,
	    "SELECT i.household_id FROM visit_plan_items i JOIN visit_plans p ON p.id = i.plan_id"
	    " LEFT JOIN visits v ON v.id = i.visit_id WHERE p.date = (SELECT max(date) FROM visit_plans"
	    " WHERE date < ?) AND (v.id IS NULL OR v.outcome <> 'met')",
	    "t", date);
	while (st != NULL && db_step(st) == DB_ROW) {
		struct hh *h = loaded(p, db_int(st, 0));
		if (h != NULL)
			h->carried = true;
	}
	if (st)
		db_reset(st);
	return st != NULL ? DB_OK : DB_ERROR;
}

/* --- choosing --- */

/* The due households of each team. */
static void find_due(struct plan *p, struct plan_stats *stats)
{
	const char *last_area = NULL;
	const struct cadence_policy *pol = NULL;
	struct cadence_ages ages;
	cadence_ages_on(p->day, &ages);
	for (size_t i = 0; i < p->nhh; i++) {
		struct hh *h = &p->hh[i];
		if (h->team < 0 || !h->occupied)
			continue;
		stats->households++;
		if (h->kept || h->last_visit == p->day) /* visited today already */
			continue;
		if (h->area != last_area) { /* areas are shared by consecutive households */
			last_area = h->area;
			pol = policy_for(p->ps, h->area);
		}
		unsigned mask = h->tags | cadence_ages_mask(&ages, h->oldest, h->youngest);
		h->cadence = cadence_days(pol, mask, &h->why);
		h->due = cadence_due(h->last_met, h->recorded, h->cadence);
		if (h->due > p->day)
			continue;
		h->urgency = cadence_urgency(h->due, p->day, h->cadence);
		struct team *t = &p->teams[h->team];
		t->cand = grow(t->cand, &t->capc, t->ncand, sizeof(*t->cand));
		t->cand[t->ncand++] = (int)i;
		stats->due++;
	}
}

/* Comparators for qsort_r: ctx is the plan, whose households the indexes name. */
static int by_urgency(const void *x, const void *y, void *ctx)
{
	const struct plan *p = ctx;
	const struct hh *a = &p->hh[*(const int *)x], *b = &p->hh[*(const int *)y];
	if (a->urgency != b->urgency)
		return a->urgency > b->urgency ? -1 : 1;
	if (a->carried != b->carried)
		return a->carried ? -1 : 1;
	if (a->cadence != b->cadence)
		return a->cadence < b->cadence ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int by_route(const void *x, const void *y, void *ctx)
{
	const struct plan *p = ctx;
	const struct hh *a = &p->hh[*(const int *)x], *b = &p->hh[*(const int *)y];
	struct route_stop sa = {a->area, a->unit, a->room, a->id}, sb = {b->area, b->unit, b->room, b->id};
	return route_compare(&sa, &sb);
}

/* How many of k doors each member takes: as even as their room left allows. */
static void shares(const struct team *t, int k, int *share)
{
	int left = k;
	for (int i = 0; i < t->nm; i++)
		share[i] = 0;
	while (left > 0) {
		int open = 0;
		for (int i = 0; i < t->nm; i++)
			open += share[i] < t->m[i].capacity - t->m[i].kept;
		if (open == 0)
			break;
		int each = left / open > 0 ? left / open : 1;
		for (int i = 0; i < t->nm && left > 0; i++) {
			int room = t->m[i].capacity - t->m[i].kept - share[i], give = each < room ? each : room;
			give = give < left ? give : left;
			if (give > 0) {
				share[i] += give;
				left -= give;
			}
		}
	}
}

/* --- storing --- */

static int store_team(struct plan *p, struct team *t, int64_t user, int64_t now, int take, const int *share)
{
	char date[11];
	day_format(p->day, date);
	int rc = db_run(p->db,
	    "INSERT INTO visit_plans (date, team_id, planned_at, planned_by, unplanned) VALUES (?, ?, ?, nullif(?, 0), ?)"
	    " ON CONFLICT (date, team_id) DO UPDATE SET planned_at = excluded.planned_at,"
	    " planned_by = excluded.planned_by, unplanned = excluded.unplanned",
	    "tiiii", date, t->id, now, user, t->unplanned);
	struct db_stmt *st = rc == DB_DONE ? db_stmt(p->db, "SELECT id FROM visit_plans WHERE date = ? AND team_id = ?",
	                                         "ti", date, t->id)
	                                   : NULL;
	int64_t plan = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	if (plan == 0)
		return rc == DB_DONE ? DB_ERROR : rc;
	rc = db_run(p->db, "DELETE FROM visit_plan_items WHERE plan_id = ? AND visit_id IS NULL", "i", plan);
	st = db_prepare(p->db,
	    "INSERT INTO visit_plan_items (plan_id, household_id, user_id, seq, due, cadence_days, reasons, carried_over)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	int at = 0;
	for (int m = 0; m < t->nm && rc == DB_DONE && st != NULL; m++)
		for (int k = 0; k < share[m] && at < take && rc == DB_DONE; k++, at++) {
			const struct hh *h = &p->hh[t->cand[at]];
			char due[11];
			db_bind_int(st, 1, plan);
			db_bind_int(st, 2, h->id);
			db_bind_int(st, 3, t->m[m].user);
			db_bind_int(st, 4, t->m[m].max_seq + k + 1);
			db_bind_text(st, 5, day_format(h->due, due));
			db_bind_int(st, 6, h->cadence);
			db_bind_int(st, 7, h->why);
			db_bind_int(st, 8, h->carried);
			rc = db_step(st);
			db_reset(st);
		}
	return st == NULL ? DB_ERROR : db_ran(rc);
}

/* Choose each team's doors and store them. */
static int choose_and_store(struct plan *p, int64_t user, struct plan_stats *stats)
{
	int64_t t0 = clock_mono_ns(), now = clock_now();
	int rc = DB_OK;
	for (int i = 0; i < p->nteams && rc == DB_OK; i++) {
		struct team *t = &p->teams[i];
		int room = 0;
		for (int k = 0; k < t->nm; k++)
			room += t->m[k].capacity > t->m[k].kept ? t->m[k].capacity - t->m[k].kept : 0;
		int take = (size_t)room < t->ncand ? room : (int)t->ncand;
		if (t->ncand > 0) {
			qsort_r(t->cand, t->ncand, sizeof(*t->cand), by_urgency, p);
			qsort_r(t->cand, (size_t)take, sizeof(*t->cand), by_route, p);
		}
		t->unplanned = (int64_t)t->ncand - take;
		int *share = arena_alloc(p->a, sizeof(*share) * (size_t)(t->nm + 1));
		shares(t, take, share);
		stats->members += t->nm;
		stats->planned += take;
		stats->unplanned += t->unplanned;
		for (int k = 0; k < t->nm; k++)
			stats->kept += t->m[k].kept;
		int64_t t1 = clock_mono_ns();
		stats->compute_ns += t1 - t0;
		rc = store_team(p, t, user, now, take, share);
		t0 = clock_mono_ns();
		stats->store_ns += t0 - t1;
	}
	return rc;
}

static void plan_free(struct plan *p)
{
	for (int i = 0; i < p->nteams; i++) {
		free(p->teams[i].m);
		free(p->teams[i].cand);
	}
	free(p->teams);
	free(p->covers);
	free(p->areas);
	free(p->hh);
	free(p->slot);
	free(p->lives);
	policies_free(p->ps);
	arena_free(p->a);
}

int plan_day(struct db *db, int64_t day, const char **codes, int n, int64_t user, struct plan_stats *stats)
{
	*stats = (struct plan_stats){0};
	struct plan p = {.db = db, .a = arena_new(), .day = day};
	int64_t t0 = clock_mono_ns();
	int rc = db_begin(db); /* one snapshot from reading to writing */
	p.ps = rc == DB_OK ? policies_load(db) : NULL;
	if (rc == DB_OK && p.ps == NULL)
		rc = DB_ERROR;
	if (rc == DB_OK)
		rc = load_teams(&p, codes, n);
	int nroots = 0;
	const char **r = rc == DB_OK ? roots(&p, &nroots) : NULL;
	p.wide = plan_wide(&p, codes, n);
	struct side side = {0};
	if (rc == DB_OK && p.wide)
		side_start(&side);
	if (rc == DB_OK)
		rc = load_households(&p, r, nroots);
	if (side.started) {
		int side_rc = side_finish(&p, &side);
		rc = rc == DB_OK ? side_rc : rc;
	} else if (rc == DB_OK) {
		rc = load_people(&p, r, nroots);
	}
	if (rc == DB_OK)
		rc = load_done(&p);
	stats->load_ns = clock_mono_ns() - t0;
	stats->teams = p.nteams;
	if (rc == DB_OK) {
		int64_t t1 = clock_mono_ns();
		find_due(&p, stats);
		stats->compute_ns = clock_mono_ns() - t1;
		rc = choose_and_store(&p, user, stats);
	}
	int64_t t2 = clock_mono_ns();
	if (rc == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK)
		db_rollback(db);
	stats->store_ns += clock_mono_ns() - t2;
	plan_free(&p);
	return rc;
}
