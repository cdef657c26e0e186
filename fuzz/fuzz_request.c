/* Whole HTTP requests, as bytes on a connection, through libmicrohttpd and the
 * dispatch pipeline into the handlers, on an in-memory copy of a fresh database:
 * the request line and query string (validate_query), headers and cookies
 * (authenticate, CSRF, Idempotency-Key), JSON bodies, Open311's form bodies
 * (parse_form and the handlers behind it). In an input, "@S@" stands for a valid
 * session cookie of a district administrator and "@C@" for its CSRF token, so
 * that the fuzzer gets past the login. Findings: crashes, leaks, a 500, a
 * request without an answer, and an API error that is not a problem document.
 * Work a handler defers (password hashing) is refused with 503, as the server
 * does when its pool is full. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../src/app.h"
#include "../src/auth/auth.h"
#include "../src/core/clock.h"
#include "../src/core/config.h"
#include "../src/core/log.h"
#include "../src/http/internal.h"
#include "../src/platform/area_tree.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                               \
	do {                                                           \
		if (!(cond)) {                                         \
			fprintf(stderr, "fuzz_request: " __VA_ARGS__); \
			fprintf(stderr, "\n");                         \
			abort();                                       \
		}                                                      \
	} while (0)

static char dir[4096], template[4200];
static struct db *mem;
static struct MHD_Daemon *daemon_;
static char session[65], csrf[65];
static int64_t user_id;
static unsigned runs;

static void remove_files(void)
{
	char p[4300];
	const char *names[] = {"t.db", "t.db.key", "t.db-wal", "t.db-shm", "copy.db", NULL};
	for (const char **n = names; *n != NULL; n++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *n);
		unlink(p);
	}
	rmdir(dir);
}

/* A fresh copy of the template and a new session in it. */
static void fresh(void)
{
	CHECK(db_restore(mem, template) == DB_OK, "cannot copy the template database");
	areas_changed();
	auth_changed();
	CHECK(session_create(mem, user_id, "127.0.0.1", session, csrf) == DB_OK, "cannot make a session");
}

static unsigned method_of(const char *m)
{
	static const struct {
		const char *name;
		unsigned m;
	} t[] = {{"GET", M_GET}, {"HEAD", M_GET}, {"POST", M_POST}, {"PUT", M_PUT}, {"PATCH", M_PATCH},
	    {"DELETE", M_DELETE}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(m, t[i].name) == 0)
			return t[i].m;
	return 0;
}

static enum MHD_Result respond(struct req *r)
{
	CHECK(r->replied && r->status >= 200 && r->status <= 599, "%s %s: no answer", r->method_name, r->path);
	CHECK(r->status < 500 || r->status == 503, "%s %s answered %d", r->method_name, r->path, r->status);
	if (r->out_fd < 0 && r->status >= 400 && strncmp(r->path, "/api/", 5) == 0)
		CHECK(r->out_type != NULL && strcmp(r->out_type, "application/problem+json") == 0,
		    "%s %s: a %d that is not a problem", r->method_name, r->path, r->status);
	struct MHD_Response *resp;
	if (r->out_fd >= 0) {
		resp = MHD_create_response_from_fd64(r->out_fd_size, r->out_fd);
		r->out_fd = -1;
	} else {
		resp = MHD_create_response_from_buffer(r->out_len, r->out, MHD_RESPMEM_MUST_FREE);
		r->out = NULL;
	}
	if (resp == NULL)
		return MHD_NO;
	reply_finish_headers(r);
	if (r->out_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->out_type);
	for (struct header *h = r->headers; h != NULL; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* server.c's on_request without the thread pool and the logging. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	struct req *r = *ctx;
	if (r == NULL) {
		struct arena *a = arena_new();
		r = arena_alloc(a, sizeof(*r));
		r->arena = a;
		r->conn = c;
		r->out_fd = -1;
		r->path = arena_strdup(a, url);
		r->method = method_of(method);
		r->method_name = arena_strdup(a, method);
		r->client = "127.0.0.1";
		memcpy(r->rid, "fuzz000000000000", 17);
		*ctx = r;
		if (r->method == 0) {
			reply_problem(r, P_METHOD, "this method is not allowed");
			return respond(r);
		}
		r->body_max = route_body_max(r);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		req_append_body(r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_large) {
		reply_problem(r, P_TOO_LARGE, "the request body is larger than the server accepts");
		return respond(r);
	}
	r->db = mem;
	dispatch(r);
	db_rollback(mem);
	if (r->deferred != NULL) {
		r->deferred = NULL;
		reply_problem(r, P_UNAVAILABLE, "the server is busy; try again");
	}
	return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
	struct req *r = *ctx;
	if (r == NULL)
		return;
	if (r->out_fd >= 0)
		close(r->out_fd);
	free(r->out);
	arena_free(r->arena);
	*ctx = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/doorstep-fuzz-request-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(remove_files);
	log_set_level(LOG_ERROR);
	char path[4200], err[256];
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(template, sizeof(template), "%s/copy.db", dir);
	struct db *db = app_open(path, NULL);
	/* A district administrator; the password is never checked (logins are deferred). */
	int64_t now = clock_now();
	CHECK(db_run(db,
	          "INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at)"
	          " VALUES ('fuzz', 'fuzz', 'x', ?, ?)",
	          "ii", now, now) == DB_DONE,
	    "cannot add the user");
	user_id = db_last_id(db);
	CHECK(db_run(db,
	          "INSERT INTO role_assignments (user_id, role, area_code, created_at)"
	          " VALUES (?, 'district_admin', '420107', ?)",
	          "ii", user_id, now) == DB_DONE,
	    "cannot grant the role");
	CHECK(db_backup(db, template) == DB_OK, "cannot back up the template database");
	db_close(db);
	mem = db_open(":memory:", true, err, sizeof(err));
	CHECK(mem != NULL, "%s", err);
	fresh();
	for (const struct module *const *m = modules; *m != NULL; m++)
		if ((*m)->init != NULL)
			(*m)->init();
	daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)config_get(CFG_HEADER_MAX), MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)5, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	CHECK(daemon_ != NULL, "cannot start libmicrohttpd");
	return 0;
}

/* The input with @S@ and @C@ replaced by the session's token and CSRF token. */
static char *expand(const uint8_t *data, size_t size, size_t *n)
{
	char *out = malloc(size * 22 + 1);
	CHECK(out != NULL, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < size;) {
		if (i + 3 <= size && data[i] == '@' && data[i + 2] == '@' &&
		    (data[i + 1] == 'S' || data[i + 1] == 'C')) {
			const char *with = data[i + 1] == 'S' ? session : csrf;
			memcpy(out + k, with, strlen(with));
			k += strlen(with);
			i += 3;
		} else {
			out[k++] = (char)data[i++];
		}
	}
	*n = k;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Handlers write: start again from the template now and then, so the database stays small,
	 * and whenever the session was ended (a logout, a password change). */
	struct arena *a = arena_new();
	if (++runs % 2000 == 0 || session_lookup(a, mem, session) == NULL)
		fresh();
	arena_free(a);
	size_t n;
	char *in = expand(data, size, &n);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	CHECK(MHD_add_connection(daemon_, sv[1], (struct sockaddr *)&peer, sizeof(peer)) == MHD_YES,
	    "MHD_add_connection failed");
	size_t sent = 0;
	bool closed = false, shut = false;
	char buf[65536];
	/* Send while libmicrohttpd reads, then read its answers until it closes the connection. */
	for (int round = 0; round < 400 && !closed; round++) {
		if (sent < n) {
			ssize_t w = write(sv[0], in + sent, n - sent);
			if (w > 0)
				sent += (size_t)w;
			else if (errno != EAGAIN)
				sent = n;
		}
		if (sent == n && !shut) {
			shutdown(sv[0], SHUT_WR);
			shut = true;
		}
		MHD_run(daemon_);
		for (;;) {
			ssize_t got = read(sv[0], buf, sizeof(buf));
			if (got == 0 || (got < 0 && errno != EAGAIN))
				closed = true;
			if (got <= 0)
				break;
		}
	}
	close(sv[0]);
	for (int i = 0; i < 4; i++)
		MHD_run(daemon_); /* notices the close and frees the connection */
	free(in);
	return 0;
}
