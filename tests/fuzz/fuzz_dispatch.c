/*
 * fuzz_dispatch.c: the whole message path in process. Once: a temporary data
 * directory (tmpfs when there is one) with a database and the demo coalition
 * (demo_create, the same as `roundtable demo`), a struct server on it and one
 * session with no connection, signed in as the demo convener. For each input:
 * dispatch_message(), the function the server calls for a complete text
 * message, then the queued reply frames are dropped and the session is put
 * back (signed in again, rooms left) so inputs do not pile up state in memory.
 *
 * Not fuzzed: auth.login and auth.accept_invite hash a password on a worker
 * thread (argon2id, 64 MiB, ~75 ms) and finish on the event loop, which does
 * not run here; inputs naming them are skipped.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "demo.h"
#include "dispatch.h"
#include "events.h"
#include "frame.h"
#include "gitstore.h"
#include "rt.h"
#include "server.h"
#include "session.h"
#include "store_members.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server srv;
static struct session *sess;
static int64_t member_id;
static char dir[256];
static int verbose;

static void cleanup(void)
{
	char cmd[300];
	if (!dir[0])
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_dispatch: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[300];
	struct db *db = NULL;
	struct member_auth m;
	(void)argc;
	(void)argv;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	snprintf(dir, sizeof dir, "%s/rt-fuzz-dispatch-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz_dispatch: mkdtemp");
		abort();
	}
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/roundtable.db", dir);
	if (db_open(&db, path) != RT_OK || gitstore_global_init() != RT_OK) {
		fprintf(stderr, "fuzz_dispatch: could not open %s\n", path);
		abort();
	}
	/* demo_create prints the logins: keep the fuzzer's output readable. */
	fflush(stdout);
	if (!freopen("/dev/null", "w", stdout) || demo_create(db) != RT_OK) {
		fprintf(stderr, "fuzz_dispatch: demo_create failed\n");
		abort();
	}
	if (store_member_by_email(db, "maria@demo.test", &m) != RT_OK) {
		fprintf(stderr, "fuzz_dispatch: no demo convener\n");
		abort();
	}
	member_id = m.id;
	srv.db = db;
	srv.cfg.data_dir = dir;
	srv.cfg.max_message = 1 << 20;
	if (!(sess = session_new(&srv, NULL, 0)))
		abort();
	session_sign_in(sess, member_id, 0, NULL);
	return 0;
}

/* The ops that finish on a worker thread (see the file comment). */
static int skipped(const uint8_t *data, size_t size)
{
	json_t *msg = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	const char *op = json_string_value(json_object_get(msg, "op"));
	int skip = op && (strcmp(op, "auth.login") == 0 || strcmp(op, "auth.accept_invite") == 0);
	json_decref(msg);
	return skip;
}

/* Every queued frame must be one final, unmasked text frame of exactly its
 * length holding a JSON object (the client parses each one). */
static void check_frame(const struct frame *f)
{
	const unsigned char *d = f->data;
	size_t hdr = 2, plen;
	json_t *v;
	if (f->len < 2 || d[0] != 0x81 || (d[1] & 0x80)) /* FIN + text, unmasked */
		goto bad;
	plen = d[1] & 0x7f;
	if (plen == 126) {
		hdr = 4;
		plen = f->len >= 4 ? (size_t)d[2] << 8 | d[3] : 0;
	} else if (plen == 127) {
		hdr = 10;
		plen = 0;
		for (int i = 2; i < 10 && f->len >= 10; i++)
			plen = plen << 8 | d[i];
	}
	if (f->len != hdr + plen)
		goto bad;
	v = json_loadb((const char *)d + hdr, plen, 0, NULL);
	if (!json_is_object(v))
		goto bad;
	if (verbose) /* FUZZ_VERBOSE=1: print the replies (to write seeds) */
		fprintf(stderr, "< %.*s\n", (int)plen, (const char *)d + hdr);
	json_decref(v);
	return;
bad:
	fprintf(stderr, "fuzz_dispatch: a queued frame is not a text frame holding a JSON object\n");
	abort();
}

/* Drops the replies and events queued on the session, checking each. */
static void drain(struct session *s)
{
	while (s->q_len) {
		struct frame *f = s->q[s->q_head];
		check_frame(f);
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
		s->q_bytes -= f->len;
		frame_unref(f);
	}
	s->q_bytes = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > srv.cfg.max_message || skipped(data, size))
		return 0;
	dispatch_message(sess, (const char *)data, size);
	drain(sess);
	/* Back to the starting point: signed in as the convener, in no room,
	 * not cut off. */
	sess->cut_off = 0;
	sess->close_code = 0;
	events_unsubscribe_all(sess);
	session_sign_in(sess, member_id, 0, NULL);
	return 0;
}
