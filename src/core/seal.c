#include "seal.h"

#include <sodium.h>
#include <string.h>

#include "log.h"
#include "banned.h"

static unsigned char field_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char index_key[crypto_generichash_KEYBYTES];
static bool ready;

void seal_init(const unsigned char fk[32], const unsigned char ik[32])
{
	memcpy(field_key, fk, sizeof(field_key));
	memcpy(index_key, ik, sizeof(index_key));
	ready = true;
}

unsigned char *seal(struct arena *a, const char *ad, const void *plain, size_t n, size_t *out_n)
{
	if (!ready)
		BUG("seal keys not set");
	unsigned char *box = arena_alloc(a, n + SEAL_OVERHEAD);
	unsigned long long clen;
	randombytes_buf(box, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, plain, n,
	    (const unsigned char *)ad, strlen(ad), NULL, box, field_key);
	*out_n = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
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
