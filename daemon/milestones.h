/*
 * milestones.h: milestones a coalition and its funders follow (issue 7).
 * The seven milestones for collective power as a template, milestones with
 * an owner, a due date, a status and an optional metric; updates kept as
 * history; progress computed from the metric or the status; links to the
 * decisions, MOUs and threads that serve a milestone, both ways; attention
 * notices to owners of overdue and at-risk milestones; the CSV export.
 * The op table is milestones_ops (hooks.h); the ops are documented in
 * docs/protocol.md.
 */
#ifndef RT_MILESTONES_H
#define RT_MILESTONES_H

#include <jansson.h>
#include <stdint.h>

struct db;

/* Is s one of not_started, on_track, at_risk, achieved? */
int milestones_status_ok(const char *s);

/* A milestone's progress, a fraction from 0 to 1:
 *   - achieved: 1;
 *   - with a metric and a value: (value - baseline) / (target - baseline),
 *     clamped to [0, 1] (a target below the baseline works the same way:
 *     falling toward it is progress);
 *   - otherwise from the status: not_started 0, on_track and at_risk 0.5
 *     (under way: the status says how it goes, not how far it is).
 * *from (if not NULL) is set to "metric" or "status". */
double milestones_progress(const char *status, int has_metric, double baseline, double target,
                           int has_value, double value, const char **from);

/* Is a milestone overdue at time now: due ("" for none) has passed and it is
 * not achieved? Times are canonical RFC 3339 UTC text. */
int milestones_overdue(const char *status, const char *due, const char *now);

/* Parses a due date: "YYYY-MM-DD" (the end of that day, UTC) or an RFC 3339
 * time, into canonical RFC 3339 UTC. Returns 0, or -1 if malformed. */
int milestones_parse_due(const char *in, char out[21]);

/* The milestone as the protocol shows it: the stored fields plus html,
 * progress, progress_from, overdue, attention, links and series, judged at
 * time now. *out belongs to the caller. Returns RT_OK or an rt_err. */
int milestones_json(struct db *db, int64_t id, const char *now, json_t **out);

/* One CSV field for s (RFC 4180 quoting when needed). When text is set
 * (values people typed), a field starting with = + - @ (or a tab or carriage
 * return) gets a leading ' so spreadsheets do not run it as a formula.
 * Returns a malloc'd string the caller frees (NULL on out-of-memory). */


/* The CSV export of a coalition's milestones (GET /export/milestones/<slug>.csv):
 * a header line, then one line per milestone, CRLF line ends, UTF-8.
 * member_id must be a member of the coalition: RT_ENOTFOUND otherwise (and
 * for an unknown slug). Opens its own read transaction unless one is open.
 * On RT_OK *csv is a malloc'd NUL-terminated string the caller frees. */
int export_milestones_csv(struct db *db, int64_t member_id, const char *slug, char **csv);

#endif
