/*
 * dispatch.h: from one parsed request to one reply. The op table names every
 * operation with its handler, the checks it needs (signed in, server admin,
 * member of the coalition named by the `coalition` argument, roles, writes)
 * and its arguments' types and lengths. dispatch checks all of that in one
 * place, runs the handler inside a transaction, and once that transaction is
 * committed (on disk) sends the reply and fans out the handler's events.
 *
 * Group commit: the requests that arrive during one turn of the event loop
 * are queued, then run in arrival order in ONE transaction, each inside its
 * own savepoint (a failing request rolls back only its own changes). One
 * COMMIT, one fsync, then every reply. Nothing is answered, and no event
 * leaves, before the commit that holds it; no other code ever sees the
 * transaction open, because it begins and ends within one call.
 */
#ifndef RT_DISPATCH_H
#define RT_DISPATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store_events.h"

struct session;
struct server;
struct pending_event;
struct req_hook;

enum op_flags {
	OP_AUTH = 1 << 0,   /* needs a signed-in connection */
	OP_WRITE = 1 << 1,  /* changes data: write transaction, idempotency key */
	OP_ADMIN = 1 << 2,  /* server administrators only */
	OP_MEMBER = 1 << 3, /* args.coalition must name a coalition the caller belongs to */
	OP_NOTXN = 1 << 4,  /* the handler manages its own transactions (async work) */
	OP_HEAVY = 1 << 5   /* costly on the loop (mou.diff): ends its connection's burst */
};

enum arg_type { A_STR = 1, A_INT, A_BOOL, A_ARR, A_OBJ, A_NUM, A_ANY };

struct arg_spec {
	const char *name;
	int type;
	int required;
	size_t max; /* A_STR: bytes; A_ARR: elements; A_INT: largest value (0: any).
	             * A_INT values are ids and counts: never negative. */
};

#define MAX_ARGS 16

/* One request being handled. The handler reads args, fills data or fails with
 * req_fail, and appends its events with req_event. */
struct req {
	struct server *srv;
	struct session *sess;   /* borrowed; NULL for internal callers */
	const char *op;
	json_t *id;             /* borrowed */
	json_t *args;           /* borrowed */
	int64_t member_id;      /* 0 when not signed in */
	int is_admin;
	int64_t coalition_id;   /* resolved for OP_MEMBER ops */
	unsigned roles;         /* the caller's roles in that coalition */

	json_t *data;           /* reply data, owned */
	int err;
	char msg[256];
	const char *field;
	json_t *err_data;       /* owned */

	struct pending_event *events, **events_tail;
	/* run once the outcome is known (req_on_commit, req_on_rollback) */
	struct req_hook *on_commit, **on_commit_tail, *on_rollback;

	char *key;              /* idempotency key, owned */
	char *key_arg;          /* the key as sent (queued requests), owned */
	int write;              /* the op changes data */
	int in_txn;             /* a transaction is open */
	int replayed;           /* data is a stored first reply */
	int system;             /* run by the daemon itself (timers), not a member */
	int pending;            /* a background job owns the request now */
	const struct op *def;   /* the op, once found */
	struct req *next;       /* in the group-commit queue */
	struct timespec t0;     /* when the transaction began (for metrics) */

	/* effects on the connection, applied after a successful commit */
	int64_t subscribe_coalition, subscribe_since, subscribe_since_private;
	int sign_in;            /* 1 sign in as sign_in_member, -1 sign out */
	int64_t sign_in_member;
	unsigned char sign_in_token[32];
};

typedef int (*op_handler)(struct req *r);

struct op {
	const char *name;
	op_handler fn;
	unsigned flags;
	unsigned roles; /* with OP_MEMBER: any of these roles (0: any member) */
	struct arg_spec args[MAX_ARGS];
};

/* Handles one complete text message of a session. */
void dispatch_message(struct session *s, const char *text, size_t len);
/* Queues an already parsed request (used by dispatch_message and tests) for
 * the next group commit. Steals nothing. Without an event loop (srv->ctx
 * NULL: tests, fuzzing) the request is run at once. */
void dispatch_request(struct session *s, json_t *id, const char *op, json_t *args, const char *key);
/* Runs every queued request now in one transaction, commits, replies. The
 * event loop calls it once per turn; call it before shutting down. */
void dispatch_flush(struct server *srv);

/* Fails the request: sets code, message (printf format) and field; returns err. */
int req_fail(struct req *r, int err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends an event to the coalition's log inside the transaction and queues
 * it for fan-out after the commit. payload is stolen. Returns RT_OK or an error. */
int req_event(struct req *r, int64_t coalition_id, const char *type, int audience,
              int64_t audience_member, int64_t actor, json_t *payload);
/* Checks the caller belongs to the coalition with one of roles (0: any);
 * sets r->roles. RT_ENOTFOUND for non-members (existence is not revealed),
 * RT_EFORBIDDEN for a missing role; the failure is recorded in r. */
int req_require_member(struct req *r, int64_t coalition_id, unsigned roles);

/* Commit and rollback hooks: state kept outside the database (a git
 * branch, a cache, a flag for the tick) that a handler changes must follow
 * the request's outcome. fn(arg) registered with req_on_commit runs after
 * the COMMIT that holds the request's changes (hooks of a batch in request
 * order, each request's in registration order); one registered with
 * req_on_rollback runs when they are undone: at once when the request's
 * savepoint is rolled back (before the next request of the batch runs), or
 * when the whole batch fails (requests in reverse order, each request's
 * hooks newest first). Exactly one of the two lists of a request runs, once;
 * to free arg either way, register it with both. A read that succeeded runs
 * its commit hooks. Returns RT_OK, or RT_EINTERNAL (out of memory; nothing
 * registered, the request failed). */
int req_on_commit(struct req *r, void (*fn)(void *arg), void *arg);
int req_on_rollback(struct req *r, void (*fn)(void *arg), void *arg);

/* Drops the request's idempotency key: its reply will not be stored by
 * member. For requests whose reply would link the member to what must stay
 * unlinkable (an anonymous message, a secret ballot); such an area keeps its
 * own sealed record if it wants retries answered. */
void req_forget_key(struct req *r);

/* Runs the commit-and-reply half of dispatch for a request whose handler
 * finished asynchronously: commits or rolls back, replies, fans out, applies
 * connection effects, frees r's contents. */
void dispatch_finish(struct req *r);

/* Looks an op up by name (NULL if unknown). */
const struct op *dispatch_find(const char *name);

/* Runs an op synchronously as a member, with every check of the op table, in
 * one transaction; events are fanned out after the commit. For the demo,
 * tests and internal callers without a connection. *data (if not NULL)
 * receives the reply data (caller owns it). Returns RT_OK or an rt_err;
 * the error message is written to msg if not NULL. */
int dispatch_call(struct server *srv, int64_t member_id, const char *op, json_t *args,
                  json_t **data, char msg[256]);
/* Runs a handler as the daemon itself (r->system = 1, no member), in one
 * write transaction, then fans out its events: for deadlines reached. */
int dispatch_system(struct server *srv, op_handler fn, json_t *args, json_t **data);

#endif
