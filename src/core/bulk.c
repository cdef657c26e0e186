#include "bulk.h"

#include <sys/mman.h>

#include "log.h"
#include "banned.h"

#define HUGE_PAGE (2u << 20)

/* n rounded up to whole huge pages, never 0 (a mapping cannot be empty). */
static size_t mapped_size(size_t n) { return n == 0 ? HUGE_PAGE : (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1); }

void *bulk_alloc(size_t n)
{
	size_t size = mapped_size(n);
	if (size < n)
		fatal("out of memory");
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("out of memory");
	madvise(p, size, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages as usual */
	return p;
}

void *bulk_realloc(void *p, size_t n, size_t m)
{
	if (p == NULL)
		return bulk_alloc(m);
	size_t from = mapped_size(n), to = mapped_size(m);
	if (to < m)
		fatal("out of memory");
	if (from == to)
		return p;
	void *q = mremap(p, from, to, MREMAP_MAYMOVE); /* the pages move, not their bytes */
	if (q == MAP_FAILED)
		fatal("out of memory");
	return q;
}

void bulk_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, mapped_size(n));
}
