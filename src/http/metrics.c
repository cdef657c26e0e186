/* Prometheus text format: request counts by route and status, a latency
 * histogram and time spent in the database. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "internal.h"
#include "../core/banned.h"

#define SERIES_MAX 1024

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static struct series {
	const char *route; /* a route pattern, "static" or "unmatched": never client text */
	const char *method;
	int status;
	uint64_t count;
} series[SERIES_MAX];
static int nseries;
static uint64_t hist[NBUCKETS + 1], hist_count;
static double hist_sum, db_seconds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void metrics_record(const struct route *route, const char *method, int status, int64_t ns, int64_t db_ns)
{
	const char *name = route ? route->path : "other";
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
	const char *m = "other";
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i]) == 0)
			m = methods[i];
	double s = (double)ns / 1e9;
	pthread_mutex_lock(&lock);
	int i;
	for (i = 0; i < nseries; i++)
		if (series[i].route == name && series[i].method == m && series[i].status == status)
			break;
	if (i == nseries && nseries < SERIES_MAX)
		series[nseries++] = (struct series){name, m, status, 0};
	if (i < nseries)
		series[i].count++;
	size_t b = 0;
	while (b < NBUCKETS && s > buckets[b])
		b++;
	hist[b]++;
	hist_count++;
	hist_sum += s;
	db_seconds += (double)db_ns / 1e9;
	pthread_mutex_unlock(&lock);
}

void metrics_reply(struct req *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		fatal("out of memory");
	pthread_mutex_lock(&lock);
	fprintf(f, "# HELP doorstep_http_requests_total HTTP requests by route pattern, method and status.\n"
	           "# TYPE doorstep_http_requests_total counter\n");
	for (int i = 0; i < nseries; i++)
		fprintf(f, "doorstep_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %llu\n",
		    series[i].route, series[i].method, series[i].status, (unsigned long long)series[i].count);
	fprintf(f, "# HELP doorstep_http_request_duration_seconds Time from request to response.\n"
	           "# TYPE doorstep_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += hist[b];
		fprintf(f, "doorstep_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
		    (unsigned long long)cum);
	}
	fprintf(f, "doorstep_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)hist_count);
	fprintf(f, "doorstep_http_request_duration_seconds_sum %.6f\n", hist_sum);
	fprintf(f, "doorstep_http_request_duration_seconds_count %llu\n", (unsigned long long)hist_count);
	fprintf(f,
	    "# HELP doorstep_db_seconds_total Time spent in the database by requests.\n"
	    "# TYPE doorstep_db_seconds_total counter\n"
	    "doorstep_db_seconds_total %.6f\n",
	    db_seconds);
	pthread_mutex_unlock(&lock);
	fclose(f);
	reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len, NULL);
	free(buf);
}
