#include "csv_out.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

void csv_begin(FILE *f, const char *header)
{
	fputs("\xEF\xBB\xBF", f);
	fputs(header, f);
	fputs("\r\n", f);
}

void csv_cell(FILE *f, const char *s, bool last)
{
	if (s == NULL)
		s = "";
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
	char *safe = NULL;
	if (formula) {
		size_t n = strlen(s) + 2;
		safe = malloc(n);
		if (safe == NULL)
			fatal("out of memory");
		snprintf(safe, n, "'%s", s);
		s = safe;
	}
	csv_fwrite(f, s, strlen(s));
	fputs(last ? "\r\n" : ",", f);
	free(safe);
}
