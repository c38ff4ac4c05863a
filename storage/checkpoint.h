/*
 * checkpoint.h: WAL checkpoints on a thread of their own, off the event loop.
 *
 * The loop's connection stops checkpointing itself (a checkpoint copies
 * pages into the database file and fsyncs it: milliseconds of the loop).
 * Instead, each commit that leaves the WAL at `pages` frames or more wakes a
 * thread that checkpoints from its own connection: PASSIVE (which never
 * blocks the loop's writes) for the bulk, then TRUNCATE for the frames added
 * meanwhile, which holds the write lock for that short tail and empties the
 * WAL file. The WAL stays near `pages` frames, and an overwritten page image
 * (deleted text, an erased tag) leaves the WAL at the first checkpoint after
 * it was written.
 */
#ifndef RT_CHECKPOINT_H
#define RT_CHECKPOINT_H

#include <sqlite3.h>

struct checkpointer;

/* Starts the thread for the database at path, whose loop connection is h
 * (borrowed: it must outlive the checkpointer), and installs the WAL hook on
 * h. *out belongs to the caller (checkpointer_stop). Returns RT_OK or
 * RT_EINTERNAL (then h is left as it was). */
int checkpointer_start(struct checkpointer **out, sqlite3 *h, const char *path, int pages);
/* Removes the hook, stops and joins the thread, closes its connection and
 * frees c. Accepts NULL. */
void checkpointer_stop(struct checkpointer *c);

#endif
