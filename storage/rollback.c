/*
 * rollback.c: installing a .pre-vN.bak back as the database (see rollback.h).
 *
 * The order: pick the backup and read it (immutable: nothing is written next
 * to it); read the current database through its WAL without checkpointing
 * on close (its files stay as they are); rename roundtable.db, -wal and -shm
 * to roundtable.db.rolled-back-<time>[-wal|-shm] (SQLite pairs them by name,
 * so the set opens as it was); copy the backup to a temporary file with the
 * online backup API, check it, and rename it into place. A leftover -wal can
 * then never replay on top of the restored database. On a failure before the
 * rename the moved files are put back.
 */
#include "rollback.h"
#include "rt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DB_NAME "roundtable.db"
#define BAK_PREFIX DB_NAME ".pre-v"

/* The last event seq of one coalition in one database file. */
struct co_seq {
	int64_t id;
	char slug[128];
	int64_t last, count;
};

struct snapshot {
	int version;
	struct co_seq *cos;
	size_t n;
};

static void snapshot_free(struct snapshot *s)
{
	free(s->cos);
	s->cos = NULL;
	s->n = 0;
}

/* Opens a database file for reading: immutable (no -wal/-shm made or read)
 * for a backup; through its WAL, without a checkpoint on close, for the
 * current database. */
static sqlite3 *open_read(const char *path, int immutable)
{
	sqlite3 *h = NULL;
	char *uri = sqlite3_mprintf("file:%s%s", path, immutable ? "?immutable=1" : "");
	int flags = SQLITE_OPEN_URI | (immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	if (!uri || sqlite3_open_v2(uri, &h, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "roundtable: cannot open %s: %s\n", path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		h = NULL;
	} else {
		sqlite3_busy_timeout(h, 5000);
		sqlite3_db_config(h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	}
	sqlite3_free(uri);
	return h;
}

/* Reads the schema version and every coalition's last event seq. */
static int snapshot_read(const char *path, int immutable, struct snapshot *s)
{
	sqlite3 *h = open_read(path, immutable);
	sqlite3_stmt *st = NULL;
	int err = RT_EINTERNAL, rc;

	memset(s, 0, sizeof *s);
	s->version = -1;
	if (!h)
		return RT_EINTERNAL;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto done;
	s->version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(h, "SELECT c.id, c.slug, COALESCE(MAX(e.seq), 0), COUNT(e.seq) FROM coalitions c "
	                          "LEFT JOIN events e ON e.coalition_id = c.id GROUP BY c.id ORDER BY c.id",
	                       -1, &st, NULL) != SQLITE_OK)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct co_seq *more = realloc(s->cos, (s->n + 1) * sizeof *more), *c;
		const unsigned char *slug = sqlite3_column_text(st, 1);
		if (!more)
			goto done;
		s->cos = more;
		c = &s->cos[s->n++];
		c->id = sqlite3_column_int64(st, 0);
		snprintf(c->slug, sizeof c->slug, "%s", slug ? (const char *)slug : "?");
		c->last = sqlite3_column_int64(st, 2);
		c->count = sqlite3_column_int64(st, 3);
	}
	if (rc == SQLITE_DONE)
		err = RT_OK;
done:
	if (err)
		fprintf(stderr, "roundtable: cannot read %s: %s\n", path, sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return err;
}

/* Counts one coalition's events after seq in the current database. */
static int64_t events_after(sqlite3 *h, int64_t coalition, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM events WHERE coalition_id = ? AND seq > ?", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, coalition) == SQLITE_OK && sqlite3_bind_int64(st, 2, seq) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The backup to install: the highest N, or the one of schema to_version. */
static int pick_backup(const char *data_dir, int to_version, char *path, size_t size, struct snapshot *bak)
{
	DIR *d = opendir(data_dir);
	struct dirent *e;
	int best = -1, err;
	char name[300] = "";

	if (!d) {
		fprintf(stderr, "roundtable: cannot read %s: %s\n", data_dir, strerror(errno));
		return RT_EINTERNAL;
	}
	while ((e = readdir(d)) != NULL) {
		int n, len = 0;
		char p[4400];
		struct snapshot s;
		if (sscanf(e->d_name, BAK_PREFIX "%d.bak%n", &n, &len) != 1 || e->d_name[len] != '\0' || n <= best)
			continue;
		if (to_version >= 0) {
			snprintf(p, sizeof p, "%s/%s", data_dir, e->d_name);
			if (snapshot_read(p, 1, &s) != RT_OK)
				continue;
			snapshot_free(&s);
			if (s.version != to_version)
				continue;
		}
		best = n;
		snprintf(name, sizeof name, "%s", e->d_name);
	}
	closedir(d);
	if (best < 0) {
		if (to_version >= 0)
			fprintf(stderr, "roundtable: %s holds no " BAK_PREFIX "N.bak of schema %d\n", data_dir, to_version);
		else
			fprintf(stderr, "roundtable: %s holds no " BAK_PREFIX "N.bak: no upgrade to roll back\n", data_dir);
		return RT_ENOTFOUND;
	}
	snprintf(path, size, "%s/%s", data_dir, name);
	if ((err = snapshot_read(path, 1, bak)) != RT_OK)
		return err;
	return RT_OK;
}

/* Passes sqlite's quick_check? */
static int db_file_ok(const char *path)
{
	sqlite3 *h = open_read(path, 1);
	sqlite3_stmt *st = NULL;
	int ok = h && sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	         sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ok;
}

/* Copies the backup at from (opened immutable: no -wal or -shm made next
 * to it) to the new file to with the online backup API. */
static int copy_db(const char *from, const char *to)
{
	sqlite3 *src = open_read(from, 1), *dst = NULL;
	sqlite3_backup *b = NULL;
	int err = RT_EINTERNAL;
	if (src && sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
	    (b = sqlite3_backup_init(dst, "main", src, "main")) && sqlite3_backup_step(b, -1) == SQLITE_DONE)
		err = RT_OK;
	if (b && sqlite3_backup_finish(b) != SQLITE_OK)
		err = RT_EINTERNAL;
	if (err)
		fprintf(stderr, "roundtable: cannot copy %s to %s: %s\n", from, to, dst ? sqlite3_errmsg(dst) : "cannot open");
	sqlite3_close(src);
	sqlite3_close(dst);
	return err;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = RT_OK;
	if (fd < 0 || fsync(fd) != 0)
		err = RT_EINTERNAL;
	if (fd >= 0)
		close(fd);
	return err;
}

static const char *const suffixes[] = { "", "-wal", "-shm" };

int rollback_data_dir(const char *data_dir, int to_version, FILE *out)
{
	struct snapshot bak = { 0 }, cur = { 0 };
	char bak_path[4400], db_path[4200], aside[4300], tmp[4300], from[4300], to[4400], stamp[32];
	int moved = 0, err, have_cur;
	int64_t total = 0;
	time_t now = time(NULL);
	struct tm tm;
	sqlite3 *h = NULL;

	snprintf(db_path, sizeof db_path, "%s/" DB_NAME, data_dir);
	if ((err = pick_backup(data_dir, to_version, bak_path, sizeof bak_path, &bak)) != RT_OK)
		return err;
	if (!db_file_ok(bak_path)) {
		fprintf(stderr, "roundtable: %s fails its integrity check; nothing was changed\n", bak_path);
		err = RT_EINTERNAL;
		goto done;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(aside, sizeof aside, "%s.rolled-back-%s", db_path, stamp);
	if (access(aside, F_OK) == 0) {
		fprintf(stderr, "roundtable: %s exists already; try again in a second\n", aside);
		err = RT_ECONFLICT;
		goto done;
	}

	/* What the current database holds past the backup, read before anything moves. */
	have_cur = access(db_path, F_OK) == 0 && snapshot_read(db_path, 0, &cur) == RT_OK;
	fprintf(out, "installing %s (schema %d) as %s\n", bak_path, bak.version, db_path);
	if (have_cur && (h = open_read(db_path, 0))) {
		fprintf(out, "compared with the current database (schema %d), coalition by coalition:\n", cur.version);
		for (size_t i = 0; i < cur.n; i++) {
			const struct co_seq *c = &cur.cos[i];
			const struct co_seq *b = NULL;
			int64_t n;
			for (size_t j = 0; j < bak.n && !b; j++)
				if (bak.cos[j].id == c->id)
					b = &bak.cos[j];
			if (!b) {
				fprintf(out, "  coalition %s: created after the backup; discarded with its %lld event(s)\n",
				        c->slug, (long long)c->count);
				total += c->count;
				continue;
			}
			if ((n = events_after(h, c->id, b->last)) > 0) {
				fprintf(out, "  coalition %s: %lld event(s) (audit entries) after seq %lld, up to seq %lld\n",
				        c->slug, (long long)n, (long long)b->last, (long long)c->last);
				total += n;
			}
		}
		fprintf(out, "discarded: %lld event(s) (audit entries) in all%s; also anything written without "
		        "an event (accounts added with 'user add', sessions, sign-in state)\n", (long long)total,
		        total ? ", with the rows they describe (members, discussions, decisions, ballots, ...)" : "");
		sqlite3_close(h);
		h = NULL;
	} else if (access(db_path, F_OK) == 0) {
		fprintf(out, "the current database could not be read: what it held since the backup cannot be "
		        "counted; it is kept aside all the same\n");
	}

	/* Move the current set aside: never deleted, openable under its new name. */
	for (moved = 0; moved < 3; moved++) {
		snprintf(from, sizeof from, "%s%s", db_path, suffixes[moved]);
		snprintf(to, sizeof to, "%s%s", aside, suffixes[moved]);
		if (rename(from, to) != 0 && errno != ENOENT) {
			fprintf(stderr, "roundtable: cannot move %s to %s: %s\n", from, to, strerror(errno));
			err = RT_EINTERNAL;
			goto undo;
		}
	}
	snprintf(tmp, sizeof tmp, "%s.rollback-tmp", db_path);
	unlink(tmp);
	if ((err = copy_db(bak_path, tmp)) != RT_OK || !db_file_ok(tmp)) {
		fprintf(stderr, "roundtable: the copy of %s is not a sound database\n", bak_path);
		err = RT_EINTERNAL;
		unlink(tmp);
		goto undo;
	}
	if (rename(tmp, db_path) != 0) {
		fprintf(stderr, "roundtable: cannot move %s to %s: %s\n", tmp, db_path, strerror(errno));
		err = RT_EINTERNAL;
		unlink(tmp);
		goto undo;
	}
	sync_dir(data_dir);
	fprintf(out, "the database as it was (with its -wal and -shm, if any) is kept as %s\n", aside);
	fprintf(out, "%s is kept too\n", bak_path);
	fprintf(out, "git: the MOU repositories in %s/git are left as they are. Commits made after the backup stay "
	        "in them, ahead of the restored database. At the next start the daemon reconciles each "
	        "coalition the database knows with its repository: a MOU whose git head is newer than its "
	        "row is brought up to that head (its missing versions added, a MOU missing from the database "
	        "rebuilt from its commit; event mou.saved or mou.created, \"recovered\": true), so MOU saves "
	        "since the backup come back. Repositories of coalitions created after the backup are not "
	        "read and stay on disk unreferenced.\n", data_dir);
	goto done;
undo:
	while (moved-- > 0) {
		snprintf(from, sizeof from, "%s%s", aside, suffixes[moved]);
		snprintf(to, sizeof to, "%s%s", db_path, suffixes[moved]);
		if (rename(from, to) != 0 && errno != ENOENT)
			fprintf(stderr, "roundtable: cannot move %s back to %s: %s\n", from, to, strerror(errno));
	}
	fprintf(stderr, "roundtable: rollback failed; %s is as it was\n", db_path);
done:
	sqlite3_close(h);
	snapshot_free(&bak);
	snapshot_free(&cur);
	return err;
}
