/* Months of demands for the demo district: orders spread over the last half
 * year in every state, most closed and evaluated, some reworked, rejected,
 * deferred or voided, the recent ones still on their way and some overdue, so
 * that the inboxes and the metrics show a living district. The same seed
 * gives the same history. */
#include <string.h>

#include "../core/arena.h"
#include "calendar.h"
#include "holidays.h"
#include "orders.h"
#include "rollups.h"
#include "../core/banned.h"

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t below(int64_t n) { return (int64_t)(next() % (uint64_t)n); }

/* What residents ask for, by category, with how often (per mille). */
static const struct {
	const char *category;
	int weight;
	const char *texts[3];
} kinds[] = {
    {"stairwell_lighting", 140, {"楼道灯不亮，晚上上下楼看不见", "单元门口的感应灯坏了", "楼梯间灯一直闪"}},
    {"blocked_drain", 110, {"厨房下水道堵了，污水返上来", "楼下窨井堵塞，有异味", "卫生间地漏不通"}},
    {"water_supply", 60, {"整栋楼停水一天了", "水压太低，楼上用不了水", "水管漏水渗到楼下"}},
    {"sanitation", 120, {"垃圾桶满了没人清运", "楼道里堆放杂物", "小区绿化带有垃圾"}},
    {"greenery", 40, {"树枝挡住窗户，需要修剪", "草坪很久没人打理", "枯树有倒伏危险"}},
    {"noise", 90, {"楼上深夜装修噪音大", "广场舞音响太吵", "空调外机噪音扰民"}},
    {"parking", 80, {"消防通道被车堵住", "电动车在楼道里充电", "小区乱停车"}},
    {"illegal_construction", 40, {"一楼住户私自搭建棚子", "楼顶违章加盖", "占用公共绿地建房"}},
    {"pets", 40, {"流浪狗在小区里伤人", "邻居养狗不牵绳", "宠物粪便无人清理"}},
    {"property_dispute", 90, {"物业费争议，要求公示收支", "电梯经常坏，物业不修", "物业不处理外墙脱落"}},
    {"elderly_care", 120, {"独居老人需要助餐服务", "老人行动不便需要上门看望", "高龄老人申请居家养老"}},
    {"welfare_benefits", 50, {"咨询低保申请材料", "残疾人补贴没有到账", "临时救助申请"}},
    {"other", 20, {"咨询社区活动", "建议增设休闲座椅", "反映其他问题"}},
};

static const char *pick_category(int *kind)
{
	int64_t x = below(1000);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		x -= kinds[i].weight;
		if (x < 0) {
			*kind = (int)i;
			return kinds[i].category;
		}
	}
	*kind = 0;
	return kinds[0].category;
}

/* The people and places orders go to; made by the caller's demo. */
struct cast {
	const char **communities; /* area codes */
	int ncommunities;
	int64_t *teams, *partners, *users;
	int nteams, npartners, nusers;
	int64_t staff; /* who records and runs the loop */
};

static int load_ids(struct db *db, const char *sql, int64_t **out, struct arena *a)
{
	int n = 0, cap = 64;
	*out = arena_alloc(a, sizeof(**out) * (size_t)cap);
	struct db_stmt *st = db_stmt(db, sql, NULL);
	while (st != NULL && db_step(st) == DB_ROW && n < cap)
		(*out)[n++] = db_int(st, 0);
	if (st)
		db_reset(st);
	return n;
}

static bool cast_load(struct db *db, struct arena *a, struct cast *c)
{
	struct db_stmt *st = db_stmt(db, "SELECT code FROM areas WHERE kind = 'community' ORDER BY code", NULL);
	c->communities = arena_alloc(a, sizeof(char *) * 256);
	c->ncommunities = 0;
	while (st != NULL && db_step(st) == DB_ROW && c->ncommunities < 256)
		c->communities[c->ncommunities++] = arena_strdup(a, db_text(st, 0));
	if (st)
		db_reset(st);
	c->nteams = load_ids(db, "SELECT id FROM teams ORDER BY id", &c->teams, a);
	c->npartners = load_ids(db, "SELECT id FROM partners ORDER BY id", &c->partners, a);
	c->nusers = load_ids(db,
	    "SELECT DISTINCT user_id FROM role_assignments WHERE role IN ('grid_worker', 'community_staff') ORDER BY 1",
	    &c->users, a);
	int64_t *staff;
	int nstaff = load_ids(db,
	    "SELECT user_id FROM role_assignments WHERE role IN ('community_staff', 'district_admin', 'street_admin')"
	    " ORDER BY role = 'community_staff' DESC, user_id",
	    &staff, a);
	c->staff = nstaff > 0 ? staff[0] : 0;
	return c->ncommunities > 0 && c->staff != 0;
}

struct made {
	const char *state;
	int64_t created, dispatched, due, closed, rework, deferred;
	const char *satisfaction;
	int64_t team, partner, user;
};

/* Decide an order's story from its age: old ones mostly done, recent ones on their way. */
static void story(const struct cast *cast, const struct calendar *cal, int64_t now, int64_t created, int64_t limit_h,
    bool working, struct made *m)
{
	*m = (struct made){.state = "collected", .created = created};
	int64_t age = now - created, x = below(1000);
	if (x < 25) {
		m->state = "rejected";
		return;
	}
	if (age < 3600 * (2 + below(6)))
		return; /* not yet accepted */
	int pick = (int)below(3);
	if (pick == 0 && cast->nteams > 0)
		m->team = cast->teams[below(cast->nteams)];
	else if (pick == 1 && cast->npartners > 0)
		m->partner = cast->partners[below(cast->npartners)];
	else if (cast->nusers > 0)
		m->user = cast->users[below(cast->nusers)];
	else
		return;
	m->dispatched = created + 600 + below(4 * 3600);
	if (m->dispatched > now || (age < 2 * 86400 && below(4) == 0)) { /* waiting to be dispatched */
		m->team = m->partner = m->user = 0;
		m->state = "accepted";
		m->dispatched = 0;
		return;
	}
	m->due = calendar_add(cal, m->dispatched, limit_h, working);
	m->rework = below(100) < 8;
	m->deferred = below(1000) < 15;
	/* Most are done within the limit; some late. */
	int64_t span = m->due - m->dispatched;
	int64_t took = below(100) < 82 ? span / 5 + below(span * 4 / 5 + 1) : span + below(span * 2 + 1);
	int64_t done = m->dispatched + took;
	if (done > now) {
		static const char *const open[] = {"dispatched", "handled", "reported"};
		m->state = open[below(3)];
		return;
	}
	m->closed = done;
	if (x < 35) {
		m->state = "voided";
		m->closed = 0;
		return;
	}
	if (now - done < 2 * 86400 && below(3) == 0) {
		m->state = "verified"; /* handled and checked, to be closed */
		m->closed = 0;
		return;
	}
	if (now - done < 86400 && below(2) == 0) {
		m->state = "closed";
		return;
	}
	int64_t s = below(100);
	m->satisfaction = s < 80 ? "satisfied" : s < 95 ? "basically_satisfied" : "dissatisfied";
	if (strcmp(m->satisfaction, "dissatisfied") == 0)
		m->rework = 1; /* reopened once and closed again */
	m->state = "evaluated";
}

/* The steps of an order's story, for its timeline. */
static int steps(struct db *db, int64_t id, const struct made *m, int64_t staff, int64_t handler)
{
	static const char *const path[][3] = {{"accept", "collected", "accepted"},
	    {"dispatch", "accepted", "dispatched"}, {"handle", "dispatched", "handled"},
	    {"report", "handled", "reported"}, {"verify", "reported", "verified"}, {"close", "verified", "closed"},
	    {"evaluate", "closed", "evaluated"}};
	int upto = strcmp(m->state, "accepted") == 0     ? 1
	           : strcmp(m->state, "dispatched") == 0 ? 2
	           : strcmp(m->state, "handled") == 0    ? 3
	           : strcmp(m->state, "reported") == 0   ? 4
	           : strcmp(m->state, "verified") == 0   ? 5
	           : strcmp(m->state, "closed") == 0     ? 6
	           : strcmp(m->state, "evaluated") == 0  ? 7
	                                                 : 0;
	int rc = order_step(db, id, "collect", "", "collected", staff, NULL, m->created);
	if (rc == DB_OK && strcmp(m->state, "rejected") == 0)
		rc = order_step(
		    db, id, "reject", "collected", "rejected", staff, "不属于社区受理范围", m->created + 1800);
	for (int i = 0; i < upto && rc == DB_OK; i++) {
		int64_t at = i < 2 ? m->created + 300 * (i + 1)
		                   : m->dispatched + (m->closed ? (m->closed - m->dispatched) : 3600) * (i - 1) / 6;
		rc = order_step(db, id, path[i][0], path[i][1], path[i][2], i >= 2 && i <= 3 ? handler : staff,
		    i == 6 ? m->satisfaction : NULL, at);
	}
	return rc;
}

int orders_demo(struct db *db, int64_t count, int64_t now, uint64_t seed, bool timelines)
{
	rng = seed * 0x9e3779b97f4a7c15ULL + 7;
	struct arena *a = arena_new();
	struct cast cast;
	const struct calendar *cal = holidays_calendar(db, a);
	if (!cast_load(db, a, &cast) || cal == NULL) {
		arena_free(a);
		return DB_ERROR;
	}
	struct db_stmt *ins = db_prepare(db,
	    "INSERT INTO work_orders (category, state, version, urgency, channel, origin, description, area_code,"
	    " address, resident_id, confidential, assignee_team, assignee_partner, assignee_user, dispatched_at, due_at,"
	    " rework, deferred, escalated_to, satisfaction, created_by, created_at, updated_at, closed_at)"
	    " VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?, nullif(?, 0), nullif(?, 0), nullif(?, 0), nullif(?, 0),"
	    " nullif(?, 0), ?, ?, NULL, ?, ?, ?, ?, nullif(?, 0))");
	static const char *const channels[] = {"visit", "walk_in", "phone", "self_service", "open311", "patrol"};
	int rc = ins != NULL ? DB_OK : DB_ERROR;
	/* A busier community: 青和居, where the demo's field accounts work. */
	for (int64_t i = 0; i < count && rc == DB_OK; i++) {
		int kind;
		const char *category = pick_category(&kind);
		struct category c;
		if (!category_get(db, category, &c))
			continue;
		bool urgent = below(100) < 10;
		int64_t created = now - below(183 * 86400);
		struct made m;
		story(&cast, cal, now, created, urgent ? c.limit_urgent : c.limit_normal, c.working_hours, &m);
		const char *area = below(100) < 20 ? "420107005008" : cast.communities[below(cast.ncommunities)];
		int p = 1;
		db_bind_text(ins, p++, category);
		db_bind_text(ins, p++, m.state);
		db_bind_int(ins, p++, 1 + below(8));
		db_bind_text(ins, p++, urgent ? "urgent" : "normal");
		db_bind_text(ins, p++, channels[below(6)]);
		db_bind_text(ins, p++, kinds[kind].texts[below(3)]);
		db_bind_text(ins, p++, area);
		db_bind_int(ins, p++, below(100) < 5);
		db_bind_int(ins, p++, m.team);
		db_bind_int(ins, p++, m.partner);
		db_bind_int(ins, p++, m.user);
		db_bind_int(ins, p++, m.dispatched);
		db_bind_int(ins, p++, m.due);
		db_bind_int(ins, p++, m.rework);
		db_bind_int(ins, p++, m.deferred);
		db_bind_text(ins, p++, m.satisfaction);
		db_bind_int(ins, p++, cast.staff);
		db_bind_int(ins, p++, m.created);
		db_bind_int(ins, p++, m.closed ? m.closed : m.created);
		db_bind_int(ins, p++, m.closed);
		rc = db_step(ins) == DB_DONE ? DB_OK : DB_ERROR;
		db_reset(ins);
		if (rc == DB_OK && timelines)
			rc = steps(db, db_last_id(db), &m, cast.staff, m.user ? m.user : cast.staff);
	}
	/* The metrics' rollups in one pass at the end, not order by order. */
	if (rc == DB_OK)
		rc = rollups_rebuild(db);
	arena_free(a);
	return rc;
}
