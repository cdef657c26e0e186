#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parse.h"
#include "banned.h"

static enum log_level min_level = LOG_INFO;
static _Thread_local const char *request_id;

void log_set_level(enum log_level level) { min_level = level; }
void log_set_request(const char *id) { request_id = id; }

__attribute__((format(printf, 2, 0))) static void vlog(
    enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (level < min_level)
		return;
	char msg[1024], when[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One fprintf per line keeps lines from different threads whole. */
	fprintf(stderr, "%s level=%s%s%s msg=\"%s%s%s\"\n", when, names[level], request_id ? " rid=" : "",
	    request_id ? request_id : "", msg, suffix ? ": " : "", suffix ? suffix : "");
}

#define DEFINE_LOG(name, level, suffix)       \
	void name(const char *fmt, ...)       \
	{                                     \
		va_list ap;                   \
		va_start(ap, fmt);            \
		vlog(level, fmt, ap, suffix); \
		va_end(ap);                   \
	}
DEFINE_LOG(log_debug, LOG_DEBUG, NULL)
DEFINE_LOG(log_info, LOG_INFO, NULL)
DEFINE_LOG(log_warnx, LOG_WARN, NULL)

void log_warn(const char *fmt, ...)
{
	char err[128];
	const char *e = strerror_r(errno, err, sizeof(err));
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_WARN, fmt, ap, e);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void bug_at(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG at %s:%d: %s\n", file, line, msg);
	abort();
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF are not text either. */
	return utf8_valid((const char *)s, n) ? n : 0;
}

char *log_escape(char *out, size_t n, const char *s)
{
	size_t o = 0;
	if (n == 0)
		return out;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		char tmp[8];
		size_t len = utf8_len(p);
		const char *src = (const char *)p;
		if (len == 1 && (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			src = tmp;
			len = 4;
			p++;
		} else if (len == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			src = tmp;
			len = 4;
			p++;
		} else {
			p += len;
		}
		if (o + len >= n)
			break;
		memcpy(out + o, src, len);
		o += len;
	}
	out[o] = '\0';
	return out;
}
