/*
 * faults.h: fault injection for the test build. Only a binary compiled with
 * -DRT_FAULTS (the sanitized build, `make SANITIZE=...`) can inject faults;
 * in any other build faults_install() does nothing.
 *
 * Failing allocations: start the daemon with RT_FAIL_ALLOC=n (n >= 1) in its
 * environment. It starts disarmed; each SIGUSR2 toggles armed/disarmed, and
 * stderr says "faults: armed" or "faults: disarmed (N of M allocations
 * failed)". While armed, every n-th memory allocation SQLite makes fails.
 *
 * Failing row reads: RT_FAIL_STEP=n (alone or with RT_FAIL_ALLOC; the same
 * SIGUSR2 arms both). While armed, every n-th row read of a loop over rows
 * (step_row, storage/stmt.h) fails as a disk read error would, so a list
 * read or a replay of the event log breaks off midway.
 */
#ifndef RT_FAULTS_H
#define RT_FAULTS_H

/* Call first thing in main(), before anything touches SQLite: installs the
 * allocator wrapper and the SIGUSR2 handler when RT_FAIL_ALLOC asks for
 * them. Never fails the program: a bad RT_FAIL_ALLOC is reported and ignored. */
void faults_install(void);
/* Exempts the calling thread: its SQLite allocations never fail and are not
 * counted. The checkpoint thread calls it, so the n-th allocation that
 * fails is the loop's own, the same in every run (the tests replay exact
 * failure points). Does nothing in other builds. */
void faults_exempt_thread(void);

/* Should this row read fail? (step_row asks; always 0 unless armed.) */
#ifdef RT_FAULTS
int faults_fail_row(void);
#else
static inline int faults_fail_row(void)
{
	return 0;
}
#endif

#endif
