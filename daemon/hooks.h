/*
 * hooks.h: what each area of Roundtable plugs into the core, in one list.
 * An area (discussions, rfq, mou, decisions, milestones) defines, in its own
 * daemon/<area>.c:
 *   - <area>_ops[]: its op table (see dispatch.h), NULL-name terminated;
 *   - optionally <area>_demo(): its items of the demo coalition;
 *   - optionally <area>_tick(): called once a second on the event loop
 *     (deadlines: close what is due, with dispatch_system);
 *   - optionally <area>_start(): called once at start-up, before serving
 *     (repairs, re-arming from the database).
 * The declarations are weak so the core builds and runs with any subset of
 * the areas: an absent area's symbols are NULL.
 */
#ifndef RT_HOOKS_H
#define RT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct op;
struct server;

/* The demo's people, by role, for the areas' demo items. */
struct demo_ids {
	int64_t coalition; /* id of the demo coalition */
	const char *slug;
	int64_t admin, maria, james, ana, dee, tom, grace, luis;
};

#define RT_WEAK __attribute__((weak))

extern const struct op discussions_ops[] RT_WEAK;
extern const struct op rfq_ops[] RT_WEAK;
extern const struct op mou_ops[] RT_WEAK;
extern const struct op decisions_ops[] RT_WEAK;
extern const struct op milestones_ops[] RT_WEAK;

int discussions_demo(struct server *srv, const struct demo_ids *ids) RT_WEAK;
int rfq_demo(struct server *srv, const struct demo_ids *ids) RT_WEAK;
int mou_demo(struct server *srv, const struct demo_ids *ids) RT_WEAK;
int decisions_demo(struct server *srv, const struct demo_ids *ids) RT_WEAK;
int milestones_demo(struct server *srv, const struct demo_ids *ids) RT_WEAK;

void rfq_tick(struct server *srv) RT_WEAK;
void decisions_tick(struct server *srv) RT_WEAK;
void milestones_tick(struct server *srv) RT_WEAK;

/* HTTP endpoints served by areas (server.c routes to them).
 * CSV exports for a signed-in member (cookie): RT_OK with *csv malloc'd,
 * or an rt_err (RT_ENOTFOUND also for what the member may not see). */
int export_milestones_csv(struct db *db, int64_t member_id, const char *slug, char **csv) RT_WEAK;
int rfq_scores_csv(struct server *srv, int64_t member_id, int64_t rfq_id, char **out, size_t *len) RT_WEAK;
int export_decision_csv(struct server *srv, int64_t member_id, int64_t decision, char **csv) RT_WEAK;
/* GET /git/<slug>.git/<rest>: git's dumb HTTP protocol for member, whose
 * basic credentials auth.c has checked (0: none or wrong: 401).
 * Fills status, content type and body (both malloc'd, caller frees). */
int mou_http_git(struct db *db, const char *data_dir, const char *path, int64_t member,
                 int *status, char **content_type, char **body, size_t *len) RT_WEAK;

/* Return 0, or -1 to refuse to start (the reason printed to stderr). */
int mou_start(struct server *srv) RT_WEAK;
int rfq_start(struct server *srv) RT_WEAK;
int decisions_start(struct server *srv) RT_WEAK;

#endif
