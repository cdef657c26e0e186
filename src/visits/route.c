/* Walking order (see route.h): pure functions. */
#include "route.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* The value of the digits s[0..n) (saturating: room numbers are short). */
static int64_t number(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v < INT64_MAX / 100 ? v * 10 + (s[i] - '0') : v;
	return v;
}

int route_floor(const char *room)
{
	/* The last run of digits, and the run before it (after a separator). */
	const char *last = NULL, *before = NULL;
	size_t last_n = 0, before_n = 0;
	for (const char *p = room ? room : ""; *p != '\0';) {
		if (!digit(*p)) {
			p++;
			continue;
		}
		const char *start = p;
		while (digit(*p))
			p++;
		before = last;
		before_n = last_n;
		last = start;
		last_n = (size_t)(p - start);
	}
	if (last == NULL)
		return 0;
	if (last_n >= 3) /* 1201: floor 12, room 01 */
		return (int)(number(last, last_n) / 100);
	return before != NULL ? (int)number(before, before_n) : 0; /* 12-01 */
}

int route_natural_cmp(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	const char *p = a, *q = b;
	while (*p != '\0' && *q != '\0') {
		if (digit(*p) && digit(*q)) {
			const char *ps = p, *qs = q;
			while (digit(*p))
				p++;
			while (digit(*q))
				q++;
			int64_t x = number(ps, (size_t)(p - ps)), y = number(qs, (size_t)(q - qs));
			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*p != *q)
			return (unsigned char)*p < (unsigned char)*q ? -1 : 1;
		p++;
		q++;
	}
	if (*p != *q)
		return *p == '\0' ? -1 : 1;
	return strcmp(a, b); /* "01" and "1": still a stable order */
}

int route_compare(const struct route_stop *a, const struct route_stop *b)
{
	int c = strcmp(a->area, b->area);
	if (c == 0)
		c = route_natural_cmp(a->unit, b->unit);
	if (c == 0) {
		int fa = route_floor(a->room), fb = route_floor(b->room);
		c = fa < fb ? -1 : fa > fb;
	}
	if (c == 0)
		c = route_natural_cmp(a->room, b->room);
	if (c == 0)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

static int cmp(const void *a, const void *b) { return route_compare(a, b); }

void route_sort(struct route_stop *stops, size_t n) { qsort(stops, n, sizeof(*stops), cmp); }
