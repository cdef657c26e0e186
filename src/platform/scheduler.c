#include "scheduler.h"

#include <pthread.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../http/internal.h"
#include "../http/server.h"
#include "ticker.h"
#include "../core/banned.h"

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

static void tick(struct db *db)
{
	pthread_mutex_lock(&run_lock);
	run_due(db, false);
	pthread_mutex_unlock(&run_lock);
}

static struct ticker scheduler = TICKER_INIT("scheduler", tick);

void scheduler_start(void) { ticker_start(&scheduler); }
void scheduler_stop(void) { ticker_stop(&scheduler); }
