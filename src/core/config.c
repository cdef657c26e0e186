#include "config.h"

#include <string.h>

#include "parse.h"
#include "banned.h"

const struct config_entry config_table[CFG_COUNT] = {
    [CFG_BODY_MAX] = {"body_max", 1024, 64 << 20, 1 << 20, "largest request body in bytes (413 beyond)"},
    [CFG_UPLOAD_MAX] = {"upload_max", 1024, 1 << 30, 50 << 20, "largest uploaded file in bytes (413 beyond)"},
    [CFG_HEADER_MAX] = {"header_max", 4096, 1 << 20, 16 << 10, "request line and headers in bytes (431 beyond)"},
    [CFG_CONNECTIONS_MAX] = {"connections_max", 16, 65536, 1024, "open connections in all; more are refused"},
    [CFG_CONNECTIONS_PER_IP] = {"connections_per_ip", 64, 65536, 256,
        "open connections from one address (a reverse proxy shares one)"},
    [CFG_CONNECTION_TIMEOUT] = {"connection_timeout", 1, 3600, 30, "seconds before an idle or slow connection is cut"},
    [CFG_JSON_DEPTH_MAX] = {"json_depth_max", 2, 64, 16, "nesting depth of a JSON body (400 beyond)"},
    [CFG_PAGE_DEFAULT] = {"page_default", 1, 200, 50, "list items per page when limit is not given"},
    [CFG_PAGE_MAX] = {"page_max", 1, 1000, 200, "list items per page at most (422 beyond)"},
    [CFG_SESSION_IDLE] = {"session_idle", 60, 86400, 30 * 60, "seconds of inactivity that end a session"},
    [CFG_SESSION_MAX] = {"session_max", 600, 7 * 86400, 12 * 3600, "seconds a session lasts at most"},
    [CFG_LOGIN_FAILURES] = {"login_failures", 3, 20, 5, "failed logins in a row that lock an account"},
    [CFG_LOCKOUT] = {"lockout", 60, 86400, 15 * 60, "seconds an account stays locked"},
    [CFG_IP_LOGIN_FAILURES] = {"ip_login_failures", 10, 100000, 30,
        "failed logins from one address within ip_window before 429"},
    [CFG_IP_WINDOW] = {"ip_window", 60, 86400, 15 * 60, "seconds of the per-address login window"},
    [CFG_PASSWORD_MAX_AGE] = {"password_max_age", 0, 3650, 90, "days before a staff password expires (0: never)"},
    [CFG_SQLITE_SYNCHRONOUS] = {"sqlite_synchronous", 1, 2, 2, "SQLite synchronous: 2 FULL (durable), 1 NORMAL"},
    [CFG_SQLITE_BUSY_TIMEOUT] = {"sqlite_busy_timeout", 100, 600000, 10000, "milliseconds to wait for a lock"},
    [CFG_JOB_RESULT_TTL] = {"job_result_ttl", 600, 30 * 86400, 86400, "seconds a finished job's file is kept"},
};

static int64_t values[CFG_COUNT];
static bool changed[CFG_COUNT];

int64_t config_get(enum config_id id) { return changed[id] ? values[id] : config_table[id].def; }

bool config_changed(enum config_id id) { return changed[id]; }

bool config_set_arg(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == NULL) {
		fprintf(stderr, "--set wants NAME=VALUE, got '%s'\n", arg);
		return false;
	}
	for (int i = 0; i < CFG_COUNT; i++) {
		const struct config_entry *e = &config_table[i];
		if (strlen(e->name) != (size_t)(eq - arg) || strncmp(e->name, arg, (size_t)(eq - arg)) != 0)
			continue;
		if (!parse_i64z(eq + 1, e->min, e->max, &values[i])) {
			fprintf(stderr, "%s must be an integer from %lld to %lld\n", e->name, (long long)e->min,
			    (long long)e->max);
			return false;
		}
		changed[i] = true;
		return true;
	}
	fprintf(stderr, "unknown setting '%.*s' (see doorstep serve --help)\n", (int)(eq - arg), arg);
	return false;
}

void config_print_help(FILE *out)
{
	fprintf(out, "Settings (--set NAME=VALUE):\n");
	for (int i = 0; i < CFG_COUNT; i++) {
		const struct config_entry *e = &config_table[i];
		fprintf(out, "  %-22s %s (default %lld, %lld..%lld)\n", e->name, e->help, (long long)e->def,
		    (long long)e->min, (long long)e->max);
	}
}
