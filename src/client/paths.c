/* The desk's directories (see paths.h). */
#include "client/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "client/errbuf.h"
#include "client/i18n.h"

/* Each kind: its variable, its default under $HOME, and what to say when
 * there is neither. */
static const struct paths_def {
	const char *env;
	const char *under_home;
	const char *none;
} DEFS[] = {
	[PATHS_DATA] = { "XDG_DATA_HOME", ".local/share",
			 N_("pas de répertoire de données ($XDG_DATA_HOME ou $HOME)") },
	[PATHS_STATE] = { "XDG_STATE_HOME", ".local/state",
			  N_("pas de répertoire d'état ($XDG_STATE_HOME ou $HOME)") },
	[PATHS_CACHE] = { "XDG_CACHE_HOME", ".cache",
			  N_("pas de répertoire de cache ($XDG_CACHE_HOME ou $HOME)") },
	[PATHS_CONFIG] = { "XDG_CONFIG_HOME", ".config",
			   N_("pas de répertoire de configuration ($XDG_CONFIG_HOME ou $HOME)") },
};

/* One directory, 0700 when made: 0 when it is there now, or -1 (errno). */
static int make_one(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) == 0)
		return 0;
	int e = errno;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	errno = e == EEXIST ? ENOTDIR : e;
	return -1;
}

/* mkdir -p: path and each missing parent.  path is cut and mended in
 * place.  0, or -1 with errno set and path naming the one that failed. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		if (make_one(path) < 0)
			return -1; /* path stays cut: it names the culprit */
		*p = '/';
	}
	return make_one(path);
}

/* The path of kind k, not made yet: 0, or -1 with err set. */
static int dir_name(const struct paths_def *def, char *out, size_t n, char *err, size_t errlen)
{
	const char *xdg = getenv(def->env), *home = getenv("HOME");
	int len;
	if (xdg && xdg[0] == '/') /* relative or empty: ignored, as the spec says */
		len = snprintf(out, n, "%s/guichet", xdg);
	else if (home && *home)
		len = snprintf(out, n, "%s/%s/guichet", home, def->under_home);
	else
		return errbuf_set(err, errlen, "%s", _(def->none));
	if (len < 0 || (size_t)len >= n)
		return errbuf_set(err, errlen, _("répertoire de guichet trop long (au plus %zu octets) : %.80s…"),
			    n ? n - 1 : 0, xdg && xdg[0] == '/' ? xdg : home);
	return 0;
}

int paths_dir(enum paths_kind k, char *out, size_t n, char *err, size_t errlen)
{
	if ((unsigned)k >= sizeof(DEFS) / sizeof(DEFS[0]))
		return errbuf_set(err, errlen, "paths_dir: %d ?", (int)k);
	if (dir_name(&DEFS[k], out, n, err, errlen) < 0)
		return -1;
	if (make_dirs(out) < 0)
		return errbuf_set(err, errlen, _("répertoire %s : %s"), out, strerror(errno));
	return 0;
}

int paths_agent_file(const char *dir, const char *prefix, const char *identity,
		     const char *login, const char *suffix, char *out, size_t n)
{
	unsigned char h[12];
	char hex[2 * sizeof(h) + 1];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)identity, strlen(identity) + 1);
	crypto_generichash_update(&st, (const unsigned char *)login, strlen(login));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	int k = snprintf(out, n, "%s/%s-%s%s", dir, prefix, hex, suffix);
	return k > 0 && (size_t)k < n ? 0 : -1;
}
