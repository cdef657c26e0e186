/* Request paths (as libmicrohttpd hands them over, already percent-decoded):
 * 1. static_serve against a real web root with a secret file beside it, symlinks
 *    pointing out and a sibling directory sharing the root's name as a prefix: a
 *    file outside the root must never be opened;
 * 2. dispatch with every method: the answer (401 for a protected route, 405, 404,
 *    static) and the captured path parameters must agree with a reference matcher
 *    over the route tables. Public routes are skipped: their handlers need a database. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/core/log.h"
#include "../src/http/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			fprintf(stderr, "fuzz_path: " __VA_ARGS__); \
			fprintf(stderr, "\n");                      \
			abort();                                    \
		}                                                   \
	} while (0)

static char top[PATH_MAX];
static ino_t allowed[16], forbidden[4];
static int nallowed, nforbidden;

static void write_file(const char *rel, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

static ino_t inode(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (stat(p, &st) != 0) {
		perror(p);
		exit(1);
	}
	return st.st_ino;
}

static void in_top(const char *rel, int (*fn)(const char *, const char *), const char *target)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (fn(target, p) != 0) {
		perror(p);
		exit(1);
	}
}

static int link_to(const char *target, const char *p) { return symlink(target, p); }
static int make_dir(const char *unused, const char *p) { return mkdir(p, 0700); }

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) { return remove(p); }
static void remove_tree(void) { nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(top, sizeof(top), "%s/doorstep-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_tree);
	in_top("web", make_dir, NULL);
	in_top("web/assets", make_dir, NULL);
	in_top("web/sub", make_dir, NULL);
	in_top("web/empty", make_dir, NULL);
	in_top("web-evil", make_dir, NULL);
	write_file("secret.txt", "secret\n");
	write_file("web-evil/x.txt", "sibling\n");
	write_file("web/index.html", "<!doctype html><title>app</title>\n");
	write_file("web/robots.txt", "User-agent: *\n");
	write_file("web/assets/app-3f2a.js", "console.log(1)\n");
	write_file("web/assets/app-3f2a.js.gz", "not really gzip\n");
	write_file("web/sub/page.html", "<p>page</p>\n");
	write_file("web/..hidden", "dots in a name are fine\n");
	in_top("web/link-out", link_to, "../secret.txt");
	in_top("web/link-abs", link_to, "/etc/passwd");
	in_top("web/link-sibling", link_to, "../web-evil/x.txt");
	in_top("web/sub/link-up", link_to, "../../secret.txt");
	in_top("web/link-in", link_to, "index.html");
	const char *ok[] = {"web/index.html", "web/robots.txt", "web/assets/app-3f2a.js", "web/assets/app-3f2a.js.gz",
	    "web/sub/page.html", "web/..hidden", NULL};
	for (const char **p = ok; *p != NULL; p++)
		allowed[nallowed++] = inode(*p);
	forbidden[nforbidden++] = inode("secret.txt");
	forbidden[nforbidden++] = inode("web-evil/x.txt");

	char web[PATH_MAX];
	snprintf(web, sizeof(web), "%s/web", top);
	static_init(web);
	log_set_level(LOG_ERROR);

	return 0;
}

static struct req *new_req(struct arena *a, const char *path, unsigned method)
{
	struct req *r = arena_alloc(a, sizeof(*r));
	r->arena = a;
	r->out_fd = -1;
	r->path = path;
	r->method = method;
	r->client = "127.0.0.1";
	return r;
}

/* Whatever a request left behind: the reply buffer and an opened file. */
static void release(struct req *r)
{
	free(r->out);
	if (r->out_fd >= 0)
		close(r->out_fd);
}

/* If a file was opened, it is one of the web app's own. */
static void check_opened(struct req *r, const char *path)
{
	if (r->out_fd < 0)
		return;
	struct stat st;
	CHECK(fstat(r->out_fd, &st) == 0 && S_ISREG(st.st_mode), "opened something that is not a regular file");
	for (int i = 0; i < nforbidden; i++)
		CHECK(st.st_ino != forbidden[i], "path \"%s\" opened a file outside the web root", path);
	bool known = false;
	for (int i = 0; i < nallowed; i++)
		known = known || st.st_ino == allowed[i];
	CHECK(known, "path \"%s\" opened an unexpected file", path);
	CHECK(r->status == 200 && r->out_type != NULL, "a file without status 200 and a type");
}

/* The reference matcher: "/"-separated segments, "{x}" takes one non-empty segment. */
static bool ref_match(const char *pat, const char *path, const char **params, size_t *lens, int *np)
{
	*np = 0;
	if (*pat != '/' || *path != '/')
		return false;
	for (;;) {
		pat++;
		path++;
		size_t pl = strcspn(pat, "/"), sl = strcspn(path, "/");
		if (pat[0] == '{') {
			if (sl == 0)
				return false;
			params[*np] = path;
			lens[(*np)++] = sl;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl;
		path += sl;
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
	}
}

static void check_dispatch(struct arena *a, const char *path, unsigned method)
{
	const struct route *want = NULL;
	bool other_method = false;
	const char *params[MAX_PARAMS + 8];
	size_t lens[MAX_PARAMS + 8];
	int np = 0;
	for (const struct module *const *m = modules; *m != NULL && want == NULL; m++) {
		for (const struct route *rt = (*m)->routes; rt != NULL && rt->method != 0; rt++) {
			if ((rt->flags & R_PUBLIC) && ref_match(rt->path, path, params, lens, &np))
				return; /* its handler would run, and needs a database */
			if (!ref_match(rt->path, path, params, lens, &np))
				continue;
			if (rt->method & method) {
				want = rt;
				break;
			}
			other_method = true;
		}
	}
	struct req *r = new_req(a, path, method);
	dispatch(r);
	CHECK(r->replied, "no reply for %s", path);
	/* The API's own paths (and Open311's) never fall back to the web app. */
	bool api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 || strncmp(path, "/open311/", 9) == 0 ||
	           strcmp(path, "/open311") == 0;
	if (want != NULL) {
		CHECK(r->route == want, "%s matched %s, expected %s", path, r->route ? r->route->path : "nothing",
		    want->path);
		CHECK(r->status == 401, "%s: status %d without a session, expected 401", path, r->status);
		for (int i = 0; i < np && i < MAX_PARAMS; i++)
			CHECK(r->params[i] != NULL && strlen(r->params[i]) == lens[i] &&
			          memcmp(r->params[i], params[i], lens[i]) == 0,
			    "%s: parameter %d captured wrong", path, i);
		for (int i = np; i < MAX_PARAMS; i++)
			CHECK(r->params[i] == NULL, "%s: parameter %d captured from nothing", path, i);
	} else if (api) {
		CHECK(r->route == NULL, "%s matched %s", path, r->route->path);
		CHECK(r->status == (other_method ? 405 : 404), "%s: status %d, expected %d", path, r->status,
		    other_method ? 405 : 404);
	} else {
		if (method != M_GET)
			CHECK(r->status == 405, "%s: status %d for a non-GET static path", path, r->status);
		CHECK(
		    r->status == 200 || r->status == 404 || r->status == 405, "%s: static status %d", path, r->status);
	}
	if (r->out_fd < 0) {
		CHECK(r->out_type != NULL && strcmp(r->out_type, "application/problem+json") == 0,
		    "%s: an error that is not problem+json", path);
		json_t *v = json_loadb(r->out, r->out_len, 0, NULL);
		CHECK(json_is_object(v) && json_integer_value(json_object_get(v, "status")) == r->status,
		    "%s: a problem body without its status", path);
		json_decref(v);
	}
	check_opened(r, path);
	release(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	/* The path is a C string: it ends at the first NUL. */
	char *path = arena_strndup(a, (const char *)data, size > 4096 ? 4096 : size);

	struct req *r = new_req(a, path, M_GET);
	static_serve(r);
	CHECK(r->replied, "static_serve gave no reply for %s", path);
	CHECK(r->out_fd >= 0 || r->status == 404, "static_serve: status %d without a file", r->status);
	check_opened(r, path);
	release(r);

	for (unsigned i = 0; i < 5; i++)
		check_dispatch(a, path, 1u << i);
	arena_free(a);
	return 0;
}
