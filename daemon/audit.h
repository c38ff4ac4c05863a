/*
 * audit.h: reading and checking a coalition's audit trail, the hash chain of
 * its event log (storage/store_events.c). Conveners only.
 */
#ifndef RT_AUDIT_H
#define RT_AUDIT_H

#include "dispatch.h"

int audit_list(struct req *r);
int audit_verify(struct req *r);

#endif
