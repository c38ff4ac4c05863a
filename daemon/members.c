/*
 * members.c: coalition and member operations (see members.h).
 */
#include "members.h"
#include "db.h"
#include "names.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"
#include "store_members.h"

#include <stdio.h>
#include <string.h>

int members_slug_ok(const char *slug)
{
	size_t n = strlen(slug);
	if (n < 2 || n > 40 || slug[0] < 'a' || slug[0] > 'z')
		return 0;
	for (const char *p = slug; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

static const char *arg_str(struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->args, name));
}

int members_coalition_create(struct req *r)
{
	const char *slug = arg_str(r, "slug"), *name = arg_str(r, "name");
	const char *desc = arg_str(r, "description");
	json_t *coalition = NULL, *me = NULL;
	int64_t id;
	int err;

	if (!members_slug_ok(slug))
		return req_fail(r, RT_EBADREQ, "slug", "a slug has 2 to 40 characters a-z, 0-9 and -, starting with a letter");
	if (!*name)
		return req_fail(r, RT_EBADREQ, "name", "name must not be empty");
	err = store_coalition_create(r->srv->db, slug, name, desc, &id);
	if (err == RT_ECONFLICT)
		return req_fail(r, RT_ECONFLICT, "slug", "a coalition with this slug exists");
	if (err || (err = store_membership_set(r->srv->db, id, r->member_id, ROLE_CONVENER, NULL, NULL)) ||
	    (err = store_coalition_json(r->srv->db, id, &coalition)) ||
	    (err = store_membership_json(r->srv->db, id, r->member_id, &me)))
		return req_fail(r, err, NULL, "could not create the coalition");
	if ((err = req_event(r, id, "coalition.created", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O}", "coalition", coalition))) ||
	    (err = req_event(r, id, "member.joined", AUD_ALL, 0, r->member_id, json_pack("{s:o}", "member", me)))) {
		json_decref(coalition);
		return err;
	}
	r->data = json_pack("{s:o}", "coalition", coalition);
	return RT_OK;
}

int members_coalition_get(struct req *r)
{
	json_t *coalition = NULL, *members = NULL;
	if (store_coalition_json(r->srv->db, r->coalition_id, &coalition) != RT_OK ||
	    store_coalition_members(r->srv->db, r->coalition_id, &members) != RT_OK) {
		json_decref(coalition);
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the coalition");
	}
	r->data = json_pack("{s:o, s:o, s:{s:I, s:o}}", "coalition", coalition, "members", members,
	                    "me", "id", (json_int_t)r->member_id, "roles", roles_to_json(r->roles));
	return RT_OK;
}

int members_coalition_list(struct req *r)
{
	json_t *list = NULL;
	if (store_coalitions_of(r->srv->db, r->member_id, r->is_admin, &list) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not list coalitions");
	r->data = json_pack("{s:o}", "coalitions", list);
	return RT_OK;
}

int members_subscribe(struct req *r)
{
	json_t *since = json_object_get(r->args, "since"), *sp = json_object_get(r->args, "since_private");
	int64_t last = store_events_wire_seq(r->srv->db, r->coalition_id);
	r->subscribe_coalition = r->coalition_id;
	/* Without since, only events from now on. */
	r->subscribe_since = since ? (int64_t)json_integer_value(since) : last;
	r->subscribe_since_private = sp ? (int64_t)json_integer_value(sp) : -1;
	r->data = json_pack("{s:I, s:I}", "seq", (json_int_t)last, "private",
	                    (json_int_t)store_events_last_pseq(r->srv->db, r->coalition_id, r->member_id));
	return RT_OK;
}

/* Reads an optional organization argument: NULL when absent, "" refused. */
static int arg_organization(struct req *r, const char **out)
{
	*out = arg_str(r, "organization");
	if (*out && !**out)
		return req_fail(r, RT_EBADREQ, "organization", "organization must not be empty; leave it out instead");
	return RT_OK;
}

int members_invite(struct req *r)
{
	struct invite inv = { .coalition_id = r->coalition_id };
	const char *email = arg_str(r, "email"), *org, *why;
	char token[44], now[21], name[NAME_BYTES_MAX + 1];
	unsigned char hash[32];
	json_t *invite;
	int64_t id;
	int err;

	if (!strchr(email, '@') || strchr(email, ' ') || strlen(email) < 3)
		return req_fail(r, RT_EBADREQ, "email", "this is not an email address");
	if ((why = name_check(arg_str(r, "name"), name)))
		return req_fail(r, RT_EBADREQ, "name", "%s", why);
	if (roles_from_json(&inv.roles, json_object_get(r->args, "roles")) != RT_OK || !inv.roles)
		return req_fail(r, RT_EBADREQ, "roles", "roles must list at least one of convener, design_team, provider, funder, hub, parent, observer");
	if (arg_organization(r, &org) != RT_OK)
		return r->err;
	snprintf(inv.email, sizeof inv.email, "%s", email);
	snprintf(inv.name, sizeof inv.name, "%s", name);
	if ((inv.has_org = org != NULL))
		snprintf(inv.organization, sizeof inv.organization, "%s", org);
	rt_time_after(inv.expires_at, INVITE_SECONDS);
	rt_token_new(token);
	rt_sha256(hash, token, strlen(token));
	if ((err = store_invite_create(r->srv->db, &inv, hash, r->member_id, &id)) != RT_OK)
		return req_fail(r, err, NULL, "could not create the invitation");
	rt_now(now);
	invite = json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:n, s:s}", "id", (json_int_t)id, "email", email,
	                   "name", name, "roles", roles_to_json(inv.roles),
	                   "organization", org ? json_string(org) : json_null(), "created_at", now,
	                   "accepted_at", "expires_at", inv.expires_at);
	/* Only conveners see invitations; the token is never in the event. */
	if ((err = req_event(r, r->coalition_id, "member.invited", AUD_CONVENERS, 0, r->member_id,
	                     json_pack("{s:O}", "invite", invite))) != RT_OK) {
		json_decref(invite);
		return err;
	}
	r->data = json_pack("{s:s, s:o}", "invite_token", token, "invite", invite);
	return RT_OK;
}

int members_invite_get(struct req *r)
{
	const char *token = arg_str(r, "invite_token");
	struct invite inv;
	unsigned char hash[32];
	json_t *coalition = NULL;
	char now[21];

	rt_sha256(hash, token, strlen(token));
	rt_now(now);
	if (store_invite_by_hash(r->srv->db, hash, &inv) != RT_OK || inv.accepted ||
	    strcmp(inv.expires_at, now) <= 0)
		return req_fail(r, RT_ENOTFOUND, "invite_token", "no such invitation, or it was used or expired");
	if (store_coalition_json(r->srv->db, inv.coalition_id, &coalition) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the coalition");
	r->data = json_pack("{s:o, s:{s:s, s:s, s:o, s:o, s:s}}", "coalition", coalition, "invite",
	                    "email", inv.email, "name", inv.name, "roles", roles_to_json(inv.roles),
	                    "organization", inv.has_org ? json_string(inv.organization) : json_null(),
	                    "expires_at", inv.expires_at);
	return RT_OK;
}

int members_invite_list(struct req *r)
{
	json_t *list = NULL;
	if (store_invite_list(r->srv->db, r->coalition_id, &list) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not list invitations");
	r->data = json_pack("{s:o}", "invites", list);
	return RT_OK;
}

int members_set_roles(struct req *r)
{
	int64_t member = json_integer_value(json_object_get(r->args, "member"));
	const char *org;
	unsigned roles, old;
	json_t *m = NULL;
	int err;

	if (roles_from_json(&roles, json_object_get(r->args, "roles")) != RT_OK || !roles)
		return req_fail(r, RT_EBADREQ, "roles", "roles must list at least one of convener, design_team, provider, funder, hub, parent, observer");
	if (arg_organization(r, &org) != RT_OK)
		return r->err;
	if ((err = store_membership_roles(r->srv->db, r->coalition_id, member, &old)) != RT_OK)
		return err == RT_ENOTFOUND ? req_fail(r, RT_ENOTFOUND, "member", "no such member in this coalition")
		                           : req_fail(r, RT_EINTERNAL, NULL, "could not read the membership");
	if (member == r->member_id && !(roles & ROLE_CONVENER))
		return req_fail(r, RT_ECONFLICT, "roles", "you cannot remove your own convener role; ask another convener");
	if ((err = store_membership_set(r->srv->db, r->coalition_id, member, roles, org, NULL)) ||
	    (err = store_membership_json(r->srv->db, r->coalition_id, member, &m)))
		return req_fail(r, err, NULL, "could not change the roles");
	if ((err = req_event(r, r->coalition_id, "member.updated", AUD_ALL, 0, r->member_id,
	                     json_pack("{s:O}", "member", m))) != RT_OK) {
		json_decref(m);
		return err;
	}
	r->data = json_pack("{s:o}", "member", m);
	return RT_OK;
}

int members_update_profile(struct req *r)
{
	struct db *db = r->srv->db;
	char name[NAME_BYTES_MAX + 1];
	const char *why = name_check(arg_str(r, "name"), name);
	json_t *me = NULL, *ids = NULL, *id, *m;
	size_t i;
	int err;

	if (why)
		return req_fail(r, RT_EBADREQ, "name", "%s", why);
	if (store_member_json(db, r->member_id, &me) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not read your account");
	if (strcmp(json_string_value(json_object_get(me, "name")), name) == 0)
		goto reply; /* unchanged: no event */
	json_decref(me);
	me = NULL;
	if ((err = store_member_set_name(db, r->member_id, name)) ||
	    (err = store_member_coalition_ids(db, r->member_id, &ids)) ||
	    (err = store_member_json(db, r->member_id, &me)))
		goto fail;
	/* Every coalition the member is in sees the new name, as a role change. */
	json_array_foreach(ids, i, id) {
		int64_t cid = json_integer_value(id);
		if ((err = store_membership_json(db, cid, r->member_id, &m)))
			goto fail;
		if ((err = req_event(r, cid, "member.updated", AUD_ALL, 0, r->member_id, json_pack("{s:o}", "member", m))))
			goto done;
	}
reply:
	r->data = json_pack("{s:o}", "member", me);
	me = NULL;
	err = r->data ? RT_OK : req_fail(r, RT_EINTERNAL, NULL, "out of memory");
	goto done;
fail:
	err = req_fail(r, err, NULL, "could not change your name");
done:
	json_decref(me);
	json_decref(ids);
	return err;
}
