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
	char role[16];
	memset(c, 0, sizeof(*c));
	auth_token_hash(token, hash);
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
