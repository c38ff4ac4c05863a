/*
 * stmt.c: the statement helpers every store_*.c shares (see stmt.h).
 */
#include "stmt.h"
#include "faults.h"
#include "log.h"

#include <stdio.h>

int step_row(sqlite3_stmt *st, int *err)
{
	int rc = faults_fail_row() ? SQLITE_IOERR : sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	st_log(ST_LOG_ERROR, "sql read error: %s",
	        rc == SQLITE_IOERR ? "I/O error" : sqlite3_errmsg(sqlite3_db_handle(st)));
	*err = RT_EINTERNAL;
	return 0;
}

int list_out(json_t *list, int err, json_t **out)
{
	if (err) {
		json_decref(list);
		list = NULL;
	}
	*out = list;
	return err;
}

void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

json_t *col_json(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_string(db_col_text(st, col));
}

json_t *col_json_int(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

json_t *col_json_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_real(sqlite3_column_double(st, col));
}
