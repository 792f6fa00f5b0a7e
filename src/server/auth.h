/* Authentication: Argon2id password hashes (libsodium), random bearer
 * tokens stored only as their BLAKE2b hash, and the caller a token stands
 * for. */
#ifndef GUICHET_SERVER_AUTH_H
#define GUICHET_SERVER_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "server/caller.h"

struct store_tx;

/* Size of a token as text: 32 random bytes in base64url, plus NUL. */
#define AUTH_TOKEN_LEN 44
/* Size of a password hash string. */
#define AUTH_HASH_LEN 128

/* Hash a password with Argon2id into out.  Returns 0 or -1 (out of memory). */
int auth_hash_password(const char *password, char out[AUTH_HASH_LEN]);

/* True when password matches hash.  Takes as long for a NULL hash (an
 * unknown login), so that timing does not tell which logins exist. */
bool auth_check_password(const char *hash, const char *password);

/* A new random token (text in out) and its hash (for the store). */
void auth_new_token(char out[AUTH_TOKEN_LEN], unsigned char hash[32]);

/* The hash under which a token is stored. */
void auth_token_hash(const char *token, unsigned char hash[32]);

/* Fill *c from a token: STORE_OK, STORE_NOT_FOUND (unknown, expired,
 * revoked, disabled agent) or another store error. */
int auth_token_caller(struct store_tx *tx, const char *token, int64_t now, struct caller *c);

/* The same from a token's hash (an event-stream ticket carries it). */
int auth_hash_caller(struct store_tx *tx, const unsigned char hash[32], int64_t now,
		     struct caller *c);

/* Event-stream tickets: EventSource cannot send a header, and a token in a
 * URL ends up in logs and history, so a citizen's page trades its token
 * for a ticket that opens its chat's stream only, until expiry.  Make one
 * for the token of hash; check one (0 and the token's hash, or -1 when
 * forged, damaged or expired). */
#define AUTH_TICKET_LEN 112
void auth_ticket_make(const unsigned char key[32], const unsigned char hash[32], int64_t expiry,
		      char out[AUTH_TICKET_LEN]);
int auth_ticket_check(const unsigned char key[32], const char *ticket, int64_t now,
		      unsigned char hash[32]);

/* ROLE_* bit of a role name ("public" for chat tokens), ROLE_NONE if unknown. */
int auth_role_bit(const char *role);

/* Name of a role bit. */
const char *auth_role_name(int role);

#endif
