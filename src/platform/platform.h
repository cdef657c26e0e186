/* The platform's own modules: what every domain module stands on. */
#ifndef DOORSTEP_PLATFORM_H
#define DOORSTEP_PLATFORM_H

#include <stdio.h>

#include "../http/api.h"

extern const struct module system_module; /* meta table, health, metrics, OpenAPI, test clock */
extern const struct module areas_module; /* the area tree */
extern const struct module accounts_module; /* users, roles, sessions, API tokens, login */
extern const struct module users_module; /* user and role administration, API tokens */
extern const struct module audit_module; /* the audit log and its viewer */
extern const struct module jobs_module; /* long work off the HTTP threads */

/* Shared response schemas. */
extern const struct field role_grant_schema;
extern const struct field job_schema;

#endif
