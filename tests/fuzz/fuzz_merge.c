/*
 * fuzz_merge.c: gitstore_merge3, the three-way merge of MOU saves (around
 * git_merge_file). The input is split at the first two NUL bytes into
 * ancestor, ours and theirs (missing parts are empty). Checks: no crash, the
 * result is NUL-terminated at its length, and two extra merges whose answer
 * is known: ours == theirs merges cleanly into that text, and a side equal
 * to the ancestor yields the other side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstore.h"
#include "rt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (gitstore_global_init() != RT_OK)
		abort();
	return 0;
}

static void fail(const char *what, const char *a, size_t al, const char *o, size_t ol, const char *t, size_t tl)
{
	fprintf(stderr, "fuzz_merge: %s\nancestor (%zu): %.*s\nours (%zu): %.*s\ntheirs (%zu): %.*s\n", what,
	        al, (int)al, a, ol, (int)ol, o, tl, (int)tl, t);
	abort();
}

/* Merges; returns the error; checks the result's shape. */
static int merge(const char *a, size_t al, const char *o, size_t ol, const char *t, size_t tl,
                 char **out, size_t *len, int *conflicts)
{
	int err;
	*len = (size_t)-1;
	*conflicts = -1;
	err = gitstore_merge3(a, al, o, ol, t, tl, out, len, conflicts);
	if (err == RT_OK && (!*out || *len == (size_t)-1 || (*out)[*len] != '\0' || (*conflicts != 0 && *conflicts != 1)))
		fail("malformed merge result", a, al, o, ol, t, tl);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *parts[3] = { p, end, end };
	size_t lens[3] = { size, 0, 0 };
	char *out = NULL;
	size_t len;
	int conflicts;

	if (size > 64 * 1024)
		return 0;
	for (int i = 1; i < 3; i++) {
		const char *nul = memchr(parts[i - 1], '\0', lens[i - 1]);
		if (!nul)
			break;
		lens[i - 1] = (size_t)(nul - parts[i - 1]);
		parts[i] = nul + 1;
		lens[i] = (size_t)(end - parts[i]);
	}
	const char *a = parts[0], *o = parts[1], *t = parts[2];
	size_t al = lens[0], ol = lens[1], tl = lens[2];

	/* Any three texts: no crash, a well-formed result. */
	merge(a, al, o, ol, t, tl, &out, &len, &conflicts);
	free(out);
	out = NULL;

	/* ours == theirs: a clean merge giving that text. git's xdiff treats
	 * NUL bytes as binary; the MOU texts are NUL-free, and so is ours here. */
	if (merge(a, al, o, ol, o, ol, &out, &len, &conflicts) == RT_OK &&
	    (conflicts || len != ol || memcmp(out, o, ol) != 0))
		fail("identical ours and theirs did not merge into that text", a, al, o, ol, o, ol);
	free(out);
	out = NULL;

	/* theirs == ancestor (nothing saved meanwhile): the result is ours. */
	if (merge(a, al, o, ol, a, al, &out, &len, &conflicts) == RT_OK &&
	    (conflicts || len != ol || memcmp(out, o, ol) != 0))
		fail("an unchanged side did not yield the other side", a, al, o, ol, a, al);
	free(out);
	return 0;
}
