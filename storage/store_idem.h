/*
 * store_idem.h: idempotency keys of mutating requests. A request sent with a
 * `key` has its first reply stored so that a retry gets it again; the reply
 * may hold a secret (an invitation or respondent token), so what is stored
 * reveals nothing without the client's key:
 *
 *   tag    = SHA-256("rt.idem.tag"  ‖ NUL ‖ member ‖ key)   (the lookup)
 *   k      = SHA-256("rt.idem.seal" ‖ NUL ‖ member ‖ key)   (never stored)
 *   sealed = nonce ‖ ChaCha20-Poly1305-IETF(k, nonce, op ‖ NUL ‖ reply)
 *
 * member is 8 big-endian bytes; the nonce (12 bytes) is random. The tests
 * open records the same way (tests/protocol/lib.mjs idemTag, idemOpen).
 *
 * Rows expire after RT_IDEM_TTL seconds.
 */
#ifndef RT_STORE_IDEM_H
#define RT_STORE_IDEM_H

#include "db.h"

#include <stddef.h>
#include <stdint.h>

/* How long a key is remembered: 30 days (offline clients retry late). */
#define RT_IDEM_TTL (30L * 24 * 3600)

/* The stored reply for (member, key), NULL if none (caller frees), and the
 * op it answered (into op, op_size bytes). RT_EINTERNAL if the read failed
 * or the record does not open (it is never taken for "no such key"). */
int store_idem_get(struct db *db, int64_t member_id, const char *key, char **reply,
                   char *op, size_t op_size);
/* Stores the first reply of op for (member, key), sealed, and deletes rows
 * past their TTL (at most once an hour). */
int store_idem_put(struct db *db, int64_t member_id, const char *key, const char *op,
                   const char *reply);
/* Deletes the rows older than RT_IDEM_TTL. */
int store_idem_expire(struct db *db);

#endif
