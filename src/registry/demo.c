/* A realistic demo district: Qingshan's real streets and communities, with
 * grids, estates and buildings below them, households of about 2.5 people, an
 * age structure like the 2020 census (about 19 % aged 60+), common surnames and
 * given names, valid-checksum synthetic ID numbers, and realistic shares of the
 * tags. The same seed gives the same district (names, numbers, addresses). */
#include "demo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../core/seal.h"
#include "../platform/area_tree.h"
#include "idnumber.h"
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

/* Building areas under community: grids, estates and buildings with codes that extend their parent's. */
static int add_area(struct db *db, const char *code, const char *parent, const char *kind, const char *name)
{
	int rc = db_run(db,
	    "INSERT INTO areas (code, parent_code, kind, name, short_name) VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT (code) DO NOTHING",
	    "ttttt", code, parent, kind, name, name);
	return rc == DB_DONE ? DB_OK : rc;
}

static const char *const estate_names[] = {"和平", "钢花", "青宜", "建设", "红卫", "友谊", "工人", "幸福", "新村",
    "绿景", "江景", "翠园", "康居", "馨苑", "怡景", "丰泽", "安居", "吉祥", "祥和", "春晖"};

/* Store one person; *id gets the resident's id. */
static int add_resident(struct db *db, struct arena *a, int64_t household, const char *area, const struct person *x,
    int64_t now, int year_now, int *seq, int64_t *id_out)
{
	char id[19], birth[11], phone[12];
	int by = year_now - x->age, bm = 1 + below(12), bd = 1 + below(28);
	const char *home = home_areas[below((int)(sizeof(home_areas) / sizeof(*home_areas)))];
	int s = (*seq = (*seq + 7) % 1000);
	if ((s % 2 == 1) != x->male)
		s = (s + 1) % 1000;
	snprintf(id, sizeof(id), "%s%04d%02d%02d%03d", home, by, bm, bd, s);
	id[17] = id_check_char(id);
	id[18] = '\0';
	snprintf(birth, sizeof(birth), "%04d-%02d-%02d", by, bm, bd);
	bool has_phone = x->age >= 14 && chance(0.85);
	if (has_phone) {
		snprintf(phone, sizeof(phone), "1%d%09d", 3 + below(7), below(1000000000));
	}
	struct resident_row row = {household, area, x->name, x->male ? "male" : "female", birth, "id_card", id,
	    has_phone ? phone : NULL, x->relation, ""};
	return resident_insert(db, a, &row, now, id_out);
}

static int tag(struct db *db, int64_t resident, const char *t)
{
	return db_run(db, "INSERT INTO resident_tags (resident_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", "it",
	           resident, t) == DB_DONE
	           ? DB_OK
	           : DB_ERROR;
}

/* Tags by realistic shares, from the household's make-up. */
static int add_tags(struct db *db, int64_t first_id, const struct person *p, int n)
{
	int rc = DB_OK;
	bool all_old = true;
	for (int i = 0; i < n; i++)
		all_old = all_old && p[i].age >= 60;
	for (int i = 0; i < n && rc == DB_OK; i++) {
		int64_t id = first_id + i;
		const struct person *x = &p[i];
		if (n == 1 && x->age >= 65)
			rc = tag(db, id, "living_alone");
		else if (n == 2 && all_old)
			rc = tag(db, id, "empty_nest");
		if (rc == DB_OK && chance(x->age >= 60 ? 0.09 : 0.03))
			rc = tag(db, id, "disabled");
		if (rc == DB_OK && chance(0.02))
			rc = tag(db, id, "minimum_income");
		if (rc == DB_OK && chance(0.003))
			rc = tag(db, id, "extreme_hardship");
		if (rc == DB_OK && x->age >= 18 && chance(0.09))
			rc = tag(db, id, "party_member");
		if (rc == DB_OK && x->male && x->age >= 20 && chance(0.04))
			rc = tag(db, id, "veteran");
		if (rc == DB_OK && chance(0.01))
			rc = tag(db, id, "key_care");
	}
	return rc;
}

int demo_registry(struct db *db, int64_t residents, uint64_t seed, int64_t *made)
{
	rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
	int64_t now = clock_now();
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	int year_now = tm.tm_year + 1900;

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

	int64_t per_community = residents / ncom + 1, total = 0;
	int seq = (int)(seed % 1000);
	struct person people[8];
	for (int c = 0; c < ncom && total < residents; c++) {
		struct arena *a = arena_new();
		int rc = db_begin(db);
		int64_t target = total + per_community < residents ? per_community : residents - total;
		int64_t made_here = 0;
		/* Two to four grids, each with estates of six-storey-to-high-rise buildings. */
		int grids = 2 + below(3);
		for (int g = 0; g < grids && rc == DB_OK && made_here < target; g++) {
			char grid[40], gname[32];
			snprintf(grid, sizeof(grid), "%s%03d", codes[c], g + 1);
			snprintf(gname, sizeof(gname), "第%d网格", g + 1);
			rc = add_area(db, grid, codes[c], "grid", gname);
			int64_t grid_target = (target - made_here) / (grids - g);
			int64_t grid_made = 0;
			for (int e = 0; e < 999 && rc == DB_OK && grid_made < grid_target; e++) {
				char estate[48], ename[64];
				snprintf(estate, sizeof(estate), "%s%03d", grid, e + 1);
				snprintf(ename, sizeof(ename), "%s%s小区", estate_names[below(20)], e % 2 ? "苑" : "");
				rc = add_area(db, estate, grid, "estate", ename);
				int buildings = 4 + below(9);
				for (int b = 0; b < buildings && rc == DB_OK && grid_made < grid_target; b++) {
					char building[56], bname[16];
					snprintf(building, sizeof(building), "%s%03d", estate, b + 1);
					snprintf(bname, sizeof(bname), "%d栋", b + 1);
					rc = add_area(db, building, estate, "building", bname);
					int units = 1 + below(4), floors = 6 + below(13);
					for (int u = 1; u <= units && rc == DB_OK && grid_made < grid_target; u++) {
						for (int f = 1; f <= floors && rc == DB_OK && grid_made < grid_target;
						     f++) {
							for (int room = 1;
							     room <= 2 && rc == DB_OK && grid_made < grid_target;
							     room++) {
								char unit_s[8], room_s[8];
								snprintf(unit_s, sizeof(unit_s), "%d", u);
								snprintf(room_s, sizeof(room_s), "%d%02d", f, room);
								rc =
								    db_run(db,
								        "INSERT INTO households (area_code, unit, room, created_at,"
								        " updated_at) VALUES (?, ?, ?, ?, ?)",
								        "tttii", building, unit_s, room_s, now,
								        now) == DB_DONE
								        ? DB_OK
								        : DB_ERROR;
								int64_t hh = db_last_id(db);
								int n = make_household(people);
								int64_t first = 0, rid = 0;
								int stored = 0;
								for (int i = 0; i < n && rc == DB_OK; i++) {
									int r = add_resident(db, a, hh, building,
									    &people[i], now, year_now, &seq, &rid);
									if (r == DB_CONSTRAINT)
										continue;
									rc = r;
									if (stored++ == 0)
										first = rid;
								}
								/* Residents of one household get consecutive ids (tags assume so). */
								if (rc == DB_OK && stored == n)
									rc = add_tags(db, first, people, n);
								grid_made += stored;
							}
						}
					}
				}
			}
			made_here += grid_made;
		}
		if (rc == DB_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		arena_free(a);
		if (rc != DB_OK)
			return rc;
		total += made_here;
	}
	areas_changed();
	*made = total;
	return DB_OK;
}
