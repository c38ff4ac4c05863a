/*
 * store_milestones.h: milestones, their updates (the history), their links to
 * decisions, MOUs and threads, and the attention notices already sent. All
 * SQL of those tables lives in store_milestones.c. Functions return RT_OK or
 * an rt_err; json_t results belong to the caller. The JSON is the stored
 * state only: what is computed from it (html, progress, overdue) is added by
 * daemon/milestones.c.
 */
#ifndef RT_STORE_MILESTONES_H
#define RT_STORE_MILESTONES_H

#include "db.h"
#include <jansson.h>

/* A new milestone. owner_id 0: no owner; category, due NULL: none. */
struct milestone_new {
	int64_t coalition_id, owner_id, created_by;
	const char *title, *body, *category, *due;
	int has_metric;
	const char *metric_name, *metric_unit;
	double baseline, target;
};

/* The fields of a milestone the rules need. */
struct milestone_row {
	int64_t id, coalition_id, owner_id; /* owner_id 0: none */
	char status[16];
	char due[21];                       /* "" when none */
	int has_metric, has_value;
	double baseline, target, value;
};

/* Creates a milestone (status not_started). */
int store_milestone_create(struct db *db, const struct milestone_new *m, int64_t *out_id);
/* Reads a milestone's fields; RT_ENOTFOUND if none. */
int store_milestone_get(struct db *db, int64_t id, struct milestone_row *out);

/* Records an update and applies it: status (NULL keeps the current one),
 * value (if has_value), note. at NULL means now. *out_id: the update's id. */
int store_milestone_update_add(struct db *db, int64_t milestone_id, int64_t author_id,
                               const char *status, int has_value, double value,
                               const char *note, const char *at, int64_t *out_id);
/* Demo only: sets the time of an update, and of a milestone's creation. */
int store_milestone_update_set_at(struct db *db, int64_t update_id, const char *at);
int store_milestone_set_created_at(struct db *db, int64_t milestone_id, const char *at);

/* {id, coalition, title, body, category, due, owner: {id, name} | null,
 *  status, metric: {name, unit, baseline, target} | null, value,
 *  created_by: {id, name}, created_at, updated_at, updates_count,
 *  last_update_at}; RT_ENOTFOUND if none. */
int store_milestone_json(struct db *db, int64_t id, json_t **out);
/* The ids of a coalition's milestones, in creation order: [id, ...]. */
int store_milestone_ids(struct db *db, int64_t coalition_id, json_t **out);
/* The updates, newest first: [{id, author: {id, name} | null, status,
 * previous_status, value, note, at}]. */
int store_milestone_updates(struct db *db, int64_t milestone_id, json_t **out);
/* The values reported, oldest first: [{at, value}]. */
int store_milestone_series(struct db *db, int64_t milestone_id, json_t **out);

/* Link kinds: "decision", "mou", "thread". */
int store_milestone_kind_ok(const char *kind);
/* Does the linked item exist in the coalition? RT_OK if it does, RT_ENOTFOUND
 * if there is no such item in the coalition (unknown id, or another
 * coalition's), RT_EBADREQ for an unknown kind. */
int store_milestone_target_check(struct db *db, const char *kind, int64_t target_id,
                                 int64_t coalition_id);
/* Adds a link; RT_ECONFLICT if it exists. */
int store_milestone_link_add(struct db *db, int64_t milestone_id, int64_t coalition_id,
                             const char *kind, int64_t target_id, int64_t by);
/* Removes a link; RT_ENOTFOUND if there was none. */
int store_milestone_link_remove(struct db *db, int64_t milestone_id, const char *kind,
                                int64_t target_id);
/* A milestone's links, oldest first: [{kind, id, title | null, created_by, created_at}];
 * title is read from the other area's table (null if the row is gone). */
int store_milestone_links(struct db *db, int64_t milestone_id, json_t **out);
/* The ids of the coalition's milestones linked to (kind, target_id): [id, ...]. */
int store_milestones_linked_to(struct db *db, int64_t coalition_id, const char *kind,
                               int64_t target_id, json_t **out);
/* The smallest id of kind in the coalition (for the demo); RT_ENOTFOUND if
 * none. */
int store_milestone_first_target(struct db *db, const char *kind, int64_t coalition_id,
                                 int64_t *out_id);

/* Attention: forgets the notices whose condition has cleared at time now,
 * then lists the conditions holding and not yet noticed:
 * [{milestone, coalition_id, owner (0: none), condition}]. */
int store_milestone_attention_pending(struct db *db, const char *now, json_t **out);
/* Remembers that a notice was sent. */
int store_milestone_attention_mark(struct db *db, int64_t milestone_id, const char *condition,
                                   const char *at);

#endif
