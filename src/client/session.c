/* The session token (see session.h). */
#include "client/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/net.h"
#include "client/paths.h"
#include "client/sync.h"

/* One file per server: token-<hash of the URL>, in $XDG_STATE_HOME/guichet.
 * 0, or -1 with err set. */
static int token_path(const char *server, char *out, size_t n, char *err, size_t errlen)
{
	char dir[1000];
	unsigned char h[8];
	char hex[17];
	if (paths_dir(PATHS_STATE, dir, sizeof(dir), err, errlen) < 0)
		return -1;
	crypto_generichash(h, sizeof(h), (const unsigned char *)server, strlen(server), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, n, "%s/token-%s", dir, hex);
	return 0;
}

int session_token_load(const char *server, char *out, size_t n, char *login, size_t loginlen)
{
	char path[1100], saved[128], err[512];
	if (token_path(server, path, sizeof(path), err, sizeof(err)) < 0)
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *ok = fgets(out, (int)n, f);
	/* the login: saved since the outbox keeps a file (older files: left as given) */
	if (ok && loginlen && fgets(saved, sizeof(saved), f)) {
		saved[strcspn(saved, "\r\n")] = '\0';
		if (saved[0])
			snprintf(login, loginlen, "%s", saved);
	}
	fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] ? 0 : -1;
}

int session_token_save(const char *server, const char *token, const char *login, char *err,
		       size_t errlen)
{
	char path[1100], tmp[1200], text[800];
	if (token_path(server, path, sizeof(path), err, errlen) < 0)
		return -1;
	int len = snprintf(text, sizeof(text), "%s\n%s\n", token, login ? login : "");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (len < 0 || (size_t)len >= sizeof(text) || fd < 0 || fchmod(fd, 0600) < 0 ||
	    write(fd, text, (size_t)len) != len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, len < 0 || (size_t)len >= sizeof(text)
			 ? _("jeton trop long") : strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		explicit_bzero(text, sizeof(text));
		return -1;
	}
	explicit_bzero(text, sizeof(text));
	return 0;
}

struct login_wait {
	bool done;
	int status;
	char token[128];
	char why[256];
};

static void on_login(void *arg, const struct net_result *res)
{
	struct login_wait *w = arg;
	const char *tok = json_string_value(json_object_get(res->body, "token"));
	const char *detail = json_string_value(json_object_get(res->body, "detail"));
	w->done = true;
	w->status = res->status;
	if (res->status == 200 && tok)
		snprintf(w->token, sizeof(w->token), "%s", tok);
	else
		snprintf(w->why, sizeof(w->why), "%s",
			 detail ? detail : res->error ? res->error : _("réponse inattendue"));
}

int session_login(struct desk *d, const char *login, const char *password, char *out, size_t n,
		  char *err, size_t errlen)
{
	struct login_wait w = { 0 };
	json_t *body = json_pack("{ssss}", "login", login, "password", password);
	int rc = body ? net_request(d->net, "POST", "/api/v1/auth/login", body, NULL, NULL,
				   on_login, &w)
		      : -1;
	json_decref(body);
	if (rc < 0) {
		snprintf(err, errlen, _("connexion impossible"));
		return -1;
	}
	while (!w.done)
		if (sync_turn(d, 1000) < 0)
			break;
	if (!w.done || w.status != 200) {
		snprintf(err, errlen, _("connexion refusée : %s"), w.done ? w.why : _("le réseau"));
		return -1;
	}
	snprintf(out, n, "%s", w.token);
	sodium_memzero(w.token, sizeof(w.token));
	return 0;
}

struct me_wait {
	struct desk *d;
	bool done;
	int status;
};

static void on_me(void *arg, const struct net_result *res)
{
	struct me_wait *w = arg;
	w->done = true;
	w->status = res->status;
	if (res->status == 200)
		sync_take_me(w->d, res->body); /* so the desk need not ask again */
}

int session_valid(struct desk *d)
{
	struct me_wait w = { d, false, 0 };
	if (net_request(d->net, "GET", "/api/v1/me", NULL, NULL, NULL, on_me, &w) < 0)
		return -1;
	while (!w.done)
		if (sync_turn(d, 1000) < 0)
			break;
	return !w.done || w.status == 0 ? -1 : w.status == 401 ? 0 : 1;
}
