/* The specification's XML from an answer built as JSON: the JSON and XML of
 * GeoReport v2 map onto each other (the "Spark convention"), so one value
 * gives both. Only element names of our own and text are written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "open311.h"
#include "../core/banned.h"

struct buf {
	char *p; /* malloc'd */
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			fatal("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put_str(struct buf *b, const char *s) { put(b, s, strlen(s)); }

/* Text as XML character data (no attributes are written): &, < and > as
 * entities, a carriage return as &#13; (a parser would read a raw one as a line
 * feed), and what XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) as U+FFFD. */
static void xml_text(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '&'    ? "&amp;"
		                  : c == '<'  ? "&lt;"
		                  : c == '>'  ? "&gt;"
		                  : c == '\r' ? "&#13;"
		                              : NULL;
		size_t len = 1;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			esc = "\xEF\xBF\xBD";
		else if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
		         ((unsigned char)s[i + 2] & 0xFE) == 0xBE)
			esc = "\xEF\xBF\xBD", len = 3;
		if (esc == NULL)
			continue;
		put(b, s + start, i - start);
		put_str(b, esc);
		start = i + len;
		i += len - 1;
	}
	put(b, s + start, n - start);
}

/* The element of each item of a list, as the specification names them. */
static const char *item_name(const char *list)
{
	static const char *const names[][2] = {{"services", "service"}, {"service_requests", "request"},
	    {"errors", "error"}, {"endpoints", "endpoint"}, {"formats", "format"}, {"attributes", "attribute"},
	    {"values", "value"}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], list) == 0)
			return names[i][1];
	BUG("an Open311 list without an item name");
}

/* Numbers with a fraction are coordinates, kept to 1e-7 degree: 30.6301234, 114.4. */
static const char *coordinate(double x, char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "%.7f", x);
	while (len > 1 && out[len - 1] == '0')
		out[--len] = '\0';
	if (out[len - 1] == '.')
		out[len - 1] = '\0';
	return out;
}

static void xml_element(struct buf *b, const char *name, const json_t *v)
{
	char num[48];
	put_str(b, "<");
	put_str(b, name);
	if (json_is_null(v)) {
		put_str(b, "/>");
		return;
	}
	put_str(b, ">");
	const char *key;
	json_t *m;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach ((json_t *)v, key, m)
			xml_element(b, key, m);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < json_array_size(v); i++)
			xml_element(b, item_name(name), json_array_get(v, i));
		break;
	case JSON_STRING:
		xml_text(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put(b, num, (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
		break;
	case JSON_REAL:
		put_str(b, coordinate(json_real_value(v), num, sizeof(num)));
		break;
	default:
		put_str(b, json_is_true(v) ? "true" : "false");
	}
	put_str(b, "</");
	put_str(b, name);
	put_str(b, ">");
}

char *open311_xml(const char *root, const json_t *v, size_t *n)
{
	struct buf b = {0};
	put_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	xml_element(&b, root, v);
	put_str(&b, "\n");
	*n = b.len;
	return b.p;
}
