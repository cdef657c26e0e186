/* Compact JSON output. jansson's json_dumps checks for reference loops with a
 * hashtable and snprintf per container, which was a fifth of a small request's
 * time; values built by this server have no loops, so this writer skips that. */
#ifndef DOORSTEP_JSON_WRITE_H
#define DOORSTEP_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

/* Serialise v compactly into a malloc'd, NUL-terminated string; *len gets its length. */
char *json_write(const json_t *v, size_t *len);

#endif
