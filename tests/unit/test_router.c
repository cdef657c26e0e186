/* Routing through the public pipeline (dispatch.c) and static files (static.c):
 * without a session every protected route answers 401 after matching, so the
 * matched route, its captured parameters, 404 and 405 are all visible here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/core/log.h"
#include "../../src/http/internal.h"

static char top[] = "/tmp/doorstep-unit-XXXXXX";
static struct arena *arena;

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static ino_t inode(const char *rel)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(stat(p, &st), 0);
	return st.st_ino;
}

static int setup_web(void **state)
{
	if (mkdtemp(top) == NULL)
		return -1;
	dir("web");
	dir("web/assets");
	put("secret.txt", "secret");
	put("web/index.html", "<!doctype html>");
	put("web/robots.txt", "User-agent: *");
	put("web/data.json", "{}");
	put("web/blob.xyz", "?");
	put("web/assets/app-3f2a.js", "1");
	put("web/assets/app-3f2a.css", "a{}");
	char p[256], web[256];
	snprintf(p, sizeof(p), "%s/web/link-out", top);
	if (symlink("../secret.txt", p) != 0)
		return -1;
	snprintf(web, sizeof(web), "%s/web", top);
	static_init(web);
	log_set_level(LOG_ERROR);
	return 0;
}

static int teardown_web(void **state)
{
	const char *files[] = {"web/link-out", "web/assets/app-3f2a.css", "web/assets/app-3f2a.js", "web/blob.xyz",
	    "web/data.json", "web/robots.txt", "web/index.html", "secret.txt", "web/assets", "web", "", NULL};
	for (const char **f = files; *f != NULL; f++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/%s", top, *f);
		remove(p);
	}
	return 0;
}

static int fresh(void **state)
{
	arena = arena_new();
	return 0;
}

static struct req *last;

static int release(void **state)
{
	if (last != NULL) {
		free(last->out);
		if (last->out_fd >= 0)
			close(last->out_fd);
		last = NULL;
	}
	arena_free(arena);
	return 0;
}

/* Run the pipeline for method and path, as an anonymous caller. */
static struct req *request(unsigned method, const char *path)
{
	if (last != NULL) {
		free(last->out);
		if (last->out_fd >= 0)
			close(last->out_fd);
	}
	struct req *r = arena_alloc(arena, sizeof(*r));
	r->arena = arena;
	r->out_fd = -1;
	r->path = arena_strdup(arena, path);
	r->method = method;
	r->client = "127.0.0.1";
	dispatch(r);
	last = r;
	assert_true(r->replied);
	return r;
}

static const char *header(struct req *r, const char *name)
{
	for (struct header *h = r->headers; h != NULL; h = h->next)
		if (strcasecmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

/* The problem body's "type", checking it is problem+json with the right status. */
static const char *problem(struct req *r)
{
	assert_string_equal(r->out_type, "application/problem+json");
	json_t *v = json_loadb(r->out, r->out_len, 0, NULL);
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "status")), r->status);
	const char *type = arena_strdup(arena, json_string_value(json_object_get(v, "type")));
	json_decref(v);
	return type;
}

/* The route path matched, and its status (401: matched, authentication needed). */
static void routes_to(unsigned method, const char *path, const char *pattern)
{
	struct req *r = request(method, path);
	if (r->route == NULL)
		fail_msg("%s matched no route (status %d), expected %s", path, r->status, pattern);
	assert_string_equal(r->route->path, pattern);
	assert_int_equal(r->status, 401);
	assert_string_equal(problem(r), "/problems/unauthorized");
	assert_string_equal(header(r, "WWW-Authenticate"), "Bearer");
}

static void protected_routes_answer_401_after_matching(void **state)
{
	routes_to(M_GET, "/api/v1/me", "/api/v1/me");
	routes_to(M_GET, "/api/v1/areas", "/api/v1/areas");
	routes_to(M_GET, "/api/v1/users", "/api/v1/users");
	routes_to(M_POST, "/api/v1/users", "/api/v1/users");
	routes_to(M_DELETE, "/api/v1/session", "/api/v1/session");
	routes_to(M_POST, "/api/v1/me/password", "/api/v1/me/password");
}

static void parameters_take_one_segment(void **state)
{
	routes_to(M_GET, "/api/v1/users/42", "/api/v1/users/{id}");
	assert_string_equal(last->params[0], "42");
	assert_null(last->params[1]);
	routes_to(M_GET, "/api/v1/areas/420107005008", "/api/v1/areas/{code}");
	assert_string_equal(last->params[0], "420107005008");
	routes_to(M_DELETE, "/api/v1/users/42/roles/7", "/api/v1/users/{id}/roles/{rid}");
	assert_string_equal(last->params[0], "42");
	assert_string_equal(last->params[1], "7");
	assert_null(last->params[2]);
	/* A longer pattern with a literal tail is not swallowed by a shorter one. */
	routes_to(M_GET, "/api/v1/jobs/9/result", "/api/v1/jobs/{id}/result");
	assert_string_equal(last->params[0], "9");
	routes_to(M_GET, "/api/v1/jobs/9", "/api/v1/jobs/{id}");
	/* A parameter is text: validation of its form is the handler's. */
	routes_to(M_GET, "/api/v1/users/abc", "/api/v1/users/{id}");
	assert_string_equal(last->params[0], "abc");
	routes_to(M_GET, "/api/v1/users/青山", "/api/v1/users/{id}");
	assert_string_equal(last->params[0], "青山");
}

static void near_misses_are_404(void **state)
{
	const char *paths[] = {"/api/v1/users/", "/api/v1/me/", "/api/v1/mee", "/api/v1/m", "/api/v1", "/api/v1/",
	    "/api/v2/me", "/api/v1//me", "/api/v1/users//roles", "/api/v1/users/42/roles/7/x", "/api//v1/me", "/api",
	    "/api/", "/api/v1/users/42/", "/api/v1/jobs/9/results", NULL};
	for (const char **p = paths; *p != NULL; p++) {
		struct req *r = request(M_GET, *p);
		if (r->status != 404)
			fail_msg("%s answered %d, expected 404", *p, r->status);
		assert_null(r->route);
		assert_string_equal(problem(r), "/problems/not-found");
	}
}

static void wrong_method_is_405(void **state)
{
	struct {
		unsigned method;
		const char *path;
	} cases[] = {
	    {M_POST, "/api/v1/me"},
	    {M_PUT, "/api/v1/users/42"},
	    {M_DELETE, "/api/v1/areas"},
	    {M_GET, "/api/v1/users/42/roles"},
	    {M_PATCH, "/api/v1/session"},
	    {M_GET, "/api/v1/session"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct req *r = request(cases[i].method, cases[i].path);
		if (r->status != 405)
			fail_msg("%s answered %d, expected 405", cases[i].path, r->status);
		assert_string_equal(problem(r), "/problems/method-not-allowed");
	}
}

static void route_table_is_well_formed(void **state)
{
	routes_check(); /* exits on an unknown permission or an incomplete route */
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++) {
			int params = 0;
			for (const char *c = rt->path; *c; c++)
				params += *c == '{';
			assert_true(params <= MAX_PARAMS);
			/* Collections are lower-case with hyphens. */
			for (const char *c = rt->path; *c; c++)
				if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') &&
				    strchr("/-_.{}", *c) == NULL)
					fail_msg("route %s has '%c'", rt->path, *c);
			/* Every /api/v1 route needs a session unless it is the login. */
			if (strncmp(rt->path, "/api/v1/", 8) == 0 && (rt->flags & R_PUBLIC))
				assert_true(rt->method == M_POST && strcmp(rt->path, "/api/v1/session") == 0);
		}
	}
}

/* The file a static reply opened, by inode. */
static void serves(const char *path, const char *file, const char *type)
{
	struct req *r = request(M_GET, path);
	if (r->out_fd < 0)
		fail_msg("%s answered %d without a file, expected %s", path, r->status, file);
	struct stat st;
	assert_int_equal(fstat(r->out_fd, &st), 0);
	if (st.st_ino != inode(file))
		fail_msg("%s served the wrong file, expected %s", path, file);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->out_fd_size, (uint64_t)st.st_size);
	assert_string_equal(r->out_type, type);
}

static void not_found(unsigned method, const char *path, int status)
{
	struct req *r = request(method, path);
	if (r->out_fd >= 0 || r->status != status)
		fail_msg(
		    "%s answered %d%s, expected %d", path, r->status, r->out_fd >= 0 ? " with a file" : "", status);
	problem(r);
}

static void static_files_with_types_and_caching(void **state)
{
	serves("/", "web/index.html", "text/html; charset=utf-8");
	assert_string_equal(header(last, "Cache-Control"), "no-cache");
	serves("/index.html", "web/index.html", "text/html; charset=utf-8");
	serves("/robots.txt", "web/robots.txt", "text/plain; charset=utf-8");
	serves("/data.json", "web/data.json", "application/json");
	serves("/blob.xyz", "web/blob.xyz", "application/octet-stream");
	serves("/assets/app-3f2a.js", "web/assets/app-3f2a.js", "text/javascript; charset=utf-8");
	assert_string_equal(header(last, "Cache-Control"), "public, max-age=31536000, immutable");
	serves("/assets/app-3f2a.css", "web/assets/app-3f2a.css", "text/css; charset=utf-8");
	assert_string_equal(header(last, "Vary"), "Accept-Encoding");
	assert_null(header(last, "Content-Encoding"));
}

static void client_routes_fall_back_to_the_app(void **state)
{
	serves("/users/42/edit", "web/index.html", "text/html; charset=utf-8");
	assert_string_equal(header(last, "Cache-Control"), "no-cache");
	serves("/login", "web/index.html", "text/html; charset=utf-8");
	serves("/apix", "web/index.html", "text/html; charset=utf-8");
	serves("/assets", "web/index.html", "text/html; charset=utf-8"); /* the directory is not a file */
	/* A missing asset is a 404, not the app. */
	not_found(M_GET, "/assets/app-0000.js", 404);
	not_found(M_GET, "/assets/", 404);
	not_found(M_POST, "/index.html", 405);
	not_found(M_DELETE, "/users/42/edit", 405);
}

static void traversal_never_leaves_the_root(void **state)
{
	const char *bad[] = {"/../secret.txt", "/assets/../../secret.txt", "/..", "/.", "/./index.html", "//secret.txt",
	    "/assets//app-3f2a.js", "/..\\secret.txt", "/index.html\x01", "/\x7f", "/assets/..", "index.html", "",
	    NULL};
	for (const char **p = bad; *p != NULL; p++)
		not_found(M_GET, *p, 404);
	/* A symlink out of the root is never followed: the app is served instead. */
	serves("/link-out", "web/index.html", "text/html; charset=utf-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(protected_routes_answer_401_after_matching, fresh, release),
	    cmocka_unit_test_setup_teardown(parameters_take_one_segment, fresh, release),
	    cmocka_unit_test_setup_teardown(near_misses_are_404, fresh, release),
	    cmocka_unit_test_setup_teardown(wrong_method_is_405, fresh, release),
	    cmocka_unit_test_setup_teardown(route_table_is_well_formed, fresh, release),
	    cmocka_unit_test_setup_teardown(static_files_with_types_and_caching, fresh, release),
	    cmocka_unit_test_setup_teardown(client_routes_fall_back_to_the_app, fresh, release),
	    cmocka_unit_test_setup_teardown(traversal_never_leaves_the_root, fresh, release),
	};
	return cmocka_run_group_tests(tests, setup_web, teardown_web);
}
