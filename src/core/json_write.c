#include "json_write.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

struct buf {
	char *p;
	size_t len, cap;
};

static void grow(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (b->p == NULL)
		fatal("out of memory");
	b->cap = cap;
}

static void put(struct buf *b, const char *s, size_t n)
{
	grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Strings are UTF-8 already (jansson checks on creation); only '"', '\\' and
 * control characters need escaping. */
static void put_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	grow(b, n + 2);
	b->p[b->len++] = '"';
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, s + start, i - start);
		start = i + 1;
		char esc[6] = {'\\', 0};
		switch (c) {
		case '"':
			esc[1] = '"';
			put(b, esc, 2);
			break;
		case '\\':
			esc[1] = '\\';
			put(b, esc, 2);
			break;
		case '\n':
			esc[1] = 'n';
			put(b, esc, 2);
			break;
		case '\r':
			esc[1] = 'r';
			put(b, esc, 2);
			break;
		case '\t':
			esc[1] = 't';
			put(b, esc, 2);
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(b, esc, 6);
		}
	}
	put(b, s + start, n - start);
	put(b, "\"", 1);
}

/* The shortest decimal that reads back as the same double (0.3, not 0.29999999999999999). */
static size_t shortest(char *out, size_t n, double d)
{
	for (int digits = 15; digits < 17; digits++) {
		size_t len = (size_t)snprintf(out, n, "%.*g", digits, d);
		if (strtod(out, NULL) == d)
			return len;
	}
	return (size_t)snprintf(out, n, "%.17g", d);
}

static void put_value(struct buf *b, const json_t *v)
{
	char num[32];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *m;
		bool first = true;
		put(b, "{", 1);
		json_object_foreach ((json_t *)v, key, m) {
			if (!first)
				put(b, ",", 1);
			first = false;
			put_string(b, key, strlen(key));
			put(b, ":", 1);
			put_value(b, m);
		}
		put(b, "}", 1);
		break;
	}
	case JSON_ARRAY:
		put(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				put(b, ",", 1);
			put_value(b, json_array_get(v, i));
		}
		put(b, "]", 1);
		break;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put(b, num, (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
		break;
	case JSON_REAL:
		put(b, num, shortest(num, sizeof(num), json_real_value(v)));
		break;
	case JSON_TRUE:
		put(b, "true", 4);
		break;
	case JSON_FALSE:
		put(b, "false", 5);
		break;
	case JSON_NULL:
		put(b, "null", 4);
		break;
	}
}

char *json_write(const json_t *v, size_t *len)
{
	struct buf b = {0};
	put_value(&b, v);
	grow(&b, 1);
	b.p[b.len] = '\0';
	*len = b.len;
	return b.p;
}
