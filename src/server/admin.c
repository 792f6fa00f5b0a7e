/* Administration commands of guichetd, run on the data directory:
 * init, agent add|list|disable|enable, service add|list|sla, token create,
 * audit verify|purge.  Passwords are read from the terminal (echo off) or
 * from standard input, never from the command line. */
#include "server/admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "core/calendar.h"
#include "core/json_bounded.h"
#include "core/model.h"
#include "core/sla.h"
#include "server/auth.h"
#include "server/store.h"
#include "server/tls_cert.h"

static struct store *open_store(const struct admin_opts *o)
{
	char err[512];
	struct store *st = store_open(o->store, o->data_dir, err, sizeof(err));
	if (!st)
		fprintf(stderr, "guichetd: %s\n", err);
	return st;
}

/* Run fn in one write transaction on a fresh store handle. */
static int with_tx(const struct admin_opts *o, int (*fn)(struct store_tx *, const struct admin_opts *))
{
	struct store *st = open_store(o);
	if (!st)
		return 1;
	struct store_tx *tx = store_tx_get(st);
	int status = 1;
	if (tx && tx->ops->begin_write(tx) == STORE_OK) {
		status = fn(tx, o);
		if (status == 0 && tx->ops->commit(tx) != STORE_OK) {
			fprintf(stderr, "guichetd: %s\n", store_tx_error(tx));
			status = 1;
		}
		if (status != 0)
			tx->ops->rollback(tx);
	}
	store_close(st);
	return status;
}

static int store_failed(struct store_tx *tx, int rc, const char *what)
{
	const char *why = rc == STORE_NOT_FOUND ? "not found"
			  : rc == STORE_EXISTS  ? "already exists"
						: store_tx_error(tx);
	fprintf(stderr, "guichetd: %s: %s\n", what, why);
	return 1;
}

int admin_init(const struct admin_opts *o)
{
	char err[512];
	if (mkdir(o->data_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "guichetd: %s: %s\n", o->data_dir, strerror(errno));
		return 1;
	}
	if (tls_cert_ensure(o->data_dir, o->names, 825, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
		return 1;
	}
	struct store *st = open_store(o);
	if (!st)
		return 1;
	printf("guichetd: data directory %s ready (schema %d)\n", o->data_dir,
	       store_schema_version(st));
	printf("  certificate authority for clients: %s/%s\n", o->data_dir, TLS_CA_CERT);
	store_close(st);
	return 0;
}

/* Read a password: twice with echo off on a terminal, else one line. */
static int read_password(char *buf, size_t n)
{
	if (!isatty(STDIN_FILENO)) {
		if (!fgets(buf, (int)n, stdin))
			return -1;
		buf[strcspn(buf, "\r\n")] = '\0';
		return buf[0] ? 0 : -1;
	}
	struct termios old, quiet;
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	char again[1025];
	fprintf(stderr, "Mot de passe / password: ");
	tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	int ok = fgets(buf, (int)n, stdin) != NULL;
	fprintf(stderr, "\nEncore / again: ");
	ok = ok && fgets(again, sizeof(again), stdin) != NULL;
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	buf[strcspn(buf, "\r\n")] = '\0';
	again[strcspn(again, "\r\n")] = '\0';
	ok = ok && buf[0] && strcmp(buf, again) == 0;
	sodium_memzero(again, sizeof(again));
	return ok ? 0 : -1;
}

static json_t *split_list(const char *csv)
{
	json_t *a = json_array();
	if (!csv)
		return a;
	char *copy = strdup(csv), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (*t)
			json_array_append_new(a, json_string(t));
	free(copy);
	return a;
}

static int agent_add(struct store_tx *tx, const struct admin_opts *o)
{
	json_t *a = json_pack("{sssssoss}", "login", o->arg1, "role", o->role ? o->role : "agent",
			      "services", split_list(o->services), "display_name",
			      o->name ? o->name : o->arg1);
	char err[200], pw[1025], hash[AUTH_HASH_LEN];
	int status = 1;
	if (model_check(&MODEL_AGENT, a, MODEL_CREATE, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
		goto out;
	}
	bool need_pw = !o->no_password && strcmp(o->role ? o->role : "agent", "service") != 0;
	if (need_pw && read_password(pw, sizeof(pw)) < 0) {
		fprintf(stderr, "guichetd: no password given (or the two differ)\n");
		goto out;
	}
	if (need_pw && auth_hash_password(pw, hash) < 0) {
		fprintf(stderr, "guichetd: cannot hash the password (out of memory)\n");
		goto out;
	}
	sodium_memzero(pw, sizeof(pw));
	int64_t id;
	int rc = tx->ops->agent_create(tx, a, need_pw ? hash : NULL, &id);
	if (rc != STORE_OK) {
		status = store_failed(tx, rc, o->arg1);
		goto out;
	}
	printf("guichetd: agent %s added (id %lld)\n", o->arg1, (long long)id);
	status = 0;
out:
	json_decref(a);
	return status;
}

int admin_agent_add(const struct admin_opts *o)
{
	return with_tx(o, agent_add);
}

static int agent_list(struct store_tx *tx, const struct admin_opts *o)
{
	(void)o;
	json_t *items = NULL;
	int rc = tx->ops->agent_list(tx, &items);
	if (rc != STORE_OK)
		return store_failed(tx, rc, "agents");
	size_t i;
	json_t *a;
	printf("%-16s %-11s %-9s %-8s %s\n", "LOGIN", "ROLE", "PRESENCE", "STATE", "SERVICES");
	json_array_foreach(items, i, a) {
		char *svcs = json_dumps(json_object_get(a, "services"), JSON_COMPACT);
		printf("%-16s %-11s %-9s %-8s %s\n", json_string_value(json_object_get(a, "login")),
		       json_string_value(json_object_get(a, "role")),
		       json_string_value(json_object_get(a, "presence")),
		       json_integer_value(json_object_get(a, "disabled")) ? "disabled" : "active",
		       svcs ? svcs : "[]");
		free(svcs);
	}
	json_decref(items);
	return 0;
}

int admin_agent_list(const struct admin_opts *o)
{
	return with_tx(o, agent_list);
}

static int agent_disable(struct store_tx *tx, const struct admin_opts *o)
{
	int rc = tx->ops->agent_set_disabled(tx, o->arg1, o->flag);
	if (rc != STORE_OK)
		return store_failed(tx, rc, o->arg1);
	printf("guichetd: agent %s %s\n", o->arg1, o->flag ? "disabled (its tokens are revoked)"
							  : "enabled");
	return 0;
}

int admin_agent_disable(const struct admin_opts *o)
{
	return with_tx(o, agent_disable);
}

static int service_add(struct store_tx *tx, const struct admin_opts *o)
{
	json_t *s = json_pack("{sssssoso}", "slug", o->arg1, "name", o->arg2, "keywords",
			      split_list(o->keywords), "sla",
			      o->sla ? json_loads(o->sla, 0, NULL) : sla_default_policy());
	char err[200];
	int status = 1;
	if (!json_object_get(s, "sla") || json_is_null(json_object_get(s, "sla"))) {
		fprintf(stderr, "guichetd: --sla is not JSON\n");
	} else if (model_check(&MODEL_SERVICE, s, MODEL_CREATE, err, sizeof(err)) < 0 ||
		   sla_check(json_object_get(s, "sla"), err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
	} else {
		int64_t id;
		int rc = tx->ops->service_create(tx, s, &id);
		status = rc == STORE_OK ? 0 : store_failed(tx, rc, o->arg1);
		if (!status)
			printf("guichetd: service %s added (id %lld)\n", o->arg1, (long long)id);
	}
	json_decref(s);
	return status;
}

int admin_service_add(const struct admin_opts *o)
{
	if (!o->arg2) {
		fprintf(stderr, "guichetd: usage: guichetd service add SLUG NAME\n");
		return 2;
	}
	return with_tx(o, service_add);
}

static int service_list(struct store_tx *tx, const struct admin_opts *o)
{
	(void)o;
	json_t *items = NULL;
	int rc = tx->ops->service_list(tx, &items);
	if (rc != STORE_OK)
		return store_failed(tx, rc, "services");
	size_t i;
	json_t *s;
	json_array_foreach(items, i, s) {
		char *sla = json_dumps(json_object_get(s, "sla"), JSON_COMPACT);
		printf("%-20s %-28s %s\n", json_string_value(json_object_get(s, "slug")),
		       json_string_value(json_object_get(s, "name")), sla ? sla : "{}");
		free(sla);
	}
	json_decref(items);
	return 0;
}

int admin_service_list(const struct admin_opts *o)
{
	return with_tx(o, service_list);
}

static int service_sla(struct store_tx *tx, const struct admin_opts *o)
{
	json_t *sla = json_loads(o->arg2, 0, NULL), *svc = NULL;
	char err[200];
	int status = 1, rc;
	if (!sla || sla_check(sla, err, sizeof(err)) < 0)
		fprintf(stderr, "guichetd: %s\n", sla ? err : "the policy is not JSON");
	else if ((rc = tx->ops->service_get(tx, o->arg1, &svc)) != STORE_OK)
		status = store_failed(tx, rc, o->arg1);
	else if ((rc = tx->ops->service_set_sla(tx, json_integer_value(json_object_get(svc, "id")),
						sla)) != STORE_OK)
		status = store_failed(tx, rc, o->arg1);
	else
		status = 0;
	json_decref(sla);
	json_decref(svc);
	return status;
}

int admin_service_sla(const struct admin_opts *o)
{
	if (!o->arg2) {
		fprintf(stderr, "guichetd: usage: guichetd service sla SLUG JSON\n");
		return 2;
	}
	return with_tx(o, service_sla);
}

static int token_create(struct store_tx *tx, const struct admin_opts *o)
{
	json_t *a = NULL;
	int rc = tx->ops->agent_get(tx, o->arg1, false, &a);
	if (rc != STORE_OK)
		return store_failed(tx, rc, o->arg1);
	int64_t id = json_integer_value(json_object_get(a, "id"));
	json_decref(a);
	char token[AUTH_TOKEN_LEN];
	unsigned char hash[32];
	auth_new_token(token, hash);
	int64_t expires = o->days > 0 ? (int64_t)time(NULL) + (int64_t)o->days * 86400 : 0;
	rc = tx->ops->token_create(tx, hash, id, 0, "api", expires, NULL);
	if (rc != STORE_OK)
		return store_failed(tx, rc, o->arg1);
	/* Shown once: only its hash is kept. */
	printf("%s\n", token);
	sodium_memzero(token, sizeof(token));
	return 0;
}

int admin_token_create(const struct admin_opts *o)
{
	return with_tx(o, token_create);
}

static int audit_verify(struct store_tx *tx, const struct admin_opts *o)
{
	(void)o;
	int64_t checked, bad;
	char why[256] = "";
	int rc = tx->ops->audit_verify(tx, &checked, &bad, why, sizeof(why));
	if (rc != STORE_OK)
		return store_failed(tx, rc, "audit");
	if (bad) {
		printf("guichetd: audit log TAMPERED: %s\n", why);
		return 3;
	}
	printf("guichetd: audit log intact (%lld records checked)\n", (long long)checked);
	return 0;
}

int admin_audit_verify(const struct admin_opts *o)
{
	return with_tx(o, audit_verify);
}

static int audit_purge(struct store_tx *tx, const struct admin_opts *o)
{
	int64_t purged;
	int days = o->days > 0 ? o->days : 365;
	int rc = tx->ops->audit_purge(tx, (int64_t)time(NULL) - (int64_t)days * 86400, &purged);
	if (rc != STORE_OK)
		return store_failed(tx, rc, "audit");
	printf("guichetd: %lld audit records older than %d days purged\n", (long long)purged, days);
	return 0;
}

int admin_audit_purge(const struct admin_opts *o)
{
	return with_tx(o, audit_purge);
}
