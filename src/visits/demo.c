/* The demo's door-knocking: a knock team on every grid and some months of
 * visits with realistic gaps — most doors seen about on their cadence, some
 * late, some cycles missed, a few doors not reached since before them, "not
 * home" followed by a return a few days later, a few teams that stopped
 * knocking three weeks ago (and the demo's own grid a week behind) — so that
 * coverage, overdue lists and alerts show real patterns. Recent visits raise
 * some demands (work orders in state collected), the alert scan runs as of two
 * days ago and today (so some alerts have escalated), a share of those are
 * closed, and today is planned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../orders/orders.h"
#include "../platform/area_tree.h"
#include "visits.h"
#include "../core/banned.h"

/* splitmix64, as the registry's demo. */
static uint64_t rng;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static int below(int n) { return n > 0 ? (int)(rnd() % (uint64_t)n) : 0; }
static bool chance(double p) { return (double)(rnd() >> 11) / (double)(1ULL << 53) < p; }

struct demo_team {
	char grid[64];
	int64_t users[4];
	int nusers;
	int pause; /* days before today since the team stopped knocking (0: it did not) */
};

struct demo_hh {
	int64_t id;
	const char *area;
	int team;
	int first, n; /* its residents in demo.people */
	unsigned tags;
	char oldest[11], youngest[11];
};

struct demo {
	struct db *db;
	struct arena *a;
	int64_t now, today, start;
	struct policy_set *ps;
	struct demo_team *teams;
	int nteams;
	struct demo_hh *hh;
	size_t nhh;
	int64_t *people; /* resident ids, grouped by household */
	size_t npeople;
	const char *categories[8];
	int ncategories;
	int64_t visits, orders;
	struct db_stmt *visit, *seen, *companion, *status, *last_seen;
};

static int team_cmp(const void *x, const void *y)
{
	return strcmp(((const struct demo_team *)x)->grid, ((const struct demo_team *)y)->grid);
}

/* A placeholder volunteer without a login (their password can never match). */
static int placeholder(struct demo *d, const char *grid, int k, int64_t *id)
{
	const char *name = arena_printf(d->a, "knock-%s-%d", grid, k);
	int rc = db_run(d->db,
	    "INSERT INTO users (username, display_name, password_hash, password_changed_at, must_change_password,"
	    " created_at) VALUES (?, ?, '!', ?, 1, ?)",
	    "ttii", name, arena_printf(d->a, "%s志愿者%d", area_find(d->db, grid)->short_name, k), d->now, d->now);
	*id = db_last_id(d->db);
	if (rc == DB_DONE)
		rc = db_run(d->db,
		    "INSERT INTO role_assignments (user_id, role, area_code, created_at) VALUES (?, 'doorknocker', ?, ?)",
		    "iti", *id, grid, d->now);
	return db_ran(rc);
}

/* The demo account called username, 0 if there is none. */
static int64_t account(struct db *db, const char *username)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM users WHERE username = ?", "t", username);
	int64_t id = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	return id;
}

/* A team on every grid: the demo's door-knocker and grid worker on their grid,
 * placeholders elsewhere (a grid worker, a building head, a volunteer). */
static int make_teams(struct demo *d)
{
	static const char *const roles[] = {"grid_worker", "building_head", "volunteer"};
	struct db_stmt *st = db_stmt(d->db, "SELECT code FROM areas WHERE kind = 'grid' ORDER BY code", NULL);
	size_t cap = 0;
	while (st != NULL && db_step(st) == DB_ROW) {
		if ((size_t)d->nteams == cap) {
			cap = cap ? cap * 2 : 64;
			d->teams = realloc(d->teams, cap * sizeof(*d->teams));
			if (d->teams == NULL)
				fatal("out of memory");
		}
		d->teams[d->nteams] = (struct demo_team){.pause = chance(0.08) ? 21 : 0};
		snprintf(d->teams[d->nteams++].grid, sizeof(d->teams[0].grid), "%s", db_text(st, 0));
	}
	if (st)
		db_reset(st);
	int64_t knocker = account(d->db, "doorknocker"), grid = account(d->db, "grid");
	int rc = DB_OK;
	for (int i = 0; i < d->nteams && rc == DB_OK; i++, arena_reset(d->a)) {
		struct demo_team *t = &d->teams[i];
		bool ours = strcmp(t->grid, "420107005008001") == 0 && knocker != 0 && grid != 0;
		t->pause = ours ? 7 : t->pause; /* the demo's own grid is a week behind: a full list today */
		rc = db_ran(db_run(d->db, "INSERT INTO knock_teams (name, area_code, created_at) VALUES (?, ?, ?)",
		    "tti", arena_printf(d->a, "%s敲门组", area_find(d->db, t->grid)->short_name), t->grid,
		    d->now - (d->today - d->start + 1) * 86400)); /* a day before the history begins */
		int64_t team = db_last_id(d->db);
		if (rc == DB_OK)
			rc = db_ran(db_run(d->db, "INSERT INTO knock_team_areas (team_id, area_code) VALUES (?, ?)",
			    "it", team, t->grid));
		for (int k = 0; k < 3 && rc == DB_OK; k++) {
			int64_t user = ours && k == 0 ? grid : ours && k == 2 ? knocker : 0;
			if (user == 0)
				rc = placeholder(d, t->grid, k + 1, &user);
			if (rc == DB_OK)
				rc = db_ran(db_run(d->db,
				    "INSERT INTO knock_team_members (team_id, user_id, role, capacity) VALUES (?, ?, ?, NULL)",
				    "iit", team, user, roles[k]));
			t->users[t->nusers++] = user;
		}
	}
	if (d->nteams > 0)
		qsort(d->teams, (size_t)d->nteams, sizeof(*d->teams), team_cmp);
	return rc;
}

/* The team of an area: the one on the grid above it; -1 if none. */
static int team_of(struct demo *d, const char *area)
{
	char code[64];
	snprintf(code, sizeof(code), "%s", area);
	for (int depth = 0; depth < 16; depth++) {
		const struct area *x = area_find(d->db, code);
		if (x == NULL)
			return -1;
		if (strcmp(x->kind, "grid") == 0) {
			struct demo_team key;
			snprintf(key.grid, sizeof(key.grid), "%s", code);
			struct demo_team *t =
			    d->nteams ? bsearch(&key, d->teams, (size_t)d->nteams, sizeof(*d->teams), team_cmp) : NULL;
			return t ? (int)(t - d->teams) : -1;
		}
		if (x->parent == NULL)
			return -1;
		snprintf(code, sizeof(code), "%s", x->parent);
	}
	return -1;
}

/* Households with their active residents (ids, birth dates, tags). */
static int load(struct demo *d)
{
	size_t cap = 0, pcap = 0;
	const char *last_area = NULL;
	int last_team = -1;
	struct db_stmt *st = db_stmt(d->db,
	    "SELECT h.id, h.area_code, r.id, r.birth_date, (SELECT group_concat(t.tag, ' ') FROM resident_tags t"
	    " WHERE t.resident_id = r.id) FROM households h JOIN residents r ON r.household_id = h.id"
	    " AND r.status = 'active' ORDER BY h.area_code, h.id, r.id",
	    NULL);
	while (st != NULL && db_step(st) == DB_ROW) {
		if (d->nhh == 0 || d->hh[d->nhh - 1].id != db_int(st, 0)) {
			if (d->nhh == cap) {
				cap = cap ? cap * 2 : 1024;
				d->hh = realloc(d->hh, cap * sizeof(*d->hh));
				if (d->hh == NULL)
					fatal("out of memory");
			}
			if (last_area == NULL || strcmp(last_area, db_text(st, 1)) != 0) {
				last_area = arena_strdup(d->a, db_text(st, 1));
				last_team = team_of(d, last_area);
			}
			d->hh[d->nhh++] = (struct demo_hh){
			    .id = db_int(st, 0), .area = last_area, .team = last_team, .first = (int)d->npeople};
		}
		struct demo_hh *h = &d->hh[d->nhh - 1];
		if (d->npeople == pcap) {
			pcap = pcap ? pcap * 2 : 4096;
			d->people = realloc(d->people, pcap * sizeof(*d->people));
			if (d->people == NULL)
				fatal("out of memory");
		}
		d->people[d->npeople++] = db_int(st, 2);
		h->n++;
		const char *birth = db_text(st, 3);
		if (birth != NULL && strlen(birth) == 10) {
			if (h->oldest[0] == '\0' || strcmp(birth, h->oldest) < 0)
				memcpy(h->oldest, birth, 11);
			if (h->youngest[0] == '\0' || strcmp(birth, h->youngest) > 0)
				memcpy(h->youngest, birth, 11);
		}
		for (const char *t = db_text(st, 4); t != NULL && *t != '\0';) {
			const char *end = strchrnul(t, ' ');
			char tag[32];
			snprintf(tag, sizeof(tag), "%.*s", (int)(end - t), t);
			int bit = cadence_tag_bit(tag);
			h->tags |= bit >= 0 ? 1u << bit : 0;
			t = *end ? end + 1 : end;
		}
	}
	if (st)
		db_reset(st);
	return st != NULL ? DB_OK : DB_ERROR;
}

static const char *const met_notes[] = {"身体状况良好", "老人精神不错，子女每周探望", "反映楼道堆放杂物",
    "家中整洁，无安全隐患", "提醒关好燃气阀门", "", "", ""};

/* One visit on day, by a member of the household's team; *at and *id get its
 * time and id, last_seen[k] the time member k was met. */
static int add_visit(struct demo *d, const struct demo_hh *h, int64_t day, const char *outcome, int64_t *last_seen,
    int64_t *at_out, int64_t *id_out)
{
	const struct demo_team *t = &d->teams[h->team];
	int64_t at = day_start(day) + 9 * 3600 + below(8 * 3600), by = t->users[below(t->nusers)];
	bool met = strcmp(outcome, "met") == 0;
	const char *ok = met ? "ok" : NULL, *concern = met ? "concern" : NULL;
	const char *notes = met                                   ? met_notes[below(8)]
	                    : strcmp(outcome, "not_home") == 0    ? "敲门无人应答"
	                    : strcmp(outcome, "in_hospital") == 0 ? "邻居告知住院"
	                                                          : "不愿接受入户";
	struct db_stmt *st = d->visit;
	db_bind_int(st, 1, h->id);
	db_bind_text(st, 2, h->area);
	db_bind_int(st, 3, at);
	db_bind_text(st, 4, outcome);
	for (int k = 0; k < 5; k++)
		db_bind_text(st, 5 + k, chance(0.03) ? concern : ok);
	db_bind_text(st, 10, notes);
	db_bind_int(st, 11, by);
	db_bind_int(st, 12, at);
	int rc = db_step(st);
	db_reset(st);
	int64_t id = db_last_id(d->db);
	*at_out = at;
	*id_out = id;
	d->visits++;
	if (rc == DB_DONE && chance(0.2) && t->nusers > 1) { /* someone came along */
		int64_t other = t->users[below(t->nusers)];
		if (other != by) {
			db_bind_int(d->companion, 1, id);
			db_bind_int(d->companion, 2, other);
			rc = db_step(d->companion);
			db_reset(d->companion);
		}
	}
	for (int k = 0; met && k < h->n && rc == DB_DONE; k++) {
		if (k > 0 && !chance(0.95)) /* the first member is always met; the others mostly */
			continue;
		db_bind_int(d->seen, 1, id);
		db_bind_int(d->seen, 2, d->people[h->first + k]);
		rc = db_step(d->seen);
		db_reset(d->seen);
		last_seen[k] = at;
	}
	/* A demand now and then on the last fortnight's visits: new work orders to accept. */
	if (rc == DB_DONE && met && day >= d->today - 14 && d->ncategories > 0 && chance(0.05)) {
		struct new_order o = {d->categories[below(d->ncategories)], NULL, "visit",
		    arena_printf(d->a, "visit:%lld", (long long)id), "入户走访时居民反映", h->area, NULL,
		    d->people[h->first], by, false};
		int64_t order = 0;
		rc = order_insert(d->db, &o, at, &order) == DB_OK ? DB_DONE : DB_ERROR;
		if (rc == DB_DONE)
			rc = db_run(d->db,
			    "INSERT INTO visit_links (visit_id, kind, target_id) VALUES (?, 'work_order', ?)", "ii", id,
			    order);
		d->orders++;
		arena_reset(d->a);
	}
	return rc == DB_DONE ? DB_OK : rc;
}

/* The days after a visit until the next one: about on the cadence, sometimes
 * late, now and then a cycle missed; a few days after "not home". */
static int next_after(const char *outcome, int cadence)
{
	if (strcmp(outcome, "not_home") == 0)
		return 1 + below(4);
	double p = (double)(rnd() >> 11) / (double)(1ULL << 53);
	if (p < 0.85)
		return cadence - 3 + below(4);
	if (p < 0.97)
		return cadence + 1 + below(7);
	return 2 * cadence + below(5);
}

static const char *draw_outcome(const struct demo_hh *h)
{
	double p = (double)(rnd() >> 11) / (double)(1ULL << 53);
	bool old = h->tags & (1u << CADENCE_AGED_80);
	return p < 0.82          ? "met"
	       : p < 0.96        ? "not_home"
	       : p < 0.98 && old ? "in_hospital"
	       : p < 0.98        ? "met"
	                         : "refused";
}

/* The household's visit status as recording the visits one by one leaves it,
 * and when each member was last met. */
static int store_status(struct demo *d, const struct demo_hh *h, int64_t last_visit, const char *last_outcome,
    int64_t last_met, int64_t run, const int64_t *last_seen)
{
	db_bind_int(d->status, 1, h->id);
	db_bind_int(d->status, 2, last_visit);
	db_bind_text(d->status, 3, last_outcome);
	if (last_met != 0)
		db_bind_int(d->status, 4, last_met);
	db_bind_int(d->status, 5, run);
	int rc = db_step(d->status);
	db_reset(d->status);
	for (int k = 0; k < h->n && k < 16 && rc == DB_DONE; k++) {
		if (last_seen[k] == 0)
			continue;
		db_bind_int(d->last_seen, 1, d->people[h->first + k]);
		db_bind_int(d->last_seen, 2, last_seen[k]);
		rc = db_step(d->last_seen);
		db_reset(d->last_seen);
	}
	return rc == DB_DONE ? DB_OK : rc;
}

/* A household's visits from the start of the history until yesterday. */
static int history(struct demo *d, const struct demo_hh *h)
{
	const struct demo_team *t = &d->teams[h->team];
	unsigned mask = h->tags | cadence_age_mask(h->oldest, h->youngest, d->today);
	int cadence = cadence_days(policy_for(d->ps, h->area), mask, NULL);
	int64_t last_seen[16] = {0}, last_visit = 0, last_met = 0, run = 0, at = 0, id = 0;
	const char *last_outcome = NULL;
	int rc = DB_OK;
	bool lost = chance(0.03); /* a door last reached before these months */
	for (int64_t day = lost ? d->start - 20 - below(30) : d->start + below(cadence);
	     day < d->today && rc == DB_OK;) {
		if (t->pause > 0 && day >= d->today - t->pause)
			break;
		const char *outcome = lost ? "met" : draw_outcome(h);
		rc = add_visit(d, h, day, outcome, last_seen, &at, &id);
		last_outcome = outcome;
		last_visit = at;
		run = strcmp(outcome, "not_home") == 0 ? run + 1 : 0;
		if (strcmp(outcome, "met") == 0)
			last_met = at;
		day += lost ? d->today : next_after(outcome, cadence);
	}
	if (rc != DB_OK || last_outcome == NULL)
		return rc;
	rc = store_status(d, h, last_visit, last_outcome, last_met, run, last_seen);
	/* Not at home twice running, living alone: the alert the last visit raised. */
	if (rc == DB_OK && run >= 2 && (h->tags & (1u << cadence_tag_bit("living_alone"))))
		rc = alerts_after_visit(d->db, id, at);
	return rc;
}

/* Close a third of the alerts raised two days ago, with what was found. */
static int close_some(struct db *db, int64_t since, int64_t now)
{
	return db_ran(db_run(db,
	    "UPDATE welfare_alerts SET status = 'closed', closed_at = ?, version = version + 1,"
	    " result = CASE id % 4 WHEN 0 THEN 'reached_by_phone' WHEN 1 THEN 'with_relatives' WHEN 2 THEN 'in_hospital'"
	    " ELSE 'reached_by_phone' END,"
	    " closed_by = (SELECT ra.user_id FROM role_assignments ra WHERE ra.role = 'community_staff' LIMIT 1)"
	    " WHERE raised_at <= ? AND id % 3 = 0 AND status <> 'closed'",
	    "ii", now - 3600, since));
}

static int prepare(struct demo *d)
{
	d->visit = db_prepare(d->db,
	    "INSERT INTO visits (household_id, area_code, visited_at, outcome, health, living, gas, electricity,"
	    " fire_exits, notes, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	d->seen = db_prepare(d->db, "INSERT INTO visit_seen (visit_id, resident_id) VALUES (?, ?)");
	d->companion = db_prepare(d->db, "INSERT INTO visit_companions (visit_id, user_id) VALUES (?, ?)");
	d->status = db_prepare(d->db,
	    "INSERT INTO visit_status (household_id, last_visit_at, last_outcome, last_met_at, not_home_run)"
	    " VALUES (?, ?, ?, ?, ?)");
	d->last_seen = db_prepare(d->db, "INSERT INTO resident_seen (resident_id, seen_at) VALUES (?, ?)");
	bool ok = d->visit && d->seen && d->companion && d->status && d->last_seen;
	struct db_stmt *st = db_stmt(d->db,
	    "SELECT code FROM categories WHERE active = 1 AND code IN ('stairwell_lighting', 'blocked_drain',"
	    " 'water_supply', 'sanitation', 'noise', 'parking', 'pets', 'property_dispute') ORDER BY code",
	    NULL);
	while (st != NULL && db_step(st) == DB_ROW && d->ncategories < 8)
		d->categories[d->ncategories++] = arena_strdup(d->a, db_text(st, 0));
	if (st)
		db_reset(st);
	return ok ? DB_OK : DB_ERROR;
}

/* Teams and the months of visits, in one bulk transaction. */
static int build(struct demo *d)
{
	int rc = db_bulk(d->db, DB_BULK_REBUILT);
	if (rc == DB_OK)
		rc = db_begin(d->db);
	if (rc == DB_OK)
		rc = make_teams(d);
	if (rc == DB_OK)
		rc = load(d);
	char *indexes = rc == DB_OK ? db_derived_drop(d->db, "visits", true) : NULL;
	if (rc == DB_OK && indexes == NULL)
		rc = DB_ERROR;
	struct arena *keep = d->a;
	d->a = arena_new(); /* the categories and areas above live in keep */
	if (rc == DB_OK)
		rc = prepare(d);
	for (size_t i = 0; i < d->nhh && rc == DB_OK; i++)
		if (d->hh[i].team >= 0)
			rc = history(d, &d->hh[i]);
	if (rc == DB_OK)
		rc = db_exec(d->db, indexes);
	free(indexes);
	if (rc == DB_OK)
		rc = db_commit(d->db);
	if (rc != DB_OK)
		db_rollback(d->db);
	arena_free(d->a);
	d->a = keep;
	int off = db_bulk(d->db, DB_BULK_OFF);
	return rc == DB_OK ? off : rc;
}

int visits_demo(struct db *db, uint64_t seed, int months)
{
	rng = seed * 0x9e3779b97f4a7c15ULL + 7;
	int64_t t0 = clock_mono_ns();
	struct demo d = {.db = db, .a = arena_new(), .now = clock_now()};
	d.today = day_of(d.now);
	d.start = d.today - months * 30;
	d.ps = policies_load(db);
	int rc = d.ps != NULL ? build(&d) : DB_ERROR;
	/* Alerts as the scan would have raised them two days ago and today: the older ones escalated. */
	if (rc == DB_OK) {
		alerts_scan(db, d.now - 2 * 86400);
		alerts_scan(db, d.now);
		rc = db_begin(db);
		if (rc == DB_OK)
			rc = close_some(db, d.now - 2 * 86400, d.now);
		rc = rc == DB_OK ? db_commit(db) : rc;
		if (rc != DB_OK)
			db_rollback(db);
	}
	struct plan_stats s = {0};
	if (rc == DB_OK)
		rc = plan_day(db, d.today, NULL, 0, 0, &s);
	if (rc == DB_OK)
		printf(
		    "Made %d knock teams, %lld visits over the last %d months (%lld demands as work orders) and today's"
		    " plan (%lld doors) in %.1f s.\n",
		    d.nteams, (long long)d.visits, months, (long long)d.orders, (long long)s.planned,
		    (double)(clock_mono_ns() - t0) / 1e9);
	free(d.teams);
	free(d.hh);
	free(d.people);
	policies_free(d.ps);
	arena_free(d.a);
	return rc;
}
