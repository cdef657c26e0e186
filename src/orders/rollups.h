/* Rollups of the work-order metrics (rollups.c): per Beijing day of the time
 * limit, per area prefix, category and assignee, the counts the metrics report
 * and a histogram of the times to close, changed in the same transaction as
 * the order. metrics.c reads them. */
#ifndef DOORSTEP_ROLLUPS_H
#define DOORSTEP_ROLLUPS_H

#include "../http/api.h"

extern const struct module order_rollups_module; /* the rollup tables and their rebuild */

/* Add sign (+1 or -1) times order id's part to the rollups, inside the caller's
 * transaction: -1 before and +1 after any UPDATE that may change its due_at,
 * deferred, closed_at, created_at, rework, satisfaction, area_code, category,
 * assignee_team or assignee_partner, and +1 after an INSERT. */
int order_rollup(struct db *db, int64_t id, int sign);
/* Compute every rollup again from the orders (inside the caller's transaction). */
int rollups_rebuild(struct db *db);
/* Whether the rollups wait for a rebuild (a database upgraded with orders in it). */
bool rollups_pending(struct db *db);

/* The Beijing day (UTC+8) of a time, as days since 1970-01-01. */
int64_t rollup_day(int64_t t);
/* Whether the rollups keep the subtree of an area code: "" (every area) and
 * codes of 6, 9, 12, 15, 18 or 21 digits (district to building). */
bool rollup_level(const char *code);

/* Times to close are counted in buckets: one per second below 16 s (bucket 0
 * also holds anything below 0), then 16 per doubling, so that a bucket is at
 * most 1/16 of its lower bound wide. */
#define ROLLUP_BUCKETS 960
int rollup_bucket(int64_t seconds);
/* The least time to close in bucket b (INT64_MIN for bucket 0). */
int64_t rollup_bucket_low(int b);
/* Add a stored histogram to counts[ROLLUP_BUCKETS]; false if it is malformed. */
bool rollup_hist_add(const void *blob, size_t n, int64_t *counts);

#endif
