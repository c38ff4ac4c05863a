/*
 * fill.c: writes benchmark data straight into a Roundtable database through
 * the storage layer, one transaction per call, while the daemon may be
 * serving (SQLite WAL). Linked against the project's objects like tests/unit.
 *
 *   fill messages DB THREAD AUTHOR COUNT   COUNT messages appended to a thread, by
 *                                           AUTHOR (0: a new member of its coalition)
 *                                           -> "first=<id> last=<id>"
 *   fill voters DB SLUG COUNT              COUNT new members of the coalition
 *                                           with the provider role, each with a
 *                                           session -> one token per line
 *   fill readers DB SLUG ROOMS             one such member of SLUG (ROOMS 1) or of
 *                                           each SLUG-<k>, k < ROOMS -> tokens
 *   fill ballots DB DECISION COUNT         COUNT random ranked ballots in an
 *                                           open secret ranked decision, with
 *                                           their "has voted" tags -> "ballots=<n>"
 *
 * Events (member.joined, ballot.cast) are not written: the data is for
 * timing reads, tallies and sign-ins, not for replays.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "db.h"
#include "rt.h"
#include "store_decisions.h"
#include "store_discussions.h"
#include "store_members.h"

#define MAX_OPTIONS 50

static int usage(void)
{
	fprintf(stderr, "usage: fill messages DB THREAD AUTHOR COUNT\n"
	                "       fill voters DB SLUG COUNT\n"
	                "       fill readers DB SLUG ROOMS\n"
	                "       fill ballots DB DECISION COUNT\n");
	return 2;
}

/* A new member of the coalition with the provider role and a session (a
 * week): its id into *member, its session's token into token. */
static int new_member(struct db *db, int64_t coalition, const char *kind, const char *label, long i,
                      int64_t *member, char token[44])
{
	char email[96], name[64], expires[21];
	unsigned char hash[32];
	int created;

	rt_time_after(expires, 7 * 86400);
	snprintf(email, sizeof email, "%s%ld-%ld-%d@bench.test", kind, i, (long)time(NULL), (int)getpid());
	snprintf(name, sizeof name, "%s %ld", label, i);
	rt_token_new(token);
	rt_sha256(hash, token, strlen(token));
	/* never signs in with a password: the hash is not a valid one */
	if (store_member_create(db, email, name, "!bench-no-password", 0, member) != RT_OK ||
	    store_membership_set(db, coalition, *member, ROLE_PROVIDER, NULL, &created) != RT_OK ||
	    store_session_create(db, hash, *member, expires) != RT_OK) {
		fprintf(stderr, "fill: %s %ld could not be created\n", kind, i);
		return 1;
	}
	return 0;
}

/* COUNT messages by AUTHOR (0: a new member of the thread's coalition) in
 * THREAD, bodies "paging message <i>". */
static int fill_messages(struct db *db, int64_t thread, int64_t author, long count)
{
	char at[21], body[64], html[96], token[44];
	int64_t id = 0, first = 0;

	if (!author) {
		struct thread_info ti;
		if (store_thread_info(db, thread, &ti) != RT_OK) {
			fprintf(stderr, "fill: no thread %lld\n", (long long)thread);
			return 1;
		}
		if (new_member(db, ti.coalition_id, "writer", "Writer", 0, &author, token))
			return 1;
	}
	rt_now(at);
	for (long i = 0; i < count; i++) {
		snprintf(body, sizeof body, "paging message %ld", i);
		snprintf(html, sizeof html, "<p>paging message %ld</p>\n", i);
		if (store_message_insert(db, thread, author, 0, 0, body, html, at, &id) != RT_OK) {
			fprintf(stderr, "fill: message %ld could not be inserted\n", i);
			return 1;
		}
		if (!first)
			first = id;
	}
	printf("first=%lld last=%lld\n", (long long)first, (long long)id);
	return 0;
}

/* COUNT provider members of SLUG with a session each; prints the tokens. */
static int fill_voters(struct db *db, const char *slug, long count)
{
	int64_t coalition;

	if (store_coalition_id(db, slug, &coalition) != RT_OK) {
		fprintf(stderr, "fill: no coalition %s\n", slug);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		int64_t member;
		char token[44];
		if (new_member(db, coalition, "voter", "Voter", i, &member, token))
			return 1;
		printf("%s\n", token);
	}
	return 0;
}

/* One member for each room: of SLUG when ROOMS is 1, else of SLUG-<k> for
 * k < ROOMS; prints the tokens in room order. */
static int fill_readers(struct db *db, const char *slug, long rooms)
{
	int64_t coalition;
	char name[96];

	for (long k = 0; k < rooms; k++) {
		if (rooms > 1)
			snprintf(name, sizeof name, "%s-%ld", slug, k);
		else
			snprintf(name, sizeof name, "%s", slug);
		if (store_coalition_id(db, name, &coalition) != RT_OK) {
			fprintf(stderr, "fill: no coalition %s\n", name);
			return 1;
		}
		int64_t member;
		char token[44];
		if (new_member(db, coalition, "reader", "Reader", k, &member, token))
			return 1;
		printf("%s\n", token);
	}
	return 0;
}

/* Option i is preferred with weight 1 / (i + 1.5): the first options collect
 * most first preferences, and instant runoff needs several rounds. */
static int pick(const double *w, const int *used, int n)
{
	double sum = 0, x;
	for (int i = 0; i < n; i++)
		if (!used[i])
			sum += w[i];
	x = (double)randombytes_uniform(1u << 30) / (double)(1u << 30) * sum;
	for (int i = 0; i < n; i++) {
		if (used[i])
			continue;
		if (x < w[i])
			return i;
		x -= w[i];
	}
	for (int i = n - 1; i >= 0; i--)
		if (!used[i])
			return i;
	return 0;
}

/* COUNT secret ranked ballots, each ranking 1 to all options. */
static int fill_ballots(struct db *db, int64_t decision, long count)
{
	struct decision_row d = { 0 };
	json_t *options = NULL;
	double w[MAX_OPTIONS];
	int rc = 1, n;

	if (store_decision_get(db, decision, &d) != RT_OK) {
		fprintf(stderr, "fill: no decision %lld\n", (long long)decision);
		goto done;
	}
	if (!d.secret || strcmp(d.kind, "ranked") != 0 || !d.is_open) {
		fprintf(stderr, "fill: decision %lld is not an open secret ranked decision\n", (long long)decision);
		goto done;
	}
	options = json_loads(d.options, 0, NULL);
	n = (int)json_array_size(options);
	if (n < 2 || n > MAX_OPTIONS)
		goto done;
	for (int i = 0; i < n; i++)
		w[i] = 1.0 / (i + 1.5);
	for (long b = 0; b < count; b++) {
		struct ballot_row row = { 0 };
		int used[MAX_OPTIONS] = { 0 }, ranks = 1 + (int)randombytes_uniform((uint32_t)n);
		unsigned char tag[32];
		json_t *choice = json_array();
		char *text;
		int err;

		for (int k = 0; k < ranks; k++) {
			int i = pick(w, used, n);
			used[i] = 1;
			json_array_append(choice, json_array_get(options, (size_t)i));
		}
		text = json_dumps(choice, JSON_COMPACT);
		json_decref(choice);
		randombytes_buf(row.ballot_id, sizeof row.ballot_id);
		randombytes_buf(row.owner, sizeof row.owner);
		randombytes_buf(tag, sizeof tag);
		row.has_owner = 1;
		row.choice = text;
		err = text ? store_ballot_insert(db, decision, &row) : RT_EINTERNAL;
		if (!err)
			err = store_voter_add(db, decision, tag);
		free(text);
		if (err) {
			fprintf(stderr, "fill: ballot %ld could not be inserted\n", b);
			goto done;
		}
	}
	printf("ballots=%ld\n", count);
	rc = 0;
done:
	json_decref(options);
	decision_row_clear(&d);
	return rc;
}

int main(int argc, char **argv)
{
	struct db *db = NULL;
	int rc;

	if (argc < 5 || sodium_init() < 0)
		return usage();
	if (strcmp(argv[1], "messages") == 0 && argc != 6)
		return usage();
	if (strcmp(argv[1], "messages") != 0 && argc != 5)
		return usage();
	if (db_open(&db, argv[2]) != RT_OK || db_begin(db, 1) != RT_OK) {
		fprintf(stderr, "fill: cannot open %s for writing\n", argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "messages") == 0)
		rc = fill_messages(db, atoll(argv[3]), atoll(argv[4]), atol(argv[5]));
	else if (strcmp(argv[1], "voters") == 0)
		rc = fill_voters(db, argv[3], atol(argv[4]));
	else if (strcmp(argv[1], "readers") == 0)
		rc = fill_readers(db, argv[3], atol(argv[4]));
	else if (strcmp(argv[1], "ballots") == 0)
		rc = fill_ballots(db, atoll(argv[3]), atol(argv[4]));
	else
		rc = usage();
	if (rc == 0 && db_commit(db) != RT_OK)
		rc = 1;
	if (rc != 0)
		db_rollback(db);
	db_close(db);
	return rc;
}
