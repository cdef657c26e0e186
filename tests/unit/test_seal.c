#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/core/seal.h"

static int setup(void **state)
{
	unsigned char fk[32], ik[32];
	if (sodium_init() < 0)
		return -1;
	memset(fk, 1, sizeof(fk));
	memset(ik, 2, sizeof(ik));
	seal_init(fk, ik);
	return 0;
}

static void round_trip(void **state)
{
	struct arena *a = arena_new();
	size_t n;
	unsigned char *box = seal(a, "resident.id_number", "42010719800101123X", 18, &n);
	assert_int_equal(n, 18 + SEAL_OVERHEAD);
	assert_null(memmem(box, n, "42010719800101123X", 18)); /* not stored in the clear */
	assert_string_equal(unseal(a, "resident.id_number", box, n), "42010719800101123X");
	arena_free(a);
}

static void tampering_and_moving_are_detected(void **state)
{
	struct arena *a = arena_new();
	size_t n;
	unsigned char *box = seal(a, "resident.phone", "13812345678", 11, &n);
	assert_null(unseal(a, "resident.id_number", box, n)); /* moved to another column */
	box[30] ^= 1;
	assert_null(unseal(a, "resident.phone", box, n));
	assert_null(unseal(a, "resident.phone", box, 10)); /* truncated */
	arena_free(a);
}

static void each_seal_differs(void **state)
{
	struct arena *a = arena_new();
	size_t n1, n2;
	unsigned char *b1 = seal(a, "x", "same", 4, &n1), *b2 = seal(a, "x", "same", 4, &n2);
	assert_memory_not_equal(b1, b2, n1); /* a nonce each */
	arena_free(a);
}

static int nonce_cmp(const void *x, const void *y) { return memcmp(x, y, 24); }

/* Nonces are a per-thread random prefix and a counter: none repeats, and a forked child does not
 * reuse its parent's (it would, with the parent's prefix and counter, without the fork guard). */
static void nonces_never_repeat(void **state)
{
	enum { N = 1000 };
	static unsigned char nonces[N + 2][24];
	struct arena *a = arena_new();
	for (int i = 0; i < N; i++) {
		size_t n;
		memcpy(nonces[i], seal(a, "x", "same", 4, &n), 24);
	}
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		size_t n;
		_exit(write(pipefd[1], seal(a, "x", "same", 4, &n), 24) == 24 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(read(pipefd[0], nonces[N], 24), 24);
	close(pipefd[0]);
	close(pipefd[1]);
	size_t n;
	memcpy(nonces[N + 1], seal(a, "x", "same", 4, &n), 24); /* what the child would have repeated */
	qsort(nonces, N + 2, 24, nonce_cmp);
	for (int i = 1; i < N + 2; i++)
		assert_true(memcmp(nonces[i - 1], nonces[i], 24) != 0);
	arena_free(a);
}

static void blind_index_is_keyed_and_kind_separated(void **state)
{
	unsigned char a[BLIND_BYTES], b[BLIND_BYTES], c[BLIND_BYTES];
	blind_index("phone", "13812345678", a);
	blind_index("phone", "13812345678", b);
	blind_index("id_number", "13812345678", c);
	assert_memory_equal(a, b, BLIND_BYTES);
	assert_memory_not_equal(a, c, BLIND_BYTES);
	unsigned char other[32];
	memset(other, 3, sizeof(other));
	seal_init(other, other);
	blind_index("phone", "13812345678", c);
	assert_memory_not_equal(a, c, BLIND_BYTES); /* another key, another index */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(tampering_and_moving_are_detected),
	    cmocka_unit_test(each_seal_differs),
	    cmocka_unit_test(nonces_never_repeat),
	    cmocka_unit_test(blind_index_is_keyed_and_kind_separated),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
