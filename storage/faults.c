/*
 * faults.c: failing allocations on demand, for the fault tests (see faults.h).
 *
 * How it works, kept simple on purpose:
 *   - RT_FAIL_ALLOC=n in the environment at start-up turns it on; without it
 *     (or in a build without -DRT_FAULTS) SQLite keeps its own allocator and
 *     nothing here runs.
 *   - faults_install() reads SQLite's default allocator
 *     (SQLITE_CONFIG_GETMALLOC) and installs a wrapper around it
 *     (SQLITE_CONFIG_MALLOC). Both must happen before sqlite3_initialize,
 *     hence the call at the top of main().
 *   - The wrapper starts disarmed. SIGUSR2 toggles armed. While armed, every
 *     n-th call of xMalloc or xRealloc (counted from the arming, across all
 *     threads) returns NULL, which SQLite reports as SQLITE_NOMEM wherever
 *     it happened. xFree and xSize always work.
 *   - RT_FAIL_STEP=n likewise makes every n-th row read of step_row fail
 *     while armed (faults_fail_row), with or without RT_FAIL_ALLOC.
 *   - Each toggle writes one line on stderr, so a test can wait for it:
 *     "faults: armed (every n-th SQLite allocation fails)" and
 *     "faults: disarmed (F of C allocations failed) (R of S row reads failed)".
 */
#include "faults.h"

#ifdef RT_FAULTS

#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sqlite3_mem_methods base; /* SQLite's own allocator, wrapped */
static unsigned long every;      /* fail every n-th call while armed (0: never) */
static unsigned long every_row;  /* fail every n-th row read while armed (0: never) */
static atomic_int armed;
static atomic_ulong calls, failed, rows, rows_failed;

static _Thread_local int exempt; /* this thread's allocations never fail */

void faults_exempt_thread(void)
{
	exempt = 1;
}

static int fail_now(void)
{
	if (exempt || !atomic_load(&armed) || !every)
		return 0;
	if ((atomic_fetch_add(&calls, 1) + 1) % every != 0)
		return 0;
	atomic_fetch_add(&failed, 1);
	return 1;
}

int faults_fail_row(void)
{
	if (!atomic_load(&armed) || !every_row)
		return 0;
	if ((atomic_fetch_add(&rows, 1) + 1) % every_row != 0)
		return 0;
	atomic_fetch_add(&rows_failed, 1);
	return 1;
}

static void *fault_malloc(int n)
{
	return fail_now() ? NULL : base.xMalloc(n);
}

static void *fault_realloc(void *p, int n)
{
	return fail_now() ? NULL : base.xRealloc(p, n);
}

/* Appends the decimal digits of v to buf at *len (async-signal-safe). */
static void put_num(char *buf, size_t *len, unsigned long v)
{
	char tmp[24];
	size_t k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		buf[(*len)++] = tmp[--k];
}

static void put_str(char *buf, size_t *len, const char *s)
{
	while (*s)
		buf[(*len)++] = *s++;
}

/* SIGUSR2: toggles armed and says so with one write(2). */
static void on_usr2(int sig)
{
	char line[160];
	size_t len = 0;
	(void)sig;
	if (!atomic_load(&armed)) {
		atomic_store(&calls, 0);
		atomic_store(&failed, 0);
		atomic_store(&rows, 0);
		atomic_store(&rows_failed, 0);
		atomic_store(&armed, 1);
		put_str(line, &len, "faults: armed (every ");
		put_num(line, &len, every);
		put_str(line, &len, "-th SQLite allocation fails, every ");
		put_num(line, &len, every_row);
		put_str(line, &len, "-th row read; 0: none)\n");
	} else {
		atomic_store(&armed, 0);
		put_str(line, &len, "faults: disarmed (");
		put_num(line, &len, atomic_load(&failed));
		put_str(line, &len, " of ");
		put_num(line, &len, atomic_load(&calls));
		put_str(line, &len, " allocations failed) (");
		put_num(line, &len, atomic_load(&rows_failed));
		put_str(line, &len, " of ");
		put_num(line, &len, atomic_load(&rows));
		put_str(line, &len, " row reads failed)\n");
	}
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nothing to do: the state changed anyway */
	}
}

/* A positive number from the environment variable name, else 0. */
static unsigned long env_every(const char *name)
{
	const char *env = getenv(name);
	unsigned long n;
	char *end;
	if (!env || !*env)
		return 0;
	n = strtoul(env, &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "faults: %s=%s is not a positive number; ignored\n", name, env);
		return 0;
	}
	return n;
}

void faults_install(void)
{
	sqlite3_mem_methods wrapped;
	struct sigaction sa;

	every = env_every("RT_FAIL_ALLOC");
	every_row = env_every("RT_FAIL_STEP");
	if (!every && !every_row)
		return;
	if (!every)
		goto signal;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base) != SQLITE_OK) {
		fprintf(stderr, "faults: SQLite is already initialized; no faults\n");
		return;
	}
	wrapped = base;
	wrapped.xMalloc = fault_malloc;
	wrapped.xRealloc = fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) != SQLITE_OK) {
		fprintf(stderr, "faults: could not install the allocator; no faults\n");
		return;
	}
signal:
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	fprintf(stderr, "faults: ready (RT_FAIL_ALLOC=%lu, RT_FAIL_STEP=%lu; SIGUSR2 arms and disarms)\n", every,
	        every_row);
}

#else

void faults_exempt_thread(void)
{
}

void faults_install(void)
{
}

#endif
