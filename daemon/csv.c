/*
 * csv.c: the CSV field writer of the exports (see csv.h).
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

void csv_field(FILE *f, const char *s, int text)
{
	const char *p = s ? s : "";
	fputc('"', f);
	if (text) {
		const char *q = p;
		int guard = *q == '\t' || *q == '\r';
		while (*q == ' ')
			q++;
		if (guard || *q == '=' || *q == '+' || *q == '-' || *q == '@')
			fputc('\'', f);
	}
	for (; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

void csv_value(FILE *f, const json_t *v)
{
	char buf[64] = "";
	if (json_is_string(v)) {
		csv_field(f, json_string_value(v), 1);
		return;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "yes" : "no");
	csv_field(f, buf, 0);
}

void csv_next(FILE *f, int last)
{
	fputs(last ? "\r\n" : ",", f);
}

char *csv_field_string(const char *s, int text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	csv_field(f, s, text);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
