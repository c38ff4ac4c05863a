/*
 * store_mou.h: the SQL of MOUs (storage/schema/006-mou.sql): the row of each
 * MOU with its head commit, the commits that changed it, and the parties'
 * signatures bound to commits. The texts themselves are in git
 * (gitstore.h). Functions return RT_OK or an rt_err; json_t results belong
 * to the caller.
 */
#ifndef RT_STORE_MOU_H
#define RT_STORE_MOU_H

#include "db.h"
#include <jansson.h>

#define MOU_TITLE_MAX 200

/* What the handlers need of one MOU. parties is owned: store_mou_info_free. */
struct mou_info {
	int64_t id, coalition_id;
	char head[41];
	char title[4 * MOU_TITLE_MAX + 1];
	json_t *parties;
};

/* Creates an MOU row (head '' until its first commit is named). */
int store_mou_create(struct db *db, int64_t coalition_id, const char *title, const json_t *parties,
                     int64_t created_by, int64_t *out_id);
/* Re-creates the row of an MOU with a known id (start-up repair); created_by
 * 0 for unknown. */
int store_mou_restore(struct db *db, int64_t id, int64_t coalition_id, const char *title,
                      const json_t *parties, int64_t created_by, const char *created_at);
/* Names the MOU's new head commit (and the time it changed). */
int store_mou_set_head(struct db *db, int64_t id, const char *commit, const char *at);
/* Records a commit that changed the MOU (member 0: unknown). Repeats are ignored. */
int store_mou_version_add(struct db *db, int64_t mou_id, const char *commit, int64_t member_id, const char *at);
/* Stores the HTML of one version's text (rendered here, once, by rt_markdown:
 * mou.get reads it and never renders). Storing it again changes nothing. */
int store_mou_html_put(struct db *db, int64_t mou_id, const char *commit, const char *text, size_t len);
/* The stored HTML of a version into *html (malloc'd, caller frees);
 * RT_ENOTFOUND when the version has none. */
int store_mou_html_get(struct db *db, int64_t mou_id, const char *commit, char **html);
/* [{mou, commit, slug}] of the versions without stored HTML (saved before
 * schema 7, or recovered from git at start-up), oldest MOU first. */
int store_mou_html_missing(struct db *db, json_t **out);
/* Does the MOU have this commit as a recorded version? (1/0) */
int store_mou_version_known(struct db *db, int64_t mou_id, const char *commit);

/* The MOU's row; RT_ENOTFOUND if none. Free with store_mou_info_free. */
int store_mou_info(struct db *db, int64_t id, struct mou_info *out);
void store_mou_info_free(struct mou_info *m);
/* {id, title, parties, head, created_by:{id,name}|null, created_at, updated_at}. */
int store_mou_json(struct db *db, int64_t id, json_t **out);
/* The ids of the coalition's MOUs, newest change first: a JSON array of integers. */
int store_mou_ids(struct db *db, int64_t coalition_id, json_t **out);

/* Every signature of the MOU, oldest first:
 * [{organization, member:{id,name}, commit, at}]. */
int store_mou_signatures(struct db *db, int64_t mou_id, json_t **out);
/* Records a signature. RT_ECONFLICT if that organization already signed that commit. */
int store_mou_sign(struct db *db, int64_t mou_id, const char *organization, const char *commit,
                   int64_t member_id, const char *at);

/* The organization the member represents in the coalition into buf;
 * RT_ENOTFOUND when they name none (or are not a member). */
int store_mou_member_org(struct db *db, int64_t coalition_id, int64_t member_id, char *buf, size_t size);
/* {id, name} of a member, or JSON null when id is 0 or unknown. */
json_t *store_mou_member_brief(struct db *db, int64_t member_id);
/* Every coalition: [{id, slug}] (start-up reconciliation). */
int store_mou_coalitions(struct db *db, json_t **out);
/* The member with this email (case-insensitive), or 0. */
int64_t store_mou_member_by_email(struct db *db, const char *email);

#endif
