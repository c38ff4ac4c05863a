/*
 * gitcheck.c: ref snapshots and connectivity checks of bare repositories
 * (see gitcheck.h), with libgit2.
 */
#include "gitcheck.h"
#include "gitstore.h"
#include "rt.h"

#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int add_line(struct gitcheck_refs *out, const char *hex, const char *name)
{
	char **l = realloc(out->lines, (out->n + 1) * sizeof *l);
	size_t len = strlen(hex) + strlen(name) + 2;
	if (!l)
		return RT_EINTERNAL;
	out->lines = l;
	if (!(l[out->n] = malloc(len)))
		return RT_EINTERNAL;
	snprintf(l[out->n++], len, "%s %s", hex, name);
	return RT_OK;
}

int gitcheck_refs_read(const char *dir, struct gitcheck_refs *out)
{
	git_repository *repo = NULL;
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL, *head = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int err = RT_EINTERNAL, rc;

	memset(out, 0, sizeof *out);
	if (gitstore_global_init() != RT_OK || git_repository_open_bare(&repo, dir) < 0 ||
	    git_reference_iterator_new(&it, repo) < 0)
		goto done;
	while ((rc = git_reference_next(&ref, it)) == 0) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			git_oid_tostr(hex, sizeof hex, git_reference_target(ref));
			if (add_line(out, hex, git_reference_name(ref)) != RT_OK)
				goto done;
		}
		git_reference_free(ref);
		ref = NULL;
	}
	if (rc != GIT_ITEROVER || git_reference_lookup(&head, repo, "HEAD") < 0)
		goto done;
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		size_t len = strlen(git_reference_symbolic_target(head)) + 7;
		if (!(out->head = malloc(len)))
			goto done;
		snprintf(out->head, len, "ref: %s\n", git_reference_symbolic_target(head));
	} else {
		git_oid_tostr(hex, sizeof hex, git_reference_target(head));
		if (!(out->head = malloc(sizeof hex + 1)))
			goto done;
		snprintf(out->head, sizeof hex + 1, "%s\n", hex);
	}
	err = RT_OK;
done:
	if (err) {
		const git_error *e = git_error_last();
		fprintf(stderr, "roundtable: cannot read the refs of %s: %s\n", dir, e && e->message ? e->message : "?");
		gitcheck_refs_free(out);
	}
	git_reference_free(ref);
	git_reference_free(head);
	git_reference_iterator_free(it);
	git_repository_free(repo);
	return err;
}

/* Writes text to dir/name, durably. */
static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	int ok;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")))
		return RT_EINTERNAL;
	ok = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	return fclose(f) == 0 && ok ? RT_OK : RT_EINTERNAL;
}

int gitcheck_refs_write(const char *dir, const struct gitcheck_refs *refs)
{
	char path[4096];
	size_t len = 1;
	char *packed = NULL;
	int err = RT_EINTERNAL;

	for (const char *sub = "refs"; sub; sub = strcmp(sub, "refs") == 0 ? "refs/heads" :
	                                          strcmp(sub, "refs/heads") == 0 ? "refs/tags" : NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, sub);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			goto done;
	}
	for (size_t i = 0; i < refs->n; i++)
		len += strlen(refs->lines[i]) + 1;
	if (!(packed = malloc(len)))
		goto done;
	packed[0] = '\0';
	for (size_t i = 0; i < refs->n; i++) {
		strcat(packed, refs->lines[i]);
		strcat(packed, "\n");
	}
	if (write_file(dir, "packed-refs", packed) == RT_OK && write_file(dir, "HEAD", refs->head) == RT_OK)
		err = RT_OK;
done:
	if (err)
		fprintf(stderr, "roundtable: cannot write the refs of %s: %s\n", dir, strerror(errno));
	free(packed);
	return err;
}

void gitcheck_refs_free(struct gitcheck_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++)
		free(refs->lines[i]);
	free(refs->lines);
	free(refs->head);
	memset(refs, 0, sizeof *refs);
}

struct walk {
	git_odb *odb;
	char *why;
	size_t why_size;
	int bad;
};

static int check_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	char hex[GIT_OID_HEXSZ + 1];
	(void)root;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && !git_odb_exists(w->odb, git_tree_entry_id(e))) {
		snprintf(w->why, w->why_size, "the file %s (%s) is missing", git_tree_entry_name(e),
		         git_oid_tostr(hex, sizeof hex, git_tree_entry_id(e)));
		w->bad = 1;
		return -1;
	}
	return 0;
}

int gitcheck_connected(const char *dir, char *why, size_t why_size)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_odb *odb = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	struct walk w = { NULL, why, why_size, 0 };
	int err = RT_EINTERNAL, rc;

	snprintf(why, why_size, "it cannot be opened");
	if (gitstore_global_init() != RT_OK || git_repository_open_bare(&repo, dir) < 0 ||
	    git_repository_odb(&odb, repo) < 0 || git_revwalk_new(&walk, repo) < 0)
		goto done;
	w.odb = odb;
	snprintf(why, why_size, "a ref names a commit that is missing or is not a commit");
	if (git_revwalk_push_glob(walk, "refs/*") < 0)
		goto done;
	while ((rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;
		git_oid_tostr(hex, sizeof hex, &oid);
		snprintf(why, why_size, "the commit %s or its tree is missing or broken", hex);
		if (git_commit_lookup(&c, repo, &oid) < 0 || git_commit_tree(&t, c) < 0) {
			git_commit_free(c);
			goto done;
		}
		rc = git_tree_walk(t, GIT_TREEWALK_PRE, check_entry, &w);
		git_tree_free(t);
		git_commit_free(c);
		if (w.bad || rc < 0)
			goto done;
	}
	if (rc != GIT_ITEROVER) {
		snprintf(why, why_size, "the history cannot be walked (a commit is missing)");
		goto done;
	}
	err = RT_OK;
	why[0] = '\0';
done:
	git_revwalk_free(walk);
	git_odb_free(odb);
	git_repository_free(repo);
	return err;
}
