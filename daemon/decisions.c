/*
 * decisions.c: decision votes (see decisions.h). Handlers check who may do
 * what and when, storage keeps the rows, tally.c counts.
 *
 * Secret ballots in short (the full design and its limits are in
 * docs/protocol.md): a secret ballot's row holds its choice and
 * reason, a ballot id = BLAKE2b(receipt) and an owner tag = BLAKE2b keyed by
 * the receipt over (decision, member) -- no member id, no organization, no
 * time. The receipt (32 random bytes) goes only to the voter. Whether a voter
 * (or organization) has voted is a separate tag, BLAKE2b keyed by a
 * per-database secret over (decision, voter), with no link to any ballot. To
 * change a secret ballot the voter sends its receipt back; the server finds
 * the row by the receipt's hash and checks the owner tag. Events of secret
 * ballots name nobody, and the generic idempotency table (which stores the
 * reply next to the member id) is bypassed: a retry is answered from a record
 * sealed under a key derived from the client's idempotency key.
 */
#include "decisions.h"
#include "db.h"
#include "rt.h"
#include "server.h"
#include "store_decisions.h"
#include "store_events.h"
#include "store_members.h"
#include "store_mou.h"
#include "tally.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLOSES_MAX_SECONDS (5LL * 366 * 24 * 3600)

static const char *arg_str(struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->args, name));
}

static int64_t arg_int(struct req *r, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(r->args, name));
}

static int arg_bool(struct req *r, const char *name)
{
	return json_is_true(json_object_get(r->args, name));
}

/* Still taking ballots: open and before closes_at (the timer may lag a second). */
static int decision_open_now(const struct decision_row *d)
{
	char now[21];
	rt_now(now);
	return d->is_open && strcmp(now, d->closes_at) < 0;
}

/* Results may be shown: live, or closed. */
static int results_visible(const struct decision_row *d)
{
	return !d->is_open || strcmp(d->results, "live") == 0;
}

/* ---- hashing ---------------------------------------------------------- */

static void put_i64(crypto_generichash_state *s, int64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	crypto_generichash_update(s, b, sizeof b);
}

/* BLAKE2b-256 keyed by key over label, decision, member and text (each
 * length-delimited), into out. */
static void keyed_hash(unsigned char out[32], const unsigned char key[32], const char *label, int64_t decision,
                       int64_t member, const char *text)
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, key, key ? 32 : 0, 32);
	crypto_generichash_update(&s, (const unsigned char *)label, strlen(label) + 1);
	put_i64(&s, decision);
	put_i64(&s, member);
	if (text) {
		put_i64(&s, (int64_t)strlen(text));
		crypto_generichash_update(&s, (const unsigned char *)text, strlen(text));
	}
	crypto_generichash_final(&s, out, 32);
}

/* The ballot id of a receipt: an unkeyed hash, so a row is found by it. */
static void ballot_id_of(unsigned char out[32], const unsigned char receipt[32])
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, NULL, 0, 32);
	crypto_generichash_update(&s, (const unsigned char *)"rt.ballot", 10);
	crypto_generichash_update(&s, receipt, 32);
	crypto_generichash_final(&s, out, 32);
}

/* The owner tag of a secret ballot: only computable with the receipt. */
static void owner_of(unsigned char out[32], const unsigned char receipt[32], int64_t decision, int64_t member)
{
	keyed_hash(out, receipt, "rt.owner", decision, member, NULL);
}

/* What decision_replaced keeps of a replaced ballot (in its ballot_id
 * column): a tag bound to the voter, so that a receipt verifies as
 * "replaced" for the member who cast it and for nobody else (anyone else
 * holding it gets not_found, as for a receipt that names nothing: a receipt
 * shown to someone must not tell them that its voter changed their ballot).
 * A secret ballot's tag is its owner tag (owner_of), computable only with
 * the receipt, which is never stored; an open ballot, whose row names its
 * voter anyway, is tagged by its ballot id and the voter. */
static void replaced_tag(unsigned char out[32], const struct decision_row *d, const unsigned char receipt[32],
                         const unsigned char ballot_id[32], int64_t member)
{
	if (d->secret)
		owner_of(out, receipt, d->id, member);
	else
		keyed_hash(out, ballot_id, "rt.replaced", d->id, member, NULL);
}

/* The database secret; made (inside a write transaction) when create is set.
 * RT_ENOTFOUND if there is none yet and create is not set. */
static int db_secret(struct db *db, unsigned char key[32], int create)
{
	int err = store_decision_secret_get(db, key);
	if (err == RT_ENOTFOUND && create) {
		randombytes_buf(key, 32);
		err = store_decision_secret_put(db, key);
	}
	return err;
}

static void receipt_text(char out[44], const unsigned char receipt[32])
{
	sodium_bin2base64(out, 44, receipt, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes a receipt argument; RT_EBADREQ (recorded in r) if malformed. */
static int receipt_parse(struct req *r, const char *text, unsigned char out[32])
{
	size_t n = 0;
	if (!text || sodium_base642bin(out, 32, text, strlen(text), NULL, &n, NULL,
	                               sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != 32)
		return req_fail(r, RT_EBADREQ, "receipt", "this is not a ballot receipt");
	return RT_OK;
}

/* ---- reading ---------------------------------------------------------- */

/* Loads the decision named by args.decision and checks the caller belongs to
 * its coalition (not for system requests). A non-member gets the same
 * not_found as for a decision that does not exist. */
static int load(struct req *r, struct decision_row *d)
{
	int err = store_decision_get(r->srv->db, arg_int(r, "decision"), d);
	if (err == RT_ENOTFOUND)
		return req_fail(r, RT_ENOTFOUND, "decision", "no such decision");
	if (err)
		return req_fail(r, err, NULL, "could not read the decision");
	if (r->system)
		return RT_OK;
	if ((err = req_require_member(r, d->coalition_id, 0)) != RT_OK) {
		decision_row_clear(d);
		if (err == RT_ENOTFOUND)
			return req_fail(r, RT_ENOTFOUND, "decision", "no such decision");
		return err;
	}
	return RT_OK;
}

/* {id, name} of a member of the coalition, or {id, name:null}. */
static json_t *person_json(struct db *db, int64_t coalition_id, int64_t member_id)
{
	json_t *m = NULL, *out;
	if (store_membership_json(db, coalition_id, member_id, &m) != RT_OK || !m)
		return json_pack("{s:I, s:n}", "id", (json_int_t)member_id, "name");
	out = json_pack("{s:I, s:O}", "id", (json_int_t)member_id, "name", json_object_get(m, "name"));
	json_decref(m);
	return out;
}

/* The member's organization in the coalition (malloc'd), or NULL for none. */
static char *member_org(struct db *db, int64_t coalition_id, int64_t member_id)
{
	json_t *m = NULL;
	char *org = NULL;
	if (store_membership_json(db, coalition_id, member_id, &m) == RT_OK && m) {
		const char *o = json_string_value(json_object_get(m, "organization"));
		if (o && *o)
			org = strdup(o);
	}
	json_decref(m);
	return org;
}

/* The unit that votes: "o:<organization>" for per-organization decisions
 * when the member has one, else "m:<member id>". Caller frees. */
static char *voter_unit(const struct decision_row *d, const char *org, int64_t member_id)
{
	char buf[32], *out = NULL;
	if (d->per_organization && org) {
		if ((out = malloc(strlen(org) + 3)))
			sprintf(out, "o:%s", org);
		return out;
	}
	snprintf(buf, sizeof buf, "m:%lld", (long long)member_id);
	return strdup(buf);
}

/* Stored HTML (rendered when the text was written) as a JSON string. */
static json_t *markdown_html(const char *html)
{
	return json_string(html ? html : "");
}

/* The decision object of the protocol. */
static json_t *decision_json(struct db *db, const struct decision_row *d)
{
	char slug[128] = "";
	json_t *options = json_loads(d->options, 0, NULL), *o;

	store_coalition_slug(db, d->coalition_id, slug, sizeof slug);
	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:i, s:s, s:b, s:s, s:b, s:o, s:o,"
	              " s:s, s:o, s:s, s:o}",
	              "id", (json_int_t)d->id, "coalition", slug, "title", d->title, "body", d->body,
	              "html", markdown_html(d->html), "kind", d->kind,
	              "options", options ? options : json_array(), "eligible_roles", roles_to_json(d->eligible_roles),
	              "closes_at", d->closes_at, "quorum", d->quorum, "threshold", d->threshold,
	              "secret", d->secret, "results", d->results, "per_organization", d->per_organization,
	              "mou", d->has_mou ? json_integer(d->mou_id) : json_null(),
	              "commit", d->commit[0] ? json_string(d->commit) : json_null(),
	              "status", d->status, "created_by", person_json(db, d->coalition_id, d->created_by),
	              "created_at", d->created_at,
	              "closed_at", d->closed_at[0] ? json_string(d->closed_at) : json_null());
	if (!o)
		return NULL;
	json_object_set_new(o, "closed_by", d->closed_by ? person_json(db, d->coalition_id, d->closed_by) : json_null());
	json_object_set_new(o, "outcome_statement", d->outcome_statement ? json_string(d->outcome_statement) : json_null());
	json_object_set_new(o, "outcome_statement_html",
	                    d->outcome_statement ? markdown_html(d->outcome_statement_html) : json_null());
	if (!d->is_open && d->tally) {
		json_t *t = json_loads(d->tally, 0, NULL);
		json_object_set(o, "outcome", json_object_get(t, "outcome"));
		json_decref(t);
	}
	return o;
}

/* ---- counting --------------------------------------------------------- */

struct counted {
	struct tally_input in;
	struct tally_result *res;
	struct tally_ballot *ballots;
	size_t cap;
	json_t *options;
};

static int collect_ballot(const struct ballot_row *b, void *ud)
{
	struct counted *c = ud;
	json_t *choice = json_loads(b->choice, JSON_DECODE_ANY, NULL);
	int err = RT_OK;

	if (c->in.n_ballots == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct tally_ballot *more = realloc(c->ballots, cap * sizeof *more);
		if (!more) {
			json_decref(choice);
			return RT_EINTERNAL;
		}
		c->ballots = more;
		c->cap = cap;
	}
	if (!choice || tally_choice_parse(&c->ballots[c->in.n_ballots], c->in.kind, c->options, choice, NULL, 0) != 0)
		err = RT_EINTERNAL; /* validated when cast: a stored ballot that does not parse is corruption */
	else
		c->in.n_ballots++;
	json_decref(choice);
	return err;
}

static void counted_free(struct counted *c)
{
	free(c->res);
	free(c->ballots);
	json_decref(c->options);
	memset(c, 0, sizeof *c);
}

/* Counts the decision's ballots now, against eligible voters. */
static int count_decision(struct db *db, const struct decision_row *d, int64_t eligible, struct counted *c)
{
	int err;
	memset(c, 0, sizeof *c);
	c->in.kind = tally_kind_from_name(d->kind);
	c->in.threshold = tally_threshold_from_name(d->threshold);
	c->in.quorum = d->quorum;
	c->in.eligible = eligible;
	if (!(c->options = json_loads(d->options, 0, NULL)) || !(c->res = calloc(1, sizeof *c->res)))
		return RT_EINTERNAL;
	c->in.n_options = (int)json_array_size(c->options);
	if ((err = store_ballots_each(db, d->id, collect_ballot, c)) != RT_OK)
		return err;
	c->in.ballots = c->ballots;
	return tally_count(c->res, &c->in) == 0 ? RT_OK : RT_EINTERNAL;
}

/* The tally object as the caller may see it now (a new reference in *out). */
static int tally_visible(struct db *db, const struct decision_row *d, json_t **out)
{
	struct counted c = { 0 };
	int64_t eligible = 0;
	int err;

	*out = NULL;
	if (!d->is_open) {
		*out = d->tally ? json_loads(d->tally, 0, NULL) : NULL;
		return *out ? RT_OK : RT_EINTERNAL;
	}
	if ((err = store_decision_eligible(db, d->coalition_id, d->eligible_roles, d->per_organization, &eligible)))
		return err;
	if (!results_visible(d)) {
		*out = json_pack("{s:I, s:n, s:n, s:n, s:{s:s}, s:b}", "eligible", (json_int_t)eligible, "cast",
		                 "quorum_met", "counts", "outcome", "result", "open", "hidden", 1);
		return *out ? RT_OK : RT_EINTERNAL;
	}
	if ((err = count_decision(db, d, eligible, &c)) == RT_OK)
		*out = tally_to_json(c.res, &c.in, c.options, 1);
	counted_free(&c);
	return err ? err : *out ? RT_OK : RT_EINTERNAL;
}

/* The caller's position: {eligible, voted, ballot?, voted_by?}. */
static json_t *me_json(struct req *r, const struct decision_row *d)
{
	struct db *db = r->srv->db;
	unsigned roles = 0;
	char *org = NULL, *unit = NULL;
	json_t *me;
	int voted = 0;

	store_membership_roles(db, d->coalition_id, r->member_id, &roles);
	org = member_org(db, d->coalition_id, r->member_id);
	unit = voter_unit(d, org, r->member_id);
	me = json_pack("{s:b}", "eligible", (roles & d->eligible_roles) != 0);
	if (unit && d->secret) {
		unsigned char key[32], tag[32];
		if (db_secret(db, key, 0) == RT_OK) {
			keyed_hash(tag, key, "rt.voter", d->id, 0, unit);
			store_voter_has(db, d->id, tag, &voted);
		}
		sodium_memzero(key, sizeof key);
	} else if (unit) {
		struct ballot_row b;
		if (store_ballot_by_unit(db, d->id, unit, &b) == RT_OK) {
			voted = 1;
			if (b.member_id == r->member_id)
				json_object_set_new(me, "ballot", json_pack("{s:o, s:o}",
				        "choice", json_loads(b.choice, JSON_DECODE_ANY, NULL),
				        "reason", b.reason ? json_string(b.reason) : json_null()));
			else
				json_object_set_new(me, "voted_by", person_json(db, d->coalition_id, b.member_id));
			ballot_row_clear(&b);
		}
	}
	json_object_set_new(me, "voted", json_boolean(voted));
	free(org);
	free(unit);
	return me;
}

/* ---- ops -------------------------------------------------------------- */

static int hex_commit_ok(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* Checks the options of a kind; on success *text is the JSON to store. */
static int check_options(struct req *r, int kind, json_t *options, char **text)
{
	size_t i, j;
	json_t *v;

	*text = NULL;
	if (kind == TK_PROPOSAL || kind == TK_CONSENT) {
		if (options && json_array_size(options) > 0)
			return req_fail(r, RT_EBADREQ, "options", "a %s has fixed choices: leave options out",
			                tally_kind_name(kind));
		*text = strdup("[]");
		return *text ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	if (!options || json_array_size(options) < 2 || json_array_size(options) > TALLY_MAX_OPTIONS)
		return req_fail(r, RT_EBADREQ, "options", "a %s needs 2 to %d options", tally_kind_name(kind),
		                TALLY_MAX_OPTIONS);
	json_array_foreach(options, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s || strlen(s) > DECISION_OPTION_MAX || !rt_text_ok(s) || strchr(s, '\n'))
			return req_fail(r, RT_EBADREQ, "options",
			                "each option must be a non-empty line of text of at most %d bytes", DECISION_OPTION_MAX);
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(options, j)), s) == 0)
				return req_fail(r, RT_EBADREQ, "options", "the option '%.64s' is listed twice", s);
	}
	*text = json_dumps(options, JSON_COMPACT);
	return *text ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
}

/* The MOU a decision is about (the `mou` and `commit` arguments, already
 * well formed): it must be an MOU of the decision's coalition (another
 * coalition's MOU gets not_found, the same answer as an MOU that does not
 * exist), and `commit` one of its versions (a commit that changed it, as
 * mou.history lists them). Without `commit`, the MOU's head at this moment,
 * so that the decision always names the exact text it adopts. Fills
 * d->has_mou, d->mou_id and d->commit; nothing when mou is absent. */
static int check_mou(struct req *r, const json_t *mou, const char *commit, struct decision_row *d)
{
	struct mou_info m = { 0 };
	int err;

	if (!mou)
		return RT_OK;
	err = store_mou_info(r->srv->db, (int64_t)json_integer_value(mou), &m);
	if (err == RT_ENOTFOUND || (err == RT_OK && m.coalition_id != r->coalition_id))
		err = req_fail(r, RT_ENOTFOUND, "mou", "no such MOU");
	else if (err)
		err = req_fail(r, err, NULL, "could not read the MOU");
	else if (!m.head[0])
		err = req_fail(r, RT_ENOTFOUND, "mou", "the MOU has no version to adopt yet");
	else if (commit && !store_mou_version_known(r->srv->db, m.id, commit))
		err = req_fail(r, RT_ENOTFOUND, "commit", "this commit is not a version of the MOU");
	if (err == RT_OK) {
		d->has_mou = 1;
		d->mou_id = m.id;
		snprintf(d->commit, sizeof d->commit, "%s", commit ? commit : m.head);
	}
	store_mou_info_free(&m);
	return err;
}

static int decisions_create(struct req *r)
{
	struct decision_row d = { .coalition_id = r->coalition_id, .created_by = r->member_id };
	struct decision_row made = { 0 };
	const char *title = arg_str(r, "title"), *kind_s = arg_str(r, "kind"), *threshold_s = arg_str(r, "threshold");
	const char *results = arg_str(r, "results"), *commit = arg_str(r, "commit");
	json_t *quorum = json_object_get(r->args, "quorum"), *mou = json_object_get(r->args, "mou"), *obj = NULL;
	char *options = NULL, now[21];
	long long closes, t_now;
	int kind, threshold, err;
	int64_t id;

	if (!*title || strspn(title, " \t\r\n") == strlen(title))
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if ((kind = tally_kind_from_name(kind_s)) < 0)
		return req_fail(r, RT_EBADREQ, "kind", "kind must be proposal, choice, approval, ranked or consent");
	threshold = threshold_s ? tally_threshold_from_name(threshold_s) : tally_default_threshold(kind);
	if (threshold < 0)
		return req_fail(r, RT_EBADREQ, "threshold", "threshold must be majority, two_thirds, unanimous or no_blocks");
	if (roles_from_json(&d.eligible_roles, json_object_get(r->args, "eligible_roles")) != RT_OK || !d.eligible_roles)
		return req_fail(r, RT_EBADREQ, "eligible_roles",
		                "eligible_roles must list at least one of convener, design_team, provider, funder, hub, parent, observer");
	rt_now(now);
	t_now = rt_time_parse(now, NULL);
	if ((closes = rt_time_parse(arg_str(r, "closes_at"), d.closes_at)) < 0)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at must be an RFC 3339 time, like 2026-12-01T17:00:00Z");
	if (closes <= t_now)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at must be in the future");
	if (closes - t_now > CLOSES_MAX_SECONDS)
		return req_fail(r, RT_EBADREQ, "closes_at", "closes_at must be within five years");
	if (quorum && json_integer_value(quorum) > 100)
		return req_fail(r, RT_EBADREQ, "quorum", "quorum is a percent from 0 to 100");
	d.quorum = quorum ? (int)json_integer_value(quorum) : 0;
	if (results && strcmp(results, "live") != 0 && strcmp(results, "after_close") != 0)
		return req_fail(r, RT_EBADREQ, "results", "results must be live or after_close");
	if (commit && !mou)
		return req_fail(r, RT_EBADREQ, "mou", "a commit needs the mou it belongs to");
	if (commit && !hex_commit_ok(commit))
		return req_fail(r, RT_EBADREQ, "commit", "commit must be a full commit id (40 or 64 lowercase hex digits)");
	if (mou && json_integer_value(mou) < 1)
		return req_fail(r, RT_EBADREQ, "mou", "mou must be an MOU id");
	if (check_options(r, kind, json_object_get(r->args, "options"), &options) != RT_OK)
		return r->err;
	if (check_mou(r, mou, commit, &d) != RT_OK) {
		free(options);
		return r->err;
	}

	snprintf(d.kind, sizeof d.kind, "%s", tally_kind_name(kind));
	snprintf(d.threshold, sizeof d.threshold, "%s", tally_threshold_name(threshold));
	snprintf(d.results, sizeof d.results, "%s", results ? results : "live");
	d.title = (char *)title;
	d.body = (char *)arg_str(r, "body");
	d.options = options;
	d.secret = arg_bool(r, "secret");
	d.per_organization = arg_bool(r, "per_organization");

	err = store_decision_create(r->srv->db, &d, &id);
	free(options);
	if (err || (err = store_decision_get(r->srv->db, id, &made)) != RT_OK)
		return req_fail(r, err, NULL, "could not create the decision");
	obj = decision_json(r->srv->db, &made);
	decision_row_clear(&made);
	if (!obj)
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	if ((err = req_event(r, r->coalition_id, "decision.created", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O}", "decision", obj))) != RT_OK) {
		json_decref(obj);
		return err;
	}
	r->data = json_pack("{s:o}", "decision", obj);
	return RT_OK;
}

static int decisions_list(struct req *r)
{
	const char *status = arg_str(r, "status");
	int64_t *ids = NULL;
	size_t n = 0;
	json_t *list = NULL;
	int err;

	if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
		return req_fail(r, RT_EBADREQ, "status", "status must be open or closed");
	if ((err = store_decision_ids(r->srv->db, r->coalition_id, status, &ids, &n)) != RT_OK)
		return req_fail(r, err, NULL, "could not list decisions");
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct decision_row d;
		json_t *o;
		if (store_decision_get(r->srv->db, ids[i], &d) != RT_OK)
			continue;
		if ((o = decision_json(r->srv->db, &d))) {
			json_object_set_new(o, "me", me_json(r, &d));
			json_array_append_new(list, o);
		}
		decision_row_clear(&d);
	}
	free(ids);
	r->data = json_pack("{s:o}", "decisions", list);
	return RT_OK;
}

struct listing {
	struct db *db;
	int64_t coalition_id;
	int secret;
	json_t *out;
};

/* Open ballots with their voters; secret ones only as {choice, reason} when
 * they carry a reason, in ballot id (random) order. */
static int list_ballot(const struct ballot_row *b, void *ud)
{
	struct listing *l = ud;
	json_t *choice = json_loads(b->choice, JSON_DECODE_ANY, NULL);
	if (!choice)
		return RT_EINTERNAL;
	if (l->secret) {
		if (b->reason)
			json_array_append_new(l->out, json_pack("{s:o, s:s}", "choice", choice, "reason", b->reason));
		else
			json_decref(choice);
		return RT_OK;
	}
	json_array_append_new(l->out, json_pack("{s:o, s:o, s:o, s:o, s:s}",
	        "voter", person_json(l->db, l->coalition_id, b->member_id),
	        "organization", b->organization ? json_string(b->organization) : json_null(),
	        "choice", choice, "reason", b->reason ? json_string(b->reason) : json_null(),
	        "cast_at", b->cast_at));
	return RT_OK;
}

static int decisions_get(struct req *r)
{
	struct decision_row d;
	json_t *obj = NULL, *tally = NULL;
	int err;

	if (load(r, &d) != RT_OK)
		return r->err;
	if ((err = tally_visible(r->srv->db, &d, &tally)) != RT_OK || !(obj = decision_json(r->srv->db, &d))) {
		json_decref(tally);
		decision_row_clear(&d);
		return req_fail(r, err ? err : RT_EINTERNAL, NULL, "could not read the decision");
	}
	r->data = json_pack("{s:o, s:o, s:o}", "decision", obj, "tally", tally, "me", me_json(r, &d));
	if (results_visible(&d)) {
		struct listing l = { r->srv->db, d.coalition_id, d.secret, json_array() };
		if ((err = store_ballots_each(r->srv->db, d.id, list_ballot, &l)) != RT_OK) {
			json_decref(l.out);
			decision_row_clear(&d);
			return req_fail(r, err, NULL, "could not read the ballots");
		}
		json_object_set_new(r->data, d.secret ? "reasons" : "ballots", l.out);
	}
	decision_row_clear(&d);
	return RT_OK;
}

static int decisions_tally(struct req *r)
{
	struct decision_row d;
	json_t *tally = NULL;
	int err;

	if (load(r, &d) != RT_OK)
		return r->err;
	err = tally_visible(r->srv->db, &d, &tally);
	decision_row_clear(&d);
	if (err)
		return req_fail(r, err, NULL, "could not count the ballots");
	r->data = tally;
	return RT_OK;
}

/* Appends the events of a cast. live: everyone sees a ballot.cast (naming
 * nobody when secret) and the moving tally; after_close: only the voter gets
 * the ballot.cast, so nobody can count ballots before the close. */
/* Live tallies cost a count of every ballot, so a decision sends at most one
 * tally.updated a second: a ballot within a second of the last one marks
 * the decision, and the tick sends one tally for every ballot since. A cast
 * that is rolled back puts its slot back as it was (a rollback hook), so a
 * tally that was never sent does not hold the next one back. */
#define LIVE_MAX 64

static struct live_tally {
	int64_t decision;
	time_t last; /* when its last tally.updated was made */
	int due;     /* ballots since then wait for the tick */
} live[LIVE_MAX];

/* The decision's slot, taking the oldest idle one if it has none; *before
 * gets the slot as it was. NULL when every slot is busy. */
static struct live_tally *live_slot(int64_t decision, struct live_tally *before)
{
	struct live_tally *oldest = &live[0];
	for (size_t i = 0; i < LIVE_MAX; i++) {
		if (live[i].decision == decision) {
			*before = live[i];
			return &live[i];
		}
		if (!live[i].due && live[i].last < oldest->last)
			oldest = &live[i];
	}
	if (oldest->due) /* every slot busy: count inline, as without the limit */
		return NULL;
	*before = *oldest;
	*oldest = (struct live_tally){ .decision = decision };
	return oldest;
}

/* A slot as it was before a cast, for the cast's rollback hook. */
struct live_undo {
	struct live_tally *slot; /* NULL: the cast changed none */
	struct live_tally before;
};

static void live_restore(void *arg)
{
	struct live_undo *u = arg;
	if (u->slot)
		*u->slot = u->before;
	free(u);
}

/* Appends tally.updated with the decision's count now. */
static int tally_event(struct req *r, const struct decision_row *d)
{
	struct counted c = { 0 };
	int64_t eligible = 0;
	json_t *tally = NULL;
	int err;
	if ((err = store_decision_eligible(r->srv->db, d->coalition_id, d->eligible_roles, d->per_organization,
	                                   &eligible)) == RT_OK &&
	    (err = count_decision(r->srv->db, d, eligible, &c)) == RT_OK)
		tally = tally_to_json(c.res, &c.in, c.options, 1);
	counted_free(&c);
	if (!tally)
		return req_fail(r, err ? err : RT_EINTERNAL, NULL, "could not count the ballots");
	return req_event(r, d->coalition_id, "tally.updated", AUD_ALL, 0, 0,
	                 json_pack("{s:I, s:o}", "decision", (json_int_t)d->id, "tally", tally));
}

static int cast_events(struct req *r, const struct decision_row *d, const char *org, json_t *choice,
                       const char *reason, int replaced)
{
	int live_results = strcmp(d->results, "live") == 0, err;
	json_t *ev = json_pack("{s:I, s:o, s:b}", "decision", (json_int_t)d->id,
	                       "voter", d->secret ? json_null() : person_json(r->srv->db, d->coalition_id, r->member_id),
	                       "replaced", replaced);
	struct live_tally *lt;
	struct live_undo *undo;
	int64_t cast = 0;
	time_t now = time(NULL);

	if (!d->secret) {
		json_object_set(ev, "choice", choice);
		json_object_set_new(ev, "reason", reason ? json_string(reason) : json_null());
		if (d->per_organization)
			json_object_set_new(ev, "organization", org ? json_string(org) : json_null());
	}
	if (!live_results)
		return req_event(r, d->coalition_id, "ballot.cast", AUD_MEMBER, r->member_id,
		                 d->secret ? 0 : r->member_id, ev);
	if (store_ballot_count(r->srv->db, d->id, &cast) != RT_OK) {
		json_decref(ev);
		return req_fail(r, RT_EINTERNAL, NULL, "could not count the ballots");
	}
	json_object_set_new(ev, "cast", json_integer(cast));
	if ((err = req_event(r, d->coalition_id, "ballot.cast", AUD_ALL, 0, d->secret ? 0 : r->member_id, ev)))
		return err;
	if (!(undo = calloc(1, sizeof *undo)) || req_on_rollback(r, live_restore, undo) != RT_OK) {
		free(undo);
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	if (req_on_commit(r, free, undo) != RT_OK)
		return r->err;
	if ((lt = live_slot(d->id, &undo->before)) && now - lt->last < 1) {
		undo->slot = lt;
		lt->due = 1;
		return RT_OK;
	}
	if (lt) {
		undo->slot = lt;
		lt->last = now;
	}
	return tally_event(r, d);
}

/* Sends the tally of one decision whose ballots waited for the tick. */
static int decisions_tally_due(struct req *r)
{
	struct decision_row d = { 0 };
	int64_t id = json_integer_value(json_object_get(r->args, "decision"));
	int err = store_decision_get(r->srv->db, id, &d);
	if (err == RT_OK && d.is_open && strcmp(d.results, "live") == 0)
		err = tally_event(r, &d);
	decision_row_clear(&d);
	return err == RT_ENOTFOUND ? RT_OK : err;
}

/* Seals the reply of a secret cast under the client's idempotency key. */
static int seal_reply(struct req *r, const struct decision_row *d, const unsigned char secret[32], json_t *reply)
{
	unsigned char tag[32], k[32], nonce[crypto_stream_xchacha20_NONCEBYTES] = { 0 }, *buf = NULL;
	char *text = json_dumps(reply, JSON_COMPACT);
	size_t len;
	int err = RT_EINTERNAL;

	if (!text || !(buf = malloc((len = strlen(text)))))
		goto done;
	keyed_hash(tag, secret, "rt.idem", d->id, r->member_id, r->key);
	keyed_hash(k, secret, "rt.seal", d->id, r->member_id, r->key);
	/* one record per key: the derived key is used once, so a zero nonce is safe */
	crypto_stream_xchacha20_xor(buf, (const unsigned char *)text, len, nonce, k);
	err = store_decision_idem_put(r->srv->db, d->id, tag, buf, len);
done:
	sodium_memzero(k, sizeof k);
	if (text)
		sodium_memzero(text, strlen(text));
	free(text);
	free(buf);
	return err;
}

/* A retry of a secret cast with the same key: the first reply, or NULL. */
static json_t *unseal_reply(struct req *r, const struct decision_row *d, const unsigned char secret[32])
{
	unsigned char tag[32], k[32], nonce[crypto_stream_xchacha20_NONCEBYTES] = { 0 }, *sealed = NULL;
	char *text = NULL;
	size_t len = 0;
	json_t *out = NULL;

	keyed_hash(tag, secret, "rt.idem", d->id, r->member_id, r->key);
	if (store_decision_idem_get(r->srv->db, d->id, tag, &sealed, &len) != RT_OK || !sealed)
		goto done;
	keyed_hash(k, secret, "rt.seal", d->id, r->member_id, r->key);
	if (!(text = malloc(len + 1)))
		goto done;
	crypto_stream_xchacha20_xor((unsigned char *)text, sealed, len, nonce, k);
	text[len] = '\0';
	out = json_loads(text, 0, NULL);
	sodium_memzero(text, len);
done:
	sodium_memzero(k, sizeof k);
	free(text);
	free(sealed);
	return out;
}

/* A ballot of an open (not secret) decision: one row per unit, with the voter. */
static int cast_open(struct req *r, const struct decision_row *d, const char *unit, const char *org,
                     struct ballot_row *nb, int *replaced)
{
	struct db *db = r->srv->db;
	struct ballot_row old;
	unsigned char tag[32];
	int err = store_ballot_by_unit(db, d->id, unit, &old);

	if (err == RT_OK) {
		if (old.member_id != r->member_id) {
			json_t *who = person_json(db, d->coalition_id, old.member_id);
			req_fail(r, RT_ECONFLICT, "decision",
			         "%s has already cast the ballot of %s; only they can change it",
			         json_string_value(json_object_get(who, "name")) ? json_string_value(json_object_get(who, "name")) : "another member",
			         org ? org : "your organization");
			json_decref(who);
			ballot_row_clear(&old);
			return RT_ECONFLICT;
		}
		err = store_ballot_delete(db, d->id, old.ballot_id);
		if (!err) {
			replaced_tag(tag, d, NULL, old.ballot_id, r->member_id);
			err = store_replaced_add(db, d->id, tag);
		}
		ballot_row_clear(&old);
		if (err)
			return req_fail(r, err, NULL, "could not replace the ballot");
		*replaced = 1;
	} else if (err != RT_ENOTFOUND) {
		return req_fail(r, err, NULL, "could not read the ballots");
	} else if ((err = store_ballot_by_member(db, d->id, r->member_id, &old)) == RT_OK) {
		/* cast for another unit (the member's organization changed since):
		 * the new ballot replaces it, so a member never has two */
		err = store_ballot_delete(db, d->id, old.ballot_id);
		if (!err) {
			replaced_tag(tag, d, NULL, old.ballot_id, r->member_id);
			err = store_replaced_add(db, d->id, tag);
		}
		ballot_row_clear(&old);
		if (err)
			return req_fail(r, err, NULL, "could not replace the ballot");
		*replaced = 1;
	} else if (err != RT_ENOTFOUND) {
		return req_fail(r, err, NULL, "could not read the ballots");
	}
	nb->member_id = r->member_id;
	nb->unit = (char *)unit;
	nb->organization = (char *)org;
	rt_now(nb->cast_at);
	if ((err = store_ballot_insert(db, d->id, nb)) != RT_OK)
		return req_fail(r, err == RT_ECONFLICT ? RT_ECONFLICT : err, "decision", "could not record the ballot");
	return RT_OK;
}

/* A secret ballot: no member id in the row; "has voted" as a keyed tag. */
static int cast_secret(struct req *r, const struct decision_row *d, const char *unit, const unsigned char secret[32],
                       const unsigned char receipt[32], struct ballot_row *nb, int *replaced)
{
	struct db *db = r->srv->db;
	unsigned char tag[32], mtag[32], old_receipt[32], old_id[32], owner[32];
	struct ballot_row old;
	const char *rtext = arg_str(r, "receipt");
	int has = 0, err;

	int has_member = 0, org_unit = unit[0] == 'o';
	char self[32];

	/* per organization, the member is tagged too: a member whose organization
	 * changed during the vote cannot cast a second ballot without the receipt */
	snprintf(self, sizeof self, "m:%lld", (long long)r->member_id);
	keyed_hash(tag, secret, "rt.voter", d->id, 0, unit);
	keyed_hash(mtag, secret, "rt.voter", d->id, 0, self);
	if ((err = store_voter_has(db, d->id, tag, &has)) != RT_OK ||
	    (org_unit && (err = store_voter_has(db, d->id, mtag, &has_member)) != RT_OK))
		return req_fail(r, err, NULL, "could not read the ballots");
	if (!has && org_unit && (err = store_voter_add(db, d->id, tag)) != RT_OK)
		return req_fail(r, err, NULL, "could not record the ballot");
	if (has || has_member) {
		if (!rtext)
			return req_fail(r, RT_ECONFLICT, "receipt", org_unit && !has_member
			                ? "your organization has already voted in this secret ballot; only the member who cast it can change it, with its receipt"
			                : "you have already voted in this secret ballot; to change your ballot, send its receipt");
		if (receipt_parse(r, rtext, old_receipt) != RT_OK)
			return r->err;
		ballot_id_of(old_id, old_receipt);
		owner_of(owner, old_receipt, d->id, r->member_id);
		sodium_memzero(old_receipt, sizeof old_receipt);
		if ((err = store_ballot_by_id(db, d->id, old_id, &old)) == RT_ENOTFOUND) {
			store_replaced_has(db, d->id, owner, &has); /* owner is the replaced tag */
			return req_fail(r, RT_ECONFLICT, "receipt", has
			                ? "this receipt is of a ballot you have already replaced; send the latest receipt"
			                : "this receipt is not of your ballot in this decision");
		}
		if (err)
			return req_fail(r, err, NULL, "could not read the ballots");
		has = old.has_owner && sodium_memcmp(old.owner, owner, 32) == 0;
		ballot_row_clear(&old);
		if (!has)
			return req_fail(r, RT_ECONFLICT, "receipt", "this receipt is not of your ballot in this decision");
		if ((err = store_ballot_delete(db, d->id, old_id)) || (err = store_replaced_add(db, d->id, owner)))
			return req_fail(r, err, NULL, "could not replace the ballot");
		*replaced = 1;
	} else if ((err = store_voter_add(db, d->id, org_unit ? mtag : tag)) != RT_OK) {
		return req_fail(r, err == RT_ECONFLICT ? RT_ECONFLICT : err, "decision", "could not record the ballot");
	}
	owner_of(nb->owner, receipt, d->id, r->member_id);
	nb->has_owner = 1;
	if ((err = store_ballot_insert(db, d->id, nb)) != RT_OK)
		return req_fail(r, err, NULL, "could not record the ballot");
	return RT_OK;
}

static int decisions_cast(struct req *r)
{
	struct db *db = r->srv->db;
	struct decision_row d;
	struct ballot_row nb = { 0 };
	struct tally_ballot tb;
	json_t *options = NULL, *choice = json_object_get(r->args, "choice"), *reply = NULL;
	const char *reason = arg_str(r, "reason");
	unsigned char secret[32] = { 0 }, receipt[32];
	char why[160], rtext[44], *org = NULL, *unit = NULL, *choice_text = NULL;
	int replaced = 0, err = RT_OK;

	if (load(r, &d) != RT_OK)
		return r->err;
	if (reason && !*reason)
		reason = NULL;
	if (d.secret && r->key) {
		/* a retry of a secret cast: answered from the sealed record, never
		 * from the generic table that would keep the receipt by member */
		if ((err = db_secret(db, secret, 1)) != RT_OK) {
			req_fail(r, err, NULL, "could not read the ballots");
			goto done;
		}
		if ((reply = unseal_reply(r, &d, secret))) {
			req_forget_key(r);
			r->data = reply;
			reply = NULL;
			goto done;
		}
	}
	if (!decision_open_now(&d)) {
		err = req_fail(r, RT_ECLOSED, "decision", "this decision closed at %s", d.closes_at);
		goto done;
	}
	if (!(r->roles & d.eligible_roles)) {
		json_t *roles = roles_to_json(d.eligible_roles);
		char *names = json_dumps(roles, JSON_COMPACT);
		err = req_fail(r, RT_EFORBIDDEN, NULL, "only members with one of the roles %s may vote on this", names ? names : "?");
		free(names);
		json_decref(roles);
		goto done;
	}
	if (!(options = json_loads(d.options, 0, NULL)) ||
	    tally_choice_parse(&tb, tally_kind_from_name(d.kind), options, choice, why, sizeof why) != 0) {
		err = req_fail(r, RT_EBADREQ, "choice", "%s", options ? why : "the decision's options are unreadable");
		goto done;
	}
	org = member_org(db, d.coalition_id, r->member_id);
	if (!(unit = voter_unit(&d, org, r->member_id)) ||
	    !(choice_text = json_dumps(choice, JSON_COMPACT | JSON_ENCODE_ANY))) {
		err = req_fail(r, RT_EINTERNAL, NULL, "out of memory");
		goto done;
	}
	randombytes_buf(receipt, sizeof receipt);
	ballot_id_of(nb.ballot_id, receipt);
	nb.choice = choice_text;
	nb.reason = (char *)reason;
	if (d.secret) {
		if ((err = db_secret(db, secret, 1)) != RT_OK) {
			req_fail(r, err, NULL, "could not record the ballot");
			goto done;
		}
		err = cast_secret(r, &d, unit, secret, receipt, &nb, &replaced);
	} else {
		err = cast_open(r, &d, unit, org, &nb, &replaced);
	}
	if (err)
		goto done;
	receipt_text(rtext, receipt);
	sodium_memzero(receipt, sizeof receipt);
	r->data = json_pack("{s:s, s:{s:I, s:O, s:o, s:b}}", "receipt", rtext, "ballot", "decision",
	                    (json_int_t)d.id, "choice", choice, "reason", reason ? json_string(reason) : json_null(),
	                    "replaced", replaced);
	if (d.secret && r->key) {
		if ((err = seal_reply(r, &d, secret, r->data)) != RT_OK) {
			req_fail(r, err, NULL, "could not record the key");
			goto done;
		}
		req_forget_key(r); /* the generic table would keep the receipt next to the member id */
	}
	err = cast_events(r, &d, org, choice, reason, replaced);
done:
	sodium_memzero(secret, sizeof secret);
	json_decref(options);
	free(org);
	free(unit);
	free(choice_text);
	decision_row_clear(&d);
	return err ? r->err : RT_OK;
}

/* Closes a decision now: counts, freezes the tally, records an adoption,
 * appends decision.closed. closed_by 0 for the timer. */
static int close_decision(struct req *r, struct decision_row *d, int64_t closed_by, const char *statement)
{
	struct db *db = r->srv->db;
	struct counted c = { 0 };
	struct decision_row after;
	int64_t eligible = 0;
	json_t *tally = NULL, *obj = NULL;
	char *text = NULL;
	int err;

	if ((err = store_decision_eligible(db, d->coalition_id, d->eligible_roles, d->per_organization, &eligible)) ||
	    (err = count_decision(db, d, eligible, &c))) {
		counted_free(&c);
		return req_fail(r, err, NULL, "could not count the ballots");
	}
	tally = tally_to_json(c.res, &c.in, c.options, 0);
	if (c.res->result == TR_PASSED && d->has_mou && d->commit[0]) {
		if ((err = store_adoption_add(db, d->id, d->coalition_id, d->mou_id, d->commit)) != RT_OK) {
			counted_free(&c);
			json_decref(tally);
			return req_fail(r, err, NULL, "could not record the adoption");
		}
		json_object_set_new(json_object_get(tally, "outcome"), "adopted",
		                    json_pack("{s:I, s:s}", "mou", (json_int_t)d->mou_id, "commit", d->commit));
	}
	counted_free(&c);
	if (!tally || !(text = json_dumps(tally, JSON_COMPACT))) {
		json_decref(tally);
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	err = store_decision_close(db, d->id, closed_by, statement, text);
	free(text);
	if (err == RT_OK && d->secret && (err = store_decision_scrub(db, d->id)) != RT_OK) {
		json_decref(tally);
		return req_fail(r, err, NULL, "could not close the decision");
	}
	if (err == RT_ECLOSED) {
		json_decref(tally);
		return req_fail(r, RT_ECLOSED, "decision", "this decision is already closed");
	}
	if (err || (err = store_decision_get(db, d->id, &after)) != RT_OK) {
		json_decref(tally);
		return req_fail(r, err, NULL, "could not close the decision");
	}
	obj = decision_json(db, &after);
	decision_row_clear(&after);
	if (!obj) {
		json_decref(tally);
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	if ((err = req_event(r, d->coalition_id, "decision.closed", AUD_ALL, 0, closed_by,
	                     json_pack("{s:O, s:O, s:O}", "decision", obj, "outcome",
	                               json_object_get(tally, "outcome"), "tally", tally))) != RT_OK) {
		json_decref(obj);
		json_decref(tally);
		return err;
	}
	r->data = json_pack("{s:o, s:o}", "decision", obj, "tally", tally);
	return RT_OK;
}

static int decisions_close(struct req *r)
{
	struct decision_row d;
	const char *statement = arg_str(r, "outcome_statement");
	int err;

	if (load(r, &d) != RT_OK)
		return r->err;
	if (!d.is_open)
		err = req_fail(r, RT_ECLOSED, "decision", "this decision is already closed");
	else if (!(r->roles & ROLE_CONVENER) && d.created_by != r->member_id)
		err = req_fail(r, RT_EFORBIDDEN, NULL, "only a convener or the decision's creator may close it");
	else
		err = close_decision(r, &d, r->member_id, statement && *statement ? statement : NULL);
	decision_row_clear(&d);
	return err;
}

int decisions_close_due(struct req *r)
{
	struct decision_row d;
	char now[21];
	int err = RT_OK;

	if (load(r, &d) != RT_OK)
		return r->err;
	rt_now(now);
	if (d.is_open && strcmp(now, d.closes_at) >= 0)
		err = close_decision(r, &d, 0, NULL);
	decision_row_clear(&d);
	return err;
}

static int decisions_verify(struct req *r)
{
	struct db *db = r->srv->db;
	struct decision_row d;
	struct ballot_row b = { 0 };
	unsigned char receipt[32], id[32], owner[32], tag[32];
	json_t *choice = NULL;
	int has = 0, err = RT_OK, mine;

	if (load(r, &d) != RT_OK)
		return r->err;
	if (receipt_parse(r, arg_str(r, "receipt"), receipt) != RT_OK) {
		decision_row_clear(&d);
		return r->err;
	}
	ballot_id_of(id, receipt);
	owner_of(owner, receipt, d.id, r->member_id);
	replaced_tag(tag, &d, receipt, id, r->member_id);
	sodium_memzero(receipt, sizeof receipt);
	if ((err = store_ballot_by_id(db, d.id, id, &b)) == RT_ENOTFOUND) {
		store_replaced_has(db, d.id, tag, &has); /* only the voter's own replaced receipt */
		if (has)
			r->data = json_pack("{s:I, s:s, s:b, s:b}", "decision", (json_int_t)d.id, "status", "replaced",
			                    "counted", 0, "final", !d.is_open);
		else
			req_fail(r, RT_ENOTFOUND, "receipt", "no ballot of yours in this decision has this receipt");
		err = has ? RT_OK : RT_ENOTFOUND;
		goto done;
	}
	if (err) {
		req_fail(r, err, NULL, "could not read the ballots");
		goto done;
	}
	mine = b.has_owner ? sodium_memcmp(b.owner, owner, 32) == 0 : b.member_id == r->member_id;
	if (!mine) {
		err = req_fail(r, RT_ENOTFOUND, "receipt", "no ballot of yours in this decision has this receipt");
		goto done;
	}
	choice = json_loads(b.choice, JSON_DECODE_ANY, NULL);
	r->data = json_pack("{s:I, s:s, s:b, s:b, s:{s:O, s:o}, s:O}", "decision", (json_int_t)d.id,
	                    "status", "counted", "counted", 1, "final", !d.is_open,
	                    "ballot", "choice", choice, "reason", b.reason ? json_string(b.reason) : json_null(),
	                    "counted_as", choice);
	if (strcmp(d.kind, "ranked") == 0 && results_visible(&d)) {
		struct counted c = { 0 };
		struct tally_ballot tb;
		if ((err = count_decision(db, &d, 0, &c)) == RT_OK &&
		    tally_choice_parse(&tb, TK_RANKED, c.options, choice, NULL, 0) == 0)
			json_object_set_new(r->data, "rounds", tally_ranked_path(c.res, &tb, c.options));
		counted_free(&c);
		if (err)
			req_fail(r, err, NULL, "could not count the ballots");
	}
	if (!d.is_open && d.tally) {
		json_t *t = json_loads(d.tally, 0, NULL);
		json_object_set(r->data, "outcome", json_object_get(t, "outcome"));
		json_decref(t);
	}
done:
	json_decref(choice);
	ballot_row_clear(&b);
	decision_row_clear(&d);
	return err;
}

/* ---- tick and demo ------------------------------------------------------ */

void decisions_tick(struct server *srv)
{
	int64_t ids[16];
	size_t n = 0;
	char now[21];

	for (size_t i = 0; i < LIVE_MAX; i++) {
		json_t *args;
		int err;
		if (!live[i].due || time(NULL) - live[i].last < 1)
			continue;
		live[i].due = 0;
		live[i].last = time(NULL);
		args = json_pack("{s:I}", "decision", (json_int_t)live[i].decision);
		if ((err = dispatch_system(srv, decisions_tally_due, args, NULL))) {
			rt_log(LOG_ERROR, "could not send the tally of decision %lld", (long long)live[i].decision);
			live[i].due = err == RT_EINTERNAL; /* the next tick tries again */
		}
		json_decref(args);
	}
	rt_now(now);
	if (store_decisions_due(srv->db, now, ids, 16, &n) != RT_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *args = json_pack("{s:I}", "decision", (json_int_t)ids[i]);
		int err = dispatch_system(srv, decisions_close_due, args, NULL);
		if (err)
			rt_log(LOG_ERROR, "could not close decision %lld (%s)", (long long)ids[i], rt_err_code(err));
		json_decref(args);
	}
}

/* Runs one op as a demo member; logs and returns the error. */
static int demo_call(struct server *srv, int64_t member, const char *op, json_t *args, json_t **data)
{
	char msg[256] = "";
	int err = dispatch_call(srv, member, op, args, data, msg);
	if (err)
		fprintf(stderr, "roundtable: demo %s failed: %s\n", op, msg);
	json_decref(args);
	return err;
}

int decisions_demo(struct server *srv, const struct demo_ids *ids)
{
	static const char *const services[] = { "Billing and enrollment", "Substitute pool", "Bulk purchasing",
	                                        "HR and payroll" };
	char closes[21];
	json_t *data = NULL;
	int64_t id;
	int err;

	/* An open proposal, providers voting, live results, with two ballots. */
	rt_time_after(closes, 14 * 24 * 3600);
	if ((err = demo_call(srv, ids->maria, "decision.create", json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:i, s:s, s:s}",
	        "coalition", ids->slug, "title", "Adopt the shared substitute pool",
	        "body", "The Hub would recruit, vet and schedule **substitute teachers** for every member site, "
	                "so a sick day no longer closes a classroom. Cost: $40 per site per month from the pooled budget.\n\n"
	                "Agree, abstain, disagree, or block if you cannot live with it.",
	        "kind", "proposal", "eligible_roles", "provider", "closes_at", closes, "quorum", 50,
	        "threshold", "majority", "results", "live"), &data)))
		return err;
	id = (int64_t)json_integer_value(json_object_get(json_object_get(data, "decision"), "id"));
	json_decref(data);
	if ((err = demo_call(srv, ids->ana, "ballot.cast", json_pack("{s:I, s:s, s:s}", "decision", (json_int_t)id,
	        "choice", "agree", "reason", "We lost four classroom days to staff illness last winter."), NULL)) ||
	    (err = demo_call(srv, ids->dee, "ballot.cast", json_pack("{s:I, s:s, s:s}", "decision", (json_int_t)id,
	        "choice", "agree", "reason", "Family child care homes need this most: there is no one to call."), NULL)))
		return err;

	/* A closed, secret ranked choice of the first shared service. */
	rt_time_after(closes, 7 * 24 * 3600);
	if ((err = demo_call(srv, ids->maria, "decision.create", json_pack("{s:s, s:s, s:s, s:s, s:[s,s,s,s], s:[s,s],"
	        " s:s, s:b, s:s}",
	        "coalition", ids->slug, "title", "Which shared service should the Hub start first?",
	        "body", "Rank the services from the one you need most. Counted by instant runoff; secret ballot.",
	        "kind", "ranked", "options", services[0], services[1], services[2], services[3],
	        "eligible_roles", "provider", "design_team", "closes_at", closes, "secret", 1,
	        "results", "after_close"), &data)))
		return err;
	id = (int64_t)json_integer_value(json_object_get(json_object_get(data, "decision"), "id"));
	json_decref(data);
	{
		const struct { int64_t who; const char *a, *b, *c; } votes[] = {
			{ ids->ana, services[1], services[0], services[2] },
			{ ids->dee, services[0], services[1], NULL },
			{ ids->tom, services[2], services[1], services[0] },
			{ ids->james, services[0], services[3], NULL },
			{ ids->maria, services[1], services[3], services[0] },
		};
		for (size_t i = 0; i < sizeof votes / sizeof votes[0]; i++) {
			json_t *order = json_pack("[s,s]", votes[i].a, votes[i].b);
			if (votes[i].c)
				json_array_append_new(order, json_string(votes[i].c));
			if ((err = demo_call(srv, votes[i].who, "ballot.cast",
			                     json_pack("{s:I, s:o}", "decision", (json_int_t)id, "choice", order), NULL)))
				return err;
		}
	}
	return demo_call(srv, ids->maria, "decision.close", json_pack("{s:I, s:s}", "decision", (json_int_t)id,
	        "outcome_statement", "The **substitute pool** goes first, after Bulk purchasing and HR were eliminated. "
	                             "Billing and enrollment follows in the spring."), NULL);
}

/* ---- op table ----------------------------------------------------------- */

#define DECISION { "decision", A_INT, 1, 0 }

const struct op decisions_ops[] = {
	{ "decision.create", decisions_create, OP_AUTH | OP_WRITE | OP_MEMBER, ROLE_CONVENER | ROLE_DESIGN_TEAM,
	  { { "coalition", A_STR, 1, 64 }, { "title", A_STR, 1, DECISION_TITLE_MAX }, { "body", A_STR, 1, DECISION_TEXT_MAX },
	    { "kind", A_STR, 1, 16 }, { "options", A_ARR, 0, TALLY_MAX_OPTIONS }, { "eligible_roles", A_ARR, 1, 7 },
	    { "closes_at", A_STR, 1, 40 }, { "quorum", A_INT, 0, 100 }, { "threshold", A_STR, 0, 16 },
	    { "secret", A_BOOL, 0, 0 }, { "results", A_STR, 0, 16 }, { "per_organization", A_BOOL, 0, 0 },
	    { "mou", A_INT, 0, 0 }, { "commit", A_STR, 0, 64 } } },
	{ "decision.list", decisions_list, OP_AUTH | OP_MEMBER, 0,
	  { { "coalition", A_STR, 1, 64 }, { "status", A_STR, 0, 16 } } },
	{ "decision.get", decisions_get, OP_AUTH, 0, { DECISION } },
	{ "decision.tally", decisions_tally, OP_AUTH, 0, { DECISION } },
	{ "ballot.cast", decisions_cast, OP_AUTH | OP_WRITE, 0,
	  { DECISION, { "choice", A_ANY, 1, 0 }, { "reason", A_STR, 0, DECISION_REASON_MAX },
	    { "receipt", A_STR, 0, 64 } } },
	{ "decision.close", decisions_close, OP_AUTH | OP_WRITE, 0,
	  { DECISION, { "outcome_statement", A_STR, 0, DECISION_TEXT_MAX } } },
	{ "decision.verify", decisions_verify, OP_AUTH, 0, { DECISION, { "receipt", A_STR, 1, 64 } } },
	{ 0 }
};
