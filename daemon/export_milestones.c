/*
 * export_milestones.c: the CSV export of a coalition's milestones, for
 * GET /export/milestones/<coalition>.csv (see milestones.h).
 *
 * Fields are written by csv.c (quoting, formula-injection guard). Numbers
 * the daemon formats itself (progress, baseline, value...) are not guarded:
 * a negative value stays a number.
 */
#include "milestones.h"
#include "csv.h"
#include "db.h"
#include "rt.h"
#include "store_members.h"
#include "store_milestones.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number as the shortest text that reads back the same ("" for null). */
static void put_num(FILE *f, json_t *v)
{
	char buf[64] = "";
	if (json_is_number(v)) {
		double d = json_number_value(v);
		snprintf(buf, sizeof buf, "%.15g", d == 0 ? 0.0 : d);
	}
	csv_field(f, buf, 0);
}

static const char *str_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* "decision 3; thread 7 (Title)" */
static void put_links(FILE *f, json_t *links)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *g = open_memstream(&buf, &len);
	if (!g) {
		csv_field(f, "", 0);
		return;
	}
	for (size_t i = 0; i < json_array_size(links); i++) {
		json_t *l = json_array_get(links, i);
		fprintf(g, "%s%s %lld", i ? "; " : "", str_of(l, "kind"),
		        (long long)json_integer_value(json_object_get(l, "id")));
		if (json_is_string(json_object_get(l, "title")))
			fprintf(g, " (%s)", str_of(l, "title"));
	}
	if (fclose(g) == 0)
		csv_field(f, buf, 1);
	else
		csv_field(f, "", 0);
	free(buf);
}

static const char *const header[] = {
	"id", "title", "category", "status", "progress", "overdue", "owner", "due", "metric", "unit",
	"baseline", "target", "value", "updates", "last_update_at", "last_note", "links", "created_at", NULL
};

/* One line for one milestone. */
static int put_milestone(FILE *f, struct db *db, json_t *m)
{
	json_t *metric = json_object_get(m, "metric"), *updates = NULL;
	char idbuf[32];
	int err;

	if ((err = store_milestone_updates(db, json_integer_value(json_object_get(m, "id")), &updates)) != RT_OK)
		return err;
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(json_object_get(m, "id")));
	csv_field(f, idbuf, 0);
	fputc(',', f);
	csv_field(f, str_of(m, "title"), 1);
	fputc(',', f);
	csv_field(f, str_of(m, "category"), 1);
	fputc(',', f);
	csv_field(f, str_of(m, "status"), 0);
	fputc(',', f);
	put_num(f, json_object_get(m, "progress"));
	fputc(',', f);
	csv_field(f, json_is_true(json_object_get(m, "overdue")) ? "yes" : "no", 0);
	fputc(',', f);
	csv_field(f, str_of(json_object_get(m, "owner"), "name"), 1);
	fputc(',', f);
	csv_field(f, str_of(m, "due"), 0);
	fputc(',', f);
	csv_field(f, str_of(metric, "name"), 1);
	fputc(',', f);
	csv_field(f, str_of(metric, "unit"), 1);
	fputc(',', f);
	put_num(f, json_object_get(metric, "baseline"));
	fputc(',', f);
	put_num(f, json_object_get(metric, "target"));
	fputc(',', f);
	put_num(f, json_object_get(m, "value"));
	fputc(',', f);
	snprintf(idbuf, sizeof idbuf, "%zu", json_array_size(updates));
	csv_field(f, idbuf, 0);
	fputc(',', f);
	csv_field(f, str_of(json_array_get(updates, 0), "at"), 0);
	fputc(',', f);
	csv_field(f, str_of(json_array_get(updates, 0), "note"), 1);
	fputc(',', f);
	put_links(f, json_object_get(m, "links"));
	fputc(',', f);
	csv_field(f, str_of(m, "created_at"), 0);
	fputs("\r\n", f);
	json_decref(updates);
	return RT_OK;
}

int export_milestones_csv(struct db *db, int64_t member_id, const char *slug, char **csv)
{
	json_t *ids = NULL, *m = NULL;
	char *buf = NULL, now[21];
	size_t len = 0;
	FILE *f = NULL;
	int64_t cid = 0;
	unsigned roles = 0;
	int err, own_txn = sqlite3_get_autocommit(db_handle(db));

	*csv = NULL;
	if (own_txn && db_begin(db, 0) != RT_OK)
		return RT_EINTERNAL;
	if (!slug || store_coalition_id(db, slug, &cid) != RT_OK ||
	    store_membership_roles(db, cid, member_id, &roles) != RT_OK) {
		err = RT_ENOTFOUND;
		goto done;
	}
	if ((err = store_milestone_ids(db, cid, &ids)) != RT_OK)
		goto done;
	if (!(f = open_memstream(&buf, &len))) {
		err = RT_EINTERNAL;
		goto done;
	}
	for (size_t i = 0; header[i]; i++)
		fprintf(f, "%s%s", i ? "," : "", header[i]);
	fputs("\r\n", f);
	rt_now(now);
	for (size_t i = 0; i < json_array_size(ids); i++) {
		if ((err = milestones_json(db, json_integer_value(json_array_get(ids, i)), now, &m)) != RT_OK ||
		    (err = put_milestone(f, db, m)) != RT_OK)
			goto done;
		json_decref(m);
		m = NULL;
	}
	if (fclose(f) != 0) {
		f = NULL;
		err = RT_EINTERNAL;
		goto done;
	}
	f = NULL;
	*csv = buf;
	buf = NULL;
done:
	if (f)
		fclose(f);
	free(buf);
	json_decref(m);
	json_decref(ids);
	if (own_txn)
		db_rollback(db);
	return err;
}
