/*
 * mou.h: Memorandums of Understanding, versioned in git. Each MOU is one
 * markdown file mou-<id>.md in its coalition's bare repository
 * (<data>/git/<slug>.git, storage/gitstore.h); every save is a commit whose
 * author is the member. A save from a stale base is merged three ways;
 * overlapping edits are a `conflict` carrying the merged text with markers,
 * and nothing is committed. Signatures belong to party organizations and
 * are bound to one exact commit (the head when signed).
 *
 * The commit is written before the database row that names it. mou_start
 * repairs what a crash between the two left behind: any commit newer than
 * an MOU's head row gets its row, and stale *.lock files of a killed daemon
 * are removed. A repository it cannot reconcile (an unreadable commit, a
 * missing object) is logged and its MOUs become read-only (writes answer
 * `unavailable`) until it is repaired and the daemon restarted; the daemon
 * serves everything else.
 *
 * A commit's author is gitstore_author: the member's name made safe for git
 * and member-<id>@<slug>.roundtable.invalid, never their email.
 *
 * Ops (op table mou_ops): mou.template, mou.create, mou.list, mou.get,
 * mou.save, mou.history, mou.diff, mou.sign. Events: mou.created, mou.saved,
 * mou.signed. See docs/protocol.md.
 */
#ifndef RT_MOU_H
#define RT_MOU_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct server;

/* The largest MOU body, in bytes. */
#define MOU_BODY_MAX (192 * 1024)
/* mou.diff's bound on its work and reply (issue 22): the two versions
 * together at most this many bytes and lines, else too_large. */
#define MOU_DIFF_MAX_BYTES (2 * MOU_BODY_MAX)
#define MOU_DIFF_MAX_LINES 8000

/* Start-up: initialises libgit2 and reconciles every coalition's repository
 * with the database (see above). Returns 0, or -1 to refuse to start. */
int mou_start(struct server *srv);

/* The reconciliation of mou_start for one data directory and database,
 * callable from tests. *repaired (if not NULL) counts the MOUs whose rows
 * were added or moved to the commit git has. A repository that cannot be
 * reconciled is logged and marked read-only, and the others go on: RT_OK.
 * An rt_err only when the list of coalitions cannot be read. */
int mou_reconcile(struct db *db, const char *data_dir, int *repaired);

/* The template MOU body (static, borrowed). */
const char *mou_template_body(void);

/*
 * GET of the read-only dumb-HTTP git endpoint: path is the request path,
 * "/git/valley.git/info/refs" or the same without the "/git" prefix
 * ("/valley.git/info/refs"); a query string is ignored; member the member
 * whose basic credentials were verified (auth_http_git in auth.h checks
 * them, on a worker, through the sign-in limits), 0 for none. Allowed: a
 * member of that coalition. Serves info/refs (built on the fly from the
 * refs), HEAD, objects/info/packs (built from objects/pack/), loose objects
 * and packs; anything else is 404, so no path can leave the repository.
 *
 * Sets *status (200, 401 without credentials: the caller must add
 * `WWW-Authenticate: Basic realm="roundtable"`, 404 for unknown paths,
 * unknown coalitions, non-members and unknown files), *content_type, *body
 * and *len (both malloc'd, the caller frees both; a short text for errors).
 * Returns RT_OK when a response was prepared, RT_EINTERNAL on out-of-memory
 * (*body and *content_type NULL). Membership is checked on every request.
 */
int mou_http_git(struct db *db, const char *data_dir, const char *path, int64_t member, int *status,
                 char **content_type, char **body, size_t *len);

#endif
