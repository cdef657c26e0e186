#include "ticker.h"

#include <time.h>

#include "../core/log.h"
#include "../http/server.h"
#include "../core/banned.h"

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;
	struct db *db = server_thread_db();
	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		t->woken = false;
		pthread_mutex_unlock(&t->lock);
		t->tick(db);
		db_rollback(db);
		pthread_mutex_lock(&t->lock);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!t->stopping && !t->woken)
			pthread_cond_timedwait(&t->wake, &t->lock, &ts);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void ticker_start(struct ticker *t)
{
	if (pthread_create(&t->thread, NULL, ticker_main, t) != 0)
		fatal("cannot start the %s thread", t->name);
	t->started = true;
}

void ticker_wake(struct ticker *t)
{
	pthread_mutex_lock(&t->lock);
	t->woken = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

void ticker_stop(struct ticker *t)
{
	if (!t->started)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	t->started = false;
}
