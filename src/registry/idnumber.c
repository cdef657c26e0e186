#include "idnumber.h"

#include <string.h>
#include <time.h>

#include "../core/parse.h"
#include "../core/banned.h"

char id_check_char(const char d[17])
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char map[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (d[i] < '0' || d[i] > '9')
			return '\0'; /* not a number (a search for an 18-byte name): no check character matches */
		sum += (d[i] - '0') * weights[i];
	}
	return map[sum % 11];
}

/* GB/T 2260 province-level codes. */
/* The date of t (UTC) as yyyymmdd. An import checks numbers by the hundred thousand
 * and gmtime_r takes a lock, so the last day's answer is kept. */
static int64_t ymd_of(int64_t t)
{
	static _Thread_local int64_t day = -1, ymd;
	if (t / 86400 != day) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		day = t / 86400;
		ymd = (int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	}
	return ymd;
}

static bool province_valid(int p, enum id_kind kind)
{
	static const int mainland[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
	    46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65};
	if (kind == ID_HKMOTW)
		return p == 81 || p == 82 || p == 83;
	for (size_t i = 0; i < sizeof(mainland) / sizeof(mainland[0]); i++)
		if (mainland[i] == p)
			return true;
	return false;
}

const char *id_validate(const char *id, enum id_kind kind, int64_t today, struct id_info *info)
{
	if (strlen(id) != 18)
		return "must have 18 characters";
	for (int i = 0; i < 17; i++)
		if (id[i] < '0' || id[i] > '9')
			return "must be 17 digits and a check character";
	if (!((id[17] >= '0' && id[17] <= '9') || id[17] == 'X'))
		return "must end in a digit or X";
	if (!province_valid((id[0] - '0') * 10 + (id[1] - '0'), kind))
		return "does not begin with a valid province code";
	int64_t y, m, d;
	parse_i64(id + 6, 4, 0, 9999, &y);
	parse_i64(id + 10, 2, 0, 99, &m);
	parse_i64(id + 12, 2, 0, 99, &d);
	if (y < 1800 || !date_valid((int)y, (int)m, (int)d))
		return "does not contain a real birth date";
	if (y * 10000 + m * 100 + d > ymd_of(today))
		return "contains a birth date in the future";
	if (id_check_char(id) != id[17])
		return "has a wrong check character";
	if (info != NULL) {
		info->year = (int)y;
		info->month = (int)m;
		info->day = (int)d;
		info->male = (id[16] - '0') % 2 == 1;
	}
	return NULL;
}

void id_mask(const char *id, char *out)
{
	size_t n = strlen(id);
	for (size_t i = 0; i < n; i++)
		out[i] = (n >= 10 && (i < 6 || i >= n - 4)) ? id[i] : '*';
	out[n] = '\0';
}

void phone_mask(const char *phone, char *out)
{
	size_t n = strlen(phone);
	const char *dash = strchr(phone, '-');
	for (size_t i = 0; i < n; i++) {
		bool keep;
		if (dash != NULL) /* landline: 027-86812345 → 027-******45 */
			keep = phone + i <= dash || i >= n - 2;
		else /* mobile: 13812345678 → 138****5678 */
			keep = n >= 7 && (i < 3 || i >= n - 4);
		out[i] = keep ? phone[i] : '*';
	}
	out[n] = '\0';
}
