/*
 * gitstore.h: every use of libgit2 in Roundtable. One bare repository per
 * coalition at <data>/git/<slug>.git with one branch, refs/heads/main (HEAD
 * points to it); each MOU is one markdown file in it (mou-<id>.md). A save is
 * a commit built through an in-memory index (parent tree + the new blob →
 * tree → git_commit_create), and the branch is moved with a compare-and-swap
 * (git_reference_create_matching with the expected old tip): when another
 * writer moved it first (GIT_EMODIFIED) the save is merged again on the new
 * tip and retried, so no writer's words are ever dropped. A save from a
 * stale base is merged three ways with git_merge_file (ancestor = the file at
 * the base commit, ours = the new text, theirs = the file at the tip).
 *
 * Commits are given and returned as 40 lowercase hex characters. Functions
 * return RT_OK or an rt_err (RT_ENOTFOUND for an unknown commit or a file
 * missing from it, RT_ECONFLICT for overlapping edits, RT_EINTERNAL for git
 * failures, which are also printed to stderr). Results named out belong to
 * the caller (free, json_decref).
 */
#ifndef RT_GITSTORE_H
#define RT_GITSTORE_H

#include "names.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define GITSTORE_BRANCH "refs/heads/main"
#define GITSTORE_HEX 41 /* 40 hex digits and NUL */

struct gitstore;

/* Initialises libgit2 once per process (later calls do nothing) and turns
 * fsync of the git directory on. Returns RT_OK or RT_EINTERNAL. */
int gitstore_global_init(void);

/* The repository path <data_dir>/git/<slug>.git into buf. RT_EINTERNAL if it
 * does not fit. */
int gitstore_repo_path(char *buf, size_t size, const char *data_dir, const char *slug);

/* Opens the coalition's repository, creating it (and <data_dir>/git) when
 * create is set and it does not exist; RT_ENOTFOUND when it does not exist
 * and create is 0. *out belongs to the caller (gitstore_close). */
int gitstore_open(struct gitstore **out, const char *data_dir, const char *slug, int create);
/* Closes the repository. Accepts NULL. */
void gitstore_close(struct gitstore *gs);
/* The repository's directory (borrowed). */
const char *gitstore_path(const struct gitstore *gs);

/* Is s 40 hex digits? */
int gitstore_hex_ok(const char *s);

/* The branch tip into out; RT_ENOTFOUND when nothing was committed yet. */
int gitstore_tip(struct gitstore *gs, char out[GITSTORE_HEX]);
/* RT_OK when commit is the tip or one of its ancestors (a version the
 * repository's history holds), RT_ENOTFOUND otherwise. */
int gitstore_known(struct gitstore *gs, const char *commit);
/* The text of file at commit. *text is NUL-terminated, malloc'd, owned by the
 * caller; *len (if not NULL) its length. RT_ENOTFOUND if the commit or the file
 * in it does not exist. */
int gitstore_read(struct gitstore *gs, const char *commit, const char *file, char **text, size_t *len);

/* A member's git identity: the author (and committer) of their commits. */
struct gitstore_author {
	char name[NAME_BYTES_MAX + 1];
	char email[128];
};

/* The one place a commit's author is made. name: the member's stored
 * display name made safe for a git header by name_for_git (whatever the
 * database holds: no line break, control character, '<' or '>', never
 * empty). email: member-<member_id>@<slug>.roundtable.invalid, an address
 * that reveals nothing (RFC 2606's .invalid: it can never be delivered);
 * the member's real email never enters the repository. */
void gitstore_author(struct gitstore_author *out, const char *stored_name, int64_t member_id, const char *slug);
/* The member id in an address made by gitstore_author, or 0 when email is
 * not such an address (commits made before it carry the sign-in email). */
int64_t gitstore_author_member(const char *email);

/* What one save writes. base NULL creates the file (or, if a save whose row
 * was never committed left it there, writes on top of it). */
struct gitstore_save_in {
	const char *file;     /* path in the tree, e.g. "mou-3.md" */
	const char *base;     /* commit the editor started from, or NULL */
	const char *text;     /* the editor's full text */
	size_t len;
	const char *name;     /* author name and email (gitstore_author); a name or */
	const char *email;    /* email that would break the header is refused */
	const char *message;  /* commit message */
	long long when;       /* author time (Unix seconds), 0 for now */
};

/* What a save did. */
struct gitstore_save_out {
	char commit[GITSTORE_HEX]; /* the new commit ("" when unchanged) */
	int merged;                /* the text was merged with edits saved since base */
	int unchanged;             /* the result equals the file at the tip: nothing committed */
	int retries;               /* compare-and-swap retries (another writer moved the tip) */
	char *conflict;            /* on RT_ECONFLICT: merged text with markers (caller frees) */
	size_t conflict_len;
	char tip[GITSTORE_HEX];    /* on RT_ECONFLICT: the tip the merge was made against */
};

/* Commits in->text as in->file on the branch, merging with the tip when base
 * is stale (see the file comment). RT_OK with out->commit set (or
 * out->unchanged); RT_ECONFLICT with out->conflict (nothing committed);
 * RT_ENOTFOUND when base is not a version of file in the history. On any
 * result the caller frees out->conflict. */
int gitstore_save(struct gitstore *gs, const struct gitstore_save_in *in, struct gitstore_save_out *out);

/* Undoes the commit of a save whose database row was never committed: moves
 * the branch from commit back to its first parent, or removes the branch
 * when commit has none. Compare-and-swap: RT_OK when done, RT_ECONFLICT
 * (nothing changed) when the branch does not point at commit. The commit
 * object stays, unreachable (git gc removes it). */
int gitstore_unwind(struct gitstore *gs, const char *commit);

/* A three-way merge of texts (git_merge_file, conflict markers labelled
 * "your edit" / "saved meanwhile"). *out (malloc'd, NUL-terminated, caller
 * frees) gets the merged text, *conflicts whether markers were left. */
int gitstore_merge3(const char *ancestor, size_t alen, const char *ours, size_t olen,
                    const char *theirs, size_t tlen, char **out, size_t *out_len, int *conflicts);

/* The commits that changed file, newest first:
 * [{commit, name, email, message, at}] (message in full, at RFC 3339 UTC). */
int gitstore_history(struct gitstore *gs, const char *file, json_t **out);

/* The unified diff of file between two commits (git's format, with
 * "diff --git" header; "" when equal). *out malloc'd, caller frees. */
int gitstore_diff(struct gitstore *gs, const char *file, const char *from, const char *to, char **out);

/* The redline of file from one commit to another: every line of the
 * document, in order, as [{op, text}] with op " " (unchanged), "-" (deleted)
 * or "+" (inserted); text without its newline. */
int gitstore_redline(struct gitstore *gs, const char *file, const char *from, const char *to, json_t **out);

/* Calls fn(ud, id, commit) for each file mou-<id>.md at the tip, with the
 * newest commit that changed it. Stops and returns fn's result when not RT_OK.
 * RT_OK for an empty repository. */
int gitstore_heads(struct gitstore *gs, int (*fn)(void *ud, int64_t id, const char *commit), void *ud);

/* Removes stale lock files (*.lock under refs/, HEAD.lock, packed-refs.lock,
 * config.lock) left by a killed process. Only safe while holding the data
 * directory's exclusive lock. *removed (if not NULL) counts them. */
int gitstore_clean_locks(const char *repo_path, int *removed);

/* The listing git's dumb HTTP protocol reads as info/refs ("<id>\t<ref>\n"
 * for every direct ref, by name), built from the refs themselves (what git
 * update-server-info would write). *out malloc'd, caller frees. */
int gitstore_info_refs(struct gitstore *gs, char **out, size_t *len);

/* Tests only: called just before the branch's compare-and-swap, to let a
 * test move the tip under a save. NULL in production. */
extern void (*gitstore_test_before_update)(struct gitstore *gs);

#endif
