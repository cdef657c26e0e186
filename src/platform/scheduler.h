/* Periodic work inside `serve`: each module's struct periodic entries run on
 * the application clock, on a thread of their own. */
#ifndef DOORSTEP_SCHEDULER_H
#define DOORSTEP_SCHEDULER_H

#include "../store/db.h"

void scheduler_start(void);
void scheduler_stop(void);
/* Run every periodic task now, on db (test builds use this after moving the clock). */
void scheduler_run_all(struct db *db);

#endif
