/*
 * backup.h: consistent copies of a data directory, taken while the daemon
 * serves, and their restoration into a new data directory.
 *
 * A backup is a directory holding roundtable.db (a snapshot taken with
 * SQLite's online backup API, so it is one transaction-consistent state) and
 * git/ (the coalitions' MOU repositories, copied after the snapshot: git is
 * always written before the database row that names a commit, so every
 * commit the snapshot names is in the copy). Each repository's refs are read
 * before its objects are copied and written into the copy last, so every ref
 * of the copy names a commit the copy holds. A restore is refused (and what
 * it made removed) unless the database passes its integrity check and every
 * repository its connectivity check (storage/gitcheck.h).
 */
#ifndef RT_BACKUP_H
#define RT_BACKUP_H

/* Backs up data_dir into dest (created; must not exist or be empty).
 * Returns RT_OK or an rt_err, with a message on stderr. */
int backup_create(const char *data_dir, const char *dest);
/* Restores the backup at src into data_dir (created; must not exist or be
 * empty), checks the database's integrity and every repository's
 * connectivity, and migrates it; on failure removes data_dir again. */
int backup_restore(const char *src, const char *data_dir);
/* Copies the database file at db_path to dest_path with the online backup
 * API (used before a schema migration). */
int backup_db_file(const char *db_path, const char *dest_path);

#endif
