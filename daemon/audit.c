/*
 * audit.c: audit.list and audit.verify (see audit.h).
 */
#include "audit.h"
#include "rt.h"
#include "server.h"
#include "store_events.h"

#include <stdlib.h>

int audit_list(struct req *r)
{
	json_t *after = json_object_get(r->args, "after"), *limit = json_object_get(r->args, "limit");
	json_t *entries = NULL;
	int more = 0;
	if (store_audit_list(r->srv->db, r->coalition_id, after ? json_integer_value(after) : 0,
	                     limit ? (int)json_integer_value(limit) : 200, &entries, &more) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not read the audit trail");
	r->data = json_pack("{s:o, s:b}", "entries", entries, "more", more);
	return RT_OK;
}

int audit_verify(struct req *r)
{
	int ok = 0;
	int64_t entries = 0, bad = 0;
	char *head = NULL;
	if (store_audit_verify(r->srv->db, r->coalition_id, &ok, &entries, &bad, &head) != RT_OK)
		return req_fail(r, RT_EINTERNAL, NULL, "could not check the audit trail");
	r->data = json_pack("{s:b, s:I, s:s}", "ok", ok, "entries", (json_int_t)entries, "head", head);
	if (!ok)
		json_object_set_new(r->data, "bad_seq", json_integer(bad));
	free(head);
	return RT_OK;
}
