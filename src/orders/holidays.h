/* The holiday calendar staff maintain: the holidays table (statutory holidays
 * on weekdays, adjusted working days on weekends), its API, and a per-thread
 * copy for the time limits of work orders (calendar.h). */
#ifndef DOORSTEP_HOLIDAYS_H
#define DOORSTEP_HOLIDAYS_H

#include "../core/arena.h"
#include "../http/api.h"
#include "../store/db.h"
#include "calendar.h"

extern const struct module holidays_module; /* the holidays table and /api/v1/holidays */

/* Every special day on record, for calendar_add and calendar_elapsed; allocated
 * in a, so valid as long as a. Read from this thread's copy, which is reloaded
 * after a change through the API and otherwise every few seconds. NULL if the
 * table cannot be read. */
const struct calendar *holidays_calendar(struct db *db, struct arena *a);

#endif
