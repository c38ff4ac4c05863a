/*
 * milestones.c: milestones funders follow (see milestones.h): the template,
 * the rules (who may create, update and link; progress; overdue), the ops,
 * the attention notices to owners, and the demo items.
 *
 * Who may do what: every member of the coalition (funders, observers and
 * parents included) reads everything. Conveners, the design team and the hub
 * create milestones. The owner, conveners and the design team post updates.
 * The owner, conveners, the design team and the hub link and unlink.
 *
 * Attention: milestones_tick runs once a second; once a minute (or at the
 * next tick after a milestone is created or its status changes) it looks for
 * milestones that are overdue or at risk whose owner has not been told yet,
 * tells them with a milestone.attention event (only the owner receives it;
 * the conveners when there is no owner), and remembers it in
 * milestone_attention, so each condition is told once while it lasts.
 */
#include "milestones.h"
#include "db.h"
#include "dispatch.h"
#include "hooks.h"
#include "render.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"
#include "store_milestones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TITLE_MAX 200
#define CATEGORY_MAX 100
#define TEXT_MAX (64 * 1024)
#define NOTE_MAX (16 * 1024) /* an update's note: a few paragraphs */
#define METRIC_NAME_MAX 100
#define METRIC_UNIT_MAX 40
#define CHECK_SECONDS 60

/* Set when a milestone was created or its status changed (by a commit
 * hook, so only once that is committed): the next tick checks for
 * attention at once instead of waiting for the minute. */
static int attention_dirty = 1;

static void attention_due(void *arg)
{
	(void)arg;
	attention_dirty = 1;
}

/* ---- the template: the seed's words ---- */

static const struct template_item {
	const char *key, *title, *body;
} collective_power[] = {
	{ "setting_the_table", "Setting the table",
	  "States were intentional about the membership and leadership of their coalitions. Five states "
	  "(CO, LA, NM, NY, VA) discussed a milestone of their coalition as **getting the right "
	  "decisionmakers in place** to contribute to the group. Who those decisionmakers were varied: some "
	  "emphasized bringing in community voices (VA, LA, NY), while NM emphasized bringing in a child care "
	  "association whom they had previously had a contentious relationship with in the past.\n\n"
	  "At the CC NEXT Convening, participants emphasized how coalitions should be built intentionally, "
	  "ideally **starting small with grassroots groups** when building collective power.\n\n"
	  "> *The first big leap for us was bringing in a child care association...We recognized that while "
	  "of their values and politics are different than ours, they do share a lot of the same interests*\n>\n"
	  "> — CC NEXT member in New Mexico\n" },
	{ "safety_and_trust", "Safety and trust across members",
	  "At the CC NEXT Convening, groups described the need for a **feeling of safety and trust** amongst "
	  "the voices in the coalition, especially amongst the most impacted communities: parents and "
	  "providers.\n\n"
	  "They mentioned the importance of creating a “culture of authenticity”: **spaces that allow for "
	  "honest opinions and feedback**. These spaces may require “sitting with discomfort” and processes "
	  "for accountability.\n\n"
	  "> *Spoke about key piece of building power is people have trust in the process, there is a safe "
	  "place to share your contribution. You go back to make sure people have been heard, listened to – "
	  "that there is trust and transparency.*\n>\n"
	  "> — CC NEXT member during the Convening\n" },
	{ "cohesion", "Cohesion",
	  "Cohorts got on the same page about what is important, including shared values (LA, NY, OR), "
	  "internal processes such as operating agreements (OR, VA), and policy agendas (CO, VA, NY, OR).\n\n"
	  "During the CC NEXT Convening, participants shared how members in a coalition have different roles. "
	  "Those with positional power are able to leverage that power for those in the coalition without "
	  "it.\n\n"
	  "> *I don't think we would have been as coherent or determined in our asks if we hadn't determined "
	  "our principles or goals. It was one of the best things that happened and everything followed from "
	  "that.*\n>\n"
	  "> — CC NEXT member in New York\n" },
	{ "financing", "Financing",
	  "States need funding and resources to form and strengthen their coalitions. Virginia lauded the "
	  "funding and resources they receive from another funding partner, New Mexico lamented the lost time "
	  "before they received funding from CC NEXT, and Colorado noted as a milestone meeting with funders "
	  "to advocate for what they need.\n\n"
	  "Participants at the CC NEXT convening noted the importance of financing as well, particularly funds "
	  "devoted to address barriers to participation. However, one small group also noted the importance "
	  "of “recognizing not all resources are money.”\n\n"
	  "> *I can't overstate the impact of resources provided by VA Early Childhood Foundation – they are a "
	  "trusted partner with the state. We have access to research and resources.*\n>\n"
	  "> — CC NEXT member in Virginia\n" },
	{ "directed_by_parents_and_providers", "Directed by parents and providers",
	  "Participants at the CC NEXT Convening discussed the importance of **provider representation** and "
	  "close **relationships with parents** to guide their work.\n\n"
	  "Participants discussed how the **inclusion** of these groups can require time, energy, and "
	  "intentional practice at all levels, including translation, compensation, and direct services.\n\n"
	  "They also shared how they should see **increased engagement from parents and providers** over "
	  "time, and that “impacted communities are demanding more and showing up.”\n\n"
	  "> *When we thought about milestones we thought about what it looks like. We are not calling the "
	  "shots anymore, those most impacted are. The decisionmaking table looks radically different. We "
	  "don't need to usher people to meetings because they will already be there.*\n>\n"
	  "> — CC NEXT member during the Convening\n" },
	{ "advocacy_progress", "Advocacy progress",
	  "States are in coalition to make progress on child care issues, and when they see progress that is "
	  "a notable milestone for them. States have seen increased engagement in the campaign (NY, VA), "
	  "completed a cost of care study and had a big win in the short 2022 legislative session ($90 "
	  "million for childcare) (OR), received the governor's support for a bill (VA), and launched a "
	  "“serious campaign” and “have come a long way” to educate elected officials and establish child "
	  "care as a core issue (NY).\n\n"
	  "> *We are reaching new milestones with engagement – each training more people are involved and "
	  "some people come back to learn more.*\n>\n"
	  "> — CC NEXT member in Virginia\n" },
	{ "impact_for_children_and_families", "Impact for children and families",
	  "At the CC NEXT Convening, participants agreed that collective power should result in **real "
	  "impact for children and families**.\n\n"
	  "> *If things accomplished aren't making an impact you may not have the collective power you think "
	  "you do.*\n>\n"
	  "> — CC NEXT member during the Convening\n" },
};

#define COLLECTIVE_POWER "Collective power"
#define IRON_TRIANGLE "Iron Triangle"

static const struct template_metric {
	const char *key, *title, *body, *name, *unit;
} iron_triangle[] = {
	{ "full_enrollment", "Full enrollment",
	  "Enrollment as a percent of licensed capacity, across the alliance's programs. The first side of "
	  "the Iron Triangle: *full enrollment, full fee collection and ensuring revenues are covered per "
	  "child cost*.",
	  "Enrollment", "% of capacity" },
	{ "full_fee_collection", "Full fee collection",
	  "Fees collected as a percent of fees billed (tuition, co-pays and subsidy), across the alliance's "
	  "programs. The second side of the Iron Triangle.",
	  "Fees collected", "% of fees billed" },
	{ "revenue_covers_cost", "Revenue covers the cost per child",
	  "Revenue per child as a percent of the cost per child: at 100% or more, revenues cover the per "
	  "child cost. The third side of the Iron Triangle.",
	  "Revenue per child", "% of cost per child" },
};

/* ---- pure rules ---- */

int milestones_status_ok(const char *s)
{
	return s && (strcmp(s, "not_started") == 0 || strcmp(s, "on_track") == 0 ||
	             strcmp(s, "at_risk") == 0 || strcmp(s, "achieved") == 0);
}

double milestones_progress(const char *status, int has_metric, double baseline, double target,
                           int has_value, double value, const char **from)
{
	double p = 0;
	const char *how = "status";

	if (status && strcmp(status, "achieved") == 0) {
		p = 1;
	} else if (has_metric && has_value && target != baseline && isfinite(value)) {
		p = (value - baseline) / (target - baseline);
		if (!(p > 0)) /* also NaN */
			p = 0;
		if (p > 1)
			p = 1;
		how = "metric";
	} else if (status && (strcmp(status, "on_track") == 0 || strcmp(status, "at_risk") == 0)) {
		p = 0.5;
	}
	if (from)
		*from = how;
	/* four decimals (p is in [0, 1]; no libm) */
	return (double)(long long)(p * 10000 + 0.5) / 10000;
}

int milestones_overdue(const char *status, const char *due, const char *now)
{
	if (!due || !*due || (status && strcmp(status, "achieved") == 0))
		return 0;
	return strcmp(due, now) < 0;
}

int milestones_parse_due(const char *in, char out[21])
{
	char full[32];
	int y, mo, d, n = 0;

	if (!in)
		return -1;
	if (strlen(in) == 10 && sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		snprintf(full, sizeof full, "%.10sT23:59:59Z", in);
		if (rt_time_parse(full, out) < 0 || strncmp(out, in, 10) != 0)
			return -1; /* also 2026-02-31 */
		return 0;
	}
	return rt_time_parse(in, out) < 0 ? -1 : 0;
}

/* ---- the milestone object ---- */

int milestones_json(struct db *db, int64_t id, const char *now, json_t **out)
{
	json_t *m = NULL, *links = NULL, *series = NULL, *attention;
	struct milestone_row row;
	const char *from = "status";
	int err;

	*out = NULL;
	if ((err = store_milestone_get(db, id, &row)) != RT_OK ||
	    (err = store_milestone_json(db, id, &m)) != RT_OK ||
	    (err = store_milestone_links(db, id, &links)) != RT_OK ||
	    (err = store_milestone_series(db, id, &series)) != RT_OK)
		goto done;
	/* m.html: rendered when the milestone was written */
	json_object_set_new(m, "progress", json_real(milestones_progress(row.status, row.has_metric,
	                    row.baseline, row.target, row.has_value, row.value, &from)));
	json_object_set_new(m, "progress_from", json_string(from));
	json_object_set_new(m, "overdue", json_boolean(milestones_overdue(row.status, row.due, now)));
	attention = json_array();
	if (milestones_overdue(row.status, row.due, now))
		json_array_append_new(attention, json_string("overdue"));
	if (strcmp(row.status, "at_risk") == 0)
		json_array_append_new(attention, json_string("at_risk"));
	json_object_set_new(m, "attention", attention);
	json_object_set(m, "links", links);
	json_object_set(m, "series", series);
	*out = m;
	m = NULL;
done:
	json_decref(m);
	json_decref(links);
	json_decref(series);
	return err;
}

/* The milestone's updates, newest first, each with its note's HTML (rendered when written). */
static int updates_json(struct db *db, int64_t id, json_t **out)
{
	json_t *list = NULL;
	int err = store_milestone_updates(db, id, &list);
	*out = NULL;
	if (err)
		return err;
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *u = json_array_get(list, i);
		json_object_set_new(u, "milestone", json_integer(id)); /* u.html: rendered when written */
	}
	*out = list;
	return RT_OK;
}

/* ---- handlers ---- */

static const char *arg_str(struct req *r, const char *name)
{
	json_t *v = json_object_get(r->args, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Is s empty or only white space? */
static int blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* Resolves the milestone named by args.milestone and checks the caller is a
 * member of its coalition (non-members get not_found). */
static int load_milestone(struct req *r, struct milestone_row *row)
{
	int64_t id = json_integer_value(json_object_get(r->args, "milestone"));
	int err;
	if ((err = store_milestone_get(r->srv->db, id, row)) != RT_OK)
		return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "milestone", "no such milestone")
		                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the milestone");
	err = req_require_member(r, row->coalition_id, 0);
	if (err == RT_ENOTFOUND)
		return req_fail(r, RT_ENOTFOUND, "milestone", "no such milestone");
	return err;
}

static int ms_template(struct req *r)
{
	json_t *milestones = json_array(), *metrics = json_array();
	for (size_t i = 0; i < sizeof collective_power / sizeof collective_power[0]; i++) {
		const struct template_item *t = &collective_power[i];
		char *html = render_markdown(t->body, strlen(t->body));
		json_array_append_new(milestones, json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", t->key,
		                      "title", t->title, "body", t->body, "html", html ? html : "",
		                      "category", COLLECTIVE_POWER));
		free(html);
	}
	for (size_t i = 0; i < sizeof iron_triangle / sizeof iron_triangle[0]; i++) {
		const struct template_metric *t = &iron_triangle[i];
		char *html = render_markdown(t->body, strlen(t->body));
		json_array_append_new(metrics, json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:n, s:f}}",
		                      "key", t->key, "title", t->title, "body", t->body, "html", html ? html : "",
		                      "category", IRON_TRIANGLE, "metric", "name", t->name, "unit", t->unit,
		                      "baseline", "target", 100.0));
		free(html);
	}
	r->data = json_pack("{s:s, s:o, s:{s:s, s:s, s:o}}",
	                    "source", "Milestones for Collective Power, Alliance for Early Success's Child Care "
	                              "NEXT Initiative (evaluation of the Planning Year by Innovation Network)",
	                    "milestones", milestones,
	                    "iron_triangle", "source", "Early Childhood Iowa Shared Services project: the Iron "
	                                               "Triangle (full enrollment, full fee collection, revenues "
	                                               "that cover the per child cost)",
	                    "note", "Fill in each metric's baseline (your current figure) and, if full is not "
	                            "your target, its target.",
	                    "metrics", metrics);
	return r->data ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "could not build the template");
}

/* Reads args.metric into m: {name, unit?, baseline, target}, nothing else. */
static int parse_metric(struct req *r, struct milestone_new *m)
{
	json_t *metric = json_object_get(r->args, "metric"), *v;
	const char *key;

	if (!metric || json_is_null(metric))
		return RT_OK;
	json_object_foreach(metric, key, v) {
		if (strcmp(key, "name") && strcmp(key, "unit") && strcmp(key, "baseline") && strcmp(key, "target"))
			return req_fail(r, RT_EBADREQ, "metric", "metric takes name, unit, baseline and target, not '%.64s'", key);
	}
	v = json_object_get(metric, "name");
	if (!json_is_string(v) || blank(json_string_value(v)) || json_string_length(v) > METRIC_NAME_MAX ||
	    !rt_text_ok(json_string_value(v)))
		return req_fail(r, RT_EBADREQ, "metric", "metric.name must be a non-empty string of at most %d bytes", METRIC_NAME_MAX);
	m->metric_name = json_string_value(v);
	v = json_object_get(metric, "unit");
	if (v && !json_is_null(v) && (!json_is_string(v) || json_string_length(v) > METRIC_UNIT_MAX ||
	                              !rt_text_ok(json_string_value(v))))
		return req_fail(r, RT_EBADREQ, "metric", "metric.unit must be a string of at most %d bytes", METRIC_UNIT_MAX);
	m->metric_unit = json_is_string(v) ? json_string_value(v) : "";
	if (!json_is_number(json_object_get(metric, "baseline")) || !json_is_number(json_object_get(metric, "target")))
		return req_fail(r, RT_EBADREQ, "metric", "metric.baseline and metric.target must be numbers");
	m->baseline = json_number_value(json_object_get(metric, "baseline"));
	m->target = json_number_value(json_object_get(metric, "target"));
	if (m->baseline == m->target)
		return req_fail(r, RT_EBADREQ, "metric", "metric.target must differ from metric.baseline");
	m->has_metric = 1;
	return RT_OK;
}

static int ms_create(struct req *r)
{
	struct milestone_new m = { .coalition_id = r->coalition_id, .created_by = r->member_id };
	json_t *owner = json_object_get(r->args, "owner"), *obj = NULL;
	char due[21], now[21];
	const char *due_in = arg_str(r, "due");
	unsigned roles;
	int64_t id;
	int err;

	if (!(r->roles & (ROLE_CONVENER | ROLE_DESIGN_TEAM | ROLE_HUB)))
		return req_fail(r, RT_EFORBIDDEN, NULL, "only conveners, the design team and the hub may create milestones");
	m.title = arg_str(r, "title");
	m.body = arg_str(r, "body");
	m.category = arg_str(r, "category");
	if (blank(m.title))
		return req_fail(r, RT_EBADREQ, "title", "title must not be empty");
	if (m.category && blank(m.category))
		m.category = NULL;
	if (due_in) {
		if (milestones_parse_due(due_in, due) != 0)
			return req_fail(r, RT_EBADREQ, "due", "due must be a date (YYYY-MM-DD) or an RFC 3339 time");
		m.due = due;
	}
	if (json_is_integer(owner)) {
		m.owner_id = json_integer_value(owner);
		if (store_membership_roles(r->srv->db, r->coalition_id, m.owner_id, &roles) != RT_OK)
			return req_fail(r, RT_ENOTFOUND, "owner", "the owner must be a member of this coalition");
	}
	if (parse_metric(r, &m) != RT_OK)
		return r->err;
	rt_now(now);
	if ((err = store_milestone_create(r->srv->db, &m, &id)) != RT_OK ||
	    (err = milestones_json(r->srv->db, id, now, &obj)) != RT_OK)
		return req_fail(r, err, NULL, "could not create the milestone");
	if ((err = req_event(r, r->coalition_id, "milestone.created", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O}", "milestone", obj))) != RT_OK) {
		json_decref(obj);
		return err;
	}
	if (req_on_commit(r, attention_due, NULL) != RT_OK) {
		json_decref(obj);
		return r->err;
	}
	r->data = json_pack("{s:o}", "milestone", obj);
	return RT_OK;
}

static int ms_update(struct req *r)
{
	struct milestone_row row;
	const char *status = arg_str(r, "status"), *note = arg_str(r, "note");
	json_t *value = json_object_get(r->args, "value"), *obj = NULL, *updates = NULL, *update = NULL;
	char now[21];
	int64_t uid = 0;
	int err, has_value = json_is_number(value);

	if (load_milestone(r, &row) != RT_OK)
		return r->err;
	if (row.owner_id != r->member_id && !(r->roles & (ROLE_CONVENER | ROLE_DESIGN_TEAM)))
		return req_fail(r, RT_EFORBIDDEN, NULL, "only the milestone's owner, conveners and the design team may update it");
	if (blank(note))
		return req_fail(r, RT_EBADREQ, "note", "note must not be empty: say what happened");
	if (status && !milestones_status_ok(status))
		return req_fail(r, RT_EBADREQ, "status", "status must be not_started, on_track, at_risk or achieved");
	if (has_value && !row.has_metric)
		return req_fail(r, RT_EBADREQ, "value", "this milestone has no metric to give a value to");
	rt_now(now);
	if ((err = store_milestone_update_add(r->srv->db, row.id, r->member_id, status, has_value,
	                                      has_value ? json_number_value(value) : 0, note, NULL, &uid)) ||
	    (err = milestones_json(r->srv->db, row.id, now, &obj)) ||
	    (err = updates_json(r->srv->db, row.id, &updates)))
		goto fail;
	for (size_t i = 0; i < json_array_size(updates); i++)
		if (json_integer_value(json_object_get(json_array_get(updates, i), "id")) == uid)
			update = json_incref(json_array_get(updates, i));
	json_decref(updates);
	if (!update) {
		err = RT_EINTERNAL;
		goto fail;
	}
	if (status && strcmp(status, row.status) != 0 && req_on_commit(r, attention_due, NULL) != RT_OK) {
		json_decref(update);
		err = r->err;
		goto fail;
	}
	if ((err = req_event(r, row.coalition_id, "milestone.updated", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O, s:O}", "milestone", obj, "update", update))) != RT_OK) {
		json_decref(obj);
		json_decref(update);
		return err;
	}
	r->data = json_pack("{s:o, s:o}", "milestone", obj, "update", update);
	return RT_OK;
fail:
	json_decref(obj);
	return req_fail(r, err, NULL, "could not record the update");
}

static int ms_list(struct req *r)
{
	json_t *ids = NULL, *list = json_array(), *m = NULL;
	char now[21];
	int err;

	rt_now(now);
	if ((err = store_milestone_ids(r->srv->db, r->coalition_id, &ids)) != RT_OK)
		goto fail;
	for (size_t i = 0; i < json_array_size(ids); i++) {
		if ((err = milestones_json(r->srv->db, json_integer_value(json_array_get(ids, i)), now, &m)) != RT_OK)
			goto fail;
		json_array_append_new(list, m);
	}
	json_decref(ids);
	r->data = json_pack("{s:o}", "milestones", list);
	return RT_OK;
fail:
	json_decref(ids);
	json_decref(list);
	return req_fail(r, err, NULL, "could not list the milestones");
}

static int ms_get(struct req *r)
{
	struct milestone_row row;
	json_t *m = NULL, *updates = NULL;
	char now[21];
	int err;

	if (load_milestone(r, &row) != RT_OK)
		return r->err;
	rt_now(now);
	if ((err = milestones_json(r->srv->db, row.id, now, &m)) != RT_OK ||
	    (err = updates_json(r->srv->db, row.id, &updates)) != RT_OK) {
		json_decref(m);
		return req_fail(r, err, NULL, "could not read the milestone");
	}
	r->data = json_pack("{s:o, s:o, s:O}", "milestone", m, "updates", updates,
	                    "links", json_object_get(m, "links"));
	return RT_OK;
}

/* Reads exactly one of decision, mou, thread. */
static int link_target(struct req *r, const char **kind, int64_t *id)
{
	static const char *const names[] = { "decision", "mou", "thread" };
	int n = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(r->args, names[i]);
		if (json_is_integer(v)) {
			*kind = names[i];
			*id = json_integer_value(v);
			n++;
		}
	}
	if (n != 1)
		return req_fail(r, RT_EBADREQ, NULL, "give exactly one of decision, mou, thread");
	return RT_OK;
}

/* milestone.link and milestone.unlink. */
static int link_change(struct req *r, int add)
{
	struct milestone_row row;
	const char *kind = NULL;
	int64_t target = 0;
	json_t *obj = NULL, *link = NULL;
	char now[21];
	int err;

	if (link_target(r, &kind, &target) != RT_OK || load_milestone(r, &row) != RT_OK)
		return r->err;
	if (row.owner_id != r->member_id && !(r->roles & (ROLE_CONVENER | ROLE_DESIGN_TEAM | ROLE_HUB)))
		return req_fail(r, RT_EFORBIDDEN, NULL, "only the milestone's owner, conveners, the design team and the hub may link it");
	if (add) {
		err = store_milestone_target_check(r->srv->db, kind, target, row.coalition_id);
		if (err == RT_ENOTFOUND)
			return req_fail(r, RT_ENOTFOUND, kind, "no such %s in this coalition", kind);
		if (err)
			return req_fail(r, err, NULL, "could not check the %s", kind);
		err = store_milestone_link_add(r->srv->db, row.id, row.coalition_id, kind, target, r->member_id);
		if (err == RT_ECONFLICT)
			return req_fail(r, RT_ECONFLICT, kind, "this milestone is already linked to that %s", kind);
	} else {
		err = store_milestone_link_remove(r->srv->db, row.id, kind, target);
		if (err == RT_ENOTFOUND)
			return req_fail(r, RT_ENOTFOUND, kind, "this milestone is not linked to that %s", kind);
	}
	rt_now(now);
	if (err || (err = milestones_json(r->srv->db, row.id, now, &obj)) != RT_OK)
		return req_fail(r, err, NULL, "could not change the links");
	link = json_pack("{s:s, s:I}", "kind", kind, "id", (json_int_t)target);
	for (size_t i = 0; add && i < json_array_size(json_object_get(obj, "links")); i++) {
		json_t *l = json_array_get(json_object_get(obj, "links"), i);
		if (strcmp(json_string_value(json_object_get(l, "kind")), kind) == 0 &&
		    json_integer_value(json_object_get(l, "id")) == target)
			json_object_update(link, l);
	}
	if ((err = req_event(r, row.coalition_id, add ? "milestone.linked" : "milestone.unlinked", AUD_ALL, 0,
	                     r->member_id, json_pack("{s:O, s:O}", "milestone", obj, "link", link))) != RT_OK) {
		json_decref(obj);
		json_decref(link);
		return err;
	}
	r->data = json_pack("{s:o, s:o}", "milestone", obj, "link", link);
	return RT_OK;
}

static int ms_link(struct req *r)
{
	return link_change(r, 1);
}

static int ms_unlink(struct req *r)
{
	return link_change(r, 0);
}

static int ms_links_for(struct req *r)
{
	const char *kind = arg_str(r, "kind");
	int64_t target = json_integer_value(json_object_get(r->args, "id"));
	json_t *ids = NULL, *list = NULL, *m = NULL;
	char now[21];
	int err;

	if (!store_milestone_kind_ok(kind))
		return req_fail(r, RT_EBADREQ, "kind", "kind must be decision, mou or thread");
	rt_now(now);
	if ((err = store_milestones_linked_to(r->srv->db, r->coalition_id, kind, target, &ids)) != RT_OK)
		return req_fail(r, err, NULL, "could not read the links");
	list = json_array();
	for (size_t i = 0; i < json_array_size(ids); i++) {
		if ((err = milestones_json(r->srv->db, json_integer_value(json_array_get(ids, i)), now, &m)) != RT_OK) {
			json_decref(ids);
			json_decref(list);
			return req_fail(r, err, NULL, "could not read the milestones");
		}
		json_array_append_new(list, m);
	}
	json_decref(ids);
	r->data = json_pack("{s:s, s:I, s:o}", "kind", kind, "id", (json_int_t)target, "milestones", list);
	return RT_OK;
}

/* ---- attention notices ---- */

/* Tells the owners of milestones that became overdue or at risk (system). */
static int ms_attention(struct req *r)
{
	json_t *pending = NULL, *m = NULL;
	char now[21];
	int err;

	rt_now(now);
	if ((err = store_milestone_attention_pending(r->srv->db, now, &pending)) != RT_OK)
		return req_fail(r, err, NULL, "could not check the milestones");
	for (size_t i = 0; i < json_array_size(pending); i++) {
		json_t *p = json_array_get(pending, i);
		int64_t id = json_integer_value(json_object_get(p, "milestone"));
		int64_t owner = json_integer_value(json_object_get(p, "owner"));
		int64_t cid = json_integer_value(json_object_get(p, "coalition_id"));
		const char *condition = json_string_value(json_object_get(p, "condition"));
		if ((err = store_milestone_attention_mark(r->srv->db, id, condition, now)) != RT_OK ||
		    (err = milestones_json(r->srv->db, id, now, &m)) != RT_OK) {
			req_fail(r, err, NULL, "could not record the notice");
			break;
		}
		if ((err = req_event(r, cid, "milestone.attention", owner ? AUD_MEMBER : AUD_CONVENERS, owner, 0,
		                     json_pack("{s:o, s:s}", "milestone", m, "condition", condition))) != RT_OK)
			break;
	}
	json_decref(pending);
	return err;
}

void milestones_tick(struct server *srv)
{
	static time_t last;
	time_t now = time(NULL);

	if (!attention_dirty && now - last < CHECK_SECONDS)
		return;
	attention_dirty = 0;
	last = now;
	dispatch_system(srv, ms_attention, NULL, NULL);
}

/* ---- demo items ---- */

#define DAY (24L * 3600)

/* One demo update: days ago, by whom, status (NULL: unchanged), value (NAN: none), note. */
struct demo_update {
	int days_ago;
	int who; /* 0 the owner, 1 maria */
	const char *status;
	double value;
	const char *note;
};

struct demo_milestone {
	size_t tmpl;   /* index in collective_power, or (size_t)-1 for the metric */
	int owner;     /* index in the demo people below */
	int due_days;  /* from now; negative: in the past */
	const char *link_kind;
	struct demo_update updates[6];
};

/* Creates one milestone as maria, posts its updates, then backdates them. */
static int demo_one(struct server *srv, const struct demo_ids *ids, const int64_t *people,
                    const struct demo_milestone *dm)
{
	json_t *args = NULL, *data = NULL;
	char due[21], at[21], msg[256] = "";
	int64_t id = 0, uids[6] = { 0 }, target = 0;
	int err;

	rt_time_after(due, dm->due_days * DAY);
	if (dm->tmpl != (size_t)-1) {
		const struct template_item *t = &collective_power[dm->tmpl];
		args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "coalition", ids->slug, "title", t->title,
		                 "body", t->body, "category", COLLECTIVE_POWER, "due", due,
		                 "owner", (json_int_t)people[dm->owner]);
	} else {
		args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:f, s:f}}", "coalition", ids->slug,
		                 "title", "Full enrollment across the alliance",
		                 "body", "Enrollment as a percent of licensed capacity, across the centers and "
		                         "homes of the alliance: the first side of the **Iron Triangle** (full "
		                         "enrollment, full fee collection, revenue that covers the cost per child). "
		                         "The Hub's shared waiting list and enrollment staff started in the spring.",
		                 "category", IRON_TRIANGLE, "due", due, "owner", (json_int_t)people[dm->owner],
		                 "metric", "name", "Enrollment", "unit", "% of capacity", "baseline", 78.0,
		                 "target", 95.0);
	}
	if ((err = dispatch_call(srv, ids->maria, "milestone.create", args, &data, msg)) != RT_OK)
		goto done;
	id = json_integer_value(json_object_get(json_object_get(data, "milestone"), "id"));
	json_decref(data);
	data = NULL;
	json_decref(args);
	args = NULL;
	for (size_t i = 0; i < 6 && dm->updates[i].note; i++) {
		const struct demo_update *u = &dm->updates[i];
		args = json_pack("{s:I, s:s}", "milestone", (json_int_t)id, "note", u->note);
		if (u->status)
			json_object_set_new(args, "status", json_string(u->status));
		if (!isnan(u->value))
			json_object_set_new(args, "value", json_real(u->value));
		if ((err = dispatch_call(srv, u->who ? ids->maria : people[dm->owner], "milestone.update", args,
		                         &data, msg)) != RT_OK)
			goto done;
		uids[i] = json_integer_value(json_object_get(json_object_get(data, "update"), "id"));
		json_decref(data);
		data = NULL;
		json_decref(args);
		args = NULL;
	}
	/* Link to what serves it, when the other areas made demo items. */
	if (dm->link_kind && store_milestone_first_target(srv->db, dm->link_kind, ids->coalition, &target) == RT_OK) {
		args = json_pack("{s:I, s:I}", "milestone", (json_int_t)id, dm->link_kind, (json_int_t)target);
		if ((err = dispatch_call(srv, ids->maria, "milestone.link", args, NULL, msg)) != RT_OK)
			goto done;
	}
	/* A few months of history: the demo backdates the times (demo only). */
	if ((err = db_begin(srv->db, 1)) != RT_OK)
		goto done;
	rt_time_after(at, -130 * DAY);
	err = store_milestone_set_created_at(srv->db, id, at);
	for (size_t i = 0; !err && i < 6 && uids[i]; i++) {
		rt_time_after(at, -dm->updates[i].days_ago * DAY);
		err = store_milestone_update_set_at(srv->db, uids[i], at);
	}
	if (err) {
		db_rollback(srv->db);
		goto done;
	}
	err = db_commit(srv->db);
done:
	if (err)
		fprintf(stderr, "roundtable: demo milestone: %s\n", msg);
	json_decref(args);
	json_decref(data);
	return err;
}

int milestones_demo(struct server *srv, const struct demo_ids *ids)
{
	enum { MARIA, JAMES, ANA, TOM };
	const int64_t people[] = { ids->maria, ids->james, ids->ana, ids->tom };
	static const struct demo_milestone demo[] = {
		{ 0, MARIA, -100, NULL, {
			{ 125, 0, "on_track", NAN, "Invited the family child care homes of the east valley and the "
			  "parent committee of Sunrise; both said yes." },
			{ 104, 0, "achieved", NAN, "All twelve seats of the design team are filled: 5 centers, 4 family "
			  "child care homes, 2 parents and the CCR&R. **The right decisionmakers are at the table.**" } } },
		{ 1, JAMES, 60, "thread", {
			{ 110, 0, "on_track", NAN, "Agreed on meeting norms; anonymous posting is on in the discussions "
			  "for anyone who prefers it." },
			{ 48, 0, NULL, NAN, "Listening sessions with providers done in English and Spanish. Summary "
			  "shared back to everyone who came." } } },
		{ 2, TOM, 30, "mou", {
			{ 92, 0, "on_track", NAN, "Shared values drafted together at the March retreat." },
			{ 21, 0, NULL, NAN, "The operating agreement (MOU) is in review with every member organization." } } },
		{ 3, MARIA, 45, "decision", {
			{ 84, 0, "on_track", NAN, "Applied to the Valley Community Foundation for the Hub's first two years." },
			{ 40, 0, NULL, NAN, "Foundation site visit went well; they asked for the enrollment figures." },
			{ 9, 0, "at_risk", NAN, "The county's matching funds are delayed to the next fiscal year: we are "
			  "short for the Hub's second staff position." } } },
		{ 4, ANA, 90, NULL, {
			{ 70, 1, "on_track", NAN, "Stipends for provider representatives approved." },
			{ 14, 0, NULL, NAN, "Interpretation at every meeting; 9 of 12 providers came to the last one." } } },
		{ 5, JAMES, -7, NULL, {
			{ 60, 0, "on_track", NAN, "Met with two county supervisors about the cost of care study." },
			{ 25, 0, NULL, NAN, "Study scope drafted; presentation to the board of supervisors planned." } } },
		{ 6, MARIA, 270, NULL, { { 0, 0, NULL, NAN, NULL } } },
		{ (size_t)-1, TOM, 180, NULL, {
			{ 118, 0, "on_track", 79, "Baseline month after the Hub took over the waiting list." },
			{ 90, 0, NULL, 81, "Two classrooms reopened at Sunrise." },
			{ 61, 0, NULL, 84, "Shared waiting list now covers every member program." },
			{ 32, 0, NULL, 86, "Summer dip smaller than last year." },
			{ 4, 0, NULL, 88, "Fall enrollment: 88% of capacity. On track for 95% by spring." } } },
	};
	int err = RT_OK;

	for (size_t i = 0; i < sizeof demo / sizeof demo[0] && !err; i++)
		err = demo_one(srv, ids, people, &demo[i]);
	return err;
}

/* ---- the op table ---- */

#define COALITION { "coalition", A_STR, 1, 64 }
#define MILESTONE { "milestone", A_INT, 1, 0 }

const struct op milestones_ops[] = {
	{ "milestone.template", ms_template, OP_AUTH, 0, { { 0 } } },
	/* roles checked in ms_create (clearer message; and no core role check) */
	{ "milestone.create", ms_create, OP_AUTH | OP_WRITE | OP_MEMBER, 0,
	  { COALITION, { "title", A_STR, 1, TITLE_MAX }, { "body", A_STR, 1, TEXT_MAX },
	    { "category", A_STR, 0, CATEGORY_MAX }, { "due", A_STR, 0, 40 }, { "owner", A_INT, 0, 0 },
	    { "metric", A_OBJ, 0, 0 } } },
	{ "milestone.update", ms_update, OP_AUTH | OP_WRITE, 0,
	  { MILESTONE, { "status", A_STR, 0, 16 }, { "value", A_NUM, 0, 0 }, { "note", A_STR, 1, NOTE_MAX } } },
	{ "milestone.list", ms_list, OP_AUTH | OP_MEMBER, 0, { COALITION } },
	{ "milestone.get", ms_get, OP_AUTH, 0, { MILESTONE } },
	{ "milestone.link", ms_link, OP_AUTH | OP_WRITE, 0,
	  { MILESTONE, { "decision", A_INT, 0, 0 }, { "mou", A_INT, 0, 0 }, { "thread", A_INT, 0, 0 } } },
	{ "milestone.unlink", ms_unlink, OP_AUTH | OP_WRITE, 0,
	  { MILESTONE, { "decision", A_INT, 0, 0 }, { "mou", A_INT, 0, 0 }, { "thread", A_INT, 0, 0 } } },
	{ "milestone.links_for", ms_links_for, OP_AUTH | OP_MEMBER, 0,
	  { COALITION, { "kind", A_STR, 1, 16 }, { "id", A_INT, 1, 0 } } },
	{ 0 }
};
