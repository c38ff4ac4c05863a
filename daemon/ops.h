/*
 * ops.h: the op table, every operation of the protocol in one place
 * (ops.c). Each area's handlers are declared in that area's header.
 */
#ifndef RT_OPS_H
#define RT_OPS_H

#include "dispatch.h"
#include "hooks.h"

/* The op tables of every area, each terminated by an entry with a NULL
 * name. An area not built in leaves a NULL slot. */
#define RT_OP_TABLES 6
extern const struct op *const rt_op_tables[RT_OP_TABLES];

#endif
