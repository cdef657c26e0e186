/* Passwords: argon2id through libsodium, and the MLPS policy. */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/parse.h"
#include "auth.h"
#include "../core/banned.h"

/* The bundled list, embedded at build time from data/common-passwords.txt. */
extern const unsigned char common_passwords_txt[];
extern const size_t common_passwords_txt_len;

static char **common;
static size_t ncommon;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void password_init(void)
{
	if (common != NULL)
		return;
	char *text = malloc(common_passwords_txt_len + 1);
	size_t cap = 16384;
	common = malloc(cap * sizeof(*common));
	if (text == NULL || common == NULL)
		fatal("out of memory");
	memcpy(text, common_passwords_txt, common_passwords_txt_len);
	text[common_passwords_txt_len] = '\0';
	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (ncommon == cap) {
			cap *= 2;
			common = realloc(common, cap * sizeof(*common));
			if (common == NULL)
				fatal("out of memory");
		}
		common[ncommon++] = line;
	}
	qsort(common, ncommon, sizeof(*common), cmp);
}

static bool is_common(const char *pw)
{
	char lower[256];
	size_t n = strlen(pw);
	if (n >= sizeof(lower))
		return false;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)pw[i]);
	const char *key = lower;
	return bsearch(&key, common, ncommon, sizeof(*common), cmp) != NULL;
}

const char *password_policy(const char *pw, const char *username)
{
	size_t n = utf8_count(pw, strlen(pw)); /* characters, as the rule says */
	if (n < 10)
		return "must have at least 10 characters";
	if (n > 128)
		return "must have at most 128 characters";
	int lower = 0, upper = 0, digit = 0, other = 0;
	for (const unsigned char *p = (const unsigned char *)pw; *p; p++) {
		if (islower(*p))
			lower = 1;
		else if (isupper(*p))
			upper = 1;
		else if (isdigit(*p))
			digit = 1;
		else
			other = 1;
	}
	if (lower + upper + digit + other < 3)
		return "must use 3 of 4 kinds of character: lower case, upper case, digits, symbols";
	if (is_common(pw))
		return "is too common";
	if (username != NULL && strcasestr(pw, username) != NULL && strlen(username) >= 3)
		return "must not contain the username";
	return NULL;
}

/* argon2id with 19 MiB and 2 passes: the OWASP minimum, about 50 ms here. */
#define PW_OPS 2
#define PW_MEM (19u << 20)

bool password_hash(const char *pw, char *out, size_t n)
{
	if (n < crypto_pwhash_STRBYTES)
		BUG("password hash buffer too small");
	return crypto_pwhash_str_alg(out, pw, strlen(pw), PW_OPS, PW_MEM, crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool password_verify(const char *hash, const char *pw) { return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0; }
