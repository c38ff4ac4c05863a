/*
 * test_gitstore.c: the MOU repositories (storage/gitstore.c) and what the
 * MOU area builds on them (daemon/mou.c, daemon/mou_http.c): commits,
 * history, diffs, clean three-way merges, conflicts (nothing committed),
 * the compare-and-swap retry when the branch moves under a save, stale lock
 * clean-up, reconciliation after a crash between the commit and its row,
 * the MOU ops through dispatch_call, and the dumb-HTTP git endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "dispatch.h"
#include "gitstore.h"
#include "mou.h"
#include "rt.h"
#include "server.h"
#include "store_members.h"
#include "store_mou.h"

static const char base_text[] =
	"# MOU\n\n"
	"## Tasks\n\nThe Hub does billing.\n\n"
	"## Timeline\n\nLaunch in spring.\n\n"
	"## Data\n\nAttendance is shared monthly.\n";

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

struct fx {
	char dir[64];
	struct gitstore *gs;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/rt-gitstore-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	if (gitstore_global_init() != RT_OK || gitstore_open(&fx->gs, fx->dir, "valley", 1) != RT_OK)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	gitstore_close(fx->gs);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Saves text from base as Ana; asserts the result code; commit into out. */
static int save(struct gitstore *gs, const char *file, const char *base, const char *text, char out[GITSTORE_HEX],
                struct gitstore_save_out *res)
{
	struct gitstore_save_in in = { .file = file, .base = base, .text = text, .len = strlen(text),
	                               .name = "Ana Ruiz", .email = "ana@demo.test", .message = "an edit" };
	struct gitstore_save_out tmp;
	int err;
	if (!res)
		res = &tmp;
	err = gitstore_save(gs, &in, res);
	if (out)
		snprintf(out, GITSTORE_HEX, "%s", res->commit);
	if (res == &tmp)
		free(tmp.conflict);
	return err;
}

/* base_text with one line replaced. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out = NULL;
	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
	return out;
}

static void test_commit_read_history(void **state)
{
	struct fx *fx = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX], tip[GITSTORE_HEX], *text = NULL;
	char *v2 = replace(base_text, "Launch in spring.", "Launch in March.");
	json_t *hist = NULL;

	assert_int_equal(gitstore_tip(fx->gs, tip), RT_ENOTFOUND);
	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, c1, NULL), RT_OK);
	assert_true(gitstore_hex_ok(c1));
	assert_int_equal(save(fx->gs, "mou-1.md", c1, v2, c2, NULL), RT_OK);
	assert_int_equal(gitstore_tip(fx->gs, tip), RT_OK);
	assert_string_equal(tip, c2);

	assert_int_equal(gitstore_read(fx->gs, c1, "mou-1.md", &text, NULL), RT_OK);
	assert_string_equal(text, base_text);
	free(text);
	assert_int_equal(gitstore_read(fx->gs, c2, "mou-1.md", &text, NULL), RT_OK);
	assert_string_equal(text, v2);
	free(text);
	assert_int_equal(gitstore_read(fx->gs, c2, "mou-9.md", &text, NULL), RT_ENOTFOUND);
	assert_int_equal(gitstore_read(fx->gs, "0123456789012345678901234567890123456789", "mou-1.md", &text, NULL),
	                 RT_ENOTFOUND);
	assert_int_equal(gitstore_known(fx->gs, c1), RT_OK);

	/* Another file's commit is not in this file's history. */
	assert_int_equal(save(fx->gs, "mou-2.md", NULL, "other\n", NULL, NULL), RT_OK);
	assert_int_equal(gitstore_history(fx->gs, "mou-1.md", &hist), RT_OK);
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "commit")), c2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 1), "commit")), c1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "name")), "Ana Ruiz");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "email")), "ana@demo.test");
	json_decref(hist);

	/* Saving the same text again commits nothing. */
	{
		struct gitstore_save_out res;
		assert_int_equal(save(fx->gs, "mou-1.md", c2, v2, NULL, &res), RT_OK);
		assert_true(res.unchanged);
		free(res.conflict);
	}
	free(v2);
}

static void test_diff(void **state)
{
	struct fx *fx = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX], *diff = NULL;
	char *v2 = replace(base_text, "Launch in spring.", "Launch in March.");

	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, c1, NULL), RT_OK);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, v2, c2, NULL), RT_OK);
	assert_int_equal(gitstore_diff(fx->gs, "mou-1.md", c1, c2, &diff), RT_OK);
	assert_non_null(strstr(diff, "--- a/mou-1.md"));
	assert_non_null(strstr(diff, "+++ b/mou-1.md"));
	assert_non_null(strstr(diff, "@@ "));
	assert_non_null(strstr(diff, "\n-Launch in spring.\n"));
	assert_non_null(strstr(diff, "\n+Launch in March.\n"));
	free(diff);
	assert_int_equal(gitstore_diff(fx->gs, "mou-1.md", c1, c1, &diff), RT_OK);
	assert_string_equal(diff, "");
	free(diff);
	/* the redline: every line of the document, the change marked in place */
	{
		json_t *rl = NULL, *l;
		size_t i, dels = 0, adds = 0, same = 0;
		assert_int_equal(gitstore_redline(fx->gs, "mou-1.md", c1, c2, &rl), RT_OK);
		json_array_foreach(rl, i, l) {
			const char *op = json_string_value(json_object_get(l, "op"));
			const char *t = json_string_value(json_object_get(l, "text"));
			if (*op == '-') {
				dels++;
				assert_string_equal(t, "Launch in spring.");
				assert_string_equal(json_string_value(json_object_get(json_array_get(rl, i + 1), "text")), "Launch in March.");
			}
			adds += *op == '+';
			same += *op == ' ';
		}
		assert_int_equal(dels, 1);
		assert_int_equal(adds, 1);
		assert_int_equal(same + 1, 13); /* base_text has 13 lines */
		assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "text")), "# MOU");
		json_decref(rl);
		assert_int_equal(gitstore_redline(fx->gs, "mou-1.md", c1, c1, &rl), RT_OK);
		assert_int_equal(json_array_size(rl), 13);
		json_decref(rl);
	}
	assert_int_equal(gitstore_diff(fx->gs, "mou-1.md", c1, "ffffffffffffffffffffffffffffffffffffffff", &diff),
	                 RT_ENOTFOUND);
	free(v2);
}

static void test_clean_merge(void **state)
{
	struct fx *fx = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX], c3[GITSTORE_HEX], *text = NULL;
	char *a = replace(base_text, "The Hub does billing.", "The Hub does billing and payroll.");
	char *b = replace(base_text, "Attendance is shared monthly.", "Attendance is shared weekly.");
	struct gitstore_save_out res;

	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, c1, NULL), RT_OK);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, a, c2, NULL), RT_OK);
	/* b started from c1 too: merged with a, both kept */
	assert_int_equal(save(fx->gs, "mou-1.md", c1, b, c3, &res), RT_OK);
	assert_true(res.merged);
	free(res.conflict);
	assert_int_equal(gitstore_read(fx->gs, c3, "mou-1.md", &text, NULL), RT_OK);
	assert_non_null(strstr(text, "billing and payroll"));
	assert_non_null(strstr(text, "shared weekly"));
	assert_null(strstr(text, "<<<<<<<"));
	free(text);
	free(a);
	free(b);
}

static void test_conflict(void **state)
{
	struct fx *fx = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX], tip[GITSTORE_HEX];
	char *a = replace(base_text, "Launch in spring.", "Launch in March.");
	char *b = replace(base_text, "Launch in spring.", "Launch in the fall.");
	struct gitstore_save_out res;
	json_t *hist = NULL;

	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, c1, NULL), RT_OK);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, a, c2, NULL), RT_OK);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, b, NULL, &res), RT_ECONFLICT);
	assert_non_null(res.conflict);
	assert_non_null(strstr(res.conflict, "<<<<<<< your edit"));
	assert_non_null(strstr(res.conflict, "Launch in the fall."));
	assert_non_null(strstr(res.conflict, "======="));
	assert_non_null(strstr(res.conflict, "Launch in March."));
	assert_non_null(strstr(res.conflict, ">>>>>>> saved meanwhile"));
	assert_string_equal(res.tip, c2);
	free(res.conflict);
	/* nothing committed */
	assert_int_equal(gitstore_tip(fx->gs, tip), RT_OK);
	assert_string_equal(tip, c2);
	assert_int_equal(gitstore_history(fx->gs, "mou-1.md", &hist), RT_OK);
	assert_int_equal(json_array_size(hist), 2);
	json_decref(hist);
	/* a base that is no version of the file */
	assert_int_equal(save(fx->gs, "mou-1.md", "0000000000000000000000000000000000000001", b, NULL, NULL), RT_ENOTFOUND);
	free(a);
	free(b);
}

/* The compare-and-swap: another writer moves the branch between our commit
 * and our ref update. */
static struct fx *cas_fx;
static char cas_base[GITSTORE_HEX], cas_other[GITSTORE_HEX];
static void move_tip_once(struct gitstore *gs)
{
	struct gitstore *other = NULL;
	char *edit = replace(base_text, "The Hub does billing.", "The Hub does billing and HR.");
	(void)gs;
	gitstore_test_before_update = NULL; /* once */
	assert_int_equal(gitstore_open(&other, cas_fx->dir, "valley", 0), RT_OK);
	assert_int_equal(save(other, "mou-1.md", cas_base, edit, cas_other, NULL), RT_OK);
	gitstore_close(other);
	free(edit);
}

static void test_cas_retry(void **state)
{
	struct fx *fx = *state;
	char c[GITSTORE_HEX], *text = NULL;
	char *mine = replace(base_text, "Attendance is shared monthly.", "Attendance is shared daily.");
	struct gitstore_save_out res;
	json_t *hist = NULL;

	cas_fx = fx;
	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, cas_base, NULL), RT_OK);
	gitstore_test_before_update = move_tip_once;
	assert_int_equal(save(fx->gs, "mou-1.md", cas_base, mine, c, &res), RT_OK);
	free(res.conflict);
	assert_null(gitstore_test_before_update);
	assert_int_equal(res.retries, 1);
	assert_true(res.merged);
	/* both writers' words are in the head, and the other's commit is its parent */
	assert_int_equal(gitstore_read(fx->gs, c, "mou-1.md", &text, NULL), RT_OK);
	assert_non_null(strstr(text, "billing and HR"));
	assert_non_null(strstr(text, "shared daily"));
	free(text);
	assert_int_equal(gitstore_history(fx->gs, "mou-1.md", &hist), RT_OK);
	assert_int_equal(json_array_size(hist), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 1), "commit")), cas_other);
	json_decref(hist);
	free(mine);
}

static void test_stale_lock(void **state)
{
	struct fx *fx = *state;
	char c1[GITSTORE_HEX], lock[4200];
	int fd, removed = 0;

	assert_int_equal(save(fx->gs, "mou-1.md", NULL, base_text, c1, NULL), RT_OK);
	/* a killed daemon left the branch's lock file behind */
	snprintf(lock, sizeof lock, "%s/refs/heads/main.lock", gitstore_path(fx->gs));
	assert_true((fd = open(lock, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, "blocked\n", NULL, NULL), RT_EINTERNAL);
	assert_int_equal(gitstore_clean_locks(gitstore_path(fx->gs), &removed), RT_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(save(fx->gs, "mou-1.md", c1, "free again\n", NULL, NULL), RT_OK);
}

static void test_merge3_pure(void **state)
{
	char *out = NULL;
	size_t len;
	int conflicts = -1;
	(void)state;
	assert_int_equal(gitstore_merge3("a\nb\nc\n", 6, "A\nb\nc\n", 6, "a\nb\nC\n", 6, &out, &len, &conflicts), RT_OK);
	assert_int_equal(conflicts, 0);
	assert_string_equal(out, "A\nb\nC\n");
	free(out);
	assert_int_equal(gitstore_merge3("a\n", 2, "x\n", 2, "y\n", 2, &out, &len, &conflicts), RT_OK);
	assert_int_equal(conflicts, 1);
	free(out);
}

/* ---- the area over a database ---- */

struct world {
	char dir[64], dbpath[128];
	struct db *db;
	struct server srv;
	int64_t cid, other_cid, hub, prov, outsider, parent;
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof *w);
	char hash[128];
	snprintf(w->dir, sizeof w->dir, "/tmp/rt-mou-XXXXXX");
	if (!mkdtemp(w->dir))
		return -1;
	snprintf(w->dbpath, sizeof w->dbpath, "%s/roundtable.db", w->dir);
	if (gitstore_global_init() != RT_OK || db_open(&w->db, w->dbpath) != RT_OK)
		return -1;
	w->srv.db = w->db;
	w->srv.cfg.data_dir = w->dir;
	if (auth_hash_password(hash, "password-123") != RT_OK || db_begin(w->db, 1) != RT_OK ||
	    store_member_create(w->db, "hub@x.test", "Hana Hub", hash, 0, &w->hub) ||
	    store_member_create(w->db, "prov@x.test", "Pia Provider", hash, 0, &w->prov) ||
	    store_member_create(w->db, "out@x.test", "Otto Outsider", hash, 0, &w->outsider) ||
	    store_member_create(w->db, "par@x.test", "Pat Parent", hash, 0, &w->parent) ||
	    store_coalition_create(w->db, "valley", "Valley", "", &w->cid) ||
	    store_coalition_create(w->db, "other", "Other", "", &w->other_cid) ||
	    store_membership_set(w->db, w->cid, w->hub, ROLE_CONVENER | ROLE_HUB, "Hub Org", NULL) ||
	    store_membership_set(w->db, w->cid, w->prov, ROLE_PROVIDER, "Sunrise", NULL) ||
	    store_membership_set(w->db, w->cid, w->parent, ROLE_PARENT, NULL, NULL) ||
	    store_membership_set(w->db, w->other_cid, w->outsider, ROLE_CONVENER, "Elsewhere", NULL) ||
	    db_commit(w->db) != RT_OK)
		return -1;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	db_close(w->db);
	nftw(w->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(w);
	return 0;
}

static int call(struct world *w, int64_t who, const char *op, json_t *args, json_t **data)
{
	char msg[256] = "";
	json_t *d = NULL;
	int err = dispatch_call(&w->srv, who, op, args, &d, msg);
	json_decref(args);
	if (data)
		*data = d;
	else
		json_decref(d);
	return err;
}

static json_int_t create_mou(struct world *w, char commit[GITSTORE_HEX])
{
	json_t *d = NULL;
	json_int_t id;
	assert_int_equal(call(w, w->hub, "mou.create",
	                      json_pack("{s:s, s:s, s:s, s:[ss]}", "coalition", "valley", "title", "Hub MOU", "body",
	                                base_text, "parties", "Hub Org", "Sunrise"),
	                      &d),
	                 RT_OK);
	id = json_integer_value(json_object_get(json_object_get(d, "mou"), "id"));
	snprintf(commit, GITSTORE_HEX, "%s", json_string_value(json_object_get(d, "commit")));
	json_decref(d);
	return id;
}

static void test_ops(void **state)
{
	struct world *w = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX];
	char *a = replace(base_text, "Launch in spring.", "Launch in March.");
	char *b = replace(base_text, "Launch in spring.", "Launch in June.");
	json_t *d = NULL;
	json_int_t id = create_mou(w, c1);

	/* a parent may read but not write; a non-member sees nothing */
	assert_int_equal(call(w, w->parent, "mou.get", json_pack("{s:I}", "mou", id), NULL), RT_OK);
	assert_int_equal(call(w, w->parent, "mou.save", json_pack("{s:I, s:s, s:s}", "mou", id, "base", c1, "body", a), NULL),
	                 RT_EFORBIDDEN);
	assert_int_equal(call(w, w->outsider, "mou.get", json_pack("{s:I}", "mou", id), NULL), RT_ENOTFOUND);
	assert_int_equal(call(w, w->hub, "mou.get", json_pack("{s:I}", "mou", id + 100), NULL), RT_ENOTFOUND);
	assert_int_equal(call(w, w->hub, "mou.get", json_pack("{s:I, s:s}", "mou", id, "commit", "xyz"), NULL), RT_EBADREQ);

	assert_int_equal(call(w, w->prov, "mou.save",
	                      json_pack("{s:I, s:s, s:s, s:s}", "mou", id, "base", c1, "body", a, "message", "March"), &d),
	                 RT_OK);
	snprintf(c2, sizeof c2, "%s", json_string_value(json_object_get(d, "commit")));
	json_decref(d);
	/* overlapping edit from the old base: conflict, the head stays */
	assert_int_equal(call(w, w->hub, "mou.save", json_pack("{s:I, s:s, s:s}", "mou", id, "base", c1, "body", b), NULL),
	                 RT_ECONFLICT);
	assert_int_equal(call(w, w->hub, "mou.get", json_pack("{s:I}", "mou", id), &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(d, "commit")), c2);
	assert_string_equal(json_string_value(json_object_get(d, "body")), a);
	json_decref(d);

	/* signatures: only the head, only parties, once per organization and commit */
	assert_int_equal(call(w, w->prov, "mou.sign", json_pack("{s:I, s:s}", "mou", id, "commit", c1), NULL), RT_ECONFLICT);
	assert_int_equal(call(w, w->parent, "mou.sign", json_pack("{s:I, s:s}", "mou", id, "commit", c2), NULL), RT_EFORBIDDEN);
	assert_int_equal(call(w, w->prov, "mou.sign", json_pack("{s:I, s:s}", "mou", id, "commit", c2), &d), RT_OK);
	assert_false(json_is_true(json_object_get(d, "fully_signed")));
	json_decref(d);
	assert_int_equal(call(w, w->prov, "mou.sign", json_pack("{s:I, s:s}", "mou", id, "commit", c2), NULL), RT_ECONFLICT);
	assert_int_equal(call(w, w->hub, "mou.sign", json_pack("{s:I, s:s}", "mou", id, "commit", c2), &d), RT_OK);
	assert_true(json_is_true(json_object_get(d, "fully_signed")));
	json_decref(d);

	assert_int_equal(call(w, w->hub, "mou.history", json_pack("{s:I}", "mou", id), &d), RT_OK);
	assert_int_equal(json_array_size(json_object_get(d, "commits")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "commits"), 0), "message")), "March");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "commits"), 1), "message")),
	                    "Create Hub MOU");
	json_decref(d);
	free(a);
	free(b);
}

/* A crash between the commit and its row: start-up gives the commit its row. */
static void test_reconcile(void **state)
{
	struct world *w = *state;
	char c1[GITSTORE_HEX], c2[GITSTORE_HEX], c3[GITSTORE_HEX];
	char *v2 = replace(base_text, "Launch in spring.", "Launch in April.");
	struct gitstore *gs = NULL;
	struct mou_info m;
	json_t *d = NULL;
	int repaired = -1;
	json_int_t id = create_mou(w, c1);

	assert_int_equal(gitstore_open(&gs, w->dir, "valley", 0), RT_OK);
	/* a save whose transaction never committed */
	assert_int_equal(save(gs, "mou-1.md", c1, v2, c2, NULL), RT_OK);
	/* a create whose row never committed, with its trailers */
	{
		struct gitstore_save_in in = { .file = "mou-2.md", .text = "lost\n", .len = 5, .name = "Pia Provider",
		                               .email = "prov@x.test",
		                               .message = "Create Lost\n\nMOU-Title: Lost one\nMOU-Parties: [\"Sunrise\"]\n" };
		struct gitstore_save_out out;
		assert_int_equal(gitstore_save(gs, &in, &out), RT_OK);
		snprintf(c3, sizeof c3, "%s", out.commit);
		free(out.conflict);
	}
	gitstore_close(gs);
	assert_int_equal(store_mou_info(w->db, id, &m), RT_OK);
	assert_string_equal(m.head, c1);
	store_mou_info_free(&m);

	assert_int_equal(mou_reconcile(w->db, w->dir, &repaired), RT_OK);
	assert_int_equal(repaired, 2);
	assert_int_equal(store_mou_info(w->db, id, &m), RT_OK);
	assert_string_equal(m.head, c2);
	store_mou_info_free(&m);
	assert_int_equal(store_mou_info(w->db, 2, &m), RT_OK);
	assert_string_equal(m.head, c3);
	assert_string_equal(m.title, "Lost one");
	assert_string_equal(json_string_value(json_array_get(m.parties, 0)), "Sunrise");
	store_mou_info_free(&m);
	assert_true(store_mou_version_known(w->db, id, c2));
	/* the repaired MOU is usable: the next create does not reuse id 2 */
	assert_int_equal(call(w, w->hub, "mou.get", json_pack("{s:I}", "mou", 2), &d), RT_OK);
	assert_string_equal(json_string_value(json_object_get(d, "body")), "lost\n");
	json_decref(d);
	assert_int_equal(create_mou(w, c1), 3);
	/* idempotent */
	assert_int_equal(mou_reconcile(w->db, w->dir, &repaired), RT_OK);
	assert_int_equal(repaired, 0);
	free(v2);
}

/* The git endpoint for a member whose credentials auth.c verified (0: none);
 * the password checks and their limits are tests/protocol/signin-limits.test.mjs. */
static int get(struct world *w, const char *path, int64_t member, char **body, size_t *len)
{
	int status = 0;
	char *ctype = NULL;
	assert_int_equal(mou_http_git(w->db, w->dir, path, member, &status, &ctype, body, len), RT_OK);
	assert_non_null(ctype);
	free(ctype);
	return status;
}

static void test_http(void **state)
{
	struct world *w = *state;
	char c1[GITSTORE_HEX], path[200], *body = NULL;
	int64_t hub = w->hub;
	size_t len = 0;

	create_mou(w, c1);
	assert_int_equal(get(w, "/git/valley.git/info/refs", 0, &body, &len), 401);
	free(body);
	assert_int_equal(get(w, "/git/valley.git/info/refs", w->outsider, &body, &len), 404);
	free(body);
	assert_int_equal(get(w, "/git/nowhere.git/info/refs", hub, &body, &len), 404);
	free(body);
	assert_int_equal(get(w, "/git/valley.git/info/refs?service=git-upload-pack", hub, &body, &len), 200);
	assert_non_null(strstr(body, c1));
	assert_non_null(strstr(body, "\trefs/heads/main\n"));
	free(body);
	assert_int_equal(get(w, "/valley.git/HEAD", hub, &body, &len), 200);
	assert_string_equal(body, "ref: refs/heads/main\n");
	free(body);
	snprintf(path, sizeof path, "/git/valley.git/objects/%.2s/%s", c1, c1 + 2);
	assert_int_equal(get(w, path, hub, &body, &len), 200);
	assert_true(len > 10 && (unsigned char)body[0] == 0x78); /* zlib */
	free(body);
	assert_int_equal(get(w, "/git/valley.git/objects/info/packs", hub, &body, &len), 200);
	free(body);
	/* nothing else, and no way out */
	assert_int_equal(get(w, "/git/valley.git/config", hub, &body, &len), 404);
	free(body);
	assert_int_equal(get(w, "/git/valley.git/../roundtable.db", hub, &body, &len), 404);
	free(body);
	assert_int_equal(get(w, "/git/valley.git/objects/../../../roundtable.db", hub, &body, &len), 404);
	free(body);
	assert_int_equal(get(w, "/git/../roundtable.db.git/HEAD", hub, &body, &len), 404);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_read_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_lock, setup, teardown),
		cmocka_unit_test(test_merge3_pure),
		cmocka_unit_test_setup_teardown(test_ops, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_http, world_setup, world_teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
