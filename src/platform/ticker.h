/* A background thread that runs one function every second, or sooner when
 * woken, with its own database connection, until stopped (the scheduler and
 * the job runner). */
#ifndef DOORSTEP_TICKER_H
#define DOORSTEP_TICKER_H

#include <pthread.h>
#include <stdbool.h>

#include "../store/db.h"

struct ticker {
	const char *name;
	void (*tick)(struct db *db); /* the work; runs on the ticker's thread */
	/* Private. */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool started, stopping, woken;
};

#define TICKER_INIT(name_, tick_)                                                                                     \
	{                                                                                                             \
		.name = (name_), .tick = (tick_), .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER \
	}

void ticker_start(struct ticker *t);
/* Run tick now rather than at the next second. */
void ticker_wake(struct ticker *t);
/* Let the running tick finish, then end the thread. */
void ticker_stop(struct ticker *t);

#endif
