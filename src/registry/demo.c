/* A realistic demo district: Qingshan's real streets and communities, with
 * grids, estates and buildings below them, households of about 2.5 people, an
 * age structure like the 2020 census (about 19 % aged 60+), common surnames and
 * given names, valid-checksum synthetic ID numbers, and realistic shares of the
 * tags. The same seed gives the same district (names, numbers, addresses). */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../core/seal.h"
#include "../platform/area_tree.h"
#include "idnumber.h"
#include "load.h"
#include "registry.h"
#include "../core/banned.h"

/* splitmix64: small, fast and good enough for synthetic data. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static int below(int n) { return (int)(rnd() % (uint64_t)n); }
static bool chance(double p) { return (double)(rnd() >> 11) / (double)(1ULL << 53) < p; }

/* The most common surnames, roughly by frequency (several listed twice to weight them). */
static const char *const surnames[] = {"王", "王", "李", "李", "张", "张", "刘", "刘", "陈", "陈", "杨", "黄", "赵",
    "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩",
    "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "魏"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀", "英", "霞", "平", "刚", "桂", "兰", "华", "红", "玉", "文", "辉", "建", "国", "志", "小",
    "春", "海", "金", "凤", "梅", "林", "波", "斌", "宇", "浩", "婷", "雪", "琳", "晨", "欣", "子", "涵", "俊", "慧",
    "鹏", "飞", "云", "德", "荣", "珍", "淑", "秋"};
/* Registered-household areas of people living here: mostly Qingshan, some elsewhere in Wuhan and Hubei. */
static const char *const home_areas[] = {"420107", "420107", "420107", "420107", "420107", "420106", "420111", "420102",
    "420104", "420115", "421002", "420602", "421102"};

static void make_name(char *out, size_t n)
{
	const char *s = surnames[below((int)(sizeof(surnames) / sizeof(*surnames)))];
	const char *g1 = given[below((int)(sizeof(given) / sizeof(*given)))];
	if (chance(0.35))
		snprintf(out, n, "%s%s", s, g1);
	else
		snprintf(out, n, "%s%s%s", s, g1, given[below((int)(sizeof(given) / sizeof(*given)))]);
}

/* An age drawn from a census-like pyramid: 0–14 14 %, 15–59 67 %, 60–79 16 %, 80+ 3 %. */
static int draw_age(void)
{
	double p = (double)(rnd() >> 11) / (double)(1ULL << 53);
	if (p < 0.14)
		return below(15);
	if (p < 0.81)
		return 15 + below(45);
	if (p < 0.97)
		return 60 + below(20);
	return 80 + below(18);
}

struct person {
	char name[40];
	int age;
	bool male;
	const char *relation;
};

/* A household: a head, maybe a spouse, children or a parent; the composition follows the head's age. */
static int make_household(struct person *p)
{
	static const int sizes[] = {1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5};
	int n = sizes[below(20)];
	int head = draw_age();
	if (head < 20)
		head = 20 + below(60);
	for (int i = 0; i < n; i++) {
		struct person *x = &p[i];
		make_name(x->name, sizeof(x->name));
		x->male = chance(0.5);
		if (i == 0) {
			x->age = head;
			x->relation = "head";
		} else if (i == 1 && head >= 22) {
			x->age = head + below(9) - 4;
			x->male = !p[0].male;
			x->relation = "spouse";
		} else if (head >= 50 && chance(0.15) && head + 25 < 100) {
			x->age = head + 24 + below(8);
			x->relation = "parent";
		} else {
			x->age = head - 22 - below(14);
			if (x->age < 0)
				x->age = below(6);
			x->relation = "child";
		}
		if (x->age > 104)
			x->age = 104;
	}
	return n;
}

static const char *const estate_names[] = {"和平", "钢花", "青宜", "建设", "红卫", "友谊", "工人", "幸福", "新村",
    "绿景", "江景", "翠园", "康居", "馨苑", "怡景", "丰泽", "安居", "吉祥", "祥和", "春晖"};

/* Tags by realistic shares, from the household's make-up. */
static int add_tags(struct load *l, const int64_t *ids, const struct person *p, int n)
{
	int rc = DB_OK;
	bool all_old = true;
	for (int i = 0; i < n; i++)
		all_old = all_old && p[i].age >= 60;
	for (int i = 0; i < n && rc == DB_OK; i++) {
		const struct person *x = &p[i];
		if (n == 1 && x->age >= 65)
			rc = load_tag(l, ids[i], "living_alone");
		else if (n == 2 && all_old)
			rc = load_tag(l, ids[i], "empty_nest");
		if (rc == DB_OK && chance(x->age >= 60 ? 0.09 : 0.03))
			rc = load_tag(l, ids[i], "disabled");
		if (rc == DB_OK && chance(0.02))
			rc = load_tag(l, ids[i], "minimum_income");
		if (rc == DB_OK && chance(0.003))
			rc = load_tag(l, ids[i], "extreme_hardship");
		if (rc == DB_OK && x->age >= 18 && chance(0.09))
			rc = load_tag(l, ids[i], "party_member");
		if (rc == DB_OK && x->male && x->age >= 20 && chance(0.04))
			rc = load_tag(l, ids[i], "veteran");
		if (rc == DB_OK && chance(0.01))
			rc = load_tag(l, ids[i], "key_care");
	}
	return rc;
}

/* The district being built: the load, the clock, the ID numbers drawn so far. */
struct build {
	struct db *db;
	struct load *load;
	struct arena *a;
	int64_t now;
	int year_now, seq;
	int64_t made;
	uint64_t *ids; /* the first 17 digits of each ID number, an open-addressing set (0: empty) */
	size_t nids, ids_cap;
};

/* Whether the 17 digits were drawn before; if not, they are now. */
static bool drawn_before(struct build *b, uint64_t digits)
{
	if (2 * (b->nids + 1) > b->ids_cap) {
		size_t cap = b->ids_cap ? b->ids_cap * 2 : 1 << 16;
		uint64_t *set = calloc(cap, sizeof(*set));
		if (set == NULL)
			fatal("out of memory");
		for (size_t i = 0; i < b->ids_cap; i++)
			for (size_t j = b->ids[i] % cap; b->ids[i] != 0; j = (j + 1) % cap)
				if (set[j] == 0) {
					set[j] = b->ids[i];
					break;
				}
		free(b->ids);
		b->ids = set;
		b->ids_cap = cap;
	}
	size_t j = digits % b->ids_cap;
	for (; b->ids[j] != 0; j = (j + 1) % b->ids_cap)
		if (b->ids[j] == digits)
			return true;
	b->ids[j] = digits;
	b->nids++;
	return false;
}

/* Store one person; *id gets the resident's id. The sequence number is moved on
 * (keeping its parity, which is the sex) until the ID number is one not drawn yet;
 * DB_CONSTRAINT if all 500 were. */
static int add_resident(struct build *b, int64_t household, const char *area, const struct person *x, int64_t *id_out)
{
	char id[19], birth[11], phone[12];
	int by = b->year_now - x->age, bm = 1 + below(12), bd = 1 + below(28);
	const char *home = home_areas[below((int)(sizeof(home_areas) / sizeof(*home_areas)))];
	int s = (b->seq = (b->seq + 7) % 1000);
	if ((s % 2 == 1) != x->male)
		s = (s + 1) % 1000;
	for (int tries = 0;; tries++, s = (s + 2) % 1000) {
		if (tries == 500)
			return DB_CONSTRAINT;
		snprintf(id, sizeof(id), "%s%04d%02d%02d%03d", home, by, bm, bd, s);
		uint64_t digits = 0;
		for (int i = 0; i < 17; i++)
			digits = digits * 10 + (uint64_t)(id[i] - '0');
		if (!drawn_before(b, digits))
			break;
	}
	id[17] = id_check_char(id);
	id[18] = '\0';
	snprintf(birth, sizeof(birth), "%04d-%02d-%02d", by, bm, bd);
	bool has_phone = x->age >= 14 && chance(0.85);
	if (has_phone)
		snprintf(phone, sizeof(phone), "1%d%09d", 3 + below(7), below(1000000000));
	struct resident_row row = {household, area, x->name, x->male ? "male" : "female", birth, "id_card", id,
	    has_phone ? phone : NULL, x->relation, ""};
	return resident_insert(b->db, b->a, &row, b->now, id_out);
}

/* One household at room of unit in building, with its people and their tags. */
static int add_household(struct build *b, const char *building, int unit, int room)
{
	char unit_s[8], room_s[8];
	snprintf(unit_s, sizeof(unit_s), "%d", unit);
	snprintf(room_s, sizeof(room_s), "%d", room);
	int64_t hh;
	int rc = load_household(b->load, building, unit_s, room_s, &hh);
	struct person people[8];
	int64_t ids[8];
	int n = make_household(people), stored = 0;
	for (int i = 0; i < n && rc == DB_OK; i++, arena_reset(b->a)) {
		rc = add_resident(b, hh, building, &people[i], &ids[stored]);
		if (rc == DB_CONSTRAINT) {
			rc = DB_OK; /* no ID number left for that birthday: one person fewer */
			continue;
		}
		people[stored++] = people[i];
	}
	if (rc == DB_OK)
		rc = add_tags(b->load, ids, people, stored);
	b->made += stored;
	return rc;
}

/* A building of 6 to 18 floors with 1 to 4 entrances and two households a floor, until target. */
static int add_building(struct build *b, const char *estate, int number, int64_t target)
{
	char name[16];
	snprintf(name, sizeof(name), "%d栋", number);
	const char *building;
	int rc = load_area(b->load, estate, "building", name, &building);
	int units = 1 + below(4), floors = 6 + below(13);
	for (int u = 1; u <= units && rc == DB_OK && b->made < target; u++)
		for (int f = 1; f <= floors && rc == DB_OK && b->made < target; f++)
			for (int r = 1; r <= 2 && rc == DB_OK && b->made < target; r++)
				rc = add_household(b, building, u, f * 100 + r);
	return rc;
}

/* A community's grids (two to four), each with estates of four to twelve buildings, until target. */
static int add_community(struct build *b, const char *community, int64_t target)
{
	int rc = DB_OK, grids = 2 + below(3);
	for (int g = 0; g < grids && rc == DB_OK && b->made < target; g++) {
		char name[64];
		snprintf(name, sizeof(name), "第%d网格", g + 1);
		const char *grid;
		rc = load_area(b->load, community, "grid", name, &grid);
		int64_t grid_target = b->made + (target - b->made) / (grids - g);
		int first = below(20);
		for (int e = 0; e < 999 && rc == DB_OK && b->made < grid_target; e++) {
			/* Estate names are unique within a grid: a name comes back as its second phase. */
			if (e < 20)
				snprintf(
				    name, sizeof(name), "%s%s小区", estate_names[(first + e) % 20], e % 2 ? "苑" : "");
			else
				snprintf(name, sizeof(name), "%s%s小区%d期", estate_names[(first + e) % 20],
				    e % 2 ? "苑" : "", e / 20 + 1);
			const char *estate;
			rc = load_area(b->load, grid, "estate", name, &estate);
			int buildings = 4 + below(9);
			for (int k = 1; k <= buildings && rc == DB_OK && b->made < grid_target; k++)
				rc = add_building(b, estate, k, grid_target);
		}
	}
	return rc;
}

int demo_registry(struct db *db, int64_t residents, uint64_t seed, int64_t *made)
{
	rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
	struct build b = {.db = db, .now = clock_now(), .seq = (int)(seed % 1000)};
	time_t t = (time_t)b.now;
	struct tm tm;
	gmtime_r(&t, &tm);
	b.year_now = tm.tm_year + 1900;

	/* The communities (and villages) of the district, in code order. */
	struct db_stmt *st =
	    db_stmt(db, "SELECT code FROM areas WHERE kind IN ('community', 'village') ORDER BY code", NULL);
	char codes[512][16];
	int ncom = 0;
	while (st != NULL && db_step(st) == DB_ROW && ncom < 512)
		snprintf(codes[ncom++], sizeof(codes[0]), "%s", db_text(st, 0));
	if (st)
		db_reset(st);
	if (ncom == 0)
		return DB_ERROR;

	/* One transaction: the load builds the indexes once, at its end. */
	int rc = db_begin(db);
	if (rc != DB_OK)
		return rc;
	b.load = load_begin(db, b.now);
	b.a = arena_new();
	int64_t per_community = residents / ncom + 1;
	for (int c = 0; c < ncom && rc == DB_OK && b.made < residents; c++) {
		int64_t target = b.made + per_community < residents ? b.made + per_community : residents;
		rc = add_community(&b, codes[c], target);
	}
	arena_free(b.a);
	free(b.ids);
	if (rc == DB_OK)
		rc = load_finish(b.load);
	else
		load_abandon(b.load);
	if (rc == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK) {
		db_rollback(db);
		return rc;
	}
	areas_changed();
	*made = b.made;
	return DB_OK;
}
