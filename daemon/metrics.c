/*
 * metrics.c: counters and their Prometheus exposition (see metrics.h).
 * Everything runs on the event loop thread: no locks.
 */
#include "metrics.h"
#include "rt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_OUTCOMES 11 /* ok and the ten error codes */
#define MAX_OPS 128

static struct op_count {
	const char *op;
	uint64_t n[N_OUTCOMES];
} ops[MAX_OPS];
static size_t n_ops;

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define N_BUCKETS (sizeof buckets / sizeof buckets[0])
static uint64_t bucket_n[N_BUCKETS], txn_count, txn_requests;
static double txn_sum;
static uint64_t fanout, drops, login_failures, accept_failures, accept_paused;

void metrics_request(const char *op, int err)
{
	size_t i;
	int outcome = err > 0 ? 0 : -err;
	if (outcome >= N_OUTCOMES)
		outcome = N_OUTCOMES - 1;
	if (!op)
		op = "unknown";
	/* The decisions area is counted as one: a counter of ballot.cast (or of
	 * decision.verify) would count the ballots of a secret decision with
	 * results after the close as they come. */
	else if (strncmp(op, "decision.", 9) == 0 || strcmp(op, "ballot.cast") == 0)
		op = "decisions";
	for (i = 0; i < n_ops; i++) /* op names are the table's own pointers */
		if (ops[i].op == op || strcmp(ops[i].op, op) == 0)
			break;
	if (i == n_ops) {
		if (n_ops == MAX_OPS)
			return;
		ops[n_ops++].op = op;
	}
	ops[i].n[outcome]++;
}

void metrics_txn(double seconds, size_t requests)
{
	for (size_t i = 0; i < N_BUCKETS; i++)
		if (seconds <= buckets[i])
			bucket_n[i]++;
	txn_count++;
	txn_sum += seconds;
	txn_requests += requests;
}

void metrics_fanout(void)
{
	fanout++;
}

void metrics_drop(void)
{
	drops++;
}

void metrics_login_failure(void)
{
	login_failures++;
}

void metrics_accept_failure(void)
{
	accept_failures++;
}

void metrics_accept_paused(void)
{
	accept_paused++;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *p = realloc(b->p, cap);
		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
}

char *metrics_render(size_t connections)
{
	struct buf b = { 0 };
	add(&b, "# HELP roundtable_connections Open WebSocket connections.\n"
	        "# TYPE roundtable_connections gauge\nroundtable_connections %zu\n", connections);
	add(&b, "# HELP roundtable_requests_total Protocol requests by op and outcome (ok or the error code).\n"
	        "# TYPE roundtable_requests_total counter\n");
	for (size_t i = 0; i < n_ops; i++)
		for (int o = 0; o < N_OUTCOMES; o++)
			if (ops[i].n[o])
				add(&b, "roundtable_requests_total{op=\"%s\",outcome=\"%s\"} %llu\n", ops[i].op,
				    o == 0 ? "ok" : rt_err_code(-o), (unsigned long long)ops[i].n[o]);
	add(&b, "# HELP roundtable_events_fanned_out_total Event deliveries queued to subscribers"
	        " (live events for everyone or conveners).\n"
	        "# TYPE roundtable_events_fanned_out_total counter\nroundtable_events_fanned_out_total %llu\n",
	    (unsigned long long)fanout);
	add(&b, "# HELP roundtable_queue_drops_total Clients cut off because they stopped reading their events.\n"
	        "# TYPE roundtable_queue_drops_total counter\nroundtable_queue_drops_total %llu\n",
	    (unsigned long long)drops);
	add(&b, "# HELP roundtable_login_failures_total Failed sign-ins.\n"
	        "# TYPE roundtable_login_failures_total counter\nroundtable_login_failures_total %llu\n",
	    (unsigned long long)login_failures);
	add(&b, "# HELP roundtable_accept_failures_total Connections that could not be accepted"
	        " (out of file descriptors: each was accepted and closed at once).\n"
	        "# TYPE roundtable_accept_failures_total counter\nroundtable_accept_failures_total %llu\n",
	    (unsigned long long)accept_failures);
	add(&b, "# HELP roundtable_accept_paused_seconds_total Seconds new connections waited, at the"
	        " open-file limit, for others to close.\n"
	        "# TYPE roundtable_accept_paused_seconds_total counter\nroundtable_accept_paused_seconds_total %llu\n",
	    (unsigned long long)accept_paused);
	add(&b, "# HELP roundtable_transaction_requests_total Requests run in transactions; divided by\n"
	        "# roundtable_transaction_seconds_count, the mean size of a group commit.\n"
	        "# TYPE roundtable_transaction_requests_total counter\nroundtable_transaction_requests_total %llu\n",
	    (unsigned long long)txn_requests);
	add(&b, "# HELP roundtable_transaction_seconds Time from BEGIN to COMMIT or ROLLBACK of a transaction.\n"
	        "# TYPE roundtable_transaction_seconds histogram\n");
	for (size_t i = 0; i < N_BUCKETS; i++)
		add(&b, "roundtable_transaction_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
		    (unsigned long long)bucket_n[i]);
	add(&b, "roundtable_transaction_seconds_bucket{le=\"+Inf\"} %llu\n"
	        "roundtable_transaction_seconds_sum %.6f\nroundtable_transaction_seconds_count %llu\n",
	    (unsigned long long)txn_count, txn_sum, (unsigned long long)txn_count);
	return b.p;
}
