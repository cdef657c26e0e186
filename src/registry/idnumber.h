/* GB 11643-1999 citizen identity numbers: structure, check character, the
 * birth date and sex they carry, and masking for display. */
#ifndef DOORSTEP_IDNUMBER_H
#define DOORSTEP_IDNUMBER_H

#include <stdbool.h>
#include <stdint.h>

enum id_kind {
	ID_RESIDENT, /* 居民身份证 */
	ID_HKMOTW, /* 港澳台居民居住证: the same structure with 81/82/83 as the "province" */
};

struct id_info {
	int year, month, day;
	bool male;
};

/* The ISO 7064 MOD 11-2 check character for the first 17 digits; '\0' if they are not all digits. */
char id_check_char(const char digits17[17]);
/* Validate an 18-character number of the kind at today (UTC seconds, for the
 * not-in-the-future rule). NULL if valid (info filled), else the reason in English. */
const char *id_validate(const char *id, enum id_kind kind, int64_t today, struct id_info *info);
/* Mask for display: the first 6 and the last 4 characters stay (420107********123X).
 * out needs strlen(id) + 1 bytes. Numbers shorter than 10 characters become all stars. */
void id_mask(const char *id, char *out);
/* Mask a phone number: mobiles keep 3 + 4 (138****5678), landlines keep the area code and the last 2. */
void phone_mask(const char *phone, char *out);

#endif
