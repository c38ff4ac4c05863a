/*
 * csv.h: CSV fields for the exports (milestones, RFQ scores, decisions), one
 * writer for all of them. RFC 4180: every field is quoted, quotes doubled,
 * lines end with CRLF. Formula injection: a text field people typed that
 * starts (after any Unicode spaces, control or invisible format characters)
 * with = + - @, or starts with a tab or carriage return, gets a leading
 * single quote so spreadsheets show it as text. Bidi controls and
 * zero-width characters (except ZWNJ and ZWJ) are dropped from text fields,
 * so a cell shows what it holds.
 * Values the daemon formats itself (numbers, times, states) are left as they are.
 */
#ifndef RT_CSV_H
#define RT_CSV_H

#include <jansson.h>
#include <stdio.h>

/* Writes one quoted field (no separator). text: typed by people, so guarded. */
void csv_field(FILE *f, const char *s, int text);
/* Writes a JSON value as a field: strings as guarded text, numbers in their
 * shortest exact form, true/false as yes/no, null and absent as empty. */
void csv_value(FILE *f, const json_t *v);
/* Ends a field: "," or, after the last of a row, CRLF. */
void csv_next(FILE *f, int last);
/* One field as a string (malloc'd, caller frees; NULL on OOM), for tests. */
char *csv_field_string(const char *s, int text);

#endif
