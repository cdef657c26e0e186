/* The platform's own table (meta), health, metrics, the OpenAPI description,
 * and in test builds the clock that tests move. */
#include <string.h>

#include "../core/clock.h"
#include "../http/internal.h"
#include "platform.h"
#include "scheduler.h"
#include "../core/banned.h"

static void healthz(struct req *r)
{
	struct db_stmt *st = db_stmt(req_db(r), "SELECT 1", NULL);
	bool ok = st != NULL && db_step(st) == DB_ROW;
	if (st)
		db_reset(st);
	reply_json(r, ok ? 200 : 503, json_pack("{ss}", "status", ok ? "ok" : "database unavailable"));
}

static void metrics(struct req *r) { metrics_reply(r); }

static char *openapi_text;
static size_t openapi_len;

static void openapi(struct req *r) { reply_bytes(r, 200, "application/json", openapi_text, openapi_len, NULL); }

static void system_init(void)
{
	json_t *doc = openapi_document();
	openapi_text = json_dumps(doc, JSON_COMPACT);
	openapi_len = strlen(openapi_text);
	json_decref(doc);
}

#ifdef DOORSTEP_TEST_CLOCK
/* Test builds only: move the application clock and run periodic work at once. */
static void set_clock(struct req *r)
{
	int64_t t;
	clock_parse(body_str(r, "now"), &t);
	clock_set(t);
	char when[32];
	reply_json(r, 200, json_pack("{ss}", "now", clock_format(clock_now(), when, sizeof(when))));
}

static void tick(struct req *r)
{
	scheduler_run_all(req_db(r));
	reply_empty(r, 204);
}

/* The route table, so tests can check the OpenAPI description against it. */
static void routes_list(struct req *r)
{
	static const char *const names[] = {"get", "post", "put", "patch", "delete"};
	json_t *items = json_array();
	for (const struct module *const *m = modules; *m != NULL; m++)
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++)
			for (unsigned i = 0; i < 5; i++)
				if (rt->method & (1u << i))
					json_array_append_new(
					    items, json_pack("{ss ss ss ss*}", "module", (*m)->name, "method", names[i],
					               "path", rt->path, "permission", rt->perm));
	reply_json(r, 200, json_pack("{so}", "items", items));
}

static const struct field clock_fields[] = {{"now", T_DATETIME, F_REQUIRED}, {NULL}};
static const struct field clock_body = {NULL, T_OBJECT, 0, .fields = clock_fields};
#endif

static const struct field health_fields[] = {{"status", T_STRING, F_REQUIRED}, {NULL}};
static const struct field health_schema = {NULL, T_OBJECT, 0, .fields = health_fields};

static const struct route routes[] = {
    {M_GET, "/healthz", NULL, R_PUBLIC, NULL, NULL, 200, &health_schema, healthz, "Liveness and database"},
    {M_GET, "/metrics", NULL, R_PUBLIC | R_RAW, NULL, NULL, 200, NULL, metrics, "Prometheus metrics"},
    {M_GET, "/api/openapi.json", NULL, R_PUBLIC | R_RAW, NULL, NULL, 200, NULL, openapi, "This API's description"},
#ifdef DOORSTEP_TEST_CLOCK
    {M_PUT, "/test/clock", NULL, R_PUBLIC, NULL, &clock_body, 200, NULL, set_clock, "Test builds: set the clock"},
    {M_POST, "/test/tick", NULL, R_PUBLIC, NULL, NULL, 204, NULL, tick, "Test builds: run periodic work"},
    {M_GET, "/test/routes", NULL, R_PUBLIC, NULL, NULL, 200, NULL, routes_list, "Test builds: the route table"},
#endif
    {0},
};

static const struct migration migrations[] = {
    {1, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    {0},
};

const struct module system_module = {
    .name = "system",
    .migrations = migrations,
    .routes = routes,
    .init = system_init,
};
