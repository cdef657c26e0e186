/* The walking order of a list of doors: by estate and building (their area
 * codes, which extend their parent's, so one estate's buildings sort together
 * in their order), then entrance, floor and room, numbers compared as numbers
 * (entrance 2 before 10, room 301 before 1201). One stairwell is climbed once. */
#ifndef DOORSTEP_ROUTE_H
#define DOORSTEP_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct route_stop {
	const char *area; /* the building (or estate or community) */
	const char *unit; /* entrance (单元) */
	const char *room; /* room number (房号) */
	int64_t id; /* last tie-break: the household */
};

/* The floor of a room number: "1201" and "12-01" are on 12, "3-2-501" on 5,
 * "B12" on 0 (no floor in it). */
int route_floor(const char *room);
/* Text compared with runs of digits as numbers ("2" < "10"); then bytewise. */
int route_natural_cmp(const char *a, const char *b);
/* Order of two stops along the walk: <0, 0 or >0. */
int route_compare(const struct route_stop *a, const struct route_stop *b);
/* Sort stops into walking order. */
void route_sort(struct route_stop *stops, size_t n);

#endif
