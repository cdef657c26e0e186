/* Every tunable limit and setting in one declarative table (after Redis's
 * standardConfig): name, min, max, default and help. `doorstep serve --set NAME=VALUE`
 * changes one; `doorstep serve --help` lists them all. */
#ifndef DOORSTEP_CONFIG_H
#define DOORSTEP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum config_id {
	CFG_BODY_MAX, /* bytes of a request body */
	CFG_UPLOAD_MAX, /* bytes of an uploaded file (R_UPLOAD routes) */
	CFG_HEADER_MAX, /* bytes of the request line and headers */
	CFG_CONNECTIONS_MAX, /* open connections in all */
	CFG_CONNECTIONS_PER_IP, /* open connections from one address */
	CFG_CONNECTION_TIMEOUT, /* seconds a connection may be idle or slow */
	CFG_JSON_DEPTH_MAX, /* nesting of a JSON body */
	CFG_PAGE_DEFAULT, /* list items per page by default */
	CFG_PAGE_MAX, /* list items per page at most */
	CFG_SESSION_IDLE, /* seconds of inactivity that end a session */
	CFG_SESSION_MAX, /* seconds a session lasts at most */
	CFG_LOGIN_FAILURES, /* failed logins that lock an account */
	CFG_LOCKOUT, /* seconds an account stays locked */
	CFG_IP_LOGIN_FAILURES, /* failed logins from one address per window before 429 */
	CFG_IP_WINDOW, /* seconds of that window */
	CFG_PASSWORD_MAX_AGE, /* days before a staff password expires; 0 = never */
	CFG_SQLITE_SYNCHRONOUS, /* 2 = FULL, 1 = NORMAL */
	CFG_SQLITE_BUSY_TIMEOUT, /* milliseconds to wait for a database lock */
	CFG_JOB_RESULT_TTL, /* seconds a finished job's result is kept */
	CFG_COUNT
};

struct config_entry {
	const char *name;
	int64_t min, max, def;
	const char *help;
};

extern const struct config_entry config_table[CFG_COUNT];

/* The current value (the default until changed). */
int64_t config_get(enum config_id id);
/* Whether the setting was changed from its default. */
bool config_changed(enum config_id id);
/* Parse "name=value" and set it; false with a message on stderr if unknown or out of range. */
bool config_set_arg(const char *arg);
/* Print the table for --help. */
void config_print_help(FILE *out);

#endif
