/* The desk's offline cache (see desk_cache.h). */
#include "client/desk_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cache.h"
#include "client/i18n.h"
#include "client/options.h"
#include "client/paths.h"
#include "client/worklist.h"

static size_t limit_of(const struct desk *d)
{
	const char *mb = d->opts ? options_get(d->opts, "cache_max_mb") : NULL;
	long n = mb ? strtol(mb, NULL, 10) : 64;
	return (size_t)(n > 0 ? n : 64) << 20;
}

void desk_cache_limit(struct desk *d)
{
	if (d->cache)
		cache_set_max(d->cache, limit_of(d));
}

int desk_cache_open(struct desk *d, const char *identity, const char *login, char *err,
		    size_t errlen)
{
	char dir[1000], path[1100];
	struct cache_file_info info;
	if (d->cache || !d->key || !login || !*login)
		return 0;
	if (paths_dir(PATHS_CACHE, dir, sizeof(dir), err, errlen) < 0 ||
	    paths_agent_file(dir, "cache", identity ? identity : "", login, ".db", path,
			     sizeof(path)) < 0)
		return -1;
	if (!(d->cache = cache_open(path, d->key, limit_of(d), &info, err, errlen)))
		return -1;
	cache_attach(d->cache, d->store);
	if (info.set_aside)
		desk_error(d, _("cache : %s ; mis de côté dans %s, reconstruit depuis le serveur"),
			   info.why, info.aside_path);
	worklist_build(d);
	return 0;
}

void desk_cache_tick(struct desk *d, bool force)
{
	char err[600];
	time_t now = time(NULL);
	if (!d->cache || (!force && !cache_due(d->cache, d->store, now, DESK_CACHE_EVERY)))
		return;
	if (cache_save(d->cache, d->store, now, err, sizeof(err)) == 0)
		d->cache_failed = false;
	else if (!d->cache_failed) {
		d->cache_failed = true;
		desk_error(d, "%s", err);
	}
}

void desk_cache_idle(struct desk *d)
{
	if (d->cache)
		cache_search_prepare(d->cache);
}

void desk_cache_close(struct desk *d)
{
	if (!d->cache)
		return;
	desk_cache_tick(d, true);
	cache_detach(d->cache, d->store);
	cache_close(d->cache);
	d->cache = NULL;
}
