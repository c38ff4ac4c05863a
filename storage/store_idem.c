/*
 * store_idem.c: sealed idempotency records (see store_idem.h).
 */
#include "store_idem.h"
#include "stmt.h"
#include "rt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONCE crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define MAC   crypto_aead_chacha20poly1305_ietf_ABYTES

/* out = SHA-256(label ‖ NUL ‖ member as 8 big-endian bytes ‖ key). */
static void derive(unsigned char out[32], const char *label, int64_t member_id, const char *key)
{
	crypto_hash_sha256_state h;
	unsigned char m[8];
	for (int i = 0; i < 8; i++)
		m[i] = (unsigned char)((uint64_t)member_id >> (56 - 8 * i));
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)label, strlen(label) + 1);
	crypto_hash_sha256_update(&h, m, sizeof m);
	crypto_hash_sha256_update(&h, (const unsigned char *)key, strlen(key));
	crypto_hash_sha256_final(&h, out);
}

int store_idem_get(struct db *db, int64_t member_id, const char *key, char **reply,
                   char *op, size_t op_size)
{
	unsigned char tag[32], k[32];
	unsigned char *plain = NULL;
	sqlite3_stmt *st = db_prep(db, "SELECT sealed FROM idempotency WHERE member_id = ? AND tag = ?");
	int rc, err = RT_EINTERNAL;

	*reply = NULL;
	if (!st)
		return RT_EINTERNAL;
	derive(tag, "rt.idem.tag", member_id, key);
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_blob(st, 2, tag, sizeof tag, SQLITE_STATIC);
	/* A failed read is an error: read as "no such key", the write would run twice. */
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		err = RT_OK;
		goto done;
	}
	if (rc != SQLITE_ROW)
		goto done;
	const unsigned char *sealed = sqlite3_column_blob(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0), len;
	if (!sealed || n < NONCE + MAC + 2)
		goto done;
	len = n - NONCE - MAC;
	if (!(plain = malloc(len + 1)))
		goto done;
	derive(k, "rt.idem.seal", member_id, key);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL, sealed + NONCE, n - NONCE, NULL, 0,
	                                              sealed, k) != 0)
		goto done;
	plain[len] = '\0';
	size_t oplen = strlen((char *)plain);
	if (oplen >= len || !(*reply = strdup((char *)plain + oplen + 1)))
		goto done;
	snprintf(op, op_size, "%s", (char *)plain);
	err = RT_OK;
done:
	sqlite3_reset(st);
	sodium_memzero(k, sizeof k);
	if (plain)
		sodium_memzero(plain, strlen((char *)plain));
	free(plain);
	return err;
}

int store_idem_expire(struct db *db)
{
	char cutoff[21];
	sqlite3_stmt *st = db_prep(db, "DELETE FROM idempotency WHERE created_at < ?");
	if (!st)
		return RT_EINTERNAL;
	rt_time_after(cutoff, -RT_IDEM_TTL);
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int store_idem_put(struct db *db, int64_t member_id, const char *key, const char *op,
                   const char *reply)
{
	static time_t last_expiry;
	unsigned char tag[32], k[32], *plain = NULL, *sealed = NULL;
	size_t oplen = strlen(op), rlen = strlen(reply), len = oplen + 1 + rlen;
	char now[21];
	sqlite3_stmt *st;
	int err = RT_EINTERNAL;
	time_t t = time(NULL);

	if (t - last_expiry >= 3600) {
		if (store_idem_expire(db) != RT_OK)
			return RT_EINTERNAL;
		last_expiry = t;
	}
	if (!(plain = malloc(len)) ||
	    !(sealed = malloc(NONCE + len + MAC)))
		goto done;
	memcpy(plain, op, oplen + 1);
	memcpy(plain + oplen + 1, reply, rlen);
	derive(tag, "rt.idem.tag", member_id, key);
	derive(k, "rt.idem.seal", member_id, key);
	randombytes_buf(sealed, NONCE);
	crypto_aead_chacha20poly1305_ietf_encrypt(sealed + NONCE, NULL, plain, len, NULL, 0, NULL, sealed, k);
	if (!(st = db_prep(db, "INSERT INTO idempotency(member_id, tag, sealed, created_at) VALUES (?,?,?,?)")))
		goto done;
	rt_now(now);
	sqlite3_bind_int64(st, 1, member_id);
	sqlite3_bind_blob(st, 2, tag, sizeof tag, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, sealed, (int)(NONCE + len + MAC), SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	err = db_step_done(db, st);
done:
	sodium_memzero(k, sizeof k);
	if (plain)
		sodium_memzero(plain, len);
	free(plain);
	free(sealed);
	return err;
}
