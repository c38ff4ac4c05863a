/*
 * metrics.h: the daemon's counters, rendered for GET /metrics in the
 * Prometheus text format: connections, requests by op and outcome, event
 * deliveries, clients cut off, failed sign-ins, and a histogram of request
 * transaction latency (from BEGIN to COMMIT or ROLLBACK) with the requests
 * each transaction held.
 */
#ifndef RT_METRICS_H
#define RT_METRICS_H

#include <stddef.h>

/* Counts one request of op (a name from the op table, or NULL for an
 * unknown or unreadable one) with its outcome (an rt_err). The ops of the
 * decisions area (decision.*, ballot.cast) share the label "decisions". */
void metrics_request(const char *op, int err);
/* Records how long one transaction took and how many requests it held
 * (a group commit, or one request alone). */
void metrics_txn(double seconds, size_t requests);
void metrics_fanout(void);
void metrics_drop(void);
void metrics_login_failure(void);
/* A connection accept() failed (EMFILE and the like); a second in which
 * new connections waited at the open-file limit. */
void metrics_accept_failure(void);
void metrics_accept_paused(void);
/* The exposition text (malloc'd, caller frees), with the open connections given. */
char *metrics_render(size_t connections);

#endif
