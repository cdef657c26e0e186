/* The HTTP server: libmicrohttpd with a thread pool and epoll, a pool for work
 * that must leave the HTTP threads, the scheduler and the job runner. */
#ifndef DOORSTEP_SERVER_H
#define DOORSTEP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct server_opts {
	const char *host; /* numeric IPv4 or IPv6 address */
	uint16_t port; /* 0: any free port */
	int threads; /* HTTP threads; 0: one per core */
	bool trust_proxy; /* take client address and scheme from a loopback proxy's headers */
	const char *web; /* the built web app, or NULL */
};

/* Serve until SIGTERM or SIGINT, then finish in-flight requests and return 0. */
int server_run(const struct server_opts *o);
/* This thread's database connection, opened on first use. */
struct db *server_thread_db(void);

#endif
