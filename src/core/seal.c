#include "seal.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "banned.h"

static unsigned char field_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char index_key[crypto_generichash_KEYBYTES];
static bool ready;

/* A nonce is a random prefix drawn once per thread and a counter: unique like a
 * random one, without a call for random bytes for each (a bulk import seals a
 * million values). A forked child draws a prefix of its own, so parent and child
 * never share a nonce. */
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define PREFIX_BYTES (NONCE_BYTES - sizeof(uint64_t))
static _Thread_local unsigned char prefix[PREFIX_BYTES];
static _Thread_local uint64_t counter; /* 0: no prefix drawn yet */

static void forget_nonces(void)
{
	sodium_memzero(prefix, sizeof(prefix));
	counter = 0;
}

static void seal_fork_guard(void) { pthread_atfork(NULL, NULL, forget_nonces); }

static void next_nonce(unsigned char out[NONCE_BYTES])
{
	if (counter == 0) {
		randombytes_buf(prefix, sizeof(prefix));
		counter = 1;
	}
	uint64_t n = counter++;
	memcpy(out, prefix, PREFIX_BYTES);
	memcpy(out + PREFIX_BYTES, &n, sizeof(n));
}

void seal_init(const unsigned char fk[32], const unsigned char ik[32])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, seal_fork_guard);
	memcpy(field_key, fk, sizeof(field_key));
	memcpy(index_key, ik, sizeof(index_key));
	ready = true;
}

size_t seal_into(unsigned char *box, const char *ad, const void *plain, size_t n)
{
	if (!ready)
		BUG("seal keys not set");
	unsigned long long clen;
	next_nonce(box);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    box + NONCE_BYTES, &clen, plain, n, (const unsigned char *)ad, strlen(ad), NULL, box, field_key);
	return NONCE_BYTES + (size_t)clen;
}

unsigned char *seal(struct arena *a, const char *ad, const void *plain, size_t n, size_t *out_n)
{
	unsigned char *box = arena_alloc(a, n + SEAL_OVERHEAD);
	*out_n = seal_into(box, ad, plain, n);
	return box;
}

char *unseal(struct arena *a, const char *ad, const unsigned char *box, size_t n)
{
	if (!ready)
		BUG("seal keys not set");
	if (n < SEAL_OVERHEAD)
		return NULL;
	size_t plen = n - SEAL_OVERHEAD;
	char *plain = arena_alloc(a, plen + 1);
	unsigned long long out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)plain, &out, NULL,
	        box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	        (const unsigned char *)ad, strlen(ad), box, field_key) != 0)
		return NULL;
	plain[out] = '\0';
	return plain;
}

void blind_index(const char *kind, const char *value, unsigned char out[BLIND_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, index_key, sizeof(index_key), BLIND_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1); /* with its NUL: a separator */
	crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
	crypto_generichash_final(&st, out, BLIND_BYTES);
}
