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

const char *cell_safe(const char *s, char **owned)
{
	*owned = NULL;
	if (s == NULL)
		return "";
	if (s[0] != '=' && s[0] != '+' && s[0] != '-' && s[0] != '@' && s[0] != '\t' && s[0] != '\r')
		return s;
	size_t n = strlen(s) + 2;
	*owned = malloc(n);
	if (*owned == NULL)
		fatal("out of memory");
	snprintf(*owned, n, "'%s", s);
	return *owned;
}

void csv_cell(FILE *f, const char *s, bool last)
{
	char *owned;
	s = cell_safe(s, &owned);
	csv_fwrite(f, s, strlen(s));
	fputs(last ? "\r\n" : ",", f);
	free(owned);
}
