/*
 * mou_http.c: the coalitions' MOU repositories, read-only, over git's dumb
 * HTTP protocol (see mou_http_git in mou.h). A stock `git clone
 * http://HOST:PORT/git/<slug>.git` asks for info/refs (no smart service is
 * offered, so git falls back to the dumb protocol), HEAD, then each object
 * by its path. Only those paths are served, matched against an allow list:
 * nothing outside the repository, and nothing but what a clone needs, can be
 * named. Members authenticate with HTTP basic auth (email and password),
 * checked by auth.c on a worker before this is called; everyone else gets
 * 401 (no or wrong credentials) or 404 (not a member, or no such
 * coalition: the same answer, so existence is not revealed).
 */
#include "mou.h"
#include "db.h"
#include "gitstore.h"
#include "members.h"
#include "rt.h"
#include "store_members.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_MAX (512L * 1024 * 1024)

/* Sets a response with a text body. */
static int respond(int *status, char **content_type, char **body, size_t *len, int code, const char *ctype,
                   const char *text)
{
	*status = code;
	*content_type = strdup(ctype);
	*body = strdup(text);
	*len = *body ? strlen(*body) : 0;
	if (!*content_type || !*body) {
		free(*content_type);
		free(*body);
		*content_type = *body = NULL;
		return RT_EINTERNAL;
	}
	return RT_OK;
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The content type of a repository path a clone may fetch, or NULL if the
 * path is not one of them. *generated: 1 info/refs, 2 objects/info/packs. */
static const char *allowed(const char *rest, int *generated)
{
	size_t n = strlen(rest);
	*generated = 0;
	if (strcmp(rest, "info/refs") == 0) {
		*generated = 1;
		return "text/plain; charset=utf-8";
	}
	if (strcmp(rest, "objects/info/packs") == 0) {
		*generated = 2;
		return "text/plain; charset=utf-8";
	}
	if (strcmp(rest, "HEAD") == 0)
		return "text/plain";
	/* objects/xx/yyyy (38) */
	if (n == 8 + 2 + 1 + 38 && strncmp(rest, "objects/", 8) == 0 && all_hex(rest + 8, 2) && rest[10] == '/' &&
	    all_hex(rest + 11, 38))
		return "application/x-git-loose-object";
	/* objects/pack/pack-<40>.pack|.idx */
	if (strncmp(rest, "objects/pack/pack-", 18) == 0 && n > 18 + 40 && all_hex(rest + 18, 40)) {
		if (strcmp(rest + 58, ".pack") == 0)
			return "application/x-git-packed-objects";
		if (strcmp(rest + 58, ".idx") == 0)
			return "application/x-git-packed-objects-toc";
	}
	return NULL;
}

/* Reads a whole regular file; RT_ENOTFOUND if it is not there. */
static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = RT_EINTERNAL;

	*out = NULL;
	if (fd < 0)
		return RT_ENOTFOUND;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		err = RT_ENOTFOUND;
		goto done;
	}
	if (!(buf = malloc((size_t)st.st_size + 1)))
		goto done;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			goto done;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	err = RT_OK;
done:
	free(buf);
	close(fd);
	return err;
}

/* objects/info/packs: one "P pack-<id>.pack" line per pack in objects/pack. */
static int list_packs(const char *repo, char **out, size_t *len)
{
	char dir[4200], *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	DIR *d;
	struct dirent *de;

	if (!f)
		return RT_EINTERNAL;
	snprintf(dir, sizeof dir, "%s/objects/pack", repo);
	if ((d = opendir(dir))) {
		while ((de = readdir(d)))
			if (strncmp(de->d_name, "pack-", 5) == 0 && strlen(de->d_name) == 5 + 40 + 5 &&
			    all_hex(de->d_name + 5, 40) && strcmp(de->d_name + 45, ".pack") == 0)
				fprintf(f, "P %s\n", de->d_name);
		closedir(d);
	}
	fprintf(f, "\n");
	if (fclose(f) != 0) {
		free(buf);
		return RT_EINTERNAL;
	}
	*out = buf;
	*len = size;
	return RT_OK;
}

int mou_http_git(struct db *db, const char *data_dir, const char *path, int64_t member, int *status,
                 char **content_type, char **body, size_t *len)
{
	char slug[64], rest[256], repo[4096], file[4400];
	const char *p, *dot, *ctype;
	struct gitstore *gs = NULL;
	int64_t cid = 0;
	unsigned roles = 0;
	size_t slen, rlen;
	int generated, err;

	*status = 500;
	*content_type = *body = NULL;
	*len = 0;
	/* "/git/<slug>.git/<rest>", or the same without "/git" (as server.c passes it) */
	if (!path || path[0] != '/')
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");
	p = strncmp(path, "/git/", 5) == 0 ? path + 5 : path + 1;
	if (!(dot = strstr(p, ".git/")) || (slen = (size_t)(dot - p)) >= sizeof slug)
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");
	memcpy(slug, p, slen);
	slug[slen] = '\0';
	p = dot + 5;
	rlen = strcspn(p, "?#");
	if (rlen >= sizeof rest)
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");
	memcpy(rest, p, rlen);
	rest[rlen] = '\0';
	if (!members_slug_ok(slug) || !(ctype = allowed(rest, &generated)))
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");

	/* Credentials first: without them nothing, not even existence, is told. */
	if (!member)
		return respond(status, content_type, body, len, 401, "text/plain",
		               "sign in with your Roundtable email and password\n");
	if (store_coalition_id(db, slug, &cid) != RT_OK || store_membership_roles(db, cid, member, &roles) != RT_OK)
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");
	if (!data_dir || gitstore_repo_path(repo, sizeof repo, data_dir, slug) != RT_OK)
		return respond(status, content_type, body, len, 500, "text/plain", "no data directory\n");

	if (generated == 1) {
		err = gitstore_open(&gs, data_dir, slug, 0);
		if (err == RT_ENOTFOUND) /* no MOU yet: an empty repository */
			return respond(status, content_type, body, len, 200, ctype, "");
		if (err == RT_OK)
			err = gitstore_info_refs(gs, body, len);
		gitstore_close(gs);
		if (err)
			return respond(status, content_type, body, len, 500, "text/plain", "could not list the refs\n");
		if (!(*content_type = strdup(ctype))) {
			free(*body);
			*body = NULL;
			return RT_EINTERNAL;
		}
		*status = 200;
		return RT_OK;
	}
	if (generated == 2) {
		if (list_packs(repo, body, len) != RT_OK || !(*content_type = strdup(ctype))) {
			free(*body);
			*body = NULL;
			return RT_EINTERNAL;
		}
		*status = 200;
		return RT_OK;
	}
	snprintf(file, sizeof file, "%s/%s", repo, rest);
	err = read_file(file, body, len);
	if (err == RT_ENOTFOUND)
		return respond(status, content_type, body, len, 404, "text/plain", "not found\n");
	if (err || !(*content_type = strdup(ctype))) {
		free(*body);
		*body = NULL;
		return RT_EINTERNAL;
	}
	*status = 200;
	return RT_OK;
}
