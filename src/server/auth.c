/* Passwords, tokens and callers (see auth.h). */
#include "server/auth.h"

#include <string.h>
#include <sodium.h>

#include "server/store.h"

int auth_hash_password(const char *password, char out[AUTH_HASH_LEN])
{
	_Static_assert(AUTH_HASH_LEN >= crypto_pwhash_STRBYTES, "hash buffer too small");
	return crypto_pwhash_str_alg(out, password, strlen(password),
				     crypto_pwhash_OPSLIMIT_INTERACTIVE,
				     crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

bool auth_check_password(const char *hash, const char *password)
{
	static char dummy[AUTH_HASH_LEN];
	if (!hash || !*hash) {
		/* Spend the same effort as a real check. */
		if (!dummy[0])
			auth_hash_password("guichet-timing-equaliser", dummy);
		if (crypto_pwhash_str_verify(dummy, password, strlen(password)) == 0)
			return false;
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void auth_new_token(char out[AUTH_TOKEN_LEN], unsigned char hash[32])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	auth_token_hash(out, hash);
}

void auth_token_hash(const char *token, unsigned char hash[32])
{
	crypto_generichash(hash, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static const struct {
	const char *name;
	int bit;
} role_names[] = {
	{ "public", ROLE_PUBLIC },   { "service", ROLE_SERVICE }, { "agent", ROLE_AGENT },
	{ "supervisor", ROLE_SUPERVISOR }, { "admin", ROLE_ADMIN },
};

int auth_role_bit(const char *role)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(role_names[i].name, role) == 0)
			return role_names[i].bit;
	return ROLE_NONE;
}

const char *auth_role_name(int role)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role_names[i].bit == role)
			return role_names[i].name;
	return "none";
}

int auth_token_caller(struct store_tx *tx, const char *token, int64_t now, struct caller *c)
{
	if (strlen(token) != AUTH_TOKEN_LEN - 1)
		return STORE_NOT_FOUND;
	unsigned char hash[32];
	auth_token_hash(token, hash);
	return auth_hash_caller(tx, hash, now, c);
}

int auth_hash_caller(struct store_tx *tx, const unsigned char hash[32], int64_t now,
		     struct caller *c)
{
	char role[16];
	memset(c, 0, sizeof(*c));
	memcpy(c->token_hash, hash, sizeof(c->token_hash));
	int rc = tx->ops->token_lookup(tx, hash, now, &c->token_id, &c->agent_id, &c->chat_id, role,
				       c->login);
	if (rc != STORE_OK)
		return rc;
	c->role = auth_role_bit(role);
	if (c->role == ROLE_NONE)
		return STORE_NOT_FOUND;
	if (c->agent_id)
		rc = tx->ops->agent_service_ids(tx, c->agent_id, c->services, CALLER_MAX_SERVICES,
						&c->nservices);
	return rc;
}

/* A ticket is base64url(token hash | expiry, 8 bytes big-endian | MAC of
 * both): it names the token without being it, and the MAC (HMAC-SHA-512/256
 * under the process's key) makes it unforgeable. */
#define TICKET_RAW (32 + 8 + crypto_auth_BYTES)
_Static_assert(AUTH_TICKET_LEN > (TICKET_RAW * 4 + 2) / 3, "ticket buffer too small");

void auth_ticket_make(const unsigned char key[32], const unsigned char hash[32], int64_t expiry,
		      char out[AUTH_TICKET_LEN])
{
	unsigned char raw[TICKET_RAW];
	memcpy(raw, hash, 32);
	for (int i = 0; i < 8; i++)
		raw[32 + i] = (unsigned char)((uint64_t)expiry >> (56 - 8 * i));
	crypto_auth(raw + 40, raw, 40, key);
	sodium_bin2base64(out, AUTH_TICKET_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int auth_ticket_check(const unsigned char key[32], const char *ticket, int64_t now,
		      unsigned char hash[32])
{
	unsigned char raw[TICKET_RAW];
	size_t n = 0;
	if (strlen(ticket) >= AUTH_TICKET_LEN ||
	    sodium_base642bin(raw, sizeof(raw), ticket, strlen(ticket), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(raw) || crypto_auth_verify(raw + 40, raw, 40, key) != 0)
		return -1;
	uint64_t expiry = 0;
	for (int i = 0; i < 8; i++)
		expiry = expiry << 8 | raw[32 + i];
	if ((int64_t)expiry < now)
		return -1;
	memcpy(hash, raw, 32);
	return 0;
}
