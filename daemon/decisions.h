/*
 * decisions.h: decision votes. The ops decision.create, decision.list,
 * decision.get, decision.tally, ballot.cast, decision.close and
 * decision.verify (table decisions_ops in decisions.c, declared in hooks.h),
 * the automatic close at closes_at (decisions_tick), and the demo items
 * (decisions_demo). The counting rules are in tally.c; the design of secret
 * ballots and receipts is in docs/protocol.md.
 */
#ifndef RT_DECISIONS_H
#define RT_DECISIONS_H

#include "dispatch.h"
#include "hooks.h"

/* Largest reason, title, option and outcome statement, in bytes. */
#define DECISION_REASON_MAX 2000
#define DECISION_TITLE_MAX 200
#define DECISION_OPTION_MAX 200
#define DECISION_TEXT_MAX (64 * 1024)

/* The system handler that closes one decision that is due: args {decision}.
 * Does nothing (RT_OK) if it is already closed or not yet due. Run it with
 * dispatch_system; decisions_tick does, once a second. */
int decisions_close_due(struct req *r);

#endif
