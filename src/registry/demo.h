/* `doorstep demo`: a realistic district for trying the product and for benchmarks. */
#ifndef DOORSTEP_DEMO_H
#define DOORSTEP_DEMO_H

#include <stdint.h>

#include "../store/db.h"

/* Add grids, estates, buildings, households and about `residents` residents
 * (with tags) under the district's communities; *made gets the number added.
 * Deterministic for a seed. */
int demo_registry(struct db *db, int64_t residents, uint64_t seed, int64_t *made);

#endif
