/*
 * ops.c: the op table. Each entry: name, handler, flags (dispatch.h), the
 * roles it needs in the coalition named by its `coalition` argument, and
 * its arguments {name, type, required, max}. dispatch.c checks all of it
 * before a handler runs, so handlers only hold the rules of their area.
 * This file holds the foundation's ops; each area keeps its table beside its
 * handlers (discussions.c, rfq.c, ...).
 */
#include "ops.h"
#include "audit.h"
#include "auth.h"
#include "members.h"
#include "names.h"
#include "rt.h"

#define COALITION { "coalition", A_STR, 1, 64 }
#define NAME_MAX_LEN 200
#define TEXT_MAX (64 * 1024)

static const struct op foundation_ops[] = {
	/* sessions */
	{ "auth.login", auth_login, OP_NOTXN, 0,
	  { { "email", A_STR, 1, 254 }, { "password", A_STR, 1, PASSWORD_MAX } } },
	{ "auth.resume", auth_resume, 0, 0, { { "token", A_STR, 1, 64 } } },
	{ "auth.logout", auth_logout, OP_AUTH | OP_WRITE, 0, { { 0 } } },
	{ "auth.whoami", auth_whoami, OP_AUTH, 0, { { 0 } } },
	{ "auth.accept_invite", auth_accept_invite, OP_NOTXN, 0,
	  { { "invite_token", A_STR, 1, 64 }, { "password", A_STR, 1, PASSWORD_MAX },
	    { "name", A_STR, 0, NAME_ARG_MAX } } },
	{ "member.update_profile", members_update_profile, OP_AUTH | OP_WRITE, 0,
	  { { "name", A_STR, 1, NAME_ARG_MAX } } },

	/* coalitions, members, roles */
	{ "coalition.create", members_coalition_create, OP_AUTH | OP_WRITE | OP_ADMIN, 0,
	  { { "slug", A_STR, 1, 40 }, { "name", A_STR, 1, NAME_MAX_LEN },
	    { "description", A_STR, 0, TEXT_MAX } } },
	{ "coalition.list", members_coalition_list, OP_AUTH, 0, { { 0 } } },
	{ "coalition.get", members_coalition_get, OP_AUTH | OP_MEMBER, 0, { COALITION } },
	{ "coalition.subscribe", members_subscribe, OP_AUTH | OP_MEMBER, 0,
	  { COALITION, { "since", A_INT, 0, 0 }, { "since_private", A_INT, 0, 0 } } },
	{ "member.invite", members_invite, OP_AUTH | OP_WRITE | OP_MEMBER, ROLE_CONVENER,
	  { COALITION, { "email", A_STR, 1, 254 }, { "name", A_STR, 1, NAME_ARG_MAX },
	    { "roles", A_ARR, 1, 7 }, { "organization", A_STR, 0, NAME_MAX_LEN } } },
	{ "invite.get", members_invite_get, 0, 0, { { "invite_token", A_STR, 1, 64 } } },
	{ "invite.list", members_invite_list, OP_AUTH | OP_MEMBER, ROLE_CONVENER, { COALITION } },
	{ "member.set_roles", members_set_roles, OP_AUTH | OP_WRITE | OP_MEMBER, ROLE_CONVENER,
	  { COALITION, { "member", A_INT, 1, 0 }, { "roles", A_ARR, 1, 7 },
	    { "organization", A_STR, 0, NAME_MAX_LEN } } },

	/* audit */
	{ "audit.list", audit_list, OP_AUTH | OP_MEMBER, ROLE_CONVENER,
	  { COALITION, { "after", A_INT, 0, 0 }, { "limit", A_INT, 0, 1000 } } },
	{ "audit.verify", audit_verify, OP_AUTH | OP_MEMBER, ROLE_CONVENER, { COALITION } },

	{ 0 }
};

const struct op *const rt_op_tables[RT_OP_TABLES] = {
	foundation_ops, discussions_ops, rfq_ops, mou_ops, decisions_ops, milestones_ops,
};
