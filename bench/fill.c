/*
 * fill.c: appends COUNT messages to a thread through the storage layer, in
 * one transaction (for the paging benchmark). Linked against the project's
 * objects like tests/unit.
 *   fill DB_PATH THREAD_ID AUTHOR_ID COUNT   -> prints "first=<id> last=<id>"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "rt.h"
#include "store_discussions.h"

int main(int argc, char **argv)
{
	struct db *db;
	int64_t thread, author, id = 0, first = 0;
	long count;
	char at[32], body[64], html[96];
	time_t now = time(NULL);

	if (argc != 5) {
		fprintf(stderr, "usage: fill DB_PATH THREAD_ID AUTHOR_ID COUNT\n");
		return 2;
	}
	thread = atoll(argv[2]);
	author = atoll(argv[3]);
	count = atol(argv[4]);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (db_open(&db, argv[1]) != RT_OK || db_begin(db, 1) != RT_OK)
		return 1;
	for (long i = 0; i < count; i++) {
		snprintf(body, sizeof body, "paging message %ld", i);
		snprintf(html, sizeof html, "<p>paging message %ld</p>\n", i);
		if (store_message_insert(db, thread, author, 0, 0, body, html, at, &id) != RT_OK) {
			fprintf(stderr, "fill: insert %ld failed\n", i);
			db_rollback(db);
			return 1;
		}
		if (!first)
			first = id;
	}
	if (db_commit(db) != RT_OK)
		return 1;
	db_close(db);
	printf("first=%lld last=%lld\n", (long long)first, (long long)id);
	return 0;
}
