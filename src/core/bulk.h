/* Memory for the large arrays of a bulk load (hundreds of MB for a 500,000-row
 * import): mapped on its own, in transparent huge pages where the kernel allows.
 * Each 4 KiB page touched for the first time costs a page fault, and on a virtual
 * machine a dear one (about 4 ms per MB measured here, against a tenth of that in
 * huge pages). */
#ifndef DOORSTEP_BULK_H
#define DOORSTEP_BULK_H

#include <stddef.h>

/* Zeroed memory for n bytes (n may be 0); aborts on out-of-memory. */
void *bulk_alloc(size_t n);
/* Grow or shrink p (from bulk_alloc, of n bytes) to m bytes, moving it if need be;
 * what is added is zeroed. */
void *bulk_realloc(void *p, size_t n, size_t m);
/* Give back p, of n bytes; NULL is allowed. */
void bulk_free(void *p, size_t n);

#endif
