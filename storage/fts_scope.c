/*
 * fts_scope.c: the "rt_coalition" FTS5 tokenizer (see fts_scope.h).
 *
 * The FTS5 API (declared in sqlite3.h) is reached through `SELECT fts5(?)`.
 */
#include "fts_scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME "rt_coalition"

/* One tokenizer instance: the wrapped one. */
struct scoped {
	fts5_tokenizer inner;
	Fts5Tokenizer *tok;
};

/* What the wrapping callback needs: the caller's callback, the scope, the
 * offset of the body in the text, and a buffer for scope + token. */
struct emit {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
	int off;
	char *buf;
	int cap;
};

static fts5_api *get_api(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api && api->iVersion >= 2 ? api : NULL;
}

static int scoped_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	fts5_api *api = ud;
	struct scoped *s = calloc(1, sizeof *s);
	void *inner_ud = NULL;
	const char *parent = argc > 0 ? argv[0] : "unicode61";
	int rc;

	*out = NULL;
	if (!s)
		return SQLITE_NOMEM;
	rc = api->xFindTokenizer(api, parent, &inner_ud, &s->inner);
	if (rc == SQLITE_OK)
		rc = s->inner.xCreate(inner_ud, argc > 0 ? argv + 1 : NULL, argc > 0 ? argc - 1 : 0, &s->tok);
	if (rc != SQLITE_OK) {
		free(s);
		return rc;
	}
	*out = (Fts5Tokenizer *)s;
	return SQLITE_OK;
}

static void scoped_delete(Fts5Tokenizer *t)
{
	struct scoped *s = (struct scoped *)t;
	if (!s)
		return;
	s->inner.xDelete(s->tok);
	free(s);
}

static int emit_token(void *ud, int flags, const char *tok, int n, int start, int end)
{
	struct emit *e = ud;
	if (FTS_SCOPE_CHARS + n > e->cap) {
		int cap = FTS_SCOPE_CHARS + n + 64;
		char *b = realloc(e->buf, (size_t)cap);
		if (!b)
			return SQLITE_NOMEM;
		e->buf = b;
		e->cap = cap;
	}
	memcpy(e->buf + FTS_SCOPE_CHARS, tok, (size_t)n);
	return e->xToken(e->ctx, flags, e->buf, FTS_SCOPE_CHARS + n, start + e->off, end + e->off);
}

static int scoped_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                           int (*xToken)(void *, int, const char *, int, int, int))
{
	struct scoped *s = (struct scoped *)t;
	struct emit e = { ctx, xToken, 0, NULL, 0 };
	unsigned long long id = 0;
	int i = 0, rc;

	/* The scope: 1 to 18 decimal digits, then 0x1f. */
	while (i < n && i < 18 && text[i] >= '0' && text[i] <= '9')
		id = id * 10 + (unsigned long long)(text[i++] - '0');
	if (i == 0 || i >= n || text[i] != '\x1f')
		return SQLITE_ERROR;
	e.off = i + 1;
	e.cap = FTS_SCOPE_CHARS + 64;
	if (!(e.buf = malloc((size_t)e.cap)))
		return SQLITE_NOMEM;
	snprintf(e.buf, (size_t)e.cap, "%016llx", id);
	rc = s->inner.xTokenize(s->tok, &e, flags, text + e.off, n - e.off, emit_token);
	free(e.buf);
	return rc;
}

int fts_scope_register(sqlite3 *h)
{
	static fts5_tokenizer scoped = { scoped_create, scoped_delete, scoped_tokenize };
	fts5_api *api = get_api(h);
	if (!api)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, NAME, api, &scoped, NULL);
}

struct last {
	char *buf;
	int size, len, too_long;
};

static int keep_last(void *ud, int flags, const char *tok, int n, int start, int end)
{
	struct last *l = ud;
	(void)flags;
	(void)start;
	(void)end;
	if (n >= l->size) {
		l->too_long = 1;
		return SQLITE_OK;
	}
	memcpy(l->buf, tok, (size_t)n);
	l->buf[n] = 0;
	l->len = n;
	l->too_long = 0;
	return SQLITE_OK;
}

int fts_scope_last_token(sqlite3 *h, const char *text, int n, char *buf, int size, int *len)
{
	static const char *args[] = { "unicode61", "remove_diacritics", "2" };
	fts5_api *api = get_api(h);
	fts5_tokenizer tk;
	Fts5Tokenizer *t = NULL;
	void *ud = NULL;
	struct last l = { buf, size, 0, 0 };
	int rc;

	if (!api || api->xFindTokenizer(api, NAME, &ud, &tk) != SQLITE_OK ||
	    tk.xCreate(ud, args, 3, &t) != SQLITE_OK)
		return -1;
	rc = tk.xTokenize(t, &l, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, text, n, keep_last);
	tk.xDelete(t);
	if (rc != SQLITE_OK)
		return -1;
	if (l.len == 0 || l.too_long)
		return 0;
	*len = l.len;
	return 1;
}
