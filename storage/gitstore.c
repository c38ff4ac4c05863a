/*
 * gitstore.c: the coalitions' MOU repositories through libgit2 1.5 (see
 * gitstore.h). Every libgit2 call of Roundtable is in this file.
 */
#include "gitstore.h"
#include "log.h"
#include "rt.h"

#include <git2.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SAVE_TRIES 16

struct gitstore {
	git_repository *repo;
	char path[4096];
};

void (*gitstore_test_before_update)(struct gitstore *gs) = NULL;

/* Prints libgit2's last error with what we were doing; returns RT_EINTERNAL. */
static int git_fail(const char *what, int code)
{
	const git_error *e = git_error_last();
	st_log(ST_LOG_ERROR, "git: %s failed (%d): %s", what, code, e && e->message ? e->message : "?");
	return RT_EINTERNAL;
}

int gitstore_global_init(void)
{
	static int done;
	if (done)
		return RT_OK;
	if (git_libgit2_init() < 0)
		return git_fail("init", -1);
	if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return git_fail("enabling fsync", -1);
	done = 1;
	return RT_OK;
}

int gitstore_repo_path(char *buf, size_t size, const char *data_dir, const char *slug)
{
	int n = snprintf(buf, size, "%s/git/%s.git", data_dir, slug);
	return n < 0 || (size_t)n >= size ? RT_EINTERNAL : RT_OK;
}

int gitstore_open(struct gitstore **out, const char *data_dir, const char *slug, int create)
{
	struct gitstore *gs = NULL;
	char dir[4096];
	struct stat st;
	int err = RT_EINTERNAL, rc;

	*out = NULL;
	if (!data_dir || !*data_dir || !slug || !*slug || strchr(slug, '/') || strstr(slug, ".."))
		return RT_EINTERNAL;
	if (gitstore_global_init() != RT_OK || !(gs = calloc(1, sizeof *gs)) ||
	    gitstore_repo_path(gs->path, sizeof gs->path, data_dir, slug) != RT_OK)
		goto done;
	if (stat(gs->path, &st) != 0) {
		git_repository_init_options opts;
		if (!create) {
			err = RT_ENOTFOUND;
			goto done;
		}
		snprintf(dir, sizeof dir, "%s/git", data_dir);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			st_log(ST_LOG_ERROR, "cannot create %s: %s", dir, strerror(errno));
			goto done;
		}
		if (git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION) < 0)
			goto done;
		opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKDIR | GIT_REPOSITORY_INIT_NO_REINIT;
		opts.initial_head = "main";
		opts.description = "Roundtable: the coalition's MOUs, one markdown file each";
		if ((rc = git_repository_init_ext(&gs->repo, gs->path, &opts)) < 0) {
			err = git_fail("creating the repository", rc);
			goto done;
		}
	} else if ((rc = git_repository_open_bare(&gs->repo, gs->path)) < 0) {
		err = git_fail("opening the repository", rc);
		goto done;
	}
	*out = gs;
	gs = NULL;
	err = RT_OK;
done:
	gitstore_close(gs);
	return err;
}

void gitstore_close(struct gitstore *gs)
{
	if (!gs)
		return;
	git_repository_free(gs->repo);
	free(gs);
}

const char *gitstore_path(const struct gitstore *gs)
{
	return gs->path;
}

int gitstore_hex_ok(const char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 40;
}

void gitstore_author(struct gitstore_author *out, const char *stored_name, int64_t member_id, const char *slug)
{
	char domain[64];
	size_t n = 0;

	name_for_git(stored_name, member_id, out->name);
	/* A slug is a-z 0-9 -; anything else (never stored) is left out. */
	for (const char *p = slug ? slug : ""; *p && n < 40; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
			domain[n++] = *p;
	domain[n] = '\0';
	snprintf(out->email, sizeof out->email, "member-%lld@%s.roundtable.invalid", (long long)member_id,
	         n ? domain : "coalition");
}

int64_t gitstore_author_member(const char *email)
{
	static const char suffix[] = ".roundtable.invalid";
	const char *at;
	char *end;
	long long id;
	size_t n;

	if (!email || strncmp(email, "member-", 7) != 0 || email[7] < '1' || email[7] > '9')
		return 0;
	id = strtoll(email + 7, &end, 10);
	if (*end != '@' || id <= 0)
		return 0;
	at = end + 1;
	n = strlen(at);
	return n > sizeof suffix - 1 && strcmp(at + n - (sizeof suffix - 1), suffix) == 0 ? (int64_t)id : 0;
}

/* Would s make a valid part of a commit's author line? Not empty, no
 * control character (a line break ends the header), no '<' or '>'. */
static int ident_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static int oid_parse(git_oid *oid, const char *hex)
{
	if (!gitstore_hex_ok(hex) || git_oid_fromstr(oid, hex) < 0)
		return RT_ENOTFOUND;
	return RT_OK;
}

/* The branch tip: RT_OK, RT_ENOTFOUND when unborn, RT_EINTERNAL. */
static int tip_oid(struct gitstore *gs, git_oid *out)
{
	int rc = git_reference_name_to_id(out, gs->repo, GITSTORE_BRANCH);
	if (rc == GIT_ENOTFOUND)
		return RT_ENOTFOUND;
	return rc < 0 ? git_fail("reading the branch", rc) : RT_OK;
}

int gitstore_tip(struct gitstore *gs, char out[GITSTORE_HEX])
{
	git_oid oid;
	int err = tip_oid(gs, &oid);
	out[0] = '\0';
	if (err == RT_OK)
		git_oid_tostr(out, GITSTORE_HEX, &oid);
	return err;
}

static int commit_lookup(struct gitstore *gs, git_commit **out, const git_oid *oid);

/* Is oid the tip or one of its ancestors? */
static int oid_known(struct gitstore *gs, const git_oid *oid)
{
	git_commit *c = NULL;
	git_oid tip;
	int err = tip_oid(gs, &tip), rc;
	if (err || (err = commit_lookup(gs, &c, oid)))
		return err;
	git_commit_free(c);
	if (git_oid_equal(&tip, oid))
		return RT_OK;
	/* A tip git cannot parse (a damaged repository) fails here: libgit2 1.5's
	 * git_graph_descendant_of leaks memory on one. */
	if ((err = commit_lookup(gs, &c, &tip)))
		return err == RT_ENOTFOUND ? RT_EINTERNAL : err;
	git_commit_free(c);
	rc = git_graph_descendant_of(gs->repo, &tip, oid);
	if (rc < 0)
		return rc == GIT_ENOTFOUND ? RT_ENOTFOUND : git_fail("walking the history", rc);
	return rc ? RT_OK : RT_ENOTFOUND;
}

int gitstore_known(struct gitstore *gs, const char *commit)
{
	git_oid oid;
	int err = oid_parse(&oid, commit);
	return err ? err : oid_known(gs, &oid);
}

/* The blob id of file in the commit's tree: RT_OK, RT_ENOTFOUND (no such
 * commit or file), RT_EINTERNAL. */
static int file_blob_id(struct gitstore *gs, const git_commit *c, const char *file, git_oid *out)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int err = RT_EINTERNAL, rc;

	if ((rc = git_commit_tree(&tree, c)) < 0) {
		err = git_fail("reading a tree", rc);
		goto done;
	}
	rc = git_tree_entry_bypath(&e, tree, file);
	if (rc == GIT_ENOTFOUND) {
		err = RT_ENOTFOUND;
		goto done;
	}
	if (rc < 0) {
		err = git_fail("reading a tree entry", rc);
		goto done;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		err = RT_ENOTFOUND;
		goto done;
	}
	git_oid_cpy(out, git_tree_entry_id(e));
	err = RT_OK;
done:
	git_tree_entry_free(e);
	git_tree_free(tree);
	(void)gs;
	return err;
}

/* Copies a blob's content into a malloc'd NUL-terminated buffer. */
static int blob_text(struct gitstore *gs, const git_oid *id, char **text, size_t *len)
{
	git_blob *b = NULL;
	size_t n;
	int rc;

	*text = NULL;
	if ((rc = git_blob_lookup(&b, gs->repo, id)) < 0)
		return rc == GIT_ENOTFOUND ? RT_ENOTFOUND : git_fail("reading a blob", rc);
	n = (size_t)git_blob_rawsize(b);
	if (!(*text = malloc(n + 1))) {
		git_blob_free(b);
		return RT_EINTERNAL;
	}
	memcpy(*text, git_blob_rawcontent(b), n);
	(*text)[n] = '\0';
	if (len)
		*len = n;
	git_blob_free(b);
	return RT_OK;
}

/* Looks a commit up by id: RT_ENOTFOUND if absent (or not a commit). */
static int commit_lookup(struct gitstore *gs, git_commit **out, const git_oid *oid)
{
	int rc = git_commit_lookup(out, gs->repo, oid);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS)
		return RT_ENOTFOUND;
	if (rc < 0) {
		/* a non-commit object with this id is "no such commit" too */
		const git_error *e = git_error_last();
		if (e && e->klass == GIT_ERROR_INVALID)
			return RT_ENOTFOUND;
		return git_fail("reading a commit", rc);
	}
	return RT_OK;
}

/* The text of file at an oid. */
static int read_at(struct gitstore *gs, const git_oid *oid, const char *file, char **text, size_t *len,
                   git_oid *blob_out)
{
	git_commit *c = NULL;
	git_oid blob;
	int err;

	*text = NULL;
	if ((err = commit_lookup(gs, &c, oid)) || (err = file_blob_id(gs, c, file, &blob)))
		goto done;
	if (blob_out)
		git_oid_cpy(blob_out, &blob);
	err = blob_text(gs, &blob, text, len);
done:
	git_commit_free(c);
	return err;
}

int gitstore_read(struct gitstore *gs, const char *commit, const char *file, char **text, size_t *len)
{
	git_oid oid;
	int err = oid_parse(&oid, commit);
	*text = NULL;
	return err ? err : read_at(gs, &oid, file, text, len, NULL);
}

int gitstore_merge3(const char *ancestor, size_t alen, const char *ours, size_t olen,
                    const char *theirs, size_t tlen, char **out, size_t *out_len, int *conflicts)
{
	git_merge_file_input a, o, t;
	git_merge_file_options opts;
	git_merge_file_result res;
	int rc;

	*out = NULL;
	if (git_merge_file_input_init(&a, GIT_MERGE_FILE_INPUT_VERSION) < 0 ||
	    git_merge_file_input_init(&o, GIT_MERGE_FILE_INPUT_VERSION) < 0 ||
	    git_merge_file_input_init(&t, GIT_MERGE_FILE_INPUT_VERSION) < 0 ||
	    git_merge_file_options_init(&opts, GIT_MERGE_FILE_OPTIONS_VERSION) < 0)
		return git_fail("merge options", -1);
	memset(&res, 0, sizeof res);
	a.ptr = ancestor, a.size = alen;
	o.ptr = ours, o.size = olen;
	t.ptr = theirs, t.size = tlen;
	opts.ancestor_label = "base";
	opts.our_label = "your edit";
	opts.their_label = "saved meanwhile";
	opts.favor = GIT_MERGE_FILE_FAVOR_NORMAL;
	if ((rc = git_merge_file(&res, &a, &o, &t, &opts)) < 0)
		return git_fail("merging", rc);
	if (!(*out = malloc(res.len + 1))) {
		git_merge_file_result_free(&res);
		return RT_EINTERNAL;
	}
	if (res.len) /* an empty result has no buffer (ptr NULL) */
		memcpy(*out, res.ptr, res.len);
	(*out)[res.len] = '\0';
	if (out_len)
		*out_len = res.len;
	*conflicts = !res.automergeable;
	git_merge_file_result_free(&res);
	return RT_OK;
}

/* One attempt of a save against the current tip. RT_OK (committed or
 * unchanged), RT_ECONFLICT, RT_ENOTFOUND, RT_EINTERNAL, or 1: the tip moved
 * under us, try again. */
static int save_once(struct gitstore *gs, const struct gitstore_save_in *in, struct gitstore_save_out *out)
{
	git_oid tip, base, base_blob, tip_blob, tree_id, new_id;
	git_commit *tip_c = NULL;
	git_index *idx = NULL;
	git_tree *tip_tree = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	git_index_entry entry;
	char *base_text = NULL, *tip_text = NULL, *merged = NULL;
	const char *text = in->text;
	size_t base_len = 0, tip_len = 0, len = in->len, merged_len = 0;
	int err, have_tip, have_tip_file = 0, rc, conflicts = 0;
	const git_commit *parents[1];

	out->merged = 0;
	out->unchanged = 0;
	if ((err = tip_oid(gs, &tip)) && err != RT_ENOTFOUND)
		goto done;
	have_tip = err == RT_OK;
	err = RT_OK;
	if (have_tip) {
		if ((err = commit_lookup(gs, &tip_c, &tip)))
			goto done;
		err = read_at(gs, &tip, in->file, &tip_text, &tip_len, &tip_blob);
		if (err && err != RT_ENOTFOUND)
			goto done;
		have_tip_file = err == RT_OK;
		err = RT_OK;
	}
	if (in->base) {
		/* The base must be a version of this file in the history. */
		if ((err = oid_parse(&base, in->base)) || !have_tip || (err = oid_known(gs, &base)) ||
		    (err = read_at(gs, &base, in->file, &base_text, &base_len, &base_blob))) {
			if (!err)
				err = RT_ENOTFOUND;
			goto done;
		}
		if (!have_tip_file) {
			err = RT_ENOTFOUND;
			goto done;
		}
		if (!git_oid_equal(&base_blob, &tip_blob)) {
			/* Saved meanwhile: three ways, base's text as the ancestor. */
			if ((err = gitstore_merge3(base_text, base_len, in->text, in->len, tip_text, tip_len,
			                           &merged, &merged_len, &conflicts)))
				goto done;
			if (conflicts) {
				out->conflict = merged;
				out->conflict_len = merged_len;
				merged = NULL;
				git_oid_tostr(out->tip, GITSTORE_HEX, &tip);
				err = RT_ECONFLICT;
				goto done;
			}
			out->merged = 1;
			text = merged;
			len = merged_len;
		}
	}
	if (have_tip_file && len == tip_len && memcmp(text, tip_text, len) == 0) {
		out->unchanged = 1;
		out->commit[0] = '\0';
		goto done;
	}

	/* The new tree: the tip's tree with this one file replaced, via an index. */
	if ((rc = git_index_new(&idx)) < 0) {
		err = git_fail("creating an index", rc);
		goto done;
	}
	if (have_tip) {
		if ((rc = git_commit_tree(&tip_tree, tip_c)) < 0 || (rc = git_index_read_tree(idx, tip_tree)) < 0) {
			err = git_fail("reading the tip's tree", rc);
			goto done;
		}
	}
	memset(&entry, 0, sizeof entry);
	entry.mode = GIT_FILEMODE_BLOB;
	entry.path = in->file;
	entry.file_size = (uint32_t)len;
	/* The blob first, then its entry (an index without a repository cannot
	 * write blobs itself). */
	if ((rc = git_blob_create_from_buffer(&entry.id, gs->repo, text, len)) < 0 ||
	    (rc = git_index_add(idx, &entry)) < 0 ||
	    (rc = git_index_write_tree_to(&tree_id, idx, gs->repo)) < 0 ||
	    (rc = git_tree_lookup(&tree, gs->repo, &tree_id)) < 0) {
		err = git_fail("writing the tree", rc);
		goto done;
	}
	if ((rc = git_signature_new(&sig, in->name, in->email, in->when ? in->when : (long long)time(NULL), 0)) < 0) {
		err = git_fail("making the author", rc);
		goto done;
	}
	parents[0] = tip_c;
	if ((rc = git_commit_create(&new_id, gs->repo, NULL, sig, sig, NULL, in->message, tree,
	                            have_tip ? 1 : 0, parents)) < 0) {
		err = git_fail("writing the commit", rc);
		goto done;
	}
	if (gitstore_test_before_update)
		gitstore_test_before_update(gs);
	/* Compare-and-swap: move the branch only if it still points to the tip we
	 * built on (libgit2 checks under the ref's lock file). */
	RT_CRASH_POINT("git.ref"); /* the commit object written, the branch not moved */
	rc = have_tip ? git_reference_create_matching(&ref, gs->repo, GITSTORE_BRANCH, &new_id, 1, &tip, in->message)
	              : git_reference_create(&ref, gs->repo, GITSTORE_BRANCH, &new_id, 0, in->message);
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS) {
		err = 1;
		goto done;
	}
	if (rc < 0) {
		err = git_fail("moving the branch", rc);
		goto done;
	}
	git_oid_tostr(out->commit, GITSTORE_HEX, &new_id);
	err = RT_OK;
done:
	git_reference_free(ref);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(tip_tree);
	git_index_free(idx);
	git_commit_free(tip_c);
	free(base_text);
	free(tip_text);
	free(merged);
	return err;
}

int gitstore_unwind(struct gitstore *gs, const char *commit)
{
	git_oid oid, tip;
	git_commit *c = NULL;
	git_reference *ref = NULL, *moved = NULL;
	int err, rc;

	if ((err = oid_parse(&oid, commit)))
		return err;
	if ((err = tip_oid(gs, &tip)))
		return err == RT_ENOTFOUND ? RT_ECONFLICT : err;
	if (!git_oid_equal(&tip, &oid))
		return RT_ECONFLICT;
	if ((err = commit_lookup(gs, &c, &oid)))
		goto done;
	if (git_commit_parentcount(c) > 0) {
		rc = git_reference_create_matching(&moved, gs->repo, GITSTORE_BRANCH, git_commit_parent_id(c, 0), 1,
		                                   &oid, "roundtable: undo a save that was not recorded");
	} else if ((rc = git_reference_lookup(&ref, gs->repo, GITSTORE_BRANCH)) == 0) {
		rc = git_reference_delete(ref); /* checks that it still points at commit */
	}
	if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND)
		err = RT_ECONFLICT;
	else
		err = rc < 0 ? git_fail("moving the branch back", rc) : RT_OK;
done:
	git_reference_free(moved);
	git_reference_free(ref);
	git_commit_free(c);
	return err;
}

int gitstore_save(struct gitstore *gs, const struct gitstore_save_in *in, struct gitstore_save_out *out)
{
	int err = RT_EINTERNAL;
	memset(out, 0, sizeof *out);
	if (!ident_ok(in->name) || !ident_ok(in->email)) {
		st_log(ST_LOG_WARN, "git: refused an author that would break the commit header");
		return RT_EINTERNAL;
	}
	for (int i = 0; i < SAVE_TRIES; i++) {
		if ((err = save_once(gs, in, out)) != 1)
			return err;
		out->retries++;
		git_error_clear();
	}
	st_log(ST_LOG_ERROR, "git: the branch kept moving; gave up after %d tries", SAVE_TRIES);
	return RT_EINTERNAL;
}

int gitstore_history(struct gitstore *gs, const char *file, json_t **out)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL, *parent = NULL;
	git_oid oid, tip, blob, pblob;
	json_t *list = json_array();
	int err = RT_EINTERNAL, rc;

	*out = NULL;
	if (!list)
		goto done;
	if ((err = tip_oid(gs, &tip)) == RT_ENOTFOUND) {
		*out = list;
		list = NULL;
		err = RT_OK;
		goto done;
	}
	if (err)
		goto done;
	if ((rc = git_revwalk_new(&walk, gs->repo)) < 0 || (rc = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME)) < 0 ||
	    (rc = git_revwalk_push(walk, &tip)) < 0) {
		err = git_fail("walking the history", rc);
		goto done;
	}
	while ((rc = git_revwalk_next(&oid, walk)) == 0) {
		int changed;
		git_commit_free(c);
		git_commit_free(parent);
		c = parent = NULL;
		if ((err = commit_lookup(gs, &c, &oid)))
			goto done;
		err = file_blob_id(gs, c, file, &blob);
		if (err == RT_ENOTFOUND)
			break; /* the history is linear: older commits do not have it either */
		if (err)
			goto done;
		changed = 1;
		if (git_commit_parentcount(c) > 0) {
			if ((rc = git_commit_parent(&parent, c, 0)) < 0) {
				err = git_fail("reading a parent", rc);
				goto done;
			}
			err = file_blob_id(gs, parent, file, &pblob);
			if (err && err != RT_ENOTFOUND)
				goto done;
			changed = err == RT_ENOTFOUND || !git_oid_equal(&blob, &pblob);
		}
		if (changed) {
			const git_signature *a = git_commit_author(c);
			char hex[GITSTORE_HEX], at[32];
			time_t t = (time_t)a->when.time;
			struct tm tm;
			git_oid_tostr(hex, sizeof hex, &oid);
			gmtime_r(&t, &tm);
			strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
			if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "commit", hex, "name",
			                                          a->name ? a->name : "", "email", a->email ? a->email : "",
			                                          "message", git_commit_message(c) ? git_commit_message(c) : "",
			                                          "at", at)) != 0) {
				err = RT_EINTERNAL;
				goto done;
			}
		}
	}
	if (rc < 0 && rc != GIT_ITEROVER && err != RT_ENOTFOUND) {
		err = git_fail("walking the history", rc);
		goto done;
	}
	*out = list;
	list = NULL;
	err = RT_OK;
done:
	git_commit_free(c);
	git_commit_free(parent);
	git_revwalk_free(walk);
	json_decref(list);
	return err;
}

/* A patch of file between two commits with context lines of context; the
 * blobs it reads stay alive with it (free all three). */
static int patch_between(struct gitstore *gs, const char *file, const char *from, const char *to,
                         uint32_t context, git_patch **patch, git_blob **ab, git_blob **bb)
{
	git_oid a, b, ablob, bblob;
	git_commit *ac = NULL, *bc = NULL;
	git_diff_options opts;
	int err, rc;

	*patch = NULL;
	*ab = *bb = NULL;
	if (git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION) < 0)
		return git_fail("diff options", -1);
	opts.context_lines = context;
	if ((err = oid_parse(&a, from)) || (err = oid_parse(&b, to)) || (err = oid_known(gs, &a)) ||
	    (err = oid_known(gs, &b)) || (err = commit_lookup(gs, &ac, &a)) || (err = commit_lookup(gs, &bc, &b)) ||
	    (err = file_blob_id(gs, ac, file, &ablob)) || (err = file_blob_id(gs, bc, file, &bblob)))
		goto done;
	if ((rc = git_blob_lookup(ab, gs->repo, &ablob)) < 0 || (rc = git_blob_lookup(bb, gs->repo, &bblob)) < 0 ||
	    (rc = git_patch_from_blobs(patch, *ab, file, *bb, file, &opts)) < 0) {
		err = git_fail("diffing", rc);
		goto done;
	}
	err = RT_OK;
done:
	git_commit_free(ac);
	git_commit_free(bc);
	return err;
}

int gitstore_diff(struct gitstore *gs, const char *file, const char *from, const char *to, char **out)
{
	git_blob *ab = NULL, *bb = NULL;
	git_patch *patch = NULL;
	git_buf buf = GIT_BUF_INIT;
	int err, rc;

	*out = NULL;
	if ((err = patch_between(gs, file, from, to, 3, &patch, &ab, &bb)))
		goto done;
	err = RT_EINTERNAL;
	if ((rc = git_patch_to_buf(&buf, patch)) < 0) {
		err = git_fail("printing the diff", rc);
		goto done;
	}
	if (!(*out = malloc(buf.size + 1)))
		goto done;
	if (buf.size)
		memcpy(*out, buf.ptr, buf.size);
	(*out)[buf.size] = '\0';
	err = RT_OK;
done:
	git_buf_dispose(&buf);
	git_patch_free(patch);
	git_blob_free(ab);
	git_blob_free(bb);
	return err;
}

int gitstore_redline(struct gitstore *gs, const char *file, const char *from, const char *to, json_t **out)
{
	git_blob *ab = NULL, *bb = NULL;
	git_patch *patch = NULL;
	json_t *list = json_array();
	char *text = NULL;
	int err, rc;

	*out = NULL;
	if (!list)
		return RT_EINTERNAL;
	if ((err = patch_between(gs, file, from, to, 1u << 24, &patch, &ab, &bb)))
		goto done;
	if (git_patch_num_hunks(patch) == 0) {
		/* no change: the whole text as context */
		size_t len = 0;
		char *p, *nl;
		if ((err = gitstore_read(gs, to, file, &text, &len)))
			goto done;
		for (p = text; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			json_array_append_new(list, json_pack("{s:s, s:s%}", "op", " ", "text", p,
			                                      nl ? (size_t)(nl - p) : strlen(p)));
			if (!nl)
				break;
		}
	}
	for (size_t h = 0; h < git_patch_num_hunks(patch); h++) {
		int n = git_patch_num_lines_in_hunk(patch, h);
		for (int i = 0; i < n; i++) {
			const git_diff_line *l = NULL;
			char op[2] = { 0, 0 };
			size_t len;
			if ((rc = git_patch_get_line_in_hunk(&l, patch, h, (size_t)i)) < 0) {
				err = git_fail("reading the diff", rc);
				goto done;
			}
			if (l->origin != GIT_DIFF_LINE_CONTEXT && l->origin != GIT_DIFF_LINE_ADDITION &&
			    l->origin != GIT_DIFF_LINE_DELETION)
				continue; /* "no newline at end of file" markers */
			op[0] = l->origin;
			len = l->content_len;
			if (len && l->content[len - 1] == '\n')
				len--;
			json_array_append_new(list, json_pack("{s:s, s:s%}", "op", op, "text", l->content, len));
		}
	}
	*out = list;
	list = NULL;
	err = RT_OK;
done:
	json_decref(list);
	free(text);
	git_patch_free(patch);
	git_blob_free(ab);
	git_blob_free(bb);
	return err;
}

/* The id of a file named mou-<id>.md, or 0. */
static int64_t mou_file_id(const char *name)
{
	char *end;
	long long id;
	if (strncmp(name, "mou-", 4) != 0 || name[4] < '1' || name[4] > '9')
		return 0;
	id = strtoll(name + 4, &end, 10);
	return strcmp(end, ".md") == 0 && id > 0 ? (int64_t)id : 0;
}

struct head_slot {
	int64_t id;
	git_oid blob;
	int found;
};

int gitstore_heads(struct gitstore *gs, int (*fn)(void *ud, int64_t id, const char *commit), void *ud)
{
	git_oid tip, oid, blob;
	git_commit *tip_c = NULL, *c = NULL, *parent = NULL;
	git_tree *tree = NULL;
	git_revwalk *walk = NULL;
	struct head_slot *slots = NULL;
	size_t n = 0, left;
	int err, rc;

	if ((err = tip_oid(gs, &tip)) == RT_ENOTFOUND)
		return RT_OK;
	if (err || (err = commit_lookup(gs, &tip_c, &tip)))
		goto done;
	err = RT_EINTERNAL;
	if ((rc = git_commit_tree(&tree, tip_c)) < 0) {
		err = git_fail("reading the tip's tree", rc);
		goto done;
	}
	if (!(slots = calloc(git_tree_entrycount(tree) + 1, sizeof *slots)))
		goto done;
	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		int64_t id = mou_file_id(git_tree_entry_name(e));
		if (id && git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
			slots[n].id = id;
			n++;
		}
	}
	/* Newest first: the first commit whose parent's file differs is the head. */
	if ((rc = git_revwalk_new(&walk, gs->repo)) < 0 || (rc = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME)) < 0 ||
	    (rc = git_revwalk_push(walk, &tip)) < 0) {
		err = git_fail("walking the history", rc);
		goto done;
	}
	left = n;
	while (left && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit_free(c);
		git_commit_free(parent);
		c = parent = NULL;
		if ((err = commit_lookup(gs, &c, &oid)))
			goto done;
		if (git_commit_parentcount(c) > 0 && (rc = git_commit_parent(&parent, c, 0)) < 0) {
			err = git_fail("reading a parent", rc);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			char file[64], hex[GITSTORE_HEX];
			git_oid pblob;
			int perr;
			if (slots[i].found)
				continue;
			snprintf(file, sizeof file, "mou-%lld.md", (long long)slots[i].id);
			if ((err = file_blob_id(gs, c, file, &blob)) == RT_ENOTFOUND)
				continue;
			if (err)
				goto done;
			perr = parent ? file_blob_id(gs, parent, file, &pblob) : RT_ENOTFOUND;
			if (perr && perr != RT_ENOTFOUND) {
				err = perr;
				goto done;
			}
			if (perr == RT_OK && git_oid_equal(&blob, &pblob))
				continue;
			slots[i].found = 1;
			left--;
			git_oid_tostr(hex, sizeof hex, &oid);
			if ((err = fn(ud, slots[i].id, hex)) != RT_OK)
				goto done;
		}
	}
	err = RT_OK;
done:
	git_revwalk_free(walk);
	git_commit_free(c);
	git_commit_free(parent);
	git_commit_free(tip_c);
	git_tree_free(tree);
	free(slots);
	return err;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Removes *.lock files under dir, recursively. */
static int clean_dir(const char *dir, int depth, int *removed)
{
	DIR *d;
	struct dirent *de;
	int err = RT_OK;

	if (depth > 16 || !(d = opendir(dir)))
		return RT_OK; /* no refs/ yet, or too deep to be ours */
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
			continue;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if ((err = clean_dir(path, depth + 1, removed)) != RT_OK)
				break;
		} else if (ends_with(de->d_name, ".lock")) {
			if (unlink(path) != 0 && errno != ENOENT) {
				st_log(ST_LOG_ERROR, "cannot remove the stale lock %s: %s", path, strerror(errno));
				err = RT_EINTERNAL;
				break;
			}
			st_log(ST_LOG_WARN, "removed the stale lock %s", path);
			if (removed)
				(*removed)++;
		}
	}
	closedir(d);
	return err;
}

int gitstore_clean_locks(const char *repo_path, int *removed)
{
	static const char *const top[] = { "HEAD.lock", "packed-refs.lock", "config.lock" };
	char path[4096];
	int err;

	if (removed)
		*removed = 0;
	snprintf(path, sizeof path, "%s/refs", repo_path);
	if ((err = clean_dir(path, 0, removed)) != RT_OK)
		return err;
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", repo_path, top[i]);
		if (unlink(path) == 0) {
			st_log(ST_LOG_WARN, "removed the stale lock %s", path);
			if (removed)
				(*removed)++;
		} else if (errno != ENOENT) {
			st_log(ST_LOG_ERROR, "cannot remove the stale lock %s: %s", path, strerror(errno));
			return RT_EINTERNAL;
		}
	}
	return RT_OK;
}

/* Orders ref lines by name (the part after the tab). */
static int line_cmp(const void *a, const void *b)
{
	const char *x = strchr(*(char *const *)a, '\t'), *y = strchr(*(char *const *)b, '\t');
	return strcmp(x ? x : "", y ? y : "");
}

int gitstore_info_refs(struct gitstore *gs, char **out, size_t *len)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	char **lines = NULL, *buf = NULL;
	size_t n = 0, cap = 0, total = 0;
	int err = RT_EINTERNAL, rc;

	*out = NULL;
	*len = 0;
	if ((rc = git_reference_iterator_new(&it, gs->repo)) < 0) {
		err = git_fail("listing the refs", rc);
		goto done;
	}
	while ((rc = git_reference_next(&ref, it)) == 0) {
		char hex[GITSTORE_HEX], *line = NULL;
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			git_oid_tostr(hex, sizeof hex, git_reference_target(ref));
			if (n == cap) {
				char **more = realloc(lines, (cap = cap ? cap * 2 : 8) * sizeof *lines);
				if (!more)
					goto done;
				lines = more;
			}
			if (asprintf(&line, "%s\t%s\n", hex, git_reference_name(ref)) < 0)
				goto done;
			lines[n++] = line;
			total += strlen(line);
		}
		git_reference_free(ref);
		ref = NULL;
	}
	if (rc != GIT_ITEROVER) {
		err = git_fail("listing the refs", rc);
		goto done;
	}
	qsort(lines, n, sizeof *lines, line_cmp);
	if (!(buf = malloc(total + 1)))
		goto done;
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);
		memcpy(buf + *len, lines[i], l);
		*len += l;
	}
	buf[*len] = '\0';
	*out = buf;
	buf = NULL;
	err = RT_OK;
done:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(buf);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return err;
}
