/* The resident and household registry: the record every carrier works from.
 * Personal identifiers are sealed (core/seal.h), masked by default, and found
 * through blind indexes; names are found through a table of their 1- and
 * 2-character pieces, so one- and two-character queries work (张, 小明). */
#ifndef DOORSTEP_REGISTRY_H
#define DOORSTEP_REGISTRY_H

#include "../http/api.h"

extern const struct module households_module; /* the registry's tables, households */
extern const struct module residents_module; /* residents, tags, search, unmasking */

/* Add resident id's name pieces for search (inside the caller's transaction). */
int name_grams_add(struct db *db, int64_t id, const char *name, const char *area_code);

#endif
