/* Encryption of sensitive fields at rest (ID numbers, phone numbers) with
 * XChaCha20-Poly1305, and blind indexes (keyed BLAKE2b) for exact lookup and
 * duplicate detection without decrypting. Keys come from the key file. */
#ifndef DOORSTEP_SEAL_H
#define DOORSTEP_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

#define SEAL_OVERHEAD 40 /* nonce (24) + tag (16) */
#define BLIND_BYTES 16

/* Set the field and index keys (app_key_use does this, again when a key is rotated). */
void seal_init(const unsigned char field_key[32], const unsigned char index_key[32]);
/* Encrypt n bytes; the result (n + SEAL_OVERHEAD bytes) lives in a. ad binds the
 * ciphertext to its place (e.g. "resident.id_number"), so it cannot be moved to another column.
 * A new sealed column must also be listed in src/cli/key.c, or key rotation would leave it behind. */
unsigned char *seal(struct arena *a, const char *ad, const void *plain, size_t n, size_t *out_n);
/* seal into box, which has room for n + SEAL_OVERHEAD bytes; the bytes written. */
size_t seal_into(unsigned char *box, const char *ad, const void *plain, size_t n);
/* Decrypt; NULL if the data was altered, moved, or sealed under another key. The text is NUL-terminated. */
char *unseal(struct arena *a, const char *ad, const unsigned char *box, size_t n);
/* A keyed hash of the value for the kind ("id_number", "phone"), for equality lookups. */
void blind_index(const char *kind, const char *value, unsigned char out[BLIND_BYTES]);

#endif
