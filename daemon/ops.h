/*
 * ops.h: the op table, every operation of the protocol in one place
 * (ops.c). Each area's handlers are declared in that area's header.
 */
#ifndef RT_OPS_H
#define RT_OPS_H

#include "dispatch.h"

/* Terminated by an entry with a NULL name. */
extern const struct op rt_ops[];

#endif
