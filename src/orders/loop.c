/* The work-order loop as one table: every allowed step, from which state, to
 * which, and who takes it. Anything not in the table is refused, so no step
 * can be skipped. */
#include <string.h>

#include "orders.h"
#include "../core/banned.h"

static const struct action actions[] = {
    {"accept", "collected", "accepted", BY_STAFF, 0},
    {"reject", "collected", "rejected", BY_STAFF, NEED_NOTE},
    {"dispatch", "accepted", "dispatched", BY_STAFF, NEED_ASSIGNEE},
    {"handle", "dispatched", "handled", BY_ASSIGNEE, 0},
    {"report", "handled", "reported", BY_ASSIGNEE, 0},
    {"verify", "reported", "verified", BY_STAFF, 0},
    {"fail", "reported", "dispatched", BY_STAFF, NEED_NOTE}, /* verification failed: rework */
    {"close", "verified", "closed", BY_STAFF, 0},
    /* Dissatisfied: rework (the handler sends it back to dispatched). */
    {"evaluate", "closed", "evaluated", BY_EVALUATOR, NEED_SATISFACTION},
};

const char *const order_states[] = {"collected", "accepted", "rejected", "dispatched", "handled", "reported",
    "verified", "closed", "evaluated", "voided", NULL};
const char *const order_actions[] = {
    "accept", "reject", "dispatch", "handle", "report", "verify", "fail", "close", "evaluate", NULL};

const struct action *loop_action(const char *name, const char *from)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0 && strcmp(actions[i].from, from) == 0)
			return &actions[i];
	return NULL;
}

const struct action *loop_actions(size_t *n)
{
	*n = sizeof(actions) / sizeof(actions[0]);
	return actions;
}

bool loop_known(const char *name)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0)
			return true;
	return false;
}

bool loop_open(const char *state)
{
	return strcmp(state, "dispatched") == 0 || strcmp(state, "handled") == 0 || strcmp(state, "reported") == 0 ||
	       strcmp(state, "verified") == 0;
}
