#include "import.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/seal.h"
#include "../platform/area_tree.h"
#include "idnumber.h"
#include "registry.h"
#include "../core/banned.h"

enum col {
	C_NAME,
	C_COMMUNITY,
	C_GENDER,
	C_BIRTH,
	C_DOCTYPE,
	C_ID,
	C_PHONE,
	C_STREET,
	C_GRID,
	C_ESTATE,
	C_BUILDING,
	C_UNIT,
	C_ROOM,
	C_RELATION,
	C_TAGS,
	C_COUNT
};

/* Column headers: the Chinese a spreadsheet has, the English alias, and common variants. */
static const struct {
	enum col col;
	const char *names[5];
} headers[] = {
    {C_NAME, {"姓名", "name"}},
    {C_COMMUNITY, {"社区", "community", "社区居委会", "村（社区）"}},
    {C_GENDER, {"性别", "gender", "sex"}},
    {C_BIRTH, {"出生日期", "birth_date", "出生年月"}},
    {C_DOCTYPE, {"证件类型", "document_type"}},
    {C_ID, {"身份证号", "id_number", "身份证号码", "证件号码"}},
    {C_PHONE, {"联系电话", "phone", "手机号码", "电话"}},
    {C_STREET, {"街道", "street"}},
    {C_GRID, {"网格", "grid"}},
    {C_ESTATE, {"小区", "estate"}},
    {C_BUILDING, {"楼栋", "building"}},
    {C_UNIT, {"单元", "unit"}},
    {C_ROOM, {"房号", "room", "门牌号"}},
    {C_RELATION, {"与户主关系", "relation"}},
    {C_TAGS, {"标签", "tags"}},
};

static const char *const col_names[C_COUNT] = {"name", "community", "gender", "birth_date", "document_type",
    "id_number", "phone", "street", "grid", "estate", "building", "unit", "room", "relation", "tags"};

/* Values by their Chinese or English names. */
struct alias {
	const char *given, *value;
};
static const struct alias genders[] = {{"男", "male"}, {"女", "female"}, {"male", "male"}, {"female", "female"},
    {"M", "male"}, {"F", "female"}, {NULL, NULL}};
static const struct alias doc_types[] = {{"居民身份证", "id_card"}, {"身份证", "id_card"}, {"id_card", "id_card"},
    {"港澳台居民居住证", "hkmotw_permit"}, {"hkmotw_permit", "hkmotw_permit"}, {"外国人永久居留证", "foreign_permit"},
    {"foreign_permit", "foreign_permit"}, {"护照", "passport"}, {"passport", "passport"}, {"无", "none"},
    {"none", "none"}, {NULL, NULL}};
static const struct alias relations[] = {{"户主", "head"}, {"本人", "head"}, {"head", "head"}, {"配偶", "spouse"},
    {"spouse", "spouse"}, {"子女", "child"}, {"子", "child"}, {"女", "child"}, {"child", "child"}, {"父母", "parent"},
    {"父亲", "parent"}, {"母亲", "parent"}, {"parent", "parent"}, {"其他", "other"}, {"other", "other"}, {NULL, NULL}};

static const char *alias_of(const struct alias *t, const char *s)
{
	for (; t->given != NULL; t++)
		if (strcasecmp(t->given, s) == 0)
			return t->value;
	return NULL;
}

/* --- reading the file --- */

struct records {
	struct arena *a;
	char ***rows;
	size_t *widths;
	size_t n, cap;
	char **cur;
	size_t width, cur_cap;
};

static void on_field(void *s, size_t len, void *data)
{
	struct records *r = data;
	if (r->width == r->cur_cap) {
		size_t cap = r->cur_cap ? r->cur_cap * 2 : 16;
		char **more = arena_alloc(r->a, cap * sizeof(*more));
		if (r->width)
			memcpy(more, r->cur, r->width * sizeof(*more));
		r->cur = more;
		r->cur_cap = cap;
	}
	/* Spreadsheets pad cells with spaces; they are never meaningful here. */
	const char *p = s ? s : "";
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	r->cur[r->width++] = arena_strndup(r->a, p, len);
}

static void on_row(int c, void *data)
{
	(void)c;
	struct records *r = data;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		char ***rows = realloc(r->rows, cap * sizeof(*rows));
		size_t *widths = realloc(r->widths, cap * sizeof(*widths));
		if (rows == NULL || widths == NULL)
			fatal("out of memory");
		r->rows = rows;
		r->widths = widths;
		r->cap = cap;
	}
	r->rows[r->n] = r->cur;
	r->widths[r->n++] = r->width;
	r->cur = NULL;
	r->width = r->cur_cap = 0;
}

/* The file as UTF-8: a BOM is dropped; text that is not UTF-8 is read as GB18030. */
static char *to_utf8(struct arena *a, const char *data, size_t n, size_t *out_n)
{
	if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		n -= 3;
	}
	if (utf8_valid(data, n)) {
		*out_n = n;
		return arena_strndup(a, data, n);
	}
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 2 + 16, left = cap;
	char *out = arena_alloc(a, cap), *o = out;
	char *in = (char *)data;
	size_t in_left = n;
	size_t rc = iconv(cd, &in, &in_left, &o, &left);
	iconv_close(cd);
	if (rc == (size_t)-1 || in_left != 0 || !utf8_valid(out, cap - left))
		return NULL;
	*out_n = cap - left;
	return out;
}

/* --- areas --- */

/* A community (or village) by code, full name or short name; NULL if none. */
static const char *community_code(struct db *db, const char *given)
{
	if (area_code_valid(given)) {
		const struct area *x = area_find(db, given);
		return x && (strcmp(x->kind, "community") == 0 || strcmp(x->kind, "village") == 0) ? x->code : NULL;
	}
	struct db_stmt *st = db_stmt(db,
	    "SELECT code FROM areas WHERE kind IN ('community', 'village') AND (name = ? OR short_name = ?)"
	    " ORDER BY code LIMIT 1",
	    "tt", given, given);
	static _Thread_local char code[32];
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found)
		snprintf(code, sizeof(code), "%s", db_text(st, 0));
	if (st)
		db_reset(st);
	return found ? code : NULL;
}

/* The child of parent called name (of this kind), created if missing; its code in out. */
static int child_area(struct db *db, const char *parent, const char *kind, const char *name, char *out, size_t n)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT code FROM areas WHERE parent_code = ? AND kind = ? AND (name = ? OR short_name = ?)",
	        "tttt", parent, kind, name, name);
	if (st != NULL && db_step(st) == DB_ROW) {
		snprintf(out, n, "%s", db_text(st, 0));
		db_reset(st);
		return DB_OK;
	}
	if (st)
		db_reset(st);
	/* Children extend the parent's code by three digits. */
	st = db_stmt(db, "SELECT max(code) FROM areas WHERE parent_code = ?", "t", parent);
	int64_t next = 1;
	if (st != NULL && db_step(st) == DB_ROW && !db_null(st, 0)) {
		const char *last = db_text(st, 0);
		int64_t v;
		if (strlen(last) == strlen(parent) + 3 && parse_i64(last + strlen(parent), 3, 0, 999, &v))
			next = v + 1;
	}
	if (st)
		db_reset(st);
	if (next > 999)
		return DB_CONSTRAINT;
	snprintf(out, n, "%s%03lld", parent, (long long)next);
	int rc = db_run(db, "INSERT INTO areas (code, parent_code, kind, name, short_name) VALUES (?, ?, ?, ?, ?)",
	    "ttttt", out, parent, kind, name, name);
	return rc == DB_DONE ? DB_OK : rc;
}

static int household(struct db *db, const char *area, const char *unit, const char *room, int64_t now, int64_t *id)
{
	struct db_stmt *st = db_stmt(
	    db, "SELECT id FROM households WHERE area_code = ? AND unit = ? AND room = ?", "ttt", area, unit, room);
	if (st != NULL && db_step(st) == DB_ROW) {
		*id = db_int(st, 0);
		db_reset(st);
		return DB_OK;
	}
	if (st)
		db_reset(st);
	int rc =
	    db_run(db, "INSERT INTO households (area_code, unit, room, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
	        "tttii", area, unit, room, now, now);
	*id = db_last_id(db);
	return rc == DB_DONE ? DB_OK : rc;
}

/* --- rows --- */

struct ctx {
	struct db *db;
	struct arena *a;
	FILE *report;
	int64_t now;
	int cols[C_COUNT]; /* column index of each field, -1 if absent */
	/* Blind indexes of document numbers seen in this file, to refuse repeats. */
	unsigned char (*seen)[BLIND_BYTES];
	size_t nseen, seen_cap;
};

static void reject(struct ctx *c, int64_t row, enum col col, const char *value, const char *reason)
{
	if (c->report == NULL)
		return;
	fprintf(c->report, "%lld,", (long long)row);
	csv_fwrite(c->report, col_names[col], strlen(col_names[col]));
	fputc(',', c->report);
	csv_fwrite(c->report, value ? value : "", value ? strlen(value) : 0);
	fputc(',', c->report);
	csv_fwrite(c->report, reason, strlen(reason));
	fputs("\r\n", c->report);
}

static const char *field(struct ctx *c, char **row, size_t width, enum col col)
{
	int i = c->cols[col];
	if (i < 0 || (size_t)i >= width || row[i][0] == '\0')
		return NULL;
	return row[i];
}

/* Whether idx was seen on an earlier row (an open-addressing set; idx is a keyed hash, so well spread). */
static bool seen_before(struct ctx *c, const unsigned char idx[BLIND_BYTES])
{
	if (2 * (c->nseen + 1) > c->seen_cap) {
		size_t cap = c->seen_cap ? c->seen_cap * 2 : 4096;
		unsigned char(*set)[BLIND_BYTES] = calloc(cap, BLIND_BYTES);
		if (set == NULL)
			fatal("out of memory");
		static const unsigned char zero[BLIND_BYTES];
		for (size_t i = 0; i < c->seen_cap; i++) {
			if (memcmp(c->seen[i], zero, BLIND_BYTES) == 0)
				continue;
			uint64_t h;
			memcpy(&h, c->seen[i], sizeof(h));
			size_t j = h & (cap - 1);
			while (memcmp(set[j], zero, BLIND_BYTES) != 0)
				j = (j + 1) & (cap - 1);
			memcpy(set[j], c->seen[i], BLIND_BYTES);
		}
		free(c->seen);
		c->seen = set;
		c->seen_cap = cap;
	}
	static const unsigned char zero[BLIND_BYTES];
	uint64_t h;
	memcpy(&h, idx, sizeof(h));
	size_t j = h & (c->seen_cap - 1);
	while (memcmp(c->seen[j], zero, BLIND_BYTES) != 0) {
		if (memcmp(c->seen[j], idx, BLIND_BYTES) == 0)
			return true;
		j = (j + 1) & (c->seen_cap - 1);
	}
	memcpy(c->seen[j], idx, BLIND_BYTES);
	c->nseen++;
	return false;
}

static bool phone_ok(const char *p)
{
	size_t n = strlen(p);
	const char *dash = strchr(p, '-');
	if (dash == NULL) {
		if (n != 11 || p[0] != '1' || p[1] < '3')
			return false;
	} else if (p[0] != '0' || dash - p < 3 || dash - p > 4 || n - (size_t)(dash - p) - 1 < 7 ||
	           n - (size_t)(dash - p) - 1 > 8) {
		return false;
	}
	for (const char *q = p; *q; q++)
		if (q != dash && (*q < '0' || *q > '9'))
			return false;
	return true;
}

/* A date as YYYY-MM-DD from 1950-03-01, 1950/3/1 or 19500301; false if not a past date. */
static bool parse_date(const char *s, int64_t now, char out[11])
{
	int64_t y, m, d;
	size_t n = strlen(s);
	if (n == 8 && parse_i64(s, 4, 1800, 2999, &y) && parse_i64(s + 4, 2, 1, 12, &m) &&
	    parse_i64(s + 6, 2, 1, 31, &d)) {
		/* 19500301 */
	} else {
		const char *p = s, *e;
		char sep = strchr(s, '/') ? '/' : '-';
		if ((e = strchr(p, sep)) == NULL || !parse_i64(p, (size_t)(e - p), 1800, 2999, &y))
			return false;
		p = e + 1;
		if ((e = strchr(p, sep)) == NULL || !parse_i64(p, (size_t)(e - p), 1, 12, &m))
			return false;
		if (!parse_i64z(e + 1, 1, 31, &d))
			return false;
	}
	if (!date_valid((int)y, (int)m, (int)d))
		return false;
	snprintf(out, 11, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
	int64_t t;
	return clock_parse(out, &t) && t <= now;
}

/* Check one row and write it; the number of problems reported (0: imported). */
static int import_row(struct ctx *c, int64_t rowno, char **row, size_t width, bool *created)
{
	struct arena *a = c->a;
	int bad = 0;
	const char *name = field(c, row, width, C_NAME), *community = field(c, row, width, C_COMMUNITY);
	const char *gender_s = field(c, row, width, C_GENDER), *birth_s = field(c, row, width, C_BIRTH);
	const char *doc_s = field(c, row, width, C_DOCTYPE), *idn = field(c, row, width, C_ID);
	const char *phone = field(c, row, width, C_PHONE), *street = field(c, row, width, C_STREET);
	const char *rel_s = field(c, row, width, C_RELATION), *tags_s = field(c, row, width, C_TAGS);
	const char *gender = NULL, *doc = "id_card", *relation = NULL;
	char birth[11] = "";

	if (name == NULL || utf8_count(name, strlen(name)) > 32) {
		reject(c, rowno, C_NAME, name, name ? "has more than 32 characters" : "is required");
		bad++;
	}
	const char *code = community ? community_code(c->db, community) : NULL;
	if (community == NULL) {
		reject(c, rowno, C_COMMUNITY, NULL, "is required");
		bad++;
	} else if (code == NULL) {
		reject(c, rowno, C_COMMUNITY, community, "is not a community of this district");
		bad++;
	} else if (street != NULL) {
		const struct area *com = area_find(c->db, code);
		const struct area *st = com && com->parent ? area_find(c->db, com->parent) : NULL;
		if (st == NULL || (strcmp(st->code, street) != 0 && strcmp(st->name, street) != 0 &&
		                      strcmp(st->short_name, street) != 0)) {
			reject(c, rowno, C_STREET, street, "does not contain the community");
			bad++;
		}
	}
	if (code != NULL)
		code = arena_strdup(a, code);
	if (gender_s != NULL && (gender = alias_of(genders, gender_s)) == NULL) {
		reject(c, rowno, C_GENDER, gender_s, "must be 男 or 女 (male or female)");
		bad++;
	}
	if (birth_s != NULL && !parse_date(birth_s, c->now, birth)) {
		reject(c, rowno, C_BIRTH, birth_s, "must be a past date like 1950-03-01");
		bad++;
	}
	if (doc_s != NULL && (doc = alias_of(doc_types, doc_s)) == NULL) {
		reject(c, rowno, C_DOCTYPE, doc_s, "is not a known document type");
		bad++;
		doc = "id_card";
	}
	if (rel_s != NULL && (relation = alias_of(relations, rel_s)) == NULL) {
		reject(c, rowno, C_RELATION, rel_s, "must be 户主, 配偶, 子女, 父母 or 其他");
		bad++;
	}
	unsigned char idx[BLIND_BYTES];
	if (idn != NULL) {
		if (strlen(idn) == 18 && idn[17] == 'x') {
			char *upper = arena_strdup(a, idn);
			upper[17] = 'X';
			idn = upper;
		}
		struct id_info info;
		const char *why = NULL;
		if (strcmp(doc, "id_card") == 0 || strcmp(doc, "hkmotw_permit") == 0)
			why = id_validate(idn, strcmp(doc, "id_card") == 0 ? ID_RESIDENT : ID_HKMOTW, c->now, &info);
		if (why != NULL) {
			reject(c, rowno, C_ID, idn, why);
			bad++;
		} else if (strcmp(doc, "id_card") == 0 || strcmp(doc, "hkmotw_permit") == 0) {
			char derived[11];
			snprintf(derived, sizeof(derived), "%04d-%02d-%02d", info.year, info.month, info.day);
			if (birth[0] != '\0' && strcmp(birth, derived) != 0) {
				reject(c, rowno, C_BIRTH, birth_s, "differs from the birth date in the ID number");
				bad++;
			}
			if (gender != NULL && strcmp(gender, info.male ? "male" : "female") != 0) {
				reject(c, rowno, C_GENDER, gender_s, "differs from the sex in the ID number");
				bad++;
			}
			snprintf(birth, sizeof(birth), "%s", derived);
			gender = info.male ? "male" : "female";
		}
		blind_index("id_number", idn, idx);
		if (why == NULL && bad == 0 && seen_before(c, idx)) {
			reject(c, rowno, C_ID, idn, "appears on an earlier row of this file");
			bad++;
		}
	}
	if (phone != NULL && !phone_ok(phone)) {
		reject(c, rowno, C_PHONE, phone,
		    "must be a mobile number (11 digits from 13) or a landline like 027-86812345");
		bad++;
	}
	/* Tags: identifiers, Chinese names or aliases, separated by ; 、 or , */
	const char *tag_ids[20];
	int ntags = 0;
	if (tags_s != NULL) {
		char *list = arena_strdup(a, tags_s);
		for (char *p = list; *p != '\0';) {
			char *e = p;
			while (*e != '\0' && *e != ';' && *e != ',' && strncmp(e, "、", 3) != 0 &&
			       strncmp(e, "，", 3) != 0 && strncmp(e, "；", 3) != 0)
				e++;
			size_t sep = *e == '\0' ? 0 : (*e == ';' || *e == ',') ? 1 : 3;
			char save = *e;
			*e = '\0';
			if (*p != '\0') {
				struct db_stmt *st = db_stmt(c->db,
				    "SELECT id FROM tags WHERE id = ? OR name_zh = ? OR (aliases <> '' AND aliases = ?)",
				    "ttt", p, p, p);
				if (st != NULL && db_step(st) == DB_ROW && ntags < 20)
					tag_ids[ntags++] = arena_strdup(a, db_text(st, 0));
				else {
					reject(c, rowno, C_TAGS, p, "is not a known tag");
					bad++;
				}
				if (st)
					db_reset(st);
			}
			*e = save;
			p = e + sep;
		}
	}
	if (bad > 0)
		return bad;

	/* The address below the community: grid, estate and building are created when missing. */
	char where[64];
	snprintf(where, sizeof(where), "%s", code);
	static const enum col levels[] = {C_GRID, C_ESTATE, C_BUILDING};
	static const char *const kinds[] = {"grid", "estate", "building"};
	int rc = DB_OK;
	for (int i = 0; i < 3 && rc == DB_OK; i++) {
		const char *v = field(c, row, width, levels[i]);
		char next[64];
		if (v != NULL && (rc = child_area(c->db, where, kinds[i], v, next, sizeof(next))) == DB_OK)
			snprintf(where, sizeof(where), "%s", next);
	}
	const char *unit = field(c, row, width, C_UNIT), *room = field(c, row, width, C_ROOM);
	int64_t hh = 0;
	bool housed = unit != NULL || room != NULL || field(c, row, width, C_BUILDING) != NULL;
	if (rc == DB_OK && housed)
		rc = household(c->db, where, unit ? unit : "", room ? room : "", c->now, &hh);

	/* The same person again: by document number, or by name, birth date and address. */
	int64_t existing = 0;
	char old_name[128] = "", old_area[64] = "";
	struct db_stmt *st =
	    idn != NULL
	        ? db_stmt(c->db, "SELECT id, name, area_code FROM residents WHERE id_index = ?", "b", idx, sizeof(idx))
	        : db_stmt(c->db,
	              "SELECT id, name, area_code FROM residents WHERE name = ? AND birth_date = ? AND area_code = ?"
	              " AND id_index IS NULL",
	              "ttt", name, birth[0] ? birth : "", where);
	if (rc == DB_OK && st != NULL && db_step(st) == DB_ROW) {
		existing = db_int(st, 0);
		snprintf(old_name, sizeof(old_name), "%s", db_text(st, 1));
		snprintf(old_area, sizeof(old_area), "%s", db_text(st, 2));
	}
	if (st)
		db_reset(st);
	struct resident_row r = {hh, where, name, gender, birth[0] ? birth : NULL, doc, idn, phone, relation, ""};
	if (rc == DB_OK && existing == 0) {
		rc = resident_insert(c->db, a, &r, c->now, &existing);
		*created = true;
	} else if (rc == DB_OK) {
		rc = resident_update(c->db, a, existing, &r, old_name, old_area, c->now);
		if (rc == DB_OK && strcmp(old_area, where) != 0) {
			/* A changed address is a move, kept in the resident's history. */
			char today[24];
			clock_format(c->now, today, sizeof(today));
			today[10] = '\0';
			rc = life_event_record(c->db, existing, "move", today, "import",
			    arena_printf(a, "%s -> %s", old_area, where), 0, c->now);
		}
		if (rc == DB_OK)
			rc = db_run(c->db, "DELETE FROM resident_tags WHERE resident_id = ?", "i", existing) == DB_DONE
			         ? DB_OK
			         : DB_ERROR;
		*created = false;
	}
	for (int i = 0; i < ntags && rc == DB_OK; i++)
		rc = db_run(c->db, "INSERT INTO resident_tags (resident_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
		         "it", existing, tag_ids[i]) == DB_DONE
		         ? DB_OK
		         : DB_ERROR;
	if (rc != DB_OK) {
		reject(c, rowno, C_NAME, name,
		    rc == DB_CONSTRAINT ? "conflicts with a registered resident or address" : "could not be stored");
		return 1;
	}
	return 0;
}

enum import_status import_residents(
    struct db *db, const char *data, size_t n, bool all_or_nothing, FILE *report, struct import_result *res)
{
	memset(res, 0, sizeof(*res));
	struct ctx c = {.db = db, .a = arena_new(), .report = report, .now = clock_now()};
	struct records recs = {.a = c.a};
	enum import_status status = IMPORT_UNREADABLE;
	size_t len;
	char *text = to_utf8(c.a, data, n, &len);
	struct csv_parser p;
	if (text == NULL) {
		snprintf(res->error, sizeof(res->error), "the file is neither UTF-8 nor GB18030 text");
		goto out;
	}
	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		fatal("out of memory");
	if (csv_parse(&p, text, len, on_field, on_row, &recs) != len || csv_fini(&p, on_field, on_row, &recs) != 0) {
		snprintf(res->error, sizeof(res->error), "the file is not CSV: %s", csv_strerror(csv_error(&p)));
		csv_free(&p);
		goto out;
	}
	csv_free(&p);
	if (recs.n == 0) {
		snprintf(res->error, sizeof(res->error), "the file is empty");
		goto out;
	}
	for (int k = 0; k < C_COUNT; k++)
		c.cols[k] = -1;
	for (size_t i = 0; i < recs.widths[0]; i++) {
		const char *h = recs.rows[0][i];
		for (size_t k = 0; k < sizeof(headers) / sizeof(headers[0]); k++)
			for (int m = 0; m < 5 && headers[k].names[m] != NULL; m++)
				if (strcasecmp(h, headers[k].names[m]) == 0 && c.cols[headers[k].col] < 0)
					c.cols[headers[k].col] = (int)i;
	}
	if (c.cols[C_NAME] < 0 || c.cols[C_COMMUNITY] < 0) {
		snprintf(
		    res->error, sizeof(res->error), "the header needs the columns 姓名 (name) and 社区 (community)");
		goto out;
	}
	if (report != NULL)
		fputs("row,column,value,reason\r\n", report);
	if (db_begin(db) != DB_OK) {
		snprintf(res->error, sizeof(res->error), "the database is busy");
		goto out;
	}
	for (size_t i = 1; i < recs.n; i++) {
		/* A wholly empty line (spreadsheets leave them at the end) is no row. */
		bool empty = true;
		for (size_t k = 0; k < recs.widths[i] && empty; k++)
			empty = recs.rows[i][k][0] == '\0';
		if (empty)
			continue;
		res->rows++;
		bool created = false;
		/* The header is row 1; data rows follow as a spreadsheet numbers them. */
		if (import_row(&c, (int64_t)i + 1, recs.rows[i], recs.widths[i], &created) > 0)
			res->rejected++;
		else if (created)
			res->created++;
		else
			res->updated++;
	}
	if (all_or_nothing && res->rejected > 0) {
		db_rollback(db);
		res->created = res->updated = 0;
	} else if (db_commit(db) != DB_OK) {
		snprintf(res->error, sizeof(res->error), "the database could not store the rows");
		goto out;
	}
	areas_changed();
	status = res->rejected > 0 ? IMPORT_REJECTS : IMPORT_OK;
out:
	db_rollback(db);
	free(recs.rows);
	free(recs.widths);
	free(c.seen);
	arena_free(c.a);
	return status;
}
