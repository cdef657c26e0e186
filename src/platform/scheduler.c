#include "scheduler.h"

#include <pthread.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../http/internal.h"
#include "../http/server.h"
#include "../core/banned.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool stopping, started;

static void run_due(struct db *db, bool all)
{
	static int64_t next[64];
	int i = 0;
	int64_t now = clock_now();
	for (const struct module *const *m = modules; *m != NULL; m++) {
		for (const struct periodic *p = (*m)->periodic; p != NULL && p->name != NULL; p++, i++) {
			if (i >= 64)
				BUG("too many periodic tasks");
			if (!all && now < next[i])
				continue;
			next[i] = now + p->interval;
			p->run(db, now);
			db_rollback(db);
		}
	}
}

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

void scheduler_run_all(struct db *db)
{
	pthread_mutex_lock(&run_lock);
	run_due(db, true);
	pthread_mutex_unlock(&run_lock);
}

static void *scheduler_main(void *arg)
{
	(void)arg;
	struct db *db = server_thread_db();
	pthread_mutex_lock(&lock);
	while (!stopping) {
		pthread_mutex_unlock(&lock);
		pthread_mutex_lock(&run_lock);
		run_due(db, false);
		pthread_mutex_unlock(&run_lock);
		pthread_mutex_lock(&lock);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!stopping)
			pthread_cond_timedwait(&wake, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void scheduler_start(void)
{
	if (pthread_create(&thread, NULL, scheduler_main, NULL) != 0)
		fatal("cannot start the scheduler");
	started = true;
}

void scheduler_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
}
