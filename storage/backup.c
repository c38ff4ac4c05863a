/*
 * backup.c: backup and restore of a data directory (see backup.h).
 */
#include "backup.h"
#include "db.h"
#include "rt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Is path absent or an empty directory? Creates it (0700) if absent. */
static int fresh_dir(const char *path)
{
	DIR *d;
	struct dirent *e;
	int n = 0;
	if (mkdir(path, 0700) == 0)
		return RT_OK;
	if (errno != EEXIST || !(d = opendir(path))) {
		fprintf(stderr, "roundtable: cannot create %s: %s\n", path, strerror(errno));
		return RT_EINTERNAL;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n) {
		fprintf(stderr, "roundtable: %s is not empty; give a new directory\n", path);
		return RT_ECONFLICT;
	}
	return RT_OK;
}

int backup_db_file(const char *db_path, const char *dest_path)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	int err = RT_EINTERNAL, rc;

	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "roundtable: cannot open %s or %s\n", db_path, dest_path);
		goto done;
	}
	sqlite3_busy_timeout(src, 5000);
	if (!(b = sqlite3_backup_init(dst, "main", src, "main")))
		goto done;
	/* All pages in one step: one read transaction, one consistent state. */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (rc == SQLITE_DONE)
		err = RT_OK;
	else
		fprintf(stderr, "roundtable: backup of %s failed: %s\n", db_path, sqlite3_errmsg(dst));
done:
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(src);
	sqlite3_close(dst);
	return err;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, err = RT_EINTERNAL;
	ssize_t n;
	if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto done;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto done;
	if (n == 0 && fsync(out) == 0)
		err = RT_OK;
done:
	if (err)
		fprintf(stderr, "roundtable: cannot copy %s to %s: %s\n", from, to, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* Copies a directory tree. refs last: the objects they name are there first.
 * Lock files of a writer in progress are left behind. */
static int copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;
	int err = RT_OK;
	if (!d)
		return errno == ENOENT ? RT_OK : RT_EINTERNAL;
	if (mkdir(to, 0700) != 0 && errno != EEXIST) {
		closedir(d);
		return RT_EINTERNAL;
	}
	for (int pass = 0; pass < 2 && err == RT_OK; pass++) {
		rewinddir(d);
		while (err == RT_OK && (e = readdir(d)) != NULL) {
			char a[4096], b[4096];
			struct stat st;
			size_t n = strlen(e->d_name);
			int is_ref = strcmp(e->d_name, "refs") == 0 || strcmp(e->d_name, "packed-refs") == 0 ||
			             strcmp(e->d_name, "HEAD") == 0;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_ref != pass ||
			    (n > 5 && strcmp(e->d_name + n - 5, ".lock") == 0))
				continue;
			snprintf(a, sizeof a, "%s/%s", from, e->d_name);
			snprintf(b, sizeof b, "%s/%s", to, e->d_name);
			if (lstat(a, &st) != 0)
				continue; /* removed meanwhile (a loose object packed) */
			if (S_ISDIR(st.st_mode))
				err = copy_tree(a, b);
			else if (S_ISREG(st.st_mode))
				err = copy_file(a, b);
		}
	}
	closedir(d);
	return err;
}

int backup_create(const char *data_dir, const char *dest)
{
	char from[4096], to[4096];
	struct stat st;
	int err;

	snprintf(from, sizeof from, "%s/roundtable.db", data_dir);
	if (stat(from, &st) != 0) {
		fprintf(stderr, "roundtable: no database in %s\n", data_dir);
		return RT_ENOTFOUND;
	}
	if ((err = fresh_dir(dest)) != RT_OK)
		return err;
	snprintf(to, sizeof to, "%s/roundtable.db", dest);
	if ((err = backup_db_file(from, to)) != RT_OK)
		return err;
	snprintf(from, sizeof from, "%s/git", data_dir);
	snprintf(to, sizeof to, "%s/git", dest);
	return copy_tree(from, to);
}

int backup_restore(const char *src, const char *data_dir)
{
	char from[4096], to[4096];
	struct db *db = NULL;
	struct stat st;
	sqlite3_stmt *st_check;
	int err;

	snprintf(from, sizeof from, "%s/roundtable.db", src);
	if (stat(from, &st) != 0) {
		fprintf(stderr, "roundtable: %s holds no backup (no roundtable.db)\n", src);
		return RT_ENOTFOUND;
	}
	if ((err = fresh_dir(data_dir)) != RT_OK)
		return err;
	snprintf(to, sizeof to, "%s/roundtable.db", data_dir);
	if ((err = backup_db_file(from, to)) != RT_OK)
		return err;
	snprintf(from, sizeof from, "%s/git", src);
	snprintf(to, sizeof to, "%s/git", data_dir);
	if ((err = copy_tree(from, to)) != RT_OK)
		return err;
	snprintf(to, sizeof to, "%s/roundtable.db", data_dir);
	if ((err = db_open(&db, to)) != RT_OK)
		return err;
	st_check = db_prep(db, "PRAGMA integrity_check");
	err = st_check && sqlite3_step(st_check) == SQLITE_ROW && strcmp(db_col_text(st_check, 0), "ok") == 0
	      ? RT_OK : RT_EINTERNAL;
	if (st_check)
		sqlite3_reset(st_check);
	if (err)
		fprintf(stderr, "roundtable: the restored database fails its integrity check\n");
	db_close(db);
	return err;
}
