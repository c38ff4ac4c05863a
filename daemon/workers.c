/*
 * workers.c: the background thread pool (see workers.h).
 */
#include "workers.h"
#include "server.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_WAITING 64
#define MAX_THREADS 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job *todo, **todo_tail = &todo, *finished;
static int n_waiting, stopping, n_threads;
static pthread_t threads[MAX_THREADS];
static struct server *server;

static void *worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct job *j;
		pthread_mutex_lock(&mu);
		while (!todo && !stopping)
			pthread_cond_wait(&cv, &mu);
		if (!todo) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		j = todo;
		todo = j->next;
		if (!todo)
			todo_tail = &todo;
		n_waiting--;
		pthread_mutex_unlock(&mu);

		j->work(j);

		pthread_mutex_lock(&mu);
		j->next = finished;
		finished = j;
		pthread_mutex_unlock(&mu);
		server_wake(server);
	}
}

int workers_start(struct server *srv, int n)
{
	server = srv;
	stopping = 0;
	for (n_threads = 0; n_threads < n && n_threads < MAX_THREADS; n_threads++)
		if (pthread_create(&threads[n_threads], NULL, worker_main, NULL) != 0)
			return -1;
	return 0;
}

int workers_submit(struct job *j)
{
	pthread_mutex_lock(&mu);
	if (n_waiting >= MAX_WAITING || stopping) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	j->next = NULL;
	*todo_tail = j;
	todo_tail = &j->next;
	n_waiting++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

void workers_drain(void)
{
	struct job *list, *rev = NULL;
	pthread_mutex_lock(&mu);
	list = finished;
	finished = NULL;
	pthread_mutex_unlock(&mu);
	while (list) { /* oldest first */
		struct job *next = list->next;
		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct job *next = rev->next;
		rev->done(rev);
		rev = next;
	}
}

void workers_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	n_threads = 0;
	workers_drain();
}
