/*
 * checkpoint.c: the checkpoint thread (see checkpoint.h).
 *
 * The WAL hook runs on the loop thread right after each commit: it only
 * compares a number and, past the threshold, signals a condition variable.
 * The thread owns a second connection to the same file, opened and used on
 * that thread only.
 */
#include "checkpoint.h"
#include "faults.h"
#include "rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct checkpointer {
	sqlite3 *loop;          /* the loop's connection (borrowed) */
	char *path;
	int pages;              /* WAL frames that call for a checkpoint */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pending, stop;      /* under mu */
	time_t truncate_after;  /* the thread's own: no TRUNCATE before (monotonic s) */
};

static int wal_hook(void *ud, sqlite3 *h, const char *name, int frames)
{
	struct checkpointer *c = ud;
	(void)h;
	(void)name;
	if (frames >= c->pages) {
		pthread_mutex_lock(&c->mu);
		c->pending = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

/* The checkpointer's busy handler: the loop takes the write lock for each
 * batch and lets it go in between, often for less than a millisecond under
 * load; SQLite's own busy timeout sleeps 1, 2, 5, 10... ms and would mostly
 * miss those gaps. Retries every 200 us for up to 100 ms: TRUNCATE also
 * waits here, holding the write lock, for readers of the WAL to finish (a
 * backup, an export), and the loop's writes wait meanwhile. */
static int busy_retry(void *ud, int tries)
{
	(void)ud;
	if (tries >= 500)
		return 0;
	usleep(200);
	return 1;
}

static void *checkpoint_main(void *arg)
{
	struct checkpointer *c = arg;
	sqlite3 *h = NULL;

	faults_exempt_thread();

	if (sqlite3_open_v2(c->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rt_log(LOG_ERROR, "checkpoints: cannot open %s: %s", c->path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		h = NULL;
	}
	/* Its own checkpoints only: this connection never writes. It waits
	 * up to 100 ms for the loop's batch to end (see busy_retry). */
	if (h) {
		sqlite3_wal_autocheckpoint(h, 0);
		sqlite3_busy_handler(h, busy_retry, NULL);
		/* A connection learns that the file is in WAL mode when it first
		 * reads it; until then a checkpoint does nothing. */
		if (sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
			rt_log(LOG_ERROR, "checkpoints: %s", sqlite3_errmsg(h));
	}
	for (;;) {
		int rc, log = 0, done = 0;
		struct timespec now;
		pthread_mutex_lock(&c->mu);
		while (!c->pending && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		c->pending = 0;
		if (c->stop) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		pthread_mutex_unlock(&c->mu);
		if (!h)
			continue;
		/* PASSIVE first: copies the bulk of the frames into the database
		 * file and fsyncs it without ever blocking the loop's writes. But
		 * under steady writes it never catches up with the last frame, and
		 * the WAL starts over only once every frame is copied; so TRUNCATE
		 * then takes the write lock (between two batches of the loop),
		 * copies the few frames added meanwhile and empties the file. The
		 * loop's next BEGIN IMMEDIATE waits for that (busy timeout), a few
		 * milliseconds once per `pages` frames. A BUSY (a reader on an
		 * older snapshot, or the loop holding the write lock for over
		 * 100 ms) is retried after the next commit, which signals again. */
		rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* After a TRUNCATE that timed out (a long reader), a second
		 * before the next, so a backup stalls the loop's writes for at
		 * most 100 ms a second. */
		if (rc == SQLITE_OK && now.tv_sec >= c->truncate_after) {
			rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
			if (rc == SQLITE_BUSY)
				c->truncate_after = now.tv_sec + 1;
		}
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			rt_log(LOG_WARN, "checkpoint failed: %s", sqlite3_errmsg(h));
	}
	sqlite3_close(h);
	return NULL;
}

int checkpointer_start(struct checkpointer **out, sqlite3 *h, const char *path, int pages)
{
	struct checkpointer *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return RT_EINTERNAL;
	}
	c->loop = h;
	c->pages = pages;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c->path);
		free(c);
		return RT_EINTERNAL;
	}
	/* Replaces SQLite's own auto-checkpoint on the loop's connection. */
	sqlite3_wal_hook(h, wal_hook, c);
	*out = c;
	return RT_OK;
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	sqlite3_wal_hook(c->loop, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}
