/*
 * store_members.h: members (accounts), coalitions, memberships with their
 * roles and organization, sign-in sessions and invitations. All SQL of those
 * tables lives in store_members.c. Functions return RT_OK or an rt_err;
 * json_t results belong to the caller.
 */
#ifndef RT_STORE_MEMBERS_H
#define RT_STORE_MEMBERS_H

#include "db.h"
#include "names.h"
#include <jansson.h>

struct member_auth {
	int64_t id;
	int is_admin;
	char pw_hash[160];
};

/* Creates an account. RT_ECONFLICT if the email is taken. */
int store_member_create(struct db *db, const char *email, const char *name,
                        const char *pw_hash, int is_admin, int64_t *out_id);
/* Looks up an account by email (case-insensitive). RT_ENOTFOUND if none. */
int store_member_by_email(struct db *db, const char *email, struct member_auth *out);
/* {id, name, email, admin} of a member; RT_ENOTFOUND if none. */
int store_member_json(struct db *db, int64_t id, json_t **out);
/* Is the member a server administrator? (0 if unknown) */
int store_member_is_admin(struct db *db, int64_t id);
/* Changes a member's display name (checked by the caller: names.h). */
int store_member_set_name(struct db *db, int64_t id, const char *name);
/* [coalition id] of every coalition the member belongs to. */
int store_member_coalition_ids(struct db *db, int64_t member_id, json_t **out);

/* Creates a coalition. RT_ECONFLICT if the slug is taken. */
int store_coalition_create(struct db *db, const char *slug, const char *name,
                           const char *description, int64_t *out_id);
/* The id of the coalition with this slug; RT_ENOTFOUND if none. */
int store_coalition_id(struct db *db, const char *slug, int64_t *out_id);
/* {slug, name, description} of a coalition. */
int store_coalition_json(struct db *db, int64_t id, json_t **out);
/* The coalition's slug into buf. */
int store_coalition_slug(struct db *db, int64_t id, char *buf, size_t size);
/* [{slug, name, description, roles}] the member belongs to; every coalition if all. */
int store_coalitions_of(struct db *db, int64_t member_id, int all, json_t **out);

/* The member's roles in the coalition; RT_ENOTFOUND if not a member. */
int store_membership_roles(struct db *db, int64_t coalition_id, int64_t member_id, unsigned *roles);
/* Adds the member to the coalition or changes their roles and organization
 * (organization NULL keeps the current one). *created says whether it was new. */
int store_membership_set(struct db *db, int64_t coalition_id, int64_t member_id,
                         unsigned roles, const char *organization, int *created);
/* {id, name, organization, roles} of one membership. */
int store_membership_json(struct db *db, int64_t coalition_id, int64_t member_id, json_t **out);
/* [{id, name, organization, roles}] of every member of the coalition, by name. */
int store_coalition_members(struct db *db, int64_t coalition_id, json_t **out);

/* Sessions: only the SHA-256 of the token is stored. */
int store_session_create(struct db *db, const unsigned char hash[32], int64_t member_id,
                         const char *expires_at);
/* The member of an unexpired session; RT_EUNAUTH if none or expired. */
int store_session_member(struct db *db, const unsigned char hash[32], int64_t *member_id);
int store_session_delete(struct db *db, const unsigned char hash[32]);
/* Deletes the sessions past their expiry; *deleted: how many. */
int store_sessions_expire(struct db *db, int *deleted);

struct invite {
	int64_t id, coalition_id;
	unsigned roles;
	char email[256], name[NAME_BYTES_MAX + 1], organization[256];
	int has_org, accepted;
	char expires_at[21];
};
int store_invite_create(struct db *db, const struct invite *inv, const unsigned char hash[32],
                        int64_t invited_by, int64_t *out_id);
/* The invite with this token hash; RT_ENOTFOUND if none. */
int store_invite_by_hash(struct db *db, const unsigned char hash[32], struct invite *out);
int store_invite_accept(struct db *db, int64_t invite_id, int64_t member_id);
/* [{id, email, name, roles, organization, created_at, accepted_at, expires_at}] newest first. */
int store_invite_list(struct db *db, int64_t coalition_id, json_t **out);

#endif
