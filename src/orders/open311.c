/* Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) under /open311/v2/:
 * discovery, services (the active demand categories), service definitions,
 * service requests (the work orders: anyone may read them; an API token with
 * the scope open311 may create them) and tokens. The suffix .xml or .json picks
 * the format; every answer is built once as a JSON value and written either way,
 * and every error is the specification's list of {code, description}.
 *
 * The public answers never say who raised a demand: contact details sent
 * through Open311 are sealed and never answered; a confidential demand shows
 * only its community, without description, notes or coordinates; a demand
 * recorded any other way shows its area, never the address staff typed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/clock.h"
#include "../core/json_write.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../core/seal.h"
#include "../platform/area_tree.h"
#include "open311.h"
#include "orders.h"
#include "../core/banned.h"

#define WINDOW_DAYS 90 /* the longest, and the default, span of GET requests */
#define MAX_RESULTS 1000 /* requests in one answer, newest first */
#define MAX_CODES 20 /* service codes in one filter: the slots in LIST_SQL */
#define DESCRIPTION_MAX 4000 /* characters */
#define BEIJING (8 * 3600) /* datetimes are answered with the offset +08:00 */
#define SPEC "http://wiki.open311.org/GeoReport_v2"

enum format { XML, JSON };

/* --- answers: one JSON value, written as JSON or as the specification's XML --- */

/* Answer v (the reference is taken) in the format asked for; root names XML's document element. */
static void reply_doc(struct req *r, enum format f, int status, const char *root, json_t *v)
{
	size_t n;
	char *s = f == JSON ? json_write(v, &n) : open311_xml(root, v, &n);
	json_decref(v);
	reply_bytes(r, status, f == JSON ? "application/json; charset=utf-8" : "text/xml; charset=utf-8", s, n, NULL);
	free(s);
}

static void add_error(json_t *errors, int code, const char *description)
{
	json_array_append_new(errors, json_pack("{si ss}", "code", code, "description", description));
}

/* Answer the errors found (the reference is taken): the status is their code when they agree, else 400. */
static void reply_errors(struct req *r, enum format f, json_t *errors)
{
	int status = 0;
	for (size_t i = 0; i < json_array_size(errors); i++) {
		int code = (int)json_integer_value(json_object_get(json_array_get(errors, i), "code"));
		status = status == 0 || status == code ? code : 400;
	}
	reply_doc(r, f, status, "errors", errors);
}

static void reply_error(struct req *r, enum format f, int code, const char *description)
{
	json_t *errors = json_array();
	add_error(errors, code, description);
	reply_errors(r, f, errors);
}

/* A path segment such as "requests.json": its name and format. False for another
 * suffix, with *f XML, the format every server must offer. */
static bool resource(struct req *r, int param, const char **name, enum format *f)
{
	const char *seg = req_param(r, param), *dot = strrchr(seg, '.');
	*f = dot != NULL && strcmp(dot, ".json") == 0 ? JSON : XML;
	if (dot == NULL || (strcmp(dot, ".xml") != 0 && strcmp(dot, ".json") != 0))
		return false;
	*name = arena_strndup(req_arena(r), seg, (size_t)(dot - seg));
	return true;
}

/* English names when asked (locale=en, or an Accept-Language that starts with en); else Chinese. */
static bool english(struct req *r)
{
	const char *lang = req_query(r, "locale");
	if (lang == NULL)
		lang = req_header(r, "Accept-Language");
	return lang != NULL && strncasecmp(lang, "en", 2) == 0;
}

/* A time in the W3C profile of ISO 8601, in Beijing time: 2026-11-29T10:15:00+08:00. */
static json_t *w3_json(int64_t t)
{
	char s[40];
	clock_format(t + BEIJING, s, sizeof(s));
	size_t n = strlen(s);
	snprintf(s + n - 1, sizeof(s) - n + 1, "+08:00"); /* in place of the Z */
	return json_string(s);
}

static json_t *time_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : w3_json(db_int(st, col));
}

static json_t *text_or_null(const char *s) { return s != NULL ? json_string(s) : json_null(); }

/* Parse a W3C datetime: a date (midnight in Beijing), or a date and time with
 * minutes, optional seconds and fraction, and Z or an offset. A '+' sent
 * unescaped in a query arrives as a space, and is read as the '+' meant. */
static bool w3_parse(const char *s, int64_t *t)
{
	char norm[48];
	size_t n = strlen(s);
	if (n == 10) {
		snprintf(norm, sizeof(norm), "%sT00:00:00+08:00", s);
		return clock_parse(norm, t);
	}
	if (n < 17 || n > 40 || s[10] != 'T' || s[13] != ':')
		return false;
	size_t i = 16;
	const char *sec = ":00";
	if (s[i] == ':') {
		sec = s + i;
		i += 3;
	}
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]);)
			i++;
	if (i >= n)
		return false;
	snprintf(norm, sizeof(norm), "%.16s%.3s%c%s", s, sec, s[i] == ' ' ? '+' : s[i], s + i + 1);
	return clock_parse(norm, t);
}

/* --- places: the area tree as Open311 sees it --- */

/* Areas that are an administration (and so answer for a demand): not grids, estates or buildings. */
static bool administrative(const char *kind)
{
	return strcmp(kind, "grid") != 0 && strcmp(kind, "estate") != 0 && strcmp(kind, "building") != 0;
}

struct place {
	const char *code; /* address_id */
	const char *address; /* the areas' names, most specific first */
	const char *agency; /* the nearest administration: community, village, street or district */
};

/* Where an order's area is, for the public. coarse: only from its administration up. */
static struct place place_of(struct db *db, struct arena *a, const char *code, bool coarse)
{
	struct place p = {arena_strdup(a, code), NULL, NULL};
	char cur[64];
	snprintf(cur, sizeof(cur), "%s", code);
	for (int depth = 0; depth < 16; depth++) {
		const struct area *ar = area_find(db, cur); /* valid until the next area_find: copy */
		if (ar == NULL)
			break;
		bool admin = administrative(ar->kind);
		if (admin && p.agency == NULL) {
			p.agency = arena_strdup(a, ar->name);
			if (coarse) {
				p.code = arena_strdup(a, ar->code);
				p.address = NULL;
			}
		}
		/* Streets and districts by their full names: a street's short name is often a road's. */
		const char *name = admin && strcmp(ar->kind, "community") != 0 && strcmp(ar->kind, "village") != 0
		                       ? ar->name
		                       : ar->short_name;
		p.address = p.address ? arena_printf(a, "%s, %s", p.address, name) : arena_strdup(a, name);
		if (ar->parent == NULL)
			break;
		snprintf(cur, sizeof(cur), "%s", ar->parent);
	}
	return p;
}

/* The top of the area tree (the district): where demands wait for triage. */
static const char *top_area(struct db *db, struct arena *a, const char **name)
{
	const struct area *top[1];
	if (area_children(db, "", NULL, top, 1) != 1)
		return NULL;
	if (name != NULL)
		*name = arena_strdup(a, top[0]->name);
	return arena_strdup(a, top[0]->code);
}

/* A community (or village), else a street, whose name the address contains; the longest wins. */
static const char *named_area(struct db *db, struct arena *a, const char *address)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT code FROM areas WHERE (kind IN ('community', 'village') AND (? LIKE '%' || short_name || '%'"
	    " OR ? LIKE '%' || name || '%')) OR (kind = 'street' AND ? LIKE '%' || name || '%')"
	    " ORDER BY kind = 'street', length(short_name) DESC, code LIMIT 1",
	    "ttt", address, address, address);
	const char *code = st != NULL && db_step(st) == DB_ROW ? arena_strdup(a, db_text(st, 0)) : NULL;
	if (st)
		db_reset(st);
	return code;
}

/* --- discovery and services --- */

/* What a category's time limit promises: a service's description, a new request's notice. */
static const char *limit_text(struct arena *a, bool en, int64_t normal, int64_t urgent, bool working)
{
	if (en)
		return arena_printf(a, "Due within %lld %shours of dispatch (%lld if urgent).", (long long)normal,
		    working ? "working " : "", (long long)urgent);
	return arena_printf(a, "派单后%lld个%s小时内办结（紧急%lld小时）。", (long long)normal, working ? "工作" : "",
	    (long long)urgent);
}

/* When the service list last changed: a category was added, or this endpoint began
 * (the shipped categories date from 0, and categories keep no time of change). */
static int64_t services_changed(struct db *db)
{
	struct db_stmt *st = db_stmt(db,
	    "SELECT (SELECT coalesce(max(created_at), 0) FROM categories), (SELECT coalesce(max(applied_at), 0)"
	    " FROM schema_migrations WHERE module = 'open311')",
	    "");
	bool row = st != NULL && db_step(st) == DB_ROW;
	int64_t t = row ? (db_int(st, 0) > db_int(st, 1) ? db_int(st, 0) : db_int(st, 1)) : 0;
	if (st)
		db_reset(st);
	return t;
}

/* This endpoint's URL as the client reached it. The Host is echoed, so only a
 * host name, address and port are; anything else gives the path alone. */
static const char *endpoint_url(struct req *r)
{
	const char *host = req_header(r, "Host");
	bool ok = host != NULL && host[0] != '\0' && strlen(host) <= 255;
	for (const char *p = host; ok && *p != '\0'; p++)
		ok = isalnum((unsigned char)*p) || strchr(".-:[]", *p) != NULL;
	return ok ? arena_printf(req_arena(r), "%s://%s/open311/v2", req_https(r) ? "https" : "http", host)
	          : "/open311/v2";
}

static void discovery(struct req *r, enum format f)
{
	const char *district = "";
	top_area(req_db(r), req_arena(r), &district);
	json_t *changeset = w3_json(services_changed(req_db(r)));
	const char *contact = arena_printf(req_arena(r),
	    "%s家门口平台：本接口的问题请联系区级系统管理员。Doorstep, %s: the district's system administrator"
	    " answers questions about this interface.",
	    district, district);
	const char *key = "向区级系统管理员申请 scope 为 open311 的 API 密钥。Ask the district's system"
	                  " administrator for an API key with the scope open311.";
	reply_doc(r, f, 200, "discovery",
	    json_pack("{so ss ss s[{ss ss sO ss s[ss]}]}", "changeset", changeset, "contact", contact, "key_service",
	        key, "endpoints", "specification", SPEC, "url", endpoint_url(r), "changeset", changeset, "type",
	        "production", "formats", "text/xml", "application/json"));
}

static void services(struct req *r, enum format f)
{
	struct arena *a = req_arena(r);
	bool en = english(r);
	int name = en ? 2 : 1, other = en ? 1 : 2, group = en ? 4 : 3, other_group = en ? 3 : 4;
	struct db_stmt *st = db_stmt(req_db(r),
	    "SELECT code, name_zh, name_en, group_zh, group_en, limit_normal, limit_urgent, working_hours"
	    " FROM categories WHERE active = 1 ORDER BY sort, code",
	    "");
	json_t *list = json_array();
	while (st != NULL && db_step(st) == DB_ROW) {
		/* Keywords: the names in the other language, so either finds the service. */
		const char *keywords = db_text(st, other_group)[0] != '\0'
		                           ? arena_printf(a, "%s, %s", db_text(st, other), db_text(st, other_group))
		                           : db_text(st, other);
		json_array_append_new(
		    list, json_pack("{ss ss ss sb ss ss ss}", "service_code", db_text(st, 0), "service_name",
		              db_text(st, name), "description",
		              limit_text(a, en, db_int(st, 5), db_int(st, 6), db_int(st, 7) != 0), "metadata", 0,
		              "type", "realtime", "keywords", keywords, "group", db_text(st, group)));
	}
	if (st)
		db_reset(st);
	reply_doc(r, f, 200, "services", list);
}

/* No service has attributes: the definition is its code and an empty list. */
static void service_definition(struct req *r, enum format f, const char *code)
{
	struct category c;
	if (!category_get(req_db(r), code, &c)) {
		reply_error(r, f, 404, arena_printf(req_arena(r), "service_code %s was not found", code));
		return;
	}
	reply_doc(r, f, 200, "service_definition", json_pack("{ss s[]}", "service_code", c.code, "attributes"));
}

/* --- reading requests --- */

/* Open and closed, from the loop's states: everything that no longer runs is closed. */
#define STATUS_SQL "CASE WHEN o.state IN ('closed', 'evaluated', 'rejected', 'voided') THEN 'closed' ELSE 'open' END"
#define REQUEST_SQL                                                                                                \
	"SELECT o.id, " STATUS_SQL ", c.name_zh, c.name_en, o.category, o.description, o.confidential,"            \
	" o.area_code, o.address, o.created_at, o.updated_at, o.closed_at, o.due_at, t.name, p.name, x.id,"        \
	" x.lat_e7, x.lon_e7, x.media_url,"                                                                        \
	" (SELECT s.note FROM work_order_steps s WHERE s.order_id = o.id ORDER BY s.id DESC LIMIT 1)"              \
	" FROM work_orders o JOIN categories c ON c.code = o.category LEFT JOIN teams t ON t.id = o.assignee_team" \
	" LEFT JOIN partners p ON p.id = o.assignee_partner LEFT JOIN open311_requests x ON x.id = o.id"
/* The columns of REQUEST_SQL; COL_OPEN311 is set when the order came through Open311. */
enum {
	COL_ID,
	COL_STATUS,
	COL_NAME_ZH,
	COL_NAME_EN,
	COL_CODE,
	COL_DESCRIPTION,
	COL_CONFIDENTIAL,
	COL_AREA,
	COL_ADDRESS,
	COL_CREATED,
	COL_UPDATED,
	COL_CLOSED,
	COL_DUE,
	COL_TEAM,
	COL_PARTNER,
	COL_OPEN311,
	COL_LAT,
	COL_LON,
	COL_MEDIA,
	COL_NOTE /* the last step's */
};
#define SLOTS_10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
/* Newest first in a window of requested times, by status and by up to MAX_CODES service codes. */
#define LIST_SQL                                                                                           \
	REQUEST_SQL " WHERE o.created_at >= ? AND o.created_at <= ? AND (? IS NULL OR " STATUS_SQL " = ?)" \
	            " AND (? = 0 OR o.category IN (" SLOTS_10 ", " SLOTS_10 "))"                           \
	            " ORDER BY o.created_at DESC, o.id DESC LIMIT ?"

static json_t *request_json(struct req *r, struct db_stmt *st, bool en)
{
	bool secret = db_int(st, COL_CONFIDENTIAL) != 0;
	bool sent = !db_null(st, COL_OPEN311) && !secret; /* what its reporter gave Open311 to publish */
	struct place pl = place_of(req_db(r), req_arena(r), db_text(st, COL_AREA), secret);
	const char *agency = !db_null(st, COL_TEAM)      ? db_text(st, COL_TEAM)
	                     : !db_null(st, COL_PARTNER) ? db_text(st, COL_PARTNER)
	                                                 : pl.agency;
	bool closed = strcmp(db_text(st, COL_STATUS), "closed") == 0 && !db_null(st, COL_CLOSED);
	json_t *j = json_object();
	json_object_set_new(j, "service_request_id", json_sprintf("%lld", (long long)db_int(st, COL_ID)));
	json_object_set_new(j, "status", json_string(db_text(st, COL_STATUS)));
	json_object_set_new(j, "status_notes", secret ? json_null() : text_or_null(db_text(st, COL_NOTE)));
	json_object_set_new(j, "service_name", json_string(db_text(st, en ? COL_NAME_EN : COL_NAME_ZH)));
	json_object_set_new(j, "service_code", json_string(db_text(st, COL_CODE)));
	json_object_set_new(j, "description", secret ? json_null() : json_string(db_text(st, COL_DESCRIPTION)));
	json_object_set_new(j, "agency_responsible", text_or_null(agency));
	json_object_set_new(j, "service_notice", json_null());
	json_object_set_new(j, "requested_datetime", time_or_null(st, COL_CREATED));
	json_object_set_new(j, "updated_datetime", time_or_null(st, closed ? COL_CLOSED : COL_UPDATED));
	json_object_set_new(j, "expected_datetime", time_or_null(st, COL_DUE));
	json_object_set_new(
	    j, "address", text_or_null(sent && !db_null(st, COL_ADDRESS) ? db_text(st, COL_ADDRESS) : pl.address));
	json_object_set_new(j, "address_id", json_string(pl.code));
	json_object_set_new(j, "zipcode", json_null());
	bool point = sent && !db_null(st, COL_LAT);
	json_object_set_new(j, "lat", point ? json_real((double)db_int(st, COL_LAT) / 1e7) : json_null());
	json_object_set_new(j, "long", point ? json_real((double)db_int(st, COL_LON) / 1e7) : json_null());
	json_object_set_new(j, "media_url", sent ? text_or_null(db_text(st, COL_MEDIA)) : json_null());
	return j;
}

/* Add the request with this id to list, if there is one. */
static bool append_request(struct req *r, json_t *list, int64_t id, bool en)
{
	struct db_stmt *st = db_stmt(req_db(r), REQUEST_SQL " WHERE o.id = ?", "i", id);
	bool found = st != NULL && db_step(st) == DB_ROW;
	if (found)
		json_array_append_new(list, request_json(r, st, en));
	if (st)
		db_reset(st);
	return found;
}

/* The items of a comma-separated parameter, spaces trimmed and empty items left out;
 * -1 when there are more than max. */
static int split(struct arena *a, const char *s, const char **out, int max)
{
	int n = 0;
	while (s != NULL && *s != '\0') {
		const char *end = strchrnul(s, ',');
		const char *b = s, *e = end;
		while (b < e && *b == ' ')
			b++;
		while (e > b && e[-1] == ' ')
			e--;
		if (e > b) {
			if (n == max)
				return -1;
			out[n++] = arena_strndup(a, b, (size_t)(e - b));
		}
		s = *end ? end + 1 : end;
	}
	return n;
}

/* The requests asked for by service_request_id, in the order asked; the other filters do not apply. */
static void requests_by_id(struct req *r, enum format f, const char *ids)
{
	const char **items = arena_alloc(req_arena(r), sizeof(*items) * MAX_RESULTS);
	int n = split(req_arena(r), ids, items, MAX_RESULTS);
	if (n < 0) {
		reply_error(r, f, 400, "service_request_id names more than 1000 requests");
		return;
	}
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		int64_t id;
		if (!parse_i64z(items[i], 1, INT64_MAX, &id)) {
			json_decref(list);
			reply_error(r, f, 400, "service_request_id must be request ids separated by commas");
			return;
		}
		append_request(r, list, id, english(r));
	}
	reply_doc(r, f, 200, "service_requests", list);
}

/* The window of requested times: [from, to], at most WINDOW_DAYS long; the last
 * WINDOW_DAYS by default, and WINDOW_DAYS from (or up to) the one date given. */
static bool window(struct req *r, json_t *errors, int64_t *from, int64_t *to)
{
	const char *start = req_query(r, "start_date"), *end = req_query(r, "end_date");
	int64_t span = (int64_t)WINDOW_DAYS * 86400;
	bool ok = true;
	if (start != NULL && !w3_parse(start, from)) {
		add_error(errors, 400, "start_date must be a W3C datetime such as 2026-11-01T00:00:00+08:00");
		ok = false;
	}
	if (end != NULL && !w3_parse(end, to)) {
		add_error(errors, 400, "end_date must be a W3C datetime such as 2026-11-30T00:00:00+08:00");
		ok = false;
	}
	if (!ok)
		return false;
	if (end == NULL)
		*to = start != NULL ? *from + span : clock_now();
	if (start == NULL)
		*from = *to - span;
	if (*to < *from)
		add_error(errors, 400, "end_date is before start_date");
	else if (*to - *from > span)
		add_error(errors, 400, "start_date and end_date may not span more than 90 days");
	return *to >= *from && *to - *from <= span;
}

struct filters {
	int64_t from, to; /* requested between */
	const char *status; /* open, closed, or NULL for both */
	const char *codes[MAX_CODES];
	int ncodes; /* 0: every service */
};

/* Read status, service_code and the window; false with the errors answered. */
static bool read_filters(struct req *r, enum format f, struct filters *q)
{
	json_t *errors = json_array();
	const char *statuses[4];
	int nstatus = split(req_arena(r), req_query(r, "status"), statuses, 4);
	bool open = false, closed = false, bad = nstatus < 0;
	for (int i = 0; i < nstatus; i++) {
		open = open || strcmp(statuses[i], "open") == 0;
		closed = closed || strcmp(statuses[i], "closed") == 0;
		bad = bad || (strcmp(statuses[i], "open") != 0 && strcmp(statuses[i], "closed") != 0);
	}
	if (bad)
		add_error(errors, 400, "status must be open, closed or both, separated by commas");
	q->status = open && !closed ? "open" : closed && !open ? "closed" : NULL; /* both: no filter */
	q->ncodes = split(req_arena(r), req_query(r, "service_code"), q->codes, MAX_CODES);
	if (q->ncodes < 0)
		add_error(errors, 400, "service_code names more than 20 services");
	if (!window(r, errors, &q->from, &q->to) || json_array_size(errors) > 0) {
		reply_errors(r, f, errors);
		return false;
	}
	json_decref(errors);
	return true;
}

static void list_requests(struct req *r, enum format f)
{
	struct filters q;
	if (req_query(r, "service_request_id") != NULL) {
		requests_by_id(r, f, req_query(r, "service_request_id"));
		return;
	}
	if (!read_filters(r, f, &q))
		return;
	struct db_stmt *st = db_prepare(req_db(r), LIST_SQL);
	if (st == NULL) {
		reply_error(r, f, 400, "the requests cannot be read now; try again");
		return;
	}
	int i = 1;
	db_bind_int(st, i++, q.from);
	db_bind_int(st, i++, q.to);
	db_bind_text(st, i++, q.status);
	db_bind_text(st, i++, q.status);
	db_bind_int(st, i++, q.ncodes);
	for (int k = 0; k < MAX_CODES; k++)
		db_bind_text(st, i++, k < q.ncodes ? q.codes[k] : NULL);
	db_bind_int(st, i, MAX_RESULTS);
	json_t *list = json_array();
	bool en = english(r);
	while (db_step(st) == DB_ROW)
		json_array_append_new(list, request_json(r, st, en));
	db_reset(st);
	reply_doc(r, f, 200, "service_requests", list);
}

static void one_request(struct req *r, enum format f, const char *id_text)
{
	int64_t id;
	json_t *list = json_array();
	if (!parse_i64z(id_text, 1, INT64_MAX, &id) || !append_request(r, list, id, english(r))) {
		json_decref(list);
		reply_error(r, f, 404, arena_printf(req_arena(r), "service_request_id %s was not found", id_text));
		return;
	}
	reply_doc(r, f, 200, "service_requests", list);
}

static void token(struct req *r, enum format f, const char *token)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT id FROM open311_requests WHERE token = ?", "t", token);
	int64_t id = st != NULL && db_step(st) == DB_ROW ? db_int(st, 0) : 0;
	if (st)
		db_reset(st);
	if (id == 0) {
		reply_error(r, f, 404, "token was not found");
		return;
	}
	reply_doc(r, f, 200, "service_requests",
	    json_pack("[{so ss}]", "service_request_id", json_sprintf("%lld", (long long)id), "token", token));
}

/* --- creating a request --- */

/* A form value; absent, empty (the specification's "optional") and repeated are all NULL. */
static const char *form_text(struct req *r, const char *name)
{
	const char *s = body_str(r, name);
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The API token in api_key, when it holds the scope open311; else 403 is sent. */
static struct user *key_holder(struct req *r, enum format f)
{
	const char *key = form_text(r, "api_key");
	struct user *u = key != NULL ? apitoken_lookup(req_arena(r), req_db(r), key) : NULL;
	const char *why = req_query(r, "api_key") != NULL ? "send api_key in the form body, not in the URL"
	                  : key == NULL                   ? "api_key is missing"
	                  : u == NULL                     ? "api_key is not valid"
	                  : !user_can(u, "open311")       ? "api_key does not have the scope open311"
	                                                  : NULL;
	if (why == NULL)
		return u;
	if (u != NULL) /* a known integration asking beyond its scope */
		audit_append(req_db(r), 0, u->username, req_client(r), "denied", "open311:requests", AUDIT_DENIED,
		    "lacks open311");
	reply_error(r, f, 403, why);
	return NULL;
}

/* The single-valued fields and their limits in characters (api_key is the key's business). */
static const struct {
	const char *name;
	size_t max;
} form_fields[] = {{"jurisdiction_id", 200}, {"service_code", 40}, {"lat", 32}, {"long", 32}, {"address_string", 200},
    {"address_id", 24}, {"email", 254}, {"device_id", 128}, {"account_id", 128}, {"first_name", 64}, {"last_name", 64},
    {"phone", 32}, {"description", DESCRIPTION_MAX}, {"media_url", 2000}};

static void check_fields(struct req *r, json_t *errors)
{
	struct arena *a = req_arena(r);
	for (size_t i = 0; i < sizeof(form_fields) / sizeof(form_fields[0]); i++) {
		json_t *v = json_object_get(req_body(r), form_fields[i].name);
		if (json_is_array(v))
			add_error(errors, 400, arena_printf(a, "%s is given more than once", form_fields[i].name));
		else if (v != NULL && utf8_count(json_string_value(v), json_string_length(v)) > form_fields[i].max)
			add_error(errors, 400,
			    arena_printf(
			        a, "%s is longer than %zu characters", form_fields[i].name, form_fields[i].max));
	}
	/* It is published: a link, never a script. */
	const char *media = form_text(r, "media_url");
	if (media != NULL && strncasecmp(media, "https://", 8) != 0 && strncasecmp(media, "http://", 7) != 0)
		add_error(errors, 400, "media_url must be an http or https URL");
}

/* Decimal degrees within ±limit as units of 1e-7 degree (about a centimetre);
 * digits past the seventh place are rounded. */
static bool parse_degrees(const char *s, int64_t limit, int64_t *out)
{
	bool neg = s[0] == '-', point = false, up = false;
	s += s[0] == '-' || s[0] == '+';
	int64_t whole = 0, frac = 0;
	int nwhole = 0, kept = 0, past = 0;
	for (; *s != '\0'; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		int d = *s - '0';
		if (!point) {
			if (++nwhole > 3)
				return false;
			whole = whole * 10 + d;
		} else if (kept < 7) {
			frac = frac * 10 + d;
			kept++;
		} else if (past++ == 0) {
			up = d >= 5;
		}
	}
	if (nwhole + kept == 0)
		return false;
	for (int k = kept; k < 7; k++)
		frac *= 10;
	int64_t v = whole * 10000000 + frac + up;
	if (v > limit * 10000000)
		return false;
	*out = neg ? -v : v;
	return true;
}

struct point {
	bool given;
	int64_t lat, lon; /* 1e-7 degree */
};

/* Where the demand goes: the area of address_id; else a community or street that
 * address_string names; else (coordinates, or an address not recognised) the top
 * of the area tree, whose staff triage it. NULL, with errors, when the location
 * is missing or wrong. */
static const char *locate(struct req *r, json_t *errors, struct point *pt)
{
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	const char *lat = form_text(r, "lat"), *lon = form_text(r, "long"), *id = form_text(r, "address_id"),
	           *text = form_text(r, "address_string");
	if ((lat == NULL) != (lon == NULL))
		add_error(errors, 400, "lat and long must be sent together");
	else if (lat != NULL && (!parse_degrees(lat, 90, &pt->lat) || !parse_degrees(lon, 180, &pt->lon)))
		add_error(errors, 400, "lat and long must be decimal degrees (WGS84)");
	else
		pt->given = lat != NULL;
	if (id != NULL) {
		const struct area *where = area_code_valid(id) ? area_find(db, id) : NULL;
		if (where == NULL || where->parent == NULL) {
			add_error(errors, 400,
			    arena_printf(a, "address_id %s is not a street, community, grid, estate or building", id));
			return NULL;
		}
		return arena_strdup(a, where->code);
	}
	const char *named = text != NULL ? named_area(db, a, text) : NULL;
	if (named != NULL)
		return named;
	if (text != NULL || pt->given)
		return top_area(db, a, NULL);
	if (lat == NULL)
		add_error(errors, 400, "a location is required: lat and long, address_string or address_id");
	return NULL;
}

/* Open311's own data beside the order: the token, the point, the media, and the
 * contact details sealed (with the index key rotation rewrites beside them). */
static int extras_insert(struct req *r, int64_t id, const char *token, const struct point *pt)
{
	static const char *const contact_fields[] = {"email", "phone", "first_name", "last_name"};
	json_t *contact = json_object();
	for (size_t i = 0; i < sizeof(contact_fields) / sizeof(contact_fields[0]); i++)
		if (form_text(r, contact_fields[i]) != NULL)
			json_object_set_new(contact, contact_fields[i], json_string(form_text(r, contact_fields[i])));
	struct db_stmt *st = db_prepare(req_db(r),
	    "INSERT INTO open311_requests (id, token, lat_e7, lon_e7, contact_sealed, contact_index, media_url,"
	    " device_id, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL) {
		json_decref(contact);
		return DB_ERROR;
	}
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, token);
	if (pt->given) {
		db_bind_int(st, 3, pt->lat);
		db_bind_int(st, 4, pt->lon);
	}
	if (json_object_size(contact) > 0) {
		size_t len, n;
		char *plain = json_write(contact, &len);
		unsigned char index[BLIND_BYTES];
		unsigned char *box = seal(req_arena(r), "open311.contact", plain, len, &n);
		blind_index("open311_contact", plain, index);
		free(plain);
		db_bind_blob(st, 5, box, n);
		db_bind_blob(st, 6, index, sizeof(index));
	}
	json_decref(contact);
	db_bind_text(st, 7, form_text(r, "media_url"));
	db_bind_text(st, 8, form_text(r, "device_id"));
	db_bind_text(st, 9, form_text(r, "account_id"));
	int rc = db_step(st);
	db_reset(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* POST requests: a demand in state collected, channel open311, raised by no
 * person (created_by NULL) but by the key's integration, which its origin names. */
static void create_request(struct req *r, enum format f)
{
	struct user *key = key_holder(r, f);
	if (key == NULL)
		return;
	struct db *db = req_db(r);
	struct arena *a = req_arena(r);
	json_t *errors = json_array();
	check_fields(r, errors);
	struct category c;
	const char *code = form_text(r, "service_code");
	if (code == NULL)
		add_error(errors, 400, "service_code is required");
	else if (!category_get(db, code, &c))
		add_error(errors, 404, arena_printf(a, "service_code %s was not found", code));
	struct point pt = {false, 0, 0};
	const char *area = locate(r, errors, &pt);
	if (json_array_size(errors) > 0) {
		reply_errors(r, f, errors);
		return;
	}
	json_decref(errors);
	const char *description = form_text(r, "description");
	struct new_order o = {c.code, NULL, "open311", arena_printf(a, "api_token:%lld", (long long)key->token_id),
	    description ? description : "", area, form_text(r, "address_string"), 0, 0, false};
	char token[33];
	random_hex(token, 16);
	int64_t id = 0;
	int rc = db_begin(db);
	if (rc == DB_OK)
		rc = order_insert(db, &o, clock_now(), &id);
	if (rc == DB_OK)
		rc = extras_insert(r, id, token, &pt);
	if (rc == DB_OK)
		rc = audit_append(db, 0, key->username, req_client(r), "work_order.create",
		    arena_printf(a, "work_order:%lld", (long long)id), AUDIT_SUCCESS, "open311");
	if (rc != DB_OK || (rc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		log_warnx("open311: a request could not be recorded (%d)", rc);
		reply_error(r, f, 400, "the request could not be recorded; try again");
		return;
	}
	/* A realtime service answers the id; the specification wants no token beside it. */
	reply_doc(r, f, 200, "service_requests",
	    json_pack("[{so ss sn}]", "service_request_id", json_sprintf("%lld", (long long)id), "service_notice",
	        limit_text(a, english(r), c.limit_normal, c.limit_urgent, c.working_hours), "account_id"));
}

/* --- routes --- */

static void get_resource(struct req *r)
{
	const char *name;
	enum format f;
	if (!resource(r, 0, &name, &f))
		reply_error(r, f, 404, "no such resource: add .xml or .json");
	else if (strcmp(name, "discovery") == 0)
		discovery(r, f);
	else if (strcmp(name, "services") == 0)
		services(r, f);
	else if (strcmp(name, "requests") == 0)
		list_requests(r, f);
	else
		reply_error(r, f, 404, "no such resource");
}

static void get_item(struct req *r)
{
	const char *collection = req_param(r, 0), *name;
	enum format f;
	if (!resource(r, 1, &name, &f))
		reply_error(r, f, 404, "no such resource: add .xml or .json");
	else if (strcmp(collection, "services") == 0)
		service_definition(r, f, name);
	else if (strcmp(collection, "requests") == 0)
		one_request(r, f, name);
	else if (strcmp(collection, "tokens") == 0)
		token(r, f, name);
	else
		reply_error(r, f, 404, "no such resource");
}

static void post_resource(struct req *r)
{
	const char *name;
	enum format f;
	if (!resource(r, 0, &name, &f)) {
		reply_error(r, f, 404, "no such resource: add .xml or .json");
	} else if (strcmp(name, "requests") == 0) {
		create_request(r, f);
	} else if (strcmp(name, "discovery") == 0 || strcmp(name, "services") == 0) {
		reply_header(r, "Allow", "GET");
		reply_error(r, f, 405, "only requests takes POST");
	} else {
		reply_error(r, f, 404, "no such resource");
	}
}

/* Every parameter is read by the handlers, so that errors come in Open311's form. */
static const struct field get_query[] = {
    {"jurisdiction_id", T_STRING, 0, .desc = "ignored: this endpoint serves one jurisdiction"},
    {"service_request_id", T_STRING, 0, .desc = "requests: ids separated by commas; overrides the rest"},
    {"service_code", T_STRING, 0, .desc = "requests: service codes separated by commas"},
    {"start_date", T_STRING, 0, .desc = "requests: W3C datetime; the window spans at most 90 days"},
    {"end_date", T_STRING, 0, .desc = "requests: W3C datetime"},
    {"status", T_STRING, 0, .desc = "requests: open, closed, or both separated by commas"},
    {"locale", T_STRING, 0, .desc = "zh (default) or en: the services' names"},
    {"api_key", T_STRING, F_SECRET, .desc = "not needed to read; ignored"},
    {NULL},
};
static const struct field post_query[] = {
    {"jurisdiction_id", T_STRING, 0, .desc = "ignored: this endpoint serves one jurisdiction"},
    {"locale", T_STRING, 0, .desc = "zh (default) or en: the service notice"},
    {"api_key", T_STRING, F_SECRET, .desc = "refused: the key belongs in the form body"},
    {NULL},
};

static const struct route routes[] = {
    {M_GET, "/open311/v2/{resource}", NULL, R_PUBLIC | R_RAW, get_query, NULL, 200, NULL, get_resource,
        "Open311: discovery, services or requests (.xml or .json)"},
    {M_POST, "/open311/v2/{resource}", NULL, R_PUBLIC | R_RAW | R_FORM, post_query, NULL, 200, NULL, post_resource,
        "Open311: create a request (api_key with the scope open311 in the form)"},
    {M_GET, "/open311/v2/{collection}/{file}", NULL, R_PUBLIC | R_RAW, get_query, NULL, 200, NULL, get_item,
        "Open311: a service definition, a request, or a token's request"},
    {0},
};

static const struct migration migrations[] = {
    /* id is the order's: key rotation (cli/key.c) re-keys sealed columns by id. */
    {1, "CREATE TABLE open311_requests ("
        " id INTEGER PRIMARY KEY REFERENCES work_orders (id),"
        " token TEXT NOT NULL UNIQUE,"
        " lat_e7 INTEGER,"
        " lon_e7 INTEGER,"
        " contact_sealed BLOB,"
        " contact_index BLOB,"
        " media_url TEXT,"
        " device_id TEXT,"
        " account_id TEXT);"
        /* GET requests reads a window of requested times, newest first. */
        "CREATE INDEX open311_window ON work_orders (created_at);"},
    {0},
};

const struct module open311_module = {
    .name = "open311",
    .migrations = migrations,
    .routes = routes,
};
