/*
 * export_decision.c: GET /export/decision/<id>.csv, a decision's tally as
 * CSV. It reads through the protocol's own ops (decision.get and
 * decision.tally with dispatch_call), so the export shows exactly what the
 * member may see: nothing of a tally hidden until the close, and never a
 * voter of a secret ballot.
 */
#include "csv.h"
#include "dispatch.h"
#include "hooks.h"
#include "rt.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void row(FILE *f, const char *a, const char *b)
{
	csv_field(f, a, 0);
	csv_next(f, 0);
	csv_field(f, b, 1);
	csv_next(f, 1);
}

static void row_int(FILE *f, const char *a, json_t *v)
{
	char n[32];
	if (json_is_integer(v))
		snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(n, sizeof n, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(n, sizeof n, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(n, sizeof n, "%s", "");
	row(f, a, n);
}

int export_decision_csv(struct server *srv, int64_t member_id, int64_t decision, char **csv)
{
	json_t *args = json_pack("{s:I}", "decision", (json_int_t)decision), *got = NULL, *tally = NULL;
	json_t *d, *outcome, *counts, *v;
	const char *k;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int err;

	*csv = NULL;
	if ((err = dispatch_call(srv, member_id, "decision.get", args, &got, NULL)) != RT_OK ||
	    (err = dispatch_call(srv, member_id, "decision.tally", args, &tally, NULL)) != RT_OK)
		goto done;
	if (!(f = open_memstream(&buf, &len))) {
		err = RT_EINTERNAL;
		goto done;
	}
	d = json_object_get(got, "decision");
	outcome = json_object_get(tally, "outcome");
	row(f, "field", "value");
	row_int(f, "decision", json_object_get(d, "id"));
	row(f, "title", json_string_value(json_object_get(d, "title")));
	row(f, "kind", json_string_value(json_object_get(d, "kind")));
	row(f, "status", json_string_value(json_object_get(d, "status")));
	row(f, "closes_at", json_string_value(json_object_get(d, "closes_at")));
	row(f, "threshold", json_string_value(json_object_get(d, "threshold")));
	row_int(f, "quorum", json_object_get(d, "quorum"));
	row_int(f, "secret", json_object_get(d, "secret"));
	row_int(f, "eligible", json_object_get(tally, "eligible"));
	row_int(f, "cast", json_object_get(tally, "cast"));
	row_int(f, "quorum_met", json_object_get(tally, "quorum_met"));
	row(f, "result", json_string_value(json_object_get(outcome, "result")));
	row(f, "winner", json_string_value(json_object_get(outcome, "winner")));
	counts = json_object_get(tally, "counts");
	json_object_foreach(counts, k, v) {
		char label[300];
		snprintf(label, sizeof label, "count: %s", k);
		row_int(f, label, v);
	}
	err = RT_OK;
done:
	if (f) {
		fclose(f);
		if (err == RT_OK)
			*csv = buf;
		else
			free(buf);
	}
	json_decref(args);
	json_decref(got);
	json_decref(tally);
	return err;
}
