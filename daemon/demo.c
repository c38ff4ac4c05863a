/*
 * demo.c: the demo coalition (see demo.h). Written through the same storage
 * functions the daemon uses, in one transaction, with the same events and
 * audit entries a convener's invitations would leave.
 */
#include "demo.h"
#include "auth.h"
#include "db.h"
#include "hooks.h"
#include "names.h"
#include "server.h"
#include "rt.h"
#include "store_events.h"
#include "store_members.h"

#include <stdio.h>
#include <string.h>

static const struct demo_member {
	const char *email, *name, *org;
	unsigned roles;
	const char *what;
} people[] = {
	{ "maria@demo.test", "Maria Lopez", "Valley Early Learning Network", ROLE_CONVENER | ROLE_DESIGN_TEAM, "convener" },
	{ "james@demo.test", "James Carter", "Child Care Resource & Referral", ROLE_DESIGN_TEAM, "design team" },
	{ "ana@demo.test", "Ana Ruiz", "Sunrise Child Care Center", ROLE_PROVIDER, "provider (center)" },
	{ "dee@demo.test", "Dee Williams", "Little Steps Family Child Care", ROLE_PROVIDER, "provider (family child care home)" },
	{ "tom@demo.test", "Tom Nguyen", "Bright Futures Preschool", ROLE_PROVIDER | ROLE_DESIGN_TEAM, "provider, design team" },
	{ "grace@demo.test", "Grace Kim", "Valley Community Foundation", ROLE_FUNDER, "funder" },
	{ "luis@demo.test", "Luis Ortega", NULL, ROLE_PARENT, "parent" },
};

/* Appends an event the way a request would (the demo has no session). */
static int demo_event(struct db *db, int64_t cid, const char *type, int64_t actor, json_t *payload)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	struct event_row ev = { .coalition_id = cid, .type = type, .actor = actor, .payload = text };
	int err = text ? store_event_append(db, &ev) : RT_EINTERNAL;
	free(text);
	json_decref(payload);
	return err;
}

int demo_create(struct db *db)
{
	char hash[128];
	int64_t admin = 0, cid = 0, ids_[sizeof people / sizeof people[0]];
	json_t *m = NULL;
	int err;

	if (store_coalition_id(db, DEMO_SLUG, &cid) == RT_OK)
		return RT_ECONFLICT;
	/* One hash for every demo account: they share the documented password. */
	if ((err = auth_hash_password(hash, DEMO_PASSWORD)) != RT_OK)
		return err;
	if ((err = db_begin(db, 1)) != RT_OK)
		return err;
	if ((err = store_member_create(db, "admin@demo.test", "Sam Admin", hash, 1, &admin)) ||
	    (err = store_coalition_create(db, DEMO_SLUG, "Valley Shared Services Alliance",
	             "Centers and family child care homes of the valley pooling billing, HR, purchasing and "
	             "substitute staff through a Hub, and reinvesting the savings in classrooms.", &cid)) ||
	    (err = demo_event(db, cid, "coalition.created", admin,
	                      json_pack("{s:{s:s}}", "coalition", "slug", DEMO_SLUG))))
		goto done;
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		char name[NAME_BYTES_MAX + 1];
		if (name_check(people[i].name, name)) { /* the same rule as everyone's names */
			err = RT_EINTERNAL;
			goto done;
		}
		if ((err = store_member_create(db, people[i].email, name, hash, 0, &ids_[i])) ||
		    (err = store_membership_set(db, cid, ids_[i], people[i].roles, people[i].org, NULL)) ||
		    (err = store_membership_json(db, cid, ids_[i], &m)) ||
		    (err = demo_event(db, cid, "member.joined", ids_[i], json_pack("{s:o}", "member", m))))
			goto done;
	}
	if ((err = db_commit(db)) != RT_OK)
		goto done;
	/* Each area adds its items through its own ops, as the members would. */
	{
		struct server srv = { .db = db };
		struct demo_ids ids = { .coalition = cid, .slug = DEMO_SLUG, .admin = admin, .maria = ids_[0],
		                        .james = ids_[1], .ana = ids_[2], .dee = ids_[3], .tom = ids_[4],
		                        .grace = ids_[5], .luis = ids_[6] };
		int (*const hooks[])(struct server *, const struct demo_ids *) = {
			discussions_demo, rfq_demo, mou_demo, decisions_demo, milestones_demo,
		};
		for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
			if (hooks[i] && (err = hooks[i](&srv, &ids)) != RT_OK) {
				fprintf(stderr, "roundtable: a demo item failed (%s)\n", rt_err_code(err));
				return err;
			}
	}
done:
	if (err) {
		db_rollback(db);
		return err;
	}
	printf("Demo coalition \"%s\" (Valley Shared Services Alliance) created.\n", DEMO_SLUG);
	printf("Every demo login has the password: %s\n\n", DEMO_PASSWORD);
	printf("  %-18s %s\n", "admin@demo.test", "server administrator");
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
		printf("  %-18s %-14s %s%s%s\n", people[i].email, people[i].name, people[i].what,
		       people[i].org ? ", " : "", people[i].org ? people[i].org : "");
	return RT_OK;
}
