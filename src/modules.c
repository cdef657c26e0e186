/* Every module, in migration order: a module's tables may refer only to those
 * of modules above it. A new module is one line here. */
#include <stddef.h>

#include "http/internal.h"
#include "platform/platform.h"
#include "registry/registry.h"

const struct module *const modules[] = {
    &system_module,
    &areas_module,
    &accounts_module,
    &users_module,
    &audit_module,
    &jobs_module,
    &households_module,
    &residents_module,
    &life_events_module,
    NULL,
};
