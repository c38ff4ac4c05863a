/*
 * dispatch.c: parse, check, run, commit, reply, fan out (see dispatch.h).
 */
#include "dispatch.h"
#include "db.h"
#include "events.h"
#include "frame.h"
#include "metrics.h"
#include "ops.h"
#include "rt.h"
#include "server.h"
#include "session.h"
#include "store_events.h"
#include "store_idem.h"
#include "store_members.h"

#include <libwebsockets.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX 128

const struct op *dispatch_find(const char *name)
{
	for (size_t t = 0; t < RT_OP_TABLES; t++)
		for (const struct op *op = rt_op_tables[t]; op && op->name; op++)
			if (strcmp(op->name, name) == 0)
				return op;
	return NULL;
}

int req_fail(struct req *r, int err, const char *field, const char *fmt, ...)
{
	va_list ap;
	r->err = err;
	r->field = field;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	return err;
}

struct req_hook {
	void (*fn)(void *arg);
	void *arg;
	struct req_hook *next;
};

static struct req_hook *hook_new(struct req *r, void (*fn)(void *arg), void *arg)
{
	struct req_hook *h = calloc(1, sizeof *h);
	if (!h) {
		req_fail(r, RT_EINTERNAL, NULL, "out of memory");
		return NULL;
	}
	h->fn = fn;
	h->arg = arg;
	return h;
}

int req_on_commit(struct req *r, void (*fn)(void *arg), void *arg)
{
	struct req_hook *h = hook_new(r, fn, arg);
	if (!h)
		return RT_EINTERNAL;
	if (!r->on_commit_tail)
		r->on_commit_tail = &r->on_commit;
	*r->on_commit_tail = h;
	r->on_commit_tail = &h->next;
	return RT_OK;
}

int req_on_rollback(struct req *r, void (*fn)(void *arg), void *arg)
{
	struct req_hook *h = hook_new(r, fn, arg);
	if (!h)
		return RT_EINTERNAL;
	h->next = r->on_rollback; /* newest first */
	r->on_rollback = h;
	return RT_OK;
}

/* Runs the request's commit hooks (committed) or its rollback hooks, and
 * drops both lists: each request's hooks run once. */
static void run_hooks(struct req *r, int committed)
{
	struct req_hook *run = committed ? r->on_commit : r->on_rollback;
	struct req_hook *drop = committed ? r->on_rollback : r->on_commit, *next;

	r->on_commit = r->on_rollback = NULL;
	r->on_commit_tail = NULL;
	for (; run; run = next) {
		next = run->next;
		run->fn(run->arg);
		free(run);
	}
	for (; drop; drop = next) {
		next = drop->next;
		free(drop);
	}
}

void req_forget_key(struct req *r)
{
	free(r->key);
	r->key = NULL;
}

int req_require_member(struct req *r, int64_t coalition_id, unsigned roles)
{
	unsigned have = 0;
	int err = store_membership_roles(r->srv->db, coalition_id, r->member_id, &have);
	if (err == RT_ENOTFOUND)
		return req_fail(r, RT_ENOTFOUND, "coalition", "no such coalition, or you are not a member of it");
	if (err)
		return req_fail(r, err, NULL, "could not read your membership");
	r->coalition_id = coalition_id;
	r->roles = have;
	if (roles && !(have & roles)) {
		json_t *list = roles_to_json(roles);
		char *names = json_dumps(list, JSON_COMPACT);
		req_fail(r, RT_EFORBIDDEN, NULL, "this needs one of the roles %s", names ? names : "?");
		free(names);
		json_decref(list);
		return RT_EFORBIDDEN;
	}
	return RT_OK;
}

int req_event(struct req *r, int64_t coalition_id, const char *type, int audience,
              int64_t audience_member, int64_t actor, json_t *payload)
{
	struct event_row ev = { .coalition_id = coalition_id, .type = type, .audience = audience,
	                        .audience_member = audience_member, .actor = actor };
	struct pending_event *pe = NULL;
	char *text = NULL, slug[128];
	int err = RT_EINTERNAL;

	if (!payload || !(text = json_dumps(payload, JSON_COMPACT)))
		goto done;
	ev.payload = text;
	if ((err = store_event_append(r->srv->db, &ev)) != RT_OK ||
	    (err = store_coalition_slug(r->srv->db, coalition_id, slug, sizeof slug)) != RT_OK)
		goto done;
	err = RT_EINTERNAL;
	if (!(pe = calloc(1, sizeof *pe)) || !(pe->frame = events_frame(slug, &ev)))
		goto done;
	pe->coalition_id = coalition_id;
	pe->seq = ev.wire_seq;
	pe->audience = audience;
	pe->audience_member = audience_member;
	if (strcmp(type, "member.updated") == 0) {
		json_t *m = json_object_get(payload, "member");
		pe->member_updated = json_integer_value(json_object_get(m, "id"));
		roles_from_json(&pe->roles_updated, json_object_get(m, "roles"));
	}
	*r->events_tail = pe;
	r->events_tail = &pe->next;
	pe = NULL;
	err = RT_OK;
done:
	if (err)
		req_fail(r, err, NULL, "could not record the change");
	if (pe)
		frame_unref(pe->frame);
	free(pe);
	free(text);
	json_decref(payload);
	return err;
}

static const char *type_name(int t)
{
	switch (t) {
	case A_STR: return "a string";
	case A_INT: return "an integer";
	case A_BOOL: return "true or false";
	case A_ARR: return "an array";
	case A_OBJ: return "an object";
	case A_NUM: return "a number";
	}
	return "a value";
}

static int type_ok(int t, const json_t *v)
{
	switch (t) {
	case A_STR: return json_is_string(v);
	case A_INT: return json_is_integer(v);
	case A_BOOL: return json_is_boolean(v);
	case A_ARR: return json_is_array(v);
	case A_OBJ: return json_is_object(v);
	case A_NUM: return json_is_number(v);
	}
	return 1;
}

/* Checks args against the op's spec: no unknown names, types, required, sizes. */
static int check_args(struct req *r, const struct op *op)
{
	const char *name;
	json_t *v;

	json_object_foreach(r->args, name, v) {
		const struct arg_spec *a = NULL;
		for (int i = 0; i < MAX_ARGS && op->args[i].name; i++)
			if (strcmp(op->args[i].name, name) == 0)
				a = &op->args[i];
		if (!a)
			return req_fail(r, RT_EBADREQ, NULL, "%s takes no argument named '%.64s'", op->name, name);
		if (json_is_null(v) && !a->required)
			continue; /* null means absent for optional arguments */
		if (!type_ok(a->type, v))
			return req_fail(r, RT_EBADREQ, a->name, "%s must be %s", a->name, type_name(a->type));
		if (a->type == A_STR && a->max && json_string_length(v) > a->max)
			return req_fail(r, RT_ETOOLARGE, a->name, "%s is longer than %zu bytes", a->name, a->max);
		if (a->type == A_STR && !rt_text_ok(json_string_value(v)))
			return req_fail(r, RT_EBADREQ, a->name, "%s contains control characters", a->name);
		if (a->type == A_ARR && a->max && json_array_size(v) > a->max)
			return req_fail(r, RT_ETOOLARGE, a->name, "%s has more than %zu items", a->name, a->max);
		if (a->type == A_INT && json_integer_value(v) < 0)
			return req_fail(r, RT_EBADREQ, a->name, "%s must not be negative", a->name);
		if (a->type == A_INT && a->max && json_integer_value(v) > (json_int_t)a->max)
			return req_fail(r, RT_EBADREQ, a->name, "%s must be at most %zu", a->name, a->max);
	}
	for (int i = 0; i < MAX_ARGS && op->args[i].name; i++) {
		v = json_object_get(r->args, op->args[i].name);
		if (op->args[i].required && (!v || json_is_null(v)))
			return req_fail(r, RT_EBADREQ, op->args[i].name, "%s is required", op->args[i].name);
	}
	return RT_OK;
}

static void req_free(struct req *r)
{
	run_hooks(r, r->err == RT_OK); /* normally run already: then a no-op */
	events_free_pending(r->events);
	json_decref(r->data);
	json_decref(r->err_data);
	json_decref(r->id);
	json_decref(r->args);
	if (r->sess)
		session_unref(r->sess);
	free(r->key);
	free(r->key_arg);
	free(r);
}

/* The checks that need no database: the op exists, sign-in, arguments,
 * administrator, the key. Sets r->def; returns RT_OK or r->err. */
static int precheck(struct req *r, const char *opname, const char *key)
{
	const struct op *op;

	if (!(op = dispatch_find(opname)))
		return req_fail(r, RT_EBADREQ, "op", "unknown op '%.64s'", opname);
	r->def = op;
	r->op = op->name;
	r->write = (op->flags & OP_WRITE) != 0;
	if ((op->flags & OP_AUTH) && !r->member_id)
		return req_fail(r, RT_EUNAUTH, NULL, "sign in first");
	if (check_args(r, op) != RT_OK)
		return r->err;
	if ((op->flags & OP_ADMIN) && !r->is_admin)
		return req_fail(r, RT_EFORBIDDEN, NULL, "only a server administrator may do this");
	if (key && r->write && r->member_id) {
		if (strlen(key) > KEY_MAX || !*key)
			return req_fail(r, RT_EBADREQ, "key", "key must be 1 to %d bytes", KEY_MAX);
		if (!(r->key = strdup(key)))
			return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	return RT_OK;
}

/* Runs a prechecked request inside the open transaction (ops flagged
 * OP_NOTXN run their own): the key's first reply if this is a retry, else
 * membership and the handler. Returns RT_PENDING when a background job now
 * owns r, otherwise r->err holds the outcome. */
static int execute(struct req *r)
{
	struct db *db = r->srv->db;
	const struct op *op = r->def;
	char *stored = NULL;
	int err;

	if (op->flags & OP_NOTXN) {
		err = op->fn(r);
		if (err != RT_PENDING)
			r->err = err;
		return err;
	}
	if (r->key) {
		char first_op[64] = "";
		if (store_idem_get(db, r->member_id, r->key, &stored, first_op, sizeof first_op) != RT_OK)
			return req_fail(r, RT_EINTERNAL, NULL, "could not read the key");
		if (stored && strcmp(first_op, op->name) != 0) {
			free(stored);
			return req_fail(r, RT_ECONFLICT, "key", "this key was used for %s; use a new key", first_op);
		}
		if (stored) { /* a retry: the first reply again, nothing changes */
			r->data = json_loads(stored, 0, NULL);
			free(stored);
			free(r->key);
			r->key = NULL;
			r->replayed = 1;
			return RT_OK;
		}
	}
	if (op->flags & OP_MEMBER) {
		int64_t cid;
		const char *slug = json_string_value(json_object_get(r->args, "coalition"));
		if (!slug || store_coalition_id(db, slug, &cid) != RT_OK)
			return req_fail(r, RT_ENOTFOUND, "coalition", "no such coalition, or you are not a member of it");
		if (req_require_member(r, cid, op->roles) != RT_OK)
			return r->err;
	}
	return r->err = op->fn(r);
}

/* Records a successful request's first reply under its key, in the open
 * transaction, so that a retry gets it again. */
static void remember_reply(struct req *r)
{
	char *text;
	if (r->err != RT_OK || !r->key)
		return;
	text = json_dumps(r->data ? r->data : json_object(), JSON_COMPACT);
	if (!text || store_idem_put(r->srv->db, r->member_id, r->key, r->op, text) != RT_OK)
		req_fail(r, RT_EINTERNAL, NULL, "could not record the key");
	free(text);
}

static struct req *req_new(struct server *srv, struct session *s, json_t *id, json_t *args)
{
	struct req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->srv = srv;
	r->sess = s ? session_ref(s) : NULL;
	r->id = json_incref(id);
	r->args = args ? json_incref(args) : json_object();
	r->events_tail = &r->events;
	return r;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Ends a request that ran alone in its own transaction (async work,
 * dispatch_call, dispatch_system): commits or rolls back by its outcome. */
static void settle(struct req *r)
{
	struct db *db = r->srv->db;
	metrics_request(r->op, r->err);
	if (!r->in_txn) {
		run_hooks(r, r->err == RT_OK);
		return;
	}
	remember_reply(r);
	if (r->err == RT_OK && !r->replayed && r->write) {
		if (db_commit(db) != RT_OK)
			req_fail(r, RT_EINTERNAL, NULL, "the change could not be saved");
	} else {
		db_rollback(db);
	}
	r->in_txn = 0;
	run_hooks(r, r->err == RT_OK);
	if (r->t0.tv_sec)
		metrics_txn(seconds_since(&r->t0), 1);
}

/* The half after the commit: the reply, signing in or out, the events.
 * Following a coalition is left to follow(), which must come after every
 * event of the same commit is out: its replay reads them from the database,
 * so they must not also reach it live. */
static void respond(struct req *r)
{
	struct session *s = r->sess;
	struct db *db = r->srv->db;

	if (r->err != RT_OK) {
		if (!s->closed)
			session_reply_err(s, r->id, r->err, r->msg, r->field, r->err_data);
		else
			json_decref(r->err_data); /* the reply would have stolen it */
		r->err_data = NULL;
		return;
	}
	if (!s->closed) {
		session_reply_ok(s, r->id, r->data);
		r->data = NULL;
		if (r->sign_in)
			session_sign_in(s, r->sign_in > 0 ? r->sign_in_member : 0,
			                r->sign_in > 0 ? store_member_is_admin(db, r->sign_in_member) : 0,
			                r->sign_in > 0 ? r->sign_in_token : NULL);
	}
	for (struct pending_event *ev = r->events; ev; ev = ev->next)
		events_publish(ev);
	if (r->sign_in < 0 && r->sign_in_member)
		server_end_session(r->srv, r->sign_in_token);
}

/* Subscribes the connection if the request asked to; frees r. */
static void follow(struct req *r)
{
	if (r->err == RT_OK && r->subscribe_coalition && !r->sess->closed)
		events_subscribe(r->sess, r->subscribe_coalition, r->roles, r->subscribe_since,
		                 r->subscribe_since_private);
	req_free(r);
}

/* Ends a request without a connection: settle, fan out, hand back data. */
static int finish_detached(struct req *r, json_t **data, char msg[256])
{
	int err;
	settle(r);
	err = r->err;
	if (err == RT_OK) {
		for (struct pending_event *ev = r->events; ev; ev = ev->next)
			events_publish(ev);
		if (data) {
			*data = r->data ? r->data : json_object();
			r->data = NULL;
		}
	} else if (msg) {
		snprintf(msg, 256, "%s", r->msg);
	}
	req_free(r);
	return err;
}

/* Runs a request alone in its own transaction, for callers without a
 * connection. Returns like execute. */
static int run_alone(struct req *r, const char *opname)
{
	if (precheck(r, opname, NULL) != RT_OK)
		return r->err;
	if (!(r->def->flags & OP_NOTXN)) {
		if (db_begin(r->srv->db, r->write) != RT_OK)
			return req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
		r->in_txn = 1;
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
	}
	return execute(r);
}

int dispatch_call(struct server *srv, int64_t member_id, const char *op, json_t *args,
                  json_t **data, char msg[256])
{
	struct req *r = req_new(srv, NULL, NULL, args);
	if (data)
		*data = NULL;
	if (!r)
		return RT_EINTERNAL;
	r->member_id = member_id;
	r->is_admin = member_id ? store_member_is_admin(srv->db, member_id) : 0;
	if (run_alone(r, op) == RT_PENDING)
		return RT_EINTERNAL; /* async ops (sign-in) are not callable this way */
	return finish_detached(r, data, msg);
}

int dispatch_system(struct server *srv, op_handler fn, json_t *args, json_t **data)
{
	struct req *r = req_new(srv, NULL, NULL, args);
	if (data)
		*data = NULL;
	if (!r)
		return RT_EINTERNAL;
	r->system = 1;
	r->write = 1;
	r->op = "system";
	if (db_begin(srv->db, 1) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
	} else {
		r->in_txn = 1;
		r->err = fn(r);
	}
	return finish_detached(r, data, NULL);
}

void dispatch_finish(struct req *r)
{
	settle(r);
	respond(r);
	follow(r);
}

/* The group-commit queue: requests received since the last flush, in order. */
#define BATCH_MAX 1024 /* flush at once past this many */

static struct {
	struct req *head, **tail;
	size_t n;
	struct server *srv;
	int scheduled;
	lws_sorted_usec_list_t sul;
} batch = { .tail = &batch.head };

/* Runs one request of the batch in its savepoint; returns 1 if it left a
 * change to commit, 0 if not, -1 if its savepoint could not be ended (its
 * changes may still be in the transaction, which must not commit). A
 * request that failed has run its rollback hooks when this returns. */
static int batch_one(struct db *db, struct req *r)
{
	int keep;

	if (r->sess && r->sess->batch_signed && r->def &&
	    (r->member_id != r->sess->batch_member || r->is_admin != r->sess->batch_admin)) {
		/* an earlier request of this batch signed the session in or out */
		free(r->key);
		r->key = NULL;
		r->err = RT_OK;
		r->field = NULL;
		r->member_id = r->sess->batch_member;
		r->is_admin = r->sess->batch_admin;
		precheck(r, r->def->name, r->key_arg);
	}
	if (r->err)
		return 0;
	if (db_savepoint(db) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
		return db_txn_lost(db) ? -1 : 0; /* -1: the earlier requests' changes are gone */
	}
	if (execute(r) == RT_PENDING)
		r->pending = 1;
	else
		remember_reply(r);
	if (r->err == RT_OK && r->sign_in && r->sess) {
		/* requests queued behind it run as who the session now is */
		r->sess->batch_signed = 1;
		r->sess->batch_member = r->sign_in > 0 ? r->sign_in_member : 0;
		r->sess->batch_admin = r->sign_in > 0 && store_member_is_admin(db, r->sign_in_member);
	}
	keep = r->err == RT_OK && !r->replayed && (r->write || r->pending);
	if (db_savepoint_end(db, keep) != RT_OK) {
		req_fail(r, RT_EINTERNAL, NULL, "the change could not be saved");
		keep = -1;
	}
	if (keep <= 0) { /* nothing of a failed request leaves: not its events either */
		events_free_pending(r->events);
		r->events = NULL;
		r->events_tail = &r->events;
	}
	if (r->err && !r->pending)
		run_hooks(r, 0);
	RT_CRASH_POINT("batch.request");
	return keep;
}

/* Fails every request from r up to stop (excluded) that had succeeded (the
 * transaction holding their changes is gone), latest first, running their
 * rollback hooks. */
static void fail_kept(struct req *r, struct req *stop)
{
	if (r == stop)
		return;
	fail_kept(r->next, stop);
	if (!r->err && !r->pending) {
		req_fail(r, RT_EINTERNAL, NULL, "the change could not be saved");
		events_free_pending(r->events);
		r->events = NULL;
		r->events_tail = &r->events;
		run_hooks(r, 0);
	}
}

void dispatch_flush(struct server *srv)
{
	struct db *db = srv->db;
	struct req *list = batch.head, *r, *next, *first;
	struct timespec t0;
	size_t n = batch.n;
	int writes = 0, changed = 0, open;

	batch.head = NULL;
	batch.tail = &batch.head;
	batch.n = 0;
	batch.scheduled = 0;
	if (!list)
		return;
	for (r = list; r; r = r->next) /* failed ones too: a sign-in may revive them */
		writes |= r->def && (r->def->flags & OP_WRITE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	open = db_begin(db, writes) == RT_OK;
	for (r = list, first = list; r; r = r->next) {
		int kept;
		if (!open && !r->err) {
			req_fail(r, RT_EINTERNAL, NULL, "the database is unavailable");
		} else if ((kept = batch_one(db, r)) >= 0) {
			changed |= kept;
		} else { /* undo the whole transaction, go on in a new one */
			db_rollback(db);
			fail_kept(first, r);
			changed = 0;
			first = r->next;
			open = db_begin(db, writes) == RT_OK;
		}
	}
	if (open) {
		RT_CRASH_POINT("batch.commit");
		if (!changed)
			db_rollback(db);
		else if (db_commit(db) != RT_OK)
			fail_kept(first, NULL);
		RT_CRASH_POINT("batch.committed");
		metrics_txn(seconds_since(&t0), n);
	}
	for (r = list; r; r = r->next) /* after the COMMIT, in request order */
		if (!r->pending)
			run_hooks(r, r->err == RT_OK);
	for (r = list; r; r = r->next)
		if (!r->pending) { /* a pending request's job replies when done */
			metrics_request(r->op, r->err);
			respond(r);
		}
	for (r = list; r; r = next) {
		next = r->next;
		if (r->sess)
			r->sess->batch_signed = 0;
		if (!r->pending)
			follow(r);
	}
}

static void on_flush(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	dispatch_flush(batch.srv);
}

void dispatch_request(struct session *s, json_t *id, const char *opname, json_t *args, const char *key)
{
	struct server *srv = s->srv;
	struct req *r = req_new(srv, s, id, args);
	if (!r) {
		session_reply_err(s, id, RT_EINTERNAL, "out of memory", NULL, NULL);
		return;
	}
	r->member_id = s->member_id;
	r->is_admin = s->is_admin;
	precheck(r, opname, key);
	if (r->def && (r->def->flags & OP_HEAVY))
		session_rx_heavy(s); /* one such request per connection per turn */
	if (key && !(r->key_arg = strdup(key)))
		req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	*batch.tail = r;
	batch.tail = &r->next;
	batch.srv = srv;
	if (++batch.n >= BATCH_MAX || !srv->ctx) {
		dispatch_flush(srv);
	} else if (!batch.scheduled) {
		/* runs at the start of the loop's next turn, after every
		 * connection made readable by this poll has been read */
		batch.scheduled = 1;
		lws_sul_schedule(srv->ctx, 0, &batch.sul, on_flush, 0);
	}
}

void dispatch_message(struct session *s, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *id, *op, *args, *key;

	if (!msg) {
		session_reply_err(s, NULL, RT_EBADREQ, "the message is not valid JSON", NULL, NULL);
		return;
	}
	if (!json_is_object(msg)) {
		session_reply_err(s, NULL, RT_EBADREQ, "the message must be a JSON object", NULL, NULL);
		goto done;
	}
	id = json_object_get(msg, "id");
	op = json_object_get(msg, "op");
	args = json_object_get(msg, "args");
	key = json_object_get(msg, "key");
	if (id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
		session_reply_err(s, NULL, RT_EBADREQ, "id must be an integer or a string", "id", NULL);
		goto done;
	}
	if (!json_is_string(op)) {
		session_reply_err(s, id, RT_EBADREQ, "op must be a string naming an operation", "op", NULL);
		goto done;
	}
	if (args && !json_is_object(args) && !json_is_null(args)) {
		session_reply_err(s, id, RT_EBADREQ, "args must be an object", "args", NULL);
		goto done;
	}
	if (key && !json_is_string(key) && !json_is_null(key)) {
		session_reply_err(s, id, RT_EBADREQ, "key must be a string", "key", NULL);
		goto done;
	}
	dispatch_request(s, id, json_string_value(op), json_is_object(args) ? args : NULL,
	                 json_string_value(key));
done:
	json_decref(msg);
}
