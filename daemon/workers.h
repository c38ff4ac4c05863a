/*
 * workers.h: a small pool of threads for work that must not stall the event
 * loop (argon2id password hashing takes ~74 ms and 64 MiB). A job's work()
 * runs on a worker and must not touch the database or any session; its
 * done() runs later on the event loop thread, from workers_drain().
 */
#ifndef RT_WORKERS_H
#define RT_WORKERS_H

struct server;

struct job {
	void (*work)(struct job *j);
	void (*done)(struct job *j); /* on the loop; frees the job */
	struct job *next;
};

/* Starts n threads; finished jobs wake srv's loop. Returns 0 or -1. */
int workers_start(struct server *srv, int n);
/* Queues a job. Returns -1 (job untouched) when too many jobs wait already. */
int workers_submit(struct job *j);
/* Runs done() of every finished job. Loop thread only. */
void workers_drain(void);
/* Stops the threads after the running jobs; queued jobs are finished too. */
void workers_stop(void);

#endif
