/* Every module, in migration order: a module's tables may refer only to those
 * of modules above it. A new module is one line here. */
#include <stddef.h>

#include "http/internal.h"
#include "orders/holidays.h"
#include "orders/orders.h"
#include "orders/partners.h"
#include "orders/rollups.h"
#include "platform/platform.h"
#include "registry/registry.h"
#include "visits/visits.h"

const struct module *const modules[] = {
    &system_module,
    &areas_module,
    &accounts_module,
    &users_module,
    &audit_module,
    &jobs_module,
    &households_module,
    &residents_module,
    &resident_exports_module,
    &life_events_module,
    &resident_imports_module,
    &resident_accounts_module,
    &partners_module, /* before categories: they refer to teams and partner units */
    &holidays_module,
    &categories_module,
    &order_metrics_module, /* before work_orders: /work-orders/metrics is not an {id} */
    &work_orders_module,
    &order_rollups_module, /* after work_orders: its first rebuild reads them */
    &order_requests_module,
    &order_escalation_module,
    &open311_module,
    &notifications_module,
    &knock_teams_module,
    &visit_policies_module,
    &visits_module,
    &visit_plans_module,
    &welfare_alerts_module,
    &idempotency_module, /* Idempotency-Key for R_IDEMPOTENT routes */
    NULL,
};
