/* Open311 GeoReport v2: the specification's XML for an answer built as JSON
 * (open311_xml.c); the endpoints are orders/open311.c. */
#ifndef DOORSTEP_OPEN311_H
#define DOORSTEP_OPEN311_H

#include <jansson.h>
#include <stddef.h>

/* The XML document of v under the element root, with the XML declaration
 * (malloc'd; *n gets its length). Objects become elements named by their
 * members, lists repeat the item element the specification names (services →
 * service, service_requests → request, ...), null is an empty element, and a
 * real number is a coordinate (kept to 1e-7 degree). */
char *open311_xml(const char *root, const json_t *v, size_t *n);

#endif
