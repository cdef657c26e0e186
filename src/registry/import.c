#include "import.h"

#include <csv.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/arena.h"
#include "../core/bulk.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/seal.h"
#include "../core/strmap.h"
#include "../platform/area_tree.h"
#include "idnumber.h"
#include "load.h"
#include "registry.h"
#include "../core/banned.h"

/* --- the file --- */

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
	C_REGISTERED,
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
    {C_REGISTERED, {"户籍地址", "registered_address", "户籍所在地"}},
};

static const char *const col_names[C_COUNT] = {"name", "community", "gender", "birth_date", "document_type",
    "id_number", "phone", "street", "grid", "estate", "building", "unit", "room", "relation", "tags",
    "registered_address"};

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

/* The file's records. The parser cuts the text up in place: a record's fields
 * follow one another, each ended by a NUL, from first on. */
struct record {
	char *first;
	uint32_t width; /* fields */
};

struct records {
	struct record *v;
	size_t n, cap;
	size_t header; /* the first record that is not empty */
};

static void add_record(struct records *r, char *first, size_t width)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 65536;
		r->v = bulk_realloc(r->v, r->cap * sizeof(*r->v), cap * sizeof(*r->v));
		r->cap = cap;
	}
	r->v[r->n++] = (struct record){first, width > UINT32_MAX ? UINT32_MAX : (uint32_t)width};
}

/* The file as UTF-8, in place (with the byte after it writable): a BOM is dropped;
 * text that is not UTF-8 is read as GB18030 into a copy in a. */
static char *to_utf8(struct arena *a, char *data, size_t n, size_t *out_n)
{
	if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		n -= 3;
	}
	if (utf8_valid(data, n)) {
		*out_n = n;
		return data;
	}
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 2 + 16, left = cap;
	char *out = arena_alloc(a, cap), *o = out;
	char *in = data;
	size_t in_left = n;
	size_t rc = iconv(cd, &in, &in_left, &o, &left);
	iconv_close(cd);
	if (rc == (size_t)-1 || in_left != 0 || !utf8_valid(out, cap - left))
		return NULL;
	*out_n = cap - left;
	return out;
}

/* Read the records of text[0..len) into recs, cutting each field out in place and
 * moving it up to follow the one before (RFC 4180; text[len] must be writable). A
 * field may be quoted, with a quote inside doubled and separators and line breaks
 * kept; what follows its closing quote up to the separator is kept as written. The
 * spaces and tabs spreadsheets pad cells with are trimmed. A record ends at CR, LF
 * or CRLF; a blank line is a record with one empty field, so that records are
 * numbered as a spreadsheet's rows. Each field written is no longer than the text
 * it was read from with its separator, so the writing never overtakes the reading. */
static void parse_records(struct records *recs, char *text, size_t len)
{
	char *p = text, *end = text + len, *w = text;
	while (p < end) {
		char *first = w;
		size_t width = 0;
		for (;;) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			char *field = w;
			if (p < end && *p == '"') {
				for (p++; p < end; p++) {
					if (*p == '"' && (p + 1 == end || p[1] != '"'))
						break;
					*w++ = *p;
					p += *p == '"'; /* a doubled quote is one */
				}
				if (p < end)
					p++; /* the closing quote */
			}
			while (p < end && *p != ',' && *p != '\n' && *p != '\r')
				*w++ = *p++;
			char at = p < end ? *p : '\n'; /* what ends the field, before its NUL covers it */
			char *from = field;
			while (from < w && (*from == ' ' || *from == '\t'))
				from++;
			while (w > from && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
			if (from > field) {
				memmove(field, from, (size_t)(w - from));
				w -= from - field;
			}
			*w++ = '\0';
			width++;
			if (p < end)
				p++;
			if (at == ',')
				continue;
			if (at == '\r' && p < end && *p == '\n')
				p++; /* CRLF is one line break */
			break;
		}
		add_record(recs, first, width);
	}
}

/* A wholly empty line (spreadsheets leave them at the end) is no row: its fields are
 * all empty, which leaves nothing but their NULs. */
static bool empty_record(const struct records *recs, size_t i)
{
	const struct record *r = &recs->v[i];
	for (size_t k = 0; k < r->width; k++)
		if (r->first[k] != '\0')
			return false;
	return true;
}

/* Where the second half of text begins: after the first line break past the middle
 * that is outside quotes (an even number of quotes before it, as RFC 4180 doubles a
 * quote inside a quoted field); len if there is none. */
static size_t second_half(const char *text, size_t len)
{
	size_t mid = len / 2, quotes = 0;
	for (const char *q = text; (q = memchr(q, '"', (size_t)(text + mid - q))) != NULL; q++)
		quotes++;
	for (size_t i = mid; i < len; i++) {
		if (text[i] == '"')
			quotes++;
		else if (text[i] == '\n' && quotes % 2 == 0)
			return i + 1;
	}
	return len;
}

/* The second half of a file, parsed on a second thread into its own records. */
struct half {
	struct records recs;
	char *text;
	size_t len;
};

static void *parse_half(void *arg)
{
	struct half *h = arg;
	parse_records(&h->recs, h->text, h->len);
	return NULL;
}

/* Read the file into recs; false with the reason in res->error. Reading is a sixth
 * of an import, so the two halves of a large file are parsed at once, on two threads. */
static bool read_records(struct records *recs, struct arena *a, char *data, size_t n, struct import_result *res)
{
	size_t len;
	char *text = to_utf8(a, data, n, &len);
	if (text == NULL) {
		snprintf(res->error, sizeof(res->error), "the file is neither UTF-8 nor GB18030 text");
		return false;
	}
	size_t split = len > (1 << 20) ? second_half(text, len) : len;
	struct half h = {.text = text + split, .len = len - split};
	pthread_t thread;
	bool threaded = split < len && pthread_create(&thread, NULL, parse_half, &h) == 0;
	if (!threaded)
		split = len;
	/* The first half's last field may end with the NUL written over the line break
	 * at text[split - 1]; the second half starts after it. */
	parse_records(recs, text, split);
	if (threaded) {
		pthread_join(thread, NULL);
		for (size_t i = 0; i < h.recs.n; i++)
			add_record(recs, h.recs.v[i].first, h.recs.v[i].width);
		bulk_free(h.recs.v, h.recs.cap * sizeof(*h.recs.v));
	}
	while (recs->header < recs->n && empty_record(recs, recs->header))
		recs->header++;
	if (recs->header == recs->n) {
		snprintf(res->error, sizeof(res->error), "the file is empty");
		return false;
	}
	return true;
}

/* --- rows --- */

struct tag_name {
	const char *id, *name_zh, *alias;
};

/* A row that passed its checks: what to store, and (once resolved) where and whom. */
struct plan {
	int64_t rowno;
	const char *name, *community, *gender, *birth, *doc, *idn, *phone, *relation, *registered;
	const char *levels[3]; /* grid, estate, building; NULL where absent */
	const char *unit, *room;
	const char **tags;
	int ntags;
	bool housed, has_number;
	char birth_text[11]; /* where birth points, once known */
	const char *where; /* the area code of the address */
	int64_t person; /* someone stored before the import, to update; else 0 */
	const char *old_area; /* the person's stored area */
	int64_t same_as; /* an earlier plan whose new person this row updates; else -1 */
	int64_t id; /* the resident, once stored */
};

struct ctx {
	struct db *db;
	struct load *load;
	struct arena *a; /* the import's life */
	struct arena *scratch; /* a row's look-up keys, emptied for each row */
	const struct import_options *o;
	FILE *report;
	int64_t now, today; /* the import's time, and its date as yyyymmdd */
	int cols[C_COUNT]; /* column index of each field, -1 if absent */
	int8_t *col_at; /* the field of each column up to the last one used, -1 if none */
	size_t ncols;
	struct strmap communities; /* as written in the file -> code, or NULL text if none */
	struct tag_name *tags;
	size_t ntags;
	/* For one attempt (see import_all): */
	struct plan *plans;
	size_t nplans, plans_cap;
	/* New people without a document number: name, birth date, area -> their plan. */
	struct strmap people;
	/* Document numbers seen in this file, to refuse repeats: an open-addressing set
	 * of their hashes (0: empty) and texts, sized for the file's rows. */
	struct seen_number {
		uint64_t hash;
		const char *idn;
	} * seen;
	size_t seen_cap;
	/* Where the rows' addresses are: community code, grid, estate, building -> area code. */
	struct strmap places;
	/* Every record's document number and phone, sealed ahead for the new people
	 * (residents_seal): the batch's entry i is record i. */
	const char **numbers;
	struct resident_batch *batch;
	int64_t total, checked, done; /* rows in the file; rows checked; rows finished */
	int64_t ticks, reported; /* calls of progress; the most it reported */
};

static void reject(struct ctx *c, int64_t row, enum col col, const char *value, const char *reason)
{
	FILE *f = c->report;
	char masked[64];
	if (c->o->mask_numbers && value != NULL && (col == C_ID || col == C_PHONE)) {
		/* The first three and last two characters: enough to find the row, not the number. */
		size_t n = strlen(value) < sizeof(masked) ? strlen(value) : sizeof(masked) - 1;
		for (size_t i = 0; i < n; i++)
			masked[i] = i < 3 || i + 2 >= n ? value[i] : '*';
		masked[n] = '\0';
		value = masked;
	}
	fprintf(f, "%lld,", (long long)row);
	csv_fwrite(f, col_names[col], strlen(col_names[col]));
	fputc(',', f);
	csv_fwrite(f, value ? value : "", value ? strlen(value) : 0);
	fputc(',', f);
	csv_fwrite(f, reason, strlen(reason));
	fputs("\r\n", f);
}

/* Progress in rows: half for checking them all, half for storing them (never back,
 * when a second attempt starts again). */
static void progress(struct ctx *c, bool now)
{
	if (c->o->progress == NULL || (!now && ++c->ticks % 1000 != 0))
		return;
	int64_t done = (c->checked + c->done) / 2;
	if (done > c->reported)
		c->reported = done;
	c->o->progress(c->o->ctx, c->reported, c->total);
}

/* Row i's fields by column into f (NULL where absent or empty). */
static void row_fields(const struct ctx *c, const struct records *recs, size_t i, char *f[C_COUNT])
{
	for (int k = 0; k < C_COUNT; k++)
		f[k] = NULL;
	const struct record *r = &recs->v[i];
	char *at = r->first;
	for (size_t j = 0; j < r->width && j < c->ncols; at += strlen(at) + 1, j++)
		if (c->col_at[j] >= 0 && at[0] != '\0')
			f[c->col_at[j]] = at;
}

/* A community (or village) by code, full name or short name; NULL if none. */
static const char *community_code(struct ctx *c, const char *given)
{
	struct strmap_slot *s = strmap_get(&c->communities, given);
	if (s->key != NULL)
		return s->text;
	const char *code = NULL;
	if (area_code_valid(given)) {
		const struct area *x = area_find(c->db, given);
		if (x && (strcmp(x->kind, "community") == 0 || strcmp(x->kind, "village") == 0))
			code = arena_strdup(c->a, x->code);
	} else {
		struct db_stmt *st = db_stmt(c->db,
		    "SELECT code FROM areas WHERE kind IN ('community', 'village') AND (name = ? OR short_name = ?)"
		    " ORDER BY code LIMIT 1",
		    "tt", given, given);
		if (st != NULL && db_step(st) == DB_ROW)
			code = arena_strdup(c->a, db_text(st, 0));
		if (st)
			db_reset(st);
	}
	strmap_set(c->a, &c->communities, s, given, 0, code);
	return code;
}

static bool street_contains(struct ctx *c, const char *street, const char *code)
{
	const struct area *com = area_find(c->db, code);
	const struct area *st = com && com->parent ? area_find(c->db, com->parent) : NULL;
	return st != NULL &&
	       (strcmp(st->code, street) == 0 || strcmp(st->name, street) == 0 || strcmp(st->short_name, street) == 0);
}

/* Whether the document number was on an earlier row (and remember it). */
static bool seen_before(struct ctx *c, const char *idn)
{
	uint64_t h = strmap_hash(idn) | 1;
	size_t i = h & (c->seen_cap - 1);
	for (; c->seen[i].hash != 0; i = (i + 1) & (c->seen_cap - 1))
		if (c->seen[i].hash == h && strcmp(c->seen[i].idn, idn) == 0)
			return true;
	c->seen[i] = (struct seen_number){h, idn};
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

/* YYYY-MM-DD (without snprintf, which is slow enough to matter here). */
static void format_date(char out[11], int64_t y, int64_t m, int64_t d)
{
	int64_t parts[3] = {y, m, d};
	static const int widths[3] = {4, 2, 2};
	char *o = out;
	for (int i = 0; i < 3; i++) {
		for (int k = widths[i] - 1; k >= 0; k--, parts[i] /= 10)
			o[k] = (char)('0' + parts[i] % 10);
		o += widths[i];
		*o++ = i < 2 ? '-' : '\0';
	}
}

/* A date as YYYY-MM-DD from 1950-03-01, 1950/3/1 or 19500301; false if not a past
 * date, that is after today (yyyymmdd). */
static bool parse_date(const char *s, int64_t today, char out[11])
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
	format_date(out, y, m, d);
	return y * 10000 + m * 100 + d <= today;
}

static void load_tags(struct ctx *c)
{
	struct db_stmt *st = db_stmt(c->db, "SELECT id, name_zh, aliases FROM tags ORDER BY id", NULL);
	size_t cap = 0;
	while (st != NULL && db_step(st) == DB_ROW) {
		if (c->ntags == cap) {
			cap = cap ? cap * 2 : 16;
			struct tag_name *more = arena_alloc(c->a, cap * sizeof(*more));
			if (c->ntags)
				memcpy(more, c->tags, c->ntags * sizeof(*more));
			c->tags = more;
		}
		c->tags[c->ntags++] = (struct tag_name){arena_strdup(c->a, db_text(st, 0)),
		    arena_strdup(c->a, db_text(st, 1)), arena_strdup(c->a, db_text(st, 2))};
	}
	if (st)
		db_reset(st);
}

/* A tag by identifier, Chinese name or alias; NULL if unknown. */
static const char *tag_id(struct ctx *c, const char *given)
{
	for (size_t i = 0; i < c->ntags; i++)
		if (strcmp(c->tags[i].id, given) == 0 || strcmp(c->tags[i].name_zh, given) == 0 ||
		    (c->tags[i].alias[0] != '\0' && strcmp(c->tags[i].alias, given) == 0))
			return c->tags[i].id;
	return NULL;
}

/* Tags: identifiers, Chinese names or aliases, separated by ; 、 or , (and the full-width ，；). */
static int check_tags(struct ctx *c, int64_t rowno, const char *given, struct plan *p)
{
	int bad = 0, n = 0;
	const char *ids[20];
	char *list = arena_strdup(c->a, given);
	for (char *s = list; *s != '\0';) {
		char *e = s;
		while (*e != '\0' && *e != ';' && *e != ',' && strncmp(e, "、", 3) != 0 && strncmp(e, "，", 3) != 0 &&
		       strncmp(e, "；", 3) != 0)
			e++;
		size_t sep = *e == '\0' ? 0 : (*e == ';' || *e == ',') ? 1 : 3;
		char save = *e;
		*e = '\0';
		const char *id = *s != '\0' ? tag_id(c, s) : NULL;
		if (*s != '\0' && (id == NULL || n == 20)) {
			reject(c, rowno, C_TAGS, s,
			    id == NULL ? "is not a known tag" : "is beyond the 20 tags a row may have");
			bad++;
		} else if (id != NULL) {
			ids[n++] = id;
		}
		*e = save;
		s = e + sep;
	}
	p->tags = arena_alloc(c->a, (size_t)n * sizeof(*p->tags) + 1);
	memcpy(p->tags, ids, (size_t)n * sizeof(*p->tags));
	p->ntags = n;
	return bad;
}

/* The community, street and scope columns; the number of problems. */
static int check_community(struct ctx *c, int64_t rowno, const char *given, const char *street, struct plan *p)
{
	if (given == NULL) {
		reject(c, rowno, C_COMMUNITY, NULL, "is required");
		return 1;
	}
	if ((p->community = community_code(c, given)) == NULL) {
		reject(c, rowno, C_COMMUNITY, given, "is not a community of this district");
		return 1;
	}
	if (c->o->in_scope != NULL && !c->o->in_scope(c->o->ctx, p->community)) {
		reject(c, rowno, C_COMMUNITY, given, "is outside your areas");
		return 1;
	}
	if (street != NULL && !street_contains(c, street, p->community)) {
		reject(c, rowno, C_STREET, street, "does not contain the community");
		return 1;
	}
	return 0;
}

static bool length_between(const char *s, size_t least, size_t most)
{
	size_t chars = utf8_count(s, strlen(s));
	return chars >= least && chars <= most;
}

/* The document number against its type, birth date and sex (taking those from an ID
 * card when the row has none); the number of problems. */
static int check_document(struct ctx *c, int64_t rowno, const char *birth_s, const char *gender_s, struct plan *p)
{
	bool structured = strcmp(p->doc, "id_card") == 0 || strcmp(p->doc, "hkmotw_permit") == 0;
	struct id_info info;
	/* Other documents have no structure to check: their length is the API's. */
	const char *why =
	    structured ? id_validate(p->idn, strcmp(p->doc, "id_card") == 0 ? ID_RESIDENT : ID_HKMOTW, c->now, &info)
	    : strcmp(p->doc, "none") == 0    ? "is given, but the document type is 无 (none)"
	    : !length_between(p->idn, 5, 32) ? "must be 5 to 32 characters"
	                                     : NULL;
	if (why != NULL) {
		reject(c, rowno, C_ID, p->idn, why);
		return 1;
	}
	int bad = 0;
	if (structured) {
		char derived[11];
		format_date(derived, info.year, info.month, info.day);
		if (p->birth != NULL && strcmp(p->birth, derived) != 0) {
			reject(c, rowno, C_BIRTH, birth_s, "differs from the birth date in the ID number");
			bad++;
		}
		if (p->gender != NULL && strcmp(p->gender, info.male ? "male" : "female") != 0) {
			reject(c, rowno, C_GENDER, gender_s, "differs from the sex in the ID number");
			bad++;
		}
		memcpy(p->birth_text, derived, sizeof(derived));
		p->birth = p->birth_text;
		p->gender = info.male ? "male" : "female";
	}
	p->has_number = true;
	return bad;
}

/* The columns that name a value from a short list; the number of problems. */
static int check_choices(
    struct ctx *c, int64_t rowno, const char *gender_s, const char *doc_s, const char *rel_s, struct plan *p)
{
	int bad = 0;
	if (gender_s != NULL && (p->gender = alias_of(genders, gender_s)) == NULL) {
		reject(c, rowno, C_GENDER, gender_s, "must be 男 or 女 (male or female)");
		bad++;
	}
	if (doc_s != NULL && (p->doc = alias_of(doc_types, doc_s)) == NULL) {
		reject(c, rowno, C_DOCTYPE, doc_s, "is not a known document type");
		bad++;
		p->doc = "id_card";
	}
	if (rel_s != NULL && (p->relation = alias_of(relations, rel_s)) == NULL) {
		reject(c, rowno, C_RELATION, rel_s, "must be 户主, 配偶, 子女, 父母 or 其他");
		bad++;
	}
	return bad;
}

/* Check one row into p without writing anything; the number of problems reported. */
static int check_row(struct ctx *c, int64_t rowno, char *const f[C_COUNT], struct plan *p)
{
	const char *gender_s = f[C_GENDER], *birth_s = f[C_BIRTH];
	*p = (struct plan){.rowno = rowno,
	    .name = f[C_NAME],
	    .doc = "id_card",
	    .idn = f[C_ID],
	    .phone = f[C_PHONE],
	    .registered = f[C_REGISTERED],
	    .unit = f[C_UNIT],
	    .room = f[C_ROOM],
	    .same_as = -1};
	int bad = 0;
	if (p->name == NULL || utf8_count(p->name, strlen(p->name)) > 32) {
		reject(c, rowno, C_NAME, p->name, p->name ? "has more than 32 characters" : "is required");
		bad++;
	}
	bad += check_community(c, rowno, f[C_COMMUNITY], f[C_STREET], p);
	bad += check_choices(c, rowno, gender_s, f[C_DOCTYPE], f[C_RELATION], p);
	if (birth_s != NULL && !parse_date(birth_s, c->today, p->birth_text)) {
		reject(c, rowno, C_BIRTH, birth_s, "must be a past date like 1950-03-01");
		bad++;
	}
	p->birth = p->birth_text[0] ? p->birth_text : NULL;
	if (p->idn != NULL) {
		int doc_bad = check_document(c, rowno, birth_s, gender_s, p);
		bad += doc_bad;
		if (doc_bad == 0 && bad == 0 && seen_before(c, p->idn)) {
			reject(c, rowno, C_ID, p->idn, "appears on an earlier row of this file");
			bad++;
		}
	}
	if (p->phone != NULL && !phone_ok(p->phone)) {
		reject(c, rowno, C_PHONE, p->phone,
		    "must be a mobile number (11 digits from 13) or a landline like 027-86812345");
		bad++;
	}
	if (p->registered != NULL && utf8_count(p->registered, strlen(p->registered)) > 200) {
		reject(c, rowno, C_REGISTERED, p->registered, "has more than 200 characters");
		bad++;
	}
	const char *tags_s = f[C_TAGS];
	if (tags_s != NULL)
		bad += check_tags(c, rowno, tags_s, p);
	static const enum col levels[] = {C_GRID, C_ESTATE, C_BUILDING};
	for (int i = 0; i < 3; i++)
		p->levels[i] = f[levels[i]];
	p->housed = p->unit != NULL || p->room != NULL || p->levels[2] != NULL;
	return bad;
}

static const char *person_key(struct ctx *c, const struct plan *p)
{
	return strmap_key3(c->scratch, p->name, p->birth ? p->birth : "", p->where);
}

/* Whom the row is about: someone stored before (by document number, or by name, birth
 * date and address), a new person of an earlier row, or someone new. */
static void find_person(struct ctx *c, struct plan *p)
{
	if (!p->has_number) {
		struct strmap_slot *s = strmap_get(&c->people, person_key(c, p));
		if (s->key != NULL) {
			p->same_as = s->num;
			return;
		}
	}
	/* In a registry that was empty, no one was stored before. */
	if (load_fresh(c->load))
		return;
	unsigned char index[BLIND_BYTES];
	if (p->has_number)
		blind_index("id_number", p->idn, index);
	struct db_stmt *st =
	    p->has_number
	        ? db_stmt(c->db,
	              "SELECT r.id, r.area_code FROM resident_ids i JOIN residents r ON r.id = i.resident_id"
	              " WHERE i.blind = ?",
	              "b", index, sizeof(index))
	        : db_stmt(c->db,
	              "SELECT id, area_code FROM residents WHERE name = ? AND birth_date IS ? AND area_code = ?"
	              " AND id_index IS NULL",
	              "ttt", p->name, p->birth, p->where);
	if (st != NULL && db_step(st) == DB_ROW) {
		p->person = db_int(st, 0);
		p->old_area = arena_strdup(c->a, db_text(st, 1));
	}
	if (st)
		db_reset(st);
}

/* Later rows about a new person without a document number find them by this plan. */
static void remember_person(struct ctx *c, size_t plan)
{
	struct plan *p = &c->plans[plan];
	if (p->has_number || p->person != 0 || p->same_as >= 0)
		return;
	const char *key = person_key(c, p);
	strmap_set(c->a, &c->people, strmap_get(&c->people, key), key, (int64_t)plan, NULL);
}

/* The address (grid, estate and building created when missing) and the person. */
static int resolve(struct ctx *c, struct plan *p)
{
	static const char *const kinds[] = {"grid", "estate", "building"};
	const char *where = p->community;
	int rc = DB_OK;
	/* Most rows name a place named before: one look-up instead of one for each level. */
	const char *parts[] = {p->community, p->levels[0] ? p->levels[0] : "", p->levels[1] ? p->levels[1] : "",
	    p->levels[2] ? p->levels[2] : ""};
	const char *key = p->levels[0] || p->levels[1] || p->levels[2] ? strmap_keyn(c->scratch, parts, 4) : NULL;
	struct strmap_slot *s = key ? strmap_get(&c->places, key) : NULL;
	if (s != NULL && s->key != NULL) {
		where = s->text;
	} else {
		for (int i = 0; i < 3 && rc == DB_OK; i++)
			if (p->levels[i] != NULL)
				rc = load_area(c->load, where, kinds[i], p->levels[i], &where);
		if (s != NULL && rc == DB_OK)
			strmap_set(c->a, &c->places, s, key, 0, where);
	}
	p->where = where;
	if (rc == DB_OK)
		find_person(c, p);
	return rc;
}

/* Update a person found again; a changed address is a move, kept in their history. */
static int update_person(struct ctx *c, int64_t id, const struct resident_row *r, const char *old_area, struct arena *a)
{
	int rc = resident_update(c->db, a, id, r, c->now);
	if (rc == DB_OK && strcmp(old_area, r->area_code) != 0) {
		char today[24];
		clock_format(c->now, today, sizeof(today));
		today[10] = '\0';
		rc = life_event_record(
		    c->db, id, "move", today, "import", arena_printf(a, "%s -> %s", old_area, r->area_code), 0, c->now);
	}
	/* The listed tags replace the assigned ones. */
	if (rc == DB_OK && (rc = db_run(c->db, "DELETE FROM resident_tags WHERE resident_id = ?", "i", id)) == DB_DONE)
		rc = DB_OK;
	return rc;
}

static struct resident_row plan_row(const struct plan *p, int64_t household)
{
	return (struct resident_row){household, p->where, p->name, p->gender, p->birth, p->doc, p->idn, p->phone,
	    p->relation, "", p->registered};
}

static int store_tags(struct ctx *c, const struct plan *p)
{
	int rc = DB_OK;
	for (int i = 0; i < p->ntags && rc == DB_OK; i++)
		rc = load_tag(c->load, p->id, p->tags[i]);
	return rc;
}

/* Write a resolved row: the person (new or updated, in household), the tags. */
static int store(struct ctx *c, struct plan *p, int64_t household, struct arena *a)
{
	struct resident_row r = plan_row(p, household);
	int rc;
	if (p->same_as >= 0) {
		const struct plan *first = &c->plans[p->same_as];
		p->id = first->id;
		load_numbers_changed(c->load); /* someone new in this load, given again */
		rc = update_person(c, p->id, &r, first->where, a);
	} else if (p->person != 0) {
		p->id = p->person;
		rc = update_person(c, p->id, &r, p->old_area, a);
	} else {
		rc = resident_insert(c->db, a, &r, c->now, &p->id);
	}
	return rc == DB_OK ? store_tags(c, p) : rc;
}

/* The row's household (created when missing), 0 if it names none. */
static int household_of(struct ctx *c, const struct plan *p, int64_t *household)
{
	*household = 0;
	return p->housed ? load_household(c->load, p->where, p->unit ? p->unit : "", p->room ? p->room : "", household)
	                 : DB_OK;
}

/* The plans never move (a plan points into itself): there is one for each row counted. */
static struct plan *new_plan(struct ctx *c)
{
	if (c->nplans == c->plans_cap)
		BUG("more rows than counted");
	return &c->plans[c->nplans];
}

/* Check row i of recs into the next plan; true if it passed (the plan is kept). */
static bool check(struct ctx *c, const struct records *recs, size_t i, struct import_result *res)
{
	res->rows++;
	c->checked++;
	arena_reset(c->scratch);
	/* The header is row 1; data rows follow as a spreadsheet numbers them. */
	char *f[C_COUNT];
	row_fields(c, recs, i, f);
	if (check_row(c, (int64_t)i + 1, f, new_plan(c)) == 0) {
		c->nplans++;
		return true;
	}
	res->rejected++;
	c->done++;
	return false;
}

static void count(struct ctx *c, const struct plan *p, struct import_result *res)
{
	if (p->same_as >= 0 || p->person != 0)
		res->updated++;
	else
		res->created++;
	c->done++;
	progress(c, false);
}

static int code_cmp(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

/* A new person's place in the storing order: the rank of their area's code, the first
 * eight bytes of unit and room as big-endian numbers (which order as the texts do),
 * and their plan. */
struct address_key {
	uint32_t area, plan;
	uint64_t unit, room;
	const char *unit_s, *room_s; /* whole, for the rare tie of two long ones */
};

static uint64_t prefix8(const char *s)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < 8 && s[i] != '\0'; i++)
		v = v << 8 | (unsigned char)s[i];
	for (; i < 8; i++)
		v <<= 8; /* padded with zeros, which sort first as the end of a text does */
	return v;
}

static int text_key_cmp(uint64_t a, uint64_t b, const char *as, const char *bs)
{
	if (a != b)
		return a < b ? -1 : 1;
	return (a & 0xff) != 0 ? strcmp(as, bs) : 0; /* eight bytes alike and more to come */
}

/* By address: 0 for two people at the same one. */
static int address_cmp(const struct address_key *a, const struct address_key *b)
{
	int c = (a->area > b->area) - (a->area < b->area);
	if (c == 0)
		c = text_key_cmp(a->unit, b->unit, a->unit_s, b->unit_s);
	if (c == 0)
		c = text_key_cmp(a->room, b->room, a->room_s, b->room_s);
	return c;
}

static int key_cmp(const void *x, const void *y)
{
	const struct address_key *a = x, *b = y;
	int c = address_cmp(a, b);
	return c ? c : (a->plan > b->plan) - (a->plan < b->plan);
}

/* The order new people are stored in: by address (area, unit, room, the key of the
 * households' index), so that households, residents and their indexes are appended
 * in key order, which builds them fastest; then by row. An entry is the number of
 * the plan's address in that order << 32 | the plan's index; *n gets their number. */
static uint64_t *address_order(struct ctx *c, size_t *n)
{
	struct arena *a = arena_new();
	struct strmap areas = {0}; /* code -> its number in codes, then its rank */
	const char **codes = NULL;
	size_t ncodes = 0, codes_cap = 0;
	struct address_key *keys = bulk_alloc(c->nplans * sizeof(*keys));
	*n = 0;
	for (size_t i = 0; i < c->nplans; i++) {
		const struct plan *p = &c->plans[i];
		if (p->person != 0 || p->same_as >= 0)
			continue;
		struct strmap_slot *s = strmap_get(&areas, p->where);
		if (s->key == NULL) {
			if (ncodes == codes_cap) {
				codes_cap = codes_cap ? 2 * codes_cap : 256;
				if ((codes = realloc(codes, codes_cap * sizeof(*codes))) == NULL)
					fatal("out of memory");
			}
			strmap_set(a, &areas, s, p->where, (int64_t)ncodes, NULL);
			codes[ncodes++] = s->key;
		}
		const char *unit = p->unit ? p->unit : "", *room = p->room ? p->room : "";
		keys[(*n)++] =
		    (struct address_key){(uint32_t)s->num, (uint32_t)i, prefix8(unit), prefix8(room), unit, room};
	}
	/* Number by rank: a file names a few thousand areas. */
	uint32_t *rank = malloc((ncodes + 1) * sizeof(*rank));
	if (rank == NULL)
		fatal("out of memory");
	if (ncodes > 0)
		qsort(codes, ncodes, sizeof(*codes), code_cmp);
	for (size_t r = 0; r < ncodes; r++)
		rank[strmap_get(&areas, codes[r])->num] = (uint32_t)r;
	/* Gathered by area (a counting sort), then each area's people put in order. */
	size_t *start = calloc(ncodes + 1, sizeof(*start));
	struct address_key *sorted = bulk_alloc(*n * sizeof(*sorted));
	uint64_t *order = bulk_alloc(*n * sizeof(*order)), number = 0;
	if (start == NULL)
		fatal("out of memory");
	for (size_t k = 0; k < *n; k++)
		start[(keys[k].area = rank[keys[k].area]) + 1]++;
	for (size_t r = 0; r < ncodes; r++)
		start[r + 1] += start[r];
	for (size_t k = 0; k < *n; k++)
		sorted[start[keys[k].area]++] = keys[k];
	for (size_t r = 0, from = 0; r < ncodes; from = start[r++])
		qsort(sorted + from, start[r] - from, sizeof(*sorted), key_cmp);
	for (size_t k = 0; k < *n; k++) {
		if (k > 0 && address_cmp(&sorted[k - 1], &sorted[k]) != 0)
			number++;
		order[k] = number << 32 | sorted[k].plan;
	}
	free(start);
	bulk_free(sorted, *n * sizeof(*sorted));
	strmap_free(&areas);
	free(codes);
	free(rank);
	bulk_free(keys, c->nplans * sizeof(*keys));
	arena_free(a);
	return order;
}

/* Store the plans: new people in address order (their households first, then all of
 * them in one statement, their numbers sealed meanwhile), then the updates in row order. */
static int store_all(struct ctx *c, struct import_result *res)
{
	size_t n = 0;
	uint64_t *order = address_order(c, &n);
	struct resident_row *rows = bulk_alloc(n * sizeof(*rows));
	size_t *entries = bulk_alloc(n * sizeof(*entries));
	/* Each address once, in order: the rows of a household follow one another. */
	struct address *addresses = bulk_alloc(n * sizeof(*addresses));
	int64_t *ids = bulk_alloc(n * sizeof(*ids));
	size_t naddresses = 0;
	for (size_t k = 0; k < n; k++) {
		const struct plan *p = &c->plans[order[k] & 0xffffffff];
		rows[k] = plan_row(p, 0);
		entries[k] = (size_t)p->rowno - 1; /* its record */
		if (p->housed && (k == 0 || order[k] >> 32 != order[k - 1] >> 32))
			addresses[naddresses++] =
			    (struct address){p->where, p->unit ? p->unit : "", p->room ? p->room : ""};
	}
	int rc = load_households(c->load, addresses, naddresses, ids);
	for (size_t k = 0, next = 0; k < n && rc == DB_OK; k++) {
		const struct plan *p = &c->plans[order[k] & 0xffffffff];
		if (p->housed && (k == 0 || order[k] >> 32 != order[k - 1] >> 32))
			rows[k].household_id = ids[next++];
		else if (p->housed)
			rows[k].household_id = rows[k - 1].household_id;
	}
	bulk_free(addresses, n * sizeof(*addresses));
	bulk_free(ids, n * sizeof(*ids));
	int64_t first = 0;
	if (rc == DB_OK && n > 0)
		rc = residents_insert_sealed(c->db, c->load, c->now, c->batch, rows, entries, n, &first);
	bulk_free(rows, n * sizeof(*rows));
	bulk_free(entries, n * sizeof(*entries));
	for (size_t k = 0; k < n && rc == DB_OK; k++) {
		struct plan *p = &c->plans[order[k] & 0xffffffff];
		p->id = first + (int64_t)k;
		if ((rc = store_tags(c, p)) == DB_OK)
			count(c, p, res);
	}
	struct arena *a = arena_new();
	int64_t household = 0;
	for (size_t i = 0; i < c->nplans && rc == DB_OK; i++, arena_reset(a)) {
		struct plan *p = &c->plans[i];
		if (p->person == 0 && p->same_as < 0)
			continue;
		if ((rc = household_of(c, p, &household)) == DB_OK && (rc = store(c, p, household, a)) == DB_OK)
			count(c, p, res);
	}
	arena_free(a);
	bulk_free(order, n * sizeof(*order));
	return rc;
}

/* The fast way: check and resolve every row, then store them all. Any failure to
 * write ends it (the caller rolls back and goes the careful way). */
static int import_fast(struct ctx *c, const struct records *recs, struct import_result *res)
{
	for (size_t i = recs->header + 1; i < recs->n; i++) {
		if (empty_record(recs, i) || !check(c, recs, i, res))
			continue;
		int rc = resolve(c, &c->plans[c->nplans - 1]);
		if (rc != DB_OK)
			return rc;
		remember_person(c, c->nplans - 1);
		progress(c, false);
	}
	if (c->o->all_or_nothing && res->rejected > 0)
		return DB_OK; /* nothing will be kept */
	return store_all(c, res);
}

/* The careful way, after the fast way failed to write: row by row, each inside a
 * savepoint, so that a row failing after some of its writes leaves none behind. */
static int import_careful(struct ctx *c, const struct records *recs, struct import_result *res)
{
	struct arena *a = arena_new();
	for (size_t i = recs->header + 1; i < recs->n; i++, arena_reset(a)) {
		if (empty_record(recs, i) || !check(c, recs, i, res))
			continue;
		struct plan *p = &c->plans[c->nplans - 1];
		int rc = db_run(c->db, "SAVEPOINT import_row", NULL);
		int64_t household;
		if (rc == DB_DONE && (rc = resolve(c, p)) == DB_OK && (rc = household_of(c, p, &household)) == DB_OK)
			rc = store(c, p, household, a);
		if (rc == DB_OK && db_run(c->db, "RELEASE SAVEPOINT import_row", NULL) == DB_DONE) {
			remember_person(c, c->nplans - 1);
			count(c, p, res);
			continue;
		}
		db_run(c->db, "ROLLBACK TO SAVEPOINT import_row", NULL);
		db_run(c->db, "RELEASE SAVEPOINT import_row", NULL);
		load_forget(c->load);
		strmap_clear(&c->places); /* as the load's: what it names may be gone */
		reject(c, p->rowno, C_NAME, p->name,
		    rc == DB_CONSTRAINT ? "conflicts with a registered resident or address" : "could not be stored");
		c->nplans--;
		res->rejected++;
		c->done++;
	}
	arena_free(a);
	return DB_OK;
}

/* Map the header's columns; false if name or community is missing. */
static bool read_header(struct ctx *c, const struct record *header)
{
	for (int k = 0; k < C_COUNT; k++)
		c->cols[k] = -1;
	const char *at = header->first;
	for (size_t i = 0; i < header->width; at += strlen(at) + 1, i++)
		for (size_t k = 0; k < sizeof(headers) / sizeof(headers[0]); k++)
			for (int m = 0; m < 5 && headers[k].names[m] != NULL; m++)
				if (strcasecmp(at, headers[k].names[m]) == 0 && c->cols[headers[k].col] < 0)
					c->cols[headers[k].col] = (int)i;
	for (int k = 0; k < C_COUNT; k++)
		if ((size_t)(c->cols[k] + 1) > c->ncols)
			c->ncols = (size_t)(c->cols[k] + 1);
	c->col_at = arena_alloc(c->a, c->ncols + 1);
	memset(c->col_at, -1, c->ncols + 1);
	for (int k = 0; k < C_COUNT; k++)
		if (c->cols[k] >= 0)
			c->col_at[c->cols[k]] = (int8_t)k;
	return c->cols[C_NAME] >= 0 && c->cols[C_COMMUNITY] >= 0;
}

/* Forget one attempt's rows, so that the next starts afresh. */
static void attempt_reset(struct ctx *c, struct import_result *res)
{
	c->nplans = 0;
	strmap_clear(&c->people);
	bulk_free(c->seen, c->seen_cap * sizeof(*c->seen));
	for (c->seen_cap = 1024; c->seen_cap < 2 * (size_t)c->total; c->seen_cap *= 2)
		;
	c->seen = bulk_alloc(c->seen_cap * sizeof(*c->seen));
	strmap_clear(&c->places);
	c->checked = c->done = 0;
	res->rows = res->created = res->updated = res->rejected = 0;
}

/* One attempt in one transaction; *wrote_all false if a write failed (all rolled back). */
static bool attempt(struct ctx *c, const struct records *recs, bool careful, struct import_result *res, bool *wrote_all)
{
	attempt_reset(c, res);
	*wrote_all = false;
	if (db_begin(c->db) != DB_OK) {
		snprintf(res->error, sizeof(res->error), "the database is busy");
		return false;
	}
	c->load = load_begin(c->db, c->now);
	int rc = careful ? import_careful(c, recs, res) : import_fast(c, recs, res);
	if (rc == DB_OK && c->o->all_or_nothing && res->rejected > 0) {
		load_abandon(c->load);
		db_rollback(c->db);
		res->created = res->updated = 0;
		c->done = c->checked; /* every row was looked at: the progress ends at its total */
		*wrote_all = true;
		return true;
	}
	if (rc == DB_OK)
		rc = load_finish(c->load); /* which ends the load either way */
	else
		load_abandon(c->load);
	if (rc == DB_OK)
		rc = db_commit(c->db);
	*wrote_all = rc == DB_OK;
	if (rc == DB_OK)
		return true;
	db_rollback(c->db);
	snprintf(res->error, sizeof(res->error), "the database could not store the rows");
	return false;
}

/* The rows of recs, the fast way, or if a row cannot be written, the careful way;
 * the report is kept in memory until the attempt that counts is known. */
static bool import_all(struct ctx *c, const struct records *recs, struct import_result *res)
{
	char *report = NULL;
	size_t len = 0;
	bool ok = false, wrote_all = false;
	for (int careful = 0; careful < 2 && !wrote_all; careful++) {
		free(report);
		report = NULL;
		if ((c->report = open_memstream(&report, &len)) == NULL)
			fatal("out of memory");
		ok = attempt(c, recs, careful, res, &wrote_all);
		fclose(c->report);
	}
	if (c->o->report != NULL) {
		fputs("row,column,value,reason\r\n", c->o->report);
		fwrite(report, 1, len, c->o->report);
	}
	free(report);
	if (ok)
		areas_changed();
	return ok;
}

/* Start sealing every record's document number and phone, so that they are ready
 * when the new people are stored: rows that turn out bad or to update someone are
 * sealed for nothing, which costs less than sealing only after the checks. An ID
 * number's check character is made upper case first (x -> X), as it is stored. */
static void start_sealing(struct ctx *c, const struct records *recs)
{
	c->numbers = bulk_alloc(2 * recs->n * sizeof(*c->numbers));
	for (size_t i = recs->header + 1; i < recs->n; i++) {
		char *f[C_COUNT];
		row_fields(c, recs, i, f);
		if (f[C_ID] != NULL && strlen(f[C_ID]) == 18 && f[C_ID][17] == 'x')
			f[C_ID][17] = 'X';
		c->numbers[2 * i] = f[C_ID];
		c->numbers[2 * i + 1] = f[C_PHONE];
	}
	c->batch = residents_seal(c->numbers, recs->n);
}

enum import_status import_residents(
    struct db *db, char *data, size_t n, const struct import_options *o, struct import_result *res)
{
	memset(res, 0, sizeof(*res));
	struct ctx c = {.db = db, .a = arena_new(), .scratch = arena_new(), .o = o, .now = clock_now()};
	time_t now = (time_t)c.now;
	struct tm tm;
	gmtime_r(&now, &tm);
	c.today = (int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	struct records recs = {0};
	enum import_status status = IMPORT_UNREADABLE;
	if (!read_records(&recs, c.a, data, n, res))
		goto out;
	if (!read_header(&c, &recs.v[recs.header])) {
		snprintf(
		    res->error, sizeof(res->error), "the header needs the columns 姓名 (name) and 社区 (community)");
		goto out;
	}
	for (size_t i = recs.header + 1; i < recs.n; i++)
		c.total += !empty_record(&recs, i);
	c.plans_cap = (size_t)c.total;
	c.plans = bulk_alloc(c.plans_cap * sizeof(*c.plans));
	start_sealing(&c, &recs);
	load_tags(&c);
	db_bulk(db, o->alone ? DB_BULK_ALONE : DB_BULK_DURABLE);
	if (import_all(&c, &recs, res))
		status = res->rejected > 0 ? IMPORT_REJECTS : IMPORT_OK;
	db_bulk(db, DB_BULK_OFF);
	progress(&c, true);
out:
	residents_batch_free(c.batch);
	bulk_free(c.numbers, 2 * recs.n * sizeof(*c.numbers));
	bulk_free(recs.v, recs.cap * sizeof(*recs.v));
	bulk_free(c.seen, c.seen_cap * sizeof(*c.seen));
	strmap_free(&c.places);
	bulk_free(c.plans, c.plans_cap * sizeof(*c.plans));
	strmap_free(&c.communities);
	strmap_free(&c.people);
	arena_free(c.scratch);
	arena_free(c.a);
	return status;
}
