/*
 * rollback.h: undoing a schema upgrade. Installs the newest (or a chosen)
 * roundtable.db.pre-vN.bak of a data directory as its roundtable.db, after
 * moving the current database with its -wal and -shm aside (nothing is
 * deleted), and says what the rollback discards.
 */
#ifndef RT_ROLLBACK_H
#define RT_ROLLBACK_H

#include <stdio.h>

/* Rolls data_dir back to its newest .pre-vN.bak, or (to_version >= 0) to the
 * backup whose schema is to_version. The caller holds the data directory's
 * lock (no daemon serves it). Prints to out what was done: the backup
 * installed, where the current files went, the events (the audit trail) per
 * coalition written after the backup was taken, and what happens to the MOU
 * repositories. Returns RT_OK, or an rt_err with a message on stderr. */
int rollback_data_dir(const char *data_dir, int to_version, FILE *out);

#endif
