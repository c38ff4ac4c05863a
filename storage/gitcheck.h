/*
 * gitcheck.h: what `git fsck` checks of connectivity, for the MOU
 * repositories: every ref names a commit that is there, and every commit,
 * tree and blob reachable from any ref is there and parses. Used by restore
 * (a backup is refused unless every repository passes) and by backup (to
 * snapshot the refs before the objects are copied).
 */
#ifndef RT_GITCHECK_H
#define RT_GITCHECK_H

#include <stddef.h>

/* The refs of one repository at one moment: name and target, for writing
 * into a copy of the repository later. */
struct gitcheck_refs {
	char **lines;   /* "<hex> <refname>" for direct refs */
	size_t n;
	char *head;     /* the HEAD file's content ("ref: refs/heads/main\n" or a hex id) */
};

/* Reads the refs of the bare repository at dir into out (caller frees with
 * gitcheck_refs_free). Returns RT_OK or an rt_err, with a message on stderr. */
int gitcheck_refs_read(const char *dir, struct gitcheck_refs *out);
/* Writes refs into the copy at dir: HEAD, and every ref as packed-refs (the
 * copy holds no loose refs). */
int gitcheck_refs_write(const char *dir, const struct gitcheck_refs *refs);
void gitcheck_refs_free(struct gitcheck_refs *refs);

/* Checks the repository at dir: RT_OK when every ref's history is complete;
 * otherwise RT_EINTERNAL, with what is wrong in why (why_size bytes). */
int gitcheck_connected(const char *dir, char *why, size_t why_size);

#endif
