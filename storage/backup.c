/*
 * backup.c: backup and restore of a data directory (see backup.h).
 */
#include "backup.h"
#include "db.h"
#include "gitcheck.h"
#include "log.h"
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
		st_log(ST_LOG_ERROR, "cannot open %s or %s", db_path, dest_path);
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
		st_log(ST_LOG_ERROR, "backup of %s failed: %s", db_path, sqlite3_errmsg(dst));
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
	if (n == 0)
		err = RT_OK; /* made durable by sync_dir once everything is copied */
done:
	if (err)
		fprintf(stderr, "roundtable: cannot copy %s to %s: %s\n", from, to, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* Copies a directory tree; without its refs (refs/, packed-refs, HEAD) when
 * with_refs is 0. Lock files of a writer in progress are left behind. */
static int copy_tree(const char *from, const char *to, int with_refs)
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
	while (err == RT_OK && (e = readdir(d)) != NULL) {
		char a[4096], b[4096];
		struct stat st;
		size_t n = strlen(e->d_name);
		int is_ref = strcmp(e->d_name, "refs") == 0 || strcmp(e->d_name, "packed-refs") == 0 ||
		             strcmp(e->d_name, "HEAD") == 0;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (is_ref && !with_refs) ||
		    (n > 5 && strcmp(e->d_name + n - 5, ".lock") == 0) || strncmp(e->d_name, "tmp_", 4) == 0)
			continue;
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		if (lstat(a, &st) != 0)
			continue; /* removed meanwhile (a loose object packed) */
		if (S_ISDIR(st.st_mode))
			err = copy_tree(a, b, with_refs);
		else if (S_ISREG(st.st_mode))
			err = copy_file(a, b);
	}
	closedir(d);
	return err;
}

/* Copies one repository while it may be written: its refs are read first,
 * then its objects copied (objects are only ever added, so every object
 * the refs name is among them), then the refs written into the copy. Copied
 * the other way round, a save landing in between left a branch naming a
 * commit the copy did not have. */
static int copy_repo(const char *from, const char *to)
{
	struct gitcheck_refs refs;
	int err;
	if ((err = gitcheck_refs_read(from, &refs)) != RT_OK)
		return err;
	if ((err = copy_tree(from, to, 0)) == RT_OK)
		err = gitcheck_refs_write(to, &refs);
	gitcheck_refs_free(&refs);
	return err;
}

/* Runs fn(from/<name>, to/<name>) for each repository <name>.git in from. */
static int each_repo(const char *from, const char *to, int (*fn)(const char *, const char *))
{
	DIR *d = opendir(from);
	struct dirent *e;
	int err = RT_OK;
	if (!d)
		return errno == ENOENT ? RT_OK : RT_EINTERNAL;
	if (to && mkdir(to, 0700) != 0 && errno != EEXIST) {
		closedir(d);
		return RT_EINTERNAL;
	}
	while (err == RT_OK && (e = readdir(d)) != NULL) {
		char a[4096], b[4096];
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".git") != 0)
			continue;
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to ? to : "", e->d_name);
		err = fn(a, b);
	}
	closedir(d);
	return err;
}

/* Refuses a repository whose refs' history is not complete. */
static int check_repo(const char *dir, const char *unused)
{
	char why[256];
	(void)unused;
	if (gitcheck_connected(dir, why, sizeof why) == RT_OK)
		return RT_OK;
	fprintf(stderr, "roundtable: the MOU repository %s is broken: %s\n", dir, why);
	return RT_EINTERNAL;
}

/* Makes everything written under path durable: one syncfs of its file
 * system instead of an fsync per copied object. */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = RT_OK;
	if (fd < 0 || syncfs(fd) != 0) {
		fprintf(stderr, "roundtable: cannot sync %s: %s\n", path, strerror(errno));
		err = RT_EINTERNAL;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* Removes a tree this process created (a refused restore). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char p[4096];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		remove_tree(p);
	}
	closedir(d);
	rmdir(path);
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
	if ((err = each_repo(from, to, copy_repo)) != RT_OK)
		return err;
	return sync_dir(dest);
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
		goto done;
	snprintf(from, sizeof from, "%s/git", src);
	snprintf(to, sizeof to, "%s/git", data_dir);
	if ((err = copy_tree(from, to, 1)) != RT_OK || (err = sync_dir(data_dir)) != RT_OK ||
	    (err = each_repo(to, NULL, check_repo)) != RT_OK)
		goto done;
	snprintf(to, sizeof to, "%s/roundtable.db", data_dir);
	if ((err = db_open(&db, to)) != RT_OK)
		goto done;
	st_check = db_prep(db, "PRAGMA integrity_check");
	err = st_check && sqlite3_step(st_check) == SQLITE_ROW && strcmp(db_col_text(st_check, 0), "ok") == 0
	      ? RT_OK : RT_EINTERNAL;
	if (st_check)
		sqlite3_reset(st_check);
	if (err)
		fprintf(stderr, "roundtable: the restored database fails its integrity check\n");
	db_close(db);
done:
	if (err) {
		/* fresh_dir made it (or it was empty): nothing of anyone else's is lost */
		remove_tree(data_dir);
		fprintf(stderr, "roundtable: restore refused; %s was removed\n", data_dir);
	}
	return err;
}
