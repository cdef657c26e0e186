#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app.h"
#include "../core/clock.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../platform/jobs.h"
#include "../platform/scheduler.h"
#include "internal.h"
#include "../core/banned.h"

/* --- one database connection per thread, closed at shutdown --- */

static _Thread_local struct db *thread_db;
static struct db *all_dbs[256];
static int ndbs;
static pthread_mutex_t dbs_lock = PTHREAD_MUTEX_INITIALIZER;

struct db *server_thread_db(void)
{
	if (thread_db == NULL) {
		thread_db = app_connect();
		pthread_mutex_lock(&dbs_lock);
		if (ndbs == (int)(sizeof(all_dbs) / sizeof(all_dbs[0])))
			BUG("too many database connections");
		all_dbs[ndbs++] = thread_db;
		pthread_mutex_unlock(&dbs_lock);
	}
	return thread_db;
}

static void close_all_dbs(void)
{
	for (int i = 0; i < ndbs; i++) {
		if (i == 0)
			db_checkpoint(all_dbs[i]);
		db_close(all_dbs[i]);
	}
	ndbs = 0;
}

/* --- the deferred-work pool: suspended connections whose work blocks --- */

#define POOL_MAX 1024

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct req *queue[POOL_MAX];
	int head, count;
	bool stop;
	pthread_t threads[16];
	int nthreads;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *pool_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (pool.count == 0 && !pool.stop)
			pthread_cond_wait(&pool.cond, &pool.lock);
		if (pool.count == 0) {
			pthread_mutex_unlock(&pool.lock);
			return NULL;
		}
		struct req *r = pool.queue[pool.head];
		pool.head = (pool.head + 1) % POOL_MAX;
		pool.count--;
		pthread_mutex_unlock(&pool.lock);

		r->db = server_thread_db();
		log_set_request(r->rid);
		int64_t db0 = db_thread_ns();
		r->deferred(r);
		r->db_ns += db_thread_ns() - db0;
		db_rollback(r->db);
		if (!r->replied)
			reply_problem(r, P_INTERNAL, NULL);
		log_set_request(NULL);
		MHD_resume_connection(r->conn);
	}
}

static bool pool_push(struct req *r)
{
	bool ok;
	pthread_mutex_lock(&pool.lock);
	ok = pool.count < POOL_MAX && !pool.stop;
	if (ok) {
		pool.queue[(pool.head + pool.count) % POOL_MAX] = r;
		pool.count++;
		pthread_cond_signal(&pool.cond);
	}
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

static void pool_start(int n)
{
	pool.nthreads = n;
	for (int i = 0; i < n; i++)
		if (pthread_create(&pool.threads[i], NULL, pool_main, NULL) != 0)
			fatal("cannot start worker thread");
}

/* Workers drain the queue before they stop, so every suspended connection is resumed. */
static void pool_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.stop = true;
	pthread_cond_broadcast(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.nthreads; i++)
		pthread_join(pool.threads[i], NULL);
}

/* --- requests --- */

static bool trust_proxy;

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

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* The peer's address as text, worked out once per connection, and its place
 * in the list cut_slow_clients walks. */
struct peer {
	char addr[INET6_ADDRSTRLEN];
	bool loopback;
	int fd;
	bool cut;
	bool encoded_nul; /* the request line being read decoded a %00 */
	_Atomic int64_t waiting_since; /* monotonic ns since a request's headers are awaited; 0 while one runs */
	struct peer *prev, *next;
};

/* libmicrohttpd's timeout counts from the last byte received, so a client that
 * trickles its headers a byte at a time would hold its connection for ever:
 * every connection gets connection_timeout seconds for a request's headers. */
static pthread_mutex_t peers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct peer *peers;

static struct peer *peer_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's own decoding, noting a decoded NUL: the path and parameters are
 * C strings, so "/users/1/roles/2%00x" would silently become "/users/1/roles/2". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	size_t n = MHD_http_unescape(s);
	struct peer *p = memchr(s, '\0', n) != NULL ? peer_of(c) : NULL;
	if (p != NULL)
		p->encoded_nul = true;
	return n;
}

/* Shut down (the HTTP thread then closes) connections still sending headers past the timeout. */
static void cut_slow_clients(void)
{
	int64_t limit = config_get(CFG_CONNECTION_TIMEOUT) * 1000000000LL, now = clock_mono_ns();
	pthread_mutex_lock(&peers_lock);
	for (struct peer *p = peers; p != NULL; p = p->next) {
		int64_t since = p->waiting_since;
		if (since != 0 && now - since > limit && !p->cut && p->fd >= 0) {
			shutdown(p->fd, SHUT_RDWR);
			p->cut = true;
		}
	}
	pthread_mutex_unlock(&peers_lock);
}

/* Open connections, for the total limit: past it a new connection is accepted
 * and closed at once (libmicrohttpd's own limit would leave it waiting unserved
 * in the listen queue). A connection takes its place in on_accept, so that two
 * HTTP threads admitting at the same moment cannot both take the last one.
 * libmicrohttpd calls on_accept and then on_connection(STARTED) on the same
 * thread; should it give a connection up in between, that thread's next
 * on_accept gives the place back. */
static _Atomic int open_connections;
static _Thread_local bool admitted_not_started;

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	(void)cls;
	(void)addr;
	(void)len;
	if (admitted_not_started) {
		open_connections--;
		admitted_not_started = false;
	}
	int n = open_connections;
	do {
		if (n >= config_get(CFG_CONNECTIONS_MAX))
			return MHD_NO;
	} while (!atomic_compare_exchange_weak(&open_connections, &n, n + 1));
	admitted_not_started = true;
	return MHD_YES;
}

static void on_connection(
    void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		open_connections--;
		struct peer *p = *socket_context;
		if (p != NULL) {
			pthread_mutex_lock(&peers_lock); /* before the socket is closed and its number reused */
			if (p->prev != NULL)
				p->prev->next = p->next;
			else
				peers = p->next;
			if (p->next != NULL)
				p->next->prev = p->prev;
			pthread_mutex_unlock(&peers_lock);
		}
		free(p);
		*socket_context = NULL;
		return;
	}
	admitted_not_started = false; /* its place was taken in on_accept */
	struct peer *p = calloc(1, sizeof(*p));
	if (p == NULL)
		fatal("out of memory");
	snprintf(p->addr, sizeof(p->addr), "unknown");
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, p->addr, sizeof(p->addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, p->addr, sizeof(p->addr));
	p->loopback = sa != NULL && is_loopback(sa);
	const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	p->fd = fi ? fi->connect_fd : -1;
	p->waiting_since = clock_mono_ns();
	pthread_mutex_lock(&peers_lock);
	p->next = peers;
	if (peers != NULL)
		peers->prev = p;
	peers = p;
	pthread_mutex_unlock(&peers_lock);
	*socket_context = p;
}

static void set_client(struct req *r)
{
	struct peer *p = peer_of(r->conn);
	if (p != NULL)
		p->waiting_since = 0; /* the headers are in */
	r->client = p ? p->addr : "unknown";
	if (!trust_proxy || p == NULL || !p->loopback)
		return;
	/* The proxy appends the address it saw last; earlier entries are the client's to forge. */
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff != NULL) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		unsigned char tmp[sizeof(struct in6_addr)];
		if (inet_pton(AF_INET, last, tmp) == 1 || inet_pton(AF_INET6, last, tmp) == 1)
			r->client = arena_strdup(r->arena, last);
	}
	const char *proto = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	r->https = proto != NULL && strcasecmp(proto, "https") == 0;
}

/* Request ids: a random per-thread prefix and a counter, unique without a
 * random-number syscall per request. */
static void next_request_id(char out[17])
{
	static const char hex[] = "0123456789abcdef";
	static _Thread_local uint32_t prefix, counter;
	if (prefix == 0)
		randombytes_buf(&prefix, sizeof(prefix));
	uint64_t id = (uint64_t)prefix << 32 | ++counter;
	for (int i = 15; i >= 0; i--, id >>= 4)
		out[i] = hex[id & 15];
	out[16] = '\0';
}

/* Each HTTP thread keeps the arena of its last request for the next one; the
 * key's destructor frees it when the thread ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_free(void *a) { arena_free(a); }
static void spare_init(void) { pthread_key_create(&spare_key, spare_free); }

static struct req *req_new(struct MHD_Connection *c, const char *url, const char *method)
{
	pthread_once(&spare_once, spare_init);
	struct arena *a = pthread_getspecific(spare_key);
	if (a != NULL)
		pthread_setspecific(spare_key, NULL);
	else
		a = arena_new();
	struct req *r = arena_alloc(a, sizeof(*r));
	r->arena = a;
	r->conn = c;
	r->out_fd = -1;
	r->path = arena_strdup(a, url);
	r->method = method_of(method);
	r->method_name = arena_strdup(a, method);
	r->started_ns = clock_mono_ns();
	next_request_id(r->rid);
	set_client(r);
	return r;
}

static enum MHD_Result respond(struct req *r)
{
	struct MHD_Response *resp;
	if (r->out_fd >= 0) {
		resp = MHD_create_response_from_fd64(r->out_fd_size, r->out_fd);
		r->out_fd = -1; /* libmicrohttpd closes it */
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

static enum MHD_Result count_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		(*(int *)cls)++;
	return MHD_YES;
}

void req_append_body(struct req *r, const char *data, size_t n)
{
	if (r->too_large)
		return;
	if (r->upload_len + n > (size_t)r->body_max) {
		r->too_large = true; /* a chunked body that grew past the limit */
		return;
	}
	if (r->upload_len + n + 1 > r->upload_cap) {
		size_t cap = r->upload_cap ? r->upload_cap * 2 : 4096;
		while (cap < r->upload_len + n + 1)
			cap *= 2;
		char *buf = arena_alloc(r->arena, cap);
		if (r->upload_len)
			memcpy(buf, r->upload, r->upload_len);
		r->upload = buf;
		r->upload_cap = cap;
	}
	memcpy(r->upload + r->upload_len, data, n);
	r->upload_len += n;
}

/* Requests between their first call and completion. */
static _Atomic int active;
static int in_flight(void) { return active; }

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	(void)cls;
	(void)version;
	struct req *r = *ctx;
	if (r == NULL) {
		/* First call: headers only. Answering now would close the connection
		 * (see DOMAIN.md), so only refusals are queued here. */
		r = req_new(c, url, method);
		*ctx = r;
		active++;
		int64_t len;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		struct peer *p = peer_of(c);
		if (p != NULL && p->encoded_nul) {
			p->encoded_nul = false;
			reply_problem(r, P_BAD_REQUEST, "the request target contains an encoded NUL (%00)");
			return respond(r);
		}
		if (r->method == 0) {
			r->path = arena_strdup(r->arena, url);
			reply_problem(r, P_METHOD, "this method is not allowed");
			return respond(r);
		}
		r->body_max = route_body_max(r);
		int lengths = 0;
		if (cl != NULL)
			MHD_get_connection_values(c, MHD_HEADER_KIND, count_length, &lengths);
		/* Which length a proxy in front believed is anyone's guess (request smuggling): refuse. */
		if (lengths > 1 || (cl != NULL && MHD_lookup_connection_value(
		                                      c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)) {
			reply_problem(r, P_BAD_REQUEST, "the request has more than one length");
			return respond(r);
		}
		if (cl != NULL && (!parse_i64z(cl, 0, INT64_MAX, &len) || len > r->body_max)) {
			reply_problem(r, P_TOO_LARGE, "the request body is larger than the server accepts");
			return respond(r);
		}
		return MHD_YES;
	}
	if (r->replied)
		return respond(r); /* resumed after the pool did the work (or refused it) */
	if (*upload_size != 0) {
		req_append_body(r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_large) {
		reply_problem(r, P_TOO_LARGE, "the request body is larger than the server accepts");
		return respond(r);
	}
	log_set_request(r->rid);
	r->db = server_thread_db();
	int64_t db0 = db_thread_ns();
	dispatch(r);
	r->db_ns += db_thread_ns() - db0;
	db_rollback(r->db); /* a handler that failed half-way leaves nothing behind */
	log_set_request(NULL);
	if (r->deferred != NULL) {
		MHD_suspend_connection(c);
		if (!pool_push(r)) {
			r->deferred = NULL;
			reply_problem(r, P_UNAVAILABLE, "the server is busy; try again");
			MHD_resume_connection(c);
		}
		return MHD_YES;
	}
	return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	struct req *r = *ctx;
	if (r == NULL)
		return;
	struct peer *p = peer_of(c);
	if (p != NULL)
		p->waiting_since = clock_mono_ns(); /* the next request's headers are awaited */
	int64_t ns = clock_mono_ns() - r->started_ns;
	if (r->status != 0) {
		char path[256];
		metrics_record(r->route, r->method_name, r->status, ns, r->db_ns);
		log_info("rid=%s %s \"%s\" %d %lldus%s", r->rid, r->method_name,
		    log_escape(path, sizeof(path), r->path), r->status, (long long)(ns / 1000),
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	}
	if (r->out_fd >= 0)
		close(r->out_fd);
	free(r->out);
	struct arena *a = r->arena;
	pthread_once(&spare_once, spare_init);
	if (pthread_getspecific(spare_key) == NULL) {
		arena_reset(a);
		pthread_setspecific(spare_key, a);
	} else {
		arena_free(a);
	}
	*ctx = NULL;
	active--;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512], esc[600];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("libmicrohttpd: %s", log_escape(esc, sizeof(esc), msg));
}

int server_run(const struct server_opts *o)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	if (inet_pton(AF_INET, o->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, o->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o->port);
		flags |= MHD_USE_IPv6;
	} else {
		fatal("cannot listen on '%s': give a numeric address such as 127.0.0.1", o->host);
	}
	trust_proxy = o->trust_proxy;
	int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;

	/* Signals go to the main thread only: block them before any thread starts. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	static_init(o->web);
	routes_check();
	for (const struct module *const *m = modules; *m != NULL; m++)
		if ((*m)->init != NULL)
			(*m)->init();
	pool_start(threads < 16 ? threads : 16);
	/* libmicrohttpd splits its limit among the HTTP threads; ours (on_accept) is the real one. */
	unsigned mhd_limit = (unsigned)config_get(CFG_CONNECTIONS_MAX) * (unsigned)threads + (unsigned)threads;
	struct MHD_Daemon *d = MHD_start_daemon(flags, o->port, on_accept, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT,
	    mhd_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)config_get(CFG_CONNECTIONS_PER_IP),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)config_get(CFG_CONNECTION_TIMEOUT),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)config_get(CFG_HEADER_MAX), MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
	if (d == NULL)
		fatal("cannot listen on %s:%u", o->host, o->port);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : o->port;
	if (strchr(o->host, ':') != NULL)
		printf("listening on http://[%s]:%u\n", o->host, port);
	else
		printf("listening on http://%s:%u\n", o->host, port);
	fflush(stdout);
	scheduler_start();
	jobs_start();

	int sig;
	struct timespec second = {1, 0};
	while ((sig = sigtimedwait(&sigs, NULL, &second)) < 0)
		cut_slow_clients();
	log_info("signal %d: finishing in-flight requests", sig);
	MHD_quiesce_daemon(d); /* stop accepting */
	/* Let requests in flight finish, deferred ones included (the pool still runs);
	 * idle keep-alive connections are closed after. */
	for (int i = 0; i < 200 && in_flight() > 0; i++)
		usleep(50 * 1000);
	pool_stop(); /* resumes every connection still suspended */
	scheduler_stop();
	jobs_stop();
	MHD_stop_daemon(d); /* waits for the HTTP threads */
	close_all_dbs();
	log_info("stopped");
	return 0;
}
