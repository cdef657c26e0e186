/* Structured log lines on stderr (after OpenBSD's log.c): one line each, key=value,
 * with the request id when there is one. Client-supplied text goes through log_escape. */
#ifndef DOORSTEP_LOG_H
#define DOORSTEP_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* The request id printed on this thread's lines; NULL clears it. */
void log_set_request(const char *request_id);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print and exit(1): for start-up and unrecoverable states only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A programmer error: print where and abort. */
#define BUG(msg) bug_at(__FILE__, __LINE__, (msg))
void bug_at(const char *file, int line, const char *msg) __attribute__((noreturn));
/* Copy s into out (size n) with control characters, quotes, backslashes and
 * non-UTF-8 bytes escaped, truncated to fit; returns out. */
char *log_escape(char *out, size_t n, const char *s);

#endif
