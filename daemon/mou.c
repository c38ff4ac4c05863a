/*
 * mou.c: the MOU operations, their demo items and the start-up repair (see
 * mou.h). Handlers check the rules and call storage: the texts and their
 * history through gitstore, the rows through store_mou. Order of writes in
 * a request: the git commit first, then (in the request's transaction) the
 * row naming it and the event.
 *
 * A request that fails changes nothing, so a commit whose row is not
 * committed must leave the branch: a later save would otherwise merge in a
 * text nobody saved, and a restart would recover it as a version. Right
 * after its git commit a save registers a rollback hook (dispatch.h) that
 * moves the branch back to the commit's parent, with a compare-and-swap.
 * dispatch runs it at once when the request's savepoint is rolled back
 * (before the next request of the batch can build on the commit), and
 * newest first when the whole batch fails, so the branch is back where it
 * was before the batch. A crash between the git commit and the COMMIT
 * leaves a commit without a row: start-up reconciliation records it.
 */
#include "mou.h"
#include "db.h"
#include "dispatch.h"
#include "gitstore.h"
#include "hooks.h"
#include "render.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"
#include "store_mou.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who may write MOU texts: everyone but parents and observers. */
#define ROLES_EDIT (ROLE_CONVENER | ROLE_DESIGN_TEAM | ROLE_PROVIDER | ROLE_FUNDER | ROLE_HUB)
#define PARTIES_MAX 20
#define MESSAGE_MAX 2000
/* The trailers of a creating commit: enough for mou_start to rebuild the row. */
#define TRAILER_TITLE "MOU-Title: "
#define TRAILER_PARTIES "MOU-Parties: "

static const char template_body[] =
	"# Memorandum of Understanding\n"
	"\n"
	"Between the Alliance Hub and the member providers of the Shared Service Alliance.\n"
	"\n"
	"This memorandum makes clear the roles and responsibilities of every partner, for the\n"
	"launch of the Alliance and for its ongoing work. It is unique to our community: change\n"
	"any part of it together. Each party signs one exact version.\n"
	"\n"
	"## Parties\n"
	"\n"
	"- **The Hub**: (organization), which provides the shared services.\n"
	"- **Member providers**: (centers and family child care homes taking part).\n"
	"- **Other partners**: (funders, resource and referral agency, design team).\n"
	"\n"
	"## 1. Who will perform what tasks?\n"
	"\n"
	"- The Hub will: (for example billing and fee collection, payroll and HR, purchasing,\n"
	"  substitute staff pool, enrollment and waiting list, data and reporting).\n"
	"- Each member provider will: (for example keep attendance and enrollment current in the\n"
	"  shared system, take part in trainings, name one contact person).\n"
	"- Other partners will: (for example funding, coaching, outreach to families).\n"
	"\n"
	"## 2. What is the timeline for assigned work?\n"
	"\n"
	"- Launch (months 1 to 3): ...\n"
	"- First year: ...\n"
	"- Review of this memorandum: every ... months, and whenever a party asks.\n"
	"\n"
	"## 3. What information and data will be shared among partners, and how?\n"
	"\n"
	"- Shared: (for example enrollment, attendance, staffing, finances, quality measures).\n"
	"- How: (the shared system, reports and how often, who may see what).\n"
	"- Protection: (privacy of children, families and staff; consent; what is never shared).\n"
	"\n"
	"## 4. How will decisions be made?\n"
	"\n"
	"Through a contract, as a collective, as board members, or otherwise: (describe). Which\n"
	"decisions each body makes, and how it decides (vote, consent, quorum).\n"
	"\n"
	"## 5. How will member providers weigh in on decisions?\n"
	"\n"
	"(For example: a provider council, one vote per member organization, advance notice of\n"
	"proposals, and how family child care homes and centers are both heard.)\n"
	"\n"
	"## 6. Costs and savings\n"
	"\n"
	"What members pay for the services, and how savings are reinvested in classrooms.\n"
	"\n"
	"## 7. Changing or leaving this memorandum\n"
	"\n"
	"How the memorandum is amended, and how a party may leave it (notice, what happens to\n"
	"shared data).\n";

const char *mou_template_body(void)
{
	return template_body;
}

static const char *arg_str(struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->args, name));
}

/* The data directory, or a clear failure when the caller did not set it. */
static const char *data_dir(struct req *r)
{
	const char *d = r->srv->cfg.data_dir;
	if (!d || !*d) {
		req_fail(r, RT_EINTERNAL, NULL, "the server has no data directory configured for MOU repositories");
		return NULL;
	}
	return d;
}

/* A commit on the branch whose row is not committed yet: what the rollback
 * hook needs to take it back off. Owns the repository handle. */
struct made {
	struct gitstore *gs;
	char commit[GITSTORE_HEX];
};

/* Rollback hook: moves the branch back from the commit of a request that
 * failed (see the top). */
static void made_undo(void *arg)
{
	struct made *m = arg;
	int err = gitstore_unwind(m->gs, m->commit);
	if (err == RT_OK)
		rt_log(LOG_WARN, "mou: undid commit %.12s: its request failed", m->commit);
	else
		rt_log(LOG_ERROR, "mou: could not undo commit %.12s of a failed request (%s)", m->commit, rt_err_code(err));
	gitstore_close(m->gs);
	free(m);
}

/* Commit hook: the row is committed, the commit stays. */
static void made_keep(void *arg)
{
	struct made *m = arg;
	gitstore_close(m->gs);
	free(m);
}

/* Hands the repository and the commit just made to the request's hooks:
 * undone if the request fails, whenever that is. *gs is taken (NULL
 * after). When even that fails, undoes the commit at once. */
static int made_commit(struct req *r, struct gitstore **gs, const char *commit)
{
	struct made *m = calloc(1, sizeof *m);
	if (!m || req_on_rollback(r, made_undo, m) != RT_OK) {
		free(m);
		if (gitstore_unwind(*gs, commit) != RT_OK)
			rt_log(LOG_ERROR, "mou: could not undo commit %.12s of a failed request", commit);
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	}
	m->gs = *gs;
	*gs = NULL;
	snprintf(m->commit, sizeof m->commit, "%s", commit);
	if (req_on_commit(r, made_keep, m) != RT_OK)
		return r->err; /* the request fails: made_undo runs */
	return RT_OK;
}

/* Opens the coalition's repository (creating it when create is set). */
static int open_repo(struct req *r, int64_t coalition_id, int create, struct gitstore **gs)
{
	char slug[128];
	const char *dir = data_dir(r);
	int err;
	*gs = NULL;
	if (!dir)
		return r->err;
	if (store_coalition_slug(r->srv->db, coalition_id, slug, sizeof slug) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the coalition");
	if ((err = gitstore_open(gs, dir, slug, create)) != RT_OK)
		return req_fail(r, err == RT_ENOTFOUND ? RT_ENOTFOUND : RT_EINTERNAL, NULL,
		                err == RT_ENOTFOUND ? "this coalition has no MOU repository yet"
		                                    : "could not open the MOU repository");
	return RT_OK;
}

static void mou_file(char buf[64], int64_t id)
{
	snprintf(buf, 64, "mou-%lld.md", (long long)id);
}

/* A one-line text: no newline or tab. */
static int one_line(const char *s)
{
	return !strpbrk(s, "\r\n\t");
}

/* Is org one of the parties? */
static int is_party(const json_t *parties, const char *org)
{
	size_t i;
	json_t *p;
	json_array_foreach(parties, i, p)
		if (json_is_string(p) && strcmp(json_string_value(p), org) == 0)
			return 1;
	return 0;
}

/* The organizations that signed commit, in a new array. */
static json_t *signed_at(const json_t *sigs, const char *commit)
{
	json_t *orgs = json_array(), *s;
	size_t i;
	json_array_foreach(sigs, i, s)
		if (strcmp(json_string_value(json_object_get(s, "commit")), commit) == 0)
			json_array_append(orgs, json_object_get(s, "organization"));
	return orgs;
}

/* The MOU as clients see it: the row plus coalition, signed (the parties
 * that signed the head) and fully_signed (every party signed the head).
 * *sigs_out (if not NULL) gets every signature, each with `current` (on the
 * head commit). NULL on failure. */
static json_t *mou_view(struct db *db, int64_t id, json_t **sigs_out)
{
	json_t *m = NULL, *sigs = NULL, *signed_head = NULL, *parties, *s;
	char slug[128];
	const char *head;
	int64_t cid = 0;
	struct mou_info info;
	size_t i;
	int all = 1;

	if (sigs_out)
		*sigs_out = NULL;
	if (store_mou_info(db, id, &info) != RT_OK)
		return NULL;
	cid = info.coalition_id;
	store_mou_info_free(&info);
	if (store_mou_json(db, id, &m) != RT_OK || store_mou_signatures(db, id, &sigs) != RT_OK ||
	    store_coalition_slug(db, cid, slug, sizeof slug) != RT_OK)
		goto fail;
	head = json_string_value(json_object_get(m, "head"));
	parties = json_object_get(m, "parties");
	signed_head = signed_at(sigs, head);
	json_array_foreach(parties, i, s)
		if (!is_party(signed_head, json_string_value(s)))
			all = 0;
	json_array_foreach(sigs, i, s)
		json_object_set_new(s, "current", json_boolean(strcmp(json_string_value(json_object_get(s, "commit")), head) == 0));
	json_object_set_new(m, "coalition", json_string(slug));
	json_object_set_new(m, "signed", signed_head);
	json_object_set_new(m, "fully_signed", json_boolean(all && json_array_size(parties) > 0));
	if (sigs_out)
		*sigs_out = sigs;
	else
		json_decref(sigs);
	return m;
fail:
	json_decref(m);
	json_decref(sigs);
	return NULL;
}

/* Loads the MOU named by the `mou` argument and checks the caller belongs
 * to its coalition with one of roles (0: any member). */
static int load_mou(struct req *r, unsigned roles, struct mou_info *m)
{
	int64_t id = json_integer_value(json_object_get(r->args, "mou"));
	int err = store_mou_info(r->srv->db, id, m);
	if (err)
		return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "mou", "no such MOU")
		                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
	if (req_require_member(r, m->coalition_id, roles) != RT_OK) {
		store_mou_info_free(m);
		if (r->err == RT_ENOTFOUND) {
			r->field = "mou";
			snprintf(r->msg, sizeof r->msg, "no such MOU");
		}
		return r->err;
	}
	return RT_OK;
}

/* A commit argument: absent (NULL, if optional) or 40 hex digits. */
static int arg_commit(struct req *r, const char *name, const char **out)
{
	*out = arg_str(r, name);
	if (*out && !gitstore_hex_ok(*out))
		return req_fail(r, RT_EBADREQ, name, "%s must be a commit id: 40 lowercase hex digits", name);
	return RT_OK;
}

/* The caller's git identity in the coalition's repository (gitstore_author:
 * a safe name, an address that reveals nothing). */
static int author_of(struct req *r, int64_t coalition_id, struct gitstore_author *who)
{
	json_t *m = NULL;
	char slug[128];
	if (store_member_json(r->srv->db, r->member_id, &m) != RT_OK ||
	    store_coalition_slug(r->srv->db, coalition_id, slug, sizeof slug) != RT_OK) {
		json_decref(m);
		return req_fail(r, RT_EINTERNAL, NULL, "could not read your account");
	}
	gitstore_author(who, json_string_value(json_object_get(m, "name")), r->member_id, slug);
	json_decref(m);
	return RT_OK;
}

/* The member who wrote a commit: the id in gitstore_author's address, or
 * (commits made before it) the member with that sign-in email; 0 if none. */
static int64_t author_member(struct db *db, const char *email)
{
	int64_t id = gitstore_author_member(email);
	json_t *brief;
	int known;
	if (!id)
		return store_mou_member_by_email(db, email);
	brief = store_mou_member_brief(db, id);
	known = json_is_object(brief);
	json_decref(brief);
	return known ? id : 0;
}

/* Coalitions whose repository mou_reconcile could not reconcile: their MOUs
 * are read-only until it is repaired and the daemon restarted. */
static int64_t *broken;
static size_t n_broken, broken_size;

static int repo_broken(int64_t coalition_id)
{
	for (size_t i = 0; i < n_broken; i++)
		if (broken[i] == coalition_id)
			return 1;
	return 0;
}

/* RT_OK when the coalition's MOUs may be changed; otherwise fails r. */
static int writable(struct req *r, int64_t coalition_id, const char *field)
{
	if (!repo_broken(coalition_id))
		return RT_OK;
	return req_fail(r, RT_EUNAVAIL, field,
	                "this coalition's MOU repository needs repair by the server's operator (see its log); "
	                "MOUs can be read but not changed until then");
}

/* A commit message argument, or the default "<verb> <title>". */
static int arg_message(struct req *r, const char *verb, const char *title, char **out)
{
	const char *msg = arg_str(r, "message");
	*out = NULL;
	if (msg) {
		const char *p = msg;
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			return req_fail(r, RT_EBADREQ, "message", "message must not be empty; leave it out instead");
		if (strstr(msg, "\n" TRAILER_TITLE))
			return req_fail(r, RT_EBADREQ, "message", "message must not contain an MOU-Title: line");
		*out = strdup(msg);
	} else if (asprintf(out, "%s %s", verb, title) < 0) {
		*out = NULL;
	}
	return *out ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
}

/* Checks the parties argument; absent: the creator's organization (if any). */
static int arg_parties(struct req *r, json_t **out)
{
	json_t *arr = json_object_get(r->args, "parties"), *p;
	size_t i;

	*out = json_array();
	if (!*out)
		return req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	if (!arr || json_is_null(arr)) {
		char org[1024];
		if (store_mou_member_org(r->srv->db, r->coalition_id, r->member_id, org, sizeof org) == RT_OK)
			json_array_append_new(*out, json_string(org));
		return RT_OK;
	}
	json_array_foreach(arr, i, p) {
		const char *s = json_string_value(p);
		if (!s || !*s || strlen(s) > 200 || !one_line(s) || !rt_text_ok(s)) {
			json_decref(*out);
			*out = NULL;
			return req_fail(r, RT_EBADREQ, "parties", "parties must list organization names (1 to 200 bytes, one line each)");
		}
		if (is_party(*out, s)) {
			json_decref(*out);
			*out = NULL;
			return req_fail(r, RT_EBADREQ, "parties", "the party '%.100s' is named twice", s);
		}
		json_array_append(*out, p);
	}
	return RT_OK;
}

/* mou.template {} → {title, body, parties} */
static int mou_template(struct req *r)
{
	r->data = json_pack("{s:s, s:s, s:[]}", "title", "Memorandum of Understanding: Hub and member providers",
	                    "body", template_body, "parties");
	return r->data ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
}

/* mou.create {coalition, title, body, parties?, message?} → {mou, commit} */
static int mou_create(struct req *r)
{
	const char *title = arg_str(r, "title"), *body = arg_str(r, "body");
	char file[64], now[21], *msg = NULL, *full = NULL, *ptext = NULL;
	struct gitstore_author who;
	struct gitstore *gs = NULL;
	struct gitstore_save_out out = { 0 };
	json_t *parties = NULL, *view = NULL;
	int64_t id = 0;
	int err;

	if (!*title || !one_line(title))
		return req_fail(r, RT_EBADREQ, "title", "title must be one line, not empty");
	if ((err = writable(r, r->coalition_id, "coalition")))
		return err;
	if ((err = arg_parties(r, &parties)) || (err = arg_message(r, "Create", title, &msg)) ||
	    (err = author_of(r, r->coalition_id, &who)))
		goto done;
	if (!(ptext = json_dumps(parties, JSON_COMPACT | JSON_ENSURE_ASCII)) ||
	    asprintf(&full, "%s\n\n" TRAILER_TITLE "%s\n" TRAILER_PARTIES "%s\n", msg, title, ptext) < 0) {
		full = NULL;
		err = req_fail(r, RT_EINTERNAL, NULL, "out of memory");
		goto done;
	}
	if ((err = store_mou_create(r->srv->db, r->coalition_id, title, parties, r->member_id, &id))) {
		err = req_fail(r, err, NULL, "could not create the MOU");
		goto done;
	}
	if ((err = open_repo(r, r->coalition_id, 1, &gs)))
		goto done;
	mou_file(file, id);
	{
		struct gitstore_save_in in = { .file = file, .text = body, .len = strlen(body), .name = who.name,
		                               .email = who.email, .message = full };
		err = gitstore_save(gs, &in, &out);
	}
	if (err == RT_OK && out.unchanged) /* an identical file left by an unrecorded create */
		err = gitstore_tip(gs, out.commit);
	if (err) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not write the MOU to its repository");
		goto done;
	}
	RT_CRASH_POINT("mou.git"); /* committed in git, no row yet */
	if (!out.unchanged && (err = made_commit(r, &gs, out.commit)))
		goto done;
	rt_now(now);
	if ((err = store_mou_set_head(r->srv->db, id, out.commit, now)) ||
	    (err = store_mou_version_add(r->srv->db, id, out.commit, r->member_id, now)) ||
	    (err = store_mou_html_put(r->srv->db, id, out.commit, body, strlen(body)))) {
		err = req_fail(r, err, NULL, "could not record the MOU");
		goto done;
	}
	if (!(view = mou_view(r->srv->db, id, NULL))) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
		goto done;
	}
	if ((err = req_event(r, r->coalition_id, "mou.created", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O, s:s}", "mou", view, "commit", out.commit))))
		goto done;
	r->data = json_pack("{s:O, s:s}", "mou", view, "commit", out.commit);
done:
	json_decref(view);
	json_decref(parties);
	gitstore_close(gs);
	free(out.conflict);
	free(msg);
	free(full);
	free(ptext);
	return err;
}

/* mou.list {coalition} → {mous: [mou]} */
static int mou_list(struct req *r)
{
	json_t *ids = NULL, *list = json_array(), *id;
	size_t i;
	if (!list || store_mou_ids(r->srv->db, r->coalition_id, &ids) != RT_OK) {
		json_decref(list);
		return req_fail(r, RT_EINTERNAL, NULL, "could not list the MOUs");
	}
	json_array_foreach(ids, i, id) {
		json_t *v = mou_view(r->srv->db, json_integer_value(id), NULL);
		if (v)
			json_array_append_new(list, v);
	}
	json_decref(ids);
	r->data = json_pack("{s:o}", "mous", list);
	return RT_OK;
}

/* Stores the HTML of version commit of MOU id, rendered from text, or when
 * text is NULL (a merged save, a version older than schema 7) from the file
 * git holds at that commit: once, so that mou.get never renders. */
static int version_html(struct db *db, struct gitstore *gs, int64_t id, const char *commit, const char *text)
{
	char file[64], *read = NULL;
	size_t len = text ? strlen(text) : 0;
	int err;
	mou_file(file, id);
	if (!text && (err = gitstore_read(gs, commit, file, &read, &len)))
		return err;
	err = store_mou_html_put(db, id, commit, text ? text : read, len);
	free(read);
	return err;
}

/* Renders, once, every version that has no stored HTML (saved before schema
 * 7, or recovered from git by mou_reconcile). A version that cannot be read
 * is logged and left: mou.get then renders it on each read (bounded by the
 * renderer's cost guard) until a later start-up stores it. */
static void render_missing(struct db *db, const char *data_dir)
{
	json_t *list = NULL, *v;
	struct gitstore *gs = NULL;
	const char *open_slug = "";
	size_t i;
	int done = 0;

	if (store_mou_html_missing(db, &list) != RT_OK || db_begin(db, 1) != RT_OK) {
		json_decref(list);
		fprintf(stderr, "roundtable: could not list the MOU versions to render\n");
		return;
	}
	json_array_foreach(list, i, v) {
		const char *slug = json_string_value(json_object_get(v, "slug"));
		const char *commit = json_string_value(json_object_get(v, "commit"));
		int64_t id = json_integer_value(json_object_get(v, "mou"));
		if (strcmp(slug, open_slug) != 0) {
			gitstore_close(gs);
			gs = NULL;
			open_slug = slug;
			if (gitstore_open(&gs, data_dir, slug, 0) != RT_OK)
				gs = NULL;
		}
		if (!gs || version_html(db, gs, id, commit, NULL) != RT_OK)
			fprintf(stderr, "roundtable: MOU %lld: could not render version %s\n", (long long)id, commit);
		else
			done++;
	}
	gitstore_close(gs);
	if (db_commit(db) != RT_OK)
		fprintf(stderr, "roundtable: could not store the rendered MOU versions\n");
	else if (done)
		fprintf(stderr, "roundtable: rendered %d MOU version(s) once, for every later read\n", done);
	json_decref(list);
}

/* mou.get {mou, commit?} → {mou, commit, body, html, signatures} */
static int mou_get(struct req *r)
{
	struct mou_info m;
	struct gitstore *gs = NULL;
	const char *commit;
	char file[64], *text = NULL, *html = NULL;
	size_t len = 0;
	json_t *view = NULL, *sigs = NULL;
	int err;

	if (arg_commit(r, "commit", &commit) || load_mou(r, 0, &m))
		return r->err;
	if (!commit)
		commit = m.head;
	mou_file(file, m.id);
	if ((err = open_repo(r, m.coalition_id, 0, &gs)))
		goto done;
	if ((err = gitstore_known(gs, commit)) || (err = gitstore_read(gs, commit, file, &text, &len))) {
		err = err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "commit", "this commit is not a version of the MOU")
		                          : req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
		goto done;
	}
	/* rendered when the version was saved (or once at start-up) */
	if ((err = store_mou_html_get(r->srv->db, m.id, commit, &html)) == RT_ENOTFOUND)
		html = render_markdown(text, len); /* a version render_missing could not read */
	if (!html || !(view = mou_view(r->srv->db, m.id, &sigs))) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
		goto done;
	}
	r->data = json_pack("{s:O, s:s, s:s, s:s, s:s, s:O}", "mou", view, "commit", commit, "head", m.head,
	                    "body", text, "html", html, "signatures", sigs);
	err = r->data ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
done:
	json_decref(view);
	json_decref(sigs);
	gitstore_close(gs);
	store_mou_info_free(&m);
	free(text);
	free(html);
	return err;
}

/* mou.save {mou, base, body, message?} → {commit, merged, mou} */
static int mou_save(struct req *r)
{
	struct mou_info m;
	struct gitstore *gs = NULL, *repo;
	struct gitstore_save_out out = { 0 };
	const char *base, *body = arg_str(r, "body");
	char file[64], now[21], *msg = NULL;
	struct gitstore_author who;
	json_t *view = NULL;
	int err;

	if (arg_commit(r, "base", &base) || load_mou(r, ROLES_EDIT, &m))
		return r->err;
	mou_file(file, m.id);
	if ((err = writable(r, m.coalition_id, "mou")) || (err = arg_message(r, "Update", m.title, &msg)) ||
	    (err = author_of(r, m.coalition_id, &who)) ||
	    (err = open_repo(r, m.coalition_id, 0, &gs)))
		goto done;
	{
		struct gitstore_save_in in = { .file = file, .base = base, .text = body, .len = strlen(body),
		                               .name = who.name, .email = who.email, .message = msg };
		err = gitstore_save(gs, &in, &out);
	}
	if (err == RT_ENOTFOUND) {
		err = req_fail(r, RT_ENOTFOUND, "base", "base is not a version of this MOU");
		goto done;
	}
	if (err == RT_ECONFLICT) {
		/* Nothing was committed; the editor gets the text with both sides. */
		r->err_data = json_pack("{s:s%, s:b, s:s, s:s}", "merged", out.conflict, out.conflict_len, "conflicts", 1,
		                        "head", m.head, "base", base);
		err = req_fail(r, RT_ECONFLICT, "body",
		               "your edits overlap with edits saved since your base; resolve the marked parts and save again");
		goto done;
	}
	if (err) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not write the MOU to its repository");
		goto done;
	}
	if (out.unchanged) {
		if (!(view = mou_view(r->srv->db, m.id, NULL))) {
			err = req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
			goto done;
		}
		r->data = json_pack("{s:s, s:b, s:b, s:O}", "commit", m.head, "merged", out.merged, "unchanged", 1,
		                    "mou", view);
		goto done;
	}
	RT_CRASH_POINT("mou.git");
	repo = gs; /* borrowed: made_commit hands gs to the request's hooks, which run after this handler */
	if ((err = made_commit(r, &gs, out.commit)))
		goto done;
	rt_now(now);
	if ((err = store_mou_set_head(r->srv->db, m.id, out.commit, now)) ||
	    (err = store_mou_version_add(r->srv->db, m.id, out.commit, r->member_id, now)) ||
	    (err = version_html(r->srv->db, repo, m.id, out.commit, out.merged ? NULL : body))) {
		err = req_fail(r, err, NULL, "could not record the save");
		goto done;
	}
	if (!(view = mou_view(r->srv->db, m.id, NULL))) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not read the MOU");
		goto done;
	}
	if ((err = req_event(r, m.coalition_id, "mou.saved", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O, s:s, s:s, s:b, s:s, s:o}", "mou", view, "commit", out.commit,
	                               "base", base, "merged", out.merged, "message", msg, "author",
	                               store_mou_member_brief(r->srv->db, r->member_id)))))
		goto done;
	r->data = json_pack("{s:s, s:b, s:O}", "commit", out.commit, "merged", out.merged, "mou", view);
done:
	json_decref(view);
	gitstore_close(gs);
	store_mou_info_free(&m);
	free(out.conflict);
	free(msg);
	return err;
}

/* The message a member wrote: the creating commit's trailers cut off. */
static json_t *message_of(const char *full)
{
	const char *cut = strstr(full, "\n\n" TRAILER_TITLE);
	size_t n = cut ? (size_t)(cut - full) : strlen(full);
	while (n && (full[n - 1] == '\n' || full[n - 1] == ' '))
		n--;
	return json_stringn(full, n);
}

/* mou.history {mou} → {commits: [{commit, author, message, at}]} newest first */
static int mou_history(struct req *r)
{
	struct mou_info m;
	struct gitstore *gs = NULL;
	json_t *raw = NULL, *list = NULL, *c;
	char file[64];
	size_t i;
	int err;

	if (load_mou(r, 0, &m))
		return r->err;
	mou_file(file, m.id);
	if ((err = open_repo(r, m.coalition_id, 0, &gs)))
		goto done;
	if ((err = gitstore_history(gs, file, &raw)) || !(list = json_array())) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not read the history");
		goto done;
	}
	json_array_foreach(raw, i, c) {
		int64_t who = author_member(r->srv->db, json_string_value(json_object_get(c, "email")));
		json_t *author = who ? store_mou_member_brief(r->srv->db, who)
		                     : json_pack("{s:n, s:O}", "id", "name", json_object_get(c, "name"));
		json_array_append_new(list, json_pack("{s:O, s:o, s:o, s:O, s:b}", "commit", json_object_get(c, "commit"),
		                                      "author", author, "message",
		                                      message_of(json_string_value(json_object_get(c, "message"))), "at",
		                                      json_object_get(c, "at"), "head",
		                                      strcmp(json_string_value(json_object_get(c, "commit")), m.head) == 0));
	}
	r->data = json_pack("{s:o}", "commits", list);
	list = NULL;
done:
	json_decref(raw);
	json_decref(list);
	gitstore_close(gs);
	store_mou_info_free(&m);
	return err;
}

/* mou.diff {mou, from, to} → {diff, redline, from, to} */
static int mou_diff(struct req *r)
{
	struct mou_info m;
	struct gitstore *gs = NULL;
	const char *from, *to;
	char file[64], *diff = NULL, *text = NULL;
	size_t bytes = 0, lines = 0;
	json_t *redline = NULL;
	int err;

	if (arg_commit(r, "from", &from) || arg_commit(r, "to", &to) || load_mou(r, 0, &m))
		return r->err;
	mou_file(file, m.id);
	if ((err = open_repo(r, m.coalition_id, 0, &gs)))
		goto done;
	for (int i = 0; i < 2; i++) {
		const char *c = i ? to : from;
		size_t len = 0;
		err = gitstore_known(gs, c);
		if (!err)
			err = gitstore_read(gs, c, file, &text, &len);
		if (!err) {
			bytes += len;
			for (const char *p = text; p && (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
				lines++;
			lines += len && text[len - 1] != '\n'; /* a last line without its newline */
		}
		free(text);
		text = NULL;
		if (err) {
			err = req_fail(r, err == RT_ENOTFOUND ? RT_ENOTFOUND : RT_EINTERNAL, i ? "to" : "from",
			               "%s is not a version of this MOU", i ? "to" : "from");
			goto done;
		}
	}
	/* The diff's work and its reply grow with both texts: bounded (issue 22). */
	if (bytes > MOU_DIFF_MAX_BYTES || lines > MOU_DIFF_MAX_LINES) {
		err = req_fail(r, RT_ETOOLARGE, "to",
		               "the two versions together have %zu bytes and %zu lines; a diff takes at most %d bytes "
		               "and %d lines (compare them with mou.get)", bytes, lines, MOU_DIFF_MAX_BYTES, MOU_DIFF_MAX_LINES);
		goto done;
	}
	if ((err = gitstore_diff(gs, file, from, to, &diff)) || (err = gitstore_redline(gs, file, from, to, &redline))) {
		err = req_fail(r, RT_EINTERNAL, NULL, "could not compute the diff");
		goto done;
	}
	r->data = json_pack("{s:s, s:O, s:s, s:s}", "diff", diff, "redline", redline, "from", from, "to", to);
done:
	json_decref(redline);
	gitstore_close(gs);
	store_mou_info_free(&m);
	free(diff);
	return err;
}

/* mou.sign {mou, commit} → {signature, fully_signed, mou} */
static int mou_sign(struct req *r)
{
	struct mou_info m;
	const char *commit;
	char org[1024], now[21];
	json_t *view = NULL, *sig = NULL;
	int err;

	if (arg_commit(r, "commit", &commit) || load_mou(r, 0, &m))
		return r->err;
	if ((err = writable(r, m.coalition_id, "mou")))
		goto done;
	if (strcmp(commit, m.head) != 0) {
		err = req_fail(r, RT_ECONFLICT, "commit", "only the head commit can be signed; the MOU is now at %s", m.head);
		goto done;
	}
	if (store_mou_member_org(r->srv->db, m.coalition_id, r->member_id, org, sizeof org) != RT_OK) {
		err = req_fail(r, RT_EFORBIDDEN, NULL, "you represent no organization in this coalition, so you cannot sign");
		goto done;
	}
	if (!is_party(m.parties, org)) {
		err = req_fail(r, RT_EFORBIDDEN, NULL, "%.200s is not a party to this MOU", org);
		goto done;
	}
	rt_now(now);
	err = store_mou_sign(r->srv->db, m.id, org, commit, r->member_id, now);
	if (err == RT_ECONFLICT) {
		err = req_fail(r, RT_ECONFLICT, "commit", "%.200s has already signed this version", org);
		goto done;
	}
	if (err || !(view = mou_view(r->srv->db, m.id, NULL))) {
		err = req_fail(r, err ? err : RT_EINTERNAL, NULL, "could not record the signature");
		goto done;
	}
	sig = json_pack("{s:s, s:o, s:s, s:s, s:b}", "organization", org, "member",
	                store_mou_member_brief(r->srv->db, r->member_id), "commit", commit, "at", now, "current", 1);
	if ((err = req_event(r, m.coalition_id, "mou.signed", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O, s:O, s:O}", "mou", view, "signature", sig, "fully_signed",
	                               json_object_get(view, "fully_signed")))))
		goto done;
	r->data = json_pack("{s:O, s:O, s:O}", "signature", sig, "fully_signed", json_object_get(view, "fully_signed"),
	                    "mou", view);
done:
	json_decref(sig);
	json_decref(view);
	store_mou_info_free(&m);
	return err;
}

const struct op mou_ops[] = {
	{ "mou.template", mou_template, OP_AUTH, 0, { { 0 } } },
	{ "mou.create", mou_create, OP_AUTH | OP_WRITE | OP_MEMBER, ROLES_EDIT,
	  { { "coalition", A_STR, 1, 64 }, { "title", A_STR, 1, MOU_TITLE_MAX }, { "body", A_STR, 1, MOU_BODY_MAX },
	    { "parties", A_ARR, 0, PARTIES_MAX }, { "message", A_STR, 0, MESSAGE_MAX } } },
	{ "mou.list", mou_list, OP_AUTH | OP_MEMBER, 0, { { "coalition", A_STR, 1, 64 } } },
	{ "mou.get", mou_get, OP_AUTH, 0, { { "mou", A_INT, 1, 0 }, { "commit", A_STR, 0, 40 } } },
	{ "mou.save", mou_save, OP_AUTH | OP_WRITE, 0,
	  { { "mou", A_INT, 1, 0 }, { "base", A_STR, 1, 40 }, { "body", A_STR, 1, MOU_BODY_MAX },
	    { "message", A_STR, 0, MESSAGE_MAX } } },
	{ "mou.history", mou_history, OP_AUTH, 0, { { "mou", A_INT, 1, 0 } } },
	{ "mou.diff", mou_diff, OP_AUTH | OP_HEAVY, 0, { { "mou", A_INT, 1, 0 }, { "from", A_STR, 1, 40 }, { "to", A_STR, 1, 40 } } },
	{ "mou.sign", mou_sign, OP_AUTH | OP_WRITE, 0, { { "mou", A_INT, 1, 0 }, { "commit", A_STR, 1, 40 } } },
	{ NULL, NULL, 0, 0, { { 0 } } }
};

/* ---- start-up reconciliation ---- */

struct reconcile {
	struct db *db;
	struct gitstore *gs;
	int64_t coalition_id;
	int repaired;
	int64_t failed; /* the MOU being reconciled when it failed, if any */
};

/* Appends an event outside a request (start-up has no connection). */
static int system_event(struct db *db, int64_t cid, const char *type, int64_t actor, json_t *payload)
{
	char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	struct event_row ev = { .coalition_id = cid, .type = type, .actor = actor, .payload = text };
	int err = text ? store_event_append(db, &ev) : RT_EINTERNAL;
	free(text);
	json_decref(payload);
	return err;
}

/* Reads a trailer line's value out of a commit message into a new string. */
static char *trailer(const char *msg, const char *name)
{
	const char *p = strstr(msg, name), *end;
	if (!p)
		return NULL;
	p += strlen(name);
	end = strchr(p, '\n');
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

/* One MOU file at git's tip: make the database name the same head. */
static int reconcile_one(void *ud, int64_t id, const char *commit)
{
	struct reconcile *rc = ud;
	struct mou_info m;
	json_t *hist = NULL, *c, *parties = NULL;
	char file[64], *title = NULL, *ptext = NULL;
	const char *db_head = "";
	int err, created = 0;
	size_t i, n;

	mou_file(file, id);
	err = store_mou_info(rc->db, id, &m);
	if (err && err != RT_ENOTFOUND)
		return err;
	if (err == RT_OK && m.coalition_id != rc->coalition_id) {
		rt_log(LOG_WARN, "MOU %lld belongs to another coalition than its repository; left alone", (long long)id);
		store_mou_info_free(&m);
		return RT_OK;
	}
	if (err == RT_OK && strcmp(m.head, commit) == 0) {
		store_mou_info_free(&m);
		return RT_OK;
	}
	if ((err = gitstore_history(rc->gs, file, &hist)) != RT_OK || !(n = json_array_size(hist)))
		goto done;
	if (!m.parties) {
		/* The create's commit exists, its row never did: rebuild it from the trailers. */
		json_t *first = json_array_get(hist, n - 1);
		const char *msg = json_string_value(json_object_get(first, "message"));
		title = trailer(msg, TRAILER_TITLE);
		ptext = trailer(msg, TRAILER_PARTIES);
		parties = ptext ? json_loads(ptext, 0, NULL) : NULL;
		if (!json_is_array(parties)) {
			json_decref(parties);
			parties = json_array();
		}
		if (!title || !*title) {
			free(title);
			if (asprintf(&title, "MOU %lld", (long long)id) < 0)
				title = NULL;
		}
		if (!title || (err = store_mou_restore(rc->db, id, rc->coalition_id, title, parties,
		                                       author_member(rc->db, json_string_value(json_object_get(first, "email"))),
		                                       json_string_value(json_object_get(first, "at")))))
			goto done;
		created = 1;
		if ((err = store_mou_info(rc->db, id, &m)))
			goto done;
	}
	db_head = m.head;
	/* Every commit newer than the row's head gets its version row, oldest first. */
	for (i = n; i-- > 0;) {
		c = json_array_get(hist, i);
		if (store_mou_version_known(rc->db, id, json_string_value(json_object_get(c, "commit"))))
			continue;
		if ((err = store_mou_version_add(rc->db, id, json_string_value(json_object_get(c, "commit")),
		                                 author_member(rc->db, json_string_value(json_object_get(c, "email"))),
		                                 json_string_value(json_object_get(c, "at")))))
			goto done;
	}
	c = json_array_get(hist, 0);
	if ((err = store_mou_set_head(rc->db, id, commit, json_string_value(json_object_get(c, "at")))))
		goto done;
	rt_log(LOG_WARN, "MOU %lld: the database now names commit %s (it named %s)", (long long)id, commit,
	        *db_head ? db_head : "nothing");
	{
		json_t *view = mou_view(rc->db, id, NULL);
		int64_t actor = author_member(rc->db, json_string_value(json_object_get(c, "email")));
		if (!view) {
			err = RT_EINTERNAL;
			goto done;
		}
		if (created)
			err = system_event(rc->db, rc->coalition_id, "mou.created", actor,
			                   json_pack("{s:o, s:s, s:b}", "mou", view, "commit", commit, "recovered", 1));
		else
			err = system_event(rc->db, rc->coalition_id, "mou.saved", actor,
			                   json_pack("{s:o, s:s, s:b, s:b}", "mou", view, "commit", commit,
			                             "merged", 0, "recovered", 1));
		if (err)
			goto done;
	}
	rc->repaired++;
done:
	store_mou_info_free(&m);
	json_decref(hist);
	json_decref(parties);
	free(title);
	free(ptext);
	return err;
}

/* reconcile_one, then a check that the head's text can be read (a missing
 * object); remembers which MOU failed. */
static int reconcile_checked(void *ud, int64_t id, const char *commit)
{
	struct reconcile *rc = ud;
	char file[64], *text = NULL;
	int err = reconcile_one(ud, id, commit);
	mou_file(file, id);
	if (err == RT_OK)
		err = gitstore_read(rc->gs, commit, file, &text, NULL);
	free(text);
	if (err)
		rc->failed = id;
	return err;
}

/* Remembers that a coalition's repository needs repair (repo_broken). */
static int mark_broken(int64_t coalition_id)
{
	if (repo_broken(coalition_id))
		return RT_OK;
	if (n_broken == broken_size) {
		size_t size = broken_size ? 2 * broken_size : 8;
		int64_t *more = realloc(broken, size * sizeof *more);
		if (!more)
			return RT_EINTERNAL;
		broken = more;
		broken_size = size;
	}
	broken[n_broken++] = coalition_id;
	return RT_OK;
}

int mou_reconcile(struct db *db, const char *data_dir, int *repaired)
{
	json_t *list = NULL, *co;
	size_t i;
	int err;

	if (repaired)
		*repaired = 0;
	n_broken = 0;
	if (!data_dir || !*data_dir)
		return RT_EINTERNAL;
	if ((err = gitstore_global_init()) || (err = store_mou_coalitions(db, &list)))
		return err;
	json_array_foreach(list, i, co) {
		const char *slug = json_string_value(json_object_get(co, "slug"));
		struct reconcile rc = { .db = db, .coalition_id = json_integer_value(json_object_get(co, "id")) };
		char path[4096];
		if (gitstore_repo_path(path, sizeof path, data_dir, slug) != RT_OK)
			continue;
		if ((err = gitstore_clean_locks(path, NULL)) == RT_OK)
			err = gitstore_open(&rc.gs, data_dir, slug, 0);
		if (err == RT_ENOTFOUND) {
			err = RT_OK;
			continue;
		}
		if (err == RT_OK && (err = db_begin(db, 1)) == RT_OK) {
			err = gitstore_heads(rc.gs, reconcile_checked, &rc);
			if (err == RT_OK)
				err = db_commit(db);
			else
				db_rollback(db);
		}
		gitstore_close(rc.gs);
		if (err == RT_OK) {
			if (repaired)
				*repaired += rc.repaired;
			continue;
		}
		/* One repository holding something unexpected does not stop the
		 * daemon: its MOUs become read-only, everything else is served. */
		if (rc.failed)
			rt_log(LOG_ERROR, "MOU %lld of %s could not be reconciled with the database",
			        (long long)rc.failed, slug);
		rt_log(LOG_ERROR, "the MOU repository %s needs repair (see docs/operations.md); "
		                "until then the MOUs of %s are read-only", path, slug);
		if ((err = mark_broken(rc.coalition_id)))
			break;
	}
	json_decref(list);
	return err;
}

int mou_start(struct server *srv)
{
	int repaired = 0;
	if (gitstore_global_init() != RT_OK) {
		rt_log(LOG_ERROR, "cannot initialise libgit2");
		return -1;
	}
	if (mou_reconcile(srv->db, srv->cfg.data_dir, &repaired) != RT_OK) {
		rt_log(LOG_ERROR, "the MOU repositories and the database disagree and could not be repaired");
		return -1;
	}
	if (repaired)
		rt_log(LOG_WARN, "repaired %d MOU row(s) from git", repaired);
	if (n_broken)
		rt_log(LOG_WARN, "%zu MOU repositor%s need%s repair; serving everything else", n_broken,
		        n_broken == 1 ? "y" : "ies", n_broken == 1 ? "s" : "");
	render_missing(srv->db, srv->cfg.data_dir);
	return 0;
}

/* ---- demo ---- */

/* Runs one op as a demo member; prints why it failed. */
static int demo_call(struct server *srv, int64_t member, const char *op, json_t *args, json_t **data)
{
	char msg[256] = "";
	int err = dispatch_call(srv, member, op, args, data, msg);
	json_decref(args);
	if (err)
		fprintf(stderr, "roundtable: demo %s: %s\n", op, msg);
	return err;
}

int mou_demo(struct server *srv, const struct demo_ids *ids)
{
	struct server s = *srv;
	char dir[4096], *edited = NULL;
	const char *dbfile, *commit;
	json_t *created = NULL, *saved = NULL;
	int64_t id;
	int err;
	static const char from[] = "## 2. What is the timeline for assigned work?\n\n- Launch (months 1 to 3): ...\n";
	static const char to[] =
		"## 2. What is the timeline for assigned work?\n\n"
		"- Launch (months 1 to 3): the Hub sets up billing and the substitute pool; each provider names a contact.\n";
	const char *at;

	/* The demo command has no server config: the database lives in the data directory. */
	if (!s.cfg.data_dir) {
		if (!(dbfile = sqlite3_db_filename(db_handle(srv->db), "main")) || !*dbfile)
			return RT_EINTERNAL;
		snprintf(dir, sizeof dir, "%s", dbfile);
		s.cfg.data_dir = dirname(dir);
	}
	if ((err = gitstore_global_init()))
		return err;
	if ((err = demo_call(&s, ids->maria, "mou.create",
	                     json_pack("{s:s, s:s, s:s, s:[sss], s:s}", "coalition", ids->slug, "title",
	                               "Hub and member providers: roles and responsibilities", "body", template_body,
	                               "parties", "Valley Early Learning Network", "Sunrise Child Care Center",
	                               "Little Steps Family Child Care", "message", "First draft from the template"),
	                     &created)))
		goto done;
	id = json_integer_value(json_object_get(json_object_get(created, "mou"), "id"));
	commit = json_string_value(json_object_get(created, "commit"));
	/* Version 2: Ana fills in the launch timeline. */
	if (!(at = strstr(template_body, from)) ||
	    asprintf(&edited, "%.*s%s%s", (int)(at - template_body), template_body, to, at + strlen(from)) < 0) {
		edited = NULL;
		err = RT_EINTERNAL;
		goto done;
	}
	if ((err = demo_call(&s, ids->ana, "mou.save",
	                     json_pack("{s:I, s:s, s:s, s:s}", "mou", (json_int_t)id, "base", commit, "body", edited,
	                               "message", "Launch timeline: what the Hub and providers do first"),
	                     &saved)))
		goto done;
	/* One of three parties has signed the head: partially signed. */
	err = demo_call(&s, ids->ana, "mou.sign",
	                json_pack("{s:I, s:s}", "mou", (json_int_t)id, "commit",
	                          json_string_value(json_object_get(saved, "commit"))),
	                NULL);
done:
	json_decref(created);
	json_decref(saved);
	free(edited);
	return err;
}
