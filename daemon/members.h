/*
 * members.h: coalitions and their members: creating coalitions (server
 * administrators), reading a coalition and its members, invitations, roles
 * and organizations, and following a coalition's events.
 */
#ifndef RT_MEMBERS_H
#define RT_MEMBERS_H

#include "dispatch.h"

#define INVITE_SECONDS (14L * 24 * 3600)

int members_coalition_create(struct req *r);
int members_coalition_get(struct req *r);
int members_coalition_list(struct req *r);
int members_subscribe(struct req *r);
int members_invite(struct req *r);
int members_invite_list(struct req *r);
/* invite.get {invite_token}: what an invitation offers, before accepting it (no sign-in). */
int members_invite_get(struct req *r);
int members_set_roles(struct req *r);
/* member.update_profile {name}: the caller changes their own display name
 * (names.h); member.updated in each of their coalitions. */
int members_update_profile(struct req *r);

/* Is this a valid coalition slug (a-z 0-9 -, 2 to 40 chars, starting with a letter)? */
int members_slug_ok(const char *slug);

#endif
